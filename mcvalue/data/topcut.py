"""Measure what GitHub's top-100 contributors list leaves out of a scraped window.

The paper's scrape read GitHub's contributors page, which lists only the 100 accounts
with the most commits of all time. A window of a repository with more authors therefore
misses the commits and lines of every author outside that top 100: the scrape's counts
are lower bounds. This module reads a git clone the way the page reads a repository and
measures, per window, the share of authors, commits and lines the top-100 cut keeps.

Git is read as the page reads it, where that can be mimicked:

- commits reachable from the clone's ``HEAD`` (a bare mirror's default branch), or from
  ``master``/``main``/``develop``/``dev`` when one of those has more commits dated up to
  the scrape (the default branch changed or was rewritten since,
  :func:`history_branch`), merge commits left out;
- a commit is dated by its *author's local calendar day* (``%ad`` in the author's own
  time zone);
- a scraped window ``from=start&to=end`` is read as the page's graph shows it: whole
  Sunday-to-Saturday weeks, from the first Sunday on or after ``start`` to the Saturday
  after the last Sunday on or before ``end`` (:func:`page_window`; the graph sums weekly
  counts onto each Sunday). Read so, git agrees with the scrape far more often than
  read as inclusive or half-open days (figures in ``results/topcut/README.md``);
- authors are resolved with the ``.mailmap`` of the commit read at, and named by their
  GitHub login when the address is a noreply address, else by the lower-cased address
  (:func:`mcvalue.data.gitlog.author_key`);
- authors whose name or address contains ``[bot]`` are left out (the page hides GitHub
  App accounts);
- the top 100 are ranked by non-merge commits with an author day on or before the
  scrape date (2022-02-18), ties broken by name (GitHub's tie rule is not documented).

What cannot be mimicked: GitHub merges every address verified for one account (git sees
one author per address unless ``.mailmap`` joins them), and drops addresses linked to no
account from the page altogether. Both make git's author count an upper bound on the
page's and the kept shares measured here slightly low for repositories near the cut.

Lines are ``git log --numstat --no-renames`` (added + deleted, binary files 0). A commit
whose diff cannot be read (a snapshot lacking a large blob) is counted as a commit and
recorded as unread; its lines are left out of both sides of the line shares.

The reading uses plain ``git log`` rather than :mod:`mcvalue.data.gitlog`'s two-pass
reader so that a missing blob is attributed to the commit git was diffing when it died.
"""

import os
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from mcvalue.data.gitlog import author_key

#: The day the paper's scrape was made (the file name of its flat table).
SCRAPE_DATE = date(2022, 2, 18)
#: How many contributors GitHub's contributors page lists.
PAGE_LIMIT = 100
_SEP = "\x00"
_HEADER = "\x01"
#: Settings that keep the user's git configuration from changing what ``log`` counts.
_CONFIG = ("core.quotepath=off", "diff.renames=false", "log.showSignature=false", "core.bare=true")


@dataclass(frozen=True)
class Commit:
    """One non-merge commit: id, author key (login or address) and author's local day."""

    sha: str
    author: str
    day: date


def page_window(start: date, end: date) -> tuple[date, date]:
    """Return the days the contributors graph counted for ``from=start&to=end``: whole Sunday-to-Saturday weeks.

    From the first Sunday on or after ``start`` to the Saturday after the last Sunday on
    or before ``end`` (the ``weekly`` reading of ``scripts/validate_collect.py``).
    """
    first_sunday = start + timedelta(days=(6 - start.weekday()) % 7)
    last_sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return first_sunday, last_sunday + timedelta(days=6)


def _git(clone: Path, args: Sequence[str], stdin: bytes | None = None, mailmap_at: str | None = None) -> tuple[int, str]:
    config = [*_CONFIG, *([f"mailmap.blob={mailmap_at}:.mailmap"] if mailmap_at else [])]
    command = ["git", *(item for setting in config for item in ("-c", setting)), "-C", str(clone), *args]
    env = {key: value for key, value in os.environ.items() if not key.startswith("GIT_")}  # nothing points git elsewhere
    env.update(LC_ALL="C", GIT_TERMINAL_PROMPT="0", GIT_NO_LAZY_FETCH="1")
    done = subprocess.run(command, input=stdin, capture_output=True, env=env, check=False)
    return done.returncode, done.stdout.decode("utf-8", "replace")


#: Branches that may have been the default branch at the scrape date when ``HEAD`` no longer is.
_CANDIDATE_BRANCHES = ("refs/heads/master", "refs/heads/main", "refs/heads/develop", "refs/heads/dev")


def history_branch(clone: Path, until: date = SCRAPE_DATE) -> str:
    """Pick the branch most likely to have been the default at ``until`` (the one with most commits by then).

    A repository may have changed or rewritten its default branch since the scrape (a new
    ``main`` started in 2023, a ``v2`` branch made default); the branch with the most
    commits committed on or before ``until`` is taken as the one the page read; when none
    of them has any, every branch is tried (a default branch replaced by a new history).
    """
    def ranked(refs: Iterable[str]) -> tuple[str, int]:
        best, best_count = "HEAD", -1
        for ref in refs:
            code, out = _git(clone, ["rev-list", "--count", "--no-merges", f"--before={until.isoformat()}T23:59:59Z", ref, "--"])
            if code == 0 and int(out.strip() or 0) > best_count:
                best, best_count = ref, int(out.strip() or 0)
        return best, best_count

    best, count = ranked(("HEAD", *_CANDIDATE_BRANCHES))
    if count > 0:
        return best
    _, heads = _git(clone, ["for-each-ref", "--format=%(refname)", "refs/heads"])
    return ranked(heads.split())[0]


def is_app_bot(name: str, email: str) -> bool:
    """Whether an author is a GitHub App account (``[bot]`` in its name or address), which the page hides."""
    return "[bot]" in name.lower() or "[bot]" in email.lower()


def read_commits(clone: Path, head: str = "HEAD") -> list[Commit]:
    """Every non-merge, non-``[bot]`` commit reachable from ``head``, newest first.

    Authors are resolved with the ``.mailmap`` of ``head`` and named by :func:`author_key`;
    days are the author's local calendar day. Raises RuntimeError if git cannot walk it.
    """
    fmt = "--format=%H%x00%aE%x00%aN%x00%ad"
    code, out = _git(clone, ["log", "--no-merges", "--use-mailmap", "--date=short", fmt, head, "--"], mailmap_at=head)
    if code != 0:
        raise RuntimeError(f"{clone}: git log failed (exit {code})")
    commits = []
    for line in out.splitlines():
        sha, email, name, day = line.split(_SEP)
        if not is_app_bot(name, email):
            commits.append(Commit(sha, author_key(email, name), date.fromisoformat(day)))
    return commits


def _parse_numstat(out: str) -> list[tuple[str, int]]:
    """(sha, lines added + deleted) per commit header in ``git log --numstat`` output, in order."""
    rows: list[tuple[str, int]] = []
    for line in out.splitlines():
        if line.startswith(_HEADER):
            rows.append((line[1:], 0))
        elif line and rows:
            added, deleted, _ = line.split("\t", 2)
            sha, lines = rows[-1]
            rows[-1] = (sha, lines + (0 if added == "-" else int(added)) + (0 if deleted == "-" else int(deleted)))
    return rows


def read_lines(clone: Path, shas: Sequence[str]) -> tuple[dict[str, int], set[str]]:
    """Lines added + deleted per commit, and the commits whose diff git could not compute.

    git prints a commit's header before it computes the diff, so when it dies (a blob is
    missing) the last header it printed is the commit it could not read; reading resumes
    with the commit after it.
    """
    lines: dict[str, int] = {}
    unread: set[str] = set()
    pending = list(shas)
    args = ["log", "--no-walk=unsorted", "--stdin", "--numstat", "--no-renames", "--diff-algorithm=myers",
            "--no-ext-diff", "--no-textconv", "--format=%x01%H"]
    while pending:
        code, out = _git(clone, args, stdin="".join(f"{sha}\n" for sha in pending).encode())
        done = _parse_numstat(out)
        if code == 0:
            lines.update(done)
            break
        culprit = done[-1][0] if done else pending[0]
        lines.update((sha, n) for sha, n in done if sha != culprit)
        unread.add(culprit)
        position = pending.index(culprit)
        pending = pending[position + 1:]
    return lines, unread


def top_authors(commits: Iterable[Commit], until: date = SCRAPE_DATE, limit: int = PAGE_LIMIT) -> tuple[set[str], int]:
    """Return the ``limit`` authors with most commits dated on or before ``until``, and how many authors there are.

    Ties are broken by author key (alphabetically), since GitHub's rule is not documented.
    """
    counts = Counter(commit.author for commit in commits if commit.day <= until)
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return {author for author, _ in ranked[:limit]}, len(counts)


def window_shares(
    commits: Sequence[Commit], lines: dict[str, int], unread: set[str], windows: Iterable[tuple[date, date]],
    top: set[str],
) -> pd.DataFrame:
    """Per window ``[start, end]`` (author days, both included): all and top-100 authors, commits, lines.

    Columns: ``period_start``, ``period_end``, ``authors``, ``authors_kept``, ``commits``,
    ``commits_kept``, ``lines``, ``lines_kept``, ``unread`` (commits whose lines are unknown,
    left out of ``lines`` and ``lines_kept``).
    """
    rows = []
    for start, end in windows:
        inside = [c for c in commits if start <= c.day <= end]
        kept = [c for c in inside if c.author in top]
        readable = [c for c in inside if c.sha not in unread]
        rows.append({
            "period_start": start, "period_end": end,
            "authors": len({c.author for c in inside}), "authors_kept": len({c.author for c in kept}),
            "commits": len(inside), "commits_kept": len(kept),
            "lines": sum(lines.get(c.sha, 0) for c in readable),
            "lines_kept": sum(lines.get(c.sha, 0) for c in readable if c.author in top),
            "unread": len(inside) - len(readable),
        })
    return pd.DataFrame(rows)


def measure_repository(
    clone: Path, windows: Sequence[tuple[date, date]], until: date = SCRAPE_DATE, limit: int = PAGE_LIMIT
) -> tuple[pd.DataFrame, int]:
    """Measure the top-``limit`` cut in ``windows`` of one clone; return (per-window table, all-time authors at ``until``).

    Only the commits inside the windows have their diffs read, so a large history costs
    one ``git log`` without diffs plus a few hundred diffs.
    """
    commits = read_commits(clone, history_branch(clone, until))
    top, authors = top_authors(commits, until, limit)
    inside = [c.sha for c in commits if any(start <= c.day <= end for start, end in windows)]
    lines, unread = read_lines(clone, inside)
    return window_shares(commits, lines, unread, windows, top), authors
