"""The triangular family: on [min, max] with its peak at ``mode``, or fitted to quantiles."""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from mcvalue.priors.families.base import ModeFamily
from mcvalue.priors.families.law import Floats, Law, floats
from mcvalue.priors.settings import Distribution


@dataclass(frozen=True)
class TriangularLaw:
    """Triangular on [low, high] with its peak at ``mode``."""

    low: float
    mode: float
    high: float

    def _left(self, x: npt.ArrayLike) -> Floats:
        """P(X <= x) on the rising side, (x - low)^2 / ((high - low)(mode - low))."""
        s = np.clip(floats(x), self.low, self.mode) - self.low
        span = (self.high - self.low) * (self.mode - self.low)
        return np.divide(s * s, span, out=np.zeros_like(s), where=span > 0)

    def _right(self, x: npt.ArrayLike) -> Floats:
        """P(X > x) on the falling side, (high - x)^2 / ((high - low)(high - mode))."""
        r = self.high - np.clip(floats(x), self.mode, self.high)
        span = (self.high - self.low) * (self.high - self.mode)
        return np.divide(r * r, span, out=np.zeros_like(r), where=span > 0)

    def _peak(self) -> float:
        """P(X <= mode) = (mode - low) / (high - low)."""
        return (self.mode - self.low) / (self.high - self.low)

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Quadratic on each side of the mode."""
        x = floats(x)
        return np.where(x <= self.mode, self._left(x), 1.0 - self._right(x))

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Quadratic on each side of the mode, the upper side computed directly."""
        x = floats(x)
        return np.where(x <= self.mode, 1.0 - self._left(x), self._right(x))

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Inverse of each quadratic piece."""
        q = floats(q)
        span = self.high - self.low
        rising = self.low + np.sqrt(np.clip(q, 0.0, None) * span * (self.mode - self.low))
        falling = self.high - np.sqrt(np.clip(1.0 - q, 0.0, None) * span * (self.high - self.mode))
        return np.where(q < self._peak(), rising, falling)

    def _first_moment_below(self, x: float) -> float:
        """Return E[X; X <= x], piece by piece.

        Each piece is written in the distance from its own end, so a large ``low`` does not
        swamp a narrow width. Rising side, s = t - low, A = (high - low)(mode - low): low s^2 / A + 2 s^3 / (3 A).
        Falling side, r = high - t, B = (high - low)(high - mode):
        high (r_mode^2 - r_x^2) / B - 2 (r_mode^3 - r_x^3) / (3 B).
        """
        x = min(max(x, self.low), self.high)
        span = self.high - self.low
        s = min(x, self.mode) - self.low
        rising = 0.0
        if s > 0:
            area = span * (self.mode - self.low)
            rising = self.low * s * s / area + 2.0 * s**3 / (3.0 * area)
        if x <= self.mode:
            return rising
        r_mode, r_x = self.high - self.mode, self.high - x
        kept = (r_mode**2 - r_x**2) / (span * r_mode)
        falling = self.high * kept - 2.0 * (r_mode**3 - r_x**3) / (3.0 * span * r_mode)
        return rising + falling

    def partial_mean(self, lo: float, hi: float) -> float:
        """Difference of the closed-form first moments below ``hi`` and ``lo``."""
        return self._first_moment_below(hi) - self._first_moment_below(lo)

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``rng.triangular``."""
        return rng.triangular(self.low, self.mode, self.high, size=n)


class TriangularSpec(ModeFamily):
    """Triangular on [min, max] with peak at mode."""

    dist: Literal["triangular"]
    SYNOPSIS = "min, mode, max | quantiles"
    EXAMPLE = {"dist": "triangular", "min": 0.0, "mode": 1.0, "max": 5.0}

    @classmethod
    def mode_law(cls, low: float, mode: float, high: float, lam: float) -> Law:
        """Return the triangular on [low, high] peaking at ``mode`` (``lam`` is a PERT's; unused)."""
        return TriangularLaw(low, mode, high)

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        self._check_order()
        return self._truncated(TriangularLaw(self._number("min"), self._number("mode"), self._number("max")), keys)
