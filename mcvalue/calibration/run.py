"""The calibration's entry points: :func:`calibrate` (a sample's design) and :func:`calibrate_design` (a design in hand).

Each dataset is one task (:mod:`mcvalue.calibration.fits`) run by :mod:`mcvalue.tasks`
(Dask or this process); records are kept and resumed by :mod:`mcvalue.calibration.store`
and summarised by :func:`mcvalue.calibration.files.write_summary`.
"""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mcvalue.calibration.design import CalibrationSettings
from mcvalue.calibration.files import output_directory, write_summary
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.priors.settings import DEFAULT_MODE, Mode


@dataclass(frozen=True)
class CalibrationResult:
    """A finished calibration: its directory, its summary, and what the run did.

    fitted: datasets fitted by this run; resumed: datasets whose records were verified and
    kept; rejected: why each dropped record was dropped; seconds: this run's fit times.
    """

    directory: Path
    summary: dict[str, Any]
    fitted: int
    resumed: int
    rejected: tuple[str, ...]
    seconds: tuple[float, ...]


def calibrate(
    datasets: int = 100,
    *,
    out: Path | str = Path("results") / "calibration",
    mode: Mode | None = None,
    sample: Path | None = None,
    data_dir: Path | None = None,
    settings: CalibrationSettings | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """Calibrate the cost model on the design of the paper's sample (or of a collected ``sample``).

    Parameters
    ----------
    datasets : int
        Datasets 0 .. ``datasets - 1`` are fitted (those already in ``out`` and verified are
        not refitted: an interrupted run continues where it stopped).
    out : pathlib.Path or str
        The calibration directory (created if missing): ``ranks.jsonl``, ``timings.jsonl``,
        ``summary.json``, ``ranks.png``.
    mode, sample, data_dir
        Which sample's design, as for :func:`mcvalue.fit` (mode None: ``"clean"``).
    settings : CalibrationSettings, optional
        Sampler, thinning, target year, seeds and priors (default: the production fit).
    workers : int, optional
        Workers of the local Dask cluster (default: one per core); 1 runs the fits in this
        process without Dask.
    scheduler : str, optional
        Address of a running Dask scheduler to send the fits to instead.
    progress : bool
        Show a progress bar on stderr.

    Returns
    -------
    CalibrationResult

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.calibrate(200, scheduler="tcp://10.0.0.1:8786")  # doctest: +SKIP
    >>> result.summary["converged_fits"]["non_uniform"]  # doctest: +SKIP
    []
    """
    from mcvalue.costmodels.pymc.model_data import model_data_from_sample
    from mcvalue.data import load_sample
    from mcvalue.tasks import check_workers, default_workers, require_dask

    _check_count(datasets)
    check_workers(workers)
    if scheduler is not None or (workers or default_workers()) > 1:
        require_dask()  # before the sample loads: a missing extra is said at once
    design = model_data_from_sample(load_sample(mode or DEFAULT_MODE, data_dir=data_dir, sample=sample))
    return calibrate_design(design, datasets, out=out, settings=settings, workers=workers, scheduler=scheduler, progress=progress)


def calibrate_design(
    design: ModelData,
    datasets: int,
    *,
    out: Path | str,
    settings: CalibrationSettings | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
) -> CalibrationResult:
    """:func:`calibrate` on a design already reduced to :class:`ModelData` (its observations give only the sizes to compare).

    Raises McValueError if ``datasets`` is not positive or ``out`` cannot be written.
    """
    from mcvalue.calibration.store import RANKS_FILE, TIMINGS_FILE, append_line, dumps, read_records, write_records
    from mcvalue.tasks import run_tasks

    _check_count(datasets)
    settings = settings or CalibrationSettings()
    directory = output_directory(out)
    records = read_records(directory, design, settings)
    write_records(directory, records)  # drops rejected and torn lines before appending
    todo = [i for i in range(datasets) if i not in records.current]
    resumed = sum(i < datasets for i in records.current)
    seconds: list[float] = []
    bar = _ProgressBar(datasets, resumed) if progress else None

    def finished(result: tuple[dict[str, Any], float]) -> None:
        record, took = result
        records.current[record["dataset"]] = record
        append_line(directory / RANKS_FILE, dumps(record))
        append_line(directory / TIMINGS_FILE, json.dumps({"dataset": record["dataset"], "seconds": round(took, 1)}))
        seconds.append(took)
        if bar:
            bar.advance(record["converged"])

    run_tasks(
        _task, (design, settings), todo, on_result=finished, workers=workers, scheduler=scheduler, name=f"calibrate-{settings.key(design)[:12]}"
    )
    if bar:
        bar.close()
    write_records(directory, records)
    chosen = [records.current[i] for i in sorted(records.current) if i < datasets]
    summary = write_summary(directory, chosen, settings, int(design.contrib_commits.size))
    return CalibrationResult(directory, summary, len(todo), resumed, tuple(records.rejected), tuple(seconds))


def _check_count(datasets: int) -> None:
    """Raise McValueError (naming ``datasets``) unless at least one dataset is asked for."""
    from mcvalue.errors import McValueError

    if datasets < 1:
        raise McValueError(f"{{datasets}} {datasets}: give at least one dataset", parameters=("datasets",))


def _task(shared: tuple[ModelData, CalibrationSettings], index: int) -> tuple[dict[str, Any], float]:
    """One Dask task: :func:`mcvalue.calibration.fits.fit_dataset_timed` of dataset ``index``."""
    from mcvalue.calibration.fits import fit_dataset_timed

    design, settings = shared
    return fit_dataset_timed(_aligned(design), index, settings)


def _aligned(design: ModelData) -> ModelData:
    """``design`` with its arrays copied: arrays unpickled on a Dask worker can be unaligned, which PyTensor's C code refuses."""
    from dataclasses import fields, replace

    import numpy as np

    arrays: dict[str, Any] = {f.name: np.array(getattr(design, f.name)) for f in fields(design) if isinstance(getattr(design, f.name), np.ndarray)}
    return replace(design, **arrays)


class _ProgressBar:
    """A one-line progress bar on stderr: fits done of all, and how many failed a gate (redrawn in place on a terminal)."""

    def __init__(self, total: int, done: int):
        self.total, self.done, self.failing = total, done, 0
        self.tty = sys.stderr.isatty()
        self._draw()

    def advance(self, converged: bool) -> None:
        """Count one finished fit."""
        self.done += 1
        self.failing += not converged
        self._draw()

    def _draw(self) -> None:
        filled = 30 * self.done // max(self.total, 1)
        line = f"calibrate [{'#' * filled}{'.' * (30 - filled)}] {self.done}/{self.total} fits, {self.failing} failing a gate (this run)"
        sys.stderr.write(("\r" + line) if self.tty else line + "\n")
        sys.stderr.flush()

    def close(self) -> None:
        """End the bar's line."""
        if self.tty:
            sys.stderr.write("\n")
            sys.stderr.flush()
