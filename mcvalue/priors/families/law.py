"""What every continuous family's law provides, and the error a family raises when no member fits.

A law is an untruncated continuous family with its parameters fixed: a small frozen
dataclass giving the CDF, survival function, quantile function, the partial mean
``E[X; lo < X <= hi]`` in closed form, and a sampler that uses only the numpy
``Generator`` passed in. Laws replace ``scipy.stats`` frozen distributions, whose import
alone (~1 s) made ``mcvalue priors show`` slow (issue 8): ``scipy.special`` does not
import ``scipy.stats``.

Partial means are closed forms (a size-biased law for the lognormal, gamma and beta,
``phi`` differences for the normal, polynomials for the triangular) rather than
quadrature of the quantile function: a wide lognormal's mean sits so far in the upper
tail that no grid over probabilities in double precision reaches it.

Probability masses between two points use the CDF in the lower half and the survival
function in the upper half, so a slice far in the upper tail keeps its relative precision.
Separate from :mod:`~mcvalue.priors.families.base` because the quantile fit
(:mod:`~mcvalue.priors.families.quantiles`) needs it and the base needs that fit.
"""

from typing import Protocol

import numpy as np
import numpy.typing as npt

#: A vector of floats, what every law takes and returns.
Floats = npt.NDArray[np.float64]

#: Two-sided coverage of each interval key.
INTERVAL_LEVELS: dict[str, float] = {"ci90": 0.90, "ci95": 0.95}


class SolveError(ValueError):
    """No distribution of the family matches the requested interval."""


class Law(Protocol):
    """An untruncated continuous family with its parameters fixed."""

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """P(X <= x), vectorised."""
        ...

    def sf(self, x: npt.ArrayLike) -> Floats:
        """P(X > x), vectorised, accurate where the CDF is close to 1."""
        ...

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Quantile function, vectorised."""
        ...

    def partial_mean(self, lo: float, hi: float) -> float:
        """E[X; lo < X <= hi] (infinite bounds allowed)."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``n`` independent draws from ``rng`` alone."""
        ...


def mass(law: Law, lo: float, hi: float) -> float:
    """P(lo < X <= hi), from the CDF below the median and the survival function above it."""
    f_lo = float(law.cdf(np.asarray(lo)))
    if f_lo <= 0.5:
        return max(float(law.cdf(np.asarray(hi))) - f_lo, 0.0)
    return max(float(law.sf(np.asarray(lo))) - float(law.sf(np.asarray(hi))), 0.0)


def floats(x: npt.ArrayLike) -> Floats:
    """Return ``x`` as an array of floats."""
    return np.asarray(x, dtype=float)


def interval_tails(key: str) -> tuple[float, float]:
    """Lower and upper tail probabilities of an interval key: ci90 -> (0.05, 0.95)."""
    tail = (1.0 - INTERVAL_LEVELS[key]) / 2.0
    return tail, 1.0 - tail
