"""A run directory on disk: ``<results>/<name>/`` with report.md, report.html, summary.json, run.json, priors.toml and figures/*.png, written atomically.

``summary.json`` holds only what the inputs determine (no name, path or clock time), so
identical inputs give identical bytes; ``run.json`` holds the rest. Everything is
written into a hidden staging directory beside the target (``.<name>.*.mcvalue.partial``,
holding the marker file ``.mcvalue-staging``) and renamed into place at the end, so a run
that fails or is killed midway never leaves a directory that looks complete, and an
existing run directory is never written into. Staging directories are never read as
runs; ones left by killed runs are removed when they are more than a day old, and only
those: a directory is removed only if it has both the name and the marker, so a user's
own ``.something.partial`` is never touched. Directories follow the user's umask.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from mcvalue.errors import McValueError, RunExistsError
from mcvalue.io.files import FileRefused, read_regular
from mcvalue.io.jsontext import dumps

if TYPE_CHECKING:
    from mcvalue.runs.result import RunResult

_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
#: Longest run name accepted (file systems allow 255 bytes; the staging name adds ~20).
MAX_NAME_LENGTH = 200
_STALE_STAGING_S = 24 * 3600
#: The suffix and marker file of a staging directory: a directory is ours only if it has both.
STAGING_SUFFIX = ".mcvalue.partial"
STAGING_MARKER = ".mcvalue-staging"
SUMMARY_FILE = "summary.json"
#: The largest summary.json a comparison reads (a real one is ~30 KB).
_MAX_SUMMARY_BYTES = 16 * 1024 * 1024


def summary_bytes(summary: dict[str, Any]) -> bytes:
    """Return the exact bytes of summary.json (stable key order, 2-space indent, final newline)."""
    return dumps(summary, digits=None).encode("utf-8")


def default_name(now: _dt.datetime | None = None) -> str:
    """Return a timestamp run name, e.g. ``20260123-142501``."""
    return (now or _dt.datetime.now()).strftime("%Y%m%d-%H%M%S")


def check_name(name: str) -> str:
    """Return ``name`` if it is a safe run name; McValueError naming ``--name`` if not."""
    if not _NAME.fullmatch(name) or len(name) > MAX_NAME_LENGTH:
        raise McValueError(
            f"--name: {name!r} is not a valid run name (letters, digits, '.', '_', '-'; no leading '.'; "
            f"at most {MAX_NAME_LENGTH} characters)"
        )
    return name


def check_target(directory: Path) -> Path:
    """Return the run directory if it can be created: a safe name that does not exist yet."""
    directory = Path(directory)
    check_name(directory.name)
    if directory.exists():
        raise RunExistsError(f"run directory {directory} already exists; choose another --name or remove it")
    return directory


def make_results_dir(results_dir: Path) -> None:
    """Create the directory that holds run directories; a user error if that is impossible."""
    try:
        Path(results_dir).mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise McValueError(f"--results-dir: cannot create {results_dir} ({error.strerror or error})") from error
    if not Path(results_dir).is_dir():
        raise McValueError(f"--results-dir: {results_dir} is not a directory")


def _umask_mode() -> int:
    """Return the mode a new directory gets under the current umask (mkdtemp ignores it)."""
    mask = os.umask(0)
    os.umask(mask)
    return 0o777 & ~mask


def _remove_stale_staging(results_dir: Path) -> None:
    """Delete staging directories that killed runs left behind more than a day ago.

    Only a real directory (not a symlink) named ``.*.mcvalue.partial`` and holding the
    :data:`STAGING_MARKER` file is ours; anything else is left alone.
    """
    cutoff = time.time() - _STALE_STAGING_S
    for leftover in results_dir.glob(f".*{STAGING_SUFFIX}"):
        try:
            ours = not leftover.is_symlink() and leftover.is_dir() and (leftover / STAGING_MARKER).is_file()
            if ours and leftover.stat().st_mtime < cutoff:
                shutil.rmtree(leftover, ignore_errors=True)
        except OSError:
            continue


def unused_name(results_dir: Path) -> str:
    """Return a timestamp name not yet taken in ``results_dir`` (suffixed -2, -3 ... if taken)."""
    base = name = default_name()
    k = 2
    while (results_dir / name).exists():
        name, k = f"{base}-{k}", k + 1
    return name


#: The Monte Carlo draws (``mcvalue run --save-draws``): one row per draw, as :meth:`RunResult.draws`.
DRAWS_FILE = "draws.parquet"


def write_run(result: RunResult, directory: Path, command: Sequence[str] | None = None, save_draws: bool = False, report: bool = True) -> Path:
    """Write the run directory atomically and return its path; with ``save_draws`` also draws.parquet, without ``report`` no report or figures.

    Raises
    ------
    RunExistsError
        ``directory`` exists, or appeared while writing (that run was not saved).
    McValueError
        The name is unsafe, or the directory cannot be written (nothing is left behind).
    """
    target = check_target(directory)
    results_dir = target.parent
    make_results_dir(results_dir)
    _remove_stale_staging(results_dir)
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=STAGING_SUFFIX, dir=results_dir))
    except OSError as error:
        raise McValueError(f"--results-dir: cannot write into {results_dir} ({error.strerror or error})") from error
    try:
        (staging / STAGING_MARKER).write_bytes(b"")
        _write_contents(staging, result, target, command, report)
        if save_draws:
            result.draws().to_parquet(staging / DRAWS_FILE, index=False)
        (staging / STAGING_MARKER).unlink()
        os.chmod(staging, _umask_mode())
        if target.exists():
            raise RunExistsError(f"run directory {target} appeared while writing; this run was not saved")
        os.rename(staging, target)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise McValueError(f"cannot write run directory {target} ({error.strerror or error}); nothing was saved") from error
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def _sample_path(result: RunResult) -> str | None:
    """Return the absolute path of the collected sample a run used (None: the paper's sample or no data)."""
    sample = result.scenario.data.sample
    return None if sample is None or result.cost.data is None else str(Path(sample).resolve())


def _write_contents(directory: Path, result: RunResult, target: Path, command: Sequence[str] | None, report: bool) -> None:
    """Write every file of a run into ``directory`` (report.md last; without ``report``, summary.json, priors.toml and run.json only)."""
    from mcvalue.config import cpu_model

    (directory / SUMMARY_FILE).write_bytes(summary_bytes(result.summary_record))
    # the prior file as the user gave it: re-running it repeats the engine's fallbacks (the warnings say which)
    (directory / "priors.toml").write_text(result.requested_toml or result.scenario.resolved_toml, encoding="utf-8")
    run_record = {
        "name": target.name,
        "path": str(target.resolve()),
        "time": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "command": list(sys.argv if command is None else command),
        "warnings": list(result.warnings),
        "sample": _sample_path(result),
        "cpu": cpu_model(),
    }
    (directory / "run.json").write_text(json.dumps(run_record, indent=2) + "\n", encoding="utf-8")
    if report:
        _write_report_files(directory, result)


def _write_report_files(directory: Path, result: RunResult) -> None:
    """Write a run's figures, report.html and report.md (last) into ``directory``."""
    from mcvalue.report.figures import write_figures
    from mcvalue.report.html import render_html
    from mcvalue.report.markdown import labels_for, render_markdown

    figures_dir = directory / "figures"
    figures_dir.mkdir(mode=_umask_mode())
    stems = write_figures(result, figures_dir)
    labels = labels_for(result.scenario, result.summary_record)
    markdown = render_markdown(result.summary_record, stems, result.warnings, labels, _sample_path(result))
    (directory / "report.html").write_text(render_html(markdown, directory), encoding="utf-8")
    (directory / "report.md").write_text(markdown, encoding="utf-8")


def read_summary(directory: Path) -> dict[str, Any]:
    """Return a run directory's summary.json; McValueError naming the file if it is not a run's.

    A staging directory (``.*.mcvalue.partial``) of an unfinished run is never read as a run.
    """
    directory = Path(directory)
    path = directory / SUMMARY_FILE
    if directory.name.startswith(".") and directory.name.endswith(".partial"):
        raise McValueError(f"{directory}: an unfinished run (staging directory), not a run directory")
    if not path.is_file():
        raise McValueError(f"{directory}: not a run directory (no {SUMMARY_FILE})")
    try:
        summary = json.loads(read_regular(path, _MAX_SUMMARY_BYTES).decode("utf-8"))
    except FileRefused as refused:
        raise McValueError(f"{path}: {refused}, not a run's summary") from None
    except OSError as error:
        raise McValueError(f"{path}: cannot read ({error.strerror or error})") from None
    except UnicodeDecodeError:
        raise McValueError(f"{path}: not UTF-8 text") from None
    except RecursionError:
        raise McValueError(f"{path}: nested too deeply to be a run's summary") from None
    except json.JSONDecodeError as error:
        raise McValueError(f"{path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    missing = [k for k in ("bcr", "cost_usd", "benefit_usd", "methods") if not isinstance(summary, dict) or k not in summary]
    if missing:
        raise McValueError(f"{path}: not a run's summary (missing {', '.join(missing)})")
    return cast("dict[str, Any]", summary)  # json gives Any; checked above to be a dict
