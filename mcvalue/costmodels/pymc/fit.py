"""Fit the Bayesian cost model, check convergence, cache the posterior, run the PPC once.

:func:`fit_cost_model` is what ``mcvalue fit`` and ``mcvalue run --cost-model pymc`` call.
It returns a :class:`FitResult` with the InferenceData, (draws x 5) FTE draws in
``METHOD_KEYS`` order, convergence diagnostics and posterior predictive p-values.

Convergence is enforced (:mod:`mcvalue.costmodels.pymc.diagnostics`): a failure raises
:class:`mcvalue.errors.ConvergenceError` naming the worst parameter and figure, unless
``allow_unconverged`` (then ``diagnostics["converged"]`` is False and callers must say so
in their reports). The posterior predictive check is computed here, once, from its own
seeded stream: the p-values and the replicates the report plots are the same draws.

The sampler call and its interrupt guard are :mod:`mcvalue.costmodels.pymc.sampling`; the
posterior cache on disk (its key, atomic and verified files) is
:mod:`mcvalue.costmodels.pymc.posterior_cache`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.config import DEFAULT_SEED
from mcvalue.costmodels.pymc.attempts import attempt_record, attempt_warning, attempts_settled, sample_until_converged
from mcvalue.costmodels.pymc.codegen import use_portable_target
from mcvalue.costmodels.pymc.derived import repo_params, trend_summary
from mcvalue.costmodels.pymc.diagnostics import convergence_message
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, REPO_VALUES, GrowthSummary, ModelPriors, TargetYear
from mcvalue.costmodels.pymc.model_data import ModelData, model_data_from_sample
from mcvalue.costmodels.pymc.posterior_cache import cache_key, load_posterior, posterior_diagnostics, posterior_path, save_posterior
from mcvalue.costmodels.pymc.ppc import PosteriorPredictive, posterior_predictive
from mcvalue.costmodels.pymc.sampling import DEFAULT_CHAINS, DEFAULT_DRAWS, DEFAULT_TUNE, SamplerSettings
from mcvalue.costmodels.pymc.trends import structure, structure_fte
from mcvalue.errors import ConvergenceError
from mcvalue.priors.settings import DEFAULT_TARGET_YEAR, DEFAULT_TREND_STRUCTURE

if TYPE_CHECKING:
    from xarray import DataTree

    from mcvalue.data.tables import Sample

PPC_REPLICATES = 200


@dataclass(frozen=True)
class FitResult:
    """A fitted (or cache-loaded) cost model.

    fte: (draws, 5) FTE draws in METHOD_KEYS order (draws = chains * draws per chain).
    diagnostics: max_rhat, min_ess_bulk, min_ess_tail, divergences, min_bfmi,
        max_treedepth_hits, converged, worst {parameter, figure, value, threshold}.
    ppc: the posterior predictive check: observed arrays, the replicates and p-values
        (see :mod:`mcvalue.costmodels.pymc.ppc`); reports plot these very replicates.
    ppc_misfits: sentences naming where the model fits badly.
    sampler: the settings that produced the draws.
    target_year: the year the FTE is predicted for, or "average" (the sampled windows' mean).
    trend: per likelihood, the yearly growth factor's median and 90% interval.
    warnings: what the user must know, e.g. that the posterior could not be cached.
    fte_by_year: (draws, Y, 5) FTE of each draw in each of the ``stock_years`` asked for
        (row i of every year is draw i: one draw, one trajectory), or None if none were.
    """

    idata: Any
    fte: np.ndarray
    diagnostics: dict[str, Any]
    ppc: PosteriorPredictive
    ppc_misfits: list[str]
    repos: tuple[str, ...]
    cache_path: Path
    from_cache: bool
    sampler: SamplerSettings
    target_year: TargetYear
    trend: dict[str, GrowthSummary]
    warnings: tuple[str, ...] = ()
    fte_by_year: np.ndarray | None = None


def fit_cost_model(
    sample: Sample,
    *,
    draws: int = DEFAULT_DRAWS,
    tune: int = DEFAULT_TUNE,
    chains: int = DEFAULT_CHAINS,
    cores: int = 2,
    seed: int = DEFAULT_SEED,
    refit: bool = False,
    progress: bool = True,
    allow_unconverged: bool = False,
    priors: ModelPriors | None = None,
    target_year: TargetYear = DEFAULT_TARGET_YEAR,
    stock_years: tuple[int, ...] = (),
    trend_structure: str = DEFAULT_TREND_STRUCTURE,
) -> FitResult:
    """Fit the cost model to a loaded sample (or load the cached posterior); see module doc.

    ``target_year`` and ``stock_years`` (the years whose FTE a stock adds up, for
    ``FitResult.fte_by_year``) only change the derived FTE, never the posterior or its
    cache key. ``trend_structure`` (one of :data:`mcvalue.costmodels.pymc.trends.STRUCTURES`)
    gives the fit's priors, unless ``priors`` are given, and whether each repo's trend
    stops at its sampled span in the derived FTE.
    """
    trend = structure(trend_structure)
    return fit_model_data(
        model_data_from_sample(sample),
        sampler=SamplerSettings(draws=draws, tune=tune, chains=chains, seed=seed),
        cores=cores,
        refit=refit,
        progress=progress,
        allow_unconverged=allow_unconverged,
        priors=priors or trend.priors,
        target_year=target_year,
        stock_years=stock_years,
        clamp_trends=trend.clamp,
    )


def fit_model_data(
    data: ModelData,
    *,
    sampler: SamplerSettings,
    cores: int = 2,
    refit: bool = False,
    progress: bool = True,
    allow_unconverged: bool = False,
    priors: ModelPriors | None = None,
    target_year: TargetYear = DEFAULT_TARGET_YEAR,
    stock_years: tuple[int, ...] = (),
    clamp_trends: bool = False,
) -> FitResult:
    """:func:`fit_cost_model` on already-reduced data (simulated data in tests and SBC).

    ``clamp_trends``: stop each repo's trend at its sampled span in the derived FTE (the
    "no extrapolation" structure, :func:`mcvalue.costmodels.pymc.trends.fte_clamped`).
    """
    priors = priors or ModelPriors()
    level, codegen_warning = use_portable_target()
    sampler = replace(sampler, instruction_set=level)
    key = cache_key(data, priors, sampler)
    path = posterior_path(key)
    idata = None if refit else load_posterior(path, key)
    warnings = [codegen_warning]
    if idata is not None and not attempts_settled(idata, sampler):
        idata = None
        warnings.append(f"posterior cache file {path} failed its gates after fewer attempts than a fit now takes; refitted")
    elif idata is None and not refit and (path.exists() or path.is_symlink()):
        warnings.append(f"posterior cache file {path} failed its checks (damaged, edited or another version's); refitted")
    from_cache = idata is not None
    if idata is None:
        idata = sample_until_converged(data, sampler, cores=cores, progress=progress, priors=priors)
        warnings.append(save_posterior(idata, path, key))
    return assess_posterior(
        idata, data, sampler, path, from_cache, allow_unconverged, target_year, warnings=tuple(w for w in warnings if w), stock_years=stock_years,
        clamp_trends=clamp_trends,
    )


def posterior_draws(idata: DataTree) -> dict[str, np.ndarray]:
    """Every model parameter as an array with the (chain x draw) draws flattened first."""
    post = idata.posterior
    out = {}
    for name in HYPERPARAMETERS + REPO_EFFECTS + REPO_VALUES:
        arr = post[name].values
        out[name] = arr.reshape((arr.shape[0] * arr.shape[1],) + arr.shape[2:])
    return out


def assess_posterior(
    idata: DataTree,
    data: ModelData,
    sampler: SamplerSettings,
    path: Path,
    from_cache: bool,
    allow_unconverged: bool,
    target_year: TargetYear = DEFAULT_TARGET_YEAR,
    warnings: tuple[str, ...] = (),
    stock_years: tuple[int, ...] = (),
    clamp_trends: bool = False,
) -> FitResult:
    """Diagnostics, FTE draws and the PPC of a posterior; raise ConvergenceError if it failed.

    ``sampler`` is the settings asked for; the result carries those that drew the posterior
    (a later attempt's when the first failed, :mod:`mcvalue.costmodels.pymc.attempts`), and
    its diagnostics say which attempt it is. The PPC's generator is seeded from the
    sampler's seed, so a cached and a fresh fit give the same replicates and p-values. With
    ``stock_years`` the FTE of every draw is also predicted for each of those years
    (:func:`fte_by_year`). ``clamp_trends`` stops each repo's trend at its sampled span in
    both (:func:`mcvalue.costmodels.pymc.trends.structure_fte`).
    """
    attempt = attempt_record(idata, sampler)
    sampler = SamplerSettings(**attempt["sampler"])
    warnings = tuple(w for w in (*warnings, attempt_warning(attempt)) if w)
    diagnostics = posterior_diagnostics(idata) | {"attempts": attempt["attempts"], "first_attempt": attempt["first_attempt"]}
    if not diagnostics["converged"] and not allow_unconverged:
        raise ConvergenceError(convergence_message(diagnostics))
    draws = posterior_draws(idata)
    params = repo_params(draws)
    fte = structure_fte(params, data, target_year, clamp_trends)
    ppc = posterior_predictive(params, data, PPC_REPLICATES, np.random.default_rng(sampler.seed))
    return FitResult(
        idata, fte, diagnostics, ppc, ppc.misfits(), data.repos, path, from_cache, sampler, target_year, trend_summary(draws), warnings,
        fte_by_year=fte_by_year(params, data, stock_years, clamp_trends) if stock_years else None,
    )


def fte_by_year(params: dict[str, np.ndarray], data: ModelData, years: tuple[int, ...], clamp: bool = False) -> np.ndarray:
    """Return the (D, Y, 5) FTE of every draw in each year of ``years`` (:func:`structure_fte` per year).

    Axis 0 keeps the draws' order in every year, so a row is one draw's trajectory.
    ``clamp`` stops each repo's trend at its sampled span (the "no extrapolation" structure).
    """
    return np.stack([structure_fte(params, data, year, clamp) for year in years], axis=1)
