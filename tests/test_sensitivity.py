"""Tornado and variance shares against hand calculations and the lognormal closed form.

With every input lognormal, log BCR is a sum of independent normals (per costing method),
so each input's share of var(log BCR) is known exactly: sigma_i^2 / sum_j sigma_j^2,
with the method mixture adding the between-method variance w (1 - w) (mu_1 - mu_2)^2.
"""

from dataclasses import dataclass

import numpy as np
import pytest
from scipy.special import ndtri

from mcvalue.paper import METHOD_KEYS
from mcvalue.priors.spec import DataSettings, RunSettings, Scenario
from mcvalue.sensitivity import (
    CONTRIBUTOR_FRACTION,
    FTE_INPUT,
    METHOD_INPUT,
    REFERENCE_FRACTION,
    tornado,
    variance_shares,
)
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


def test_dominant_input_ranks_first_and_bars_match_hand_calculation():
    sigmas = dict(SIGMAS, **{"benefit.attribution_share": 2.0})  # dominant
    one_method = {k: float(k == "contributors_pytorch") for k in METHOD_KEYS}
    scenario = _scenario(sigmas, one_method, 1000)
    fte = _lognormal_fte(np.full(5, 700.0), 0.2, 20_001, np.random.default_rng(1))

    table = tornado(scenario, fte, swing=(0.1, 0.9), cost_model="test")

    assert table.bars[0].input == "benefit.attribution_share"
    # Base: every input at its median; contributors method uses the contributor fraction.
    fte_median = float(np.median(fte[:, 1]))
    m = MEDIANS
    base = (m["benefit.ai_value_usd"] * m["benefit.haircut"] * m["benefit.attribution_share"] * m["benefit.mloss_share"]) / (
        m["cost.salary_usd"] * fte_median * m["cost.coverage"] * m["cost.fte_fraction_contributor"]
    )
    assert table.base_bcr == pytest.approx(base, rel=1e-9)
    # A lognormal benefit factor at its p10 / p90 scales the BCR by exp(-/+ z90 sigma).
    bar = table.bars[0]
    assert bar.bcr_low == pytest.approx(base * np.exp(-Z90 * 2.0), rel=1e-9)
    assert bar.bcr_high == pytest.approx(base * np.exp(Z90 * 2.0), rel=1e-9)
    # A cost factor moves it the other way; the reference fraction is unused by the base method.
    salary = next(b for b in table.bars if b.input == "cost.salary_usd")
    assert salary.bcr_low == pytest.approx(base * np.exp(Z90 * 0.3), rel=1e-9)
    unused = next(b for b in table.bars if b.input == REFERENCE_FRACTION)
    assert unused.width == 0.0
    widths = [b.width for b in table.bars]
    assert widths == sorted(widths, reverse=True)


def test_method_is_an_input_of_the_tornado_ordered_by_cost():
    weights = {k: 0.2 for k in METHOD_KEYS}
    scenario = _scenario(SIGMAS, weights, 1000)
    medians = np.array([1000.0, 700.0, 600.0, 650.0, 400.0])
    fte = np.tile(medians, (11, 1))
    table = tornado(scenario, fte, swing=(0.1, 0.9))
    # Costs at the medians: fraction_ref 0.8 x FTE for commits/lines, 0.3 x 700 for contributors.
    # Cheapest to dearest: contributors 210, commits_tf 320, lines_tf 480, lines_pt 520, commits_pt 800;
    # weights 0.2 each, so p10 -> contributors, median -> lines_tensorflow, p90 -> commits_pytorch.
    assert table.base_method == "lines_tensorflow"
    method = next(b for b in table.bars if b.input == METHOD_INPUT)
    assert method.bcr_low / method.bcr_high == pytest.approx(800.0 / 210.0, rel=1e-9)
    assert all(b.input != FTE_INPUT for b in table.bars)  # constant FTE draws are not uncertain


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
    assert [b.input for b in tornado(scenario, fte).bars] == ["benefit.haircut"]


def test_swing_parsing():
    import typer

    from mcvalue.cli.options import parse_swing

    assert parse_swing("5,95") == (0.05, 0.95)
    for bad in ("95,5", "0,100", "ten,90", "10"):
        with pytest.raises(typer.BadParameter):
            parse_swing(bad)
