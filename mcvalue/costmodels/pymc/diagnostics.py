"""Convergence checks of a fitted cost model, over every parameter of the model.

Rank-normalised R-hat <= 1.01 (NaN fails), bulk and tail ESS >= 400, no divergent
transition, E-BFMI >= 0.3 in every chain, no draw at the maximum tree depth (ArviZ's
figures). :func:`convergence_diagnostics` returns them with the worst offender;
:func:`convergence_message` is the one line a failed fit ends in, and
:func:`convergence_failure` the sentence reports carry for a fit run anyway.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, WINDOW_EFFECTS

if TYPE_CHECKING:
    from xarray import DataTree

MAX_RHAT = 1.01
MIN_ESS = 400.0
MIN_BFMI = 0.3
#: nutpie's per-draw flag of a trajectory cut at the maximum tree depth (PyMC's own sampler
#: called it ``reached_max_treedepth``).
TREEDEPTH_STAT = "maxdepth_reached"


def convergence_diagnostics(idata: DataTree) -> dict:
    """Return the issue's convergence figures over every parameter, and the worst offender.

    ``worst`` is the parameter/figure pair furthest past (or, if all pass, nearest to) its
    threshold, measured as a ratio to the threshold.
    """
    import arviz as az

    names = list(HYPERPARAMETERS + REPO_EFFECTS + WINDOW_EFFECTS)
    post = idata.posterior.dataset[names]
    figures = {
        "r_hat": _flatten(az.rhat(post, method="rank")),
        "ess_bulk": _flatten(az.ess(post, method="bulk")),
        "ess_tail": _flatten(az.ess(post, method="tail")),
    }
    stats = idata.sample_stats
    divergences = int(stats["diverging"].values.sum())
    treedepth_hits = int(stats[TREEDEPTH_STAT].values.sum()) if TREEDEPTH_STAT in stats else 0
    bfmi = np.asarray(az.bfmi(idata)["energy"].values, dtype=float)
    badness = []  # (ratio past threshold: > 1 fails, label, figure, value, threshold)
    for label, value in figures["r_hat"].items():
        ratio = np.inf if not np.isfinite(value) else (value - 1.0) / (MAX_RHAT - 1.0)
        badness.append((ratio, label, "r_hat", value, MAX_RHAT))
    for fig in ("ess_bulk", "ess_tail"):
        for label, value in figures[fig].items():
            ratio = np.inf if not np.isfinite(value) else MIN_ESS / max(value, 1e-12)
            badness.append((ratio, label, fig, value, MIN_ESS))
    for chain, value in enumerate(bfmi):
        badness.append((MIN_BFMI / max(value, 1e-12), f"chain {chain}", "e_bfmi", float(value), MIN_BFMI))
    if divergences:
        badness.append((np.inf, "sampler", "divergences", float(divergences), 0.0))
    if treedepth_hits:
        badness.append((np.inf, "sampler", "max_treedepth_hits", float(treedepth_hits), 0.0))
    ratio, label, fig, value, threshold = max(badness, key=lambda b: b[0])
    converged = not any(b[0] > 1.0 for b in badness)
    return {
        "max_rhat": _nan_max(figures["r_hat"].values()),
        "min_ess_bulk": _nan_min(figures["ess_bulk"].values()),
        "min_ess_tail": _nan_min(figures["ess_tail"].values()),
        "divergences": divergences,
        "min_bfmi": float(bfmi.min()),
        "max_treedepth_hits": treedepth_hits,
        "converged": converged,
        "worst": {"parameter": label, "figure": fig, "value": float(value), "threshold": threshold},
    }


def worst_figure(worst: dict) -> str:
    """Say which parameter's figure is nearest (or past) its threshold, e.g. "x has r_hat = 1.31 (threshold 1.01)"."""
    return f"{worst['parameter']} has {worst['figure']} = {worst['value']:.4g} (threshold {worst['threshold']:g})"


def convergence_message(diagnostics: dict) -> str:
    """One line naming the worst parameter and figure of a failed fit (the error of ``mcvalue fit`` and ``run``)."""
    return (
        f"the cost model did not converge: {worst_figure(diagnostics['worst'])}; its FTE draws are unreliable: "
        "pass --allow-unconverged to run on with the failure recorded"
    )


def _flatten(dataset) -> dict[str, float]:
    """{'name' or 'name[coord]': value} from an ArviZ per-variable result."""
    out = {}
    for name, da in dataset.data_vars.items():
        if da.ndim == 0:
            out[name] = float(da.values)
            continue
        dim = da.dims[0]
        for coord, value in zip(da[dim].values, da.values, strict=False):
            out[f"{name}[{coord}]"] = float(value)
    return out


def _nan_max(values) -> float:
    """Max that returns NaN if any value is NaN (a NaN R-hat must show, not vanish)."""
    arr = np.array(list(values), dtype=float)
    return float("nan") if np.isnan(arr).any() else float(arr.max())


def _nan_min(values) -> float:
    """Min that returns NaN if any value is NaN."""
    arr = np.array(list(values), dtype=float)
    return float("nan") if np.isnan(arr).any() else float(arr.min())


def convergence_failure(diagnostics: dict) -> str | None:
    """For a fit that failed its convergence checks (run anyway), what failed; else None."""
    if diagnostics.get("converged") is not False:
        return None
    w = diagnostics.get("worst") or {}
    worst = f"; worst: {worst_figure(w)}" if {"parameter", "figure", "value", "threshold"} <= set(w) else ""
    return f"the Bayesian cost model failed its convergence checks and was run on with --allow-unconverged{worst}"
