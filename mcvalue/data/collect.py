"""Fresh samples from local git clones (``mcvalue data collect``): the collection that chains the modules below.

A sample is drawn like the paper's (random two-week windows per repository) or from
explicit windows, counted from git the way GitHub's contributors graph counts, and
written to a directory in the tidy form every later step reads:

- ``contributions.csv``: one row per contributor-period (``CONTRIBUTION_COLUMNS``);
- ``periods.csv``: one row per repo-period, empty windows as zeros (``PERIOD_COLUMNS``);
- ``manifest.json``: the design and seed, each repository's URL, default branch, the
  commit its history was read at, its windows, what was skipped or could not be read,
  the mcvalue and git versions, and the sha256 of both tables.

The modules, in the order data flows: :mod:`~mcvalue.data.repos` (which repositories),
:mod:`~mcvalue.data.windows` (designs, windows, their draws),
:mod:`~mcvalue.data.repo_reading` (one repository read from git: the task run once per
repository, here or on a Dask worker through :mod:`mcvalue.tasks`),
:mod:`~mcvalue.data.resume_cache` (``OUT/.repos``), :mod:`~mcvalue.data.manifest` (what is
recorded), this module (writing the sample) and :mod:`~mcvalue.data.collected_sample`
(reading it back, verified).

Each repository's result is written atomically to ``OUT/.repos/owner__name.json`` as soon
as it arrives, by this process only, so an interrupted collection resumes where it
stopped; the tables and manifest are written last. The files do not depend on the number
of workers: every repository's record is a function of its job, and records are written
in list order. Re-collecting a manifest (:func:`recollect`) reads every repository at its
recorded commit and windows and gives the same bytes.
"""

import csv
import hashlib
import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

from mcvalue.config import WINDOW_SEED
from mcvalue.data import git_process, gitlog
from mcvalue.data.collected_sample import CONTRIBUTION_COLUMNS, PERIOD_COLUMNS
from mcvalue.data.manifest import CONTRIBUTIONS_FILE, MANIFEST_FILE, PERIODS_FILE, Manifest, Reading, population_record
from mcvalue.data.repo_reading import RepoJob, RepoOutcome, read_task
from mcvalue.data.repos import RepoSpec, merge_duplicates, repo_spec
from mcvalue.data.resume_cache import CACHE_DIR, entry_path, prepare_out, read_entry
from mcvalue.data.windows import Design, Window, check_shallow_since, check_windows, window_of
from mcvalue.errors import DataError, McValueError
from mcvalue.io.files import write_atomic
from mcvalue.tasks import check_workers, run_tasks

DEFAULT_PER_REPO = 5

Progress = Callable[[int, int], None]


def _read_all(
    jobs: Sequence[RepoJob], out: Path, workers: int, scheduler: str | None, progress: Progress | None
) -> tuple[list[dict[str, Any]], list[str], str]:
    """Read every job's repository (:func:`mcvalue.tasks.run_tasks`); records in job order, the warnings, git's version.

    Each resume cache entry is read here before its task is sent, and a new one written
    here as its result arrives. On an interrupt (KeyboardInterrupt; SIGTERM becomes one in
    the CLI) the queued tasks are cancelled and every running git process, here and on
    the workers, is killed at once; finished repositories stay cached.
    """
    cache = out / CACHE_DIR
    warnings: list[list[str]] = [[] for _ in jobs]
    sent = []
    for index, job in enumerate(jobs):
        path = entry_path(cache, job.spec)
        stored, warning = read_entry(path)
        warnings[index] += [warning] if warning else []
        sent.append((index, replace(job, cache=str(path), cached=stored)))
    outcomes: dict[int, RepoOutcome] = {}  # job index -> its outcome, as they arrive
    report = progress or (lambda done, total: None)
    done = itertools.count(1)

    def finished(result: tuple[int, RepoOutcome]) -> None:
        index, outcome = result
        if outcome.entry is not None:
            write_atomic(Path(sent[index][1].cache), outcome.entry)
        outcomes[index] = outcome
        report(next(done), len(jobs))

    git_process.resume()
    try:
        run_tasks(
            read_task, None, sent, on_result=finished, workers=workers, scheduler=scheduler, name="collect",
            label=_task_label, stop=git_process.cancel,
        )
    finally:
        git_process.resume()
    ordered = [outcomes[index] for index in range(len(jobs))]
    versions = sorted({outcome.git_version for outcome in ordered if outcome.git_version})
    return (
        [outcome.record for outcome in ordered],
        [line for index, outcome in enumerate(ordered) for line in [*warnings[index], *outcome.warnings]],
        ", ".join(versions) or git_process.git_version(),
    )


def _task_label(item: tuple[int, RepoJob]) -> str:
    """Name a task on the cluster by its repository and a digest of the whole job (the same key is the same work)."""
    return f"{item[1].spec.repo}-{hashlib.sha256(repr(item[1]).encode()).hexdigest()[:16]}"


def _csv_bytes(columns: list[str], rows: list[list[object]]) -> bytes:
    """Serialise a table as CSV: UTF-8, newline line ends, the header first."""
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _table_rows(records: Sequence[dict[str, Any]]) -> tuple[list[list[object]], list[list[object]]]:
    """Contributor-period and repo-period rows; skipped repositories and windows outside a history have none (not zeros)."""
    contributions: list[list[object]] = []
    periods: list[list[object]] = []
    for record in records:
        if record["status"] == "skipped":
            continue
        keys = [record["tool"], record["repo"]]
        for window in record["windows"]:
            if not window["in_history"]:
                continue
            dates = [window["start"], window["end"]]
            rows = [[*keys, *dates, user, c, a, d, a + d, days] for user, (c, a, d, days) in window["authors"].items()]
            contributions += rows
            sums = [sum(row[column] for row in rows) for column in range(5, 9)]
            periods.append([*keys, *dates, len(rows), *sums])
    return contributions, periods


def _public(record: dict[str, Any]) -> dict[str, Any]:
    """Drop per-author counts from a record's windows: the manifest's view (the counts are in the tables)."""
    windows = [{k: v for k, v in window.items() if k != "authors"} for window in record["windows"]]
    return {**record, "windows": windows}


def _write_sample(
    out: Path, records: Sequence[dict[str, Any]], design: str, seed: int | None, per_repo: int | None, reading: Reading,
    window_days: int | None, git_version: str, warnings: Sequence[str] = (), population: dict[str, Any] | None = None,
) -> Manifest:
    """Write both tables, then the manifest (each atomically); return the manifest."""
    contributions, periods = _table_rows(records)
    tables = {
        CONTRIBUTIONS_FILE: _csv_bytes(CONTRIBUTION_COLUMNS, contributions),
        PERIODS_FILE: _csv_bytes(PERIOD_COLUMNS, periods),
    }
    for name, data in tables.items():
        write_atomic(out / name, data)
    manifest = Manifest(
        design=design, seed=seed, per_repo=per_repo,
        repositories=tuple(_public(record) for record in records),
        files={name: hashlib.sha256(data).hexdigest() for name, data in tables.items()},
        git_version=git_version, window_days=window_days, warnings=tuple(warnings),
        day_basis=reading.day, bots=reading.bots, git_log_options=gitlog.numstat_options(reading.mailmap),
        population=population,
    )
    write_atomic(out / MANIFEST_FILE, manifest.to_bytes())
    return replace(manifest, recorded_sha256=manifest.sample_sha256)


def collect(
    repos: Sequence[RepoSpec],
    clones: Path,
    out: Path,
    design: Design,
    per_repo: int = DEFAULT_PER_REPO,
    seed: int = WINDOW_SEED,
    workers: int = 1,
    clone_missing: bool = False,
    progress: Progress | None = None,
    reading: Reading | None = None,
    shallow_since: date | None = None,
    scheduler: str | None = None,
    population: str | None = None,
) -> Manifest:
    """Collect a sample from the clones under ``clones`` into ``out`` and return its manifest.

    Parameters
    ----------
    repos
        Repositories to read; one listed under several tools is read once (tool names
        joined). With an explicit-windows design every repository must have windows and
        every windowed repository must be listed (see :func:`~mcvalue.data.windows.repos_for_windows`).
    clones
        Directory holding the clones at ``clones/owner/name`` (any case, see
        :func:`mcvalue.data.repos.find_clone`), as the workers see it.
    out
        Output directory: new, empty, or a sample mcvalue wrote (else McValueError,
        nothing changed); results already there for the same request are re-used, so an
        interrupted collection resumes.
    design
        How windows are chosen (:func:`~mcvalue.data.windows.parse_design`, :func:`~mcvalue.data.windows.parse_windows`).
    per_repo, seed
        Windows per repository and the seed of their draw (ignored for explicit windows).
    workers
        Repositories read at the same time: 1 reads them here, one after another; more
        read them on a Dask ``LocalCluster`` of that many processes (:mod:`mcvalue.tasks`).
        The files written are the same bytes whatever the number.
    clone_missing
        Clone repositories that have no clone yet (``git clone --no-checkout``).
    progress
        Called with (repositories done, total) after each repository.
    reading
        Which day a commit is on, whether ``.mailmap`` merges identities, what happens
        to ``[bot]`` accounts (:class:`~mcvalue.data.manifest.Reading`; default: read git as
        the README says).
    shallow_since
        With ``clone_missing``, clone only the history since this day (plus the cut-off
        commits' parents): enough for a year or explicit-windows design whose first day
        is not earlier; refused for the history design, which needs all of it.
    scheduler
        Address of a running Dask scheduler to read the repositories on instead
        (``tcp://10.0.0.1:8786``); its workers must see the clones at ``clones``.
    population
        The name of the population ``repos`` is (``--population``), recorded in the
        manifest with the list's size and sha256 (:func:`~mcvalue.data.manifest.population_record`;
        default: a name made from that sha256). A run's ``[cost] population`` must name it.

    Returns
    -------
    Manifest
        Also written to ``out/manifest.json``; repositories that could not be read are
        in it as skipped, with one line saying why, and have no rows in the tables.

    """
    check_workers(workers)
    if per_repo < 1 or seed < 0:
        raise McValueError(f"--per-repo ({per_repo}) must be >= 1 and --seed ({seed}) >= 0")
    reading = reading or Reading()
    reading.check()
    check_shallow_since(design, shallow_since, clone_missing)
    specs = merge_duplicates(repos)
    if design.kind == "windows":
        check_windows(design)
        listed = {spec.repo for spec in specs}
        unwindowed = [repo for repo in listed if repo not in design.windows]
        unlisted = [repo for repo in design.windows if repo not in listed]
        if unwindowed or unlisted:
            raise DataError(
                "the windows file and the repository list differ: "
                f"no windows for {sorted(unwindowed) or 'none'}, not listed: {sorted(unlisted) or 'none'}"
            )
    prepare_out(out)
    explicit = design.kind == "windows"
    task_design = replace(design, windows={})  # a job carries its own windows, not every repository's
    work = [
        RepoJob(
            spec, Path(clones), "", task_design, seed, per_repo, clone_missing,
            windows=design.windows[spec.repo] if explicit else None, reading=reading, shallow_since=shallow_since,
        )
        for spec in specs
    ]
    records, warnings, git_version = _read_all(work, Path(out), workers, scheduler, progress)
    return _write_sample(
        Path(out), records, design.label, None if explicit else seed, None if explicit else per_repo, reading,
        design.window_days, git_version, warnings, population_record([spec.repo for spec in repos], population),
    )


def _recorded_spec(record: dict[str, Any]) -> RepoSpec:
    """Return the repository a manifest record names, owner and name spelled as in its URL.

    The record's ``repo`` is lower case; the clone lives at ``clones/Owner/Name`` as the
    list spelled it, which differs on a case-sensitive file system.
    """
    try:
        spec = repo_spec(record["url"], record["tool"])
    except ValueError:
        spec = None
    if spec is None or spec.repo != record["repo"]:
        owner, name = record["repo"].split("/")
        spec = RepoSpec(owner, name, record["tool"], record["url"])
    return replace(spec, url=record["url"])


def recollect(
    manifest_path: Path, clones: Path, out: Path, workers: int = 1, progress: Progress | None = None, scheduler: str | None = None
) -> Manifest:
    """Collect again what a manifest describes: same repositories, commits, windows and reading.

    With the same clones (any that still contain the recorded commits) and versions, the
    tables and manifest written to ``out`` have the same bytes as the original. A
    repository skipped in the manifest stays skipped with its recorded reason. ``workers``
    and ``scheduler`` as for :func:`collect`.
    """
    check_workers(workers)
    old = Manifest.read(manifest_path)
    design = Design("windows", window_days=old.window_days)
    work = []
    windows_of: dict[str, tuple[Window, ...]] = {}
    for record in old.repositories:
        spec = _recorded_spec(record)
        # every window parses: Manifest.read checked them
        windows = tuple(window for w in record["windows"] if (window := window_of(w["start"], w["end"])) is not None)
        windows_of[spec.repo] = windows
        pinned = None if record["commit"] is None else (record["default_branch"], record["commit"])
        work.append(
            RepoJob(
                spec, Path(clones), "", design, 0, 0, windows=windows,
                pinned=pinned, carried=record if pinned is None else None, reading=Reading.of(old),
            )
        )
    check_windows(replace(design, windows=windows_of))
    prepare_out(out)
    records, warnings, git_version = _read_all(work, Path(out), workers, scheduler, progress)
    return _write_sample(
        Path(out), records, old.design, old.seed, old.per_repo, Reading.of(old), old.window_days, git_version, warnings,
        old.population,
    )
