"""Brent's root finder: scipy's brentq float for float, known roots, and the errors it must raise."""

import math

import numpy as np
import pytest

from mcvalue.decision.roots import brentq


def _functions():
    rng = np.random.default_rng(0)
    for i in range(600):
        c, s = rng.normal(size=3), rng.uniform(0.1, 5.0)
        yield [
            lambda x, c=c: c[0] + c[1] * x + c[2] * x**3,
            lambda x, c=c, s=s: math.tanh(s * (x - c[0])) + 0.1 * c[1],
            lambda x, c=c: math.floor(10 * x + c[0]) / 10 - 0.3 * c[1],  # a step function, like a median of draws
            lambda x, c=c, s=s: math.exp(s * x) - math.exp(abs(c[0])),
        ][i % 4]


def test_same_float_as_scipys_brentq():
    optimize = pytest.importorskip("scipy.optimize")
    compared = 0
    for f in _functions():
        if np.sign(f(-3.0)) == np.sign(f(3.0)):
            continue
        for xtol in (1e-5, 2e-12):
            assert brentq(f, -3.0, 3.0, xtol=xtol) == optimize.brentq(f, -3.0, 3.0, xtol=xtol)
            compared += 1
    assert compared > 800


def test_known_roots():
    assert brentq(lambda x: x * x - 2.0, 0.0, 2.0) == pytest.approx(math.sqrt(2.0), abs=1e-12)
    assert brentq(math.cos, 0.0, 3.0) == pytest.approx(math.pi / 2, abs=1e-12)
    assert brentq(lambda x: x - 1.0, 1.0, 5.0) == 1.0  # a root at an end is returned as it is


def test_refuses_a_bracket_without_sign_change_and_bad_tolerances():
    with pytest.raises(ValueError, match="different signs"):
        brentq(lambda x: x * x + 1.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="xtol"):
        brentq(lambda x: x, -1.0, 1.0, xtol=0.0)
    with pytest.raises(RuntimeError, match="converge"):
        brentq(lambda x: math.tanh(50.0 * (x - 0.3)), -1.0, 2.0, maxiter=2)
