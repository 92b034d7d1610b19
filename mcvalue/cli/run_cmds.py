"""``mcvalue run``, ``mcvalue sensitivity`` and ``mcvalue compare``."""

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import FLAG, DataDirOption, JsonOption, QuietOption, RunOptions, parse_swing, parse_thresholds, with_run_options
from mcvalue.cli.output import results_only_on_stdout, say, say_json, warn


def _progress(quiet: bool) -> Callable[[str], None]:
    """Progress printer to stderr, or a no-op when quiet."""
    return (lambda _line: None) if quiet else (lambda line: say(line, err=True))


def _run(options: RunOptions) -> "mcvalue.RunResult":
    """Load the scenario, apply the command line's overrides and run it; warnings (and anything else printed) to stderr."""
    o = options
    swing_pair = parse_swing(o.swing)
    ks = parse_thresholds(o.threshold)
    for k in ks:
        note = mcvalue.text.threshold_note(k)
        if note:
            say(f"note: {note}", err=True)
    scenario = mcvalue.load_scenario(None if o.priors is None else str(o.priors)).with_settings(
        draws=o.draws, seed=o.seed, mode=o.mode, cost_model=o.cost_model, target_year=o.target_year, sample=o.sample, basis=o.basis,
        references=o.references, trend_structure=o.trend_structure,
    )
    with results_only_on_stdout():
        result = mcvalue.run(
            scenario,
            data_dir=o.data_dir,
            progress=not o.quiet,
            refit=o.refit,
            allow_unconverged=o.allow_unconverged,
            swing=swing_pair,
            thresholds=ks,
            explicit_cost_model=o.cost_model is not None,
            log=_progress(o.quiet),
        )
    for line in result.warnings:
        warn(line)
    return result


def _write(result: "mcvalue.RunResult", results_dir: Path, name: str | None, target: Path, save_draws: bool, report: bool) -> Path:
    """Write the run directory; an unnamed run whose clock name another run took meanwhile takes the next."""
    command = ["mcvalue", *sys.argv[1:]]
    for _attempt in range(10):
        try:
            return mcvalue.write_report(result, target, command=command, save_draws=save_draws, report=report)
        except mcvalue.RunExistsError:
            if name is not None:
                raise
            target = mcvalue.report_directory(results_dir)
    return mcvalue.write_report(result, target, command=command, save_draws=save_draws, report=report)


@with_run_options
def run(
    options: RunOptions,
    name: Annotated[str | None, typer.Option("--name", help="Run name: results go to RESULTS_DIR/NAME (default: a timestamp).")] = None,
    results_dir: Annotated[Path, typer.Option("--results-dir", help="Where run directories are written.", file_okay=False)] = Path("results"),
    save_draws: Annotated[
        bool,
        typer.Option("--save-draws", help="Also write draws.parquet: one row per Monte Carlo draw (inputs, method, FTE, cost, benefit, BCR).", metavar=FLAG),
    ] = False,
    no_report: Annotated[
        bool,
        typer.Option(
            "--no-report",
            help="Write summary.json, priors.toml and run.json only: no report.md, report.html or figures (every number is computed all the same).",
            metavar=FLAG,
        ),
    ] = False,
) -> None:
    """Run the whole model and write a report to RESULTS_DIR/NAME/; print the headline and the path of report.html.

    --quiet silences the progress lines, not the headline; --json prints summary.json
    instead; to print nothing, send stdout away (`mcvalue run -q > /dev/null`).
    --no-report leaves the report and its figures out (the path printed is summary.json's).
    """
    target = mcvalue.report_directory(results_dir, name)
    result = _run(options)
    json_out, quiet = options.json_out, options.quiet
    _progress(quiet)("writing the summary..." if no_report else "writing the report...")
    with results_only_on_stdout():
        path = _write(result, results_dir, name, target, save_draws, report=not no_report)
    if json_out:
        say_json(mcvalue.text.summary_json(result.summary_record), nl=False)
        return
    say(mcvalue.text.headline(result.summary_record))  # the result: --quiet silences progress, not this
    say(f"summary: {path / 'summary.json'}" if no_report else f"report: {path / 'report.html'}")


@with_run_options
def sensitivity(options: RunOptions) -> None:
    """Print what would change the conclusion (exceedance, break-even, tornado, Sobol, value of information); nothing is written."""
    result = _run(options)
    if options.json_out:
        say_json(json.dumps(mcvalue.text.decision_json(result.summary_record), indent=2))
    else:
        say(mcvalue.text.render_decision(result.summary_record, mcvalue.text.input_names(result.scenario, result.summary_record)), nl=False)


def compare(
    sides: Annotated[
        list[str],
        typer.Argument(
            metavar="RUN_OR_PRIORS...",
            help="Two or more: run directories, run names in --results-dir, or prior files (run now; nothing is written).",
        ),
    ],
    results_dir: Annotated[Path, typer.Option("--results-dir", help="Where run names are looked up.", file_okay=False)] = Path("results"),
    plot: Annotated[Path | None, typer.Option("--plot", metavar="FILE", help="Also draw the runs' P(BCR > k) curves overlaid into FILE (PNG).")] = None,
    data_dir: DataDirOption = None,
    json_out: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Compare runs: medians, intervals and P(BCR > 100) with the change against the first, and everything that differs."""
    with results_only_on_stdout():
        comparison = mcvalue.compare(*sides, results_dir=results_dir, data_dir=data_dir, log=_progress(quiet))
        if plot is not None:
            _progress(quiet)(f"figure: {mcvalue.write_comparison_plot(comparison, plot)}")
    if json_out:
        say_json(mcvalue.to_json(comparison.to_dict()))
    else:
        say(mcvalue.text.render_comparison(comparison))


def register(app: typer.Typer) -> None:
    """Add ``run``, ``sensitivity`` and ``compare`` to the main app."""
    app.command("run")(run)
    app.command("sensitivity")(sensitivity)
    app.command("compare")(compare)
