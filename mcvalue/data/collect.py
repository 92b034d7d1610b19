"""Fresh samples from local git clones (``mcvalue data collect``).

A sample is drawn like the paper's (random two-week windows per repository) or from
explicit windows, counted from git the way GitHub's contributors graph counts (see
:mod:`mcvalue.data.gitlog`), and written to a directory in the tidy form every later
step reads:

- ``contributions.csv``: one row per contributor-period (``CONTRIBUTION_COLUMNS``);
- ``periods.csv``: one row per repo-period, empty windows as zeros (``PERIOD_COLUMNS``);
- ``manifest.json``: the design and seed, each repository's URL, default branch, the
  commit its history was read at, its windows, what was skipped or could not be read,
  the mcvalue and git versions, and the sha256 of both tables.

Windows are ``(start, end)`` with ``end = start + 14 days``, as in the scrape's URLs
(``from=2020-02-16&to=2020-03-01``), and both ends are inclusive: a commit counts when
its author date, as a UTC day, lies in ``[start, end]``.

Each repository's result is written atomically to ``OUT/.repos/owner__name.json`` as
soon as it is read, so an interrupted collection resumes where it stopped; the tables
and manifest are written last. Re-collecting a manifest (:func:`recollect`) reads every
repository at its recorded commit and windows and gives the same bytes.
"""

import csv
import hashlib
import io
import json
import os
import re
import tempfile
import zlib
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np

from mcvalue import __version__
from mcvalue.data import gitlog
from mcvalue.data.tables import CleaningOptions, Sample
from mcvalue.errors import DataError, McValueError

if TYPE_CHECKING:
    import pandas as pd

#: Days from a window's start to its end (the scrape's ``to`` minus ``from``).
WINDOW_DAYS = 14
DEFAULT_SEED = 2022
DEFAULT_PER_REPO = 5
CONTRIBUTIONS_FILE = "contributions.csv"
PERIODS_FILE = "periods.csv"
MANIFEST_FILE = "manifest.json"
CACHE_DIR = ".repos"

# Same column lists as mcvalue.data.parse (not imported: that module loads pandas).
CONTRIBUTION_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "user", "commits", "lines_added", "lines_deleted", "lines",
]
PERIOD_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "contributors", "commits", "lines_added", "lines_deleted", "lines",
]

Progress = Callable[[int, int], None]
DesignKind = Literal["history", "year", "windows"]

_OWNER = r"[A-Za-z0-9][A-Za-z0-9-]*"
_NAME = r"[A-Za-z0-9._-]+?"
_GITHUB_URL = re.compile(rf"(?:https?://(?:www\.)?|git@)github\.com[/:]({_OWNER})/({_NAME})(?:\.git)?(?:[/?#].*)?")
_SLUG = re.compile(rf"({_OWNER})/({_NAME})")
_OTHER_URL = re.compile(rf"(?:[a-z][a-z0-9+.-]*://|/).*/({_OWNER})/({_NAME})(?:\.git)?/?")
_YEAR_DESIGN = re.compile(r"year:(\d{4})")
_CUT_OFF = "its parent is beyond the shallow clone's cut-off"


@dataclass(frozen=True)
class RepoSpec:
    """A repository to collect: GitHub owner and name, the tool it stands for, where to clone it from."""

    owner: str
    name: str
    tool: str
    url: str

    @property
    def repo(self) -> str:
        """Lower-case ``owner/name``, as in the tidy tables."""
        return f"{self.owner}/{self.name}".lower()

    def clone_dir(self, clones: Path) -> Path:
        """Where the clone lives: ``clones/owner/name``."""
        return Path(clones) / self.owner / self.name


def repo_spec(text: str, tool: str = "") -> RepoSpec:
    """Parse a GitHub URL, ``owner/name``, or any git URL or path ending in ``/owner/name``.

    GitHub forms are cloned from ``https://github.com/owner/name``; other URLs (a local
    mirror, ``file://``) are cloned from as given. ``tool`` defaults to ``owner/name``.
    Raises ValueError when ``text`` names no repository.
    """
    text = text.strip()
    match = _GITHUB_URL.fullmatch(text) or _SLUG.fullmatch(text)
    url = f"https://github.com/{match[1]}/{match[2]}" if match else text
    match = match or _OTHER_URL.fullmatch(text)
    if match is None:
        raise ValueError(f"not a GitHub URL, owner/name, or git URL ending in /owner/name: {text!r}")
    return RepoSpec(match[1], match[2], tool.strip() or f"{match[1]}/{match[2]}".lower(), url)


@dataclass(frozen=True, order=True)
class Window:
    """A sampled period: author-date UTC days ``start`` to ``end``, both included."""

    start: date
    end: date

    def to_dict(self) -> dict[str, str]:
        """JSON form, ISO dates."""
        return {"start": self.start.isoformat(), "end": self.end.isoformat()}


@dataclass(frozen=True)
class Design:
    """How windows are chosen.

    ``history``: the paper's design, windows uniform over each repository's history;
    ``year``: windows inside calendar year ``year``; ``windows``: explicit windows per
    repository (lower-case ``owner/name`` -> windows).
    """

    kind: DesignKind
    year: int | None = None
    windows: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``history``, ``year:YYYY`` or ``windows``, as written in the manifest."""
        return f"year:{self.year}" if self.kind == "year" else self.kind


def parse_design(text: str) -> Design:
    """Parse ``--design``: ``history`` or ``year:YYYY``."""
    text = text.strip()
    if text == "history":
        return Design("history")
    match = _YEAR_DESIGN.fullmatch(text)
    if match and int(match[1]) >= 1970:
        return Design("year", year=int(match[1]))
    raise McValueError(f"--design {text!r}: use 'history' or 'year:YYYY' (or --windows FILE for explicit windows)")


def parse_repo_list(path: Path) -> list[RepoSpec]:
    """Repositories from a ``--repos`` file: one per line, optionally followed by a tool name.

    A line is a GitHub URL, ``owner/name`` or a git URL ending in ``/owner/name``, then,
    after a space or comma, the tool name (default: ``owner/name``). Blank lines and lines
    starting with ``#`` are ignored.
    """
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: cannot read the repository list ({error})") from None
    specs = []
    for number, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        token, tool = re.fullmatch(r"([^\s,]+)[\s,]*(.*)", line.strip()).groups()
        try:
            specs.append(repo_spec(token, tool))
        except ValueError as error:
            raise DataError(f"{path} line {number}: {error}") from None
    if not specs:
        raise DataError(f"{path}: lists no repositories")
    return specs


def paper_repos(data_dir: Path | None = None) -> list[RepoSpec]:
    """List the paper's sampled tools: every row of the tool list with a GitHub repository.

    139 tools (137 distinct repositories), the same tool -> repository mapping as the
    raw scrape. The file is found like every data file (see :mod:`mcvalue.data.fetch`).
    """
    from mcvalue.data.fetch import TOOLS_FILE, locate

    path = locate(TOOLS_FILE, data_dir)
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    if not rows or not {"Name", "Github"} <= set(rows[0]):
        raise DataError(f"{TOOLS_FILE}: expected columns Name and Github")
    specs = []
    for row in rows:
        if row["Github"].strip():
            try:
                specs.append(repo_spec(row["Github"], row["Name"]))
            except ValueError as error:
                raise DataError(f"{TOOLS_FILE}: tool {row['Name']!r}: {error}") from None
    return specs


def parse_windows(path: Path) -> Design:
    """Explicit windows from a CSV with header ``repo,start,end`` (owner/name, ISO dates, both ends included)."""
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle)
            rows = list(reader)
            header = reader.fieldnames or []
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: cannot read the windows file ({error})") from None
    if not {"repo", "start", "end"} <= set(header):
        raise DataError(f"{path}: expected the header repo,start,end")
    windows: dict[str, list[Window]] = {}
    for number, row in enumerate(rows, 2):
        where = f"{path} line {number}"
        if _SLUG.fullmatch((row["repo"] or "").strip()) is None:
            raise DataError(f"{where}: repo {row['repo']!r} is not owner/name")
        try:
            window = Window(date.fromisoformat(row["start"].strip()), date.fromisoformat(row["end"].strip()))
        except (ValueError, AttributeError):
            raise DataError(f"{where}: start and end must be YYYY-MM-DD dates") from None
        if window.end < window.start:
            raise DataError(f"{where}: end {window.end} is before start {window.start}")
        repo_windows = windows.setdefault(row["repo"].strip().lower(), [])
        if window in repo_windows:
            raise DataError(f"{where}: window {window.start}..{window.end} of {row['repo']} is listed twice")
        repo_windows.append(window)
    if not windows:
        raise DataError(f"{path}: lists no windows")
    return Design("windows", windows={repo: tuple(sorted(ws)) for repo, ws in windows.items()})


def repos_for_windows(design: Design, known: Sequence[RepoSpec]) -> list[RepoSpec]:
    """List the repositories an explicit-windows design names, with tool and URL from ``known`` where listed."""
    by_repo = {spec.repo: spec for spec in reversed(known)}  # first listing wins
    return [by_repo.get(repo) or repo_spec(repo) for repo in design.windows]


def merge_duplicates(specs: Sequence[RepoSpec]) -> list[RepoSpec]:
    """One spec per repository; a repository listed under several tools gets their names joined by " / ".

    The repository is read once; this is the labelling
    :func:`mcvalue.data.clean.apply_cleaning` gives duplicates, made at the source.
    """
    merged: dict[str, RepoSpec] = {}
    for spec in specs:
        first = merged.get(spec.repo)
        if first is None:
            merged[spec.repo] = spec
        elif spec.tool not in first.tool.split(" / "):
            merged[spec.repo] = replace(first, tool=f"{first.tool} / {spec.tool}")
    return list(merged.values())


def draw_windows(repo: str, seed: int, n: int, first: date, last: date) -> tuple[Window, ...]:
    """``n`` distinct windows with start days uniform over ``[first, last - 14 days]``.

    The generator is ``SeedSequence(seed, spawn_key=(crc32(repo),))``, so a repository's
    windows depend only on the seed, its lower-case ``owner/name`` and the date range, not
    on which other repositories are collected. A range with room for fewer than ``n``
    starts yields all of them; a history shorter than a window yields one window from
    ``first``.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(repo.encode("utf-8")),)))
    room = max((last - first).days - WINDOW_DAYS, 0) + 1
    offsets = rng.choice(room, size=min(n, room), replace=False)
    return tuple(sorted(Window(first + timedelta(int(o)), first + timedelta(int(o) + WINDOW_DAYS)) for o in offsets))


@dataclass(frozen=True)
class Manifest:
    """What a collection read and how; ``repositories`` are the JSON records, in list order.

    Each record has repo, tool, url, status (``ok``, ``incomplete`` or ``skipped``),
    problems (one line each), default_branch, commit, history (first and last author
    day, number of non-merge commits), shallow, and windows (start, end, commits read,
    unread: commits whose diff could not be read).
    """

    design: str
    seed: int | None
    per_repo: int | None
    repositories: tuple[dict, ...]
    files: dict[str, str]
    mcvalue_version: str = __version__
    git_version: str = ""
    git_log_options: tuple[str, ...] = gitlog.NUMSTAT_OPTIONS

    def problems(self) -> list[str]:
        """One line per problem: ``owner/name: what is wrong``."""
        return [f"{record['repo']}: {problem}" for record in self.repositories for problem in record["problems"]]

    def with_status(self, status: str) -> list[str]:
        """List the repositories (owner/name) whose status is ``status``."""
        return [record["repo"] for record in self.repositories if record["status"] == status]

    def to_bytes(self) -> bytes:
        """Serialise the manifest: JSON, keys in a fixed order, no timestamps."""
        record = {
            "mcvalue_version": self.mcvalue_version,
            "git_version": self.git_version,
            "git_log_options": list(self.git_log_options),
            "design": self.design,
            "seed": self.seed,
            "per_repo": self.per_repo,
            "window_days": WINDOW_DAYS,
            "files": self.files,
            "repositories": list(self.repositories),
        }
        return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        """Read a manifest file (DataError if it is missing or not a manifest)."""
        try:
            record = json.loads(Path(path).read_text(encoding="utf-8"))
            return cls(
                design=record["design"], seed=record["seed"], per_repo=record["per_repo"],
                repositories=tuple(record["repositories"]), files=dict(record["files"]),
                mcvalue_version=record["mcvalue_version"], git_version=record["git_version"],
                git_log_options=tuple(record["git_log_options"]),
            )
        except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as error:
            raise DataError(f"{path}: not a readable collection manifest ({error})") from None


@dataclass(frozen=True)
class _Job:
    """One repository to read: where, which windows (or how to draw them), at which commit."""

    spec: RepoSpec
    clone: Path
    cache: Path
    design: Design
    seed: int
    per_repo: int
    clone_missing: bool = False
    windows: tuple[Window, ...] | None = None
    pinned: tuple[str, str] | None = None  # (branch, commit) recorded in a manifest
    carried: dict | None = None  # a record re-used as is (skipped in the manifest re-collected)


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one.

    Temporary file in the same directory, fsync, then :func:`os.replace`.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def _skipped(spec: RepoSpec, problem: str) -> dict:
    return {
        "repo": spec.repo, "tool": spec.tool, "url": spec.url, "status": "skipped", "problems": [problem],
        "default_branch": None, "commit": None, "history": None, "shallow": None, "windows": [],
    }


def _cache_key(job: _Job, commit: str) -> dict:
    """Describe what a cached result must match to be re-used: request, commit, counting rules."""
    return {
        "mcvalue_version": __version__,
        "git_log_options": list(gitlog.NUMSTAT_OPTIONS),
        "design": job.design.label,
        "seed": job.seed,
        "per_repo": job.per_repo,
        "windows": None if job.windows is None else [w.to_dict() for w in job.windows],
        "commit": commit,
    }


def _cached(job: _Job, key: dict) -> dict | None:
    try:
        stored = json.loads(job.cache.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return stored["record"] if isinstance(stored, dict) and stored.get("key") == key else None


def _windows_for(job: _Job, first: date, last: date) -> tuple[Window, ...]:
    if job.windows is not None:
        return job.windows
    if job.design.kind == "year":
        first, last = date(job.design.year, 1, 1), date(job.design.year, 12, 31)
    return draw_windows(job.spec.repo, job.seed, job.per_repo, first, last)


def _count_window(window: Window, shas: list[str], counts: dict[str, gitlog.Numstat], unread: dict) -> dict:
    authors: dict[str, list[int]] = {}
    for sha in shas:
        stat = counts.get(sha)
        if stat is not None and stat.files:  # GitHub counts no empty commits
            total = authors.setdefault(stat.author, [0, 0, 0])
            total[0] += 1
            total[1] += stat.added
            total[2] += stat.deleted
    return {
        **window.to_dict(),
        "commits": sum(total[0] for total in authors.values()),
        "unread": [sha for sha in shas if sha in unread],
        "authors": {user: authors[user] for user in sorted(authors)},
    }


def _head(job: _Job) -> gitlog.Head:
    """Find (cloning it if asked) the clone and the branch and commit to read it at."""
    if not job.clone.exists() and job.clone_missing:
        gitlog.clone_repository(job.spec.url, job.clone)
    elif not job.clone.exists():
        raise gitlog.GitError(f"no clone at {job.clone} (use --clone to clone it)")
    gitlog.check_clone(job.clone)
    if job.pinned is None:
        return gitlog.default_head(job.clone)
    if not gitlog.has_commit(job.clone, job.pinned[1]):
        raise gitlog.GitError(f"the manifest's commit {job.pinned[1]} is not in {job.clone}")
    return gitlog.Head(*job.pinned)


def _read(job: _Job) -> dict:
    """Read one repository into its record, or re-use its cached record (GitError if unreadable)."""
    head = _head(job)
    key = _cache_key(job, head.commit)
    cached = _cached(job, key)
    if cached is not None:
        return {**cached, "tool": job.spec.tool, "url": job.spec.url}
    days = gitlog.commit_days(job.clone, head.commit)
    if not days:
        raise gitlog.GitError(f"branch {head.branch!r} has only merge commits")
    first, last = min(day for _, day in days), max(day for _, day in days)
    windows = _windows_for(job, first, last)
    selected = [[sha for sha, day in days if window.start <= day <= window.end] for window in windows]
    wanted = set().union(*selected)
    boundary = gitlog.shallow_boundary(job.clone)
    readable = wanted - boundary
    counts, unread = gitlog.read_numstat(job.clone, [sha for sha, _ in days if sha in readable], head.commit)
    unread.update((sha, _CUT_OFF) for sha in wanted & boundary)
    problems = []
    if boundary:
        problems.append("shallow clone: history before its cut-off is missing (git fetch --unshallow)")
    if unread:
        problems.append(f"{len(unread)} commit(s) whose diff could not be read ({next(iter(unread.values()))})")
    record = {
        "repo": job.spec.repo, "tool": job.spec.tool, "url": job.spec.url,
        "status": "incomplete" if problems else "ok", "problems": problems,
        "default_branch": head.branch, "commit": head.commit,
        "history": {"first": first.isoformat(), "last": last.isoformat(), "commits": len(days)},
        "shallow": bool(boundary),
        "windows": [_count_window(w, shas, counts, unread) for w, shas in zip(windows, selected, strict=True)],
    }
    write_atomic(job.cache, json.dumps({"key": key, "record": record}, ensure_ascii=False).encode("utf-8"))
    return record


def _run_job(job: _Job) -> dict:
    """Read one repository; one that cannot be read becomes a skipped record."""
    if job.carried is not None:
        return job.carried
    try:
        return _read(job)
    except gitlog.GitError as error:
        return _skipped(job.spec, str(error))


def _run_all(jobs: Sequence[_Job], workers: int, progress: Progress | None) -> list[dict]:
    """Run all jobs, ``workers`` repositories at a time; records in job order."""
    records: list[dict | None] = [None] * len(jobs)
    report = progress or (lambda done, total: None)
    if workers <= 1:
        for index, job in enumerate(jobs):
            records[index] = _run_job(job)
            report(index + 1, len(jobs))
        return records
    pool = ThreadPoolExecutor(max_workers=workers)
    try:
        futures = {pool.submit(_run_job, job): index for index, job in enumerate(jobs)}
        for done, future in enumerate(as_completed(futures), 1):
            records[futures[future]] = future.result()
            report(done, len(jobs))
    finally:
        # On Ctrl-C, do not start the queued repositories; running ones finish and are cached.
        pool.shutdown(wait=True, cancel_futures=True)
    return records


def _csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _table_rows(records: Sequence[dict]) -> tuple[list[list], list[list]]:
    """Contributor-period and repo-period rows; skipped repositories have none (not zeros)."""
    contributions, periods = [], []
    for record in records:
        if record["status"] == "skipped":
            continue
        keys = [record["tool"], record["repo"]]
        for window in record["windows"]:
            dates = [window["start"], window["end"]]
            rows = [[*keys, *dates, user, c, a, d, a + d] for user, (c, a, d) in window["authors"].items()]
            contributions += rows
            sums = [sum(row[column] for row in rows) for column in range(5, 9)]
            periods.append([*keys, *dates, len(rows), *sums])
    return contributions, periods


def _public(record: dict) -> dict:
    """Drop per-author counts from a record's windows: the manifest's view (the counts are in the tables)."""
    windows = [{k: v for k, v in window.items() if k != "authors"} for window in record["windows"]]
    return {**record, "windows": windows}


def _write_sample(out: Path, records: Sequence[dict], design: str, seed: int | None, per_repo: int | None) -> Manifest:
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
        git_version=gitlog.git_version(),
    )
    write_atomic(out / MANIFEST_FILE, manifest.to_bytes())
    return manifest


def _prepare_out(out: Path) -> Path:
    cache = Path(out) / CACHE_DIR
    try:
        cache.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise McValueError(f"--out {out}: cannot create the output directory ({error})") from None
    return cache


def _cache_file(cache: Path, spec: RepoSpec) -> Path:
    return cache / (spec.repo.replace("/", "__") + ".json")


def collect(
    repos: Sequence[RepoSpec],
    clones: Path,
    out: Path,
    design: Design,
    per_repo: int = DEFAULT_PER_REPO,
    seed: int = DEFAULT_SEED,
    jobs: int = 1,
    clone_missing: bool = False,
    progress: Progress | None = None,
) -> Manifest:
    """Collect a sample from the clones under ``clones`` into ``out`` and return its manifest.

    Parameters
    ----------
    repos
        Repositories to read; one listed under several tools is read once (tool names
        joined). With an explicit-windows design every repository must have windows and
        every windowed repository must be listed (see :func:`repos_for_windows`).
    clones
        Directory holding the clones at ``clones/owner/name``.
    out
        Output directory; results already there for the same request are re-used, so an
        interrupted collection resumes.
    design
        How windows are chosen (:func:`parse_design`, :func:`parse_windows`).
    per_repo, seed
        Windows per repository and the seed of their draw (ignored for explicit windows).
    jobs
        Repositories read at the same time.
    clone_missing
        Clone repositories that have no clone yet (``git clone --no-checkout``).
    progress
        Called with (repositories done, total) after each repository.

    Returns
    -------
    Manifest
        Also written to ``out/manifest.json``; repositories that could not be read are
        in it as skipped, with one line saying why, and have no rows in the tables.

    """
    if per_repo < 1 or seed < 0 or jobs < 1:
        raise McValueError(f"--per-repo ({per_repo}) and --jobs ({jobs}) must be >= 1 and --seed ({seed}) >= 0")
    specs = merge_duplicates(repos)
    if design.kind == "windows":
        listed = {spec.repo for spec in specs}
        unwindowed = [repo for repo in listed if repo not in design.windows]
        unlisted = [repo for repo in design.windows if repo not in listed]
        if unwindowed or unlisted:
            raise DataError(
                "the windows file and the repository list differ: "
                f"no windows for {sorted(unwindowed) or 'none'}, not listed: {sorted(unlisted) or 'none'}"
            )
    cache = _prepare_out(out)
    explicit = design.kind == "windows"
    work = [
        _Job(
            spec, spec.clone_dir(clones), _cache_file(cache, spec), design, seed, per_repo, clone_missing,
            windows=design.windows[spec.repo] if explicit else None,
        )
        for spec in specs
    ]
    records = _run_all(work, jobs, progress)
    return _write_sample(Path(out), records, design.label, None if explicit else seed, None if explicit else per_repo)


def _recorded_spec(record: dict) -> RepoSpec:
    """Return the repository a manifest record names, owner and name spelled as in its URL.

    The record's ``repo`` is lower case; the clone lives at ``clones/Owner/Name`` as the
    list spelled it, which differs on a case-sensitive file system.
    """
    try:
        spec = repo_spec(record["url"], record["tool"])
    except ValueError:
        spec = None
    if spec is None or spec.repo != record["repo"]:
        spec = RepoSpec(*record["repo"].split("/"), record["tool"], record["url"])
    return replace(spec, url=record["url"])


def recollect(
    manifest_path: Path, clones: Path, out: Path, jobs: int = 1, progress: Progress | None = None
) -> Manifest:
    """Collect again what a manifest describes: same repositories, commits and windows.

    With the same clones (any that still contain the recorded commits) and versions, the
    tables and manifest written to ``out`` have the same bytes as the original. A
    repository skipped in the manifest stays skipped with its recorded reason.
    """
    if jobs < 1:
        raise McValueError(f"--jobs ({jobs}) must be >= 1")
    old = Manifest.read(manifest_path)
    cache = _prepare_out(out)
    design = Design("windows")
    work = []
    for record in old.repositories:
        spec = _recorded_spec(record)
        windows = tuple(Window(date.fromisoformat(w["start"]), date.fromisoformat(w["end"])) for w in record["windows"])
        pinned = None if record["commit"] is None else (record["default_branch"], record["commit"])
        work.append(
            _Job(
                spec, spec.clone_dir(clones), _cache_file(cache, spec), design, 0, 0, windows=windows,
                pinned=pinned, carried=record if pinned is None else None,
            )
        )
    records = _run_all(work, jobs, progress)
    return _write_sample(Path(out), records, old.design, old.seed, old.per_repo)


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as error:
        raise DataError(f"{path}: cannot read the collected sample ({error})") from None


def _read_table(path: Path, columns: list[str]) -> "pd.DataFrame":
    import pandas as pd

    table = pd.read_csv(path, dtype=str, keep_default_na=False)
    if list(table.columns) != columns:
        raise DataError(f"{path}: expected columns {','.join(columns)}")
    for column in ("period_start", "period_end"):
        table[column] = pd.to_datetime(table[column], format="%Y-%m-%d")
    counts = columns[5:] if "user" in columns else columns[4:]
    table[counts] = table[counts].astype("int64")
    return table


def collected_files(directory: Path) -> dict[str, str]:
    """Return the sha256 of a collected sample's tables and manifest, checked against the manifest's record.

    Cheap (no parsing): what a cache key of anything computed from the sample needs. A
    table whose hash differs from the manifest's (edited after collection) is a DataError.
    """
    directory = Path(directory)
    if not (directory / MANIFEST_FILE).is_file():
        raise DataError(f"{directory}: not a sample written by 'mcvalue data collect' (no {MANIFEST_FILE})")
    manifest = Manifest.read(directory / MANIFEST_FILE)
    hashes = {name: _sha256(directory / name) for name in (CONTRIBUTIONS_FILE, PERIODS_FILE, MANIFEST_FILE)}
    for name, expected in manifest.files.items():
        if hashes.get(name) != expected:
            raise DataError(f"{directory / name}: sha256 differs from manifest.json's (changed after collection)")
    return hashes


def load_collected(directory: Path, cleaning: CleaningOptions | None = None) -> Sample:
    """Load a collected sample as the :class:`~mcvalue.data.tables.Sample` every later step reads.

    Parameters
    ----------
    directory
        The ``--out`` directory of a collection.
    cleaning
        Corrections to apply (:func:`mcvalue.data.clean.apply_cleaning`); ``None`` or all
        off gives mode ``corrected`` (the counts as read), anything on gives mode ``clean``.

    Returns
    -------
    Sample
        ``file_sha256`` holds the sha256 of both tables and the manifest. A table whose
        hash differs from the manifest's (edited after collection) is a DataError.

    """
    directory = Path(directory)
    hashes = collected_files(directory)
    contributions = _read_table(directory / CONTRIBUTIONS_FILE, CONTRIBUTION_COLUMNS)
    periods = _read_table(directory / PERIODS_FILE, PERIOD_COLUMNS)
    cleaning = cleaning or CleaningOptions()
    from mcvalue.data.clean import apply_cleaning  # adds the sync columns even with every option off

    contributions, periods = apply_cleaning(contributions, periods, cleaning)
    return Sample(contributions, periods, "corrected" if cleaning == CleaningOptions() else "clean", cleaning, hashes)
