"""Measure the top-100 cut in the scrape's windows of every sampled repository with a local mirror.

    python scripts/measure_topcut.py --mirrors /work/.mirror --out results/topcut \
        --package mcvalue/data/topcut_repos.csv [--jobs 2]

Mirrors are bare git directories at ``MIRRORS/owner+name/repo`` (or ``.../repo/.git``),
as the ``fetch`` tool leaves them; names are matched case-insensitively. Writes
``windows.csv`` (one row per scraped repo-window: the weeks git was read over, git's
counts there, the top-100 part of them, and the scrape's counts of the window) and ``authors.csv`` (every sampled repository's
all-time author count at the scrape date: exact from git where measured, else the range
in ``authors_judgement.csv`` of the same folder), ``agreement.csv`` (how often git agrees
with the scrape, by repository size, with and without the cut), and the package's per-repository table
(``--package``) that :mod:`mcvalue.costmodels.topcut` fits its relation to. The reading
is :mod:`mcvalue.data.topcut`.

Why a script and not a command: it measures one historical scrape from mirrors fetched
by hand; the reusable part (reading a clone as GitHub's page reads it) is the module.
"""

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd

from mcvalue.data.fetch import RAW_FILE, locate
from mcvalue.data.parse import read_raw
from mcvalue.data.topcut import measure_repository, page_window


def mirror_dirs(mirrors: Path) -> dict[str, Path]:
    """Lower-cased owner/name -> the git directory of its mirror."""
    found = {}
    for entry in mirrors.iterdir():
        if "+" not in entry.name or entry.name.endswith((".part", ".tar")):
            continue
        for candidate in (entry / "repo" / ".git", entry / "repo"):
            if (candidate / "HEAD").is_file():
                found[entry.name.replace("+", "/", 1).lower()] = candidate
                break
    return found


def _one(args: tuple[str, Path, list]) -> tuple[str, pd.DataFrame, int]:
    """Measure one repository in the page's weeks of its scraped windows; key the rows by the scraped dates."""
    repo, clone, windows = args
    table, authors = measure_repository(clone, [page_window(start, end) for start, end in windows])
    table = table.rename(columns={"period_start": "git_start", "period_end": "git_end"})
    table.insert(0, "period_end", [end for _, end in windows])
    table.insert(0, "period_start", [start for start, _ in windows])
    return repo, table.assign(repo=repo), authors


def author_counts(tools: pd.Series, git_counts: dict[str, int], judgement: pd.DataFrame) -> pd.DataFrame:
    """Every sampled repository's all-time author count: the judged range where one is given, else git's."""
    judged = judgement.set_index("repo")
    rows = []
    for repo, tool in tools.items():
        if repo in judged.index:  # a judged range also overrides git where the history is not the scraped one
            row = judged.loc[repo]
            rows.append((repo, tool, int(row["authors_low"]), int(row["authors_high"]), "judgement", row["note"]))
        elif repo in git_counts:
            rows.append((repo, tool, git_counts[repo], git_counts[repo], "git", "git log of the default branch, 2022-02-18"))
        else:
            raise SystemExit(f"authors_judgement.csv: no range for {repo}, which was not measured")
    return pd.DataFrame(rows, columns=["repo", "tools", "authors_low", "authors_high", "source", "note"])


def package_table(authors: pd.DataFrame, windows: pd.DataFrame) -> pd.DataFrame:
    """Per repository: author count (low, high, source) and the measured windows' sums."""
    measures = ["authors", "authors_kept", "commits", "commits_kept", "lines", "lines_kept"]
    sums = windows.groupby("repo")[measures].sum().join(windows.groupby("repo").size().rename("windows"))
    table = authors[["repo", "authors_low", "authors_high", "source"]].merge(sums.reset_index(), on="repo", how="left")
    return table[["repo", "authors_low", "authors_high", "source", "windows", *measures]].astype(
        {column: "Int64" for column in ["windows", *measures]})


#: Repository size classes (all-time authors at the scrape date) of the agreement table.
SIZE_CLASSES = (0, 100, 160, 300, 600, 5000)
#: (git column, scrape column) pairs compared in the agreement table.
COMPARED = (("authors", "scrape_contributors"), ("commits", "scrape_commits"), ("lines", "scrape_lines"))


def agreement(windows: pd.DataFrame) -> pd.DataFrame:
    """Per size class: how often git agrees with the scrape within 10%, with and without the top-100 cut.

    Only windows in which git or the scrape has a commit count (two zeros agree trivially).
    ``<measure>_all`` compares all of git's authors' work, ``<measure>_top100`` only the
    top 100's (what the page can show).
    """
    active = windows[(windows["commits"] > 0) | (windows["scrape_commits"] > 0)]
    size = pd.cut(active["git_authors_alltime"], SIZE_CLASSES).astype(str).rename("authors_alltime")
    columns = {"repos": active.groupby(size)["repo"].nunique(), "windows": active.groupby(size).size()}
    for measure, scrape in COMPARED:
        for suffix, column in (("all", measure), ("top100", f"{measure}_kept")):
            close = (active[column] - active[scrape]).abs() <= 0.1 * active[scrape]
            columns[f"{measure}_{suffix}"] = close.groupby(size).mean().round(3)
    return pd.DataFrame(columns).reset_index()


def main() -> int:
    """Measure every mirrored sampled repository; write the two tables."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--package", type=Path, required=True, help="where to write the package's per-repository table")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repo", action="append", default=[], help="only this owner/name (repeatable)")
    args = parser.parse_args()
    _, periods = read_raw(locate(RAW_FILE, None))
    scrape = periods.drop_duplicates(["repo", "period_start", "period_end"])
    clones = mirror_dirs(args.mirrors)
    wanted = {r.lower() for r in args.repo}
    work = []
    for repo, group in scrape.groupby("repo", sort=True):
        if repo in clones and (not wanted or repo in wanted):
            windows = sorted({(s.date(), e.date()) for s, e in group[["period_start", "period_end"]].itertuples(index=False)})
            work.append((repo, clones[repo], windows))
    tables, authors = [], {}
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        for repo, table, count in pool.map(_one, work):
            tables.append(table)
            authors[repo] = count
            print(f"{repo}: {count} authors", file=sys.stderr, flush=True)
    measured = pd.concat(tables, ignore_index=True)
    measured[["period_start", "period_end"]] = measured[["period_start", "period_end"]].astype("datetime64[us]")
    theirs = scrape[["repo", "period_start", "period_end", "contributors", "commits", "lines"]].rename(
        columns={"contributors": "scrape_contributors", "commits": "scrape_commits", "lines": "scrape_lines"})
    measured = measured.merge(theirs, on=["repo", "period_start", "period_end"], how="left")
    measured.insert(1, "git_authors_alltime", measured["repo"].map(authors))
    columns = ["repo", "git_authors_alltime", "period_start", "period_end", "git_start", "git_end", "authors", "authors_kept", "commits",
               "commits_kept", "lines", "lines_kept", "unread", "scrape_contributors", "scrape_commits", "scrape_lines"]
    args.out.mkdir(parents=True, exist_ok=True)
    measured = measured[columns].sort_values(["repo", "period_start"])
    measured.to_csv(args.out / "windows.csv", index=False, date_format="%Y-%m-%d")
    tools = periods.groupby("repo", sort=True)["tool"].agg(lambda names: " / ".join(dict.fromkeys(names)))
    authors_table = author_counts(tools, authors, pd.read_csv(args.out / "authors_judgement.csv"))
    authors_table.to_csv(args.out / "authors.csv", index=False)
    package_table(authors_table, measured).to_csv(args.package, index=False)
    agreement(measured).to_csv(args.out / "agreement.csv", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
