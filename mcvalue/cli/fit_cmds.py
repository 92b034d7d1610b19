"""``mcvalue fit``: fit the Bayesian cost model and report its FTE and diagnostics."""

from pathlib import Path
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import (
    AllowUnconvergedOption,
    DataDirOption,
    JsonOption,
    ModeOption,
    QuietOption,
    ReferencesOption,
    RefitOption,
    SampleOption,
    TargetYearOption,
)
from mcvalue.cli.output import results_only_on_stdout, say, say_json, warn


def fit_command(
    mode: ModeOption = None,
    target_year: TargetYearOption = None,
    data_dir: DataDirOption = None,
    sample: SampleOption = None,
    references: ReferencesOption = None,
    as_json: JsonOption = False,
    refit: RefitOption = False,
    allow_unconverged: AllowUnconvergedOption = False,
    quiet: QuietOption = False,
    trend_structure: Annotated[
        str | None,
        typer.Option(
            "--trend-structure",
            help="Time-trend structure: 'repo trends' (default), 'global trend', 'pooled slopes' or 'no extrapolation' "
            "(each repo's trend stopped at its sampled span); see docs/calibrate.md.",
            metavar="NAME",
        ),
    ] = None,
    save: Annotated[
        Path | None, typer.Option("--save", metavar="PATH", help="Also write the posterior to PATH (ArviZ NetCDF; read with arviz.from_netcdf).")
    ] = None,
) -> None:
    """Fit the cost model (PyMC), check convergence, and compare its FTE with Table 1 and the bootstrap."""
    with results_only_on_stdout():
        summary = mcvalue.fit(
            mode, target_year=target_year, data_dir=data_dir, refit=refit, allow_unconverged=allow_unconverged,  # type: ignore[arg-type]  # --mode text as given: the API checks it and names its mode parameter
            progress=not (quiet or as_json), sample=sample, save=save,
            references=references or "sample", trend_structure=trend_structure,
        )
    if save is not None and not quiet:
        say(f"posterior: {save}", err=True)
    for line in summary.get("warnings", []):
        warn(line)
    if as_json:
        say_json(mcvalue.to_json(summary))
    else:
        say(mcvalue.text.render_fit(summary))


def register(app: typer.Typer) -> None:
    """Add ``mcvalue fit`` to the main app."""
    app.command("fit")(fit_command)
