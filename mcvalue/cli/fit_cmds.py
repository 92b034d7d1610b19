"""``mcvalue fit``: fit the Bayesian cost model and report its FTE and diagnostics."""

import typer

import mcvalue
from mcvalue.cli.options import (
    AllowUnconvergedOption,
    DataDirOption,
    JsonOption,
    ModeOption,
    QuietOption,
    RefitOption,
    TargetYearOption,
)


def fit_command(
    mode: ModeOption = None,
    target_year: TargetYearOption = None,
    data_dir: DataDirOption = None,
    as_json: JsonOption = False,
    refit: RefitOption = False,
    allow_unconverged: AllowUnconvergedOption = False,
    quiet: QuietOption = False,
) -> None:
    """Fit the cost model (PyMC), check convergence, and compare its FTE with Table 1 and the bootstrap."""
    summary = mcvalue.fit(
        mode or "clean", target_year=target_year, data_dir=data_dir, refit=refit, allow_unconverged=allow_unconverged, progress=not (quiet or as_json)
    )
    typer.echo(mcvalue.to_json(summary) if as_json else mcvalue.text.render_fit(summary))


def register(app: typer.Typer) -> None:
    """Add ``mcvalue fit`` to the main app."""
    app.command("fit")(fit_command)
