"""The paper's five costing methods (Table 1) and its published figures.

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

METHOD_KEYS: tuple[str, ...] = tuple(m.key for m in METHODS)
METHODS_BY_KEY: dict[str, CostingMethod] = {m.key: m for m in METHODS}
