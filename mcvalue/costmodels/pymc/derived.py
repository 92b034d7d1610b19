"""Quantities derived in numpy from posterior draws: per-repo parameters, expected units, FTE, trends.

The model's derived quantities are plain numpy functions of the draws, not PyMC
deterministics, so that the FTE formula is one function testable by hand, a cached
posterior serves any target year without a refit, and the decision analysis can
re-evaluate them cheaply. :func:`fte_from_params` gives the FTE pool rows a run uses.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mcvalue.costmodels.pymc.model import LIKELIHOODS, TIME_ORIGIN, GrowthSummary, TargetYear
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.priors.settings import AVERAGE_TARGET as AVERAGE
from mcvalue.priors.settings import DEFAULT_TARGET_YEAR
from mcvalue.vocab.paper import METHODS, REFERENCE_REPOS


def repo_params(posterior: dict[str, np.ndarray], exp: Callable[[np.ndarray], np.ndarray] = np.exp) -> dict[str, np.ndarray]:
    """Per-repo natural-scale parameters from draws of the model's parameters.

    ``posterior`` maps each parameter name to an array whose leading axis is the draw
    (scalars: (D,), repo effects: (D, R)). Returns (D, R) arrays: log means at
    :data:`TIME_ORIGIN` ``contrib_log_mean``, ``commit_log_mean``, ``lam``, yearly log
    slopes ``contrib_slope``, ``commit_slope``, ``line_slope``, lines log-sd ``s``; and (D,)
    ``contrib_alpha``, ``commit_alpha``, ``line_zero_prob``, ``commit_window_sd``,
    ``line_window_sd``. ``exp`` computes ``s``: a simulated dataset's true parameters pass
    :func:`mcvalue.costmodels.pymc.libm.libm_exp`, so that its data have the same bits on
    every CPU.
    """
    col: Callable[[str], np.ndarray] = lambda name: np.asarray(posterior[name], dtype=float)[:, None]  # noqa: E731
    arr: Callable[[str], np.ndarray] = lambda name: np.asarray(posterior[name], dtype=float)  # noqa: E731
    slopes = {f"{p}_slope": col(f"{p}_trend") + col(f"{p}_trend_sd") * arr(f"{p}_trend_z") for p in LIKELIHOODS.values()}
    return {
        "contrib_log_mean": arr("contrib_log_mean"),
        "commit_log_mean": arr("commit_log_mean"),
        "lam": arr("line_log_mean"),
        **slopes,
        "s": exp(col("line_log_sigma_intercept") + col("line_log_sigma_sd") * arr("line_log_sigma_z")),
        "contrib_alpha": 1.0 / arr("contrib_inv_sqrt_alpha") ** 2,
        "commit_alpha": 1.0 / arr("commit_inv_sqrt_alpha") ** 2,
        "line_zero_prob": arr("line_zero_prob"),
        "commit_window_sd": arr("commit_window_sd"),
        "line_window_sd": arr("line_window_sd"),
    }


def units_at(params: dict[str, np.ndarray], repo: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
    """Return expected contributors per period and units per contributor-period of ``repo`` at times ``t``.

    ``repo`` and ``t`` (years from :data:`TIME_ORIGIN`) are (E,) evaluation points; returns
    (D, E) arrays ``mu`` and, per unit, ``per_contributor`` (window effects integrated out).
    """
    at: Callable[[str, str], np.ndarray] = lambda name, prefix: params[name][:, repo] + params[f"{prefix}_slope"][:, repo] * t  # noqa: E731
    half_var: Callable[[str], np.ndarray] = lambda name: (0.5 * params[name] ** 2)[:, None]  # noqa: E731
    mu = np.exp(at("contrib_log_mean", "contrib"))
    commits = 1.0 + np.exp(at("commit_log_mean", "commit") + half_var("commit_window_sd"))
    lines = (1.0 - params["line_zero_prob"])[:, None] * np.exp(
        at("lam", "line") + 0.5 * params["s"][:, repo] ** 2 + half_var("line_window_sd")
    )
    return {"mu": mu, "contributors": np.ones_like(mu), "commits": commits, "lines": lines}


def expected_units(
    params: dict[str, np.ndarray], period_repo: np.ndarray, period_time: np.ndarray, target_year: TargetYear = DEFAULT_TARGET_YEAR
) -> dict[str, dict[str, np.ndarray]]:
    """Return expected units per contributor-period and per period, for each repo, (D, R) each.

    At a target year every repo is evaluated at that year. For :data:`AVERAGE` each repo
    is evaluated at its own sampled windows' midpoints and averaged: per period, the mean
    over its windows of ``mu(t) * u(t)``; per contributor-period, the contributor-weighted
    mean ``sum mu(t) u(t) / sum mu(t)`` (what a sample mean over its rows estimates).
    Returns ``{"per_contributor": {unit: ...}, "per_period": {unit: ...}}`` for the units
    contributors, commits and lines (sync units not included).
    """
    n_repos = params["contrib_log_mean"].shape[1]
    repo, t = _evaluation_points(params, period_repo, period_time, target_year)
    at = units_at(params, repo, t)
    onehot = np.zeros((repo.size, n_repos))
    onehot[np.arange(repo.size), repo] = 1.0
    counts = np.maximum(onehot.sum(axis=0), 1.0)
    mu_sum = at["mu"] @ onehot
    per_period = {u: (at["mu"] * at[u]) @ onehot / counts for u in ("contributors", "commits", "lines")}
    per_contrib = {u: (at["mu"] * at[u]) @ onehot / np.maximum(mu_sum, 1e-300) for u in ("contributors", "commits", "lines")}
    return {"per_contributor": per_contrib, "per_period": per_period}


def _evaluation_points(
    params: dict[str, np.ndarray], period_repo: np.ndarray, period_time: np.ndarray, target_year: TargetYear
) -> tuple[np.ndarray, np.ndarray]:
    """Return the (repo, years from TIME_ORIGIN) points a target year evaluates: each repo at the year, or its windows for AVERAGE."""
    n_repos = params["contrib_log_mean"].shape[1]
    if target_year == AVERAGE:
        return np.asarray(period_repo), np.asarray(period_time, dtype=float) - TIME_ORIGIN
    return np.arange(n_repos), np.full(n_repos, float(target_year) + 0.5 - TIME_ORIGIN)


def threshold_curve(
    params: dict[str, np.ndarray], data: ModelData, target_year: TargetYear = DEFAULT_TARGET_YEAR, grid: np.ndarray | None = None
) -> np.ndarray:
    """(D, G) the activity-threshold method's FTE at each threshold per window of ``grid`` (default :data:`mcvalue.costmodels.threshold.GRID`).

    FTE(g) = sum over repos of E[n] E[min(C / g, 1)], C the commits of a contributor-period
    in a new window (its window effect integrated out,
    :func:`mcvalue.costmodels.threshold.expected_fraction`); under :data:`AVERAGE`, each
    repo's mean over its sampled windows' dates, as in :func:`expected_units`. Sync
    accounts are left out, as in the contributors method.
    """
    from mcvalue.costmodels.threshold import GRID, expected_fraction

    repo, t = _evaluation_points(params, data.period_repo, data.period_time, target_year)
    mu = np.exp(params["contrib_log_mean"][:, repo] + params["contrib_slope"][:, repo] * t)
    mean_extra = np.exp(params["commit_log_mean"][:, repo] + params["commit_slope"][:, repo] * t)
    counts = np.maximum(np.bincount(repo, minlength=data.n_repos), 1)
    grid = GRID if grid is None else np.asarray(grid, dtype=float)
    scale = mu * (data.summed / counts)[repo][None, :]
    return expected_fraction(mean_extra, params["commit_alpha"], params["commit_window_sd"], grid, scale=scale)


def fte_from_params(params: dict[str, np.ndarray], data: ModelData, target_year: TargetYear = DEFAULT_TARGET_YEAR) -> np.ndarray:
    """(D, POOL_WIDTH) FTE pool rows for ``target_year`` (a year, or :data:`AVERAGE`).

    The first five columns are the Table 1 methods in METHOD_KEYS order: FTE = sum over
    repos of (expected units per period + observed mean sync units per period) / the
    reference repo's expected units per contributor-period; for the contributors method
    the denominator is 1, so FTE is the sum of expected active contributors per period (with
    or without its nominal reference repo in the sample). A year means the middle of that
    year (``year + 0.5``). The reference is the first unit of the reference repo; a commits
    or lines method whose reference repo is not in the sample gets NaN. The
    remaining columns are the activity-threshold method's FTE on its grid of thresholds
    (:func:`threshold_curve`, :mod:`mcvalue.costmodels.threshold`). Reference-only units
    (:attr:`ModelData.reference_only`) price their reference and are left out of the sums.
    """
    units = expected_units(params, data.period_repo, data.period_time, target_year)
    out = np.full((params["contrib_log_mean"].shape[0], len(METHODS)), np.nan)
    summed = data.summed
    for j, method in enumerate(METHODS):
        ref = data.reference_unit(REFERENCE_REPOS[method.reference])
        total = (units["per_period"][method.unit] * summed).sum(axis=1) + (data.sync_per_period(method.unit) * summed).sum()
        if method.unit == "contributors":
            out[:, j] = total
        elif ref is not None:
            out[:, j] = total / units["per_contributor"][method.unit][:, ref]
    return np.concatenate([out, threshold_curve(params, data, target_year)], axis=1)


def trend_summary(posterior: dict[str, np.ndarray]) -> dict[str, GrowthSummary]:
    """Per likelihood, the global yearly growth factor ``exp(trend)``: median and 90% interval."""
    out: dict[str, GrowthSummary] = {}
    for name, prefix in LIKELIHOODS.items():
        factor = np.exp(np.asarray(posterior[f"{prefix}_trend"], dtype=float))
        lo, med, hi = np.quantile(factor, [0.05, 0.5, 0.95])
        out[name] = {"median": float(med), "ci90": [float(lo), float(hi)]}
    return out
