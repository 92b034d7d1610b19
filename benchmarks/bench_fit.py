"""Speed of the cost-model fit against a naive baseline, side by side.

    python benchmarks/bench_fit.py [--mode clean] [--draws 2000 --tune 500]

Both models are fitted to the real sample (4 chains on 2 cores, same draws and seed; by default
those of ``mcvalue fit``):

- optimised: what ``mcvalue fit`` samples (:func:`mcvalue.costmodels.pymc.sampling.sample_posterior`
  on :func:`mcvalue.costmodels.pymc.graph.build_model` with nutpie: exact sufficient
  statistics, repo log means centred where a repo has many rows, non-centred trend
  deviations, commits window effects and log-sd effects, lines window effects integrated out);
- baseline: the same likelihood written observation by observation (one NegativeBinomial
  term per repo-period and per contributor-period, one LogNormal and one Bernoulli term per
  contributor-period), every repo- and window-level parameter centred, PyMC's default NUTS.

Each model is timed twice in fresh processes: cold (empty pytensor and numba compile
directories, as on a new CI machine) and warm (the same directory again). Wall time covers model
building, compilation and sampling. The efficiency figure is the minimum bulk ESS over
every parameter divided by the warm wall time. Targets: ESS/s >= 5x the baseline's; a
warm real-data fit under 40 s on 2 cores (on an otherwise idle machine).

Measured (cost model version 7, nutpie, 4 x 2000 draws after 500 tuning steps, idle 2
cores): optimised 34.0 s cold, 30.4 s warm, min bulk ESS 806 (26.5 per second); baseline
(PyMC's sampler) 322 s cold, 309 s warm, min bulk ESS 25 with 9 divergences (0.08 per
second); ESS/s ratio 329. Version 5 with PyMC's sampler: 44.0 / 40.0 s, ratio 125.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

from mcvalue.data.tables import MODES, Mode


def baseline_model(data, priors):
    """Return the naive model: same priors and likelihood (trends, window effects), row by row, everything centred."""
    import numpy as np
    import pymc as pm

    from mcvalue.costmodels.pymc.model import TIME_ORIGIN
    from mcvalue.costmodels.pymc.model_data import active_windows

    windows, contrib_window = active_windows(data)
    t = data.period_time - TIME_ORIGIN
    w_repo, w_t = data.period_repo[windows], t[windows]
    pos = data.contrib_lines > 0

    def level(prefix, mu, sigma, sd_median):
        intercept = pm.Normal(f"{prefix}_intercept", mu, sigma)
        sd = pm.LogNormal(f"{prefix}_sd", np.log(sd_median), priors.repo_sd_log_sigma)
        log_mean = pm.Normal(f"{prefix}_log_mean", intercept, sd, dims="repo")
        trend = pm.Normal(f"{prefix}_trend", 0.0, priors.trend_sigma)
        slope = pm.Normal(f"{prefix}_slope", trend, pm.LogNormal(f"{prefix}_trend_sd", np.log(priors.trend_sd_median), priors.trend_sd_log_sigma), dims="repo")
        return log_mean, slope

    with pm.Model(coords={"repo": list(data.repos), "window": [int(w) for w in windows]}) as model:
        clm, cb = level("contrib", priors.contrib_intercept_mu, priors.contrib_intercept_sigma, priors.contrib_sd_median)
        cisa = pm.HalfNormal("contrib_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        pm.NegativeBinomial("contributors", mu=pm.math.exp(clm[data.period_repo] + cb[data.period_repo] * t), alpha=1 / cisa**2,
                            observed=data.period_contributors)
        mlm, mb = level("commit", priors.commit_intercept_mu, priors.commit_intercept_sigma, priors.commit_sd_median)
        misa = pm.HalfNormal("commit_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        me = pm.Normal("commit_window", 0.0, pm.HalfNormal("commit_window_sd", priors.commit_window_sd_scale), dims="window")
        m_w = mlm[w_repo] + mb[w_repo] * w_t + me
        pm.NegativeBinomial("extra_commits", mu=pm.math.exp(m_w[contrib_window]), alpha=1 / misa**2, observed=data.contrib_commits - 1)
        llm, lb = level("line", priors.line_intercept_mu, priors.line_intercept_sigma, priors.line_sd_median)
        lsi = pm.Normal("line_log_sigma_intercept", priors.line_log_sigma_mu, priors.line_log_sigma_sigma)
        lsig = pm.Normal("line_log_sigma", lsi, pm.HalfNormal("line_log_sigma_sd", priors.line_log_sigma_sd_scale), dims="repo")
        le = pm.Normal("line_window", 0.0, pm.HalfNormal("line_window_sd", priors.line_window_sd_scale), dims="window")
        lam_w = llm[w_repo] + lb[w_repo] * w_t + le
        rows = contrib_window[pos]
        pm.LogNormal("lines", mu=lam_w[rows], sigma=pm.math.exp(lsig[w_repo][rows]), observed=data.contrib_lines[pos])
        zp = pm.Beta("line_zero_prob", priors.line_zero_alpha, priors.line_zero_beta)
        pm.Bernoulli("line_is_zero", p=zp, observed=(~pos).astype(np.int64))
    return model


def child(kind: str, mode: Mode, draws: int, tune: int, seed: int) -> dict:
    """Build, compile and sample one model in this process; wall time and min bulk ESS."""
    import arviz as az
    import pymc as pm

    from mcvalue.costmodels.pymc.model import ModelPriors
    from mcvalue.costmodels.pymc.model_data import model_data_from_sample
    from mcvalue.costmodels.pymc.sampling import SamplerSettings, compile_posterior, sample_posterior
    from mcvalue.data import load_sample

    data = model_data_from_sample(load_sample(mode=mode))
    start = time.perf_counter()
    if kind == "optimised":  # exactly what mcvalue fit runs
        settings = SamplerSettings(draws=draws, tune=tune, chains=4, seed=seed)
        idata = sample_posterior(compile_posterior(data, ModelPriors()), settings, cores=2, progress=False)
    else:
        with baseline_model(data, ModelPriors()):
            idata = pm.sample(draws=draws, tune=tune, chains=4, cores=2, random_seed=seed, progressbar=False, nuts_sampler="pymc",
                              target_accept=SamplerSettings.target_accept, compute_convergence_checks=False)
    wall = time.perf_counter() - start
    ess = az.ess(idata)
    worst = min((float(ess[v].min()), v) for v in ess.data_vars)
    return {"wall_s": wall, "min_ess_bulk": worst[0], "worst": worst[1],
            "divergences": int(idata.sample_stats["diverging"].sum())}


def run_child(kind: str, compiledir: str, args) -> dict:
    """One timed fit in a fresh Python process with the given pytensor compile directory."""
    env = dict(os.environ, PYTENSOR_FLAGS=f"compiledir={compiledir}", NUMBA_CACHE_DIR=compiledir)
    cmd = [sys.executable, __file__, "--child", kind, "--mode", args.mode, "--draws", str(args.draws),
           "--tune", str(args.tune), "--seed", str(args.seed)]
    out = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    """Parse arguments; as parent, time both models cold and warm and print the comparison."""
    from mcvalue.config import DEFAULT_SEED
    from mcvalue.costmodels.pymc.sampling import DEFAULT_DRAWS, DEFAULT_TUNE

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--mode", default="clean", choices=MODES)
    parser.add_argument("--draws", type=int, default=DEFAULT_DRAWS)
    parser.add_argument("--tune", type=int, default=DEFAULT_TUNE)
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--child", choices=("optimised", "baseline"))
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child(args.child, args.mode, args.draws, args.tune, args.seed)))
        return
    results = {}
    for kind in ("optimised", "baseline"):
        with tempfile.TemporaryDirectory() as compiledir:
            results[kind] = {"cold": run_child(kind, compiledir, args), "warm": run_child(kind, compiledir, args)}
    print(f"real data ({args.mode} mode), 4 chains x {args.draws} draws (+{args.tune} tune), 2 cores")
    print(f"{'':28s}{'optimised':>14s}{'baseline':>14s}{'ratio':>10s}")
    rows = [("cold wall time (s)", lambda r: r["cold"]["wall_s"]), ("warm wall time (s)", lambda r: r["warm"]["wall_s"]),
            ("min bulk ESS (warm)", lambda r: r["warm"]["min_ess_bulk"]),
            ("min bulk ESS / s (warm)", lambda r: r["warm"]["min_ess_bulk"] / r["warm"]["wall_s"]),
            ("divergences (warm)", lambda r: r["warm"]["divergences"])]
    for label, get in rows:
        a, b = get(results["optimised"]), get(results["baseline"])
        ratio = f"{a / b:10.2f}" if b else f"{'-':>10s}"
        print(f"{label:28s}{a:14.1f}{b:14.1f}{ratio}")
    print(f"worst parameter: optimised {results['optimised']['warm']['worst']}, baseline {results['baseline']['warm']['worst']}")
    speedup = (results["optimised"]["warm"]["min_ess_bulk"] / results["optimised"]["warm"]["wall_s"]) / (
        results["baseline"]["warm"]["min_ess_bulk"] / results["baseline"]["warm"]["wall_s"])
    print(f"targets: ESS/s ratio >= 5 -> {speedup:.1f} ({'met' if speedup >= 5 else 'NOT met'}); "
          f"warm fit < 40 s -> {results['optimised']['warm']['wall_s']:.1f} s "
          f"({'met' if results['optimised']['warm']['wall_s'] < 40 else 'NOT met'})")


if __name__ == "__main__":
    main()
