"""Monte Carlo engine: prior draws + FTE draws -> cost, benefit and BCR draws.

    cost_m  = salary * FTE_m * coverage * fraction_m      (one column per costing method m;
              fraction_m = fte_fraction_contributor for the contributors method,
              fte_fraction_reference for the commits/lines methods)
    cost    = cost_m of the method drawn for that draw, by the method weights
    benefit = ai_value * haircut * attribution_share * mloss_share
    bcr     = benefit / cost
"""

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Simulation:
    """The draws of one Monte Carlo run (all arrays have length ``n`` = draw count).

    inputs:          each prior quantity's draws (after any rank correlation), by name
    fte:             (n, 5) FTE draws per costing method, columns in METHOD_KEYS order
    method_index:    (n,) index into METHOD_KEYS of the method each draw uses (mixture)
    cost_by_method:  (n, 5) cost per year in USD under each method
    cost, benefit, bcr: (n,) the mixture's cost, benefit and benefit-cost ratio
    """

    inputs: dict[str, np.ndarray]
    fte: np.ndarray
    method_index: np.ndarray
    cost_by_method: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    bcr: np.ndarray
    seed: int
