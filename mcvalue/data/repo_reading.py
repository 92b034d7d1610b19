"""Reading one repository from its clone into its record: the task a collection runs once per repository, here or on a Dask worker.

A task is a function of its :class:`RepoJob` alone (the clone at the path it names, the
windows or the seed that draws them, the reading rules) and writes nothing: it returns the
record and, when it read git, the resume cache entry for the collecting process to write.
Counting follows GitHub's contributors graph (see :mod:`mcvalue.data.gitlog`).
"""

from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from mcvalue import __version__
from mcvalue.data import git_process, gitlog
from mcvalue.data.manifest import SAMPLE_FORMAT, Reading
from mcvalue.data.repos import RepoSpec, find_clone
from mcvalue.data.resume_cache import entry_bytes, matching_record
from mcvalue.data.windows import EARLIEST_DAY, Design, Window, draw_disjoint_windows, draw_windows, select_commits, today

_CUT_OFF = "its parent is beyond the shallow clone's cut-off"


@dataclass(frozen=True)
class RepoJob:
    """One repository to read: where, which windows (or how to draw them), at which commit.

    ``clones`` is the clones directory as the workers see it (the same path on every
    machine). ``cache`` names the resume cache entry in warnings and ``cached`` is its
    content as the collecting process read it (:func:`mcvalue.data.resume_cache.read_entry`).
    ``design`` gives the kind and year; explicit windows are in ``windows``.
    """

    spec: RepoSpec
    clones: Path
    cache: str
    design: Design
    seed: int
    per_repo: int
    clone_missing: bool = False
    windows: tuple[Window, ...] | None = None
    shallow_since: date | None = None  # how much history --clone fetches
    pinned: tuple[str, str] | None = None  # (branch, commit) recorded in a manifest
    carried: dict[str, Any] | None = None  # a record re-used as is (skipped in the manifest re-collected)
    reading: Reading = Reading()
    cached: dict[str, Any] | None = None


@dataclass(frozen=True)
class RepoOutcome:
    """What a task returns: the record, warnings, the resume cache entry to write (None: nothing new was read), git's version."""

    record: dict[str, Any]
    warnings: tuple[str, ...] = ()
    entry: bytes | None = None
    git_version: str | None = None


def _skipped(spec: RepoSpec, problem: str) -> dict[str, Any]:
    """Return the record of a repository that could not be read: no windows, one line saying why."""
    return {
        "repo": spec.repo, "tool": spec.tool, "url": spec.url, "status": "skipped", "problems": [problem],
        "default_branch": None, "commit": None, "history": None, "shallow": None, "windows": [],
    }


def _cache_key(job: RepoJob, commit: str) -> dict[str, Any]:
    """Describe what a cached result must match to be re-used: request, commit, counting rules."""
    return {
        "format": SAMPLE_FORMAT,
        "mcvalue_version": __version__,
        "git_log_options": list(gitlog.numstat_options(job.reading.mailmap)),
        "day_basis": job.reading.day,
        "bots": job.reading.bots,
        "design": job.design.label,
        "seed": job.seed,
        "per_repo": job.per_repo,
        "windows": None if job.windows is None else [w.to_dict() for w in job.windows],
        "commit": commit,
    }


def _history_span(job: RepoJob, first: date, last: date) -> tuple[date, date]:
    """Return the days windows are drawn from: the history, cut to the design's year (GitError if they do not meet)."""
    year = job.design.year
    if job.design.kind != "year" or year is None:  # a year design always has its year
        return first, last
    start, end = max(first, date(year, 1, 1)), min(last, date(year, 12, 31))
    if start > end:
        raise git_process.GitError(f"its history ({first}..{last}) does not cover year {year}: no window can be drawn")
    return start, end


def _windows_for(job: RepoJob, first: date, last: date) -> tuple[Window, ...]:
    """Return the job's explicit windows, or draw them over the history (cut to the design's year)."""
    if job.windows is not None:
        return job.windows
    start, end = _history_span(job, first, last)
    if job.design.kind == "year" and job.design.year is not None:  # a year design always has its year
        return draw_disjoint_windows(job.spec.repo, job.seed, job.design.year, job.per_repo, start, end)
    return draw_windows(job.spec.repo, job.seed, job.per_repo, start, end)


def is_bot(user: str) -> bool:
    """Whether a contributor is a GitHub app account (its login ends in ``[bot]``), which GitHub's contributors page hides."""
    return user.endswith("[bot]")


def _count_window(
    window: Window, shas: list[str], counts: dict[str, gitlog.Numstat], unread: dict[str, str], day_of: dict[str, date],
    inside: bool, bots: str,
) -> dict[str, Any]:
    """One window's record: per-author commits, lines and active days, the bots' commits and the unread commits."""
    authors: dict[str, tuple[list[int], set[date]]] = {}  # author -> ([commits, added, deleted], active days)
    bot_commits = 0
    for sha in shas:
        stat_ = counts.get(sha)
        if stat_ is not None and stat_.files:  # GitHub counts no empty commits
            bot_commits += is_bot(stat_.author)
            if bots == "drop" and is_bot(stat_.author):
                continue
            total, days = authors.setdefault(stat_.author, ([0, 0, 0], set()))
            total[0] += 1
            total[1] += stat_.added
            total[2] += stat_.deleted
            days.add(day_of[sha])
    return {
        **window.to_dict(),
        "in_history": inside,
        "commits": sum(total[0] for total, _ in authors.values()),
        "bot_commits": bot_commits,
        "unread": [sha for sha in shas if sha in unread],
        "authors": {user: [*authors[user][0], len(authors[user][1])] for user in sorted(authors)},
    }


def _head(job: RepoJob, clone: Path) -> gitlog.Head:
    """Find (cloning it if asked) the clone and the branch and commit to read it at."""
    if not clone.exists() and job.clone_missing:
        git_process.clone_repository(job.spec.url, clone, job.shallow_since)
    elif not clone.exists():
        raise git_process.GitError(f"no clone at {clone} (use --clone to clone it)")
    gitlog.check_clone(clone)
    if job.pinned is None:
        return gitlog.default_head(clone)
    if not gitlog.has_commit(clone, job.pinned[1]):
        raise git_process.GitError(f"the manifest's commit {job.pinned[1]} is not in {clone}")
    return gitlog.Head(*job.pinned)


def _read(job: RepoJob) -> RepoOutcome:
    """Read one repository into its record, or re-use its cached record (GitError if unreadable)."""
    clone = find_clone(job.clones, job.spec)
    head = _head(job, clone)
    version = git_process.git_version()
    key = _cache_key(job, head.commit)
    cached, warning = matching_record(job.cached, key, job.spec.repo, job.cache)
    warnings = (warning,) if warning else ()
    if cached is not None:
        return RepoOutcome({**cached, "tool": job.spec.tool, "url": job.spec.url}, warnings, None, version)
    listed, undated = gitlog.commit_days(clone, head.commit, job.reading.day)
    last_day = today()
    days = [(sha, day) for sha, day in listed if EARLIEST_DAY <= day <= last_day]
    outside = len(undated) + len(listed) - len(days)
    if not days:
        raise git_process.GitError(
            f"branch {head.branch!r} has no non-merge commit dated {EARLIEST_DAY}..{last_day}" if listed or undated
            else f"branch {head.branch!r} has only merge commits"
        )
    first, last = min(day for _, day in days), max(day for _, day in days)
    boundary = gitlog.shallow_boundary(clone)
    if boundary and job.design.kind == "year" and job.design.year is not None and first > date(job.design.year, 1, 1):
        raise git_process.GitError(
            f"shallow clone whose history starts {first}, after {job.design.year}-01-01: the year's windows cannot "
            f"be placed (git fetch --shallow-since={job.design.year}-01-01, then git fetch --deepen=1)"
        )
    windows = _windows_for(job, first, last)
    selected = select_commits(windows, days)
    wanted = set().union(*selected)
    readable = wanted - boundary
    counts, unread = gitlog.read_numstat(clone, [sha for sha, _ in days if sha in readable], head.commit, job.reading.mailmap)
    unread.update((sha, _CUT_OFF) for sha in wanted & boundary)
    problems = []
    if boundary and (job.design.kind == "history" or any(window.start < first for window in windows)):
        # A shallow clone serves a design whose windows all start on or after its first day.
        problems.append("shallow clone: history before its cut-off is missing (git fetch --unshallow)")
    if unread:
        problems.append(f"{len(unread)} commit(s) whose diff could not be read ({next(iter(unread.values()))})")
    if outside:
        # No date in the line: the manifest's bytes must not depend on the day of collection.
        problems.append(f"{outside} commit(s) dated before {EARLIEST_DAY}, in the future or undatable: counted in no window")
    inside = [not (window.end < first or window.start > last) for window in windows]
    if not all(inside):
        problems.append(
            f"{inside.count(False)} window(s) outside the history ({first}..{last}): flagged, not priced"
        )
    day_of = dict(days)
    record = {
        "repo": job.spec.repo, "tool": job.spec.tool, "url": job.spec.url,
        "status": "incomplete" if problems else "ok", "problems": problems,
        "default_branch": head.branch, "commit": head.commit,
        "history": {"first": first.isoformat(), "last": last.isoformat(), "commits": len(days)},
        "shallow": bool(boundary),
        "windows": [
            _count_window(w, shas, counts, unread, day_of, ok, job.reading.bots)
            for w, shas, ok in zip(windows, selected, inside, strict=True)
        ],
    }
    if git_process.cancelled():  # git killed mid-output by an interrupt: nothing read may be kept
        raise git_process.Cancelled
    return RepoOutcome(record, warnings, entry_bytes(key, record), version)


def read_repository(job: RepoJob) -> RepoOutcome:
    """Read one repository; one that cannot be read becomes a skipped record (a Cancelled interrupt propagates)."""
    if job.carried is not None:
        return RepoOutcome(job.carried)
    try:
        return _read(job)
    except git_process.GitError as error:
        return RepoOutcome(_skipped(job.spec, str(error)))


def read_task(_shared: None, item: tuple[int, RepoJob]) -> tuple[int, RepoOutcome]:
    """One task of :func:`mcvalue.tasks.run_tasks`: item ``(index, job)`` gives ``(index, its outcome)``.

    Git processes are allowed again first: a worker that an interrupted collection
    stopped (:func:`mcvalue.data.git_process.cancel`) serves the next one.
    """
    index, job = item
    git_process.resume()
    return index, read_repository(job)


