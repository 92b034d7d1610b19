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
its author day (UTC by default, the author's own clock with ``day="local"``) lies in
``[start, end]``. Only days in ``[2000-01-01, today]`` are used: a commit dated outside
is counted nowhere and named in the repository's problems; a window entirely outside a
clone's history is flagged (``in_history: false``) and not priced (no row in the tables).

Each repository's result is written atomically to ``OUT/.repos/owner__name.json`` (its
sha256 on the first line, checked before use) as soon as it is read, so an interrupted
collection resumes where it stopped; the tables and manifest are written last.
Re-collecting a manifest (:func:`recollect`) reads every repository at its recorded
commit and windows and gives the same bytes.

A sample is verified, not trusted, when it is loaded (:func:`verify_sample`): the
manifest's ``sample_sha256`` (over its canonical JSON, which holds both tables' sha256)
must match, and the tables must pass :func:`check_tables`.
"""

import bisect
import csv
import hashlib
import io
import json
import os
import re
import stat
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
#: First day a sample may cover; the last is today (UTC).
EARLIEST_DAY = date(2000, 1, 1)
#: Version of the sample's layout: 2 added ``active_days``, ``in_history``, ``day_basis``
#: and ``sample_sha256``. Older samples are refused on loading (re-collect them).
SAMPLE_FORMAT = 2
#: A file in ``OUT/.repos`` that says mcvalue made the directory (an interrupted collection).
CACHE_MARKER = "MCVALUE_RESUME_CACHE"
#: What happens to ``[bot]`` accounts (GitHub's app accounts, e.g. ``dependabot[bot]``):
#: ``keep`` counts them like anyone (clean mode's ``exclude_bots`` removes them later),
#: ``drop`` leaves them out of the tables as GitHub's contributors page does; either way
#: each window records their commits as ``bot_commits``.
BOT_CHOICES = ("keep", "drop")
MAX_MANIFEST_BYTES = 64 * 2**20
MAX_LIST_BYTES = 64 * 2**20
MAX_CACHE_BYTES = 64 * 2**20
DEFAULT_SEED = 2022
DEFAULT_PER_REPO = 5
CONTRIBUTIONS_FILE = "contributions.csv"
PERIODS_FILE = "periods.csv"
MANIFEST_FILE = "manifest.json"
CACHE_DIR = ".repos"

# Same column lists as mcvalue.data.parse (not imported: that module loads pandas).
# A collected sample adds ``active_days``: distinct author days of the contributor in the window.
CONTRIBUTION_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "user", "commits", "lines_added", "lines_deleted", "lines",
    "active_days",
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
_YEAR_DESIGN = re.compile(r"year:(\d{4,6})")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_COUNT = re.compile(r"\d{1,15}")
_ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")
_TEMPORARY = re.compile(r"\.(contributions\.csv|periods\.csv|manifest\.json)\..*\.tmp")
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
    if match is None or match[2] in (".", ".."):
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
    repository (lower-case ``owner/name`` -> windows). ``window_days`` is every
    window's length from start to end; ``None`` (measurement only, see
    ``benchmarks/validate_collect.py``) allows explicit windows of any length, and such
    a sample cannot be priced (:func:`load_collected`).
    """

    kind: DesignKind
    year: int | None = None
    windows: Mapping[str, tuple[Window, ...]] = field(default_factory=dict)
    window_days: int | None = WINDOW_DAYS

    @property
    def label(self) -> str:
        """``history``, ``year:YYYY`` or ``windows``, as written in the manifest."""
        return f"year:{self.year}" if self.kind == "year" else self.kind


def today() -> date:
    """Return today's UTC date: the last day a sample may cover."""
    from datetime import UTC, datetime

    return datetime.now(UTC).date()


def parse_design(text: str) -> Design:
    """Parse ``--design``: ``history`` or ``year:YYYY`` with YYYY from 2000 to the current year."""
    text = text.strip()
    if text == "history":
        return Design("history")
    match = _YEAR_DESIGN.fullmatch(text)
    if match and EARLIEST_DAY.year <= int(match[1]) <= today().year:
        return Design("year", year=int(match[1]))
    if match:
        raise McValueError(f"--design {text!r}: the year must be from {EARLIEST_DAY.year} to {today().year} (no future windows)")
    raise McValueError(f"--design {text!r}: use 'history' or 'year:YYYY' (or --windows FILE for explicit windows)")


def parse_repo_list(path: Path) -> list[RepoSpec]:
    """Repositories from a ``--repos`` file: one per line, optionally followed by a tool name.

    A line is a GitHub URL, ``owner/name`` or a git URL ending in ``/owner/name``, then,
    after a space or comma, the tool name (default: ``owner/name``). Blank lines and lines
    starting with ``#`` are ignored.
    """
    try:
        lines = read_bounded(Path(path), MAX_LIST_BYTES, "repository list").decode("utf-8-sig").splitlines()
    except UnicodeDecodeError as error:
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
        text = read_bounded(Path(path), MAX_LIST_BYTES, "windows file").decode("utf-8-sig")  # a BOM is not a column
        reader = csv.DictReader(io.StringIO(text, newline=""))
        rows = list(reader)
        header = reader.fieldnames or []
    except (UnicodeDecodeError, csv.Error) as error:
        raise DataError(f"{path}: cannot read the windows file ({error})") from None
    if not {"repo", "start", "end"} <= set(header):
        raise DataError(f"{path}: expected the header repo,start,end")
    windows: dict[str, set[Window]] = {}
    last_day = today()
    for number, row in enumerate(rows, 2):
        where = f"{path} line {number}"
        if not _is_slug((row["repo"] or "").strip()):
            raise DataError(f"{where}: repo {row['repo']!r} is not owner/name")
        window = _window(row["start"], row["end"])
        if window is None:
            raise DataError(f"{where}: start and end must be YYYY-MM-DD dates")
        if window.end - window.start != timedelta(WINDOW_DAYS):
            raise DataError(
                f"{where}: window {window.start}..{window.end} is not {WINDOW_DAYS} days from start to end "
                "(every window of a sample is priced as one two-week period)"
            )
        if window.start < EARLIEST_DAY or window.end > last_day:
            raise DataError(f"{where}: window {window.start}..{window.end} is outside {EARLIEST_DAY}..{last_day} (today)")
        repo_windows = windows.setdefault(row["repo"].strip().lower(), set())
        if window in repo_windows:
            raise DataError(f"{where}: window {window.start}..{window.end} of {row['repo']} is listed twice")
        repo_windows.add(window)
    if not windows:
        raise DataError(f"{path}: lists no windows")
    return Design("windows", windows={repo: tuple(sorted(ws)) for repo, ws in windows.items()})


def _is_slug(text: str) -> bool:
    """Whether ``text`` is ``owner/name`` (a name of only dots would leave the clones directory)."""
    match = _SLUG.fullmatch(text)
    return match is not None and match[2] not in (".", "..")


def _window(start: object, end: object) -> Window | None:
    """Return the window of two ``YYYY-MM-DD`` texts, or None if either is not such a date."""
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    start, end = start.strip(), end.strip()
    if not (_ISO_DAY.fullmatch(start) and _ISO_DAY.fullmatch(end)):
        return None
    try:
        return Window(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        return None


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
    """``n`` distinct windows with start days uniform over ``[first, last - 14 days]`` (the history design).

    The generator is ``SeedSequence(seed, spawn_key=(crc32(repo),))``, so a repository's
    windows depend only on the seed, its lower-case ``owner/name`` and the date range, not
    on which other repositories are collected. A range with room for fewer than ``n``
    starts yields all of them; a history shorter than a window yields one window from
    ``first``. Windows may overlap, as the paper's did.
    """
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(zlib.crc32(repo.encode("utf-8")),)))
    room = max((last - first).days - WINDOW_DAYS, 0) + 1
    offsets = rng.choice(room, size=min(n, room), replace=False)
    return tuple(sorted(Window(first + timedelta(int(o)), first + timedelta(int(o) + WINDOW_DAYS)) for o in offsets))


def draw_disjoint_windows(repo: str, seed: int, year: int, n: int, first: date, last: date) -> tuple[Window, ...]:
    """``n`` windows that share no day, uniform over such sets, inside ``[first, last]`` (the year design).

    A window covers ``WINDOW_DAYS + 1`` days, so sorted starts must differ by more than
    ``WINDOW_DAYS``: starts ``s_i = t_i + WINDOW_DAYS * i`` for ``n`` distinct sorted
    offsets ``t_i`` drawn from ``room - WINDOW_DAYS * (n - 1)`` values is a uniform draw
    of such a set. The generator's ``spawn_key`` is ``(crc32(repo), year)``, so each year
    gets its own days. Fewer windows when fewer fit; one window from ``first`` when the
    range is shorter than a window.
    """
    key = (zlib.crc32(repo.encode("utf-8")), year)
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    room = max((last - first).days - WINDOW_DAYS, 0) + 1
    count = n
    while count > 1 and room - WINDOW_DAYS * (count - 1) < count:
        count -= 1
    offsets = np.sort(rng.choice(room - WINDOW_DAYS * (count - 1), size=count, replace=False))
    starts = [first + timedelta(int(o) + WINDOW_DAYS * i) for i, o in enumerate(offsets)]
    return tuple(Window(start, start + timedelta(WINDOW_DAYS)) for start in starts)


@dataclass(frozen=True)
class Manifest:
    """What a collection read and how; ``repositories`` are the JSON records, in list order.

    Each record has repo, tool, url, status (``ok``, ``incomplete`` or ``skipped``),
    problems (one line each), default_branch, commit, history (first and last author
    day, number of non-merge commits), shallow, and windows (start, end, in_history,
    commits read, unread: commits whose diff could not be read). ``warnings`` are for
    the terminal only (a damaged resume cache entry that was re-read), not written.
    ``population`` is the repository list the sample was drawn from (:func:`population_record`);
    None in a manifest written before samples recorded it (:meth:`drawn_from` derives it).
    """

    design: str
    seed: int | None
    per_repo: int | None
    repositories: tuple[dict, ...]
    files: dict[str, str]
    mcvalue_version: str = __version__
    git_version: str = ""
    git_log_options: tuple[str, ...] = gitlog.NUMSTAT_OPTIONS
    day_basis: str = "utc"
    bots: str = "keep"
    window_days: int | None = WINDOW_DAYS
    format: int = SAMPLE_FORMAT
    recorded_sha256: str | None = None
    warnings: tuple[str, ...] = field(default=(), compare=False)
    population: dict | None = None

    def problems(self) -> list[str]:
        """One line per problem: ``owner/name: what is wrong``."""
        return [f"{record['repo']}: {problem}" for record in self.repositories for problem in record["problems"]]

    def with_status(self, status: str) -> list[str]:
        """List the repositories (owner/name) whose status is ``status``."""
        return [record["repo"] for record in self.repositories if record["status"] == status]

    def _record(self) -> dict:
        return {
            "format": self.format,
            "mcvalue_version": self.mcvalue_version,
            "git_version": self.git_version,
            "git_log_options": list(self.git_log_options),
            "day_basis": self.day_basis,
            "bots": self.bots,
            "design": self.design,
            "seed": self.seed,
            "per_repo": self.per_repo,
            "window_days": self.window_days,
            "files": self.files,
            "repositories": list(self.repositories),
        } | ({"population": self.population} if self.population is not None else {})

    def drawn_from(self) -> dict:
        """Return the population the sample was drawn from: the recorded one, else its own repository list's."""
        if self.population is not None:
            return self.population
        return population_record([record["repo"] for record in self.repositories])

    @property
    def sample_sha256(self) -> str:
        """The sample's identity: sha256 of the manifest's canonical JSON (sorted keys, no spaces), which holds both tables' sha256."""
        canonical = json.dumps(self._record(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_bytes(self) -> bytes:
        """Serialise the manifest: JSON, keys in a fixed order, no timestamps, ``sample_sha256`` last."""
        record = {**self._record(), "sample_sha256": self.sample_sha256}
        return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes, path: Path) -> "Manifest":
        """Parse and check a manifest's bytes (DataError naming ``path`` if it is not a collection manifest)."""
        try:
            record = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError, RecursionError) as error:
            raise DataError(f"{path}: not a readable collection manifest ({error})") from None
        problem = _manifest_problem(record)
        if problem:
            raise DataError(f"{path}: not a collection manifest ({problem})")
        return cls(
            design=record["design"], seed=record["seed"], per_repo=record["per_repo"],
            repositories=tuple(record["repositories"]), files=dict(record["files"]),
            mcvalue_version=record["mcvalue_version"], git_version=record["git_version"],
            git_log_options=tuple(record["git_log_options"]), day_basis=record.get("day_basis", "utc"),
            window_days=record.get("window_days", WINDOW_DAYS), bots=record.get("bots", "keep"),
            format=record.get("format", 1), recorded_sha256=record.get("sample_sha256"), population=record.get("population"),
        )

    @classmethod
    def read(cls, path: Path) -> "Manifest":
        """Read a manifest file (DataError if it is missing, too large, not a regular file or not a manifest)."""
        return cls.from_bytes(read_bounded(Path(path), MAX_MANIFEST_BYTES, "collection manifest"), Path(path))


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """Read a regular file of at most ``limit`` bytes; DataError naming it otherwise.

    The file type and size are checked before reading, so a FIFO, a device or a huge
    file is refused instead of hanging or filling memory.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"{path}: not a regular file (a {what} must be one)")
        if info.st_size > limit:
            raise DataError(f"{path}: {info.st_size / 2**20:,.0f} MiB, larger than the {limit // 2**20} MiB a {what} may be")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise DataError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if len(data) > limit:
        raise DataError(f"{path}: larger than the {limit // 2**20} MiB a {what} may be")
    return data


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**15


def _window_problem(window: object, with_authors: bool) -> str | None:
    """Say what is wrong with one window record of a manifest (or, ``with_authors``, a resume cache), or None."""
    if not isinstance(window, dict) or _window(window.get("start"), window.get("end")) is None:
        return "a window without YYYY-MM-DD start and end"
    if not _is_count(window.get("commits")) or not isinstance(window.get("unread"), list):
        return f"window {window['start']}: commits and unread must be a count and a list"
    if not isinstance(window.get("in_history", True), bool):
        return f"window {window['start']}: in_history must be true or false"
    if with_authors:
        authors = window.get("authors")
        if not isinstance(authors, dict) or not all(
            isinstance(counts, list) and len(counts) == 4 and all(map(_is_count, counts)) for counts in authors.values()
        ):
            return f"window {window['start']}: authors must map a user to four counts"
    return None


def _repository_problem(record: object, with_authors: bool = False) -> str | None:
    """Say what is wrong with one repository record, or None."""
    if not isinstance(record, dict):
        return "a repository record that is not an object"
    texts = ("repo", "tool", "url", "status")
    if not all(isinstance(record.get(key), str) for key in texts) or not _is_slug(record["repo"]):
        return "a repository record without repo (owner/name), tool, url and status"
    if record["status"] not in ("ok", "incomplete", "skipped"):
        return f"{record['repo']}: status {record['status']!r}"
    if not isinstance(record.get("problems"), list) or not all(isinstance(p, str) for p in record["problems"]):
        return f"{record['repo']}: problems must be a list of lines"
    commit, branch = record.get("commit"), record.get("default_branch")
    if not (commit is None or (isinstance(commit, str) and re.fullmatch(r"[0-9a-f]{40,64}", commit))):
        return f"{record['repo']}: commit must be a hex commit id or null"
    if commit is not None and not isinstance(branch, str):
        return f"{record['repo']}: default_branch must be a branch name"
    if not isinstance(record.get("windows"), list):
        return f"{record['repo']}: windows must be a list"
    for window in record["windows"]:
        problem = _window_problem(window, with_authors)
        if problem:
            return f"{record['repo']}: {problem}"
    return None


def population_record(repos: Sequence[str], name: str | None = None) -> dict:
    """Return the population a sample is drawn from: a name, its size N and the sha256 of its repository list.

    ``repos`` are the list's repositories (``owner/name``; one per listed tool, so N counts
    the list's entries); the sha256 is of the distinct lower-case names, sorted, one per
    line. Without ``name`` the population is named after that sha256 (``list-`` and its first
    12 hex digits), so the same list gets the same name on every machine.

    Examples
    --------
    >>> record = population_record(["acme/tiny", "Acme/Tiny", "b/c"])
    >>> record["size"], record["name"] == "list-" + record["repositories_sha256"][:12]
    (3, True)
    """
    listed = "\n".join(sorted({repo.lower() for repo in repos}))
    digest = hashlib.sha256(listed.encode("utf-8")).hexdigest()
    return {"name": name or f"list-{digest[:12]}", "size": len(repos), "repositories_sha256": digest}


def _population_problem(population: object) -> str | None:
    """Say what is wrong with a manifest's ``population`` record, or None."""
    if not isinstance(population, dict) or set(population) != {"name", "size", "repositories_sha256"}:
        return "population must hold exactly name, size and repositories_sha256"
    if not isinstance(population["name"], str) or not population["name"].strip() or len(population["name"]) > 200:
        return "population name must be non-empty text of at most 200 characters"
    if not _is_count(population["size"]) or population["size"] < 1 or not isinstance(population["repositories_sha256"], str):
        return "population size must be a positive integer and repositories_sha256 text"
    return None


def _manifest_problem(record: object) -> str | None:
    """Say what makes ``record`` not a collection manifest, or None."""
    if not isinstance(record, dict):
        return "not a JSON object"
    keys = ("mcvalue_version", "git_version", "git_log_options", "design", "seed", "per_repo", "files", "repositories")
    missing = [key for key in keys if key not in record]
    if missing:
        return f"no key {missing[0]!r}"
    if not isinstance(record["design"], str) or not isinstance(record["repositories"], list):
        return "design must be text and repositories a list"
    if not isinstance(record["files"], dict) or not all(isinstance(v, str) for v in record["files"].values()):
        return "files must map file names to sha256"
    if not isinstance(record["git_log_options"], list) or not all(isinstance(o, str) for o in record["git_log_options"]):
        return "git_log_options must be a list of options"
    if not all(isinstance(record[key], str) for key in ("mcvalue_version", "git_version")):
        return "mcvalue_version and git_version must be text"
    for key in ("seed", "per_repo"):
        if record[key] is not None and not _is_count(record[key]):
            return f"{key} must be a non-negative integer or null"
    if record.get("window_days", WINDOW_DAYS) not in (WINDOW_DAYS, None):
        return f"window_days must be {WINDOW_DAYS} or null"
    if record.get("bots", "keep") not in BOT_CHOICES:
        return f"bots must be one of {', '.join(BOT_CHOICES)}"
    if record.get("day_basis", "utc") not in gitlog.DAY_BASES:
        return f"day_basis must be one of {', '.join(gitlog.DAY_BASES)}"
    if "population" in record and _population_problem(record["population"]):
        return _population_problem(record["population"])
    for repository in record["repositories"]:
        problem = _repository_problem(repository)
        if problem:
            return problem
    return None


@dataclass(frozen=True)
class Reading:
    """How git is read where it and GitHub's contributors page can differ; each default stated.

    ``day``: ``utc`` (default; the README's figures) or ``local``, the author's own
    calendar day, as the page appears to date commits. ``mailmap``: resolve identities
    with the ``.mailmap`` of the commit read at (default, as GitHub does). ``bots``:
    ``keep`` (default) or ``drop`` ``[bot]`` accounts (:data:`BOT_CHOICES`).
    """

    day: str = "utc"
    mailmap: bool = True
    bots: str = "keep"

    def check(self) -> None:
        """Raise McValueError naming the option whose value is not one of its choices."""
        if self.day not in gitlog.DAY_BASES:
            raise McValueError(f"--day {self.day!r}: choose one of {', '.join(gitlog.DAY_BASES)}")
        if self.bots not in BOT_CHOICES:
            raise McValueError(f"--bots {self.bots!r}: choose one of {', '.join(BOT_CHOICES)}")

    @classmethod
    def of(cls, manifest: "Manifest") -> "Reading":
        """Return the reading a manifest records."""
        return cls(manifest.day_basis, "--no-mailmap" not in manifest.git_log_options, manifest.bots)


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
    shallow_since: date | None = None  # how much history --clone fetches
    pinned: tuple[str, str] | None = None  # (branch, commit) recorded in a manifest
    carried: dict | None = None  # a record re-used as is (skipped in the manifest re-collected)
    reading: Reading = Reading()


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


def _cache_bytes(key: dict, record: dict) -> bytes:
    """Serialise a resume cache entry: the sha256 of the JSON payload on the first line, then the payload."""
    payload = json.dumps({"key": key, "record": record}, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload


def _cached(job: _Job, key: dict) -> tuple[dict | None, str | None]:
    """Return (the cached record if its entry is intact and for this request, a warning if it is damaged).

    The sha256 is checked on the bytes that are then parsed. An entry of another
    request or of an older layout is not damage: it is silently read again.
    """
    try:
        data = read_bounded(job.cache, MAX_CACHE_BYTES, "resume cache entry")
    except DataError as error:
        return None, (None if not job.cache.exists() and not job.cache.is_symlink() else f"{error}; read again")
    digest, newline, payload = data.partition(b"\n")
    if not newline or _SHA256.fullmatch(digest.decode("ascii", "replace")) is None:
        if data.lstrip().startswith(b"{"):  # written before entries carried a sha256
            return None, None
        return None, f"{job.cache}: damaged resume cache entry (no sha256 line); read again"
    if hashlib.sha256(payload).hexdigest() != digest.decode("ascii"):
        return None, f"{job.cache}: damaged resume cache entry (sha256 differs); read again"
    try:
        stored = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{job.cache}: damaged resume cache entry (not JSON); read again"
    if not isinstance(stored, dict) or stored.get("key") != key:
        return None, None
    record = stored.get("record")
    problem = _repository_problem(record, with_authors=True)
    if problem or record["repo"] != job.spec.repo:
        return None, f"{job.cache}: damaged resume cache entry ({problem or 'another repository'}); read again"
    return record, None


def _history_span(job: _Job, first: date, last: date) -> tuple[date, date]:
    """Return the days windows are drawn from: the history, cut to the design's year (GitError if they do not meet)."""
    if job.design.kind != "year":
        return first, last
    start, end = max(first, date(job.design.year, 1, 1)), min(last, date(job.design.year, 12, 31))
    if start > end:
        raise gitlog.GitError(f"its history ({first}..{last}) does not cover year {job.design.year}: no window can be drawn")
    return start, end


def _windows_for(job: _Job, first: date, last: date) -> tuple[Window, ...]:
    if job.windows is not None:
        return job.windows
    start, end = _history_span(job, first, last)
    if job.design.kind == "year":
        return draw_disjoint_windows(job.spec.repo, job.seed, job.design.year, job.per_repo, start, end)
    return draw_windows(job.spec.repo, job.seed, job.per_repo, start, end)


def select_commits(windows: Sequence[Window], days: Sequence[tuple[str, date]]) -> list[list[str]]:
    """Return, per window, the commits whose day lies in it, in ``days``' order; one sort, then a bisection per window.

    ``days`` is (sha, day) as :func:`mcvalue.data.gitlog.commit_days` lists them.
    """
    order = sorted(range(len(days)), key=lambda index: days[index][1])
    sorted_days = [days[index][1] for index in order]
    selected = []
    for window in windows:
        low, high = bisect.bisect_left(sorted_days, window.start), bisect.bisect_right(sorted_days, window.end)
        selected.append([days[index][0] for index in sorted(order[low:high])])
    return selected


def is_bot(user: str) -> bool:
    """Whether a contributor is a GitHub app account (its login ends in ``[bot]``), which GitHub's contributors page hides."""
    return user.endswith("[bot]")


def _count_window(
    window: Window, shas: list[str], counts: dict[str, gitlog.Numstat], unread: dict, day_of: dict[str, date],
    inside: bool, bots: str,
) -> dict:
    authors: dict[str, list] = {}
    bot_commits = 0
    for sha in shas:
        stat_ = counts.get(sha)
        if stat_ is not None and stat_.files:  # GitHub counts no empty commits
            bot_commits += is_bot(stat_.author)
            if bots == "drop" and is_bot(stat_.author):
                continue
            total = authors.setdefault(stat_.author, [0, 0, 0, set()])
            total[0] += 1
            total[1] += stat_.added
            total[2] += stat_.deleted
            total[3].add(day_of[sha])
    return {
        **window.to_dict(),
        "in_history": inside,
        "commits": sum(total[0] for total in authors.values()),
        "bot_commits": bot_commits,
        "unread": [sha for sha in shas if sha in unread],
        "authors": {user: [*authors[user][:3], len(authors[user][3])] for user in sorted(authors)},
    }


def find_clone(clones: Path, spec: RepoSpec) -> Path:
    """Where a repository's clone is: ``clones/Owner/Name`` as spelled, else the one directory whose spelling differs only in case.

    GitHub names are case-insensitive; a list may spell ``Good/Repo`` where the clone
    is ``clones/good/repo``. With no match the path as spelled is returned (it does not exist).
    """
    exact = spec.clone_dir(clones)
    if exact.exists():
        return exact
    found = []
    try:
        for owner in Path(clones).iterdir():
            if owner.name.lower() == spec.owner.lower() and owner.is_dir():
                found += [name for name in owner.iterdir() if name.name.lower() == spec.name.lower()]
    except OSError:
        return exact
    return found[0] if len(found) == 1 else exact


def _head(job: _Job) -> gitlog.Head:
    """Find (cloning it if asked) the clone and the branch and commit to read it at."""
    if not job.clone.exists() and job.clone_missing:
        gitlog.clone_repository(job.spec.url, job.clone, job.shallow_since)
    elif not job.clone.exists():
        raise gitlog.GitError(f"no clone at {job.clone} (use --clone to clone it)")
    gitlog.check_clone(job.clone)
    if job.pinned is None:
        return gitlog.default_head(job.clone)
    if not gitlog.has_commit(job.clone, job.pinned[1]):
        raise gitlog.GitError(f"the manifest's commit {job.pinned[1]} is not in {job.clone}")
    return gitlog.Head(*job.pinned)


def _read(job: _Job) -> tuple[dict, list[str]]:
    """Read one repository into its record, or re-use its cached record (GitError if unreadable); with warnings."""
    head = _head(job)
    key = _cache_key(job, head.commit)
    cached, warning = _cached(job, key)
    warnings = [warning] if warning else []
    if cached is not None:
        return {**cached, "tool": job.spec.tool, "url": job.spec.url}, warnings
    listed, undated = gitlog.commit_days(job.clone, head.commit, job.reading.day)
    last_day = today()
    days = [(sha, day) for sha, day in listed if EARLIEST_DAY <= day <= last_day]
    outside = len(undated) + len(listed) - len(days)
    if not days:
        raise gitlog.GitError(
            f"branch {head.branch!r} has no non-merge commit dated {EARLIEST_DAY}..{last_day}" if listed or undated
            else f"branch {head.branch!r} has only merge commits"
        )
    first, last = min(day for _, day in days), max(day for _, day in days)
    boundary = gitlog.shallow_boundary(job.clone)
    if boundary and job.design.kind == "year" and first > date(job.design.year, 1, 1):
        raise gitlog.GitError(
            f"shallow clone whose history starts {first}, after {job.design.year}-01-01: the year's windows cannot "
            f"be placed (git fetch --shallow-since={job.design.year}-01-01, then git fetch --deepen=1)"
        )
    windows = _windows_for(job, first, last)
    selected = select_commits(windows, days)
    wanted = set().union(*selected)
    readable = wanted - boundary
    counts, unread = gitlog.read_numstat(job.clone, [sha for sha, _ in days if sha in readable], head.commit, job.reading.mailmap)
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
    if gitlog.cancelled():
        raise gitlog.Cancelled
    write_atomic(job.cache, _cache_bytes(key, record))
    return record, warnings


def _run_job(job: _Job) -> tuple[dict, list[str]]:
    """Read one repository; one that cannot be read becomes a skipped record."""
    if job.carried is not None:
        return job.carried, []
    try:
        return _read(job)
    except gitlog.GitError as error:
        return _skipped(job.spec, str(error)), []


def _run_all(jobs: Sequence[_Job], workers: int, progress: Progress | None) -> tuple[list[dict], list[str]]:
    """Run all jobs, ``workers`` repositories at a time; records in job order, and the warnings.

    On an interrupt (KeyboardInterrupt, SIGTERM turned into one by the CLI) every running
    git process is killed at once and no queued repository starts, so the interrupt
    ends the collection within a second; finished repositories stay cached.
    """
    results: list[tuple[dict, list[str]] | None] = [None] * len(jobs)
    report = progress or (lambda done, total: None)
    gitlog.resume()
    pool = ThreadPoolExecutor(max_workers=workers) if workers > 1 else None
    try:
        if pool is None:
            for index, job in enumerate(jobs):
                results[index] = _run_job(job)
                report(index + 1, len(jobs))
        else:
            futures = {pool.submit(_run_job, job): index for index, job in enumerate(jobs)}
            for done, future in enumerate(as_completed(futures), 1):
                results[futures[future]] = future.result()
                report(done, len(jobs))
    except BaseException:
        gitlog.cancel()
        raise
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
        gitlog.resume()
    return [record for record, _ in results], [warning for _, found in results for warning in found]


def _csv_bytes(columns: list[str], rows: list[list]) -> bytes:
    text = io.StringIO(newline="")
    writer = csv.writer(text, lineterminator="\n")
    writer.writerow(columns)
    writer.writerows(rows)
    return text.getvalue().encode("utf-8")


def _table_rows(records: Sequence[dict]) -> tuple[list[list], list[list]]:
    """Contributor-period and repo-period rows; skipped repositories and windows outside a history have none (not zeros)."""
    contributions, periods = [], []
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


def _public(record: dict) -> dict:
    """Drop per-author counts from a record's windows: the manifest's view (the counts are in the tables)."""
    windows = [{k: v for k, v in window.items() if k != "authors"} for window in record["windows"]]
    return {**record, "windows": windows}


def _write_sample(
    out: Path, records: Sequence[dict], design: str, seed: int | None, per_repo: int | None, reading: Reading,
    window_days: int | None, warnings: Sequence[str] = (), population: dict | None = None,
) -> Manifest:
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
        git_version=gitlog.git_version(), window_days=window_days, warnings=tuple(warnings),
        day_basis=reading.day, bots=reading.bots, git_log_options=gitlog.numstat_options(reading.mailmap),
        population=population,
    )
    write_atomic(out / MANIFEST_FILE, manifest.to_bytes())
    return replace(manifest, recorded_sha256=manifest.sample_sha256)


def _is_ours(out: Path) -> bool:
    """Whether ``out`` is empty, or holds only what an mcvalue collection writes (recognised by its manifest or resume cache marker)."""
    entries = {entry.name for entry in out.iterdir()}
    cache = out / CACHE_DIR
    if cache.is_symlink() or (cache.exists() and not cache.is_dir()):
        return False  # writing through it would write elsewhere
    marked = (cache / CACHE_MARKER).is_file() and not (cache / CACHE_MARKER).is_symlink()
    if CACHE_DIR in entries and not cache.is_symlink() and cache.is_dir() and not marked and any(cache.iterdir()):
        return False  # somebody else's .repos
    if (out / MANIFEST_FILE).is_file():
        try:
            Manifest.read(out / MANIFEST_FILE)
        except DataError:
            return False
        return True
    return all(name == CACHE_DIR or _TEMPORARY.fullmatch(name) for name in entries) and (marked or not entries - {CACHE_DIR})


def _prepare_out(out: Path) -> Path:
    """Make sure ``out`` may be written (new, empty, or a sample mcvalue wrote) and return its resume cache directory."""
    out = Path(out)
    try:
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise McValueError(f"--out {out}: not a directory")
        if out.exists() and not _is_ours(out):
            raise McValueError(
                f"--out {out}: holds files mcvalue did not write (no mcvalue manifest.json); "
                "choose a new or empty directory, nothing was changed"
            )
        cache = out / CACHE_DIR
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / CACHE_MARKER).exists():
            write_atomic(cache / CACHE_MARKER, b"resume cache of 'mcvalue data collect'\n")
    except OSError as error:
        raise McValueError(f"--out {out}: cannot create the output directory ({error.strerror or error})") from None
    return cache


def _cache_file(cache: Path, spec: RepoSpec) -> Path:
    return cache / (spec.repo.replace("/", "__") + ".json")


def _check_windows(design: Design) -> None:
    """Refuse explicit windows not of the design's length, ending before they start, or not inside ``[2000-01-01, today]``."""
    last_day = today()
    length = "" if design.window_days is None else f"{design.window_days} days from start to end and "
    for repo, windows in design.windows.items():
        for window in windows:
            days = (window.end - window.start).days
            if (days != design.window_days if design.window_days is not None else days < 0) or not (
                EARLIEST_DAY <= window.start and window.end <= last_day
            ):
                raise DataError(
                    f"window {window.start}..{window.end} of {repo}: windows must be {length}inside "
                    f"{EARLIEST_DAY}..{last_day} (today)"
                )


def _check_shallow(design: Design, since: date | None, clone_missing: bool) -> None:
    """Refuse ``--shallow-since`` without ``--clone``, with the history design, or later than the design's first day."""
    if since is None:
        return
    if not clone_missing:
        raise McValueError("--shallow-since says how much history --clone fetches; add --clone")
    if design.kind == "history":
        raise McValueError("--shallow-since: the history design draws windows over the whole history; clone all of it")
    first = date(design.year, 1, 1) if design.kind == "year" else min(w.start for ws in design.windows.values() for w in ws)
    if since > first:
        raise McValueError(f"--shallow-since {since}: after the design's first day {first}; the history from then on is needed")


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
    reading: Reading = Reading(),
    shallow_since: date | None = None,
    population: str | None = None,
) -> Manifest:
    """Collect a sample from the clones under ``clones`` into ``out`` and return its manifest.

    Parameters
    ----------
    repos
        Repositories to read; one listed under several tools is read once (tool names
        joined). With an explicit-windows design every repository must have windows and
        every windowed repository must be listed (see :func:`repos_for_windows`).
    clones
        Directory holding the clones at ``clones/owner/name`` (any case, see :func:`find_clone`).
    out
        Output directory: new, empty, or a sample mcvalue wrote (else McValueError,
        nothing changed); results already there for the same request are re-used, so an
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
    reading
        Which day a commit is on, whether ``.mailmap`` merges identities, what happens
        to ``[bot]`` accounts (:class:`Reading`; the defaults read git as the README says).
    shallow_since
        With ``clone_missing``, clone only the history since this day (plus the cut-off
        commits' parents): enough for a year or explicit-windows design whose first day
        is not earlier; refused for the history design, which needs all of it.
    population
        The name of the population ``repos`` is (``--population``), recorded in the
        manifest with the list's size and sha256 (:func:`population_record`; default: a
        name made from that sha256). A run's ``[cost] population`` must name it.

    Returns
    -------
    Manifest
        Also written to ``out/manifest.json``; repositories that could not be read are
        in it as skipped, with one line saying why, and have no rows in the tables.

    """
    if per_repo < 1 or seed < 0 or jobs < 1:
        raise McValueError(f"--per-repo ({per_repo}) and --jobs ({jobs}) must be >= 1 and --seed ({seed}) >= 0")
    reading.check()
    _check_shallow(design, shallow_since, clone_missing)
    specs = merge_duplicates(repos)
    if design.kind == "windows":
        _check_windows(design)
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
            spec, find_clone(clones, spec), _cache_file(cache, spec), design, seed, per_repo, clone_missing,
            windows=design.windows[spec.repo] if explicit else None, reading=reading, shallow_since=shallow_since,
        )
        for spec in specs
    ]
    records, warnings = _run_all(work, jobs, progress)
    return _write_sample(
        Path(out), records, design.label, None if explicit else seed, None if explicit else per_repo, reading,
        design.window_days, warnings, population_record([spec.repo for spec in repos], population),
    )


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
    """Collect again what a manifest describes: same repositories, commits, windows and reading.

    With the same clones (any that still contain the recorded commits) and versions, the
    tables and manifest written to ``out`` have the same bytes as the original. A
    repository skipped in the manifest stays skipped with its recorded reason.
    """
    if jobs < 1:
        raise McValueError(f"--jobs ({jobs}) must be >= 1")
    old = Manifest.read(manifest_path)
    cache = Path(out) / CACHE_DIR
    design = Design("windows", window_days=old.window_days)
    work = []
    for record in old.repositories:
        spec = _recorded_spec(record)
        windows = tuple(_window(w["start"], w["end"]) for w in record["windows"])
        pinned = None if record["commit"] is None else (record["default_branch"], record["commit"])
        work.append(
            _Job(
                spec, find_clone(clones, spec), _cache_file(cache, spec), design, 0, 0, windows=windows,
                pinned=pinned, carried=record if pinned is None else None, reading=Reading.of(old),
            )
        )
    _check_windows(replace(design, windows={job.spec.repo: job.windows for job in work}))
    _prepare_out(out)
    records, warnings = _run_all(work, jobs, progress)
    return _write_sample(
        Path(out), records, old.design, old.seed, old.per_repo, Reading.of(old), old.window_days, warnings, old.population
    )


@dataclass(frozen=True)
class VerifiedSample:
    """A sample's manifest and table bytes, checked against each other (:func:`verify_sample`)."""

    manifest: Manifest
    tables: dict[str, bytes]
    file_sha256: dict[str, str]


def verify_sample(directory: Path) -> VerifiedSample:
    """Read a collected sample once and check its identity: every byte used is a byte hashed.

    The manifest must be of the current layout (:data:`SAMPLE_FORMAT`), list the sha256
    of both tables (an empty or partial ``files`` is refused), and carry the
    ``sample_sha256`` its own canonical content gives; each table's bytes must have the
    sha256 listed. Any mismatch is a DataError naming the file.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.exists():
        raise DataError(f"{directory}: not a sample written by 'mcvalue data collect' (no {MANIFEST_FILE})")
    manifest_bytes = read_bounded(manifest_path, MAX_MANIFEST_BYTES, "collection manifest")
    manifest = Manifest.from_bytes(manifest_bytes, manifest_path)
    if manifest.format != SAMPLE_FORMAT or manifest.recorded_sha256 is None:
        raise DataError(
            f"{manifest_path}: a sample of layout {manifest.format}, written before samples carried a sha256 and "
            f"active days; re-collect it (mcvalue data collect --manifest {manifest_path} --out NEW_DIR)"
        )
    if set(manifest.files) != {CONTRIBUTIONS_FILE, PERIODS_FILE}:
        raise DataError(f"{manifest_path}: files must list the sha256 of {CONTRIBUTIONS_FILE} and {PERIODS_FILE}, and only them")
    if manifest.recorded_sha256 != manifest.sample_sha256:
        raise DataError(f"{manifest_path}: sample_sha256 does not match its content (changed after collection)")
    from mcvalue.data.parse import MAX_DATA_BYTES

    tables = {name: read_bounded(directory / name, MAX_DATA_BYTES, "sample table") for name in manifest.files}
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in tables.items()}
    for name, expected in manifest.files.items():
        if hashes[name] != expected:
            raise DataError(f"{directory / name}: sha256 differs from manifest.json's (changed after collection)")
    hashes[MANIFEST_FILE] = hashlib.sha256(manifest_bytes).hexdigest()
    hashes["sample_sha256"] = manifest.sample_sha256
    return VerifiedSample(manifest, tables, hashes)


def collected_files(directory: Path) -> dict[str, str]:
    """Return the sha256 of a collected sample's tables and manifest, and its ``sample_sha256``, once verified.

    What a cache key of anything computed from the sample needs; the tables are checked
    against the manifest (:func:`verify_sample`) and by :func:`check_tables`.
    """
    verified = verify_sample(directory)
    check_tables(*_tables(directory, verified), verified.manifest, directory)
    return verified.file_sha256


def _parse_table(data: bytes, path: Path, columns: list[str]) -> "pd.DataFrame":
    """Parse a table's bytes with its columns typed; DataError naming the file, line and column for any bad cell."""
    import pandas as pd

    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV table ({error})") from None
    if list(table.columns) != columns:
        raise DataError(f"{path}: expected columns {','.join(columns)}")
    counts = columns[5:] if "user" in columns else columns[4:]
    texts = ["tool", "repo", "user"] if "user" in columns else ["tool", "repo"]
    for column in texts:
        empty = table.index[table[column].str.strip() == ""]
        if len(empty):
            raise DataError(f"{path} line {empty[0] + 2}: empty {column}")
    for column in ("period_start", "period_end"):
        bad = table.index[~table[column].str.fullmatch(_ISO_DAY.pattern)]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} {table[column].iloc[bad[0]]!r} is not a YYYY-MM-DD date")
        table[column] = pd.to_datetime(table[column], format="%Y-%m-%d", errors="coerce")
        bad = table.index[table[column].isna()]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} is not a calendar date")
    for column in counts:
        bad = table.index[~table[column].str.fullmatch(_COUNT.pattern)]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} {table[column].iloc[bad[0]]!r} is not a non-negative count")
    table[counts] = table[counts].astype("int64")
    return table


def _tables(directory: Path, verified: VerifiedSample) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    contributions = _parse_table(verified.tables[CONTRIBUTIONS_FILE], directory / CONTRIBUTIONS_FILE, CONTRIBUTION_COLUMNS)
    periods = _parse_table(verified.tables[PERIODS_FILE], directory / PERIODS_FILE, PERIOD_COLUMNS)
    return contributions, periods


def _first_row(mask: "pd.Series | np.ndarray") -> int:
    """Return the file line of the first row where ``mask`` holds (line 1 is the header)."""
    return int(np.asarray(mask).nonzero()[0][0]) + 2


def check_tables(contributions: "pd.DataFrame", periods: "pd.DataFrame", manifest: Manifest, directory: Path) -> None:
    """Check a sample's tables against each other and its manifest; DataError naming the file and line.

    Holds for every sample :func:`collect` writes: unique keys (repo, window, user) and
    (repo, window); every window ``WINDOW_DAYS`` long and inside ``[2000-01-01, today]``;
    ``lines`` = added + deleted; a contributor has at least one commit, and from one to
    15 active days, at most its commits; every contribution inside a listed period;
    each period's contributors and sums equal to its contributions'; the periods are
    exactly the manifest's windows inside a history, with the commits it records.
    """
    import pandas as pd

    where_c, where_p = directory / CONTRIBUTIONS_FILE, directory / PERIODS_FILE
    window_key = ["repo", "period_start", "period_end"]
    for table, where, key in ((contributions, where_c, [*window_key, "user"]), (periods, where_p, window_key)):
        duplicated = table.duplicated(key)
        if duplicated.any():
            raise DataError(f"{where} line {_first_row(duplicated)}: {'/'.join(key)} listed twice")
        days = (table["period_end"] - table["period_start"]).dt.days
        length = days != manifest.window_days if manifest.window_days is not None else days < 0
        if length.any():
            raise DataError(f"{where} line {_first_row(length)}: window is not {manifest.window_days} days from start to end")
        early = (table["period_start"] < pd.Timestamp(EARLIEST_DAY)) | (table["period_end"] > pd.Timestamp(today()))
        if early.any():
            raise DataError(f"{where} line {_first_row(early)}: window outside {EARLIEST_DAY}..today")
        lines = table["lines"] != table["lines_added"] + table["lines_deleted"]
        if lines.any():
            raise DataError(f"{where} line {_first_row(lines)}: lines is not lines_added + lines_deleted")
    bad = (contributions["commits"] < 1) | (contributions["active_days"] < 1) | (
        contributions["active_days"] > contributions["commits"].clip(upper=WINDOW_DAYS + 1)
    )
    if bad.any():
        raise DataError(f"{where_c} line {_first_row(bad)}: needs commits >= 1 and 1 <= active_days <= min(commits, {WINDOW_DAYS + 1})")
    listed = pd.MultiIndex.from_frame(periods[["tool", *window_key]])
    unlisted = ~pd.MultiIndex.from_frame(contributions[["tool", *window_key]]).isin(listed)
    if unlisted.any():
        raise DataError(f"{where_c} line {_first_row(unlisted)}: contribution outside every window of {PERIODS_FILE}")
    sums = contributions.groupby(["tool", *window_key]).agg(
        contributors=("user", "size"), commits=("commits", "sum"), lines_added=("lines_added", "sum"),
        lines_deleted=("lines_deleted", "sum"),
    )
    joined = periods.merge(sums.reset_index(), on=["tool", *window_key], how="left", suffixes=("", "_rows"))
    for column in ("contributors", "commits", "lines_added", "lines_deleted"):
        differs = joined[column] != joined[f"{column}_rows"].fillna(0).astype("int64")
        if differs.any():
            raise DataError(f"{where_p} line {_first_row(differs)}: {column} differs from the sum over {CONTRIBUTIONS_FILE}")
    expected = sorted(
        (record["tool"], record["repo"], window["start"], window["end"], window["commits"])
        for record in manifest.repositories if record["status"] != "skipped"
        for window in record["windows"] if window.get("in_history", True)
    )
    found = sorted(
        zip(periods["tool"], periods["repo"], periods["period_start"].dt.strftime("%Y-%m-%d"),
            periods["period_end"].dt.strftime("%Y-%m-%d"), periods["commits"].tolist(), strict=True)
    )
    if found != expected:
        raise DataError(f"{where_p}: its windows or commits differ from the windows {MANIFEST_FILE} records")


def load_collected(directory: Path, cleaning: CleaningOptions | None = None, priced: bool = True) -> Sample:
    """Load a collected sample as the :class:`~mcvalue.data.tables.Sample` every later step reads.

    Parameters
    ----------
    directory
        The ``--out`` directory of a collection.
    cleaning
        Corrections to apply (:func:`mcvalue.data.clean.apply_cleaning`); ``None`` or all
        off gives mode ``corrected`` (the counts as read), anything on gives mode ``clean``.
    priced
        The sample will be priced (every window one two-week period): refuse one whose
        windows may have any length (``window_days`` null, a measurement sample).

    Returns
    -------
    Sample
        ``file_sha256`` holds the sha256 of both tables and the manifest, and the
        sample's identity ``sample_sha256``. A sample that fails :func:`verify_sample`
        or :func:`check_tables` is a DataError naming the file.

    """
    directory = Path(directory)
    verified = verify_sample(directory)
    if priced and verified.manifest.window_days != WINDOW_DAYS:
        raise DataError(
            f"{directory / MANIFEST_FILE}: its windows may have any length (a measurement sample); "
            f"only {WINDOW_DAYS}-day windows are priced as two-week periods"
        )
    contributions, periods = _tables(directory, verified)
    check_tables(contributions, periods, verified.manifest, directory)
    cleaning = cleaning or CleaningOptions()
    from mcvalue.data.clean import apply_cleaning  # adds the sync columns even with every option off

    contributions, periods = apply_cleaning(contributions, periods, cleaning)
    mode = "corrected" if cleaning == CleaningOptions() else "clean"
    return Sample(contributions, periods, mode, cleaning, verified.file_sha256)
