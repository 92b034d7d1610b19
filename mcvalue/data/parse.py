"""Turn the paper's data files into the two tidy tables of :mod:`mcvalue.data.tables`.

The raw scrape (``scraped_contributor_information_for_repos.csv``) has one row per tool;
its ``contrib_info`` cell is a Python literal
``{period URL: {user: ('N commits', 'A ++', 'D --')}}``. It is read with
:func:`ast.literal_eval` (never ``eval``), numbers keep their thousands separators
("5,485 ++" is 5485, which the authors' flat CSV truncated to 5), and a period whose
dict is empty is a repo-period with zero activity, not a missing one.

The flat CSV (``2022-02-18 - contributions.csv``) is read as published (paper mode).

Limits: a data file larger than :data:`MAX_DATA_BYTES`, or a raw-scrape cell longer than
:data:`MAX_CELL_CHARS`, is refused naming the file. The raw scrape is streamed row by
row (the csv module, one tool's cell parsed at a time) into columns rather than a list
of row lists, and period dates are checked with ``strptime`` rather than one pandas
conversion per period (which took most of the time): see ``benchmarks/bench_parse.py``.
"""

import ast
import csv
import datetime as _dt
import re
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pandas as pd

from mcvalue.errors import DataError

CONTRIBUTION_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "user",
    "commits", "lines_added", "lines_deleted", "lines", "sync",
]
PERIOD_COLUMNS = [
    "tool", "repo", "period_start", "period_end",
    "contributors", "commits", "lines_added", "lines_deleted", "lines", "sync_commits", "sync_lines",
]
_UNIT_COLUMNS = ["commits", "lines_added", "lines_deleted", "lines"]

_NUMBER = r"(\d{1,3}(?:,\d{3})+|\d+)"
_FIELD_PATTERNS = {
    "commits": re.compile(rf"\s*{_NUMBER}\s+commits?\s*"),
    "lines_added": re.compile(rf"\s*{_NUMBER}\s+\+\+\s*"),
    "lines_deleted": re.compile(rf"\s*{_NUMBER}\s+--\s*"),
}
#: Largest data file read (the real raw scrape is 0.3 MB, the flat CSV 0.3 MB).
MAX_DATA_BYTES = 512 * 2**20
#: Longest cell of the raw scrape read (the real file's longest ``contrib_info`` is 13,467 characters).
MAX_CELL_CHARS = 16 * 2**20
_GITHUB_REPO = re.compile(r"https?://github\.com/([^/?#]+)/([^/?#]+)")
_DATE = "%Y-%m-%d"


def parse_count(text: object, field: str) -> int:
    """Return the full integer in a GitHub count such as "5,485 ++" or "1 commit".

    Raises ValueError when ``text`` is not of the form the field expects.
    """
    match = _FIELD_PATTERNS[field].fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise ValueError(f"cannot read {field} from {text!r}")
    return int(match[1].replace(",", ""))


def github_repo(url: object) -> str:
    """Lower-case "owner/name" of a GitHub URL (raises ValueError if it is not one)."""
    match = _GITHUB_REPO.match(url.strip()) if isinstance(url, str) else None
    if match is None:
        raise ValueError(f"not a GitHub repository URL: {url!r}")
    return f"{match[1]}/{match[2]}".lower()


def period_dates(url: str) -> tuple[str, str]:
    """Return the ``from`` and ``to`` dates (YYYY-MM-DD) of a contributors-graph period URL."""
    query = parse_qs(urlparse(url).query)
    try:
        start, end = query["from"][0], query["to"][0]
        _dt.datetime.strptime(start, _DATE)
        _dt.datetime.strptime(end, _DATE)
    except (KeyError, IndexError, ValueError):
        raise ValueError(f"period URL has no from=YYYY-MM-DD&to=YYYY-MM-DD: {url!r}") from None
    return start, end


def _contributor_row(tool: str, repo: str, dates: tuple[str, str], user: object, stats: object) -> list[object]:
    """One contributor-period from a ``user: ('N commits', 'A ++', 'D --')`` item."""
    where = f"tool {tool!r}, period {dates[0]}..{dates[1]}"
    if not isinstance(user, str) or not user:
        raise DataError(f"{where}: user name {user!r} is not a non-empty string")
    if not isinstance(stats, (tuple, list)) or len(stats) != 3:
        raise DataError(f"{where}, user {user!r}: expected ('N commits', 'A ++', 'D --'), got {stats!r}")
    try:
        commits, added, deleted = (parse_count(text, field) for text, field in zip(stats, _FIELD_PATTERNS, strict=False))
    except ValueError as error:
        raise DataError(f"{where}, user {user!r}: {error}") from None
    return [tool, repo, dates[0], dates[1], user, commits, added, deleted, added + deleted, False]


def _raw_tool(tool: str, repo_url: object, cell: object) -> tuple[list[list[object]], list[list[object]]]:
    """Contributor rows and period rows (tool, repo, start, end) of one raw-scrape row."""
    try:
        repo = github_repo(repo_url)
    except ValueError as error:
        raise DataError(f"tool {tool!r}: {error}") from None
    try:
        info = ast.literal_eval(cell) if isinstance(cell, str) else None
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        info = None
    if not isinstance(info, dict):
        raise DataError(f"tool {tool!r}: contrib_info is not a Python-literal dict {{period URL: {{user: stats}}}}")
    contributions: list[list[object]] = []
    periods: list[list[object]] = []
    for url, users in info.items():
        try:
            dates = period_dates(url)
        except ValueError as error:
            raise DataError(f"tool {tool!r}: {error}") from None
        if not isinstance(users, dict):
            raise DataError(f"tool {tool!r}, period {dates[0]}..{dates[1]}: expected a dict of users, got {users!r}")
        periods.append([tool, repo, dates[0], dates[1]])
        contributions.extend(_contributor_row(tool, repo, dates, user, stats) for user, stats in users.items())
    return contributions, periods


def _with_dates(frame: pd.DataFrame) -> pd.DataFrame:
    for column in ("period_start", "period_end"):
        frame[column] = pd.to_datetime(frame[column], format=_DATE)
    return frame


def _contributions_frame(rows: list[list[object]] | dict[str, list[object]]) -> pd.DataFrame:
    """Return the contributions table from rows, or from columns (a dict of lists by column name)."""
    frame = pd.DataFrame(rows, columns=CONTRIBUTION_COLUMNS)
    frame[_UNIT_COLUMNS] = frame[_UNIT_COLUMNS].astype("int64")
    frame["sync"] = frame["sync"].astype(bool)
    return _with_dates(frame)


def period_totals(contributions: pd.DataFrame, periods: pd.DataFrame) -> pd.DataFrame:
    """Return the periods table: each sampled repo-period with its summed activity (zeros if none).

    ``periods`` lists the sampled repo-periods (tool, repo, period_start, period_end);
    contributions are matched on all four, so periods with nobody active get zeros.
    Unit totals include the rows of sync accounts (``sync`` True: a company's work
    published by one account), ``contributors`` counts only the other rows, and
    ``sync_commits`` / ``sync_lines`` hold the sync rows' share of the totals.
    """
    keys = ["tool", "repo", "period_start", "period_end"]
    sync = contributions["sync"].to_numpy(dtype=bool)
    frame = contributions.assign(_person=~sync, sync_commits=contributions["commits"] * sync,
                                 sync_lines=contributions["lines"] * sync)
    sums = frame.groupby(keys, sort=False, dropna=False)[[*_UNIT_COLUMNS, "sync_commits", "sync_lines"]].sum()
    sums.insert(0, "contributors", frame.groupby(keys, sort=False, dropna=False)["_person"].sum())
    table = periods[keys].merge(sums.reset_index(), on=keys, how="left")
    counts = ["contributors", *_UNIT_COLUMNS, "sync_commits", "sync_lines"]
    table[counts] = table[counts].fillna(0).astype("int64")
    return table[PERIOD_COLUMNS]


def _check_size(path: Path) -> None:
    """Refuse a data file larger than MAX_DATA_BYTES, naming it (DataError)."""
    try:
        size = Path(path).stat().st_size
    except OSError as error:
        raise DataError(f"{Path(path).name}: cannot read ({error.strerror or error})") from None
    if size > MAX_DATA_BYTES:
        raise DataError(f"{Path(path).name}: {size / 2**20:,.0f} MiB, larger than the {MAX_DATA_BYTES // 2**20} MiB a data file may be")


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    """``columns`` of a data file, every cell as text; DataError if unreadable or a column is missing."""
    _check_size(path)
    try:
        table = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{Path(path).name}: cannot read as CSV ({error})") from None
    missing = set(columns) - set(table.columns)
    if missing:
        raise DataError(f"{Path(path).name}: missing column(s) {', '.join(sorted(missing))}")
    return table[columns]


def _stream_csv(path: Path, columns: list[str]) -> Iterator[list[str]]:
    """Yield ``columns`` of each non-blank row of a data file, streamed; DataError naming the file if unreadable."""
    _check_size(path)
    name = Path(path).name
    previous_limit = csv.field_size_limit(MAX_CELL_CHARS + 1)  # process-wide: restored below
    try:
        with open(path, newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if header is None:
                raise DataError(f"{name}: empty file, not a CSV with columns {', '.join(columns)}")
            missing = set(columns) - set(header)
            if missing:
                raise DataError(f"{name}: missing column(s) {', '.join(sorted(missing))}")
            where = [header.index(c) for c in columns]
            for row in reader:
                if row:
                    yield [row[i] if i < len(row) else "" for i in where]
    except (OSError, csv.Error, UnicodeDecodeError) as error:
        raise DataError(f"{name}: cannot read as CSV ({error})") from None
    finally:
        csv.field_size_limit(previous_limit)


def read_raw(path: Path) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contributions and periods tables from the raw scrape, with full-precision numbers (streamed)."""
    columns: dict[str, list[object]] = {name: [] for name in CONTRIBUTION_COLUMNS}
    periods = []
    for tool, repo_url, cell in _stream_csv(path, ["repo", "repo_url", "contrib_info"]):
        tool_contributions, tool_periods = _raw_tool(tool, repo_url, cell)
        for column, values in zip(columns.values(), zip(*tool_contributions, strict=True), strict=False):
            column.extend(values)  # columns, not a list of row lists: less memory per row
        periods += tool_periods
    contrib = _contributions_frame(columns)
    del columns
    period_frame = _with_dates(pd.DataFrame(periods, columns=["tool", "repo", "period_start", "period_end"]))
    return contrib, period_totals(contrib, period_frame)


_FLAT_COLUMNS = ["repo", "github_org", "github_proj", "date_start", "date_end", "user", "commits", "lines_add", "lines_del"]


def read_flat_contributions(path: Path) -> pd.DataFrame:
    """Return the flat CSV's rows in the contributions layout, numbers exactly as published."""
    rows = []
    for tool, org, proj, start, end, user, *numbers in _read_csv(path, _FLAT_COLUMNS).itertuples(index=False):
        where = f"{Path(path).name}: tool {tool!r}, period {start}..{end}, user {user!r}"
        try:
            pd.to_datetime([start, end], format=_DATE)
            commits, added, deleted = (int(n) for n in numbers)
        except ValueError:
            raise DataError(f"{where}: expected YYYY-MM-DD dates and integer counts, got {[start, end, *numbers]}") from None
        rows.append([tool, f"{org}/{proj}".lower(), start, end, user, commits, added, deleted, added + deleted, False])
    return _contributions_frame(rows)


def read_flat(path: Path, roster: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contributions and periods tables from the flat CSV, as the paper used it.

    The flat CSV only lists periods in which someone contributed. ``roster`` (columns
    tool, repo, n_periods: the sampled tools and how many periods each had, taken from
    the raw scrape) supplies the rest: each tool gets zero rows with NaT dates up to its
    number of sampled periods, and tools absent from the flat CSV get only zero rows, so
    the table covers every sampled repo-period.
    """
    contrib = read_flat_contributions(path)
    seen = contrib[["tool", "repo", "period_start", "period_end"]].drop_duplicates()
    unknown = sorted(set(seen["tool"]) - set(roster["tool"]))
    if unknown:
        raise DataError(f"{Path(path).name}: tool(s) not in the sampled roster: {', '.join(unknown)}")
    filler = []
    for tool, repo, n_periods in roster[["tool", "repo", "n_periods"]].itertuples(index=False):
        listed = seen[seen["tool"] == tool]
        filler += [[tool, repo if listed.empty else listed["repo"].iloc[0], pd.NaT, pd.NaT]] * max(n_periods - len(listed), 0)
    filler_frame = pd.DataFrame(filler, columns=seen.columns).astype(seen.dtypes.to_dict())
    order = {tool: i for i, tool in enumerate(roster["tool"])}
    periods = pd.concat([seen, filler_frame], ignore_index=True)
    periods = periods.sort_values("tool", key=lambda s: s.map(order), kind="stable", ignore_index=True)
    return contrib, period_totals(contrib, periods)


def roster(periods: pd.DataFrame) -> pd.DataFrame:
    """Return sampled tools in file order with their repo and number of periods (tool, repo, n_periods)."""
    grouped = periods.groupby("tool", sort=False)
    return pd.DataFrame({"repo": grouped["repo"].first(), "n_periods": grouped.size()}).reset_index()
