"""Distributions of the allow-list: parametrisations recovered, closed-form moments, truncation.

Checks are against hand calculations (interval definitions, moment formulas of the
triangular and PERT, the half-normal), not against the code's own output.
"""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import integrate, stats

from mcvalue.priors.families.beta import beta_from_moments
from mcvalue.priors.families.registry import DIST_MODELS


def build(**spec):
    """Validate a spec as a prior file would and return its marginal."""
    return DIST_MODELS[spec["dist"]].model_validate(spec).distribution


def _variance(dist) -> float:
    """Variance of a bounded marginal by quadrature of its quantile function (Var = int (ppf(q) - mean)^2 dq)."""
    mean = dist.mean()
    return integrate.quad(lambda q: (dist.ppf(np.array([q]))[0] - mean) ** 2, 0, 1, epsabs=0, epsrel=1e-12, limit=200)[0]


def test_lognormal_ci90_recovers_its_interval():
    dist = build(dist="lognormal", ci90=[3e12, 5e12])
    np.testing.assert_allclose(dist.ppf(np.array([0.05, 0.95])), [3e12, 5e12], rtol=1e-12)
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(math.sqrt(3e12 * 5e12), rel=1e-12)


def test_ci95_uses_the_2_5_percent_tails():
    dist = build(dist="normal", ci95=[10.0, 30.0])
    np.testing.assert_allclose(dist.ppf(np.array([0.025, 0.975])), [10.0, 30.0], rtol=1e-12)
    # sd = 20 / (2 x 1.959964) by hand
    assert dist.ppf(np.array([stats.norm.cdf(1.0)]))[0] == pytest.approx(20 + 10 / 1.959964, rel=1e-6)


def test_lognormal_by_mean_and_sd_of_x():
    # mean 2, sd 1: sigma^2 = ln(1 + 1/4), median = mean / sqrt(1 + 1/4)
    dist = build(dist="lognormal", mean=2.0, sd=1.0)
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(2 / math.sqrt(1.25), rel=1e-12)
    assert dist.mean() == pytest.approx(2.0, rel=1e-12)


def test_lognormal_by_mu_sigma_of_log():
    dist = build(dist="lognormal", mu=1.0, sigma=0.5)
    assert dist.ppf(np.array([stats.norm.cdf(1.0)]))[0] == pytest.approx(math.exp(1.5), rel=1e-9)


@settings(max_examples=40, deadline=None)
@given(lo=st.floats(1e-3, 1e6), ratio=st.floats(1.01, 1e3))
def test_lognormal_interval_property(lo, ratio):
    dist = build(dist="lognormal", ci90=[lo, lo * ratio])
    np.testing.assert_allclose(dist.ppf(np.array([0.05, 0.95])), [lo, lo * ratio], rtol=1e-9)


def test_beta_by_interval_is_solved():
    dist = build(dist="beta", ci90=[0.05, 0.2])
    np.testing.assert_allclose(dist.ppf(np.array([0.05, 0.95])), [0.05, 0.2], atol=1e-9)


@settings(max_examples=40, deadline=None)
@given(lo=st.floats(0.01, 0.9), width=st.floats(0.02, 0.95))
def test_beta_interval_property(lo, width):
    hi = min(lo + width, 0.99)
    if hi - lo < 0.01:
        return
    dist = build(dist="beta", ci90=[lo, hi])
    np.testing.assert_allclose(dist.ppf(np.array([0.05, 0.95])), [lo, hi], atol=1e-7)


def test_beta_by_mean_and_sd_matches_hand_parameters():
    # Beta(2, 5): mean 2/7, variance 2*5 / (7^2 * 8)
    assert beta_from_moments(2 / 7, math.sqrt(10 / (49 * 8))) == pytest.approx((2.0, 5.0), rel=1e-12)


def test_beta_impossible_moments_are_a_validation_error():
    from pydantic import ValidationError

    with pytest.raises(ValidationError, match="no beta has mean 0.5 and sd 0.6"):
        build(dist="beta", mean=0.5, sd=0.6)


def test_gamma_parametrisations_agree():
    # mean 2, sd 1 -> shape 4, scale 0.5; rate = 1 / scale
    q = np.array([0.1, 0.5, 0.9])
    by_moments = build(dist="gamma", mean=2.0, sd=1.0).ppf(q)
    np.testing.assert_allclose(build(dist="gamma", shape=4.0, scale=0.5).ppf(q), by_moments, rtol=1e-12)
    np.testing.assert_allclose(build(dist="gamma", shape=4.0, rate=2.0).ppf(q), by_moments, rtol=1e-12)


def test_gamma_by_interval_is_solved():
    dist = build(dist="gamma", ci95=[1.0, 9.0])
    np.testing.assert_allclose(dist.ppf(np.array([0.025, 0.975])), [1.0, 9.0], rtol=1e-9)


def test_triangular_moments_match_closed_form():
    dist = build(dist="triangular", min=0.0, mode=1.0, max=5.0)
    assert dist.mean() == pytest.approx((0 + 1 + 5) / 3, rel=1e-12)
    assert _variance(dist) == pytest.approx((0 + 1 + 25 - 0 - 0 - 5) / 18, rel=1e-9)
    # F(mode) = (mode - min) / (max - min) = 0.2
    assert dist.ppf(np.array([0.2]))[0] == pytest.approx(1.0, rel=1e-12)


def test_pert_moments_match_closed_form():
    dist = build(dist="pert", min=0.0, mode=1.0, max=5.0)
    mean = (0 + 4 * 1 + 5) / 6
    assert dist.mean() == pytest.approx(mean, rel=1e-12)
    assert _variance(dist) == pytest.approx((mean - 0) * (5 - mean) / 7, rel=1e-9)
    wide = build(dist="pert", min=0.0, mode=1.0, max=5.0, **{"lambda": 2.0})
    assert wide.mean() == pytest.approx((0 + 2 * 1 + 5) / 4, rel=1e-12)
    assert "lambda=2" in wide.describe()


def test_truncated_normal_is_the_half_normal():
    dist = build(dist="normal", mean=0.0, sd=1.0, lower=0.0)
    # half-normal: median = Phi^-1(0.75) = 0.6744898, mean = sqrt(2 / pi)
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(0.6744897501960817, rel=1e-10)
    assert dist.mean() == pytest.approx(math.sqrt(2 / math.pi), rel=1e-12)


def test_truncation_keeps_draws_inside_bounds():
    dist = build(dist="lognormal", ci90=[0.03, 0.3], lower=0.05, upper=0.1)
    draws = dist.sample(np.random.default_rng(1), 50_000)
    assert draws.min() >= 0.05 and draws.max() <= 0.1
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 1.0])), [0.05, 0.1])
    # the truncated median is the untruncated quantile halfway between F(0.05) and F(0.1)
    untruncated = build(dist="lognormal", ci90=[0.03, 0.3])
    f_lo, f_hi = untruncated.cdf(np.array([0.05, 0.1]))
    assert dist.ppf(np.array([0.5]))[0] == pytest.approx(untruncated.ppf(np.array([(f_lo + f_hi) / 2]))[0], rel=1e-12)


def test_uniform_quantiles():
    dist = build(dist="uniform", min=2.0, max=6.0)
    np.testing.assert_allclose(dist.ppf(np.array([0.0, 0.25, 1.0])), [2.0, 3.0, 6.0])


def test_choice_quantiles_and_frequencies():
    dist = build(dist="choice", values=[3.0, 1.0, 2.0], weights=[0.3, 0.2, 0.5])
    # sorted values 1, 2, 3 with cumulative weights 0.2, 0.7, 1.0
    np.testing.assert_array_equal(dist.ppf(np.array([0.0, 0.1, 0.2, 0.21, 0.7, 0.71, 1.0])), [1, 1, 1, 2, 2, 3, 3])
    n = 100_000
    draws = dist.sample(np.random.default_rng(7), n)
    # each frequency within 4 binomial standard errors of its weight
    for value, weight in ((1.0, 0.2), (2.0, 0.5), (3.0, 0.3)):
        assert abs(np.mean(draws == value) - weight) < 4 * math.sqrt(weight * (1 - weight) / n)
    assert dist.mean() == pytest.approx(0.2 * 1 + 0.5 * 2 + 0.3 * 3)


def test_point_is_constant():
    dist = build(dist="point", value=300_000)
    assert np.all(dist.sample(np.random.default_rng(0), 10) == 300_000.0)
    assert dist.describe() == "point(300K)"  # never e-notation


def test_truncated_sampling_is_inverse_cdf_of_the_generator_uniforms():
    """Truncated marginals: sample = ppf(uniforms of the same generator), inside the bounds."""
    dist = build(dist="beta", ci90=[0.05, 0.2], upper=0.15)
    draws = dist.sample(np.random.default_rng(42), 1000)
    np.testing.assert_array_equal(draws, dist.ppf(np.random.default_rng(42).uniform(size=1000)))
    assert draws.max() <= 0.15


@pytest.mark.parametrize("spec", [dict(dist="beta", ci90=[0.05, 0.2]), dict(dist="gamma", shape=2.0, scale=3.0)])
def test_untruncated_sample_quantiles_agree_with_ppf_within_monte_carlo_error(spec):
    """Numpy's sampler and our ppf describe the same distribution.

    The empirical CDF at ppf(q) is within 4 sd = 4 sqrt(q (1 - q) / n) of q.
    """
    dist = build(**spec)
    n = 200_000
    draws = dist.sample(np.random.default_rng(11), n)
    for q in (0.05, 0.5, 0.95):
        assert abs(np.mean(draws <= dist.ppf(np.array([q]))[0]) - q) < 4 * math.sqrt(q * (1 - q) / n)


def test_sample_quantiles_agree_with_ppf_within_monte_carlo_error():
    dist = build(dist="lognormal", ci90=[1.5e5, 4e5], upper=3.5e5)
    n = 200_000
    draws = dist.sample(np.random.default_rng(3), n)
    # the empirical CDF at ppf(q) has sd sqrt(q (1 - q) / n) ~ 0.0011; allow 4 of them
    for q in (0.05, 0.5, 0.9):
        assert abs(np.mean(draws <= dist.ppf(np.array([q]))[0]) - q) < 4 * math.sqrt(q * (1 - q) / n)


def test_describe_keeps_the_users_parametrisation():
    assert build(dist="lognormal", ci90=[1.5e5, 4e5], upper=1e6).describe() == "lognormal(ci90=[150K, 400K], upper=1M)"
    assert build(dist="beta", alpha=2.0, beta=5.0).describe() == "beta(alpha=2, beta=5)"
