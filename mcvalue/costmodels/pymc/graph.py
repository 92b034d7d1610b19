"""The PyMC graph of the cost model: exact sufficient statistics, the likelihoods on them, the repo levels.

:func:`build_model` assembles the model the docstring of :mod:`mcvalue.costmodels.pymc.model`
describes. Separate from that definition because only this module (and the sampler that
runs it) needs pymc and pytensor: the statistics are numpy, the log-likelihood pieces
pytensor expressions, the repo-level priors PyMC variables.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

import numpy as np

from mcvalue.costmodels.pymc.model import CENTRE_MIN_ROWS, TIME_ORIGIN, ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData, active_windows

if TYPE_CHECKING:
    import pymc as pm
    from pytensor.tensor.variable import TensorVariable

    #: A pytensor expression (pytensor's operators return Any to type checkers).
    Tensor = TensorVariable[Any, Any]


def negbin_statistics(group: np.ndarray, value: np.ndarray, n_groups: int) -> dict[str, np.ndarray]:
    """Exact sufficient statistics of iid-within-group negative binomial counts with one common alpha.

    The NB log pmf ``gammaln(y + a) - gammaln(a) - gammaln(y + 1) + a log(a / (a + mu)) +
    y log(mu / (a + mu))`` splits into a part of (y, a) alone, summed over the distinct
    values with their multiplicities, and a part of (mu, a) that needs only each group's row
    count and sum: ``values``, ``counts`` (distinct y, multiplicity), ``n``, ``total`` (per
    group) and ``const`` (``-sum gammaln(y + 1)``). The real sample's 2,064 distinct
    (window, commits) pairs become 549 windows and 71 distinct values; with this a
    gradient of the whole model costs ~60 us instead of ~460 us.
    """
    from scipy.special import gammaln

    values, counts = np.unique(np.asarray(value, dtype=np.int64), return_counts=True)
    return {
        "values": values.astype(float),
        "counts": counts.astype(float),
        "n": np.bincount(group, minlength=n_groups).astype(float),
        "total": np.bincount(group, weights=np.asarray(value, dtype=float), minlength=n_groups),
        "const": np.array(-float(np.sum(counts * gammaln(values + 1.0)))),
    }


def _negbin_loglik(log_mu: Tensor, alpha: Tensor, stats: dict[str, np.ndarray]) -> Tensor:
    """Return the summed NB log-likelihood of :func:`negbin_statistics` (a pytensor scalar), exact.

    ``log_mu`` is each group's log mean; ``log(a + mu)`` is taken as a logaddexp so that
    neither a large mean nor a large alpha loses precision.
    """
    import pytensor.tensor as pt
    from pytensor.tensor.special import logaddexp

    log_alpha = pt.log(alpha)
    log_a_plus_mu = logaddexp(log_alpha, log_mu)
    by_value = pt.sum(stats["counts"] * (pt.gammaln(stats["values"] + alpha) - pt.gammaln(alpha)))
    by_group = pt.sum(stats["n"] * alpha * (log_alpha - log_a_plus_mu) + stats["total"] * (log_mu - log_a_plus_mu))
    return cast("Tensor", by_value + by_group + stats["const"])


def line_statistics(data: ModelData) -> dict[str, np.ndarray]:
    """Per-window sufficient statistics of the lines hurdle-lognormal (exact), over active windows.

    n_pos, mean_log, within_ss: count, mean and within-window sum of squared deviations of
    log lines over positive rows (mean and sum of squares 0 where a window has none);
    n_zero, n_total: the hurdle's zero count and row count (summed: it is global).
    """
    windows, contrib_window = active_windows(data)
    pos = data.contrib_lines > 0
    logs = np.log(data.contrib_lines[pos].astype(float))
    w = contrib_window[pos]
    n_pos = np.bincount(w, minlength=windows.size).astype(float)
    mean_log = np.bincount(w, weights=logs, minlength=windows.size) / np.maximum(n_pos, 1.0)
    return {
        "n_pos": n_pos,
        "mean_log": mean_log,
        "within_ss": np.bincount(w, weights=(logs - mean_log[w]) ** 2, minlength=windows.size),
        "n_zero": np.array(float((~pos).sum())),
        "n_total": np.array(float(pos.size)),
    }


def _lines_body_loglik(lam: Tensor, log_s: Tensor, window_sd: Tensor, stats: dict[str, np.ndarray]) -> Tensor:
    """Log-likelihood of the positive log lines with the window effects integrated out (exact).

    In a window with n positive rows, ``log l_i = lam + e + eps_i`` with ``e ~ N(0, tau^2)``
    and ``eps_i ~ N(0, s^2)``: the n values are jointly normal with covariance ``s^2 I +
    tau^2 11'`` (determinant ``s^(2(n-1)) (s^2 + n tau^2)``), so the window's mean and
    within-window sum of squares ``SS`` carry it all::

        -(n - 1) log s - SS / (2 s^2) - log(s^2 + n tau^2) / 2 - n (mean - lam)^2 / (2 (s^2 + n tau^2))

    (``n/2 log 2 pi`` dropped). Windows without positive rows contribute nothing. ``lam``
    and ``log_s`` are per active window.
    """
    import pytensor.tensor as pt

    has = np.flatnonzero(stats["n_pos"] > 0)
    n, mean, ss = stats["n_pos"][has], stats["mean_log"][has], stats["within_ss"][has]
    log_s = log_s[has]
    var_mean_n = pt.exp(2.0 * log_s) + n * window_sd**2
    return cast(
        "Tensor",
        pt.sum(
            -(n - 1.0) * log_s - 0.5 * ss * pt.exp(-2.0 * log_s) - 0.5 * pt.log(var_mean_n) - 0.5 * n * (mean - lam[has]) ** 2 / var_mean_n
        ),
    )


def _partially_centred(name: str, level: Tensor, sd: Tensor, centred: np.ndarray) -> Tensor:
    """Return a repo vector ``~ Normal(level, sd)``, centred where ``centred`` is True and non-centred elsewhere.

    One sampled vector ``{name}_raw``: ``Normal(level, sd)`` for centred repos (their data pin
    them), standard normal for the others (``value = level + sd * raw``: few data, the funnel
    a centred form falls into when ``sd`` is small). Returns the values (a pytensor vector).
    """
    import pymc as pm
    import pytensor.tensor as pt

    mask = pt.as_tensor_variable(np.asarray(centred, dtype=bool))
    raw = pm.Normal(f"{name}_raw", pt.switch(mask, level, 0.0), pt.switch(mask, sd, 1.0), dims="repo")
    return cast("Tensor", pt.switch(mask, raw, level + sd * raw))


def _repo_level(
    prefix: str, priors: ModelPriors, intercept: tuple[float, float], centred: np.ndarray
) -> tuple[Tensor, Tensor]:
    """Repo log means (partially centred) and a non-centred repo trend for one likelihood; returns (log_mean, slope).

    The between-repo sd has a lognormal prior (median ``priors.{prefix}_sd_median``, log-sd
    ``priors.repo_sd_log_sigma``); ``{prefix}_log_mean`` is kept as a deterministic.
    """
    import pymc as pm

    level = pm.Normal(f"{prefix}_intercept", *intercept)
    sd = pm.LogNormal(f"{prefix}_sd", np.log(getattr(priors, f"{prefix}_sd_median")), priors.repo_sd_log_sigma)
    log_mean = pm.Deterministic(f"{prefix}_log_mean", _partially_centred(f"{prefix}_log_mean", level, sd, centred), dims="repo")
    trend = pm.Normal(f"{prefix}_trend", 0.0, priors.trend_sigma)
    trend_sd = pm.LogNormal(f"{prefix}_trend_sd", np.log(priors.trend_sd_median), priors.trend_sd_log_sigma)
    trend_z = pm.Normal(f"{prefix}_trend_z", 0.0, 1.0, dims="repo")
    return log_mean, trend + trend_sd * trend_z


def centred_repos(data: ModelData) -> dict[str, np.ndarray]:
    """(R,) which repos' effects are centred, per likelihood: those with >= CENTRE_MIN_ROWS rows of its data.

    Contributors and commits count a repo's contributor-periods, lines its positive-lines rows.
    """
    rows = np.bincount(data.contrib_repo, minlength=data.n_repos)
    positive = np.bincount(data.contrib_repo[data.contrib_lines > 0], minlength=data.n_repos)
    return {"contrib": rows >= CENTRE_MIN_ROWS, "commit": rows >= CENTRE_MIN_ROWS, "line": positive >= CENTRE_MIN_ROWS}


def build_model(data: ModelData, priors: ModelPriors = ModelPriors()) -> pm.Model:
    """Return the PyMC model of the module docstring, on exact sufficient statistics.

    Code compiled from it targets the portable instruction-set level
    (:func:`mcvalue.costmodels.pymc.codegen.use_portable_target`, called first, before any
    numba compilation a prior or posterior draw from the model would start).
    """
    from mcvalue.costmodels.pymc.codegen import use_portable_target

    use_portable_target()
    import pymc as pm
    import pytensor.tensor as pt

    windows, contrib_window = active_windows(data)
    coords = {"repo": list(data.repos), "window": [int(w) for w in windows]}
    t_period = data.period_time - TIME_ORIGIN
    w_repo, w_t = data.period_repo[windows], t_period[windows]
    n_periods = data.period_repo.size
    contrib_stats = negbin_statistics(np.arange(n_periods), data.period_contributors, n_periods)
    commit_stats = negbin_statistics(contrib_window, data.contrib_commits - 1, windows.size)
    stats = line_statistics(data)
    centred = centred_repos(data)
    with pm.Model(coords=coords) as model:
        log_mu, contrib_slope = _repo_level("contrib", priors, (priors.contrib_intercept_mu, priors.contrib_intercept_sigma), centred["contrib"])
        contrib_isa = pm.HalfNormal("contrib_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        period_log_mu = log_mu[data.period_repo] + contrib_slope[data.period_repo] * t_period
        pm.Potential("contributors_loglik", _negbin_loglik(period_log_mu, 1.0 / contrib_isa**2, contrib_stats))

        log_m, commit_slope = _repo_level("commit", priors, (priors.commit_intercept_mu, priors.commit_intercept_sigma), centred["commit"])
        commit_isa = pm.HalfNormal("commit_inv_sqrt_alpha", priors.inv_sqrt_alpha_scale)
        commit_wsd = pm.HalfNormal("commit_window_sd", priors.commit_window_sd_scale)
        commit_wz = pm.Normal("commit_window_z", 0.0, 1.0, dims="window")
        window_log_m = log_m[w_repo] + commit_slope[w_repo] * w_t + commit_wsd * commit_wz
        pm.Potential("commits_loglik", _negbin_loglik(window_log_m, 1.0 / commit_isa**2, commit_stats))

        lam_r, line_slope = _repo_level("line", priors, (priors.line_intercept_mu, priors.line_intercept_sigma), centred["line"])
        ls_intercept = pm.Normal("line_log_sigma_intercept", priors.line_log_sigma_mu, priors.line_log_sigma_sigma)
        ls_sd = pm.HalfNormal("line_log_sigma_sd", priors.line_log_sigma_sd_scale)
        ls_z = pm.Normal("line_log_sigma_z", 0.0, 1.0, dims="repo")
        line_wsd = pm.HalfNormal("line_window_sd", priors.line_window_sd_scale)
        lam = lam_r[w_repo] + line_slope[w_repo] * w_t
        log_s = (ls_intercept + ls_sd * ls_z)[w_repo]
        pm.Potential("lines_body_loglik", _lines_body_loglik(lam, log_s, line_wsd, stats))
        zero_prob = pm.Beta("line_zero_prob", priors.line_zero_alpha, priors.line_zero_beta)
        n_zero, n_total = stats["n_zero"], stats["n_total"]
        pm.Potential("lines_zero_loglik", n_zero * pt.log(zero_prob) + (n_total - n_zero) * pt.log1p(-zero_prob))
    return model
