"""Corrections applied to a cost side after its model: the threshold curve in active days, GitHub's top-100 cut.

Both multiply the FTE draws (and the per-year draws) by factors measured on the sample,
leaving the fit and its cache untouched, so switching a correction off costs no refit.
Separate from the cost models (:mod:`mcvalue.costmodels.dispatch` applies them) because
they are the same for every draw source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcvalue.costmodels.side import CostSide

if TYPE_CHECKING:
    from mcvalue.data.tables import Sample


def in_active_days(cost: CostSide, sample: Sample) -> CostSide:
    """Return the Bayesian cost side with its threshold curve in active days where the sample records them.

    The Bayesian model has a likelihood for commits per contributor, not for active days,
    so its threshold curve counts commits. On a collected sample (``active_days`` in the
    contributions) the curve at each grid threshold is multiplied by the sample's own ratio
    of the method's FTE from active days to that from commits
    (:func:`mcvalue.costmodels.bootstrap.active_days_ratio`): the calibration's measure,
    with the ratio's sampling error left out. The paper's sample is returned unchanged.
    """
    from dataclasses import replace

    from mcvalue.costmodels.bootstrap import active_days_ratio
    from mcvalue.costmodels.threshold import TABLE1_COLUMNS

    ratio = active_days_ratio(sample)
    if ratio is None or cost.fte.shape[-1] == TABLE1_COLUMNS:
        return cost
    factors = np.concatenate([np.ones(TABLE1_COLUMNS), ratio])
    return replace(
        cost,
        fte=cost.fte * factors,
        fte_by_year=None if cost.fte_by_year is None else cost.fte_by_year * factors,
        description=f"{cost.description}; threshold method in active days (the sample's ratio to commits)",
        diagnostics={**cost.diagnostics, "threshold_activity": {"measure": "active_days", "ratio_to_commits": [round(float(r), 6) for r in ratio]}},
    )


def corrected_for_top100(cost: CostSide, sample: Sample, scrape_references: bool = True, scrape_sample: bool = True) -> CostSide:
    """Return the cost side with each draw's FTE multiplied by a draw of the top-100 cut's correction.

    The scrape read GitHub's contributors page, which lists only the top 100 contributors
    of all time: for larger repositories its counts are lower bounds. The correction and
    its uncertainty are :func:`mcvalue.costmodels.topcut.topcut_correction`; the fit
    itself (and its cache) is untouched, so switching the correction off costs no refit.
    ``scrape_references`` False (references collected from git) leaves the reference
    means uncorrected: git's windows have no cut; ``scrape_sample`` False (a sample
    collected from git priced by the scrape's reference windows) corrects the references
    alone.
    """
    from dataclasses import replace

    from mcvalue.costmodels.topcut import topcut_correction

    correction = topcut_correction(sample, len(cost.fte), scrape_references=scrape_references, scrape_sample=scrape_sample)
    what = "scrape counts" if scrape_sample else "the scrape's reference windows"
    factors = pool_factors(correction.factors, cost.fte.shape[-1])
    by_year = None if cost.fte_by_year is None else cost.fte_by_year * factors[:, None, :]
    return replace(
        cost,
        fte=cost.fte * factors,
        fte_by_year=by_year,
        description=f"{cost.description}; {what} corrected for GitHub's top-100 contributors cut",
        diagnostics={**cost.diagnostics, "top100_correction": correction.summary},
    )


def pool_factors(factors: np.ndarray, width: int) -> np.ndarray:
    """Return per-method correction factors laid out as FTE pool rows of ``width`` columns.

    ``factors`` is ``(n, 6)`` in METHOD_KEYS order; the five Table 1 columns take theirs and
    every column of the threshold curve takes the threshold method's (a Table-1-only pool
    takes the first five).
    """
    from mcvalue.costmodels.threshold import TABLE1_COLUMNS, THRESHOLD_INDEX

    table1 = factors[:, :TABLE1_COLUMNS]
    curve = np.repeat(factors[:, THRESHOLD_INDEX : THRESHOLD_INDEX + 1], width - TABLE1_COLUMNS, axis=1)
    return np.concatenate([table1, curve], axis=1)
