"""A prior stated by three or more quantiles: ``quantiles = {"0.05" = a, "0.5" = b, "0.95" = c}``.

Each continuous family gives its law of unconstrained parameters and its starting points
(its spec's ``quantile_start``, built from the helpers here: log scales; a uniform's
[min, max] as min and the log of the range, :class:`Support`; a triangular's or PERT's
min < mode < max as those two and the logit of the mode's place in the range). They are
fitted by least squares in probability (the residuals :math:`F(x_i) - p_i` of the stated
points; from each of the family's starting points, the best kept), and the fit is judged
on the same scale: the misfit is the largest :math:`|F(x_i) - p_i|`, and a fit whose
misfit exceeds :data:`MAX_QUANTILE_MISFIT` is refused (the family cannot say what the
quantiles say: choose another family or other quantiles). Separate from the families
because every continuous family uses the same fit.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import cast

import numpy as np
from scipy import special

from mcvalue.fmt import plain
from mcvalue.priors.families.law import Floats, Law, SolveError

#: Largest accepted |F(x_i) - p_i|: each stated value must sit within 2 percentile points of its probability.
MAX_QUANTILE_MISFIT = 0.02
#: Fewest quantiles: two only fix an interval (use ci90 / ci95 for that).
MIN_QUANTILES = 3
#: A PERT's concentration ``lambda`` when the file gives none (the quantile fit keeps it as given).
PERT_LAMBDA = 4.0

#: A family's law of its unconstrained parameters.
LawOf = Callable[[Floats], Law]
#: ``quantile_start(probs, values, lam)``: the family's :data:`LawOf` and its starting points.
QuantileStart = Callable[[Floats, Floats, float], tuple[LawOf, list[Floats]]]


def parse_quantiles(table: Mapping[str, float]) -> tuple[Floats, Floats]:
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


def normal_through(probs: Floats, values: Floats) -> tuple[float, float]:
    """Return location and scale of the normal through the outermost quantiles (a starting point)."""
    z = cast(Floats, special.ndtri(probs[[0, -1]]))
    sd = (values[-1] - values[0]) / (z[1] - z[0])
    return float(values[0] - z[0] * sd), float(sd)


def uniform_through(probs: Floats, values: Floats) -> tuple[float, float]:
    """Return the ends of the uniform through the outermost quantiles (a starting point)."""
    width = (values[-1] - values[0]) / (probs[-1] - probs[0])
    return float(values[0] - probs[0] * width), float(values[-1] + (1.0 - probs[-1]) * width)


@dataclass(frozen=True)
class Support:
    """[min, max] as two unconstrained numbers: (min - middle) / unit and log((max - min) / unit).

    ``middle`` is the midpoint of the outermost values and ``unit`` the range of
    :func:`uniform_through`, so the fit is the same at any magnitude of the values. A start's support
    holds the values, so its first number is below -(p_last - p_first) / 2, never near 0
    (least squares' first step is as long as the start vector: a start near 0 stalls). The
    ends are numpy floats: a range that underflows to 0 gives a non-finite residual, not an
    exception.
    """

    middle: float
    unit: float

    @classmethod
    def of(cls, probs: Floats, values: Floats) -> "Support":
        """Return the frame of these quantiles: their outermost values' midpoint, the range of :func:`uniform_through`."""
        low, high = uniform_through(probs, values)
        return cls(float(values[0] + values[-1]) / 2.0, high - low)

    def ends(self, theta: Floats) -> tuple[np.float64, np.float64]:
        """Return (min, max) of ``theta[:2]``."""
        low = np.float64(self.middle + self.unit * theta[0])
        return low, low + np.float64(self.unit * np.exp(theta[1]))

    def theta(self, low: float, high: float) -> list[float]:
        """Return the two numbers of [low, high]."""
        return [(low - self.middle) / self.unit, float(np.log((high - low) / self.unit))]


def fit_quantiles(dist: str, start: QuantileStart, table: Mapping[str, float], lam: float = PERT_LAMBDA) -> tuple[Law, float]:
    """Fit the family ``dist`` to stated quantiles from its starting points; return the law and its misfit.

    Parameters
    ----------
    dist : str
        The family's name, for messages.
    start : QuantileStart
        The family's ``quantile_start`` (its spec's, in :mod:`mcvalue.priors.families`).
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
    >>> from mcvalue.priors.families.normal import NormalSpec
    >>> law, misfit = fit_quantiles("normal", NormalSpec.quantile_start, {"0.05": -1.6449, "0.5": 0.0, "0.95": 1.6449})
    >>> round(float(law.mu), 4), round(float(law.sd), 4), bool(misfit < 1e-4)
    (0.0, 1.0, True)
    """
    from scipy import optimize  # only a prior given by quantiles needs it: kept off `priors show`'s path

    probs, values = parse_quantiles(table)
    make, starts = start(probs, values, lam)

    def residual(theta: Floats) -> Floats:
        with np.errstate(all="ignore"):
            gap = np.asarray(make(theta).cdf(values), dtype=float) - probs
        return np.where(np.isfinite(gap), gap, 1.0)

    fits = [optimize.least_squares(residual, theta, xtol=1e-12, ftol=1e-12, gtol=1e-12) for theta in starts]
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
