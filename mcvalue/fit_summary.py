"""What ``mcvalue fit`` reports: posterior FTE beside the paper, the point figures and the bootstrap.

:func:`fit_and_summarise` loads the sample, fits (or loads) the cost model, and returns a
JSON-ready summary; :func:`render` turns it into text. The posterior median FTE of each
method is checked against the two-stage bootstrap's 90% interval, and a disagreement is
written into the summary with the reason to look for, never dropped.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mcvalue.costmodels.pymc_model import HYPERPARAMETERS
from mcvalue.fit import DEFAULT_SEED, FitResult, fit_cost_model
from mcvalue.methods import METHOD_KEYS, METHODS_BY_KEY

BOOTSTRAP_REPLICATES = 2000


def fit_and_summarise(
    mode: str = "clean",
    data_dir: Path | None = None,
    *,
    refit: bool = False,
    allow_unconverged: bool = False,
    progress: bool = True,
) -> dict:
    """Fit the cost model to the sample in ``mode`` and summarise it (see :func:`summarise`)."""
    from mcvalue.data import load_sample

    sample = load_sample(mode=mode, data_dir=data_dir)
    fit = fit_cost_model(sample, refit=refit, progress=progress, allow_unconverged=allow_unconverged)
    return summarise(sample, fit, np.random.default_rng(DEFAULT_SEED))


def summarise(sample, fit: FitResult, rng: np.random.Generator) -> dict:
    """JSON-ready summary: diagnostics, FTE per method (posterior, paper, point, bootstrap), PPC."""
    import arviz as az

    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.table1 import method_fte

    point = method_fte(sample)
    boot = bootstrap_fte(sample, BOOTSTRAP_REPLICATES, rng)
    boot_lo, boot_hi = np.quantile(boot, [0.05, 0.95], axis=0)
    fte, notes = {}, []
    for j, key in enumerate(METHOD_KEYS):
        draws = fit.fte[:, j]
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
                f"[{boot_lo[j]:.1f}, {boot_hi[j]:.1f}]; the model pools the reference repo towards "
                "the other repos and smooths heavy tails, the bootstrap uses raw sample means"
            )
    hyper = az.summary(fit.idata, var_names=list(HYPERPARAMETERS), kind="all", round_to=4)
    return {
        "mode": sample.mode,
        "cleaning": sample.cleaning.to_dict(),
        "diagnostics": fit.diagnostics,
        "fte": fte,
        "bootstrap_notes": notes,
        "hyperparameters": {name: {k: float(v) for k, v in row.items()} for name, row in hyper.iterrows()},
        "ppc": fit.ppc,
        "ppc_misfits": fit.ppc_misfits,
        "draws": int(fit.fte.shape[0]),
        "from_cache": fit.from_cache,
        "cache_path": str(fit.cache_path),
    }


def to_json(summary: dict) -> str:
    """The summary as strict JSON: floats to 6 significant figures, NaN/inf (e.g. a NaN R-hat) as null."""
    import json

    from mcvalue.report import jsonable

    return json.dumps(jsonable(summary), indent=2, allow_nan=False)


def render(summary: dict) -> str:
    """The summary as text: hyperparameters, FTE table, diagnostics, PPC p-values and misfits."""
    lines = [f"Bayesian cost model, {summary['mode']} mode ({summary['draws']} posterior draws"
             + (", loaded from cache)" if summary["from_cache"] else ")")]
    lines += ["", "Hyperparameters (ArviZ summary):"]
    cols = ("mean", "sd", "hdi_3%", "hdi_97%", "ess_bulk", "ess_tail", "r_hat")
    lines.append(f"  {'':26s}" + "".join(f"{c:>10s}" for c in cols))
    for name, row in summary["hyperparameters"].items():
        lines.append(f"  {name:26s}" + "".join(f"{row[c]:>10.4g}" for c in cols))
    lines += ["", "FTE engineer-years per costing method:"]
    lines.append(f"  {'method':20s}{'posterior median':>17s}{'posterior 90%':>20s}{'paper':>9s}{'point':>9s}{'bootstrap 90%':>20s}")
    for key, f in summary["fte"].items():
        post = f"[{f['ci90'][0]:.0f}, {f['ci90'][1]:.0f}]"
        boot = f"[{f['bootstrap_ci90'][0]:.0f}, {f['bootstrap_ci90'][1]:.0f}]"
        lines.append(f"  {key:20s}{f['median']:>17.1f}{post:>20s}{f['paper']:>9.1f}{f['point']:>9.1f}{boot:>20s}")
    lines += [f"  note: {n}" for n in summary["bootstrap_notes"]]
    d = summary["diagnostics"]
    w = d["worst"]
    lines += [
        "",
        "Convergence (need R-hat <= 1.01, ESS >= 400, 0 divergences, E-BFMI >= 0.3, no max-depth draws):",
        f"  max R-hat {d['max_rhat']:.4f}   min bulk ESS {d['min_ess_bulk']:.0f}   min tail ESS {d['min_ess_tail']:.0f}",
        f"  divergences {d['divergences']}   min E-BFMI {d['min_bfmi']:.2f}   max-depth draws {d['max_treedepth_hits']}",
        (f"  nearest its threshold: {w['parameter']} {w['figure']} = {w['value']:.4g} (threshold {w['threshold']:g})   CONVERGED"
         if d["converged"] else
         f"  worst: {w['parameter']} {w['figure']} = {w['value']:.4g} (threshold {w['threshold']:g})   "
         "NOT CONVERGED: results from this fit are unreliable"),
        "",
        "Posterior predictive p-values (mid-p of T(rep) vs T(obs)):",
    ]
    for quantity, ps in summary["ppc"].items():
        lines.append(f"  {quantity:14s}" + "   ".join(f"{s} {p:.3f}" for s, p in ps.items()))
    if summary["ppc_misfits"]:
        lines.append("Where the model fits badly:")
        lines += [f"  - {m}" for m in summary["ppc_misfits"]]
    else:
        lines.append("No p-value outside [0.05, 0.95].")
    return "\n".join(lines)
