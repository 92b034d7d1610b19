"""The choice family: a discrete choice among ``values`` with ``weights`` summing to 1."""

import math
from dataclasses import dataclass
from typing import Annotated, Literal

import numpy as np
import numpy.typing as npt
from pydantic import Field

from mcvalue.fmt import plain
from mcvalue.priors.base import WEIGHT_TOLERANCE
from mcvalue.priors.families.base import Family
from mcvalue.priors.families.law import Floats, SolveError
from mcvalue.priors.settings import Distribution


class ChoiceSpec(Family):
    """A discrete choice of ``values`` with ``weights`` summing to 1."""

    dist: Literal["choice"]
    values: Annotated[list[float], Field(min_length=1)]
    weights: Annotated[list[Annotated[float, Field(ge=0, le=1)]], Field(min_length=1)]
    SYNOPSIS = "values = [...], weights = [...] (summing to 1)"
    EXAMPLE = {"dist": "choice", "values": [1.0, 2.0, 4.0], "weights": [0.2, 0.5, 0.3]}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        if len(self.values) != len(self.weights):
            raise SolveError(f"{len(self.values)} values but {len(self.weights)} weights")
        total = math.fsum(self.weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise SolveError(f"weights sum to {total:.12g}, not 1")
        return Choice(tuple(self.values), tuple(self.weights), self.source)


@dataclass(frozen=True, eq=False)
class Choice:
    """A discrete choice among ``values`` with probabilities ``weights`` (summing to 1)."""

    values: tuple[float, ...]
    weights: tuple[float, ...]
    source: str | None = None

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Smallest value whose cumulative weight reaches q: inf{x : F(x) >= q}."""
        order = np.argsort(self.values, kind="stable")
        values = np.asarray(self.values, dtype=float)[order]
        cumulative = np.cumsum(np.asarray(self.weights, dtype=float)[order])
        index = np.searchsorted(cumulative, np.asarray(q, dtype=float), side="left")
        return values[np.minimum(index, len(values) - 1)]

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``n`` draws by inverse CDF."""
        return self.ppf(rng.uniform(size=n))

    def mean(self) -> float:
        """Weighted mean of the values."""
        return float(np.dot(self.values, self.weights))

    def describe(self) -> str:
        """E.g. ``choice(values=[1, 2], weights=[0.5, 0.5])``."""
        values = ", ".join(plain(v) for v in self.values)
        weights = ", ".join(plain(w) for w in self.weights)
        return f"choice(values=[{values}], weights=[{weights}])"
