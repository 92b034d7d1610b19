"""``mcvalue calibrate``: simulation-based calibration of the cost model (fits on Dask), and the trend structures' forecast check."""

from pathlib import Path
from typing import Annotated

import typer

import mcvalue
from mcvalue.cli.options import FLAG, DataDirOption, JsonOption, ModeOption, QuietOption, SampleOption, SchedulerOption, WorkersOption
from mcvalue.cli.output import say, say_json, warn


def calibrate_command(
    datasets: Annotated[int, typer.Option("--datasets", help="Fit datasets 0..N-1 (those already verified in --out are kept).")] = 100,
    out: Annotated[Path, typer.Option("--out", help="Calibration directory: ranks.jsonl, timings.jsonl, summary.json, ranks.png.", file_okay=False)] = Path(
        "results/calibration"
    ),
    mode: ModeOption = None,
    sample: SampleOption = None,
    data_dir: DataDirOption = None,
    workers: WorkersOption = None,
    scheduler: SchedulerOption = None,
    forecast: Annotated[
        bool,
        typer.Option(
            "--forecast", help="Instead: the forecast check of the trend structures (fit before --cutoff, score later windows; writes forecast.json).",
            metavar=FLAG,
        ),
    ] = False,
    cutoff: Annotated[int, typer.Option("--cutoff", help="With --forecast: fit the windows before Jan 1st of this year.")] = 2019,
    as_json: JsonOption = False,
    quiet: QuietOption = False,
) -> None:
    """Simulation-based calibration of the cost model on the sample's design; resumable; writes ranks, diagnostics, summary and rank plots."""
    if forecast:
        record = mcvalue.forecast_trends(out=out, cutoff=cutoff, mode=mode, sample=sample, data_dir=data_dir, progress=not (quiet or as_json))  # type: ignore[arg-type]  # --mode text as given: the API checks it and names its mode parameter
        if as_json:
            say_json(mcvalue.to_json(record))
        else:
            say(mcvalue.text.render_forecast(record))
        return
    result = mcvalue.calibrate(
        datasets, out=out, mode=mode, sample=sample, data_dir=data_dir, workers=workers, scheduler=scheduler, progress=not (quiet or as_json)  # type: ignore[arg-type]  # --mode text as given: the API checks it and names its mode parameter
    )
    for line in result.rejected:
        warn(f"dropped {line}")
    if as_json:
        say_json(mcvalue.to_json(result.summary))
        return
    say(mcvalue.text.render_calibration(result))


def register(app: typer.Typer) -> None:
    """Add ``mcvalue calibrate`` to the main app."""
    app.command("calibrate")(calibrate_command)
