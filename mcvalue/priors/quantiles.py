"""A prior stated by three or more quantiles: ``quantiles = {"0.05" = a, "0.5" = b, "0.95" = c}``.

The family's parameters, made unconstrained (log scales; a uniform's [min, max] as min and
the log of the range; a triangular's or PERT's min < mode < max as those two and the logit
of the mode's place in the range), are fitted by least squares in probability (the residuals
:math:`F(x_i) - p_i` of the stated points; from each of the family's starting points, the
best kept), and the fit is judged on the same scale: the
misfit is the largest :math:`|F(x_i) - p_i|`,
and a fit whose misfit exceeds :data:`MAX_QUANTILE_MISFIT` is refused (the family cannot
say what the quantiles say: choose another family or other quantiles).
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors import laws
from mcvalue.priors.distributions import PERT_LAMBDA, SolveError, pert_shape

#: Largest accepted |F(x_i) - p_i|: each stated value must sit within 2 percentile points of its probability.
MAX_QUANTILE_MISFIT = 0.02
#: Fewest quantiles: two only fix an interval (use ci90 / ci95 for that).
MIN_QUANTILES = 3


def parse_quantiles(table: Mapping[str, float]) -> tuple[np.ndarray, np.ndarray]:
    """Return (probabilities, values) sorted by probability, checking what a user can get wrong.

    Raises
    ------
    SolveError
        Fewer than three, a key that is not a probability in (0, 1), or values that do not
        increase with their probabilities.
    """
    if len(table) < MIN_QUANTILES:
        raise SolveError(f"quantiles needs at least {MIN_QUANTILES} entries (got {len(table)}); for two use ci90 or ci95")
    pairs = []
    for key, value in table.items():
        try:
            p = float(key)
        except ValueError:
            raise SolveError(f'quantiles key "{key}" is not a probability (write e.g. "0.05")') from None
        if not 0 < p < 1:
            raise SolveError(f'quantiles key "{key}" must be a probability strictly between 0 and 1')
        pairs.append((p, float(value)))
    pairs.sort()
    probs, values = (np.array(column) for column in zip(*pairs, strict=True))
    if not np.all(np.diff(values) > 0):
        raise SolveError("quantiles values must increase with their probabilities")
    return probs, values


def _start(probs: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Return location and scale of the normal through the outermost quantiles (a starting point)."""
    z = special.ndtri(probs[[0, -1]])
    sd = (values[-1] - values[0]) / (z[1] - z[0])
    return float(values[0] - z[0] * sd), float(sd)


def _ends(probs: np.ndarray, values: np.ndarray) -> tuple[float, float]:
    """Return the ends of the uniform through the outermost quantiles (a starting point)."""
    width = (values[-1] - values[0]) / (probs[-1] - probs[0])
    return float(values[0] - probs[0] * width), float(values[-1] + (1.0 - probs[-1]) * width)


@dataclass(frozen=True)
class _Support:
    """[min, max] as two unconstrained numbers: (min - middle) / unit and log((max - min) / unit).

    ``middle`` is the midpoint of the outermost values and ``unit`` the range of
    :func:`_ends`, so the fit is the same at any magnitude of the values. A start's support
    holds the values, so its first number is below -(p_last - p_first) / 2, never near 0
    (least squares' first step is as long as the start vector: a start near 0 stalls). The
    ends are numpy floats: a range that underflows to 0 gives a non-finite residual, not an
    exception.
    """

    middle: float
    unit: float

    @classmethod
    def of(cls, probs: np.ndarray, values: np.ndarray) -> "_Support":
        """Return the frame of these quantiles: their outermost values' midpoint, the range of :func:`_ends`."""
        low, high = _ends(probs, values)
        return cls(float(values[0] + values[-1]) / 2.0, high - low)

    def ends(self, theta: np.ndarray) -> tuple[np.float64, np.float64]:
        """Return (min, max) of ``theta[:2]``."""
        low = np.float64(self.middle + self.unit * theta[0])
        return low, low + np.float64(self.unit * np.exp(theta[1]))

    def theta(self, low: float, high: float) -> list[float]:
        """Return the two numbers of [low, high]."""
        return [(low - self.middle) / self.unit, float(np.log((high - low) / self.unit))]


def _uniform(probs: np.ndarray, values: np.ndarray) -> tuple[Callable[[np.ndarray], laws.Law], list[np.ndarray]]:
    """Return the uniform's law of :class:`_Support` and two starts.

    The starts are the uniform through the outermost quantiles and the least-squares line
    of the probabilities on the values (the answer when every value falls inside it; its
    slope is positive, the values increasing with the probabilities).
    """
    support = _Support.of(probs, values)
    slope, intercept = np.polyfit((values - support.middle) / support.unit, probs, 1)
    line = np.array([-intercept / slope, -np.log(slope)])
    return (lambda t: laws.UniformLaw(*support.ends(t))), [np.array(support.theta(*_ends(probs, values))), line]


def _mode_family(dist: str, lam: float, probs: np.ndarray, values: np.ndarray) -> tuple[Callable[[np.ndarray], laws.Law], list[np.ndarray]]:
    """Return the triangular's or PERT's law of (:class:`_Support`, logit of the mode's place) and three starts.

    Each start fits the quantile function to the values (least squares in units of the
    range) from the uniform through the outermost quantiles with its mode at a fifth, where
    the median falls, or at four fifths: unlike the CDF, the quantile function is not flat
    where a stated value leaves [min, max], and its kink at the mode makes local minima
    that one start alone can stall in. The PERT is the beta of
    :func:`mcvalue.priors.distributions.pert_shape` on [min, max], as a PERT spec builds it.
    """
    support = _Support.of(probs, values)
    low, high = _ends(probs, values)
    median_place = min(max((float(np.interp(0.5, probs, values)) - low) / (high - low), 0.05), 0.95)

    def make(theta: np.ndarray) -> laws.Law:
        start, end = support.ends(theta)
        mode = start + (end - start) * special.expit(theta[2])
        if dist == "triangular":
            return laws.TriangularLaw(start, mode, end)
        return laws.BetaLaw(*pert_shape(start, mode, end, lam), loc=start, scale=end - start)

    def gap(theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            miss = (np.asarray(make(theta).ppf(probs), dtype=float) - values) / support.unit
        return np.where(np.isfinite(miss), miss, 1.0)

    from scipy import optimize  # only a prior given by quantiles needs it: kept off `priors show`'s path

    places = (0.2, median_place, 0.8)
    return make, [optimize.least_squares(gap, np.array([*support.theta(low, high), special.logit(p)])).x for p in places]


def _family(dist: str, probs: np.ndarray, values: np.ndarray, lam: float) -> tuple[Callable[[np.ndarray], laws.Law], list[np.ndarray]]:
    """Return the family's law of unconstrained parameters and its starting points, checking the values' domain."""
    if dist == "uniform":
        return _uniform(probs, values)
    if dist in ("triangular", "pert"):
        return _mode_family(dist, lam, probs, values)
    if dist == "normal":
        mu, sd = _start(probs, values)
        return (lambda t: laws.NormalLaw(t[0], float(np.exp(t[1])))), [np.array([mu, np.log(sd)])]
    if dist in ("lognormal", "gamma") and not values[0] > 0:
        raise SolveError(f"quantiles values must be > 0 for a {dist}")
    if dist == "lognormal":
        mu, sigma = _start(probs, np.log(values))
        return (lambda t: laws.LognormalLaw(t[0], float(np.exp(t[1])))), [np.array([mu, np.log(sigma)])]
    if dist == "gamma":
        mean, sd = _start(probs, values)
        mean, sd = max(mean, values[0]), max(sd, 1e-12 * values[-1])
        return (lambda t: laws.GammaLaw(float(np.exp(t[0])), float(np.exp(t[1])))), [np.log([(mean / sd) ** 2, sd**2 / mean])]
    if dist == "beta":
        if not (values[0] > 0 and values[-1] < 1):
            raise SolveError("quantiles values must lie strictly inside (0, 1) for a beta")
        mean, sd = _start(probs, values)
        mean = min(max(mean, 0.01), 0.99)
        common = max(mean * (1 - mean) / min(sd, 0.45) ** 2 - 1, 0.5)
        return (lambda t: laws.BetaLaw(float(np.exp(t[0])), float(np.exp(t[1])))), [np.log([mean * common, (1 - mean) * common])]
    raise SolveError(f"quantiles are not supported for {dist}")


def fit_quantiles(dist: str, table: Mapping[str, float], lam: float = PERT_LAMBDA) -> tuple[laws.Law, float]:
    """Fit ``dist`` (a continuous family of :mod:`mcvalue.priors.families`) to stated quantiles; return the law and its misfit.

    Parameters
    ----------
    dist : str
        The family: uniform, normal, lognormal, beta, gamma, triangular or pert.
    table : mapping of str to float
        Probability (as text, e.g. ``"0.05"``) -> value.
    lam : float, default 4
        A PERT's concentration ``lambda``, kept as given (min, mode and max are fitted); other families have none.

    Returns
    -------
    (Law, float)
        The fitted law and the largest :math:`|F(x_i) - p_i|`.

    Raises
    ------
    SolveError
        The table is malformed, or the best fit misses a stated quantile by more than
        :data:`MAX_QUANTILE_MISFIT` (the message names the worst point).

    Examples
    --------
    >>> law, misfit = fit_quantiles("normal", {"0.05": -1.6449, "0.5": 0.0, "0.95": 1.6449})
    >>> round(float(law.mu), 4), round(float(law.sd), 4), bool(misfit < 1e-4)
    (0.0, 1.0, True)
    """
    from scipy import optimize  # only a prior given by quantiles needs it: kept off `priors show`'s path

    probs, values = parse_quantiles(table)
    make, starts = _family(dist, probs, values, lam)

    def residual(theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            gap = np.asarray(make(theta).cdf(values), dtype=float) - probs
        return np.where(np.isfinite(gap), gap, 1.0)

    fits = [optimize.least_squares(residual, start, xtol=1e-12, ftol=1e-12, gtol=1e-12) for start in starts]
    law = make(min(fits, key=lambda fit: fit.cost).x)
    gaps = np.abs(np.asarray(law.cdf(values), dtype=float) - probs)
    worst = int(np.argmax(gaps))
    misfit = float(gaps[worst])
    if not misfit <= MAX_QUANTILE_MISFIT:
        raise SolveError(
            f"no {dist} matches these quantiles: the best puts {plain(values[worst])} at its "
            f"p{100 * float(np.asarray(law.cdf(values[worst:worst + 1]))[0]):.1f}, not p{100 * probs[worst]:g} "
            f"(misfit {misfit:.3f} above the tolerance {MAX_QUANTILE_MISFIT:g}); choose another family or other quantiles"
        )
    return law, misfit
