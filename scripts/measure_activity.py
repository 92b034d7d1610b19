"""Measure how far commits and active days differ as the activity-threshold method's activity (issue 26 point 3).

    python scripts/measure_activity.py --mirrors /work/.mirror --out results/activity [--jobs 2] [--repo owner/name ...]

The activity-threshold method (docs/threshold.md) counts a contributor-period as
``min(a / t_w, 1)`` full-time engineers. On the paper's sample ``a`` can only be commits
(the scrape has nothing else); on a collected sample it is the contributor's distinct
active days in the window, the sense in which Robles et al. calibrated ``t``. This script
reads, from bare mirrors of the paper's sampled repositories (``MIRRORS/owner+name/repo``,
as the ``fetch`` tool leaves them), exactly the scrape's windows with ``mcvalue data
collect``'s reader (UTC author days, ``.mailmap``, bots kept: its defaults), and gives per
window the method's FTE from commits and from active days at three thresholds per six
months (12, 30, 75: the prior's 5% quantile, about its median, its 95% quantile), beside
the FTE from the scrape's own commits. Writes ``windows.csv`` (one row per window) and
``summary.csv`` (pooled per threshold, all windows and by repository).

Why a script and not a command: it measures one question on mirrors fetched by hand; the
reusable parts (the reader, the threshold arithmetic) are :mod:`mcvalue.data.collect` and
:mod:`mcvalue.costmodels.threshold`.
"""

import argparse
import sys
import tempfile
from datetime import date
from pathlib import Path

import pandas as pd
from measure_topcut import mirror_dirs

from mcvalue.costmodels.threshold import capped_fractions, per_window
from mcvalue.data import load_sample
from mcvalue.data.collect import collect
from mcvalue.data.collected_sample import load_collected
from mcvalue.data.repos import merge_duplicates, paper_repos
from mcvalue.data.windows import Design, Window

#: Thresholds per six months: the default prior's 5% quantile, about its median, its 95% quantile.
THRESHOLDS = (12.0, 30.0, 75.0)
KEYS = ["repo", "period_start", "period_end"]


def fte_by_window(contributions: pd.DataFrame, activity: str, prefix: str) -> pd.DataFrame:
    """Per window: contributors, the activity's sum, and sum of min(a / t_w, 1) at each of THRESHOLDS."""
    fractions = capped_fractions(contributions[activity].to_numpy(), per_window(list(THRESHOLDS)))
    frame = contributions[KEYS].assign(
        **{f"{prefix}_contributors": 1, f"{prefix}_{activity}": contributions[activity]},
        **{f"{prefix}_fte_{activity}_t{t:g}": fractions[:, i] for i, t in enumerate(THRESHOLDS)},
    )
    return frame.groupby(KEYS, as_index=False).sum()


def measure(mirrors: Path, data_dir: Path | None, jobs: int, only: list[str]) -> pd.DataFrame:
    """Collect the scrape's windows of every mirrored sampled repository (in a temporary directory: the tables name people) and return one row per window."""
    scrape = load_sample("corrected", data_dir)
    found = mirror_dirs(mirrors)
    specs = [s for s in merge_duplicates(paper_repos(data_dir)) if s.repo.lower() in found and (not only or s.repo.lower() in only)]
    periods = scrape.periods.assign(repo=scrape.periods["repo"].str.lower())
    periods = periods[periods["repo"].isin({s.repo.lower() for s in specs})].drop_duplicates(KEYS)
    windows = {
        repo: tuple(sorted({Window(a.date(), b.date()) for a, b in zip(g["period_start"], g["period_end"], strict=True)}, key=lambda w: w.start))
        for repo, g in periods.groupby("repo")
    }
    specs = [s for s in specs if s.repo.lower() in windows]
    with tempfile.TemporaryDirectory() as tmp:
        clones = Path(tmp) / "clones"
        for spec in specs:
            owner, name = spec.repo.split("/")
            (clones / owner).mkdir(parents=True, exist_ok=True)
            (clones / owner / name).symlink_to(found[spec.repo.lower()])
        design = Design("windows", windows={s.repo.lower(): windows[s.repo.lower()] for s in specs}, window_days=None)
        collect(specs, clones, Path(tmp) / "sample", design, jobs=jobs)
        git = load_collected(Path(tmp) / "sample", priced=False).contributions
    git = git.assign(repo=git["repo"].str.lower())
    ours = scrape.contributions.assign(repo=scrape.contributions["repo"].str.lower())
    ours = ours[ours["repo"].isin(windows)]
    table = periods[KEYS].merge(fte_by_window(git, "commits", "git"), on=KEYS, how="left")
    table = table.merge(fte_by_window(git, "active_days", "git").drop(columns="git_contributors"), on=KEYS, how="left")
    table = table.merge(fte_by_window(ours, "commits", "scrape"), on=KEYS, how="left").fillna(0)
    counts = [c for c in table.columns if c.endswith(("_contributors", "_commits", "_active_days"))]
    table[counts] = table[counts].astype(int)
    ftes = [c for c in table.columns if "_fte_" in c]
    table[ftes] = table[ftes].round(4)
    for column in ("period_start", "period_end"):
        table[column] = pd.to_datetime(table[column]).dt.date
    return table.sort_values(KEYS).reset_index(drop=True)


def summarise(table: pd.DataFrame) -> pd.DataFrame:
    """Pooled FTE from commits and from active days per threshold: all windows, then each repository."""
    rows = []
    for name, part in [("all", table), *table.groupby("repo")]:
        active = part[part["git_contributors"] > 0]
        for t in THRESHOLDS:
            commits, days = part[f"git_fte_commits_t{t:g}"].sum(), part[f"git_fte_active_days_t{t:g}"].sum()
            scrape = part[f"scrape_fte_commits_t{t:g}"].sum()
            ratio = active[f"git_fte_active_days_t{t:g}"] / active[f"git_fte_commits_t{t:g}"]
            rows.append({
                "repo": name, "threshold_six_months": t, "threshold_window": round(float(per_window(t)), 4),
                "windows": len(part), "windows_active": len(active), "contributor_periods": int(part["git_contributors"].sum()),
                "fte_commits": round(commits, 3), "fte_active_days": round(days, 3),
                "days_over_commits": round(days / commits, 4) if commits else None,
                "window_ratio_median": round(float(ratio.median()), 4) if len(ratio) else None,
                "window_ratio_min": round(float(ratio.min()), 4) if len(ratio) else None,
                "fte_scrape_commits": round(scrape, 3),
                "days_over_scrape_commits": round(days / scrape, 4) if scrape else None,
            })
    return pd.DataFrame(rows)


def main() -> int:
    """Measure, write windows.csv and summary.csv, print the pooled rows."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mirrors", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--data-dir", type=Path)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--repo", action="append", default=[], help="only these owner/name (repeatable)")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    table = measure(args.mirrors, args.data_dir, args.jobs, [r.lower() for r in args.repo])
    summary = summarise(table)
    table.to_csv(args.out / "windows.csv", index=False)
    summary.to_csv(args.out / "summary.csv", index=False)
    print(f"{date.today()}: {table['repo'].nunique()} repositories, {len(table)} windows")
    print(summary[summary["repo"] == "all"].to_string(index=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
