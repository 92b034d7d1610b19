"""The entry point that compares runs or prior files side by side (:func:`mcvalue.compare`).

Separate from :mod:`mcvalue.runs.comparison` (which builds the comparison from summaries)
because this module reads each side from disk or runs a prior file now.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.config import Log, silent
from mcvalue.errors import McValueError
from mcvalue.runs.run_scenario import run

if TYPE_CHECKING:

    from mcvalue.runs.comparison import Comparison


#: The most bytes of a run.json a comparison reads (a run's is under 2 KB).
_MAX_RUN_RECORD_BYTES = 1024 * 1024


def _side(side: Path | str, results_dir: Path, data_dir: Path | None, log: Log) -> tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]:
    """Return a label, summary, resolved priors and machine for one side of a comparison.

    A side is a run directory, a run's name in ``results_dir``, or a prior file (a path or
    a shipped name) run now without writing anything (on this machine).
    """
    import json
    import tomllib

    from mcvalue.io.files import FileRefused, read_regular
    from mcvalue.priors.load import load_scenario, shipped_names
    from mcvalue.report.rundir import read_summary
    from mcvalue.runs.comparison import machine_of

    path = Path(side)
    if not path.exists() and (results_dir / path).is_dir() and len(path.parts) == 1:
        path = results_dir / path
    if path.is_dir():
        from mcvalue.report.rundir import SUMMARY_FILE
        from mcvalue.runs.comparison import check_summary

        summary = check_summary(read_summary(path), str(path / SUMMARY_FILE))
        priors_file = path / "priors.toml"
        try:
            priors = tomllib.loads(priors_file.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as error:
            raise McValueError(f"{priors_file}: cannot read the run's resolved priors ({error})") from None
        try:  # run.json only says which machine: a run without a readable one (missing, not a file, damaged) is an unknown machine
            record = json.loads(read_regular(path / "run.json", _MAX_RUN_RECORD_BYTES).decode("utf-8"))
        except (FileRefused, OSError, UnicodeDecodeError, ValueError, RecursionError):
            record = None
        return path.name, summary, priors, machine_of(summary, record)
    if path.is_file() or str(side) in shipped_names():
        from mcvalue.config import cpu_model

        log(f"running {side} (nothing is written)...")
        scenario = load_scenario(path if path.is_file() else str(side))
        summary = run(scenario, data_dir=data_dir, log=log).summary()
        return path.name, summary, scenario.document.to_dict(), machine_of(summary, {"cpu": cpu_model()})
    raise McValueError(f"{side}: no such run directory, run name in {results_dir} or prior file")


def compare(
    *sides: Path | str, results_dir: Path | str = "results", data_dir: Path | None = None, log: Log | None = None
) -> Comparison:
    """Compare two or more runs: run directories, run names in ``results_dir``, or prior files run first (nothing is written).

    Parameters
    ----------
    *sides : pathlib.Path or str
        At least two: a run directory, the name of a run in ``results_dir``, or a prior
        file (a path or a shipped name such as ``"paper"``), which is run now.
    results_dir : pathlib.Path or str
        Where run names are looked up.
    data_dir : pathlib.Path, optional
        Data for prior files that are run.
    log : callable, optional
        Progress lines.

    Returns
    -------
    Comparison
        :func:`mcvalue.runs.comparison.compare_runs`: headline rows side by side with the change
        against the first run and why each moved, every difference of the resolved
        scenarios, provenance and machines (what the user changed apart from what differs
        for other reasons: cost fit, data, libraries, machine), and each run's exceedance
        curve; ``.to_dict()`` is the JSON, ``.to_df()`` the table.

    Raises
    ------
    McValueError
        Fewer than two sides, or a side that is neither a run nor a prior file.

    Examples
    --------
    >>> import mcvalue
    >>> print(mcvalue.text.render_comparison(mcvalue.compare("reference", "priors/mine.toml")))  # doctest: +SKIP
    """
    from mcvalue.runs.comparison import compare_runs

    if len(sides) < 2:
        raise McValueError(f"compare needs at least two runs or prior files, got {len(sides)}")
    say = log or silent
    found = [_side(side, Path(results_dir), data_dir, say) for side in sides]
    labels = [label for label, _, _, _ in found]
    if len(set(labels)) < len(labels):
        labels = [str(side) for side in sides]
    return compare_runs(labels, [f[1] for f in found], [f[2] for f in found], [f[3] for f in found])
