"""The result every cost model returns: FTE draws and what a report must say about them (:func:`estimand`).

Its own module so that :mod:`mcvalue.costmodels.cache`, which the package's entry point
uses, can build one without importing the package (no import cycle).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.priors.settings import AVERAGE_TARGET

if TYPE_CHECKING:
    from mcvalue.costmodels.pymc.ppc import PosteriorPredictive


@dataclass(frozen=True)
class CostSide:
    """The FTE draws of one cost model and what a report must say about them.

    Attributes
    ----------
    model : str
        ``pymc``, ``bootstrap`` or ``table1``.
    fte : numpy.ndarray
        ``(m, POOL_WIDTH)`` FTE pool rows: the five Table 1 figures, then the threshold curve.
    description : str
        One line saying what the draws are.
    diagnostics : dict
        JSON-ready checks: the fit's convergence figures and PPC p-values for pymc, the
        replicate count for the bootstrap.
    data : dict or None
        The sample's provenance (mode, cleaning, file sha256s); None for table1.
    ppc : PosteriorPredictive or None
        The fit's posterior predictive check (observed arrays, replicates, p-values), the
        very replicates the report plots; None for the other models.
    posterior_path : pathlib.Path or None
        Where the fitted posterior is cached (pymc only).
    fte_by_year : numpy.ndarray or None
        ``(m, Y, POOL_WIDTH)`` FTE of each draw in each of ``years`` (row i of every year is the
        same draw as row i of ``fte``): what a stock adds up (pymc under
        ``[cost] basis = "stock"`` only).
    years : tuple of int
        The years of ``fte_by_year``' axis 1, ``stock_start`` to the target year.
    """

    model: str
    fte: np.ndarray
    description: str
    diagnostics: dict[str, Any]
    data: dict[str, Any] | None = None
    ppc: PosteriorPredictive | None = None
    posterior_path: Path | None = None
    fte_by_year: np.ndarray | None = None
    years: tuple[int, ...] = ()


def estimand(target_year: int | str) -> str:
    """One sentence saying what the FTE is: whose activity, which year (for every report and ``mcvalue fit``)."""
    who = (
        "FTE is the number of full-time engineers whose work equals one year of the sampled repos' development "
        "activity (their human contributors, plus the units of sync accounts that publish company engineers' work)"
    )
    if target_year == AVERAGE_TARGET:
        return f"{who}, averaged over the sampled two-week windows (2009-2022): the paper's long-run average."
    return f"{who} at the activity level the cost model's time trends predict for {target_year}."
