"""How fast ``mcvalue data collect`` matches many explicit windows on one repository.

Builds the synthetic repository of ``bench_collect.py`` (default 20,000 commits over six
years), then

- collects it with every possible 14-day window of its history (2,176: distinct windows
  of one length, the most a priced design of this history can list);
- times the matching of windows to commits alone (:func:`select_commits`: one sort, a
  bisection per window) for ``--windows`` windows (default 200,000), beside the scan it
  replaced (every commit per window), timed on 1,000 windows and scaled.

    python benchmarks/bench_collect_windows.py [--commits 20000] [--windows 200000]
"""

import argparse
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
from bench_collect import build

from mcvalue.data import gitlog
from mcvalue.data.collect import collect
from mcvalue.data.repos import repo_spec
from mcvalue.data.windows import WINDOW_DAYS, Design, Window, select_commits


def main() -> None:
    """Build the repository, time the collection and the matching, print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=20_000)
    parser.add_argument("--windows", type=int, default=200_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        clones = Path(scratch) / "clones"
        clone = clones / "bench" / "big"
        build(clone, args.commits)
        first, last = date(2016, 1, 1), date(2016, 1, 1) + timedelta(6 * 365 - 1)
        every = tuple(Window(first + timedelta(s), first + timedelta(s + WINDOW_DAYS))
                      for s in range((last - first).days - WINDOW_DAYS + 1))
        started = time.perf_counter()
        manifest = collect([repo_spec("bench/big")], clones, Path(scratch) / "out", Design("windows", windows={"bench/big": every}))
        windows = manifest.repositories[0]["windows"]
        print(f"collect, every 14-day window: {len(windows):,} windows, "
              f"{sum(w['commits'] for w in windows):,} commits counted, {time.perf_counter() - started:.1f} s")
        days, _ = gitlog.commit_days(clone, gitlog.default_head(clone).commit)
        starts = np.random.default_rng(1).integers(0, (last - first).days, args.windows)
        many = [Window(first + timedelta(int(s)), first + timedelta(int(s) + WINDOW_DAYS)) for s in starts]
        started = time.perf_counter()
        select_commits(many, days)
        print(f"matching {len(many):,} windows to {len(days):,} commits: {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        for window in many[:1000]:
            [sha for sha, day in days if window.start <= day <= window.end]
        scan = (time.perf_counter() - started) * len(many) / 1000
        print(f"the scan it replaced, scaled from 1,000 windows: {scan:.0f} s")


if __name__ == "__main__":
    main()
