"""The parametric families behind every continuous marginal, on ``scipy.special`` and numpy.

Each law is a small frozen dataclass giving the CDF, survival function, quantile
function, the partial mean ``E[X; lo < X <= hi]`` in closed form, and a sampler that
uses only the numpy ``Generator`` passed in. They replace ``scipy.stats`` frozen
distributions, whose import alone (~1 s) made ``mcvalue priors show`` slow (issue 8):
``scipy.special`` does not import ``scipy.stats``.

Partial means are closed forms (a size-biased law for the lognormal, gamma and beta,
``phi`` differences for the normal, polynomials for the triangular) rather than
quadrature of the quantile function: a wide lognormal's mean sits so far in the upper
tail that no grid over probabilities in double precision reaches it.

Probability masses between two points use the CDF in the lower half and the survival
function in the upper half, so a slice far in the upper tail keeps its relative precision.
"""

import math
from dataclasses import dataclass
from typing import Protocol

import numpy as np
from scipy import special

_SQRT_2PI = math.sqrt(2.0 * math.pi)


class Law(Protocol):
    """An untruncated continuous family with its parameters fixed."""

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """P(X <= x), vectorised."""
        ...

    def sf(self, x: np.ndarray) -> np.ndarray:
        """P(X > x), vectorised, accurate where the CDF is close to 1."""
        ...

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function, vectorised."""
        ...

    def partial_mean(self, lo: float, hi: float) -> float:
        """E[X; lo < X <= hi] (infinite bounds allowed)."""
        ...

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` independent draws from ``rng`` alone."""
        ...


def mass(law: Law, lo: float, hi: float) -> float:
    """P(lo < X <= hi), from the CDF below the median and the survival function above it."""
    f_lo = float(law.cdf(np.asarray(lo)))
    if f_lo <= 0.5:
        return max(float(law.cdf(np.asarray(hi))) - f_lo, 0.0)
    return max(float(law.sf(np.asarray(lo))) - float(law.sf(np.asarray(hi))), 0.0)


def _arr(x: np.ndarray | float) -> np.ndarray:
    return np.asarray(x, dtype=float)


@dataclass(frozen=True)
class UniformLaw:
    """Uniform on [low, high]."""

    low: float
    high: float

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Linear from 0 at ``low`` to 1 at ``high``."""
        return np.clip((_arr(x) - self.low) / (self.high - self.low), 0.0, 1.0)

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Linear from 1 at ``low`` to 0 at ``high``."""
        return np.clip((self.high - _arr(x)) / (self.high - self.low), 0.0, 1.0)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """``low + q (high - low)``."""
        return self.low + _arr(q) * (self.high - self.low)

    def partial_mean(self, lo: float, hi: float) -> float:
        """Mass of the overlap times its midpoint."""
        a, b = max(lo, self.low), min(hi, self.high)
        if not a < b:
            return 0.0
        return (b - a) / (self.high - self.low) * (a + b) / 2.0

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``rng.uniform``."""
        return rng.uniform(self.low, self.high, size=n)


@dataclass(frozen=True)
class NormalLaw:
    """Normal with mean ``mu`` and standard deviation ``sd``."""

    mu: float
    sd: float

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Phi((x - mu) / sd)."""
        return special.ndtr((_arr(x) - self.mu) / self.sd)

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Phi((mu - x) / sd)."""
        return special.ndtr((self.mu - _arr(x)) / self.sd)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Return mu + sd Phi^-1(q)."""
        return self.mu + self.sd * special.ndtri(_arr(q))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return mu P(lo < X <= hi) + sd (phi(alpha) - phi(beta)), alpha and beta the standardised bounds."""
        alpha, beta = (lo - self.mu) / self.sd, (hi - self.mu) / self.sd
        density = (math.exp(-alpha * alpha / 2.0) - math.exp(-beta * beta / 2.0)) / _SQRT_2PI
        return self.mu * mass(self, lo, hi) + self.sd * density

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``rng.normal``."""
        return rng.normal(self.mu, self.sd, size=n)


@dataclass(frozen=True)
class LognormalLaw:
    """Lognormal: log X is normal with mean ``mu`` and standard deviation ``sigma``."""

    mu: float
    sigma: float

    def _z(self, x: np.ndarray) -> np.ndarray:
        x = _arr(x)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(x > 0, (np.log(np.where(x > 0, x, 1.0)) - self.mu) / self.sigma, -np.inf)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Phi((log x - mu) / sigma), 0 for x <= 0."""
        return special.ndtr(self._z(x))

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Phi((mu - log x) / sigma), 1 for x <= 0."""
        return special.ndtr(-self._z(x))

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Return exp(mu + sigma Phi^-1(q))."""
        return np.exp(self.mu + self.sigma * special.ndtri(_arr(q)))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return exp(mu + sigma^2 / 2) times the slice's mass under lognormal(mu + sigma^2, sigma)."""
        biased = LognormalLaw(self.mu + self.sigma**2, self.sigma)
        return math.exp(self.mu + self.sigma**2 / 2.0) * mass(biased, lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``rng.lognormal``."""
        return rng.lognormal(self.mu, self.sigma, size=n)


@dataclass(frozen=True)
class BetaLaw:
    """Beta(a, b) stretched onto [loc, loc + scale] (scale 1, loc 0: the standard beta)."""

    a: float
    b: float
    loc: float = 0.0
    scale: float = 1.0

    def _unit(self, x: np.ndarray) -> np.ndarray:
        return np.clip((_arr(x) - self.loc) / self.scale, 0.0, 1.0)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Regularised incomplete beta I_y(a, b), y = (x - loc) / scale."""
        return special.betainc(self.a, self.b, self._unit(x))

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Its complement, computed directly."""
        return special.betaincc(self.a, self.b, self._unit(x))

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Return loc + scale I^-1_q(a, b)."""
        return self.loc + self.scale * special.betaincinv(self.a, self.b, _arr(q))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return loc P(slice) + scale a / (a + b) times the slice's mass under Beta(a + 1, b)."""
        biased = BetaLaw(self.a + 1.0, self.b, self.loc, self.scale)
        return self.loc * mass(self, lo, hi) + self.scale * self.a / (self.a + self.b) * mass(biased, lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``loc + scale rng.beta``."""
        return self.loc + self.scale * rng.beta(self.a, self.b, size=n)


@dataclass(frozen=True)
class GammaLaw:
    """Gamma with ``shape`` k and ``scale`` theta."""

    shape: float
    scale: float

    def _unit(self, x: np.ndarray) -> np.ndarray:
        return np.maximum(_arr(x), 0.0) / self.scale

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Regularised lower incomplete gamma P(k, x / theta)."""
        return special.gammainc(self.shape, self._unit(x))

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Regularised upper incomplete gamma Q(k, x / theta)."""
        return special.gammaincc(self.shape, self._unit(x))

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Return theta P^-1(k, q)."""
        return self.scale * special.gammaincinv(self.shape, _arr(q))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return k theta times the slice's mass under gamma(k + 1, theta)."""
        return self.shape * self.scale * mass(GammaLaw(self.shape + 1.0, self.scale), lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``rng.gamma``."""
        return rng.gamma(self.shape, self.scale, size=n)


@dataclass(frozen=True)
class TriangularLaw:
    """Triangular on [low, high] with its peak at ``mode``."""

    low: float
    mode: float
    high: float

    def _left(self, x: np.ndarray) -> np.ndarray:
        """P(X <= x) on the rising side, (x - low)^2 / ((high - low)(mode - low))."""
        s = np.clip(_arr(x), self.low, self.mode) - self.low
        span = (self.high - self.low) * (self.mode - self.low)
        return np.divide(s * s, span, out=np.zeros_like(s), where=span > 0)

    def _right(self, x: np.ndarray) -> np.ndarray:
        """P(X > x) on the falling side, (high - x)^2 / ((high - low)(high - mode))."""
        r = self.high - np.clip(_arr(x), self.mode, self.high)
        span = (self.high - self.low) * (self.high - self.mode)
        return np.divide(r * r, span, out=np.zeros_like(r), where=span > 0)

    def _peak(self) -> float:
        """P(X <= mode) = (mode - low) / (high - low)."""
        return (self.mode - self.low) / (self.high - self.low)

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """Quadratic on each side of the mode."""
        x = _arr(x)
        return np.where(x <= self.mode, self._left(x), 1.0 - self._right(x))

    def sf(self, x: np.ndarray) -> np.ndarray:
        """Quadratic on each side of the mode, the upper side computed directly."""
        x = _arr(x)
        return np.where(x <= self.mode, 1.0 - self._left(x), self._right(x))

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Inverse of each quadratic piece."""
        q = _arr(q)
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

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``rng.triangular``."""
        return rng.triangular(self.low, self.mode, self.high, size=n)
