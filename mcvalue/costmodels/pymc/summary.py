"""What ``mcvalue fit`` reports: posterior FTE beside the paper, the point figures and the bootstrap.

:func:`fit_summary` turns a sample and its fit into a JSON-ready record
(:func:`mcvalue.report.text.render_fit` prints it). The posterior median FTE of each
method is checked against the two-stage bootstrap's 90% interval, and a disagreement is
written into the summary with the reason to look for, never dropped (the bootstrap's
estimand is the long-run average of the sampled windows, so at a target year the two
differ by the trend as well).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.costmodels.dispatch import BOOTSTRAP_REPLICATES
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS
from mcvalue.costmodels.side import estimand
from mcvalue.priors.settings import AVERAGE_TARGET as AVERAGE
from mcvalue.vocab.paper import METHOD_KEYS, METHODS_BY_KEY

if TYPE_CHECKING:
    from mcvalue.costmodels.pymc.fit import FitResult
    from mcvalue.data.tables import Sample


def fit_summary(sample: Sample, fit: FitResult, rng: np.random.Generator) -> dict[str, Any]:
    """JSON-ready summary: diagnostics, FTE per method (posterior, paper, point, bootstrap), PPC.

    A method the references cannot price (NaN FTE) has no entry under ``fte``.
    """
    import arviz as az

    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.costmodels.table1 import method_fte

    point = method_fte(sample)
    boot = bootstrap_fte(sample, BOOTSTRAP_REPLICATES, rng)
    boot_lo, boot_hi = np.quantile(boot, [0.05, 0.95], axis=0)
    fte, notes = {}, []
    for j, key in enumerate(METHOD_KEYS[:len(METHODS_BY_KEY)]):
        draws = fit.fte[:, j]
        if not np.isfinite(draws).all():  # no reference units for it: named in the warnings
            continue
        median = float(np.median(draws))
        inside = bool(boot_lo[j] <= median <= boot_hi[j])
        fte[key] = {
            "median": median,
            "ci90": [float(np.quantile(draws, 0.05)), float(np.quantile(draws, 0.95))],
            "paper": METHODS_BY_KEY[key].paper_fte,
            "point": float(point[key]),
            "bootstrap_ci90": [float(boot_lo[j]), float(boot_hi[j])],
            "median_inside_bootstrap_ci90": inside,
        }
        if not inside:
            notes.append(
                f"{key}: posterior median {median:.1f} lies outside the bootstrap's 90% interval "
                f"[{boot_lo[j]:.1f}, {boot_hi[j]:.1f}]; " + (
                    "the model pools the reference repo towards the other repos and smooths heavy tails, the bootstrap uses raw sample means"
                    if fit.target_year == AVERAGE
                    else f"the posterior is for {fit.target_year}, the bootstrap for the long-run average of the sampled windows "
                    "(--target-year average compares like with like)"
                )
            )
    hyper = az.summary(fit.idata, var_names=list(HYPERPARAMETERS), kind="all", ci_prob=0.9, ci_kind="eti", round_to="none")
    return {
        "mode": sample.mode,
        "cleaning": sample.cleaning.to_dict(),
        "target_year": fit.target_year,
        "estimand": estimand(fit.target_year),
        "trend": fit.trend,
        "diagnostics": fit.diagnostics,
        "fte": fte,
        "bootstrap_notes": notes,
        "hyperparameters": {name: {k: float(v) for k, v in row.items()} for name, row in hyper.iterrows()},
        "ppc": fit.ppc.p_values(),
        "ppc_misfits": fit.ppc_misfits,
        "draws": int(fit.fte.shape[0]),
        "from_cache": fit.from_cache,
        "warnings": list(fit.warnings),
        "cache_path": str(fit.cache_path),
    }
