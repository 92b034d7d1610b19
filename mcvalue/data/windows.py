"""When a collection counts: windows, the designs that choose them, their seeded draws, and the commits each holds.

Windows are ``(start, end)`` with ``end = start + 14 days``, as in the scrape's URLs
(``from=2020-02-16&to=2020-03-01``), and both ends are inclusive: a commit counts when
its author day lies in ``[start, end]``. Only days in ``[2000-01-01, today]`` are used.
"""

import bisect
import csv
import io
import re
import zlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Literal

import numpy as np

from mcvalue.data.repos import MAX_LIST_BYTES, RepoSpec, is_slug, repo_spec
from mcvalue.errors import DataError, McValueError
from mcvalue.io.files import read_bounded

#: Days from a window's start to its end (the scrape's ``to`` minus ``from``).
WINDOW_DAYS = 14
#: First day a sample may cover; the last is today (UTC).
EARLIEST_DAY = date(2000, 1, 1)

DesignKind = Literal["history", "year", "windows"]

_YEAR_DESIGN = re.compile(r"year:(\d{4,6})")
ISO_DAY = re.compile(r"\d{4}-\d\d-\d\d")


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
    ``scripts/validate_collect.py``) allows explicit windows of any length, and such
    a sample cannot be priced (:func:`~mcvalue.data.collected_sample.load_collected`).
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
        if not is_slug((row["repo"] or "").strip()):
            raise DataError(f"{where}: repo {row['repo']!r} is not owner/name")
        window = window_of(row["start"], row["end"])
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




def window_of(start: object, end: object) -> Window | None:
    """Return the window of two ``YYYY-MM-DD`` texts, or None if either is not such a date."""
    if not (isinstance(start, str) and isinstance(end, str)):
        return None
    start, end = start.strip(), end.strip()
    if not (ISO_DAY.fullmatch(start) and ISO_DAY.fullmatch(end)):
        return None
    try:
        return Window(date.fromisoformat(start), date.fromisoformat(end))
    except ValueError:
        return None


def repos_for_windows(design: Design, known: Sequence[RepoSpec]) -> list[RepoSpec]:
    """List the repositories an explicit-windows design names, with tool and URL from ``known`` where listed."""
    by_repo = {spec.repo: spec for spec in reversed(known)}  # first listing wins
    return [by_repo.get(repo) or repo_spec(repo) for repo in design.windows]




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




def check_windows(design: Design) -> None:
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


def check_shallow_since(design: Design, since: date | None, clone_missing: bool) -> None:
    """Refuse ``--shallow-since`` without ``--clone``, with the history design, or later than the design's first day."""
    if since is None:
        return
    if not clone_missing:
        raise McValueError("--shallow-since says how much history --clone fetches; add --clone")
    if design.kind == "history":
        raise McValueError("--shallow-since: the history design draws windows over the whole history; clone all of it")
    first = date(design.year, 1, 1) if design.kind == "year" and design.year is not None else min(w.start for ws in design.windows.values() for w in ws)
    if since > first:
        raise McValueError(f"--shallow-since {since}: after the design's first day {first}; the history from then on is needed")


