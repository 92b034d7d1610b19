"""Simulation-based calibration (Talts et al. 2018) of the cost model's hyperparameters.

    python benchmarks/sbc.py [--datasets 100] [--repos 40] [--workers 2]

For each dataset: draw the hyperparameters from the model's priors
(:class:`mcvalue.costmodels.pymc_model.ModelPriors`), the repo-level parameters from the
hierarchy, simulate a sample of ``repos`` x 5 periods with
:func:`mcvalue.costmodels.pymc_model.simulate_data`, fit with a fast configuration (2 chains
x 200 draws after 200 tuning steps), thin to 99 draws and record the rank of the true value
among them (0..99). If the posterior is calibrated the ranks are uniform: we print a
chi-square test of uniformity over 10 bins per hyperparameter and save rank histograms to
benchmarks/out/sbc_ranks.png (with the 99% band of a uniform histogram's bin counts).
"""

from __future__ import annotations

import argparse
from multiprocessing import Pool
from pathlib import Path

import numpy as np

OUT = Path(__file__).resolve().parent / "out"
THINNED = 99
BINS = 10


def prior_draw(rng: np.random.Generator, n_repos: int) -> dict[str, np.ndarray]:
    """One draw of every model parameter from the priors, shaped (1,) / (1, R) as in repo_params."""
    from mcvalue.costmodels.pymc_model import ModelPriors

    p = ModelPriors()
    hyper = {
        "contrib_intercept": rng.normal(p.contrib_intercept_mu, p.contrib_intercept_sigma),
        "contrib_sd": abs(rng.normal(0, p.contrib_sd_scale)),
        "contrib_inv_sqrt_alpha": abs(rng.normal(0, p.inv_sqrt_alpha_scale)),
        "commit_intercept": rng.normal(p.commit_intercept_mu, p.commit_intercept_sigma),
        "commit_sd": abs(rng.normal(0, p.commit_sd_scale)),
        "commit_inv_sqrt_alpha": abs(rng.normal(0, p.inv_sqrt_alpha_scale)),
        "line_intercept": rng.normal(p.line_intercept_mu, p.line_intercept_sigma),
        "line_sd": abs(rng.normal(0, p.line_sd_scale)),
        "line_log_sigma_intercept": rng.normal(p.line_log_sigma_mu, p.line_log_sigma_sigma),
        "line_log_sigma_sd": abs(rng.normal(0, p.line_log_sigma_sd_scale)),
        "line_zero_prob": rng.beta(p.line_zero_alpha, p.line_zero_beta),
    }
    draw = {k: np.array([v]) for k, v in hyper.items()}
    for name, (mu, sd) in {"contrib_log_mean": ("contrib_intercept", "contrib_sd"),
                           "commit_log_mean": ("commit_intercept", "commit_sd"),
                           "line_log_mean": ("line_intercept", "line_sd")}.items():
        draw[name] = rng.normal(hyper[mu], hyper[sd], (1, n_repos))
    draw["line_log_sigma_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    return draw


def one_dataset(args: tuple[int, int]) -> dict[str, int]:
    """Simulate dataset ``index``, fit it, and return each hyperparameter's rank."""
    index, n_repos = args
    from mcvalue.costmodels.pymc_model import HYPERPARAMETERS, ModelData, repo_params, simulate_data
    from mcvalue.fit import SamplerSettings, posterior_draws, sample_posterior

    rng = np.random.default_rng([20220218, index])
    draw = prior_draw(rng, n_repos)
    params = {k: v[0] for k, v in repo_params(draw).items()}
    period_repo = np.repeat(np.arange(n_repos), 5)
    n, contrib_repo, commits, lines = simulate_data(params, period_repo, rng)
    names = tuple(f"org{i}/tool{i}" for i in range(n_repos))
    data = ModelData(names, names, period_repo, n, contrib_repo, commits, lines)
    idata = sample_posterior(data, SamplerSettings(draws=200, tune=200, chains=2, seed=index), cores=1, progress=False)
    post = posterior_draws(idata)
    ranks = {}
    for name in HYPERPARAMETERS:
        values = post[name]
        thinned = values[np.linspace(0, values.size - 1, THINNED).astype(int)]
        ranks[name] = int((thinned < draw[name][0]).sum())
    ranks["divergences"] = int(idata.sample_stats["diverging"].values.sum())
    return ranks


def main() -> None:
    """Run the datasets in parallel, print uniformity tests, save the rank histograms."""
    import logging

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from mcvalue.costmodels.pymc_model import HYPERPARAMETERS

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--datasets", type=int, default=100)
    parser.add_argument("--repos", type=int, default=40)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    logging.getLogger("pymc").setLevel(logging.ERROR)
    with Pool(args.workers) as pool:
        results = pool.map(one_dataset, [(i, args.repos) for i in range(args.datasets)], chunksize=1)

    n = len(results)
    expected = n / BINS
    lo, hi = stats.binom.ppf([0.005, 0.995], n, 1 / BINS)
    OUT.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(3, 4, figsize=(13, 8), sharey=True)
    print(f"SBC: {n} datasets of {args.repos} repos x 5 periods; ranks among {THINNED} thinned draws; "
          f"{sum(r['divergences'] > 0 for r in results)} fits had divergences")
    print(f"{'hyperparameter':28s}{'chi2 (9 df)':>12s}{'p-value':>10s}")
    all_counts = []
    for ax, name in zip(axes.ravel(), HYPERPARAMETERS):
        ranks = np.array([r[name] for r in results])
        counts = np.bincount(ranks * BINS // (THINNED + 1), minlength=BINS)
        all_counts.append(counts)
        chi2, p = stats.chisquare(counts)
        print(f"{name:28s}{chi2:12.2f}{p:10.3f}")
        ax.bar(np.arange(BINS), counts, width=0.9, color="tab:blue")
        ax.axhspan(lo, hi, color="grey", alpha=0.25)
        ax.axhline(expected, color="black", lw=0.8)
        ax.set_title(f"{name}\nchi2 p = {p:.2f}", fontsize=9)
        ax.set_xticks([])
    axes.ravel()[-1].axis("off")
    chi2_total = sum(stats.chisquare(c)[0] for c in all_counts)
    df_total = len(all_counts) * (BINS - 1)
    print(f"{'all (sum)':28s}{chi2_total:12.2f}{stats.chi2.sf(chi2_total, df_total):10.3f}   ({df_total} df)")
    fig.suptitle(f"SBC rank histograms ({n} datasets; band: 99% range of a uniform bin count)")
    fig.tight_layout()
    path = OUT / "sbc_ranks.png"
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
