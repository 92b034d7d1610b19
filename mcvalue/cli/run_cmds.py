"""``mcvalue run``, ``mcvalue sensitivity`` and ``mcvalue compare``."""

import json
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer

from mcvalue.cli.options import (
    AllowUnconvergedOption,
    DataDirOption,
    JsonOption,
    ModeOption,
    PriorsOption,
    QuietOption,
    RefitOption,
)

DrawsOption = Annotated[Optional[int], typer.Option("--draws", help="Monte Carlo draws (default: the prior file's run table, else 200,000).")]
SeedOption = Annotated[Optional[int], typer.Option("--seed", help="Random seed (default: the prior file's run table).")]
CostModelOption = Annotated[
    Optional[str],
    typer.Option(
        "--cost-model",
        help="Source of the FTE draws: pymc (Bayesian fit, default), bootstrap (resampling) or table1 (the paper's published figures).",
    ),
]
SwingOption = Annotated[str, typer.Option("--swing", help="Tornado swing as two percentiles, e.g. 10,90 or 5,95.")]


def _echo_err(quiet: bool):
    """Progress printer to stderr, or a no-op when quiet."""
    return (lambda _line: None) if quiet else (lambda line: typer.echo(line, err=True))


def _warn(line: str) -> None:
    typer.echo(f"warning: {line}", err=True)


def _options(priors, draws, seed, mode, cost_model, data_dir, swing, refit, allow_unconverged, quiet):
    """Command-line values -> the pipeline's RunOptions."""
    from mcvalue.pipeline import RunOptions
    from mcvalue.sensitivity import parse_swing

    return RunOptions(
        priors=priors,
        draws=draws,
        seed=seed,
        mode=mode,
        cost_model=cost_model,
        data_dir=data_dir,
        swing=parse_swing(swing),
        refit=refit,
        allow_unconverged=allow_unconverged,
        progress=not quiet,
    )


def run(
    priors: PriorsOption = None,
    name: Annotated[Optional[str], typer.Option("--name", help="Run name: results go to RESULTS_DIR/NAME (default: a timestamp).")] = None,
    draws: DrawsOption = None,
    seed: SeedOption = None,
    mode: ModeOption = None,
    cost_model: CostModelOption = None,
    data_dir: DataDirOption = None,
    results_dir: Annotated[Path, typer.Option("--results-dir", help="Where run directories are written.", file_okay=False)] = Path("results"),
    swing: SwingOption = "10,90",
    refit: RefitOption = False,
    allow_unconverged: AllowUnconvergedOption = False,
    json_out: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Run the whole model and write a report to RESULTS_DIR/NAME/."""
    from mcvalue.pipeline import run_and_write
    from mcvalue.report import headline, summary_bytes

    options = _options(priors, draws, seed, mode, cost_model, data_dir, swing, refit, allow_unconverged, quiet)
    result, path = run_and_write(options, results_dir, name, ["mcvalue", *sys.argv[1:]], _echo_err(quiet), _warn)
    if json_out:
        typer.echo(summary_bytes(result.summary).decode("utf-8"), nl=False)
        return
    if not quiet:
        typer.echo(headline(result.summary).replace("**", ""))
        typer.echo(f"report: {path / 'report.md'}")


def sensitivity(
    priors: PriorsOption = None,
    draws: DrawsOption = None,
    seed: SeedOption = None,
    mode: ModeOption = None,
    cost_model: CostModelOption = None,
    data_dir: DataDirOption = None,
    swing: SwingOption = "10,90",
    refit: RefitOption = False,
    allow_unconverged: AllowUnconvergedOption = False,
    json_out: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Print the tornado and the variance shares of log(BCR) without writing a run."""
    from mcvalue.pipeline import run as run_pipeline
    from mcvalue.sensitivity import render

    options = _options(priors, draws, seed, mode, cost_model, data_dir, swing, refit, allow_unconverged, quiet)
    result = run_pipeline(options, _echo_err(quiet), _warn)
    if json_out:
        typer.echo(json.dumps(result.summary["sensitivity"], indent=2))
    else:
        typer.echo(render(result.tornado, result.shares, result.cost.model))


def compare(
    run_a: Annotated[Path, typer.Argument(help="A run directory, or a prior file to run (nothing is written).")],
    run_b: Annotated[Path, typer.Argument(help="A run directory, or a prior file to run (nothing is written).")],
    data_dir: DataDirOption = None,
    json_out: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Compare two runs: medians, intervals, P(BCR > 100) and the inputs that differ."""
    from mcvalue.compare import compare as compare_runs
    from mcvalue.compare import render
    from mcvalue.pipeline import RunOptions

    comparison = compare_runs(run_a, run_b, RunOptions(data_dir=data_dir, progress=not quiet), _echo_err(quiet))
    typer.echo(json.dumps(comparison, indent=2) if json_out else render(comparison))


def register(app: typer.Typer) -> None:
    """Add ``run``, ``sensitivity`` and ``compare`` to the main app."""
    app.command("run")(run)
    app.command("sensitivity")(sensitivity)
    app.command("compare")(compare)
