"""The time-trend structures a run can choose (``[cost] trend_structure``), and the FTE each gives at a target year.

The estimand is the FTE at a target year (default 2021), an extrapolation of the fitted
trends for every repository whose sampled windows end earlier. How far each repository's
own trend is trusted there is a modelling choice; :data:`STRUCTURES` offers four:

- ``repo trends`` (the default): the shipped model, a global yearly trend plus repo
  deviations pooled by ``trend_sd ~ LogNormal(log 0.12, 0.5)`` (:class:`ModelPriors`'s defaults);
- ``global trend``: every repo grows at the global rate (``trend_sd ~ LogNormal(log 0.001, 0.1)``);
- ``pooled slopes``: the repo deviations pooled harder toward the global trend
  (``trend_sd ~ LogNormal(log 0.034, 0.5)``, the median of cost model version 7's ``HalfNormal(0.05)``);
- ``no extrapolation``: the default priors and posterior, with each repo's trend stopped at
  the ends of its own sampled span: the FTE at a year past a repo's last window is that
  repo's FTE at its last window (:func:`fte_clamped`). Under ``target_year = "average"``
  every repo is evaluated at its own windows' dates, inside its span, so this structure
  then gives exactly the repo trends' FTE.

A structure other than the default changes the fit's priors and therefore the posterior
cache key (:func:`mcvalue.costmodels.pymc.posterior_cache.cache_key` hashes them); the
no-extrapolation structure shares the default's posterior.

The evidence for the default is the forecast check (``mcvalue calibrate --forecast``,
:mod:`mcvalue.calibration.forecast`): docs/calibrate.md section 2 and
results/calibration/forecast.json. It cannot tell the structures apart, and the 2021
contributors FTE moves by 16% between the repo trends and the global trend.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from mcvalue.costmodels.pymc.derived import fte_from_params
from mcvalue.costmodels.pymc.model import ModelPriors, TargetYear
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.priors.settings import AVERAGE_TARGET, DEFAULT_TREND_STRUCTURE, TREND_STRUCTURES


@dataclass(frozen=True)
class Structure:
    """A time-trend structure: the priors its fit uses, and whether trends stop at each repo's span."""

    name: str
    priors: ModelPriors
    clamp: bool = False


STRUCTURES: tuple[Structure, ...] = (
    Structure("repo trends", ModelPriors()),
    # repo trend sds pinned near 0.001 a year: one global trend
    Structure("global trend", ModelPriors(trend_sd_median=0.001, trend_sd_log_sigma=0.1)),
    # slopes pooled hard toward the global trend (median sd 0.034 a year, that of version 7's HalfNormal(0.05))
    Structure("pooled slopes", ModelPriors(trend_sd_median=0.034, trend_sd_log_sigma=0.5)),
    Structure("no extrapolation", ModelPriors(), clamp=True),
)


def structure(name: str = DEFAULT_TREND_STRUCTURE) -> Structure:
    """Return the structure called ``name`` (one of :data:`mcvalue.priors.settings.TREND_STRUCTURES`).

    Examples
    --------
    >>> structure("no extrapolation").clamp
    True
    """
    if name not in TREND_STRUCTURES:
        raise ValueError(f"trend_structure: unknown trend structure {name!r}; choose one of {', '.join(TREND_STRUCTURES)}")
    return next(s for s in STRUCTURES if s.name == name)


def repo_spans(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """(R,) first and last window midpoint of each repo (NaN for a repo without windows)."""
    first = np.full(data.n_repos, np.nan)
    last = np.full(data.n_repos, np.nan)
    np.fmin.at(first, data.period_repo, data.period_time)
    np.fmax.at(last, data.period_repo, data.period_time)
    return first, last


def fte_clamped(params: dict[str, np.ndarray], data: ModelData, year: int) -> np.ndarray:
    """(D, POOL_WIDTH) FTE at ``year`` with each repo's trend stopped at the ends of its sampled span (no extrapolation).

    :func:`mcvalue.costmodels.pymc.derived.fte_from_params` with the "average" target on a
    design of one window per repo, dated ``year + 0.5`` clipped to the repo's span: the same
    formula, each repo at its own date.
    """
    first, last = repo_spans(data)
    repos = np.arange(data.n_repos)
    t = np.clip(np.full(data.n_repos, year + 0.5), first, last)
    one_each = replace(data, period_repo=repos, period_time=np.where(np.isfinite(t), t, year + 0.5))
    sync = {u: data.sync_per_period(u) for u in ("commits", "lines")}
    one_each = replace(
        one_each, period_sync_commits=sync["commits"], period_sync_lines=sync["lines"], period_contributors=np.zeros(data.n_repos, dtype=np.int64)
    )
    return fte_from_params(params, one_each, AVERAGE_TARGET)


def structure_fte(params: dict[str, np.ndarray], data: ModelData, target_year: TargetYear, clamp: bool = False) -> np.ndarray:
    """(D, POOL_WIDTH) FTE pool rows at ``target_year``, each repo's trend stopped at its span if ``clamp``.

    ``clamp`` is :attr:`Structure.clamp` of the run's structure. The clamped FTE
    (:func:`fte_clamped`) for a target year; otherwise :func:`fte_from_params` (under
    ``"average"`` the repos are evaluated inside their spans, so clamping would change nothing).
    """
    if clamp and target_year != AVERAGE_TARGET:
        return fte_clamped(params, data, int(target_year))
    return fte_from_params(params, data, target_year)
