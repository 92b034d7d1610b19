"""The gamma family: by shape + scale, shape + rate, mean + sd, a central interval, or quantiles."""

from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors.families.base import ContinuousFamily, Interval, Positive, Quantiles
from mcvalue.priors.families.law import Floats, Law, SolveError, floats, interval_tails, mass
from mcvalue.priors.families.quantiles import LawOf, normal_through
from mcvalue.priors.settings import Distribution


@dataclass(frozen=True)
class GammaLaw:
    """Gamma with ``shape`` k and ``scale`` theta."""

    shape: float
    scale: float

    def _unit(self, x: npt.ArrayLike) -> Floats:
        return np.maximum(floats(x), 0.0) / self.scale

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Regularised lower incomplete gamma P(k, x / theta)."""
        return cast(Floats, special.gammainc(self.shape, self._unit(x)))

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Regularised upper incomplete gamma Q(k, x / theta)."""
        return cast(Floats, special.gammaincc(self.shape, self._unit(x)))

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Return theta P^-1(k, q)."""
        return cast(Floats, self.scale * special.gammaincinv(self.shape, floats(q)))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return k theta times the slice's mass under gamma(k + 1, theta)."""
        return self.shape * self.scale * mass(GammaLaw(self.shape + 1.0, self.scale), lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``rng.gamma``."""
        return rng.gamma(self.shape, self.scale, size=n)


def gamma_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Shape and scale of the gamma whose central interval ``key`` is [lo, hi], 0 < lo < hi.

    The ratio hi / lo fixes the shape alone (scale cancels) and falls as the shape grows;
    the shape is found by bisection on log(shape) to 1e-12, then scale = lo / ppf(p_lo; shape).
    """
    p_lo, p_hi = interval_tails(key)
    target = np.log(hi / lo)

    def gap(log_k: float) -> float:
        k = np.exp(log_k)
        return float(np.log(special.gammaincinv(k, p_hi) / special.gammaincinv(k, p_lo)) - target)

    lo_k, hi_k = np.log(0.05), np.log(1e7)
    if not gap(lo_k) > 0 > gap(hi_k):
        raise SolveError(f"no gamma distribution has {key} = [{plain(lo)}, {plain(hi)}]")
    while hi_k - lo_k > 1e-12:
        middle = (lo_k + hi_k) / 2
        lo_k, hi_k = (middle, hi_k) if gap(middle) > 0 else (lo_k, middle)
    shape = float(np.exp((lo_k + hi_k) / 2))
    return shape, lo / float(special.gammaincinv(shape, p_lo))


class GammaSpec(ContinuousFamily):
    """Gamma by shape + scale, shape + rate, mean + sd, or a central interval."""

    dist: Literal["gamma"]
    shape: Positive | None = None
    scale: Positive | None = None
    rate: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("shape", "scale"), ("shape", "rate"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))
    SYNOPSIS = "shape + scale | shape + rate | mean + sd | ci90 | ci95 | quantiles"
    EXAMPLE = {"dist": "gamma", "shape": 3.2, "scale": 0.5}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("shape", "scale"):
            k, theta = self._number("shape"), self._number("scale")
        elif keys == ("shape", "rate"):
            k, theta = self._number("shape"), 1.0 / self._number("rate")
        elif keys == ("mean", "sd"):
            mean, sd = self._number("mean"), self._number("sd")
            k, theta = (mean / sd) ** 2, sd**2 / mean
        else:
            lo, hi = self._pair(keys[0])
            if not lo > 0:
                raise SolveError(f"{keys[0]} lower end {lo:g} must be > 0 for a gamma")
            k, theta = gamma_from_interval(keys[0], lo, hi)
        return self._truncated(GammaLaw(k, theta), keys)

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the gamma's law of (log shape, log scale) and one start: the moments of the normal through the outermost quantiles."""
        if not values[0] > 0:
            raise SolveError("quantiles values must be > 0 for a gamma")
        mean, sd = normal_through(probs, values)
        mean, sd = max(mean, values[0]), max(sd, 1e-12 * values[-1])

        def make(theta: Floats) -> Law:
            return GammaLaw(float(np.exp(theta[0])), float(np.exp(theta[1])))

        return make, [np.log([(mean / sd) ** 2, sd**2 / mean])]
