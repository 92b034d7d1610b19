"""Where each quantity's values may lie (money > 0, fractions in [0, 1], coverage >= 1).

A quantity's domain constrains both the numbers written in its table and the support of
the marginal they describe, so a normal salary (support down to -inf) is refused with
advice to truncate it.
"""

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from mcvalue.priors.base import fail
from mcvalue.priors.families import Family


@dataclass(frozen=True)
class Domain:
    """Where a quantity's values may lie: [low, high], with ``low`` excluded if ``open_low``."""

    low: float
    high: float
    open_low: bool
    why: str

    def contains(self, x: float) -> bool:
        """Tell whether ``x`` is a legal value (as written in the file)."""
        above = x > self.low if self.open_low else x >= self.low
        return above and x <= self.high

    def span(self) -> str:
        """E.g. ``[0, 1]`` or ``(0, inf)``."""
        return f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}{']' if math.isfinite(self.high) else ')'}"


MONEY = Domain(0.0, math.inf, True, "an amount of money must be positive")
FRACTION = Domain(0.0, 1.0, False, "a share or fraction is a probability-like number in [0, 1]")
COVERAGE = Domain(1.0, math.inf, False, "coverage >= 1: the MLOSS universe is at least the sample")

#: Keys whose numbers are in the quantity's own unit, so must lie in its domain.
_VALUE_KEYS = ("value", "values", "min", "mode", "max", "lower", "upper", "mean", "ci90", "ci95")


def in_domain(domain: Domain) -> Callable[[Family], Family]:
    """After-validator: the numbers written and the marginal's support lie in ``domain``."""

    def check(spec: Family) -> Family:
        for key in _VALUE_KEYS:
            raw = getattr(spec, key, None)
            for x in raw if isinstance(raw, list) else [] if raw is None else [raw]:
                if not domain.contains(x):
                    what = f"{key} = {raw} has {x:g}, which is" if isinstance(raw, list) else f"{key} = {x:g} is"
                    raise fail(f"{what} outside {domain.span()}: {domain.why}")
        dist = spec.distribution
        low, high = (float(v) for v in dist.ppf(np.array([0.0, 1.0])))
        if low < domain.low or high > domain.high:
            raise fail(
                f"{dist.describe()} has support [{low:g}, {high:g}], outside {domain.span()}: {domain.why}; "
                "choose a bounded family or add lower/upper truncation"
            )
        return spec

    return check
