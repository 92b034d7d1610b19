"""``mcvalue priors check | show | new``: validate, display and start prior files.

Fast by design: only the prior modules (pydantic, scipy) are imported, and only inside
the commands; no pymc, arviz or matplotlib.
"""

import json
from pathlib import Path
from typing import Annotated, Optional

import typer

from mcvalue.cli.options import JsonOption

priors_app = typer.Typer(help="Check, show and start prior files (TOML).", no_args_is_help=True)

PriorFileArgument = Annotated[Path, typer.Argument(help="Prior file (TOML).", dir_okay=False)]


@priors_app.command("check")
def check_command(file: PriorFileArgument) -> None:
    """Validate a prior file; every problem is listed as FILE: key: problem (exit code 2)."""
    from mcvalue.priors.load import load_scenario
    from mcvalue.priors.show import check_line

    typer.echo(check_line(load_scenario(file)))


@priors_app.command("show")
def show_command(
    file: Annotated[Optional[Path], typer.Argument(help="Prior file (TOML); default: the shipped default priors.", dir_okay=False)] = None,
    as_json: JsonOption = False,
) -> None:
    """Each quantity's distribution, 5th/50th/95th percentiles, mean and source."""
    from mcvalue.priors.load import load_scenario
    from mcvalue.priors.show import render, show_record

    record = show_record(load_scenario(file))
    typer.echo(json.dumps(record, indent=2) if as_json else render(record))


@priors_app.command("new")
def new_command(path: Annotated[Path, typer.Argument(help="Where to write the new prior file.", dir_okay=False)]) -> None:
    """Write a fully commented prior file that extends the default (never overwrites)."""
    from mcvalue.priors.load import new_prior_file

    typer.echo(f"wrote {new_prior_file(path)}: edit it, then `mcvalue priors check {path}`")


def register(app: typer.Typer) -> None:
    """Add the ``priors`` group to the main app."""
    app.add_typer(priors_app, name="priors")
