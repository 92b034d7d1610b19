"""``mcvalue data fetch``, ``mcvalue data audit`` and ``mcvalue reproduce``."""

import json
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import BotsOption, DataDirOption, JsonOption, ModeOption

data_app = typer.Typer(help="Get and inspect the paper's GitHub sample.", no_args_is_help=True)


@data_app.command("fetch")
def fetch_command(
    data_dir: Annotated[
        str | None,
        typer.Option("--data-dir", help="Put the files in this directory instead of the user cache."),
    ] = None,
    source: Annotated[
        str | None,
        typer.Option("--from", metavar="DIR", help="Copy a local copy of the data from DIR (sha256-checked) instead of downloading."),
    ] = None,
) -> None:
    """Download the three data files (pinned commit, sha256-checked), or copy them from --from DIR, into the cache or --data-dir."""
    from pathlib import Path

    for path in mcvalue.fetch_data(Path(data_dir) if data_dir else None, source=source).values():
        typer.echo(f"ok  {path}")


def _bot_names(bots: str | None) -> tuple[str, ...]:
    return tuple(name.strip() for name in (bots or "").split(",") if name.strip())


@data_app.command("audit")
def audit_command(data_dir: DataDirOption = None, as_json: JsonOption = False, bots: BotsOption = None) -> None:
    """Report what is wrong with the sample: truncation, bots, duplicates, overlaps, empties, outliers."""
    report = mcvalue.audit(data_dir=data_dir, extra_bots=_bot_names(bots))
    typer.echo(json.dumps(report, indent=2) if as_json else mcvalue.text.render_audit(report))


def reproduce_command(mode: ModeOption = None, data_dir: DataDirOption = None, as_json: JsonOption = False) -> None:
    """Table 1 of the paper; without --mode, the published values beside all three modes."""
    record = mcvalue.reproduce(mode, data_dir=data_dir)
    typer.echo(json.dumps(record, indent=2) if as_json else mcvalue.text.render_table1(record))


def register(app: typer.Typer) -> None:
    """Add the ``data`` group and the ``reproduce`` command to the main app."""
    app.add_typer(data_app, name="data")
    app.command("reproduce")(reproduce_command)
