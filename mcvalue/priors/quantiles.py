"""A prior stated by three or more quantiles: ``quantiles = {"0.05" = a, "0.5" = b, "0.95" = c}``.

The family's two parameters are fitted by least squares in probability (the residuals
:math:`F(x_i) - p_i` of the stated points), and the fit is judged on the same scale: the
misfit is the largest :math:`|F(x_i) - p_i|`,
and a fit whose misfit exceeds :data:`MAX_QUANTILE_MISFIT` is refused (the family cannot
say what the quantiles say: choose another family or other quantiles).
"""

from collections.abc import Callable, Mapping

import numpy as np
from scipy import optimize, special

from mcvalue.fmt import plain
from mcvalue.priors import laws
from mcvalue.priors.distributions import SolveError

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


def _family(dist: str, probs: np.ndarray, values: np.ndarray) -> tuple[Callable[[np.ndarray], laws.Law], np.ndarray]:
    """Return the family's law of unconstrained parameters and a starting point, checking the values' domain."""
    if dist == "normal":
        mu, sd = _start(probs, values)
        return (lambda t: laws.NormalLaw(t[0], float(np.exp(t[1])))), np.array([mu, np.log(sd)])
    if dist in ("lognormal", "gamma") and not values[0] > 0:
        raise SolveError(f"quantiles values must be > 0 for a {dist}")
    if dist == "lognormal":
        mu, sigma = _start(probs, np.log(values))
        return (lambda t: laws.LognormalLaw(t[0], float(np.exp(t[1])))), np.array([mu, np.log(sigma)])
    if dist == "gamma":
        mean, sd = _start(probs, values)
        mean, sd = max(mean, values[0]), max(sd, 1e-12 * values[-1])
        return (lambda t: laws.GammaLaw(float(np.exp(t[0])), float(np.exp(t[1])))), np.log([(mean / sd) ** 2, sd**2 / mean])
    if dist == "beta":
        if not (values[0] > 0 and values[-1] < 1):
            raise SolveError("quantiles values must lie strictly inside (0, 1) for a beta")
        mean, sd = _start(probs, values)
        mean = min(max(mean, 0.01), 0.99)
        common = max(mean * (1 - mean) / min(sd, 0.45) ** 2 - 1, 0.5)
        return (lambda t: laws.BetaLaw(float(np.exp(t[0])), float(np.exp(t[1])))), np.log([mean * common, (1 - mean) * common])
    raise SolveError(f"quantiles are not supported for {dist}")


def fit_quantiles(dist: str, table: Mapping[str, float]) -> tuple[laws.Law, float]:
    """Fit ``dist`` (normal, lognormal, beta or gamma) to stated quantiles; return the law and its misfit.

    Parameters
    ----------
    dist : str
        The family.
    table : mapping of str to float
        Probability (as text, e.g. ``"0.05"``) -> value.

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
    >>> round(law.mu, 4), round(law.sd, 4), misfit < 1e-4
    (0.0, 1.0, True)
    """
    probs, values = parse_quantiles(table)
    make, start = _family(dist, probs, values)

    def residual(theta: np.ndarray) -> np.ndarray:
        with np.errstate(all="ignore"):
            gap = np.asarray(make(theta).cdf(values), dtype=float) - probs
        return np.where(np.isfinite(gap), gap, 1.0)

    fit = optimize.least_squares(residual, start, xtol=1e-12, ftol=1e-12, gtol=1e-12)
    law = make(fit.x)
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
