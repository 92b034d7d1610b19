"""The lognormal family: by mu + sigma of log x, mean + sd of x, a central interval of x, or quantiles."""

import math
from dataclasses import dataclass
from typing import Literal, cast

import numpy as np
import numpy.typing as npt
from scipy import special

from mcvalue.priors.families.base import ContinuousFamily, Interval, Positive, Quantiles
from mcvalue.priors.families.law import Floats, Law, SolveError, floats, mass
from mcvalue.priors.families.normal import normal_from_interval
from mcvalue.priors.families.quantiles import LawOf, normal_through
from mcvalue.priors.settings import Distribution

#: Largest lognormal sigma (of log x) accepted: wider is not a belief but a numerical hazard.
MAX_LOG_SIGMA = 10.0


@dataclass(frozen=True)
class LognormalLaw:
    """Lognormal: log X is normal with mean ``mu`` and standard deviation ``sigma``."""

    mu: float
    sigma: float

    def _z(self, x: npt.ArrayLike) -> Floats:
        x = floats(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, (np.log(np.where(x > 0, x, 1.0)) - self.mu) / self.sigma, -np.inf)

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Phi((log x - mu) / sigma), 0 for x <= 0."""
        return cast(Floats, special.ndtr(self._z(x)))

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Phi((mu - log x) / sigma), 1 for x <= 0."""
        return cast(Floats, special.ndtr(-self._z(x)))

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Return exp(mu + sigma Phi^-1(q))."""
        return cast(Floats, np.exp(self.mu + self.sigma * special.ndtri(floats(q))))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return exp(mu + sigma^2 / 2) times the slice's mass under lognormal(mu + sigma^2, sigma)."""
        biased = LognormalLaw(self.mu + self.sigma**2, self.sigma)
        return math.exp(self.mu + self.sigma**2 / 2.0) * mass(biased, lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``rng.lognormal``."""
        return rng.lognormal(self.mu, self.sigma, size=n)


def lognormal_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Return mu and sigma of log x for the lognormal whose central interval ``key`` is [lo, hi] (lo > 0)."""
    return normal_from_interval(key, float(np.log(lo)), float(np.log(hi)))


def lognormal_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return mu and sigma of log x for a lognormal with the given mean and sd of x."""
    sigma2 = np.log1p((sd / mean) ** 2)
    return float(np.log(mean) - sigma2 / 2.0), float(np.sqrt(sigma2))


class LognormalSpec(ContinuousFamily):
    """Lognormal by mu + sigma of log x, mean + sd of x, or a central interval of x."""

    dist: Literal["lognormal"]
    mu: float | None = None
    sigma: Positive | None = None
    mean: Positive | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("mu", "sigma"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))
    SYNOPSIS = "mu + sigma (of log x) | mean + sd (of x) | ci90 | ci95 | quantiles"
    EXAMPLE = {"dist": "lognormal", "ci90": [150_000.0, 400_000.0]}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("mu", "sigma"):
            mu, sigma = self._number("mu"), self._number("sigma")
        elif keys == ("mean", "sd"):
            mu, sigma = lognormal_from_moments(self._number("mean"), self._number("sd"))
        else:
            lo, hi = self._pair(keys[0])
            if not lo > 0:
                raise SolveError(f"{keys[0]} lower end {lo:g} must be > 0 for a lognormal")
            mu, sigma = lognormal_from_interval(keys[0], lo, hi)
        if sigma > MAX_LOG_SIGMA:
            raise SolveError(
                f"{self._label(keys)} has sigma = {sigma:.4g} (of log x), above {MAX_LOG_SIGMA:g}: "
                "its 90% interval would span a factor of more than 1e14"
            )
        return self._truncated(LognormalLaw(mu, sigma), keys)

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the lognormal's law of (mu, log sigma) and one start: the normal of log x through the outermost quantiles."""
        if not values[0] > 0:
            raise SolveError("quantiles values must be > 0 for a lognormal")
        mu, sigma = normal_through(probs, np.log(values))

        def make(theta: Floats) -> Law:
            return LognormalLaw(theta[0], float(np.exp(theta[1])))

        return make, [np.array([mu, np.log(sigma)])]
