"""The point family: a point mass, every draw the same number (the paper's assumptions)."""

from dataclasses import dataclass
from typing import Literal

import numpy as np
import numpy.typing as npt

from mcvalue.fmt import plain
from mcvalue.priors.families.base import Family
from mcvalue.priors.families.law import Floats
from mcvalue.priors.settings import Distribution


class PointSpec(Family):
    """A point mass: ``value``."""

    dist: Literal["point"]
    value: float
    SYNOPSIS = "value"
    EXAMPLE = {"dist": "point", "value": 3.0}

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        return Point(self.value, self.source)


@dataclass(frozen=True, eq=False)
class Point:
    """A point mass: every draw equals ``value`` (the paper's assumptions)."""

    value: float
    source: str | None = None

    def ppf(self, q: npt.ArrayLike) -> Floats:
        """Constant quantile function."""
        return np.full(np.shape(q), self.value, dtype=float)

    def sample(self, rng: np.random.Generator, n: int) -> Floats:
        """``n`` copies of the value (each quantity has its own stream, so none is consumed)."""
        return np.full(n, self.value, dtype=float)

    def mean(self) -> float:
        """Return the value itself."""
        return float(self.value)

    def describe(self) -> str:
        """E.g. ``point(300000)``."""
        return f"point({plain(self.value)})"
