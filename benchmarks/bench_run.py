"""Benchmark: the user's loop against its targets, measured side by side in one run.

    python benchmarks/bench_run.py [--data-dir DIR] [--reruns 5]

Each figure is what a user sees: the console command in a fresh process, wall clock and
CPU time (children included), and peak resident memory (``ru_maxrss`` of the child).

- cold run: ``mcvalue run`` from empty caches (mcvalue's, pytensor's compile directory,
  numba's): parse, compile, fit, simulate, decide, report. Targets <= 30 s wall, <= 700 MB.
- re-run after editing a benefit prior: a prior file extending the default with one
  benefit quantity changed, so the cached cost side is reused and only the Monte Carlo,
  the decision analysis, the summaries and the full report (markdown, HTML, every figure)
  are redone. Median of ``--reruns``. Targets <= 2 s wall and <= 2.5 s CPU.
- ``mcvalue priors show`` and ``mcvalue --help``: target <= 0.3 s wall.

Writes into a temporary directory (caches and results); nothing in the repository changes.
Run it on an idle machine: other load inflates every wall figure.
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

EDITED_PRIOR = """extends = "default"

[benefit.ai_value_usd]
# Edited for the benchmark: a lower AI value than the default's.
dist = "lognormal"
ci90 = [2e12, 4e12]
source = "benchmark edit"
"""
TARGETS = {"cold wall": 30.0, "cold MB": 700.0, "rerun wall": 2.0, "rerun cpu": 2.5, "fast wall": 0.3}


def timed(args: list[str], env: dict[str, str]) -> tuple[float, float, float]:
    """Return (wall s, CPU s, peak MB) of ``mcvalue ARGS`` in a fresh interpreter; exit if it fails.

    The child is reaped with ``os.wait4``, whose resource usage is that child's alone.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", "from mcvalue.cli import main; main()", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"mcvalue {' '.join(args)} failed:\n{err.read().decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def verdict(value: float, target: float) -> str:
    """Say whether ``value`` meets ``target`` (an upper bound)."""
    return "meets" if value <= target else "misses"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "osml_value")
    parser.add_argument("--reruns", type=int, default=5)
    opts = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        env = dict(os.environ, MCVALUE_CACHE_DIR=str(tmp_path / "cache"), MPLBACKEND="Agg", NUMBA_CACHE_DIR=str(tmp_path / "numba"),
                   PYTENSOR_FLAGS=f"base_compiledir={tmp_path / 'pytensor'}")
        edited = tmp_path / "edited.toml"
        edited.write_text(EDITED_PRIOR)
        common = ["--results-dir", str(tmp_path / "results"), "--data-dir", str(opts.data_dir), "--quiet"]
        cold = timed(["run", "--name", "cold", *common], env)
        reruns = [timed(["run", "--name", f"edited{i}", "--priors", str(edited), *common], env) for i in range(opts.reruns)]
        show = [timed(["priors", "show"], env) for _ in range(5)]
        helps = [timed(["--help"], env) for _ in range(5)]

    rerun_wall = statistics.median(r[0] for r in reruns)
    rerun_cpu = statistics.median(r[1] for r in reruns)
    rows = [
        ("cold run, wall (s)", cold[0], TARGETS["cold wall"]),
        ("cold run, peak memory (MB)", cold[2], TARGETS["cold MB"]),
        (f"re-run after a prior edit, wall (s, median of {len(reruns)})", rerun_wall, TARGETS["rerun wall"]),
        (f"re-run after a prior edit, CPU (s, median of {len(reruns)})", rerun_cpu, TARGETS["rerun cpu"]),
        ("re-run, peak memory (MB)", max(r[2] for r in reruns), TARGETS["cold MB"]),
        ("mcvalue priors show, wall (s, median of 5)", statistics.median(s[0] for s in show), TARGETS["fast wall"]),
        ("mcvalue --help, wall (s, median of 5)", statistics.median(h[0] for h in helps), TARGETS["fast wall"]),
    ]
    print(f"{'figure':<58} {'measured':>9} {'target':>8}")
    for label, value, target in rows:
        print(f"{label:<58} {value:>9.2f} {target:>8.2f}  {verdict(value, target)}")
    print(f"cold run CPU: {cold[1]:.1f} s; re-run walls: {', '.join(f'{r[0]:.2f}' for r in reruns)}")


if __name__ == "__main__":
    main()
