"""The beta family: by alpha + beta, mean + sd, a central interval (solved numerically), or quantiles."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Literal, cast

import numpy as np
import numpy.typing as npt
from pydantic import Field
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors.families.base import ContinuousFamily, Interval, Positive, Quantiles
from mcvalue.priors.families.law import Floats, Law, SolveError, floats, interval_tails, mass
from mcvalue.priors.families.normal import normal_from_interval
from mcvalue.priors.families.quantiles import LawOf, normal_through
from mcvalue.priors.settings import Distribution


@dataclass(frozen=True)
class BetaLaw:
    """Beta(a, b) stretched onto [loc, loc + scale] (scale 1, loc 0: the standard beta)."""

    a: float
    b: float
    loc: float = 0.0
    scale: float = 1.0

    def _unit(self, x: npt.ArrayLike) -> Floats:
        return np.clip((floats(x) - self.loc) / self.scale, 0.0, 1.0)

    def cdf(self, x: npt.ArrayLike) -> Floats:
        """Regularised incomplete beta I_y(a, b), y = (x - loc) / scale."""
        return cast(Floats, special.betainc(self.a, self.b, self._unit(x)))

    def sf(self, x: npt.ArrayLike) -> Floats:
        """Its complement, computed directly."""
        return cast(Floats, special.betaincc(self.a, self.b, self._unit(x)))

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Return loc + scale I^-1_q(a, b)."""
        return cast(Floats, self.loc + self.scale * special.betaincinv(self.a, self.b, floats(q)))

    def partial_mean(self, lo: float, hi: float) -> float:
        """Return loc P(slice) + scale a / (a + b) times the slice's mass under Beta(a + 1, b)."""
        biased = BetaLaw(self.a + 1.0, self.b, self.loc, self.scale)
        return self.loc * mass(self, lo, hi) + self.scale * self.a / (self.a + self.b) * mass(biased, lo, hi)

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``loc + scale rng.beta``."""
        return self.loc + self.scale * rng.beta(self.a, self.b, size=n)


def beta_from_moments(mean: float, sd: float) -> tuple[float, float]:
    """Return alpha and beta of the beta with this mean and sd (needs sd^2 < mean (1 - mean))."""
    common = mean * (1.0 - mean) / sd**2 - 1.0
    if common <= 0:
        raise SolveError(f"no beta has mean {plain(mean)} and sd {plain(sd)} (sd must be below sqrt(mean (1 - mean)))")
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

    def residual(log_ab: Floats) -> Floats:
        a, b = np.exp(log_ab)
        return cast(Floats, (special.betaincinv(a, b, np.array([p_lo, p_hi])) - np.array([lo, hi])) / (hi - lo))

    solution = newton_2d(residual, start)
    if not np.all(np.abs(residual(solution)) < 1e-6):
        raise SolveError(f"no beta distribution has {key} = [{plain(lo)}, {plain(hi)}]")
    a, b = np.exp(solution)
    return float(a), float(b)


def newton_2d(residual: Callable[[Floats], Floats], start: Floats, steps: int = 100) -> Floats:
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


class BetaSpec(ContinuousFamily):
    """Beta by alpha + beta, mean + sd, or a central interval (solved numerically)."""

    dist: Literal["beta"]
    alpha: Positive | None = None
    beta: Positive | None = None
    mean: Annotated[float, Field(gt=0, lt=1)] | None = None
    sd: Positive | None = None
    ci90: Interval | None = None
    ci95: Interval | None = None
    quantiles: Quantiles | None = None
    PARAMETRISATIONS = (("alpha", "beta"), ("mean", "sd"), ("ci90",), ("ci95",), ("quantiles",))
    SYNOPSIS = "alpha + beta | mean + sd | ci90 | ci95 | quantiles"
    EXAMPLE = {"dist": "beta", "alpha": 2.5, "beta": 7.0}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if keys == ("quantiles",):
            return self._from_quantiles(keys)
        if keys == ("alpha", "beta"):
            a, b = self._number("alpha"), self._number("beta")
        elif keys == ("mean", "sd"):
            a, b = beta_from_moments(self._number("mean"), self._number("sd"))
        else:
            lo, hi = self._pair(keys[0])
            if not 0 < lo < hi < 1:
                raise SolveError(f"{keys[0]} = [{lo:g}, {hi:g}] must lie strictly inside (0, 1) for a beta")
            a, b = beta_from_interval(keys[0], lo, hi)
        return self._truncated(BetaLaw(a, b), keys)

    @classmethod
    def quantile_start(cls, probs: Floats, values: Floats, lam: float) -> tuple[LawOf, list[Floats]]:
        """Return the beta's law of (log alpha, log beta) and one start: the moment match of the normal through the outermost quantiles."""
        if not (values[0] > 0 and values[-1] < 1):
            raise SolveError("quantiles values must lie strictly inside (0, 1) for a beta")
        mean, sd = normal_through(probs, values)
        mean = min(max(mean, 0.01), 0.99)
        common = max(mean * (1 - mean) / min(sd, 0.45) ** 2 - 1, 0.5)

        def make(theta: Floats) -> Law:
            return BetaLaw(float(np.exp(theta[0])), float(np.exp(theta[1])))

        return make, [np.log([mean * common, (1 - mean) * common])]
