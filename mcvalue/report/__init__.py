"""The only writer of a run: :func:`write_report` turns a RunResult into a run directory.

Modules: :mod:`.rundir` (the directory, atomically), :mod:`.markdown` (report.md, assembled from
:mod:`.result_sections`, :mod:`.decision_sections` and :mod:`.appendix_sections`; user strings enter through
:mod:`.escaping`), :mod:`.html` (report.html), :mod:`.figures` (the PNGs), :mod:`.text` (what the commands print).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from mcvalue.runs.result import RunResult


def write_report(
    result: RunResult, directory: Path | str, *, command: Sequence[str] | None = None, save_draws: bool = False, report: bool = True
) -> Path:
    """Write a run's report into a new directory and return its path.

    Writes ``report.md``, ``report.html`` (the same, self-contained), ``summary.json`` (exactly ``result.summary()``), ``priors.toml``
    (the resolved priors run), ``run.json`` (name, path, time, command, warnings) and
    ``figures/*.png``; everything is written into a hidden staging directory and renamed
    into place, so nothing half-written is ever left under the final name.

    Parameters
    ----------
    result : RunResult
        From :func:`mcvalue.run`.
    directory : pathlib.Path or str
        The run directory to create; it must not exist (its parent is created).
    command : sequence of str, optional
        The command line recorded in run.json (default: ``sys.argv``).
    save_draws : bool
        Also write ``draws.parquet``: one row per Monte Carlo draw, the table of
        :meth:`mcvalue.RunResult.draws` (every input, the method, FTE, cost, benefit, BCR).
    report : bool
        False (``mcvalue run --no-report``): leave out ``report.md``, ``report.html`` and
        the figures, about a third of a re-run's time; ``summary.json`` holds every number
        all the same (the run was done in full), and ``mcvalue compare`` reads it.

    Returns
    -------
    pathlib.Path
        ``directory``.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default").with_settings(draws=2000))  # doctest: +SKIP
    >>> mcvalue.write_report(result, "results/my-run")  # doctest: +SKIP
    PosixPath('results/my-run')
    """
    from mcvalue.report.rundir import write_run

    return write_run(result, Path(directory), command, save_draws, report)


def report_directory(results_dir: Path | str = "results", name: str | None = None) -> Path:
    """Return where a new run should be written, checked before any work is done.

    Parameters
    ----------
    results_dir : pathlib.Path or str
        The directory holding run directories (created if missing).
    name : str, optional
        The run's name; default: the current time (``20261128-193000``, suffixed ``-2``
        ... if taken).

    Returns
    -------
    pathlib.Path
        ``results_dir / name``, which does not exist yet.

    Raises
    ------
    McValueError
        The name is unsafe or too long, or ``results_dir`` cannot be created.
    RunExistsError
        A run of that name exists.

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.report_directory("results", "mine")  # doctest: +SKIP
    PosixPath('results/mine')
    """
    from mcvalue.report.rundir import check_name, check_target, make_results_dir, unused_name

    results_dir = Path(results_dir)
    if name is not None:
        check_target(results_dir / check_name(name))  # the whole name: "../x" must not escape results_dir
    make_results_dir(results_dir)
    return check_target(results_dir / (name or unused_name(results_dir)))
