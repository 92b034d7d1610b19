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
from mcvalue.priors.families.base import TAILS, Family


@dataclass(frozen=True)
class Domain:
    """Where a quantity's values may lie: [low, high], with ``low`` excluded if ``open_low``.

    ``floor`` and ``ceiling`` bound the magnitude of the marginal's p0.1 and p99.9, so a
    valid-looking but absurd prior (1e308 dollars, a subnormal lower end) is refused at
    validation instead of overflowing the benefit-cost ratio; ``bound_why`` says why.
    """

    low: float
    high: float
    open_low: bool
    why: str
    floor: float = -math.inf
    ceiling: float = math.inf
    bound_why: str = ""

    def contains(self, x: float) -> bool:
        """Tell whether ``x`` is a legal value (as written in the file)."""
        above = x > self.low if self.open_low else x >= self.low
        return above and x <= self.high

    def span(self) -> str:
        """E.g. ``[0, 1]`` or ``(0, inf)``."""
        return f"{'(' if self.open_low else '['}{self.low:g}, {self.high:g}{']' if math.isfinite(self.high) else ')'}"


MONEY = Domain(
    0.0,
    math.inf,
    True,
    "an amount of money must be positive",
    floor=1e-12,
    ceiling=1e16,
    bound_why="amounts of money must lie between 1e-12 and 1e16 USD (world GDP is ~1e14 USD a year)",
)
THRESHOLD = Domain(
    0.0,
    math.inf,
    True,
    "an activity threshold (commits or active days per six months) must be positive",
    floor=1e-3,
    ceiling=1e5,
    bound_why="an activity threshold must lie between 0.001 and 100,000 per six months",
)
FRACTION = Domain(0.0, 1.0, False, "a share or fraction is a probability-like number in [0, 1]")
COVERAGE = Domain(
    1.0,
    math.inf,
    False,
    "coverage >= 1: the MLOSS universe is at least the sample",
    ceiling=1e6,
    bound_why="coverage must be below 1e6 (the MLOSS universe a million times the sample)",
)
RATIO = Domain(
    0.0,
    math.inf,
    True,
    "a ratio of two amounts must be positive",
    floor=1e-6,
    ceiling=1e6,
    bound_why="a ratio of value to spending must lie between 1e-6 and 1e6",
)
HEADCOUNT = Domain(
    0.0,
    math.inf,
    True,
    "a number of people must be positive",
    floor=1.0,
    ceiling=1e10,
    bound_why="a number of people must lie between 1 and 1e10 (the world's population is ~8e9)",
)

#: Keys whose numbers are in the quantity's own unit, so must lie in its domain.
_VALUE_KEYS = ("value", "values", "min", "mode", "max", "lower", "upper", "mean", "ci90", "ci95")


def in_domain(domain: Domain) -> Callable[[Family], Family]:
    """After-validator: the numbers written, the marginal's support and its tails lie in ``domain``."""

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
        p_low, p_high = (float(v) for v in dist.ppf(np.array(TAILS)))
        if p_high > domain.ceiling:
            raise fail(f"{dist.describe()} has p99.9 = {p_high:g}, above {domain.ceiling:g}: {domain.bound_why}")
        if p_low < domain.floor:
            raise fail(f"{dist.describe()} has p0.1 = {p_low:g}, below {domain.floor:g}: {domain.bound_why}")
        return spec

    return check
