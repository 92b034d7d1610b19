"""How often git and the paper's 2022 scrape agree, window by window.

Takes local clones of some of the sampled repositories, collects from them exactly the
windows the scrape has (its period URLs), and compares each repo-period's authors,
commits and lines (added + deleted) with the scrape's: how often they are equal, and how
often git is within 10% of the scrape. Per repository and overall (all windows, and only
those in which either side has a commit). Also: the share of the
scrape's contributor-periods whose login git finds in the same window (git only knows a
login from a noreply address; other authors are addresses), and the ratio of git's
totals to the scrape's.

    python scripts/validate_collect.py --clones DIR [--data-dir DIR | --raw FILE]
        [--out DIR] [--workers N] [--convention inclusive|half-open|weekly] [--repo owner/name ...]
        [--authors results/topcut/authors.csv] [--table FILE]

``--convention`` says how the scrape's ``from``/``to`` dates are read: ``inclusive``
(both days count, mcvalue's reading), ``half-open`` (the ``to`` day does not), or
``weekly``: GitHub's graph "sums weekly commit numbers onto each Sunday", so the page may
have shown every Sunday-to-Saturday week whose Sunday lies in ``[from, to]``; git is then
read over those whole weeks. Running all three shows which reading the page matched. ``--authors`` adds the agreement
per repository size class (all-time authors at the scrape date), ``--table`` keeps the
per-window comparison.
"""

import argparse
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

import pandas as pd

from mcvalue.data.collect import collect
from mcvalue.data.collected_sample import load_collected
from mcvalue.data.manifest import Manifest
from mcvalue.data.parse import read_raw
from mcvalue.data.repos import RepoSpec, repo_spec
from mcvalue.data.windows import Design, Window

MEASURES = ("contributors", "commits", "lines")
KEYS = ["repo", "period_start", "period_end"]


def scrape_specs(raw: Path) -> list[RepoSpec]:
    """List the scrape's tools as RepoSpecs (owner and name spelled as in its URLs, tool names kept)."""
    table = pd.read_csv(raw, usecols=["repo", "repo_url"], dtype=str, keep_default_na=False)
    return [repo_spec(url, tool) for tool, url in table.itertuples(index=False)]


CONVENTIONS = ("inclusive", "half-open", "weekly")


def git_window(start: date, end: date, convention: str) -> Window:
    """Return the days git is read over for the scrape's ``from=start&to=end`` under ``convention``.

    ``weekly``: from the first Sunday on or after ``start`` to the Saturday after the last
    Sunday on or before ``end`` (Python's weekday(): Monday 0, Sunday 6).
    """
    if convention == "inclusive":
        return Window(start, end)
    if convention == "half-open":
        return Window(start, end - timedelta(days=1))
    first_sunday = start + timedelta(days=(6 - start.weekday()) % 7)
    last_sunday = end - timedelta(days=(end.weekday() + 1) % 7)
    return Window(first_sunday, last_sunday + timedelta(days=6))


def _with_git_window(frame: pd.DataFrame, convention: str) -> pd.DataFrame:
    """Add the columns git_start and git_end: the git window of each row's scrape window."""
    windows = [git_window(s.date(), e.date(), convention) for s, e in frame[["period_start", "period_end"]].itertuples(index=False)]
    return frame.assign(git_start=pd.to_datetime([w.start for w in windows]), git_end=pd.to_datetime([w.end for w in windows]))


def scrape_windows(periods: pd.DataFrame, repos: set[str], convention: str) -> Design:
    """Turn the scrape's windows of ``repos`` into an explicit design (a repo under two tools: union)."""
    windows: dict[str, set[Window]] = {}
    for repo, start, end in periods[KEYS].itertuples(index=False):
        if repo in repos:
            windows.setdefault(repo, set()).add(git_window(start.date(), end.date(), convention))
    # Measurement windows: half-open and weekly readings are not 14 days long.
    return Design("windows", windows={repo: tuple(sorted(ws)) for repo, ws in windows.items()}, window_days=None)


_GIT_KEYS = ["repo", "git_start", "git_end"]


def _as_git_keys(git: pd.DataFrame) -> pd.DataFrame:
    return git.rename(columns={"period_start": "git_start", "period_end": "git_end"})


def _logins_found(scrape: pd.DataFrame, git: pd.DataFrame, convention: str) -> pd.Series:
    """Per scrape repo-period: the share of its contributors whose login git has in that window."""
    left = _with_git_window(scrape[KEYS + ["user"]], convention).assign(user=scrape["user"].str.lower())
    found = left.merge(
        _as_git_keys(git)[_GIT_KEYS + ["user"]].assign(user=git["user"].str.lower(), found=True), on=_GIT_KEYS + ["user"], how="left"
    )
    return found.assign(found=found["found"].fillna(False).astype(bool)).groupby(KEYS)["found"].mean()


def compare(
    scrape: tuple[pd.DataFrame, pd.DataFrame], git: tuple[pd.DataFrame, pd.DataFrame], convention: str
) -> pd.DataFrame:
    """One row per scraped repo-period git read: both sides' counts and whether they agree.

    ``scrape`` and ``git`` are (contributions, periods) tables; each scrape window is
    matched with the git window :func:`git_window` reads for it under ``convention``. A
    measure agrees exactly when equal, and within 10% when ``|git - scrape| <= 0.1 * scrape``.
    """
    scrape_contributions, scrape_periods = scrape
    git_contributions, git_periods = git
    left = _with_git_window(scrape_periods.drop_duplicates(KEYS)[KEYS + list(MEASURES)], convention)
    extra = ["unread"] if "unread" in git_periods else []
    right = _as_git_keys(git_periods)[_GIT_KEYS + list(MEASURES) + extra]
    table = left.merge(right, on=_GIT_KEYS, suffixes=("_scrape", "_git")).drop(columns=["git_start", "git_end"])
    for measure in MEASURES:
        ours, theirs = table[f"{measure}_git"], table[f"{measure}_scrape"]
        table[f"{measure}_exact"] = ours == theirs
        table[f"{measure}_10pct"] = (ours - theirs).abs() <= 0.1 * theirs
    logins = _logins_found(scrape_contributions, git_contributions, convention).rename("logins_found")
    return table.merge(logins.reset_index(), on=KEYS, how="left")


def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Per repository and overall: windows, agreement shares per measure, git/scrape totals.

    ``ALL`` is every window; ``ALL non-empty`` leaves out the windows in which neither git
    nor the scrape has a commit, whose agreement is trivial (both zero); ``ALL non-empty,
    fully read`` also those with a commit whose diff git could not read (a clone lacking
    objects), when the table says so (column ``unread``).
    """
    def one(group: pd.DataFrame) -> pd.Series:
        row = {"windows": len(group)}
        for measure in MEASURES:
            row[f"{measure} exact"] = group[f"{measure}_exact"].mean()
            row[f"{measure} 10%"] = group[f"{measure}_10pct"].mean()
        row["logins found"] = group["logins_found"].mean()
        for measure in ("commits", "lines"):
            total = group[f"{measure}_scrape"].sum()
            row[f"{measure} git/scrape"] = group[f"{measure}_git"].sum() / total if total else float("nan")
        return pd.Series(row)

    rows = {repo: one(group) for repo, group in table.groupby("repo", sort=True)}
    rows["ALL"] = one(table)
    non_empty = (table["commits_git"] > 0) | (table["commits_scrape"] > 0)
    rows["ALL non-empty"] = one(table[non_empty])
    if "unread" in table:
        rows["ALL non-empty, fully read"] = one(table[non_empty & (table["unread"] == 0)])
    result = pd.DataFrame(rows).T
    result["windows"] = result["windows"].astype(int)
    return result


#: Repository size classes (all-time authors at the scrape date) of :func:`size_summary`.
SIZE_CLASSES = (0, 100, 160, 300, 600, 5000)


def size_summary(table: pd.DataFrame, authors: pd.DataFrame) -> pd.DataFrame:
    """Agreement per repository size class: :func:`summary`'s figures over the non-empty windows of each class.

    ``authors`` has ``repo`` and ``authors_low`` (e.g. ``results/topcut/authors.csv``:
    all-time authors at the scrape date); repositories it lacks are left out.
    """
    sizes = authors.set_index("repo")["authors_low"]
    non_empty = table[((table["commits_git"] > 0) | (table["commits_scrape"] > 0)) & table["repo"].isin(sizes.index)]
    size = pd.cut(non_empty["repo"].map(sizes), SIZE_CLASSES).astype(str)
    rows = {label: summary(group).loc["ALL"] for label, group in non_empty.groupby(size, sort=False)}
    result = pd.DataFrame(rows).T.rename_axis("authors_alltime")
    result.insert(0, "repos", non_empty.groupby(size)["repo"].nunique())
    return result.sort_index(key=lambda index: [float(label.split(",")[0][1:]) for label in index])


def validate(
    raw: Path, clones: Path, out: Path, convention: str = "inclusive", repos: tuple[str, ...] = (), workers: int = 1
) -> tuple[pd.DataFrame | None, Manifest | None]:
    """Collect the scrape's windows of every scraped repository cloned under ``clones``; compare.

    Returns the :func:`compare` table (with ``unread``: commits in the window whose diff
    could not be read) and the collection's manifest (None if no clone).
    """
    scrape = read_raw(raw)
    wanted = {repo.lower() for repo in repos}
    specs = [
        spec for spec in scrape_specs(raw)
        if spec.clone_dir(clones).exists() and (not wanted or spec.repo in wanted)
    ]
    if not specs:
        return None, None
    design = scrape_windows(scrape[1], {spec.repo for spec in specs}, convention)
    manifest = collect(specs, clones, out, design, workers=workers)
    sample = load_collected(out, priced=False)
    unread = pd.DataFrame(
        [(r["repo"], w["start"], w["end"], len(w["unread"])) for r in manifest.repositories for w in r["windows"]],
        columns=[*KEYS, "unread"],
    ).astype({"period_start": "datetime64[ns]", "period_end": "datetime64[ns]"})
    periods = sample.periods.merge(unread, on=KEYS, how="left")
    return compare(scrape, (sample.contributions, periods), convention), manifest


def main() -> int:
    """Collect the scrape's windows from the clones, compare, print the agreement table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clones", type=Path, required=True, help="clones at DIR/owner/name")
    parser.add_argument("--raw", type=Path, help="the raw scrape CSV (default: found like every data file)")
    parser.add_argument("--data-dir", type=Path, help="directory with the paper's data files")
    parser.add_argument("--out", type=Path, help="keep the collected sample here (default: a temporary directory)")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--convention", choices=CONVENTIONS, default="inclusive")
    parser.add_argument("--repo", action="append", default=[], help="only this owner/name (repeatable)")
    parser.add_argument("--authors", type=Path, help="CSV of repo, authors_low (all-time authors): also print agreement by size class")
    parser.add_argument("--table", type=Path, help="write the per-window comparison here (CSV)")
    args = parser.parse_args()
    if args.raw is None:
        from mcvalue.data.fetch import RAW_FILE, locate

        args.raw = locate(RAW_FILE, args.data_dir)
    with tempfile.TemporaryDirectory() as scratch:
        table, manifest = validate(args.raw, args.clones, args.out or Path(scratch), args.convention,
                                   tuple(args.repo), args.workers)
    if table is None:
        print(f"no clone of a scraped repository under {args.clones}", file=sys.stderr)
        return 1
    for line in manifest.problems():
        print(line, file=sys.stderr)
    print(f"{len(table)} repo-periods of {table['repo'].nunique()} repositories, windows read as {args.convention}")
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.2f}".format):
        print(summary(table).to_string())
        if args.authors is not None:
            print("\nby all-time authors at the scrape date (non-empty windows)")
            print(size_summary(table, pd.read_csv(args.authors)).to_string())
    if args.table is not None:
        table.to_csv(args.table, index=False, date_format="%Y-%m-%d")
    return 0


if __name__ == "__main__":
    sys.exit(main())
