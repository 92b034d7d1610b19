"""Benchmark: what the work a target covers costs at least, stage by stage, beside issue 20's targets.

    python benchmarks/bench_floors.py [--data-dir DIR] [--repeats 5] [--no-cold]

``bench_run.py`` measures each figure as a user sees it; this script splits the three
figures that miss their targets into stages, each measured in a fresh interpreter, and
prints the part no change to mcvalue's own code can remove beside the target:

1. ``mcvalue priors show`` (target 0.3 s wall). The interpreter alone; importing the four
   libraries the command needs (numpy and ``scipy.special`` for the prior laws'
   quantiles, pydantic for the prior file, typer for the command line); the command.
2. The re-run after editing a benefit prior (targets 2 s wall, 2.5 s CPU), in one process,
   the default run's caches warm: CPU of reading the edited prior file (its imports
   included), of ``mcvalue.run`` (the Monte Carlo, the decision analysis, the summaries),
   and of drawing the figures the edit changes one after another (importing matplotlib
   included; the PPC panels and the cost forest come from the figure cache). The
   libraries' share is the imports and the figures: matplotlib's drawing and
   rasterising, for which mcvalue's code only names what to draw.
3. The cold fit (targets 30 s wall, 700 MB), from empty caches: wall time, CPU time and
   resident memory after importing PyMC and nutpie, after nutpie has numba compile the
   default model's log density, gradient and trace expansion, and after sampling it
   with the default settings (4 chains of 500 tuning steps and 2,000 draws). Compiling
   and sampling are the libraries' work on a fixed model and fixed settings (the
   convergence gates need the draws: ``bench_convergence.py``).

Writes into a temporary directory (caches and results); nothing in the repository changes.
Run it on an idle machine.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench_run import EDITED_PRIOR, TARGETS  # the same edit and targets as the user's-loop benchmark (this script's folder is on sys.path)

#: Imported by ``mcvalue priors show`` and needed by it: the quantiles, the prior file, the command line.
SHOW_LIBRARIES = "import numpy, scipy.special, pydantic, typer"

RERUN_STAGES = """
import json, sys, time
from pathlib import Path
cpu = time.process_time
start = cpu()
import mcvalue
scenario = mcvalue.load_scenario(Path(sys.argv[1]))
read = cpu()
result = mcvalue.run(scenario)
numbers = cpu()
from mcvalue.report.figures import _cache_inputs, figure_makers, png_bytes
drawn = [stem for stem, make in figure_makers(result).items() if _cache_inputs(result, stem) is None and png_bytes(make())]
figures = cpu()
print(json.dumps({"read": read - start, "numbers": numbers - read, "figures": figures - numbers, "drawn": drawn}))
"""

COLD_STAGES = """
import json, os, resource, time
def mark():
    with open("/proc/self/statm") as f:
        resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    return time.perf_counter(), time.process_time(), resident
marks = {"start": mark()}
import nutpie, pymc
from mcvalue.config import DEFAULT_SEED
from mcvalue.costmodels.pymc.model_data import model_data_from_sample
from mcvalue.costmodels.pymc.sampling import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, SamplerSettings, compile_posterior, sample_posterior
from mcvalue.costmodels.pymc.trends import structure
from mcvalue.data import load_sample
from mcvalue.priors.settings import DEFAULT_TREND_STRUCTURE
data = model_data_from_sample(load_sample())
marks["imports and data"] = mark()
compiled = compile_posterior(data, structure(DEFAULT_TREND_STRUCTURE).priors)
marks["compile"] = mark()
idata = sample_posterior(compiled, SamplerSettings(draws=DEFAULT_DRAWS, tune=DEFAULT_TUNE, chains=DEFAULT_CHAINS, seed=DEFAULT_SEED), cores=2, progress=False)
marks["sampling"] = mark()
trace_mb = sum(v.nbytes for v in idata.posterior.data_vars.values()) / 2**20
print(json.dumps({"marks": marks, "trace_mb": trace_mb, "peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def timed_child(code: list[str], env: dict[str, str]) -> tuple[float, float, str]:
    """Run ``python CODE...`` in a fresh interpreter; return (wall s, its CPU s, its stdout); exit if it fails.

    The CPU time is the change in ``RUSAGE_CHILDREN`` across the child's life (this
    script runs one child at a time).
    """
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run([sys.executable, *code], env=env, capture_output=True, text=True, check=False)
    wall = time.perf_counter() - start
    if proc.returncode != 0:
        sys.exit(f"{' '.join(code)[:80]} failed:\n{proc.stderr}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.stdout


def show_floor(env: dict[str, str], repeats: int) -> list[tuple[str, float]]:
    """Median walls of the interpreter, of the libraries ``priors show`` needs (``scipy.special``'s share beyond numpy), and of the command."""
    cases = {
        "the interpreter alone": ["-c", "pass"],
        f"importing what it needs ({SHOW_LIBRARIES.removeprefix('import ')})": ["-c", SHOW_LIBRARIES],
        "numpy": ["-c", "import numpy"],
        "numpy and scipy.special": ["-c", "import numpy, scipy.special"],
        "mcvalue priors show": ["-c", "from mcvalue.cli import main; main()", "priors", "show"],
    }
    walls: dict[str, list[float]] = {label: [] for label in cases}
    for _ in range(repeats):
        for label, code in cases.items():
            walls[label].append(timed_child(code, env)[0])
    median = {label: statistics.median(values) for label, values in walls.items()}
    scipy_special = median.pop("numpy and scipy.special") - median.pop("numpy")
    rows = list(median.items())
    return [*rows[:2], ("  of which scipy.special (beyond numpy)", scipy_special), *rows[2:]]


def rerun_floor(env: dict[str, str], tmp: Path, repeats: int) -> tuple[dict[str, float], list[str]]:
    """Median CPU of each stage of a re-run after a benefit-prior edit (one process, caches warm), and the figures it drew."""
    edited = tmp / "edited.toml"
    edited.write_text(EDITED_PRIOR)
    timed_child(["-c", RERUN_STAGES, str(edited)], env)  # fills the caches: the cost fit, the Sobol design
    runs = [json.loads(timed_child(["-c", RERUN_STAGES, str(edited)], env)[2]) for _ in range(repeats)]
    return {key: statistics.median(run[key] for run in runs) for key in ("read", "numbers", "figures")}, runs[0]["drawn"]


def cold_floor(env: dict[str, str]) -> dict[str, Any]:
    """Wall, CPU and resident memory after each stage of a cold fit (empty caches), the trace's size and the peak."""
    return dict(json.loads(timed_child(["-c", COLD_STAGES], env)[2]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data" / "osml_value")
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--no-cold", action="store_true", help="leave out the cold fit (about a minute)")
    opts = parser.parse_args()

    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)

        def env_in(name: str) -> dict[str, str]:
            base = tmp_path / name
            return dict(os.environ, MCVALUE_DATA_DIR=str(opts.data_dir), MCVALUE_CACHE_DIR=str(base / "cache"), MPLBACKEND="Agg",
                        NUMBA_CACHE_DIR=str(base / "numba"), PYTENSOR_FLAGS=f"base_compiledir={base / 'pytensor'}")

        cold = None if opts.no_cold else cold_floor(env_in("cold"))
        stages, drawn = rerun_floor(env_in("rerun"), tmp_path, opts.repeats)
        show = show_floor(env_in("show"), opts.repeats)
    load_after = os.getloadavg()

    print(f"1. mcvalue priors show: wall (s, median of {opts.repeats}); target {TARGETS['fast wall']:.2f}")
    for label, wall in show:
        print(f"   {label:<66} {wall:6.2f}")
    print(f"2. re-run after a benefit-prior edit, one process, caches warm: CPU (s, median of {opts.repeats}); "
          f"targets {TARGETS['rerun cpu']} CPU, {TARGETS['rerun wall']} wall")
    read, numbers, figures = stages["read"], stages["numbers"], stages["figures"]
    print(f"   {'reading the prior file (numpy, scipy.special, pydantic)':<66} {read:6.2f}")
    print(f"   {'mcvalue.run: Monte Carlo, decision analysis, summaries':<66} {numbers:6.2f}")
    print(f"   {f'drawing {len(drawn)} figures, importing matplotlib ({", ".join(drawn)})':<66} {figures:6.2f}")
    print(f"   {'all, one after the other':<66} {read + numbers + figures:6.2f}")
    print(f"   {'  of which imports and matplotlib alone':<66} {read + figures:6.2f}")
    print(f"   {'  all, spread over 2 cores without loss (a floor for wall time)':<66} {(read + numbers + figures) / 2:6.2f}")
    if cold is not None:
        print(f"3. cold fit from empty caches: wall s, CPU s, resident MB after each stage; targets {TARGETS['cold wall']:.0f} s, {TARGETS['cold MB']:.0f} MB")
        marks = cold["marks"]
        names = list(marks)
        for before, after in itertools.pairwise(names):
            (w0, c0, _), (w1, c1, r1) = marks[before], marks[after]
            print(f"   {after:<32} {w1 - w0:6.1f} s wall {c1 - c0:6.1f} s CPU  resident after {r1:6.0f} MB")
        compile_and_sample = marks["sampling"][0] - marks["imports and data"][0]
        print(f"   {'compile and sampling alone':<32} {compile_and_sample:6.1f} s wall")
        print(f"   {'the trace (posterior arrays)':<32} {cold['trace_mb']:6.0f} MB; peak resident {cold['peak_mb']:.0f} MB")
    print(f"load average (1, 5, 15 min) before: {', '.join(f'{x:.2f}' for x in load_before)}; after: {', '.join(f'{x:.2f}' for x in load_after)}")


if __name__ == "__main__":
    main()
