"""``mcvalue priors check | show | new``: validate, display and start prior files.

Fast by design: only the prior modules (pydantic, scipy.special) are imported, and only
inside the commands; no scipy.stats, pandas, pymc or arviz, and matplotlib only for
``priors show --plot``.
"""

import json
from pathlib import Path
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import JsonOption
from mcvalue.cli.output import say, say_json

priors_app = typer.Typer(help="Check, show and start prior files (TOML).", no_args_is_help=True)

PriorFileArgument = Annotated[Path, typer.Argument(help="Prior file (TOML) or a shipped name (default, paper, genai2023).", dir_okay=False)]


@priors_app.command("check")
def check_command(file: PriorFileArgument) -> None:
    """Validate a prior file; every problem is listed as FILE: key: problem (exit code 2)."""
    say(mcvalue.text.check_line(mcvalue.load_scenario(str(file))))


@priors_app.command("show")
def show_command(
    file: Annotated[
        Path | None,
        typer.Argument(help="Prior file (TOML) or a shipped name (default, paper, genai2023); default: the shipped default priors.", dir_okay=False),
    ] = None,
    as_json: JsonOption = False,
    plot: Annotated[
        Path | None, typer.Option("--plot", metavar="PNG", help="Also draw every quantity's density (p5/median/p95, source) into PNG.", dir_okay=False)
    ] = None,
) -> None:
    """Each quantity's distribution, 5th/50th/95th percentiles, mean and source; --plot draws them."""
    scenario = mcvalue.load_scenario(None if file is None else str(file))  # text: a shipped name ("paper") works too
    record = mcvalue.text.show_priors(scenario)
    if plot is not None:
        say(f"figure: {mcvalue.write_prior_plot(scenario, plot)}", err=True)
    if as_json:
        say_json(json.dumps(record, indent=2))
    else:
        say(mcvalue.text.render_priors(record))


@priors_app.command("new")
def new_command(path: Annotated[Path, typer.Argument(help="Where to write the new prior file.", dir_okay=False)]) -> None:
    """Write a fully commented prior file that extends the default (never overwrites)."""
    say(f"wrote {mcvalue.new_prior_file(path)}: edit it, then `mcvalue priors check {path}`")


def register(app: typer.Typer) -> None:
    """Add the ``priors`` group to the main app."""
    app.add_typer(priors_app, name="priors")
