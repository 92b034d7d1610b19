"""What a collection records: the manifest (design, reading, each repository's record, the tables' sha256) and its checks.

``manifest.json`` is written last by a collection; its ``sample_sha256`` (over its
canonical JSON, which holds both tables' sha256) is the sample's identity. Every record
read back, from a manifest or a resume cache entry, is checked for shape before use.
"""

import hashlib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue import __version__
from mcvalue.data import gitlog
from mcvalue.data.repos import is_slug
from mcvalue.data.windows import WINDOW_DAYS, window_of
from mcvalue.errors import DataError, McValueError
from mcvalue.io.files import read_bounded

if TYPE_CHECKING:
    import pandas as pd

#: Version of the sample's layout: 2 added ``active_days``, ``in_history``, ``day_basis``
#: and ``sample_sha256``. Older samples are refused on loading (re-collect them).
SAMPLE_FORMAT = 2
#: What happens to ``[bot]`` accounts (GitHub's app accounts, e.g. ``dependabot[bot]``):
#: ``keep`` counts them like anyone (clean mode's ``exclude_bots`` removes them later),
#: ``drop`` leaves them out of the tables as GitHub's contributors page does; either way
#: each window records their commits as ``bot_commits``.
BOT_CHOICES = ("keep", "drop")
MAX_MANIFEST_BYTES = 64 * 2**20
CONTRIBUTIONS_FILE = "contributions.csv"
PERIODS_FILE = "periods.csv"
MANIFEST_FILE = "manifest.json"


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
    repositories: tuple[dict[str, Any], ...]
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
    population: dict[str, Any] | None = None

    def problems(self) -> list[str]:
        """One line per problem: ``owner/name: what is wrong``."""
        return [f"{record['repo']}: {problem}" for record in self.repositories for problem in record["problems"]]

    def with_status(self, status: str) -> list[str]:
        """List the repositories (owner/name) whose status is ``status``."""
        return [record["repo"] for record in self.repositories if record["status"] == status]

    def _record(self) -> dict[str, Any]:
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

    def drawn_from(self) -> dict[str, Any]:
        """Return the population the sample was drawn from: the recorded one, else its own repository list's."""
        if self.population is not None:
            return self.population
        return population_record([record["repo"] for record in self.repositories])

    @property
    def sample_sha256(self) -> str:
        """The sample's identity: sha256 of the manifest's canonical JSON (sorted keys, no spaces), which holds both tables' sha256."""
        canonical = json.dumps(self._record(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def to_dict(self) -> dict[str, Any]:
        """Return exactly what ``manifest.json`` holds (``sample_sha256`` last), as a plain dict."""
        record: dict[str, Any] = json.loads(self.to_bytes())
        return record

    def to_df(self) -> "pd.DataFrame":
        """Return one row per repository and window: repo, tool, status, commit, window start and end, commits read.

        A repository without windows (skipped) has one row with empty window columns.
        """
        import pandas as pd

        rows = []
        for record in self.repositories:
            head = {"repo": record["repo"], "tool": record["tool"], "status": record["status"], "commit": record["commit"]}
            windows = record["windows"] or [{}]
            rows += [{**head, "start": w.get("start"), "end": w.get("end"), "commits": w.get("commits")} for w in windows]
        return pd.DataFrame(rows, columns=["repo", "tool", "status", "commit", "start", "end", "commits"])

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




def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10**15


def _window_problem(window: object, with_authors: bool) -> str | None:
    """Say what is wrong with one window record of a manifest (or, ``with_authors``, a resume cache), or None."""
    if not isinstance(window, dict) or window_of(window.get("start"), window.get("end")) is None:
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


def repository_problem(record: object, with_authors: bool = False) -> str | None:
    """Say what is wrong with one repository record, or None."""
    if not isinstance(record, dict):
        return "a repository record that is not an object"
    texts = ("repo", "tool", "url", "status")
    if not all(isinstance(record.get(key), str) for key in texts) or not is_slug(record["repo"]):
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


def population_record(repos: Sequence[str], name: str | None = None) -> dict[str, Any]:
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
        problem = repository_problem(repository)
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


