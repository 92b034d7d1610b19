"""Prior predictive check and simulation-based calibration (Talts et al. 2018) of the cost model, on the real design.

    python benchmarks/sbc.py [--datasets 100] [--workers 2] [--summarise-only]

Design: the real clean sample's repos, their windows and the windows' dates (and sync
units); only the observations are simulated. For each dataset: draw every parameter from
the model's priors (:class:`mcvalue.costmodels.pymc.model.ModelPriors`), simulate with
:func:`mcvalue.costmodels.pymc.model.simulate_data`, fit with the *production* sampler
and settings (``SamplerSettings.nuts``, :data:`DEFAULT_DRAWS`, :data:`DEFAULT_TUNE`,
:data:`DEFAULT_CHAINS`, target_accept 0.9; one core per worker), thin to 99 draws and record the rank of the
true value among them (0..99) for every hyperparameter and every method's FTE at 2021,
plus the fit's divergent transitions. Calibrated posteriors give uniform ranks: a
chi-square test over equal bins per quantity.

Prior predictive check first: the contributor-period counts and per-repo mean commits of
200 prior datasets on the same design, to show the priors give samples of a plausible size
(the real clean sample has 3,770 contributor-periods without the sync accounts' rows).

Each finished fit is appended to ``results/calibration/ranks.jsonl`` at once (with the
model version and sampler, its divergences, max R-hat, min bulk and tail ESS, draws at the
maximum tree depth, worst parameter and figure, and seconds), so a run
cut short still leaves its datasets; only records of the current model version and
production sampler count (older ones stay in the file as history); ``--summarise-only`` rebuilds ``summary.json`` and
``sbc_ranks.png`` in ``results/calibration/`` from that file.
"""

from __future__ import annotations

import argparse
import json
import os
from multiprocessing import Pool
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parents[1] / "results" / "calibration"
RANKS = OUT / "ranks.jsonl"
THINNED = 99
TARGET_YEAR = 2021


def production_sampler() -> str:
    """Return the sampler and settings of ``mcvalue fit``, as recorded with each SBC fit."""
    from mcvalue.costmodels.pymc.fit import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, SamplerSettings

    return f"{SamplerSettings.nuts} {DEFAULT_CHAINS}x{DEFAULT_DRAWS} after {DEFAULT_TUNE}, target_accept {SamplerSettings.target_accept}"


def current(record: dict) -> bool:
    """Whether an SBC record is of the current model version and production sampler."""
    from mcvalue.costmodels.pymc.model import MODEL_VERSION

    return record.get("model_version") == MODEL_VERSION and record.get("sampler") == production_sampler()


def real_design():
    """Return the clean sample's design as ModelData (observations are replaced in each dataset)."""
    from mcvalue.costmodels.pymc.model import model_data_from_sample
    from mcvalue.data import load_sample

    return model_data_from_sample(load_sample("clean"))


def prior_draw(rng: np.random.Generator, n_repos: int, n_windows: int) -> dict[str, np.ndarray]:
    """One draw of every model parameter from the priors, shaped (1,) / (1, R) as in repo_params.

    NumPy restates the model's priors so that a dataset is reproducible from its index
    alone; tests/test_sbc_priors.py holds these draws to PyMC's prior draws from the model.
    """
    from mcvalue.costmodels.pymc.model import ModelPriors

    p = ModelPriors()
    half = lambda scale: abs(rng.normal(0.0, scale))  # noqa: E731
    hyper = {
        "contrib_intercept": rng.normal(p.contrib_intercept_mu, p.contrib_intercept_sigma),
        "contrib_sd": rng.lognormal(np.log(p.contrib_sd_median), p.repo_sd_log_sigma),
        "contrib_inv_sqrt_alpha": half(p.inv_sqrt_alpha_scale),
        "commit_intercept": rng.normal(p.commit_intercept_mu, p.commit_intercept_sigma),
        "commit_sd": rng.lognormal(np.log(p.commit_sd_median), p.repo_sd_log_sigma),
        "commit_inv_sqrt_alpha": half(p.inv_sqrt_alpha_scale),
        "commit_window_sd": half(p.commit_window_sd_scale),
        "line_intercept": rng.normal(p.line_intercept_mu, p.line_intercept_sigma),
        "line_sd": rng.lognormal(np.log(p.line_sd_median), p.repo_sd_log_sigma),
        "line_log_sigma_intercept": rng.normal(p.line_log_sigma_mu, p.line_log_sigma_sigma),
        "line_log_sigma_sd": half(p.line_log_sigma_sd_scale),
        "line_zero_prob": rng.beta(p.line_zero_alpha, p.line_zero_beta),
        "line_window_sd": half(p.line_window_sd_scale),
    }
    for prefix in ("contrib", "commit", "line"):
        hyper[f"{prefix}_trend"] = rng.normal(0.0, p.trend_sigma)
        hyper[f"{prefix}_trend_sd"] = rng.lognormal(np.log(p.trend_sd_median), p.trend_sd_log_sigma)
    draw = {k: np.array([v]) for k, v in hyper.items()}
    for prefix in ("contrib", "commit", "line"):
        draw[f"{prefix}_log_mean"] = rng.normal(hyper[f"{prefix}_intercept"], hyper[f"{prefix}_sd"], (1, n_repos))
        draw[f"{prefix}_trend_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    draw["line_log_sigma_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    return draw


def simulate(design, index: int):
    """Dataset ``index``: its prior draw, the simulated data and the true FTE at TARGET_YEAR."""
    from mcvalue.costmodels.pymc.model import fte_from_params, replace_observations, repo_params, simulate_data

    rng = np.random.default_rng([20220218, index])
    draw = prior_draw(rng, design.n_repos, design.period_repo.size)
    params = repo_params(draw)
    one = {k: v[0] for k, v in params.items()}
    data = replace_observations(design, *simulate_data(one, design, rng))
    return draw, data, fte_from_params(params, data, TARGET_YEAR)[0]


def one_dataset(index: int) -> dict:
    """Simulate dataset ``index``, fit it with the production settings, return ranks and divergences."""
    import logging
    import time

    from mcvalue.costmodels.pymc.diagnostics import convergence_diagnostics
    from mcvalue.costmodels.pymc.fit import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, SamplerSettings, posterior_draws, sample_posterior
    from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, MODEL_VERSION, fte_from_params, repo_params
    from mcvalue.paper import METHOD_KEYS

    logging.getLogger("pymc").setLevel(logging.ERROR)
    draw, data, true_fte = simulate(real_design(), index)
    sampler = SamplerSettings(draws=DEFAULT_DRAWS, tune=DEFAULT_TUNE, chains=DEFAULT_CHAINS, seed=index)
    start = time.perf_counter()
    idata = sample_posterior(data, sampler, cores=1, progress=False)
    seconds = time.perf_counter() - start
    checks = convergence_diagnostics(idata)
    post = posterior_draws(idata)
    fte = fte_from_params(repo_params(post), data, TARGET_YEAR)
    keep = np.linspace(0, fte.shape[0] - 1, THINNED).astype(int)
    ranks = {name: int((post[name][keep] < draw[name][0]).sum()) for name in HYPERPARAMETERS}
    ranks |= {f"fte.{key}": int((fte[keep, j] < true_fte[j]).sum()) for j, key in enumerate(METHOD_KEYS)}
    return {
        "dataset": index,
        "model_version": MODEL_VERSION,
        "sampler": production_sampler(),
        "rows": int(data.contrib_commits.size),
        "divergences": int(checks["divergences"]),
        "max_rhat": float(checks["max_rhat"]),
        "min_ess_bulk": float(checks["min_ess_bulk"]),
        "min_ess_tail": float(checks["min_ess_tail"]),
        "max_treedepth_hits": int(checks["max_treedepth_hits"]),
        "worst": f"{checks['worst']['parameter']} {checks['worst']['figure']}",
        "converged": bool(checks["converged"]),
        "seconds": round(seconds, 1),
        "ranks": ranks,
    }


def prior_predictive(design, n: int = 200) -> dict:
    """Sizes of prior datasets on the real design: contributor-periods and mean commits per row."""
    rows, commits = [], []
    for index in range(10_000, 10_000 + n):
        _, data, _ = simulate(design, index)
        rows.append(data.contrib_commits.size)
        commits.append(float(data.contrib_commits.mean()) if data.contrib_commits.size else 0.0)
    q = [0.05, 0.25, 0.5, 0.75, 0.95]
    return {
        "datasets": n,
        "real_contributor_periods": int(design.contrib_commits.size),
        "contributor_periods_quantiles": dict(zip(map(str, q), np.quantile(rows, q).round().astype(int).tolist(), strict=True)),
        "mean_commits_quantiles": dict(zip(map(str, q), np.round(np.quantile(commits, q), 2).tolist(), strict=True)),
    }


def _bin_counts(ranks, bins: int) -> np.ndarray:
    """Return the counts of ranks (0..THINNED) in ``bins`` equal bins."""
    return np.bincount(np.asarray(ranks, dtype=int) * bins // (THINNED + 1), minlength=bins)


def _uniformity_p(counts: np.ndarray) -> float:
    """Chi-square p-value of bin counts against a uniform."""
    from scipy import stats

    return float(stats.chisquare(counts).pvalue)


def summarise(prior_check: dict | None) -> dict:
    """Uniformity tests of the ranks in RANKS; writes summary.json and the rank histograms."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from mcvalue.costmodels.pymc.model import MODEL_VERSION

    results = [r for r in map(json.loads, filter(str.strip, RANKS.read_text().splitlines())) if current(r)]
    n = len(results)
    names = list(results[0]["ranks"]) if results else []
    bins = max(2, min(10, n // 5))
    quantities = {}
    cols = 6
    fig, axes = plt.subplots(-(-len(names) // cols) or 1, cols, figsize=(18, 10), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        ranks = np.array([r["ranks"][name] for r in results])
        counts = _bin_counts(ranks, bins)
        p = _uniformity_p(counts)
        quantities[name] = {"p_value": p, "counts": counts.tolist()}
        lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / bins)
        ax.bar(np.arange(bins), counts, width=0.9)
        ax.axhspan(lo, hi, color="grey", alpha=0.25)
        ax.set_title(f"{name}\nchi2 p = {p:.2f}", fontsize=8)
        ax.set_xticks([])
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms on the real design ({n} datasets, {bins} bins; band: 99% range of a uniform bin count)")
    fig.tight_layout()
    fig.savefig(OUT / "sbc_ranks.png", dpi=90)
    converged = [r for r in results if r["converged"]]
    converged_bins = max(2, min(10, len(converged) // 5))
    summary = {
        "datasets": n,
        "model_version": MODEL_VERSION,
        "sampler": production_sampler(),
        "divergent_fits": sum(r["divergences"] > 0 for r in results),
        "fits_failing_gates": sum(not r["converged"] for r in results),
        "fits_with_rhat_above_1.01": sum(not r["max_rhat"] <= 1.01 for r in results),
        "fits_with_ess_below_400": sum(not r["min_ess_bulk"] >= 400 for r in results),
        "median_max_rhat": float(np.median([r["max_rhat"] for r in results])) if results else None,
        "converged_only": {
            "datasets": len(converged),
            "bins": converged_bins,
            "p_values": {name: _uniformity_p(_bin_counts([r["ranks"][name] for r in converged], converged_bins)) for name in names} if converged else {},
        },
        "median_fit_seconds": float(np.median([r["seconds"] for r in results])) if results else None,
        "bins": bins,
        "rows_quantiles": np.quantile([r["rows"] for r in results], [0.05, 0.5, 0.95]).tolist() if results else [],
        "quantities": quantities,
    }
    if prior_check is None and (OUT / "summary.json").is_file():
        prior_check = json.loads((OUT / "summary.json").read_text()).get("prior_predictive")
    summary["prior_predictive"] = prior_check
    (OUT / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    return summary


def main() -> None:
    """Prior predictive check, then the SBC fits in worker processes, then the summary."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--summarise-only", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    if args.summarise_only:
        print(json.dumps(summarise(None), indent=2))
        return
    check = prior_predictive(real_design())
    print("prior predictive:", json.dumps(check))
    lines = RANKS.read_text().splitlines() if RANKS.is_file() else []
    done = {r["dataset"] for r in map(json.loads, filter(str.strip, lines)) if current(r)}
    todo = [i for i in range(args.datasets) if i not in done]
    with Pool(args.workers, initializer=os.nice, initargs=(5,)) as pool, open(RANKS, "a") as out:
        for result in pool.imap_unordered(one_dataset, todo):
            out.write(json.dumps(result) + "\n")
            out.flush()
            print(f"dataset {result['dataset']}: {result['rows']} rows, {result['divergences']} divergences", flush=True)
    print(json.dumps(summarise(check), indent=2))


if __name__ == "__main__":
    main()
