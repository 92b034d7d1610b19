"""The PERT family: a beta on [min, max] with mode ``mode`` and concentration ``lambda`` (4 by default)."""

from typing import Literal

from pydantic import Field

from mcvalue.priors.families.base import ModeFamily, Positive
from mcvalue.priors.families.beta import BetaLaw
from mcvalue.priors.families.law import Law
from mcvalue.priors.families.quantiles import PERT_LAMBDA
from mcvalue.priors.settings import Distribution


def pert_shape(minimum: float, mode: float, maximum: float, lam: float) -> tuple[float, float]:
    """Beta parameters of PERT(min, mode, max, lambda): 1 + lambda (mode - min) / range, ..."""
    span = maximum - minimum
    return 1.0 + lam * (mode - minimum) / span, 1.0 + lam * (maximum - mode) / span


class PertSpec(ModeFamily):
    """PERT: a beta on [min, max] with mode ``mode`` and concentration ``lambda`` (4 by default, kept when fitting quantiles)."""

    dist: Literal["pert"]
    lam: Positive = Field(PERT_LAMBDA, alias="lambda")
    SYNOPSIS = "min, mode, max | quantiles; optional lambda (default 4)"
    EXAMPLE = {"dist": "pert", "min": 10.0, "mode": 12.0, "max": 15.0}

    @classmethod
    def mode_law(cls, low: float, mode: float, high: float, lam: float) -> Law:
        """Return the PERT on [low, high] with its mode at ``mode``: the beta of :func:`pert_shape`."""
        return BetaLaw(*pert_shape(low, mode, high, lam), loc=low, scale=high - low)

    def _build(self, keys: tuple[str, ...]) -> Distribution:
        shown = keys + (("lam",) if self.lam != PERT_LAMBDA else ())
        if keys == ("quantiles",):
            return self._from_quantiles(shown, self.lam)
        self._check_order()
        law = self.mode_law(self._number("min"), self._number("mode"), self._number("max"), self.lam)
        return self._truncated(law, shown)
