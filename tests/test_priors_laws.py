"""The laws of the continuous families (:mod:`mcvalue.priors.families`) against scipy.stats, and the import budget of issue 8.

scipy.stats is imported here only: the package itself must not need it. Every CDF,
survival function, quantile and (truncated) mean is compared with scipy's to 1e-10
relative; every sampler is checked with a seeded Kolmogorov-Smirnov test.
"""

import json
import subprocess
import sys

import numpy as np
import pytest
from scipy import integrate, stats

from mcvalue.priors.families.base import Continuous
from mcvalue.priors.families.beta import BetaLaw
from mcvalue.priors.families.gamma import GammaLaw
from mcvalue.priors.families.lognormal import LognormalLaw
from mcvalue.priors.families.normal import NormalLaw
from mcvalue.priors.families.triangular import TriangularLaw
from mcvalue.priors.families.uniform import UniformLaw

#: (our law, the same distribution in scipy.stats) for every family, PERT as a scaled beta.
PAIRS = {
    "uniform": (UniformLaw(2.0, 6.0), stats.uniform(loc=2.0, scale=4.0)),
    "normal": (NormalLaw(1.5, 0.7), stats.norm(1.5, 0.7)),
    "lognormal": (LognormalLaw(12.0, 0.6), stats.lognorm(s=0.6, scale=np.exp(12.0))),
    "beta": (BetaLaw(2.5, 7.0), stats.beta(2.5, 7.0)),
    "beta_small_shapes": (BetaLaw(0.4, 0.6), stats.beta(0.4, 0.6)),
    "pert": (BetaLaw(1.8, 4.2, loc=10.0, scale=5.0), stats.beta(1.8, 4.2, loc=10.0, scale=5.0)),
    "gamma": (GammaLaw(3.2, 0.5), stats.gamma(3.2, scale=0.5)),
    "gamma_small_shape": (GammaLaw(0.3, 2.0), stats.gamma(0.3, scale=2.0)),
    "triangular": (TriangularLaw(0.0, 1.0, 5.0), stats.triang(0.2, loc=0.0, scale=5.0)),
    "triangular_left_peak": (TriangularLaw(3.0, 3.0, 4.0), stats.triang(0.0, loc=3.0, scale=1.0)),
    "triangular_right_peak": (TriangularLaw(3.0, 4.0, 4.0), stats.triang(1.0, loc=3.0, scale=1.0)),
}
Q = np.array([1e-6, 0.001, 0.05, 0.2, 0.5, 0.8, 0.95, 0.999])
RTOL = 1e-10


@pytest.mark.parametrize("name", PAIRS)
def test_ppf_cdf_sf_match_scipy(name):
    """Quantiles, CDF and survival function agree with scipy.stats to 1e-10 relative."""
    law, frozen = PAIRS[name]
    np.testing.assert_allclose(law.ppf(Q), frozen.ppf(Q), rtol=RTOL)
    x = frozen.ppf(Q)
    np.testing.assert_allclose(law.cdf(x), frozen.cdf(x), rtol=RTOL)
    np.testing.assert_allclose(law.sf(x), frozen.sf(x), rtol=RTOL)


@pytest.mark.parametrize("name", PAIRS)
def test_untruncated_mean_matches_scipy(name):
    """The closed-form mean over the whole line is scipy's mean."""
    law, frozen = PAIRS[name]
    assert Continuous(law, name).mean() == pytest.approx(frozen.mean(), rel=RTOL)


@pytest.mark.filterwarnings("ignore::scipy.integrate.IntegrationWarning")
@pytest.mark.parametrize("name", PAIRS)
@pytest.mark.parametrize(
    "slice_", [(0.1, 0.7), (None, 0.3), (0.6, None), (0.999, 0.9999)], ids=["inner", "upper", "lower", "far_tail"]
)
def test_truncated_mean_and_quantiles_match_scipy(name, slice_):
    """Bounds at the untruncated quantiles p_lo, p_hi: the mean is the average of scipy's ppf on (p_lo, p_hi).

    Adaptive quadrature of the quantile function copes with the endpoint singularities
    that defeat integrating x pdf(x) for small beta and gamma shapes.
    """
    law, frozen = PAIRS[name]
    lower, upper = (None if p is None else float(frozen.ppf(p)) for p in slice_)
    p_lo, p_hi = (0.0 if slice_[0] is None else slice_[0]), (1.0 if slice_[1] is None else slice_[1])
    dist = Continuous(law, name, lower, upper)
    expected = integrate.quad(frozen.ppf, p_lo, p_hi, epsabs=0, epsrel=1e-13, limit=500)[0] / (p_hi - p_lo)
    assert dist.mean() == pytest.approx(expected, rel=RTOL)
    assert dist.kept_mass() == pytest.approx(p_hi - p_lo, rel=1e-9)
    q = np.array([0.25, 0.5])
    np.testing.assert_allclose(dist.ppf(q), frozen.ppf(p_lo + q * (p_hi - p_lo)), rtol=1e-9)


def test_normal_truncated_mean_is_scipy_truncnorm_in_the_far_tail():
    """Far in the upper tail the CDF difference cancels; the survival function keeps 1e-10."""
    dist = Continuous(NormalLaw(0.0, 1.0), "normal", 6.0, 7.0)
    assert dist.mean() == pytest.approx(stats.truncnorm(6.0, 7.0).mean(), rel=RTOL)
    assert dist.kept_mass() == pytest.approx(stats.norm.sf(6.0) - stats.norm.sf(7.0), rel=RTOL)


def test_wide_lognormal_mean_is_the_closed_form():
    """A lognormal with sigma = 8: the mean exp(mu + sigma^2 / 2) lies where the CDF rounds to 1."""
    assert Continuous(LognormalLaw(0.0, 8.0), "lognormal").mean() == pytest.approx(np.exp(32.0), rel=1e-13)


@pytest.mark.parametrize("name", PAIRS)
def test_sampler_draws_the_distribution(name):
    """Seeded Kolmogorov-Smirnov test of the numpy sampler against scipy's CDF."""
    law, frozen = PAIRS[name]
    draws = law.sample(np.random.default_rng(2022), 20_000)
    assert stats.kstest(draws, frozen.cdf).pvalue > 1e-3


@pytest.mark.parametrize("name", PAIRS)
def test_sampler_uses_only_the_generator_given(name):
    """Same seed, same draws whatever numpy's global state; another seed, other draws."""
    law, _ = PAIRS[name]
    first = law.sample(np.random.default_rng(5), 100)
    np.random.seed(0)  # numpy's global state must not matter
    np.testing.assert_array_equal(law.sample(np.random.default_rng(5), 100), first)
    assert not np.array_equal(law.sample(np.random.default_rng(6), 100), first)


def test_truncated_continuous_samples_the_truncated_distribution():
    """Inverse-CDF draws of a truncated gamma follow the conditioned CDF."""
    law, frozen = PAIRS["gamma"]
    dist = Continuous(law, "gamma", 1.0, 2.5)
    draws = dist.sample(np.random.default_rng(9), 20_000)
    truncated_cdf = lambda x: (frozen.cdf(x) - frozen.cdf(1.0)) / (frozen.cdf(2.5) - frozen.cdf(1.0))  # noqa: E731
    assert stats.kstest(draws, truncated_cdf).pvalue > 1e-3
    np.testing.assert_allclose(dist.cdf(np.array([1.0, 2.5])), [0.0, 1.0])


HEAVY = ("scipy.stats", "pandas", "pymc", "arviz", "matplotlib")


def test_prior_commands_import_no_heavy_module():
    """Issue 8: loading, showing and checking priors must not import scipy.stats, pandas, pymc, arviz, matplotlib."""
    code = (
        "import json, sys\n"
        "from mcvalue.priors.load import load_scenario\n"
        "from mcvalue.priors.show import check_line, render, show_record\n"
        "s = load_scenario(None)\n"
        f"after_load = [m for m in {HEAVY!r} if m in sys.modules]\n"
        "render(show_record(s)); check_line(s)\n"
        f"print(json.dumps({{'load': after_load, 'show': [m for m in {HEAVY!r} if m in sys.modules]}}))\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert json.loads(done.stdout) == {"load": [], "show": []}


@pytest.mark.parametrize("module", ["scipy.special", "scipy.optimize"])
def test_scipy_modules_the_priors_use_do_not_import_stats(module):
    """The premise of the families' laws: scipy.special and scipy.optimize load without scipy.stats."""
    code = f"import sys, {module}; print('scipy.stats' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert done.stdout.strip() == "False"
