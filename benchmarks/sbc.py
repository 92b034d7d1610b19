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

The test is printed twice: over all fits, and over the fits without a divergent transition,
i.e. those ``mcvalue fit`` would accept. The second is still a valid SBC: whether a fit
diverges depends on the true parameters only through the simulated data (and on the
sampler's own randomness), and SBC ranks are uniform conditional on the data, so selecting
datasets by it keeps them uniform for an exact sampler. Prior draws include datasets the
real sample is far from (a handful of contributor-periods in all, or repo effects much
smaller than their standard errors) where the centred repo log means form a funnel; those
fits diverge and are biased towards the funnel's mouth. Uniform ranks among the accepted
fits with non-uniform ranks overall locate the problem in the rejected fits, not the model.
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
    from mcvalue.costmodels.pymc.model import ModelPriors

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
    from mcvalue.costmodels.pymc.fit import SamplerSettings, posterior_draws, sample_posterior
    from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, ModelData, repo_params, simulate_data

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


def rank_counts(results: list[dict[str, int]], name: str) -> np.ndarray:
    """Histogram (BINS bins) of one hyperparameter's ranks over the given fits."""
    ranks = np.array([r[name] for r in results], dtype=int)
    return np.bincount(ranks * BINS // (THINNED + 1), minlength=BINS)


def main() -> None:
    """Run the datasets in parallel, print uniformity tests, save the rank histograms."""
    import logging

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy import stats

    from mcvalue.costmodels.pymc.model import HYPERPARAMETERS

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
    accepted = [r for r in results if r["divergences"] == 0]
    print(f"{'':28s}{'all fits':>22s}{'fits without divergences':>30s}")
    print(f"{'hyperparameter':28s}{'chi2 (9 df)':>12s}{'p-value':>10s}{'chi2 (9 df)':>20s}{'p-value':>10s}")
    all_counts, accepted_counts = [], []
    for ax, name in zip(axes.ravel(), HYPERPARAMETERS, strict=False):
        counts = rank_counts(results, name)
        all_counts.append(counts)
        accepted_counts.append(rank_counts(accepted, name))
        chi2, p = stats.chisquare(counts)
        chi2_acc, p_acc = stats.chisquare(accepted_counts[-1]) if accepted else (np.nan, np.nan)
        print(f"{name:28s}{chi2:12.2f}{p:10.3f}{chi2_acc:20.2f}{p_acc:10.3f}")
        ax.bar(np.arange(BINS), counts, width=0.9, color="tab:blue", label="all fits")
        ax.bar(np.arange(BINS), accepted_counts[-1], width=0.9, fill=False, edgecolor="tab:orange",
               label="fits without divergences")
        ax.axhspan(lo, hi, color="grey", alpha=0.25)
        ax.axhline(expected, color="black", lw=0.8)
        ax.set_title(f"{name}\nchi2 p = {p:.2f} (all), {p_acc:.2f} (no divergences)", fontsize=9)
        ax.set_xticks([])
    axes.ravel()[-1].axis("off")
    axes.ravel()[0].legend(fontsize="x-small")
    df_total = len(all_counts) * (BINS - 1)
    chi2_total = sum(stats.chisquare(c)[0] for c in all_counts)
    chi2_acc = sum(stats.chisquare(c)[0] for c in accepted_counts) if accepted else np.nan
    print(f"{'all (sum)':28s}{chi2_total:12.2f}{stats.chi2.sf(chi2_total, df_total):10.3f}"
          f"{chi2_acc:20.2f}{stats.chi2.sf(chi2_acc, df_total):10.3f}   ({df_total} df; {len(accepted)} fits without divergences)")
    fig.suptitle(f"SBC rank histograms ({n} datasets; band: 99% range of a uniform bin count)")
    fig.tight_layout()
    path = OUT / "sbc_ranks.png"
    fig.savefig(path, dpi=110)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
