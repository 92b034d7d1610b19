"""Replicate the sample's design from per-repo parameters: simulated data for checks and calibration.

Used by the posterior predictive check (:mod:`mcvalue.costmodels.pymc.ppc`), parameter
recovery and simulation-based calibration (:mod:`mcvalue.calibration`). Separate from the
PyMC graph because it draws with numpy only, one draw of the parameters at a time.
"""

from __future__ import annotations

import numpy as np

from mcvalue.costmodels.pymc.libm import libm_exp
from mcvalue.costmodels.pymc.model import TIME_ORIGIN
from mcvalue.costmodels.pymc.model_data import ModelData


def simulate_data(params: dict[str, np.ndarray], data: ModelData, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Replicate the sample's design from per-repo parameters (one draw: (R,) arrays, scalars).

    ``params`` is :func:`mcvalue.costmodels.pymc.derived.repo_params` output for a single draw; ``data`` gives the design
    (each window's repo and date; its observations are not used). Windows get *new* window
    effects drawn from the window sds, so replicates show the between-window spread the
    model implies. Returns (period_contributors (P,), contrib_period (N,), contrib_commits
    (N,), contrib_lines (N,)); lines are left continuous (the model's lognormal body).
    Used for posterior predictive checks, parameter recovery and calibration.
    """
    repo, t = data.period_repo, data.period_time - TIME_ORIGIN
    mu = libm_exp(params["contrib_log_mean"][repo] + params["contrib_slope"][repo] * t)
    n = _negbin(mu, float(params["contrib_alpha"]), rng)
    commit_e = rng.normal(0.0, float(params["commit_window_sd"]), repo.size)
    line_e = rng.normal(0.0, float(params["line_window_sd"]), repo.size)
    period = np.repeat(np.arange(repo.size), n)
    r, tp = repo[period], t[period]
    m = libm_exp(params["commit_log_mean"][r] + params["commit_slope"][r] * tp + commit_e[period])
    commits = 1 + _negbin(m, float(params["commit_alpha"]), rng)
    lam = params["lam"][r] + params["line_slope"][r] * tp + line_e[period]
    lines = libm_exp(rng.normal(lam, params["s"][r]))
    lines[rng.random(lines.size) < float(params["line_zero_prob"])] = 0.0
    return n, period, commits, lines


def replace_observations(
    data: ModelData, period_contributors: np.ndarray, contrib_period: np.ndarray, contrib_commits: np.ndarray, contrib_lines: np.ndarray
) -> ModelData:
    """Return ``data``'s design (repos, windows, dates, sync units) with other observations: simulated data."""
    from dataclasses import replace

    return replace(
        data,
        period_contributors=np.asarray(period_contributors, dtype=np.int64),
        contrib_period=np.asarray(contrib_period, dtype=np.int64),
        contrib_commits=np.asarray(contrib_commits, dtype=np.int64),
        contrib_lines=np.asarray(contrib_lines, dtype=float),
    )


def _negbin(mean: np.ndarray, alpha: float, rng: np.random.Generator) -> np.ndarray:
    """Negative binomial draws with the given mean and PyMC's alpha (var = mu + mu^2/alpha).

    The gamma rate is capped at 1e15 so that a wild draw of an unconverged fit (whose PPC
    is reported as unreliable anyway) cannot overflow numpy's Poisson sampler; NaN rates
    (an infinite dispersion) give 0.
    """
    rate = np.nan_to_num(rng.gamma(alpha, mean / alpha), nan=0.0, posinf=1e15)
    return rng.poisson(np.clip(rate, 0.0, 1e15))
