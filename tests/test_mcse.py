"""Monte Carlo standard errors that count the FTE pool (issue 9, point 5): by hand, and against the spread over independent pools and seeds."""

import numpy as np
import pytest
from montecarlo_helpers import lognormal_scenario
from scipy import stats

from mcvalue.decision import exceedance
from mcvalue.engine.mcse import _indicator_mcse, mcse_of_mean, pool_batches
from mcvalue.engine.simulate import simulate
from mcvalue.engine.statistics import summarise_simulation


def test_batch_means_by_hand():
    """Values 1..6 in blocks {1,2}, {3,4}, {5,6}: mean 3.5, block sums 3, 7, 11 centred at 2 * 3.5 -> -4, 0, 4; variance 3/2 * 32 / 36 = 4/3."""
    assert mcse_of_mean(np.arange(1.0, 7.0), np.array([0, 0, 1, 1, 2, 2])) == pytest.approx(np.sqrt(4 / 3), rel=1e-12)


def test_one_draw_per_block_is_the_iid_formula():
    values = np.random.default_rng(0).normal(size=500)
    assert mcse_of_mean(values, np.arange(500)) == pytest.approx(np.std(values, ddof=1) / np.sqrt(500), rel=1e-12)


def test_pool_batches_are_contiguous_blocks():
    """A pool of 10 rows in 5 blocks: rows 0-1 -> 0, 2-3 -> 1, ...; a one-row pool has no batches (constant FTE)."""
    assert pool_batches(np.arange(10), 10, n_batches=5).tolist() == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]
    assert pool_batches(np.zeros(7, dtype=int), 1) is None


def _chains(rng: np.random.Generator, chains: int = 4, per_chain: int = 1000, rho: float = 0.8) -> np.ndarray:
    """Return a synthetic posterior FTE pool, chain-major: log FTE = log 700 + 0.35 z, z an AR(1) of lag-1 correlation rho per chain.

    Its integrated autocorrelation time is (1 + rho) / (1 - rho) = 9, so the 4,000 rows
    are worth about 444 independent ones.
    """
    z = np.empty((chains, per_chain))
    z[:, 0] = rng.normal(size=chains)
    shocks = rng.normal(size=(chains, per_chain)) * np.sqrt(1 - rho**2)
    for t in range(1, per_chain):
        z[:, t] = rho * z[:, t - 1] + shocks[:, t]
    return np.tile(np.exp(np.log(700.0) + 0.35 * z.ravel())[:, None], (1, 5))


def test_reported_mcse_matches_spread_over_independent_pools_and_seeds():
    """24 runs, each with its own autocorrelated FTE pool and seed: the sd of each estimate over the runs agrees with its reported MCSE.

    If the MCSE sigma is right, 23 s^2 / sigma^2 is chi-square with 23 degrees of
    freedom, so s / sigma lies in [sqrt(chi2_0.0005 / 23), sqrt(chi2_0.9995 / 23)] =
    [0.55, 1.50] with probability 0.999 (sigma taken as the root mean square of the 24
    reported MCSEs, whose own error is ~10% / sqrt(24) = 2%). The iid MCSE (every draw
    independent) fails this: for the median it put s / sigma at 1.85 over these runs,
    because the pool's term tau sigma_h^2 / m (tau = 9, m = 4,000) is larger than
    sigma^2 / n at n = 20,000.
    """
    runs = 24
    scenario = lognormal_scenario(weights={"commits_pytorch": 1.0})
    picks = {"median": lambda s: (s["median"], s["quantile_mcse"]["0.5"]),
             "p95": lambda s: (s["quantiles"]["0.95"], s["quantile_mcse"]["0.95"]),
             "mean": lambda s: (s["mean"], s["mean_mcse"]),
             "P(BCR > 100)": lambda s: (s["p_above"]["100"]["p"], s["p_above"]["100"]["mcse"])}
    values = {name: [] for name in picks}
    exceed = []
    for run in range(runs):
        simulation = simulate(scenario, _chains(np.random.default_rng(1000 + run)), seed=run, n=20_000)
        bcr = summarise_simulation(simulation)["bcr"]
        for name, pick in picks.items():
            values[name].append(pick(bcr))
        row = exceedance(simulation.bcr, [100.0], batches=pool_batches(simulation.fte_row, simulation.fte_pool_rows)).rows()[0]
        exceed.append((row["p"], row["mcse"]))
    values["exceedance k=100"] = exceed
    low, high = (np.sqrt(stats.chi2.ppf(q, runs - 1) / (runs - 1)) for q in (0.0005, 0.9995))
    for name, pairs in values.items():
        estimates, mcses = np.array(pairs).T
        ratio = np.std(estimates, ddof=1) / np.sqrt(np.mean(mcses**2))
        assert low < ratio < high, (name, ratio)


@pytest.mark.realdata
@pytest.mark.slow
def test_reported_mcse_matches_spread_over_bootstrap_pools_of_the_real_sample(real_data_dir):
    """Default priors on the clean sample, 20 runs each with its own bootstrap pool (2,000 replicates) and seed, 100,000 draws: each estimate's sd over the runs within the chi-square bounds of its RMS reported MCSE (as above, 19 degrees of freedom)."""
    import mcvalue
    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.data import load_sample

    runs = 20
    sample = load_sample("clean", real_data_dir)
    scenario = mcvalue.load_scenario("default")
    pairs = []
    for run in range(runs):
        pool = bootstrap_fte(sample, 2000, np.random.default_rng(500 + run))
        bcr = summarise_simulation(simulate(scenario, pool, seed=run, n=100_000))["bcr"]
        pairs.append([(bcr["median"], bcr["quantile_mcse"]["0.5"]), (bcr["quantiles"]["0.95"], bcr["quantile_mcse"]["0.95"]),
                      (bcr["p_above"]["100"]["p"], bcr["p_above"]["100"]["mcse"])])
    low, high = (np.sqrt(stats.chi2.ppf(q, runs - 1) / (runs - 1)) for q in (0.0005, 0.9995))
    for name, column in zip(("median", "p95", "P(BCR > 100)"), np.array(pairs).transpose(1, 2, 0), strict=True):
        estimates, mcses = column
        ratio = np.std(estimates, ddof=1) / np.sqrt(np.mean(mcses**2))
        assert low < ratio < high, (name, ratio)


@pytest.mark.parametrize("sorted_labels", [False, True])
def test_indicator_mcse_is_mcse_of_mean_of_the_indicator_array(sorted_labels):
    # The quantile MCSE's indicator 1[rank < k] is never built: per batch its sum is a count
    # of labels, and sums of ones are exact, so the floats must be mcse_of_mean's own.
    rng = np.random.default_rng(11)
    for _ in range(60):
        n, blocks = int(rng.integers(2, 3000)), int(rng.integers(1, 25))
        labels = rng.integers(0, blocks, size=n)
        labels = np.sort(labels) if sorted_labels else labels
        for k in (0, 1, n // 3, n - 1, n, int(rng.integers(0, n + 1))):
            below = (np.arange(n) < k).astype(float)
            assert _indicator_mcse(k, labels) == (mcse_of_mean(below, labels), below.mean())
