"""``mcvalue data fetch``, ``mcvalue data audit`` and ``mcvalue reproduce``."""

import json
from typing import Annotated, Optional

import typer

from mcvalue.cli.options import BotsOption, DataDirOption, JsonOption, ModeOption
from mcvalue.errors import McValueError

data_app = typer.Typer(help="Get and inspect the paper's GitHub sample.", no_args_is_help=True)


@data_app.command("fetch")
def fetch_command(
    data_dir: Annotated[
        Optional[str],
        typer.Option("--data-dir", help="Download into this directory instead of the user cache."),
    ] = None,
) -> None:
    """Download the three data files (pinned commit, sha256-checked) into the cache or --data-dir."""
    from pathlib import Path

    from mcvalue.data.fetch import fetch

    for path in fetch(Path(data_dir) if data_dir else None).values():
        typer.echo(f"ok  {path}")


def _bot_names(bots: Optional[str]) -> tuple[str, ...]:
    return tuple(name.strip() for name in (bots or "").split(",") if name.strip())


@data_app.command("audit")
def audit_command(data_dir: DataDirOption = None, as_json: JsonOption = False, bots: BotsOption = None) -> None:
    """Report what is wrong with the sample: truncation, bots, duplicates, overlaps, empties, outliers."""
    from mcvalue.data.audit import audit, render

    report = audit(data_dir, _bot_names(bots))
    typer.echo(json.dumps(report, indent=2) if as_json else render(report))


def reproduce_command(mode: ModeOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Table 1 of the paper; without --mode, the published values beside all three modes."""
    from mcvalue.data.tables import MODES
    from mcvalue.table1 import render, reproduce

    if mode is not None and mode not in MODES:
        raise McValueError(f"unknown --mode {mode!r}; choose one of {', '.join(MODES)}")
    record = reproduce(mode, data_dir)
    typer.echo(json.dumps(record, indent=2) if as_json else render(record))


def register(app: typer.Typer) -> None:
    """Add the ``data`` group and the ``reproduce`` command to the main app."""
    app.add_typer(data_app, name="data")
    app.command("reproduce")(reproduce_command)
