"""The allow-list of marginal distributions a prior file may name.

Every marginal implements :class:`mcvalue.priors.spec.Distribution`: a vectorised quantile
function ``ppf`` and ``sample(rng, n)``. Truncated families sample by inverse CDF
(``ppf`` of ``rng``'s uniforms); untruncated ones use numpy's own sampler, because a
beta's quantile function costs ~40x its sampler at 200,000 draws. Rank correlation
(Iman-Conover) only reorders the draws, so it needs neither. The families' maths is in
:mod:`mcvalue.priors.laws` (``scipy.special``, no ``scipy.stats``); this module truncates
them and maps the parametrisations people use when eliciting (a 90% interval, a mean and
sd, ...) onto their parameters.

Parametrisations (the keys of a prior file; an interval key always says what it is):

=============  ==========================================================================
point          ``value``
uniform        ``min``, ``max``
normal         ``mean`` + ``sd``; ``ci90``; ``ci95``
lognormal      ``mu`` + ``sigma`` (of log x); ``mean`` + ``sd`` (of x); ``ci90``; ``ci95``
beta           ``alpha`` + ``beta``; ``mean`` + ``sd``; ``ci90``; ``ci95`` (solved numerically)
gamma          ``shape`` + ``scale``; ``shape`` + ``rate``; ``mean`` + ``sd``; ``ci90``; ``ci95``
triangular     ``min``, ``mode``, ``max``
pert           ``min``, ``mode``, ``max``, optional ``lambda`` (default 4)
choice         ``values``, ``weights`` (discrete)
=============  ==========================================================================

``ciXX = [a, b]`` means P(x < a) = P(x > b) = (1 - XX/100) / 2 for the distribution
*before* truncation. Every continuous family may instead be given ``quantiles`` (three or
more, fitted: :mod:`mcvalue.priors.quantiles`), and takes ``lower`` / ``upper`` truncation
bounds, which condition the distribution on lying between them.
"""

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors.laws import Law, mass

#: Two-sided coverage of each interval key.
INTERVAL_LEVELS: dict[str, float] = {"ci90": 0.90, "ci95": 0.95}


class SolveError(ValueError):
    """No distribution of the family matches the requested interval."""


def _fmt(x: float) -> str:
    """Compact number for descriptions, never e-notation: 150000 -> 150K, 0.2 -> 0.2."""
    return plain(x)


@dataclass(frozen=True, eq=False)
class Continuous:
    """A continuous family (:mod:`mcvalue.priors.laws`), optionally truncated to [lower, upper].

    Truncated quantiles: ppf_T(q) = F^-1(F(lower) + q (F(upper) - F(lower))).
    """

    law: Law
    label: str
    lower: float | None = None
    upper: float | None = None
    source: str | None = None

    def _bounds(self) -> tuple[float, float]:
        """Return the truncation bounds, infinite where there is none."""
        return (-np.inf if self.lower is None else self.lower, np.inf if self.upper is None else self.upper)

    def _cdf_range(self) -> tuple[float, float]:
        """F(lower) and F(upper): the slice of the untruncated CDF that is kept."""
        lo = 0.0 if self.lower is None else float(self.law.cdf(np.asarray(self.lower)))
        hi = 1.0 if self.upper is None else float(self.law.cdf(np.asarray(self.upper)))
        return lo, hi

    def kept_mass(self) -> float:
        """Probability of the untruncated distribution inside the truncation bounds."""
        return mass(self.law, *self._bounds())

    def cdf(self, x: np.ndarray) -> np.ndarray:
        """CDF of the truncated distribution: (F(x) - F(lower)) / (F(upper) - F(lower)), in [0, 1]."""
        lo, hi = self._cdf_range()
        return np.clip((self.law.cdf(np.asarray(x, dtype=float)) - lo) / (hi - lo), 0.0, 1.0)

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function of the truncated distribution (clipped against rounding)."""
        lo, hi = self._cdf_range()
        x = self.law.ppf(lo + np.asarray(q, dtype=float) * (hi - lo))
        if self.lower is not None or self.upper is not None:
            x = np.clip(x, self.lower, self.upper)
        return x

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws from ``rng``: the family's numpy sampler, or inverse CDF when truncated."""
        if self.lower is None and self.upper is None:
            return np.asarray(self.law.sample(rng, n), dtype=float)
        return self.ppf(rng.uniform(size=n))

    def mean(self) -> float:
        """Mean of the (truncated) distribution: the family's closed-form partial mean over the kept mass."""
        return self.law.partial_mean(*self._bounds()) / self.kept_mass()

    def describe(self) -> str:
        """Show the user's parametrisation, with truncation, e.g. ``lognormal(ci90=[0.03, 0.3], upper=1)``."""
        bounds = [f"{k}={_fmt(v)}" for k, v in (("lower", self.lower), ("upper", self.upper)) if v is not None]
        if not bounds:
            return self.label
        return f"{self.label[:-1]}, {', '.join(bounds)})"


@dataclass(frozen=True, eq=False)
class Point:
    """A point mass: every draw equals ``value`` (the paper's assumptions)."""

    value: float
    source: str | None = None

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Constant quantile function."""
        return np.full(np.shape(q), self.value, dtype=float)

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` copies of the value (each quantity has its own stream, so none is consumed)."""
        return np.full(n, self.value, dtype=float)

    def mean(self) -> float:
        """Return the value itself."""
        return float(self.value)

    def describe(self) -> str:
        """E.g. ``point(300000)``."""
        return f"point({_fmt(self.value)})"


@dataclass(frozen=True, eq=False)
class Choice:
    """A discrete choice among ``values`` with probabilities ``weights`` (summing to 1)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]
    source: str | None = None

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Smallest value whose cumulative weight reaches q: inf{x : F(x) >= q}."""
        order = np.argsort(self.values, kind="stable")
        values = np.asarray(self.values, dtype=float)[order]
        cumulative = np.cumsum(np.asarray(self.weights, dtype=float)[order])
        index = np.searchsorted(cumulative, np.asarray(q, dtype=float), side="left")
        return values[np.minimum(index, len(values) - 1)]

    def sample(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """``n`` draws by inverse CDF."""
        return self.ppf(rng.uniform(size=n))

    def mean(self) -> float:
        """Weighted mean of the values."""
        return float(np.dot(self.values, self.weights))

    def describe(self) -> str:
        """E.g. ``choice(values=[1, 2], weights=[0.5, 0.5])``."""
        values = ", ".join(_fmt(v) for v in self.values)
        weights = ", ".join(_fmt(w) for w in self.weights)
        return f"choice(values=[{values}], weights=[{weights}])"


def interval_tails(key: str) -> tuple[float, float]:
    """Lower and upper tail probabilities of an interval key: ci90 -> (0.05, 0.95)."""
    tail = (1.0 - INTERVAL_LEVELS[key]) / 2.0
    return tail, 1.0 - tail


def normal_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Mean and sd of the normal whose central interval ``key`` is [lo, hi]."""
    z = float(special.ndtri(interval_tails(key)[1]))
    return (lo + hi) / 2.0, (hi - lo) / (2.0 * z)


def lognormal_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Return mu and sigma of log x for the lognormal whose central interval ``key`` is [lo, hi] (lo > 0)."""
    return normal_from_interval(key, float(np.log(lo)), float(np.log(hi)))


def lognormal_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return mu and sigma of log x for a lognormal with the given mean and sd of x."""
    sigma2 = np.log1p((sd / mean) ** 2)
    return float(np.log(mean) - sigma2 / 2.0), float(np.sqrt(sigma2))


def beta_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return alpha and beta of the beta with this mean and sd (needs sd^2 < mean (1 - mean))."""
    common = mean * (1.0 - mean) / sd**2 - 1.0
    if common <= 0:
        raise SolveError(f"no beta has mean {_fmt(mean)} and sd {_fmt(sd)} (sd must be below sqrt(mean (1 - mean)))")
    return mean * common, (1.0 - mean) * common


def beta_from_interval(key: str, lo: float, hi: float) -> tuple[float, float]:
    """Return alpha and beta of the beta whose central interval ``key`` is [lo, hi], 0 < lo < hi < 1.

    Two equations in two unknowns, solved by Newton's method on (log alpha, log beta)
    (:func:`newton_2d`), starting from the moment match with mean (lo + hi) / 2 and sd
    (hi - lo) / (2 z); the residual is checked. Newton rather than ``scipy.optimize``
    keeps that package (0.7 s of import) off the path of ``mcvalue priors show``.
    """
    p_lo, p_hi = interval_tails(key)
    mean, sd = normal_from_interval(key, lo, hi)
    sd = min(sd, 0.9 * np.sqrt(mean * (1 - mean)))
    start = np.log(beta_from_moments(mean, sd))

    def residual(log_ab: np.ndarray) -> np.ndarray:
        a, b = np.exp(log_ab)
        return (special.betaincinv(a, b, np.array([p_lo, p_hi])) - np.array([lo, hi])) / (hi - lo)

    solution = newton_2d(residual, start)
    if not np.all(np.abs(residual(solution)) < 1e-6):
        raise SolveError(f"no beta distribution has {key} = [{_fmt(lo)}, {_fmt(hi)}]")
    a, b = np.exp(solution)
    return float(a), float(b)


def newton_2d(residual: Callable[[np.ndarray], np.ndarray], start: np.ndarray, steps: int = 100) -> np.ndarray:
    """Return a root of a smooth map R^2 -> R^2 near ``start`` (damped Newton, central-difference Jacobian).

    Each step halves until the residual's norm falls; the search stops when a step no
    longer reduces it (the caller checks the residual it reached) or moves below 1e-13.
    """
    x = np.asarray(start, dtype=float)
    r = residual(x)
    for _ in range(steps):
        h = 1e-6 * np.maximum(1.0, np.abs(x))
        jacobian = np.column_stack([(residual(x + e) - residual(x - e)) / (2 * e.sum()) for e in np.diag(h)])
        try:
            step = np.linalg.solve(jacobian, -r)
        except np.linalg.LinAlgError:
            return x
        while not np.linalg.norm(r_new := residual(x + step)) < np.linalg.norm(r) and np.abs(step).max() > 1e-13:
            step = step / 2
        if not np.linalg.norm(r_new) < np.linalg.norm(r):
            return x
        x, r = x + step, r_new
        if np.abs(step).max() < 1e-13:
            return x
    return x


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
        raise SolveError(f"no gamma distribution has {key} = [{_fmt(lo)}, {_fmt(hi)}]")
    while hi_k - lo_k > 1e-12:
        middle = (lo_k + hi_k) / 2
        lo_k, hi_k = (middle, hi_k) if gap(middle) > 0 else (lo_k, middle)
    shape = float(np.exp((lo_k + hi_k) / 2))
    return shape, lo / float(special.gammaincinv(shape, p_lo))


#: A PERT's concentration ``lambda`` when the file gives none.
PERT_LAMBDA = 4.0


def pert_shape(minimum: float, mode: float, maximum: float, lam: float) -> tuple[float, float]:
    """Beta parameters of PERT(min, mode, max, lambda): 1 + lambda (mode - min) / range, ..."""
    span = maximum - minimum
    return 1.0 + lam * (mode - minimum) / span, 1.0 + lam * (maximum - mode) / span
