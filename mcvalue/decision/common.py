"""What every decision method shares: the grouped inputs' names, the prior protocol, small helpers.

Inputs are named as in the prior files (``benefit.haircut`` ...), plus three grouped inputs:
:data:`METHOD_INPUT` (the costing method, a categorical input drawn by the method weights),
:data:`BENEFIT_METHOD_INPUT` (the benefit method, categorical, drawn by the benefit
weights; the model reads its index from the inputs) and :data:`FTE_INPUT` (the FTE draws
of the cost model, one row of five columns per draw, treated as one input).
"""

from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from mcvalue.io.jsontext import SUMMARY_DIGITS, to_jsonable
from mcvalue.priors.settings import BENEFIT_METHOD_INPUT as BENEFIT_METHOD_INPUT
from mcvalue.vocab.display import FTE_INPUT as FTE_INPUT  # the registry of display names owns the grouped inputs
from mcvalue.vocab.display import METHOD_INPUT as METHOD_INPUT

DEFAULT_THRESHOLDS = (1.0, 100.0)
DEFAULT_SWING = (0.10, 0.90)
#: Break-even search range: the prior's [p0.1, p99.9].
BREAK_EVEN_TAIL = 0.001
#: Significant figures of Monte Carlo standard errors in summary.json (as ``mcvalue.engine.statistics.MCSE_DIGITS``).
MCSE_DIGITS = 3

#: ``model(inputs, fte, method_index)`` -> BCR per draw, or an object with ``.bcr``
#: (:class:`mcvalue.engine.simulate.Model` qualifies).
ModelCallable = Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], Any]
#: ``conditional_bcr(name, value)`` -> BCR draws with input ``name`` fixed at ``value``
#: (:mod:`mcvalue.decision.conditional`).
ConditionalBcr = Callable[[str, Any], np.ndarray]


class Categorical:
    """A categorical input as the Sobol design reads it: the index of the first category j with u < cumulative weight.

    Examples
    --------
    >>> Categorical([0.5, 0.0, 0.5]).ppf(np.array([0.1, 0.6])).tolist()
    [0.0, 2.0]
    """

    def __init__(self, weights: Any) -> None:
        w = np.asarray(weights, dtype=float)
        self.cumulative = np.cumsum(w) / w.sum()

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Return the category index (as a float) at each probability ``q``."""
        index = np.searchsorted(self.cumulative, np.asarray(q, dtype=float), side="right")
        categories: np.ndarray = np.minimum(index, self.cumulative.size - 1).astype(float)
        return categories


class Quantiles(Protocol):
    """What the decision methods need of a prior marginal: its quantile function (``Distribution.ppf``)."""

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function, vectorised."""
        ...


def jsonable[T](value: T) -> T:
    """Return ``value`` as summary.json holds it: plain JSON types, floats to 6 significant figures.

    The shape (dicts, lists) is kept, so the type is; numpy scalars become Python numbers.
    """
    converted: T = to_jsonable(value, SUMMARY_DIGITS)
    return converted


def bcr_of(result: Any) -> np.ndarray:
    """Return the BCR array of a model result: the result itself, or its ``.bcr`` (``Outcomes``)."""
    return np.asarray(getattr(result, "bcr", result), dtype=float)


def is_point_mass(dist: Quantiles, tail: float = BREAK_EVEN_TAIL) -> bool:
    """Tell whether the prior has (numerically) no spread between its tail quantiles."""
    lo, hi = np.asarray(dist.ppf(np.array([tail, 1.0 - tail])), dtype=float)
    return bool(lo == hi)


def percentile_label(q: float) -> str:
    """Format a prior quantile as a percentile label: 0.31 -> 'p31', 0.004 -> 'p0.4'."""
    pct = 100.0 * q
    if 1.0 <= pct <= 99.0:
        return f"p{round(pct)}"
    return f"p{pct:.1f}"


def round_mcse(value: float) -> float:
    """Return a Monte Carlo standard error to :data:`MCSE_DIGITS` significant figures."""
    return float(f"{value:.{MCSE_DIGITS}g}")


#: The name of the mixture's curve (all costing methods, drawn by their weights) among the methods' curves.
MIXTURE = "mixture"
