"""The uniform family: uniform on [min, max], given by its ends or fitted to quantiles."""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from mcvalue.priors.families.base import ContinuousFamily, Quantiles
from mcvalue.priors.families.law import Floats, Law, SolveError, floats
from mcvalue.priors.families.quantiles import LawOf, Support, uniform_through
from mcvalue.priors.settings import Distribution


@dataclass(frozen=True)
class UniformLaw:
    """Uniform on [low, high]."""

    low: float
    high: float

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Linear from 0 at ``low`` to 1 at ``high``."""
        return np.clip((floats(x) - self.low) / (self.high - self.low), 0.0, 1.0)

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Linear from 1 at ``low`` to 0 at ``high``."""
        return np.clip((self.high - floats(x)) / (self.high - self.low), 0.0, 1.0)

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """``low + q (high - low)``."""
        return self.low + floats(q) * (self.high - self.low)

    def partial_mean(self, lo: float, hi: float) -> float:
        """Mass of the overlap times its midpoint."""
        a, b = max(lo, self.low), min(hi, self.high)
        if not a < b:
            return 0.0
        return (b - a) / (self.high - self.low) * (a + b) / 2.0

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``rng.uniform``."""
        return rng.uniform(self.low, self.high, size=n)


class UniformSpec(ContinuousFamily):
    """Uniform on [min, max], given by its ends or fitted to quantiles."""

    dist: Literal["uniform"]
    min: float | None = None
    max: float | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("min", "max"), ("quantiles",))
    SYNOPSIS = "min, max | quantiles"
    EXAMPLE = {"dist": "uniform", "min": 2.0, "max": 6.0}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        low, high = self._number("min"), self._number("max")
        if not low < high:
            raise SolveError(f"min = {low:g} is not below max = {high:g}")
        return self._truncated(UniformLaw(low, high), keys)

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the uniform's law of :class:`~mcvalue.priors.families.quantiles.Support` and two starts.

        The starts are the uniform through the outermost quantiles and the least-squares line
        of the probabilities on the values (the answer when every value falls inside it; its
        slope is positive, the values increasing with the probabilities).
        """
        support = Support.of(probs, values)
        slope, intercept = np.polyfit((values - support.middle) / support.unit, probs, 1)
        line = np.array([-intercept / slope, -np.log(slope)])

        def make(theta: Floats) -> Law:
            return UniformLaw(*support.ends(theta))

        return make, [np.array(support.theta(*uniform_through(probs, values))), line]
