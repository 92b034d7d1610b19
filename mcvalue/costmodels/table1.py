"""The paper's published Table 1 as a cost model: constant FTE draws, no sampling error.

Used when the sample itself is unavailable (offline, no copy) or asked for explicitly
with ``--cost-model table1``. Each costing method's FTE is the paper's implied figure
``cost per year / $300K`` (:attr:`mcvalue.methods.CostingMethod.paper_fte`), quoted as a
fact from Langenkamp & Yue (AIES 2022), Table 1. The cost side then carries only the
uncertainty of the prior quantities (salary, fractions, coverage) and the method mixture.
"""

import numpy as np

from mcvalue.methods import METHODS

#: One line for reports: what the cost side is when this model is used.
DESCRIPTION = "the paper's published Table 1 cost figures (no fit, no sampling uncertainty)"


def paper_fte() -> np.ndarray:
    """The five methods' published FTE-years, in :data:`mcvalue.methods.METHOD_KEYS` order."""
    return np.array([m.paper_fte for m in METHODS], dtype=float)


def table1_fte(n: int) -> np.ndarray:
    """``(n, 5)`` FTE draws, every row the published Table 1 figures."""
    return np.tile(paper_fte(), (n, 1))
