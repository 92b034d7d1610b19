"""Which time-trend structure forecasts windows it has not seen? Fit before a cut-off year, predict the later windows.

The estimand is the FTE at 2021, an extrapolation for every repository whose sampled
windows end earlier. PSIS-LOO leaves out windows *inside* each repository's span, so it
cannot say which trend structure extrapolates honestly. This check can: the model is
fitted to the windows whose midpoint falls before ``cutoff`` (default 2019), and each
structure predicts the later windows of the same repositories (those with at least one
window before the cut-off).

Structures (:data:`mcvalue.costmodels.pymc.trends.STRUCTURES`, where a run chooses one as
``[cost] trend_structure``):

- ``repo trends``: the shipped model, a global yearly trend plus repo deviations pooled by
  ``trend_sd ~ LogNormal(log 0.12, 0.5)``;
- ``global trend``: every repo grows at the global rate (``trend_sd ~ LogNormal(log 0.001, 0.1)``,
  as ``results/calibration/loo_trend.json`` did with a half-normal);
- ``pooled slopes``: the repo deviations pooled harder toward the global trend
  (``trend_sd ~ LogNormal(log 0.034, 0.5)``, the median of version 7's ``HalfNormal(0.05)``);
- ``no extrapolation``: the shipped model's posterior, with each repo's trend stopped at the
  ends of its own sampled span (a window after the repo's last fitted window is predicted
  at that window's date); no fit of its own.

Scores, per held-out window (its repo, date, and observations):

- log predictive density (``log mean_d p(y | theta_d)``, summed over windows) of its
  active contributors (negative binomial), of its commits given its contributor count (a
  sum of negative binomials sharing one window effect, integrated by Gauss-Hermite
  quadrature) and of its lines given its rows (the hurdle and the lognormal body, window
  effect integrated exactly; the Jacobian ``-sum log l`` is left out: it is the same for
  every structure); ``total`` adds a window's three. A difference is given with its standard error over windows
  (``sqrt(n) sd`` of the pointwise differences, as for LOO);
- coverage of the 90% predictive intervals of its total contributors, commits and lines
  (replicates of whole windows, unconditional): a calibrated structure covers ~90%.

Beside the scores, from a fit of each structure to all windows: its FTE at the target
year (how much the answer moves with the choice), and PSIS-LOO of its three likelihoods,
leaving out one window at a time inside the sampled years (what
``results/calibration/loo_trend.json`` measured for contributors and lines; commits are
included here, their window effects being integrated out as above, so a window's
likelihood depends on no latent of its own).
"""

from __future__ import annotations

import warnings
from dataclasses import replace
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from mcvalue.costmodels.pymc.model import TIME_ORIGIN, ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData, active_windows
from mcvalue.costmodels.pymc.trends import STRUCTURES, repo_spans, structure_fte

if TYPE_CHECKING:
    from mcvalue.costmodels.pymc.fit import FitResult

#: Gauss-Hermite nodes for integrating the commits' window effect (exact to ~1e-6 for these integrands).
QUADRATURE_NODES = 24

#: Posterior draws used for the scores and replicates (evenly spaced over all draws).
SCORE_DRAWS = 1000


def subset_windows(data: ModelData, keep: np.ndarray) -> ModelData:
    """Return ``data`` restricted to the windows where ``keep`` is True (repos kept, contributor-periods re-indexed)."""
    keep = np.asarray(keep, dtype=bool)
    new_index = np.cumsum(keep) - 1
    rows = keep[data.contrib_period]
    return replace(
        data,
        period_repo=data.period_repo[keep],
        period_contributors=data.period_contributors[keep],
        period_time=data.period_time[keep],
        contrib_period=new_index[data.contrib_period[rows]],
        contrib_commits=data.contrib_commits[rows],
        contrib_lines=data.contrib_lines[rows],
        period_sync_commits=data.sync_units("commits")[keep],
        period_sync_lines=data.sync_units("lines")[keep],
    )


def split_at(data: ModelData, cutoff: float) -> tuple[ModelData, ModelData]:
    """(training, held-out): windows with midpoint before ``cutoff``; later windows of repos that have a training window."""
    before = data.period_time < cutoff
    seen = np.bincount(data.period_repo[before], minlength=data.n_repos) > 0
    return subset_windows(data, before), subset_windows(data, ~before & seen[data.period_repo])


def clamped(held: ModelData, fitted: ModelData) -> ModelData:
    """``held`` with each window's date moved inside its repo's span in ``fitted`` (the no-extrapolation structure)."""
    first, last = repo_spans(fitted)
    repo = held.period_repo
    return replace(held, period_time=np.clip(held.period_time, first[repo], last[repo]))


def thinned_params(params: dict[str, np.ndarray], n: int = SCORE_DRAWS) -> dict[str, np.ndarray]:
    """``n`` draws of :func:`repo_params` output, evenly spaced (all if there are fewer)."""
    total = params["contrib_log_mean"].shape[0]
    keep = np.linspace(0, total - 1, min(n, total)).astype(int)
    return {k: v[keep] for k, v in params.items()}


def _logmeanexp(x: np.ndarray, axis: int = 0) -> np.ndarray:
    """log(mean(exp(x))) along ``axis``, stably."""
    from scipy.special import logsumexp

    return cast(np.ndarray, logsumexp(x, axis=axis) - np.log(x.shape[axis]))


def _nb_logpmf(y: np.ndarray, mean: np.ndarray, alpha: np.ndarray) -> np.ndarray:
    """Negative binomial log pmf with PyMC's (mean, alpha) parametrisation."""
    from scipy.special import gammaln

    return cast(np.ndarray, gammaln(y + alpha) - gammaln(alpha) - gammaln(y + 1) + alpha * np.log(alpha / (alpha + mean)) + y * np.log(mean / (alpha + mean)))


def pointwise_loglik(params: dict[str, np.ndarray], held: ModelData) -> dict[str, np.ndarray]:
    """Log-likelihood of each window's contributors, commits and lines under each draw (see module docstring).

    Returns (D, P) ``contributors`` over all windows of ``held``, and (D, W) ``commits`` and
    ``lines`` over its active windows (at least one contributor-period). Each window's
    commits and lines have their window effect integrated out, so a window's three terms
    depend on the draw's parameters alone: what PSIS-LOO and a forecast's density need.
    """
    from scipy.special import logsumexp

    repo, t = held.period_repo, held.period_time - TIME_ORIGIN
    p = params
    mu = np.exp(p["contrib_log_mean"][:, repo] + p["contrib_slope"][:, repo] * t)
    alpha = p["contrib_alpha"][:, None]
    out = {"contributors": _nb_logpmf(held.period_contributors[None, :].astype(float), mu, alpha)}
    windows, contrib_window = active_windows(held)
    n = np.bincount(contrib_window, minlength=windows.size).astype(float)
    extra = np.bincount(contrib_window, weights=held.contrib_commits - 1.0, minlength=windows.size)
    w_repo, w_t = repo[windows], t[windows]
    nodes, weights = np.polynomial.hermite_e.hermegauss(QUADRATURE_NODES)
    weights = weights / weights.sum()
    log_m = p["commit_log_mean"][:, w_repo] + p["commit_slope"][:, w_repo] * w_t  # (D, W)
    effect = p["commit_window_sd"][:, None, None] * nodes[None, None, :]  # (D, 1, K)
    calpha = (n[None, :] * p["commit_alpha"][:, None])[:, :, None]
    lk = _nb_logpmf(extra[None, :, None], n[None, :, None] * np.exp(log_m[:, :, None] + effect), calpha)  # (D, W, K)
    out["commits"] = logsumexp(lk + np.log(weights), axis=2)
    pos = held.contrib_lines > 0
    logs = np.log(held.contrib_lines[pos])
    w = contrib_window[pos]
    n_pos = np.bincount(w, minlength=windows.size).astype(float)
    mean = np.bincount(w, weights=logs, minlength=windows.size) / np.maximum(n_pos, 1.0)
    ss = np.bincount(w, weights=(logs - mean[w]) ** 2, minlength=windows.size)
    lam = p["lam"][:, w_repo] + p["line_slope"][:, w_repo] * w_t
    s2 = p["s"][:, w_repo] ** 2
    var_n = s2 + n_pos * p["line_window_sd"][:, None] ** 2
    body = -0.5 * (n_pos - 1) * np.log(s2) - 0.5 * ss / s2 - 0.5 * np.log(var_n) - 0.5 * n_pos * (mean - lam) ** 2 / var_n - 0.5 * n_pos * np.log(2 * np.pi)
    zero = p["line_zero_prob"][:, None]
    out["lines"] = np.where(n_pos > 0, body, 0.0) + (n - n_pos) * np.log(zero) + n_pos * np.log1p(-zero)
    return out


def pointwise_lpd(params: dict[str, np.ndarray], held: ModelData) -> dict[str, np.ndarray]:
    """Log predictive density ``log mean_d p(y_w | theta_d)`` of each window, per likelihood (:func:`pointwise_loglik`).

    Returns (P,) arrays over all windows of ``held``: ``commits`` and ``lines`` are NaN for
    windows without contributor-periods.
    """
    loglik = pointwise_loglik(params, held)
    windows, _ = active_windows(held)
    out = {"contributors": _logmeanexp(loglik["contributors"])}
    for unit in ("commits", "lines"):
        out[unit] = np.full(held.period_repo.size, np.nan)
        out[unit][windows] = _logmeanexp(loglik[unit])
    return out


def psis_loo(params: dict[str, np.ndarray], data: ModelData) -> tuple[dict[str, dict[str, Any]], dict[str, np.ndarray]]:
    """PSIS-LOO (ArviZ) of each likelihood, leaving out one window at a time; the summary and the pointwise elpd.

    The summary gives per likelihood the elpd, its SE and the share of Pareto k above 0.7;
    the pointwise elpd (one value per window) lets two structures be compared with the SE
    of their difference. Within the sampled years only: a window left out has neighbours on
    both sides in time.
    """
    import arviz as az

    loglik = pointwise_loglik(params, data)
    draws = params["contrib_log_mean"].shape[0]
    tree = az.from_dict({"posterior": {"dummy": np.zeros((1, draws))}, "log_likelihood": {k: v[None, :, :] for k, v in loglik.items()}})
    summary, pointwise = {}, {}
    for unit in loglik:
        with warnings.catch_warnings():  # high Pareto k is reported in the record, not warned about
            warnings.simplefilter("ignore")
            loo = az.loo(tree, var_name=unit, pointwise=True)
        high_k = float((loo.pareto_k.values > 0.7).mean())
        summary[unit] = {"elpd": round(float(loo.elpd), 1), "se": round(float(loo.se), 1), "share_k_above_0.7": round(high_k, 3)}
        pointwise[unit] = np.asarray(loo.elpd_i.values, dtype=float).ravel()
    return summary, pointwise


def differences_from_best(pointwise: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, list[float]]]:
    """Per structure and likelihood: [sum of pointwise differences from the best structure, its SE (sqrt(n) sd)].

    ``pointwise`` maps structure -> likelihood -> per-window elpd (NaN where a window has none).
    """
    out: dict[str, dict[str, list[float]]] = {name: {} for name in pointwise}
    for unit in next(iter(pointwise.values())):
        best = max(pointwise, key=lambda name: np.nansum(pointwise[name][unit]))
        for name in pointwise:
            diff = pointwise[name][unit] - pointwise[best][unit]
            diff = diff[np.isfinite(diff)]
            out[name][unit] = [round(float(diff.sum()), 1), round(float(np.sqrt(diff.size) * diff.std()), 1)]
    return out


def interval_coverage(params: dict[str, np.ndarray], held: ModelData, rng: np.random.Generator) -> dict[str, float]:
    """Share of held-out windows whose total contributors, commits and lines lie in the 90% interval of replicated windows."""
    from mcvalue.costmodels.pymc.replicate import simulate_data

    n_windows = held.period_repo.size
    replicated: dict[str, list[np.ndarray]] = {u: [] for u in ("contributors", "commits", "lines")}
    for d in range(params["contrib_log_mean"].shape[0]):
        n, period, commits, lines = simulate_data({k: v[d] for k, v in params.items()}, held, rng)
        replicated["contributors"].append(n)
        replicated["commits"].append(np.bincount(period, weights=commits, minlength=n_windows))
        replicated["lines"].append(np.bincount(period, weights=lines, minlength=n_windows))
    observed = {
        "contributors": held.period_contributors.astype(float),
        "commits": np.bincount(held.contrib_period, weights=held.contrib_commits, minlength=n_windows),
        "lines": np.bincount(held.contrib_period, weights=held.contrib_lines, minlength=n_windows),
    }
    out = {}
    for unit, reps in replicated.items():
        low, high = np.quantile(np.array(reps), [0.05, 0.95], axis=0)
        out[unit] = float(np.mean((observed[unit] >= low) & (observed[unit] <= high)))
    return out


def _quantiles(values: np.ndarray) -> list[float]:
    """Median and 90% interval, rounded to whole FTE."""
    return cast(list[float], np.quantile(values, [0.5, 0.05, 0.95]).round(0).tolist())


def _fit(data: ModelData, priors: ModelPriors, progress: bool) -> FitResult:
    """Fit ``data`` with the production sampler under ``priors`` (cached like ``mcvalue fit``; a failed gate is recorded, not raised)."""
    from mcvalue.config import DEFAULT_SEED
    from mcvalue.costmodels.pymc.fit import fit_model_data
    from mcvalue.costmodels.pymc.sampling import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, SamplerSettings

    sampler = SamplerSettings(draws=DEFAULT_DRAWS, tune=DEFAULT_TUNE, chains=DEFAULT_CHAINS, seed=DEFAULT_SEED)
    return fit_model_data(data, sampler=sampler, priors=priors, progress=progress, allow_unconverged=True)


def forecast_check(data: ModelData, *, cutoff: float = 2019.0, target_year: int = 2021, seed: int = 20190101, progress: bool = False) -> dict[str, Any]:
    """Fit every structure before ``cutoff``, score its forecasts of the later windows, and give its FTE at ``target_year``.

    Returns the JSON-ready record of ``results/calibration/forecast.json``: the split, and
    per structure the training and full fits' convergence, the elpd of each likelihood
    (and its difference from the best structure, with SE), the 90% interval coverage of
    each unit, and the FTE at ``target_year`` of every method (median, 5%, 95%; the
    activity-threshold method's at :data:`mcvalue.calibration.design.RANKED_THRESHOLD` commits
    per window, the point of its curve calibration ranks too).
    """
    from mcvalue.calibration.design import ranked_fte
    from mcvalue.costmodels.pymc.derived import repo_params
    from mcvalue.costmodels.pymc.fit import posterior_draws
    from mcvalue.vocab.paper import METHOD_KEYS

    train, held = split_at(data, cutoff)
    fits: dict[ModelPriors, tuple[FitResult, FitResult]] = {}
    pointwise, loo_pointwise, out = {}, {}, {}
    for structure in STRUCTURES:
        if structure.priors not in fits:
            fits[structure.priors] = (_fit(train, structure.priors, progress), _fit(data, structure.priors, progress))
        fitted, full = fits[structure.priors]
        params = thinned_params(repo_params(posterior_draws(fitted.idata)))
        target = clamped(held, train) if structure.clamp else held
        lpd = pointwise_lpd(params, target)
        pointwise[structure.name] = lpd | {"total": lpd["contributors"] + np.nan_to_num(lpd["commits"]) + np.nan_to_num(lpd["lines"])}
        full_params = repo_params(posterior_draws(full.idata))
        loo_summary = None
        if not structure.clamp:  # inside the sampled span clamping changes nothing: its LOO is the shipped model's
            loo_summary, loo_pointwise[structure.name] = psis_loo(thinned_params(full_params), data)
        pool = structure_fte(full_params, data, target_year, structure.clamp)
        fte = ranked_fte(pool)  # the threshold method at RANKED_THRESHOLD, not its curve's first grid point
        out[structure.name] = {
            "training_fit_converged": bool(fitted.diagnostics["converged"]),
            "full_fit_psis_loo": loo_summary,
            "full_fit_converged": bool(full.diagnostics["converged"]),
            "elpd": {unit: round(float(np.nansum(v)), 1) for unit, v in pointwise[structure.name].items()},
            "coverage_90": {u: round(c, 3) for u, c in interval_coverage(params, target, np.random.default_rng(seed)).items()},
            f"fte_{target_year}": {key: _quantiles(fte[:, j]) for j, key in enumerate(METHOD_KEYS)},
        }
    for name, diffs in differences_from_best(pointwise).items():
        out[name]["elpd_difference_from_best"] = diffs
    for name, diffs in differences_from_best(loo_pointwise).items():
        out[name]["full_fit_psis_loo_difference_from_best"] = diffs
    return {
        "cutoff": cutoff,
        "target_year": target_year,
        "training_windows": int(train.period_repo.size),
        "held_out_windows": int(held.period_repo.size),
        "held_out_active_windows": int(np.unique(held.contrib_period).size),
        "held_out_repos": int(np.unique(held.period_repo).size),
        "held_out_years_beyond_last_training_window": _beyond(held, train),
        "structures": out,
    }


def _beyond(held: ModelData, train: ModelData) -> list[float]:
    """Median and maximum of how many years each held-out window lies beyond its repo's last training window."""
    _, last = repo_spans(train)
    gap = held.period_time - last[held.period_repo]
    return np.round([np.median(gap), gap.max()], 2).tolist() if gap.size else []
