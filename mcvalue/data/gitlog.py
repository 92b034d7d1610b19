"""Read, from a local git clone, the activity GitHub's contributors graph counts.

GitHub's graph counts the commits reachable from the default branch, leaves out merge
commits, dates a commit by its *author* date, credits it to the account the author's
address belongs to, and counts the lines added and deleted in its diff. Here:

- merge commits and empty commits (no file changed) are not counted;
- the default branch is ``refs/remotes/origin/HEAD`` when the clone has one (what the
  server calls default), else the clone's ``HEAD``; its commit is resolved once and
  everything is read at that commit, which the manifest records;
- history is read in two passes so that a large repository costs seconds:
  :func:`commit_days` lists every reachable non-merge commit with its author date (no
  diffs, one ``git log``), and :func:`read_numstat` computes diffs only for the commits
  that fall in a sampled window (one ``git log --no-walk --stdin`` over all of them);
- lines come from ``--numstat`` with rename detection off (a rename counts as its
  deletions plus its additions, independent of the user's ``diff.renames`` and rename
  limits), the Myers algorithm, no external diff or textconv; binary files show ``-``
  and count 0; a root commit counts its whole tree as added;
- the author is the identity resolved by the ``.mailmap`` of the commit read at
  (``%aE``/``%aN``; the work tree's ``.mailmap`` and ``.gitattributes`` are ignored, so
  a checkout cannot change the counts), or with ``mailmap=False`` the address as
  written in the commit (:func:`numstat_options`); :func:`author_key` turns a GitHub
  noreply address into the login it names;
- a commit's day is its author date's UTC day, or with ``basis="local"`` the day on
  the author's clock (:func:`author_day`).

Git itself is run by :mod:`mcvalue.data.git_process` (the clone fixed, errors in one
line, processes an interrupt can end).
"""

import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from pathlib import Path

from mcvalue.data.git_process import GitError, GitStream, git

#: ``git log`` options of the diff pass (recorded in the manifest).
NUMSTAT_OPTIONS: tuple[str, ...] = (
    "--numstat",
    "--no-renames",
    "--diff-algorithm=myers",
    "--no-ext-diff",
    "--no-textconv",
    "--use-mailmap",
    "--no-color",
)
_HEADER = "\x01"  # what %x01 prints: starts each commit's header line
_SEP = "\x00"  # what %x00 prints: between the header's fields
_NOREPLY = re.compile(r"(?:\d+\+)?([^@+\s]+)@users\.noreply\.github\.com", re.IGNORECASE)


@dataclass(frozen=True)
class Head:
    """The branch a clone's history is read from and the commit it pointed at."""

    branch: str
    commit: str


@dataclass(frozen=True)
class Numstat:
    """One commit as the contributors graph counts it; ``files`` 0 means an empty commit."""

    author: str
    added: int
    deleted: int
    files: int


def _bare_at(commit: str) -> tuple[str, ...]:
    """Return the settings that make the diff pass independent of the clone's checkout.

    As a bare repository (as on a server) git reads neither the work tree's
    ``.mailmap`` nor its ``.gitattributes``; the ``.mailmap`` applied is the one in
    ``commit``, the commit the history is read at (none if it has none).
    """
    return ("core.bare=true", f"mailmap.blob={commit}:.mailmap", "core.attributesFile=/dev/null")


def check_clone(clone: Path) -> None:
    """Raise GitError unless ``clone`` is itself a git repository (work tree or bare).

    A directory inside some other repository is not accepted: git's upward search is
    stopped at the clone's parent.
    """
    if not clone.exists():
        raise GitError(f"no clone at {clone}")
    if not clone.is_dir():
        raise GitError(f"{clone} is not a directory")
    try:
        git(clone, "rev-parse", "--git-dir")
    except GitError:
        raise GitError(f"{clone} is not a git repository") from None


def default_head(clone: Path) -> Head:
    """Find the default branch (``origin/HEAD``, else ``HEAD``) and the commit it points at.

    Raises GitError when the branch has no commit (an empty repository).
    """
    try:
        ref = git(clone, "symbolic-ref", "-q", "refs/remotes/origin/HEAD")
        branch = ref.removeprefix("refs/remotes/origin/")
    except GitError:
        ref = "HEAD"
        try:
            branch = git(clone, "symbolic-ref", "-q", "--short", "HEAD")
        except GitError:
            branch = "HEAD"  # detached: read what is checked out
    try:
        commit = git(clone, "rev-parse", "--verify", "-q", f"{ref}^{{commit}}")
    except GitError:
        if ref != "HEAD":
            fix = "git remote set-head origin -a"
            raise GitError(f"origin/HEAD names {branch!r}, which the clone lacks ({fix})") from None
        raise GitError(f"empty repository: branch {branch!r} has no commits") from None
    return Head(branch, commit)


def has_commit(clone: Path, commit: str) -> bool:
    """Whether ``commit`` is a commit object in the clone."""
    try:
        git(clone, "cat-file", "-e", f"{commit}^{{commit}}")
    except GitError:
        return False
    return True


def shallow_boundary(clone: Path) -> set[str]:
    """List the commits at which a shallow clone's history is cut off (empty if not shallow).

    Their parents are missing, so git would diff them against nothing and count their
    whole tree as added: they must not be counted.
    """
    shallow = Path(git(clone, "rev-parse", "--git-path", "shallow"))
    shallow = shallow if shallow.is_absolute() else clone / shallow
    return set(shallow.read_text().split()) if shallow.is_file() else set()


#: How a commit's author date becomes a calendar day (``DAY_BASES``): the UTC day, or
#: the day on the author's own clock (the offset recorded in the commit).
DAY_BASES = ("utc", "local")
_OFFSET = re.compile(r"([+-])(\d\d)(\d\d)")


def author_day(timestamp: str, offset: str, basis: str = "utc") -> date | None:
    """Return the calendar day of an author date (``%at`` seconds, ``%ai``'s ``+HHMM`` offset), or None.

    ``basis`` ``utc`` takes the UTC day, ``local`` the day on the author's clock, as
    GitHub's contributors graph appears to. None when git's date is not a number, its
    offset is malformed, or the day is outside what a date can hold (years past 9999):
    such a commit has no day and the caller must say so.
    """
    try:
        moment = datetime.fromtimestamp(int(timestamp), tz=UTC)
        if basis == "local":
            match = _OFFSET.fullmatch(offset)
            if match is None:
                return None
            minutes = int(match[2]) * 60 + int(match[3])
            moment = moment.astimezone(timezone(timedelta(minutes=-minutes if match[1] == "-" else minutes)))
        return moment.date()
    except (ValueError, OverflowError, OSError):
        return None


def commit_days(clone: Path, commit: str, basis: str = "utc") -> tuple[list[tuple[str, date]], list[str]]:
    """Every non-merge commit reachable from ``commit``, with its author day (see :func:`author_day`).

    Returns ``(days, undated)``: (sha, day) newest first, as ``git log`` lists them, and
    the commits whose author date gives no day. Raises GitError if git cannot walk the history.
    """
    days, undated = [], []
    with GitStream(clone, ["log", "--no-merges", "--format=%H %at %ai", commit, "--"]) as stream:
        for line in stream.lines():
            sha, _, rest = line.partition(" ")
            fields = rest.split(" ")
            day = author_day(fields[0], fields[-1], basis)
            if day is None:
                undated.append(sha)
            else:
                days.append((sha, day))
    if stream.returncode != 0:
        raise GitError(f"cannot read the history of {commit[:12]}: {stream.message}")
    return days, undated


def author_key(email: str, name: str) -> str:
    """Name the contributor a commit is credited to.

    The GitHub login when the (mailmap-resolved) address is a GitHub noreply address
    (``ID+login@`` or ``login@users.noreply.github.com``), else the address in lower case
    (GitHub credits commits to the account an address is verified for), else the name.
    """
    match = _NOREPLY.fullmatch(email.strip())
    if match:
        return match[1]
    return email.strip().lower() or name.strip()


def _numstat_counts(line: str) -> tuple[int, int]:
    added, deleted, _ = line.split("\t", 2)
    return (0 if added == "-" else int(added)), (0 if deleted == "-" else int(deleted))


def _parse_numstat(lines: Iterable[str]) -> Iterator[tuple[str, Numstat]]:
    """Yield (sha, Numstat) per commit of the diff pass's output (header line, then numstat lines)."""
    current: tuple[str, str, list[int]] | None = None  # sha, author, [added, deleted, files]
    for line in lines:
        if line.startswith(_HEADER):
            if current is not None:
                yield current[0], Numstat(current[1], *current[2])
            sha, email, name = line[1:].split(_SEP)
            current = (sha, author_key(email, name), [0, 0, 0])
        elif line and current is not None:
            added, deleted = _numstat_counts(line)
            current[2][0] += added
            current[2][1] += deleted
            current[2][2] += 1
    if current is not None:
        yield current[0], Numstat(current[1], *current[2])


def numstat_options(mailmap: bool = True) -> tuple[str, ...]:
    """Return the diff pass's ``git log`` options: :data:`NUMSTAT_OPTIONS`, or without ``.mailmap`` (``--no-mailmap``)."""
    if mailmap:
        return NUMSTAT_OPTIONS
    return tuple("--no-mailmap" if option == "--use-mailmap" else option for option in NUMSTAT_OPTIONS)


def _numstat_run(
    clone: Path, commits: Sequence[str], at: str, mailmap: bool = True
) -> tuple[dict[str, Numstat], int, str]:
    """Diff counts of ``commits`` in order, until git stops; with git's exit code and message."""
    identity = "%aE%x00%aN" if mailmap else "%ae%x00%an"
    args = ["log", "--no-walk=unsorted", "--stdin", *numstat_options(mailmap), f"--format=%x01%H%x00{identity}"]
    stdin = "".join(f"{sha}\n" for sha in commits).encode()
    with GitStream(clone, args, stdin=stdin, config=_bare_at(at)) as stream:
        counts = dict(_parse_numstat(stream.lines()))
    return counts, stream.returncode, stream.message


def read_numstat(
    clone: Path, commits: Sequence[str], at: str, mailmap: bool = True
) -> tuple[dict[str, Numstat], dict[str, str]]:
    """Read the author and lines of each commit, and which commits' diffs could not be read.

    Returns ``(counts, unread)``: ``counts`` maps sha -> :class:`Numstat`, ``unread`` maps
    sha -> git's message. Authors are resolved with the ``.mailmap`` of commit ``at``
    (the commit the history is read at), or not at all with ``mailmap=False``.

    When git dies (a partial clone lacking a blob, a blob removed from an ordinary
    clone, a corrupt object) the culprit is either the last commit it printed (git
    printed its header, then failed on its diff: a missing blob in an ordinary clone)
    or the next one (a partial clone fetches blobs before printing). The last printed
    commit is read again alone to tell which; the culprit is listed as unread and
    reading resumes after it.
    """
    counts: dict[str, Numstat] = {}
    unread: dict[str, str] = {}
    pending = list(commits)
    while pending:
        done, returncode, message = _numstat_run(clone, pending, at, mailmap)
        if returncode == 0:
            counts.update(done)
            break
        position = len(done)
        if list(done) != pending[:position]:
            raise GitError(f"cannot read diffs: {message}")
        if position and _numstat_run(clone, pending[position - 1:position], at, mailmap)[1] != 0:
            position -= 1  # the last commit printed is the one git could not finish
            done.pop(pending[position])
        if position == len(pending):
            raise GitError(f"cannot read diffs: {message}")
        counts.update(done)
        unread[pending[position]] = message
        pending = pending[position + 1:]
    return counts, unread
