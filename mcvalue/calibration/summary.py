"""What a calibration shows: the fits' failures, and whether each quantity's ranks are uniform.

Uniformity: a chi-square test of each quantity's rank counts in equal bins (up to 10, about
five datasets a bin), over all fits and over the fits that passed every convergence gate.
With ``k`` quantities tested, a p-value below ``0.01 / k`` (Bonferroni at 1%) rejects
uniformity. A dataset whose true value of a quantity is not finite (a prior draw so extreme
that the quantity overflows) has no meaningful rank for it: it is left out of that
quantity's test and counted (``non_finite_truths``). Non-uniform ranks mean the fit does not compute the model's posterior (or the
simulator is not the model); the shape tells which (Talts et al. 2018, figure 4:
a U is an over-confident posterior, a hump an under-confident one, a slope a bias).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from mcvalue.calibration.design import CalibrationSettings, quantities
from mcvalue.calibration.fits import STOPPED
from mcvalue.calibration.ranks import bin_counts, uniformity_p
from mcvalue.costmodels.pymc.attempt_rule import RULE
from mcvalue.costmodels.pymc.diagnostics import MAX_RHAT, MIN_ESS

#: The family-wise level of the uniformity tests (Bonferroni over the quantities).
FAMILY_LEVEL = 0.01


def n_bins(n_datasets: int, thinned: int) -> int:
    """Bins for ``n_datasets`` ranks: about five per bin, 2 to 10, and a divisor of ``thinned + 1``."""
    target = max(2, min(10, n_datasets // 5))
    return max((b for b in range(2, target + 1) if (thinned + 1) % b == 0), default=2)


def uniformity(records: list[dict[str, Any]], thinned: int) -> dict[str, Any]:
    """Per quantity: the bin counts and chi-square p-value of its ranks (finite truths only); the bins; the Bonferroni threshold."""
    names = quantities()
    bins = n_bins(len(records), thinned)
    out = {}
    for name in names:
        ranked = [r["ranks"][name] for r in records if np.isfinite(r["truth"][name])]
        counts = bin_counts(np.array(ranked, dtype=int), thinned, bins)
        out[name] = {"p_value": uniformity_p(counts), "counts": counts.tolist(), "non_finite_truths": len(records) - len(ranked)}
    threshold = FAMILY_LEVEL / len(names)
    rejected = [name for name, q in out.items() if q["p_value"] < threshold]
    return {"datasets": len(records), "bins": bins, "threshold": threshold, "non_uniform": rejected, "quantities": out}


def summarise(records: list[dict[str, Any]], settings: CalibrationSettings, design_rows: int) -> dict[str, Any]:
    """Return the summary of a calibration's records (``summary.json``): failures, gates, uniformity.

    ``design_rows`` is the sample's own number of contributor-periods, beside the simulated
    datasets' sizes (a prior predictive check of the priors on this design). A dataset the
    sampler could not start on, or whose fit the step budget stopped (its record has a
    ``failure``), counts among the fits failing their gates and is listed with its reason;
    having no finished trace, it has no ranks, no R-hat and no ESS, so ``all_fits`` and the
    gate counts are over the fits that sampled.
    """
    n = len(records)
    sampled = [r for r in records if "failure" not in r]  # the sampler started and finished (fits.unstarted_record, fits.stopped_record)
    converged = [r for r in sampled if r["converged"]]
    rows = [r["rows"] for r in records]
    return {
        "datasets": n,
        "sampler": f"nutpie {settings.chains}x{settings.draws} after {settings.tune}, target_accept {settings.target_accept} (first attempt)",
        "step_budget": settings.step_budget,
        "model_version": settings.priors.settings()["model_version"],
        "target_year": settings.target_year,
        "thinned": settings.thinned,
        "attempts_rule": RULE,
        "fits_needing_a_second_attempt": sum(r["attempts"] >= 2 for r in records),
        "fits_needing_a_third_attempt": sum(r["attempts"] >= 3 for r in records),
        "divergent_fits": sum(r["divergences"] > 0 for r in sampled),
        "fits_failing_gates": n - len(converged),
        "fits_without_a_starting_point": [{"dataset": r["dataset"], "failure": r["failure"]} for r in records if "failure" in r and r["worst"] != STOPPED],
        "fits_stopped_at_the_step_budget": [{"dataset": r["dataset"], "failure": r["failure"]} for r in records if "failure" in r and r["worst"] == STOPPED],
        f"fits_with_rhat_above_{MAX_RHAT}": sum(not r["max_rhat"] <= MAX_RHAT for r in sampled),
        f"fits_with_ess_below_{MIN_ESS:.0f}": sum(not min(r["min_ess_bulk"], r["min_ess_tail"]) >= MIN_ESS for r in sampled),
        "prior_predictive": {
            "design_contributor_periods": design_rows,
            "simulated_contributor_periods_5_50_95": np.quantile(rows, [0.05, 0.5, 0.95]).round().astype(int).tolist() if rows else [],
        },
        "all_fits": uniformity(sampled, settings.thinned) if sampled else None,
        "converged_fits": uniformity(converged, settings.thinned) if converged else None,
    }
