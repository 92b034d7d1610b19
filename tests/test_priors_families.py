"""Checks every registered prior family passes, run on its ``EXAMPLE`` (a new family gets them by registering).

Each family lives in its own module of :mod:`mcvalue.priors.families` and is listed in
:data:`~mcvalue.priors.families.registry.FAMILIES`. On the family's example table, and on
the same table truncated, the checks are: the quantile function is non-decreasing and the
CDF inverts it; seeded draws fall below each quantile with the stated probability and
average to the closed-form mean, within 5 Monte Carlo standard errors; and a family that
takes ``ci90`` / ``ci95`` / ``quantiles`` reproduces the interval or quantiles it is given.
"""

import importlib
import pkgutil

import numpy as np
import pytest

from mcvalue.priors import families
from mcvalue.priors.families.registry import DIST_MODELS, FAMILIES
from mcvalue.priors.template import TEMPLATE

#: Modules of the package that hold what families share, not a family.
SHARED = {"base", "law", "quantiles", "registry"}
Q = np.array([0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99])
DRAWS = 200_000
#: Monte Carlo tolerance in standard errors (a seeded test: a failure is a real change, not bad luck).
Z = 5.0


def _build(table):
    return DIST_MODELS[table["dist"]].model_validate(table).distribution


def _truncated(name):
    """Return the example truncated to its own p20..p80 (continuous families only), else None."""
    spec = DIST_MODELS[name]
    if "lower" not in spec.model_fields:
        return None
    low, high = _build(spec.EXAMPLE).ppf(np.array([0.2, 0.8]))
    return {**spec.EXAMPLE, "lower": float(low), "upper": float(high)}


def _cases():
    cases = []
    for name in DIST_MODELS:
        cases.append(pytest.param(DIST_MODELS[name].EXAMPLE, id=name))
        truncated = _truncated(name)
        if truncated is not None:
            cases.append(pytest.param(truncated, id=f"{name}-truncated"))
    return cases


def test_every_family_has_its_module_and_every_family_module_is_registered():
    modules = {m.name for m in pkgutil.iter_modules(families.__path__)} - SHARED
    assert modules == set(DIST_MODELS), "one module per family, named as its dist, each listed in registry.FAMILIES"
    for name, spec in DIST_MODELS.items():
        assert spec.__module__ == f"mcvalue.priors.families.{name}"
        assert importlib.import_module(spec.__module__).__doc__, f"the {name} module says what it holds"
    assert len(FAMILIES) == len(DIST_MODELS), "a family registered twice"


@pytest.mark.parametrize("name", DIST_MODELS)
def test_every_family_example_is_a_valid_table_of_its_family(name):
    spec = DIST_MODELS[name]
    assert spec.EXAMPLE["dist"] == name
    assert f"#   {name:<11} {spec.SYNOPSIS}\n" in TEMPLATE, "priors new lists the family and its keys"
    assert spec.model_validate(spec.EXAMPLE).distribution.describe().startswith(f"{name}(")


@pytest.mark.parametrize("table", _cases())
def test_quantile_function_is_monotone_and_the_cdf_inverts_it(table):
    dist = _build(table)
    x = dist.ppf(Q)
    assert np.all(np.diff(x) >= 0)
    if hasattr(dist, "cdf"):  # continuous: F(F^-1(q)) = q
        np.testing.assert_allclose(dist.cdf(x), Q, rtol=0, atol=1e-9)
    if "lower" in table:
        assert table["lower"] <= x[0] and x[-1] <= table["upper"]


@pytest.mark.parametrize("table", _cases())
def test_draws_match_the_quantile_function_and_the_mean_within_monte_carlo_error(table):
    """P(X < F^-1(q)) <= q <= P(X <= F^-1(q)) (equalities for a continuous family), and the sample mean."""
    dist = _build(table)
    draws = dist.sample(np.random.default_rng(20220218), DRAWS)
    assert draws.shape == (DRAWS,)
    x = dist.ppf(Q)
    below = (draws[:, None] < x).mean(axis=0)
    at_or_below = (draws[:, None] <= x).mean(axis=0)
    se = np.sqrt(Q * (1 - Q) / DRAWS)
    assert np.all(below <= Q + Z * se) and np.all(Q - Z * se <= at_or_below)
    sd = draws.std()
    assert abs(draws.mean() - dist.mean()) <= Z * sd / np.sqrt(DRAWS) + 1e-12 * abs(dist.mean())


def _taking(*keys):
    """Return the registered families whose spec has every one of ``keys``."""
    return [name for name, spec in DIST_MODELS.items() if all(k in spec.model_fields for k in keys)]


@pytest.mark.parametrize("name", _taking("ci90", "ci95"))
@pytest.mark.parametrize("key", ["ci90", "ci95"])
def test_a_family_given_an_interval_reproduces_it(name, key):
    spec = DIST_MODELS[name]
    tails = {"ci90": [0.05, 0.95], "ci95": [0.025, 0.975]}[key]
    interval = [float(v) for v in _build(spec.EXAMPLE).ppf(np.array(tails))]
    fitted = _build({"dist": name, key: interval})
    np.testing.assert_allclose(fitted.ppf(np.array(tails)), interval, rtol=1e-6)


@pytest.mark.parametrize("name", _taking("quantiles"))
def test_a_family_given_its_own_quantiles_reproduces_them(name):
    """Three exact quantiles of the example are fitted back: each within 0.1 percentile point of its probability."""
    spec = DIST_MODELS[name]
    probs = np.array([0.1, 0.5, 0.9])
    values = _build(spec.EXAMPLE).ppf(probs)
    fitted = _build({"dist": name, "quantiles": {str(p): float(v) for p, v in zip(probs, values, strict=True)}})
    np.testing.assert_allclose(fitted.cdf(values), probs, rtol=0, atol=1e-3)
