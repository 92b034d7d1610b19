"""Benchmark: the user's loop against its targets, measured side by side in one run.

    python benchmarks/bench_run.py [--data-dir DIR] [--reruns 5] [--code DIR ...] [--no-cold]

Each figure is what a user sees: the console command in a fresh process, wall clock and
CPU time (children included), and peak resident memory (``ru_maxrss`` of the child).

- cold run: ``mcvalue run`` from empty caches (mcvalue's, pytensor's compile directory,
  numba's): parse, compile, fit, simulate, decide, report. Targets <= 30 s wall, <= 700 MB.
- re-run after editing a benefit prior: a prior file extending the default with one
  benefit quantity changed, so the cached cost side is reused and only the Monte Carlo,
  the decision analysis, the summaries and the full report (markdown, HTML, every figure)
  are redone. Median of ``--reruns``. Targets <= 2 s wall and <= 2.5 s CPU. The same
  re-run with ``--no-report`` (every number, no report or figures) is measured beside it.
- ``mcvalue priors show`` and ``mcvalue --help``: target <= 0.3 s wall.

With ``--code DIR`` (repeatable) each DIR is a source tree of mcvalue (``git archive main |
tar -x -C DIR``, say) run by this interpreter in place of the installed package, each with
caches of its own; the trees take turns figure by figure, so load that comes and goes hits
them alike, and a table gives each figure per tree side by side.

Writes into a temporary directory (caches and results); nothing in the repository changes.
Run it on an idle machine: other load inflates every wall figure (and, on shared cores,
CPU time too); the load average is printed with the figures.
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


def timed(args: list[str], env: dict[str, str], cwd: Path | None = None, optional: bool = False) -> tuple[float, float, float]:
    """Return (wall s, CPU s, peak MB) of ``mcvalue ARGS`` in a fresh interpreter; exit if it fails (NaNs if ``optional``).

    The child is reaped with ``os.wait4``, whose resource usage is that child's alone.
    """
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", "from mcvalue.cli import main; main()", *args], env=env,
                                stdout=subprocess.DEVNULL, stderr=err, cwd=cwd)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.returncode != 0 and optional:  # an older tree without the option measured
            return float("nan"), float("nan"), float("nan")
        if proc.returncode != 0:
            err.seek(0)
            sys.exit(f"mcvalue {' '.join(args)} failed:\n{err.read().decode(errors='replace')}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def verdict(value: float, target: float) -> str:
    """Say whether ``value`` meets ``target`` (an upper bound)."""
    return "meets" if value <= target else "misses"


def measure(trees: dict[str, dict[str, str]], tmp: Path, data_dir: Path, reruns: int, cold: bool) -> dict[str, dict[str, list]]:
    """Measure every figure for each tree (name -> its environment), the trees taking turns; return name -> figure -> runs."""
    edited = tmp / "edited.toml"
    edited.write_text(EDITED_PRIOR)
    out: dict[str, dict[str, list]] = {name: {"cold": [], "rerun": [], "numbers": [], "show": [], "help": []} for name in trees}

    def common(name: str) -> list[str]:
        return ["--results-dir", str(tmp / name / "results"), "--data-dir", str(data_dir), "--quiet"]

    for name, env in trees.items():  # a cold run, or (--no-cold) the run that fills the caches
        out[name]["cold"].append(timed(["run", "--name", "cold", *common(name)], env, cwd=tmp))
    for i in range(reruns):
        for name, env in trees.items():
            out[name]["rerun"].append(timed(["run", "--name", f"edited{i}", "--priors", str(edited), *common(name)], env, cwd=tmp))
            numbers = ["run", "--name", f"numbers{i}", "--priors", str(edited), "--no-report", *common(name)]
            out[name]["numbers"].append(timed(numbers, env, cwd=tmp, optional=True))
    for _ in range(5):
        for name, env in trees.items():
            out[name]["show"].append(timed(["priors", "show"], env, cwd=tmp))
            out[name]["help"].append(timed(["--help"], env, cwd=tmp))
    if not cold:
        for runs in out.values():
            runs["cold"] = []
    return out


def rows_of(runs: dict[str, list]) -> list[tuple[str, float, float]]:
    """Return (label, value, target) of each figure of one tree's runs."""
    rows = []
    if runs["cold"]:
        cold = runs["cold"][0]
        rows += [("cold run, wall (s)", cold[0], TARGETS["cold wall"]), ("cold run, CPU (s)", cold[1], float("nan")),
                 ("cold run, peak memory (MB)", cold[2], TARGETS["cold MB"])]
    reruns = runs["rerun"]
    rows += [
        (f"re-run after a prior edit, wall (s, median of {len(reruns)})", statistics.median(r[0] for r in reruns), TARGETS["rerun wall"]),
        (f"re-run after a prior edit, CPU (s, median of {len(reruns)})", statistics.median(r[1] for r in reruns), TARGETS["rerun cpu"]),
        ("re-run, peak memory (MB)", max(r[2] for r in reruns), TARGETS["cold MB"]),
        (f"the same re-run with --no-report, wall (s, median of {len(reruns)})", statistics.median(r[0] for r in runs["numbers"]), float("nan")),
        (f"the same re-run with --no-report, CPU (s, median of {len(reruns)})", statistics.median(r[1] for r in runs["numbers"]), float("nan")),
        ("mcvalue priors show, wall (s, median of 5)", statistics.median(s[0] for s in runs["show"]), TARGETS["fast wall"]),
        ("mcvalue priors show, CPU (s, median of 5)", statistics.median(s[1] for s in runs["show"]), float("nan")),
        ("mcvalue --help, wall (s, median of 5)", statistics.median(h[0] for h in runs["help"]), TARGETS["fast wall"]),
    ]
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "osml_value")
    parser.add_argument("--reruns", type=int, default=5)
    parser.add_argument("--code", type=Path, action="append", default=[], help="a source tree of mcvalue to measure (repeatable)")
    parser.add_argument("--no-cold", action="store_true", help="leave out the cold-run figures (the caches are still filled first)")
    opts = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        trees = {}
        for code in opts.code or [None]:
            name = "installed" if code is None else code.resolve().name
            base = tmp_path / name
            env = dict(os.environ, MCVALUE_CACHE_DIR=str(base / "cache"), MPLBACKEND="Agg", NUMBA_CACHE_DIR=str(base / "numba"),
                       PYTENSOR_FLAGS=f"base_compiledir={base / 'pytensor'}")
            if code is not None:
                env["PYTHONPATH"] = str(code.resolve())
            trees[name] = env
        results = measure(trees, tmp_path, opts.data_dir, opts.reruns, not opts.no_cold)
    load_after = os.getloadavg()

    table = {name: rows_of(runs) for name, runs in results.items()}
    names = list(table)
    print(f"{'figure':<58} " + " ".join(f"{n[:12]:>12}" for n in names) + f" {'target':>8}")
    for i, (label, _value, target) in enumerate(table[names[0]]):
        values = [table[n][i][1] for n in names]
        verdicts = "" if target != target else "  " + "/".join(verdict(v, target) for v in values)  # NaN: no target
        shown_target = "" if target != target else f"{target:.2f}"
        print(f"{label:<58} " + " ".join(f"{v:>12.2f}" for v in values) + f" {shown_target:>8}{verdicts}")
    for name, runs in results.items():
        print(f"{name}: re-run walls {', '.join(f'{r[0]:.2f}' for r in runs['rerun'])}; CPUs {', '.join(f'{r[1]:.2f}' for r in runs['rerun'])}")
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: {', '.join(f'{x:.2f}' for x in load_after)}")


if __name__ == "__main__":
    main()
