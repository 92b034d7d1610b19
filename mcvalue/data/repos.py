"""Which repositories a collection reads: parsed from a list, URL or the paper's tool list, merged when listed twice, found among the clones."""

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from mcvalue.errors import DataError
from mcvalue.io.files import read_bounded

#: The largest repository list or windows file read.
MAX_LIST_BYTES = 64 * 2**20

_OWNER = r"[A-Za-z0-9][A-Za-z0-9-]*"
_NAME = r"[A-Za-z0-9._-]+?"
_GITHUB_URL = re.compile(rf"(?:https?://(?:www\.)?|git@)github\.com[/:]({_OWNER})/({_NAME})(?:\.git)?(?:[/?#].*)?")
_SLUG = re.compile(rf"({_OWNER})/({_NAME})")
_OTHER_URL = re.compile(rf"(?:[a-z][a-z0-9+.-]*://|/).*/({_OWNER})/({_NAME})(?:\.git)?/?")


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
        match = re.fullmatch(r"([^\s,]+)[\s,]*(.*)", line.strip())
        if match is None:  # a line starting with a comma
            raise DataError(f"{path} line {number}: expected a repository first, then optionally a tool name")
        token, tool = match.groups()
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




def is_slug(text: str) -> bool:
    """Whether ``text`` is ``owner/name`` (a name of only dots would leave the clones directory)."""
    match = _SLUG.fullmatch(text)
    return match is not None and match[2] not in (".", "..")




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


