"""Tornado and variance shares against hand calculations and the lognormal closed form.

With every input lognormal, log BCR is a sum of independent normals (per costing method),
so each input's share of var(log BCR) is known exactly: sigma_i^2 / sum_j sigma_j^2,
with the method mixture adding the between-method variance w (1 - w) (mu_1 - mu_2)^2.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.special import ndtri

from mcvalue.methods import METHOD_KEYS
from mcvalue.priors.spec import DataSettings, RunSettings, Scenario
from mcvalue.sensitivity import (
    CONTRIBUTOR_FRACTION,
    FTE_INPUT,
    METHOD_INPUT,
    REFERENCE_FRACTION,
    parse_swing,
    tornado,
    variance_shares,
)
from mcvalue.errors import McValueError
from mcvalue.simulate import simulate

Z90 = float(ndtri(0.9))  # the p90 of a standard normal: 1.2816


@dataclass(frozen=True)
class LogNormal:
    """Test-local lognormal with the Distribution protocol (median e^mu, log sd sigma)."""

    mu: float
    sigma: float
    source: str | None = None

    def ppf(self, q):
        return np.exp(self.mu + self.sigma * ndtri(np.asarray(q, dtype=float)))

    def sample(self, rng, n):
        return np.exp(self.mu + self.sigma * rng.standard_normal(n))

    def describe(self):
        return f"lognormal(mu={self.mu}, sigma={self.sigma})"


SIGMAS = {
    "cost.salary_usd": 0.3,
    "cost.fte_fraction_contributor": 0.2,
    "cost.fte_fraction_reference": 0.25,
    "cost.coverage": 0.1,
    "benefit.ai_value_usd": 0.15,
    "benefit.haircut": 0.7,
    "benefit.attribution_share": 0.35,
    "benefit.mloss_share": 0.05,
}
MEDIANS = {
    "cost.salary_usd": 2e5,
    "cost.fte_fraction_contributor": 0.3,
    "cost.fte_fraction_reference": 0.8,
    "cost.coverage": 1.5,
    "benefit.ai_value_usd": 4e12,
    "benefit.haircut": 0.1,
    "benefit.attribution_share": 0.1,
    "benefit.mloss_share": 0.5,
}


def _scenario(sigmas: dict[str, float], weights: dict[str, float], n: int) -> Scenario:
    quantities = {q: LogNormal(float(np.log(MEDIANS[q])), s) for q, s in sigmas.items()}
    return Scenario(
        quantities=quantities,
        method_weights=weights,
        correlations={},
        data=DataSettings(),
        run=RunSettings(draws=n, seed=7, cost_model="bootstrap"),
    )


def _lognormal_fte(medians: np.ndarray, sigma: float, m: int, rng: np.random.Generator) -> np.ndarray:
    """(m, 5) FTE draws, column j lognormal with median medians[j] and log sd sigma (independent columns)."""
    return medians * np.exp(sigma * rng.standard_normal((m, 5)))


def test_dominant_input_ranks_first_and_bars_match_the_lognormal_closed_form():
    # One method and lognormal inputs: log BCR is a sum of independent normals, so fixing a
    # benefit factor of log sd sigma at its p10 / p90 moves the median BCR by exp(-/+ z90 sigma)
    # exactly, and the run's median BCR is the BCR at every input's median.
    n = 200_000
    sigmas = dict(SIGMAS, **{"benefit.attribution_share": 2.0})  # dominant
    one_method = {k: float(k == "contributors_pytorch") for k in METHOD_KEYS}
    scenario = _scenario(sigmas, one_method, n)
    fte_sigma = 0.2
    fte = _lognormal_fte(np.full(5, 700.0), fte_sigma, n, np.random.default_rng(1))

    table = tornado(scenario, simulate(scenario, fte, seed=5), swing=(0.1, 0.9), cost_model="test")

    assert table.bars[0].input == "benefit.attribution_share"
    m = MEDIANS
    base = (m["benefit.ai_value_usd"] * m["benefit.haircut"] * m["benefit.attribution_share"] * m["benefit.mloss_share"]) / (
        m["cost.salary_usd"] * 700.0 * m["cost.coverage"] * m["cost.fte_fraction_contributor"]
    )
    # Each end is the median of n draws of a normal log BCR with sd below sqrt(sum sigma^2) ~ 2.2:
    # its standard error is 1.2533 * 2.2 / sqrt(n) ~ 0.0062 on the log scale, so 0.03 is > 4.5 of them.
    tol = 0.03
    assert np.log(table.base_bcr / base) == pytest.approx(0.0, abs=tol)
    for bar, sign, sigma in (
        (table.bars[0], 1.0, 2.0),
        (next(b for b in table.bars if b.input == "cost.salary_usd"), -1.0, SIGMAS["cost.salary_usd"]),
        (next(b for b in table.bars if b.input == FTE_INPUT), -1.0, fte_sigma),
    ):
        assert np.log(bar.bcr_low / base) == pytest.approx(-sign * Z90 * sigma, abs=tol), bar.input
        assert np.log(bar.bcr_high / base) == pytest.approx(sign * Z90 * sigma, abs=tol), bar.input
    # The reference fraction is used by no method with weight: it moves nothing and has no bar.
    assert all(b.input != REFERENCE_FRACTION for b in table.bars)
    widths = [b.width for b in table.bars]
    assert widths == sorted(widths, reverse=True)


def _mixture_median(w: np.ndarray, mu: np.ndarray, sd: np.ndarray) -> float:
    """Median of a mixture of lognormals (weights w, log means mu, log sds sd), by root finding."""
    from scipy.optimize import brentq
    from scipy.stats import norm

    return float(np.exp(brentq(lambda x: float(np.sum(w * norm.cdf((x - mu) / sd))) - 0.5, -50.0, 50.0)))


def test_input_of_a_minority_method_gets_its_mixture_share_of_a_bar():
    # Contributors (w = 0.3) and commits_tensorflow (w = 0.7): the contributor fraction is used
    # only by the minority method, so the weighted-median method would give it no bar. Fixing
    # it moves the contributors component of the log BCR mixture by -/+ z90 sigma_c and narrows
    # it; the bar's ends are the medians of those two-component lognormal mixtures.
    n = 200_000
    weights = {k: 0.0 for k in METHOD_KEYS}
    weights["contributors_pytorch"], weights["commits_tensorflow"] = 0.3, 0.7
    medians = np.array([900.0, 700.0, 500.0, 500.0, 250.0])
    fte_sigma = 0.1
    scenario = _scenario(SIGMAS, weights, n)
    fte = _lognormal_fte(medians, fte_sigma, n, np.random.default_rng(4))

    table = tornado(scenario, simulate(scenario, fte, seed=8), swing=(0.1, 0.9))

    log_benefit = sum(np.log(MEDIANS[q]) for q in MEDIANS if q.startswith("benefit."))
    log_cost_common = np.log(MEDIANS["cost.salary_usd"]) + np.log(MEDIANS["cost.coverage"])
    mu = log_benefit - log_cost_common - np.log([MEDIANS[CONTRIBUTOR_FRACTION] * 700.0, MEDIANS[REFERENCE_FRACTION] * 250.0])
    common = sum(s**2 for q, s in SIGMAS.items() if "fraction" not in q) + fte_sigma**2
    sd = np.sqrt(common + np.array([SIGMAS[CONTRIBUTOR_FRACTION], SIGMAS[REFERENCE_FRACTION]]) ** 2)
    w = np.array([0.3, 0.7])
    bar = next(b for b in table.bars if b.input == CONTRIBUTOR_FRACTION)
    sd_fixed = np.array([np.sqrt(common), sd[1]])
    s_c = SIGMAS[CONTRIBUTOR_FRACTION]
    expected_low = _mixture_median(w, mu + np.array([Z90 * s_c, 0.0]), sd_fixed)  # fraction at p10: cheaper
    expected_high = _mixture_median(w, mu - np.array([Z90 * s_c, 0.0]), sd_fixed)
    # Medians of n mixture draws: standard error ~ 0.5 / (sqrt(n) f), f >= 0.3 the log density
    # at the median here, i.e. ~0.004 on the log scale; 0.02 is 5 of them.
    assert np.log(table.base_bcr) == pytest.approx(np.log(_mixture_median(w, mu, sd)), abs=0.02)
    assert np.log(bar.bcr_low) == pytest.approx(np.log(expected_low), abs=0.02)
    assert np.log(bar.bcr_high) == pytest.approx(np.log(expected_high), abs=0.02)
    # Less than the classic full-weight swing of 2 z90 sigma_c, but clearly not zero.
    assert 0.1 * 2 * Z90 * s_c < np.log(bar.bcr_low / bar.bcr_high) < 2 * Z90 * s_c


def test_method_is_an_input_of_the_tornado_ordered_by_median_bcr():
    weights = {k: 0.2 for k in METHOD_KEYS}
    point = {q: 0.0 for q in SIGMAS}
    scenario = _scenario(point, weights, 5000)
    medians = np.array([1000.0, 700.0, 600.0, 650.0, 400.0])
    fte = np.tile(medians, (11, 1))
    table = tornado(scenario, simulate(scenario, fte, seed=3), swing=(0.1, 0.9))
    # Costs at the medians: fraction_ref 0.8 x FTE for commits/lines, 0.3 x 700 for contributors.
    # Dearest to cheapest: commits_pt 800, lines_pt 520, lines_tf 480, commits_tf 320, contributors 210;
    # weights 0.2 each, so p10 -> commits_pytorch, p90 -> contributors_pytorch.
    method = next(b for b in table.bars if b.input == METHOD_INPUT)
    assert (method.value_low, method.value_high) == ("commits_pytorch", "contributors_pytorch")
    assert method.bcr_high / method.bcr_low == pytest.approx(800.0 / 210.0, rel=1e-9)
    assert [b.input for b in table.bars] == [METHOD_INPUT]  # point masses and constant FTE: no bars


def test_variance_shares_match_lognormal_closed_form_with_method_mixture():
    n = 200_000
    rng = np.random.default_rng(3)
    # Two methods in use: contributors (w = 0.4) and commits_tensorflow (w = 0.6).
    weights = {k: 0.0 for k in METHOD_KEYS}
    weights["contributors_pytorch"], weights["commits_tensorflow"] = 0.4, 0.6
    fte_sigma = 0.3
    medians = np.array([900.0, 700.0, 500.0, 500.0, 150.0])
    fte = _lognormal_fte(medians, fte_sigma, n, rng)
    scenario = _scenario(SIGMAS, weights, n)

    shares = dict(variance_shares(simulate(scenario, fte, seed=11)).shares)

    w_c, w_r = 0.4, 0.6
    mu_c = np.log(MEDIANS[CONTRIBUTOR_FRACTION]) + np.log(700.0)
    mu_r = np.log(MEDIANS[REFERENCE_FRACTION]) + np.log(150.0)
    expected = {q: s**2 for q, s in SIGMAS.items() if "fraction" not in q}
    expected[CONTRIBUTOR_FRACTION] = w_c * SIGMAS[CONTRIBUTOR_FRACTION] ** 2
    expected[REFERENCE_FRACTION] = w_r * SIGMAS[REFERENCE_FRACTION] ** 2
    expected[FTE_INPUT] = fte_sigma**2
    expected[METHOD_INPUT] = w_c * w_r * (mu_c - mu_r) ** 2
    total = sum(expected.values())

    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-12)
    assert set(shares) == set(expected)
    # Each share is cov(T_i, Y) / var(Y) from n draws; its standard error is below
    # sqrt(2 / n) ~ 0.0032 here (Gaussian moments), so 0.015 is > 4.5 standard errors.
    for name, value in expected.items():
        assert shares[name] == pytest.approx(value / total, abs=0.015), name


def test_point_masses_have_no_share_and_no_bar():
    sigmas = {q: 0.0 for q in SIGMAS} | {"benefit.haircut": 0.5}
    one_method = {k: float(k == "lines_pytorch") for k in METHOD_KEYS}
    scenario = _scenario(sigmas, one_method, 5000)
    fte = np.tile(np.full(5, 600.0), (3, 1))
    shares = variance_shares(simulate(scenario, fte, seed=2))
    assert shares.shares == (("benefit.haircut", pytest.approx(1.0, abs=1e-12)),)
    assert [b.input for b in tornado(scenario, simulate(scenario, fte, seed=2)).bars] == ["benefit.haircut"]


def test_swing_parsing():
    assert parse_swing("5,95") == (0.05, 0.95)
    for bad in ("95,5", "0,100", "ten,90", "10"):
        with pytest.raises(McValueError):
            parse_swing(bad)
