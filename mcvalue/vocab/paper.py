"""Every figure Langenkamp & Yue (AIES 2022) publish that mcvalue uses, defined once.

The five costing methods of Table 1 with their published figures, the salary, the
benefit chain of section 3.2 and the headline ratio.

A costing method turns the sample into full-time-equivalent engineer-years (FTE): the
units produced per year across all repos, divided by the units one reference-repo
contributor produces per year. Table 1's cost per year is ``salary * FTE``.
Figures are facts quoted from Langenkamp & Yue (AIES 2022), Table 1.
"""

from dataclasses import dataclass
from typing import Literal

Unit = Literal["commits", "contributors", "lines"]
Reference = Literal["pytorch", "tensorflow"]

PAPER_SALARY_USD = 300_000.0
PERIODS_PER_YEAR = 26
PAPER_BENEFIT_USD = 30e9
#: The paper's headline claim: at least $100 of value per $1 (section 3.2).
PAPER_BCR = 100.0

#: The benefit chain (section 3.2): $3T AI value, cut by 10, 10% to algorithms, all MLOSS.
PAPER_BENEFIT_CHAIN: tuple[tuple[str, float], ...] = (
    ("benefit.ai_value_usd", 3e12),
    ("benefit.haircut", 0.1),
    ("benefit.attribution_share", 0.1),
    ("benefit.mloss_share", 1.0),
)

#: GitHub owner/repo (lower case) of each reference organisation.
REFERENCE_REPOS: dict[str, str] = {"pytorch": "pytorch/pytorch", "tensorflow": "tensorflow/tensorflow"}


@dataclass(frozen=True)
class CostingMethod:
    """One row of Table 1: a unit of work and the repo whose contributors price it."""

    unit: Unit
    reference: Reference
    paper_cost_per_unit: float
    paper_units_per_year: float
    paper_cost_per_year: float

    @property
    def key(self) -> str:
        """Identifier used in prior files, tables and JSON, e.g. ``commits_pytorch``."""
        return f"{self.unit}_{self.reference}"

    @property
    def paper_fte(self) -> float:
        """The paper's implied FTE-years: cost per year / salary."""
        return self.paper_cost_per_year / PAPER_SALARY_USD


#: Table 1 of the paper, in its row order.
METHODS: tuple[CostingMethod, ...] = (
    CostingMethod("commits", "pytorch", 2.43e3, 123.90e3, 300.48e6),
    CostingMethod("contributors", "pytorch", 300.00e3, 779.0, 233.70e6),
    CostingMethod("lines", "tensorflow", 34.09, 5.49e6, 187.09e6),
    CostingMethod("lines", "pytorch", 34.08, 5.49e6, 187.06e6),
    CostingMethod("commits", "tensorflow", 986.04, 123.90e3, 122.17e6),
)

#: The keys of Table 1's five methods, in its row order.
TABLE1_KEYS: tuple[str, ...] = tuple(m.key for m in METHODS)
#: The costing method that needs no reference repository (issue 26, not the paper's):
#: FTE = sum over contributor-periods of min(activity / t, 1); see :mod:`mcvalue.costmodels.threshold`.
THRESHOLD_KEY = "activity_threshold"
#: Every costing method of the mixture: Table 1's five, in its row order, then :data:`THRESHOLD_KEY`.
METHOD_KEYS: tuple[str, ...] = TABLE1_KEYS + (THRESHOLD_KEY,)
METHODS_BY_KEY: dict[str, CostingMethod] = {m.key: m for m in METHODS}
