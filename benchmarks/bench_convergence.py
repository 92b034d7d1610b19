"""Convergence with margin: the default fit's gates over many seeds, with portable code generation.

    python benchmarks/bench_convergence.py [--seeds 20] [--first-seed 1] [--out FILE]

Fits the Bayesian cost model to the real clean sample once per seed (``mcvalue fit``'s
sampler settings: nutpie, 4 chains x 2000 draws after 500 tuning steps, code compiled for
the host's portable x86-64 level), each in an empty posterior cache, and prints per seed
the max R-hat, the smallest bulk and tail ESS, divergences, the worst parameter and the
wall time, then the counts against the gates (R-hat <= 1.01, ESS >= 400, no divergence)
and against the margin issue 20 asks for (smallest ESS >= 1.5 x 400 = 600). Each seed's
line is appended to ``--out`` (JSON lines) as it finishes, so a long run can be watched.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import time
from pathlib import Path

ESS_GATE = 400.0
MARGIN = 1.5


def fit_once(seed: int, data_dir: Path | None) -> dict:
    """Fit the clean sample with ``seed`` in a fresh posterior cache; return its convergence figures."""
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.data import load_sample

    sample = load_sample(mode="clean", data_dir=data_dir)
    with tempfile.TemporaryDirectory() as cache:
        os.environ["MCVALUE_CACHE_DIR"] = cache
        start = time.perf_counter()
        fit = fit_cost_model(sample, seed=seed, progress=False, allow_unconverged=True)
        elapsed = time.perf_counter() - start
    d = fit.diagnostics
    return {
        "seed": seed,
        "instruction_set": fit.sampler.instruction_set,
        "max_rhat": d["max_rhat"],
        "min_ess_bulk": d["min_ess_bulk"],
        "min_ess_tail": d["min_ess_tail"],
        "divergences": d["divergences"],
        "converged": d["converged"],
        "worst": d["worst"],
        "seconds": round(elapsed, 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--first-seed", type=int, default=1)
    parser.add_argument("--data-dir", type=Path, default=None)
    parser.add_argument("--out", type=Path, default=None, help="append one JSON line per seed here")
    opts = parser.parse_args()
    rows = []
    print(f"{'seed':>5} {'max R-hat':>9} {'bulk ESS':>9} {'tail ESS':>9} {'div':>4} {'s':>6}  worst")
    for seed in range(opts.first_seed, opts.first_seed + opts.seeds):
        row = fit_once(seed, opts.data_dir)
        rows.append(row)
        if opts.out:
            with opts.out.open("a") as handle:
                handle.write(json.dumps(row, sort_keys=True) + "\n")
        worst = row["worst"] or {}
        print(f"{seed:>5} {row['max_rhat']:>9.4f} {row['min_ess_bulk']:>9.0f} {row['min_ess_tail']:>9.0f} {row['divergences']:>4} "
              f"{row['seconds']:>6.1f}  {worst.get('parameter', '')} {worst.get('figure', '')}", flush=True)
    passed = sum(r["converged"] for r in rows)
    smallest = min(min(r["min_ess_bulk"], r["min_ess_tail"]) for r in rows)
    margin = sum(min(r["min_ess_bulk"], r["min_ess_tail"]) >= MARGIN * ESS_GATE for r in rows)
    print(f"passed every gate: {passed} of {len(rows)} seeds (target: all)")
    print(f"smallest ESS {smallest:.0f} = {smallest / ESS_GATE:.2f} x the gate; seeds with ESS >= {MARGIN} x gate: {margin} of {len(rows)}")
    print(f"instruction set: {sorted({r['instruction_set'] for r in rows})}")


if __name__ == "__main__":
    main()
