"""The normal family: by mean + sd, a central interval, or fitted to quantiles."""

import math
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from scipy import special

from mcvalue.priors.families.base import ContinuousFamily, Interval, Positive, Quantiles
from mcvalue.priors.families.law import Floats, Law, floats, interval_tails, mass
from mcvalue.priors.families.quantiles import LawOf, normal_through
from mcvalue.priors.settings import Distribution

_SQRT_2PI = math.sqrt(2.0 * math.pi)


@dataclass(frozen=True)
class NormalLaw:
    """Normal with mean ``mu`` and standard deviation ``sd``."""

    mu: float
    sd: float

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Phi((x - mu) / sd)."""
        return cast(Floats, special.ndtr((floats(x) - self.mu) / self.sd))

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Phi((mu - x) / sd)."""
        return cast(Floats, special.ndtr((self.mu - floats(x)) / self.sd))

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Return mu + sd Phi^-1(q)."""
        return cast(Floats, self.mu + self.sd * special.ndtri(floats(q)))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return mu P(lo < X <= hi) + sd (phi(alpha) - phi(beta)), alpha and beta the standardised bounds."""
        alpha, beta = (lo - self.mu) / self.sd, (hi - self.mu) / self.sd
        density = (math.exp(-alpha * alpha / 2.0) - math.exp(-beta * beta / 2.0)) / _SQRT_2PI
        return self.mu * mass(self, lo, hi) + self.sd * density

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``rng.normal``."""
        return rng.normal(self.mu, self.sd, size=n)


def normal_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Mean and sd of the normal whose central interval ``key`` is [lo, hi]."""
    z = float(special.ndtri(interval_tails(key)[1]))
    return (lo + hi) / 2.0, (hi - lo) / (2.0 * z)


class NormalSpec(ContinuousFamily):
    """Normal by mean + sd or a central interval."""

    dist: Literal["normal"]
    mean: float | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))
    SYNOPSIS = "mean + sd | ci90 | ci95 | quantiles"
    EXAMPLE = {"dist": "normal", "mean": 1.5, "sd": 0.7}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("mean", "sd"):
            mean, sd = self._number("mean"), self._number("sd")
        else:
            mean, sd = normal_from_interval(keys[0], *self._pair(keys[0]))
        return self._truncated(NormalLaw(mean, sd), keys)

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the normal's law of (mu, log sd) and one start: the normal through the outermost quantiles."""
        mu, sd = normal_through(probs, values)

        def make(theta: Floats) -> Law:
            return NormalLaw(theta[0], float(np.exp(theta[1])))

        return make, [np.array([mu, np.log(sd)])]
