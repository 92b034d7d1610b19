"""Fit the Bayesian cost model, check convergence, and cache the posterior.

:func:`fit_cost_model` is what ``mcvalue fit`` and ``mcvalue run --cost-model pymc`` call.
It returns a :class:`FitResult` with the InferenceData, (draws x 5) FTE draws in
``METHOD_KEYS`` order, convergence diagnostics and posterior predictive p-values.

Convergence is enforced (ArviZ figures, over every parameter of the model):
rank-normalised R-hat <= 1.01 (NaN fails), bulk and tail ESS >= 400, no divergent
transition, E-BFMI >= 0.3 in every chain, no draw at the maximum tree depth. A failure
raises :class:`mcvalue.errors.ConvergenceError` naming the worst parameter and figure,
unless ``allow_unconverged`` (then ``diagnostics["converged"]`` is False and callers must
say so in their reports).

Cache: the InferenceData goes to ``cache_dir()/posteriors/<key>.nc`` where the key hashes
the cleaned data, the model settings, the sampler settings and ``mcvalue.__version__``.
The file is written under a temporary name and renamed; the key is stored in its
attributes and checked on load, and a file that cannot be read or whose key differs is
refitted, never used.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import mcvalue
from mcvalue.costmodels.pymc_model import (
    HYPERPARAMETERS,
    REPO_EFFECTS,
    ModelData,
    ModelPriors,
    build_model,
    fte_from_params,
    model_data_from_sample,
    repo_params,
)
from mcvalue.errors import ConvergenceError
from mcvalue.paths import cache_dir

if TYPE_CHECKING:
    import arviz as az

    from mcvalue.data.tables import Sample

#: 4 x 1500 draws after 500 tuning steps (clean mode: ~23 s of sampling on 2 cores, min bulk
#: ESS ~2,150, max R-hat 1.004). 1000 draws would save only ~3 s (tuning and start-up weigh
#: the same) but leave max R-hat at 1.008 in every data mode and min bulk ESS at 870 in
#: paper mode, too near the 1.01 / 400 gate for a variant of the data to pass reliably.
DEFAULT_DRAWS = 1500
DEFAULT_TUNE = 500
DEFAULT_CHAINS = 4
DEFAULT_SEED = 20220218
PPC_REPLICATES = 200

MAX_RHAT = 1.01
MIN_ESS = 400.0
MIN_BFMI = 0.3
_HASH_ATTR = "mcvalue_cache_key"


@dataclass(frozen=True)
class SamplerSettings:
    """What determines the draws (``cores`` does not: PyMC seeds each chain)."""

    draws: int
    tune: int
    chains: int
    seed: int
    target_accept: float = 0.8


@dataclass(frozen=True)
class FitResult:
    """A fitted (or cache-loaded) cost model.

    fte: (draws, 5) FTE draws in METHOD_KEYS order (draws = chains * draws per chain).
    diagnostics: max_rhat, min_ess_bulk, min_ess_tail, divergences, min_bfmi,
        max_treedepth_hits, converged, worst {parameter, figure, value, threshold}.
    ppc: {quantity: {statistic: posterior predictive p-value}} (see costmodels.ppc).
    ppc_misfits: sentences naming where the model fits badly.
    """

    idata: Any
    fte: np.ndarray
    diagnostics: dict
    ppc: dict[str, dict[str, float]]
    ppc_misfits: list[str]
    repos: tuple[str, ...]
    cache_path: Path
    from_cache: bool


def cache_key(data: ModelData, priors: ModelPriors, sampler: SamplerSettings) -> str:
    """sha256 over cleaned data, model settings, sampler settings and package version."""
    payload = {
        "data": data.digest(),
        "model": priors.settings(),
        "sampler": asdict(sampler),
        "version": mcvalue.__version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def posterior_path(key: str) -> Path:
    """Where the posterior with this cache key lives."""
    return cache_dir() / "posteriors" / f"{key}.nc"


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
    priors: ModelPriors = ModelPriors(),
) -> FitResult:
    """Fit the cost model to a loaded sample (or load the cached posterior); see module doc."""
    return fit_model_data(
        model_data_from_sample(sample),
        sampler=SamplerSettings(draws=draws, tune=tune, chains=chains, seed=seed),
        cores=cores,
        refit=refit,
        progress=progress,
        allow_unconverged=allow_unconverged,
        priors=priors,
    )


def fit_model_data(
    data: ModelData,
    *,
    sampler: SamplerSettings,
    cores: int = 2,
    refit: bool = False,
    progress: bool = True,
    allow_unconverged: bool = False,
    priors: ModelPriors = ModelPriors(),
) -> FitResult:
    """:func:`fit_cost_model` on already-reduced data (simulated data in tests and SBC)."""
    key = cache_key(data, priors, sampler)
    path = posterior_path(key)
    idata = None if refit else load_posterior(path, key)
    from_cache = idata is not None
    if idata is None:
        idata = sample_posterior(data, sampler, cores=cores, progress=progress, priors=priors)
        save_posterior(idata, path, key)
    return summarise_fit(idata, data, sampler.seed, path, from_cache, allow_unconverged)


def sample_posterior(
    data: ModelData, sampler: SamplerSettings, *, cores: int, progress: bool, priors: ModelPriors = ModelPriors()
) -> az.InferenceData:
    """Run PyMC's NUTS on the model; InferenceData with posterior and sample_stats only.

    Without ``progress`` PyMC's own INFO log (sampler set-up, timing) is silenced too. Its
    logger is configured when pymc is first imported, so the level is set after the import.
    """
    import pymc as pm

    logger = logging.getLogger("pymc")
    level = logger.level
    if not progress:
        logger.setLevel(logging.WARNING)
    try:
        with build_model(data, priors):
            return pm.sample(
                draws=sampler.draws,
                tune=sampler.tune,
                chains=sampler.chains,
                cores=cores,
                random_seed=sampler.seed,
                target_accept=sampler.target_accept,
                progressbar=progress,
                compute_convergence_checks=False,
            )
    finally:
        logger.setLevel(level)


def save_posterior(idata: az.InferenceData, path: Path, key: str) -> None:
    """Write NetCDF under a temporary name in the same directory, then rename into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    idata.posterior.attrs[_HASH_ATTR] = key
    tmp = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        idata.to_netcdf(str(tmp))
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def load_posterior(path: Path, key: str) -> az.InferenceData | None:
    """The cached InferenceData if the file is readable, complete and has this key; else None."""
    import arviz as az

    if not path.is_file():
        return None
    try:
        idata = az.from_netcdf(str(path))
        if idata.posterior.attrs.get(_HASH_ATTR) != key or "sample_stats" not in idata.groups():
            return None
        missing = [v for v in HYPERPARAMETERS + REPO_EFFECTS if v not in idata.posterior]
        return None if missing else idata
    except Exception:  # noqa: BLE001 - any unreadable file (truncated, not NetCDF) means refit
        return None


def posterior_draws(idata: az.InferenceData) -> dict[str, np.ndarray]:
    """Every model parameter as an array with the (chain x draw) draws flattened first."""
    post = idata.posterior
    out = {}
    for name in HYPERPARAMETERS + REPO_EFFECTS:
        arr = post[name].values
        out[name] = arr.reshape((arr.shape[0] * arr.shape[1],) + arr.shape[2:])
    return out


def summarise_fit(
    idata: az.InferenceData, data: ModelData, seed: int, path: Path, from_cache: bool, allow_unconverged: bool
) -> FitResult:
    """Diagnostics, FTE draws and PPC of a posterior; raise ConvergenceError if it failed."""
    from mcvalue.costmodels.ppc import misfits, posterior_predictive

    diagnostics = convergence_diagnostics(idata)
    if not diagnostics["converged"] and not allow_unconverged:
        raise ConvergenceError(convergence_message(diagnostics))
    params = repo_params(posterior_draws(idata))
    fte = fte_from_params(params, data.unit_repos)
    ppc = posterior_predictive(params, data, PPC_REPLICATES, np.random.default_rng(seed))
    return FitResult(idata, fte, diagnostics, ppc.p_values(), misfits(ppc.table), data.repos, path, from_cache)


def convergence_diagnostics(idata: az.InferenceData) -> dict:
    """The issue's convergence figures over every parameter, and the worst offender.

    ``worst`` is the parameter/figure pair furthest past (or, if all pass, nearest to) its
    threshold, measured as a ratio to the threshold.
    """
    import arviz as az

    names = list(HYPERPARAMETERS + REPO_EFFECTS)
    post = idata.posterior[names]
    figures = {
        "r_hat": _flatten(az.rhat(post, method="rank")),
        "ess_bulk": _flatten(az.ess(post, method="bulk")),
        "ess_tail": _flatten(az.ess(post, method="tail")),
    }
    stats = idata.sample_stats
    divergences = int(stats["diverging"].values.sum())
    treedepth_hits = int(stats["reached_max_treedepth"].values.sum()) if "reached_max_treedepth" in stats else 0
    bfmi = np.asarray(az.bfmi(idata), dtype=float)
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


def convergence_message(diagnostics: dict) -> str:
    """One line naming the worst parameter and figure of a failed fit."""
    w = diagnostics["worst"]
    return (
        f"the cost model did not converge: {w['parameter']} has {w['figure']} = {w['value']:.4g} "
        f"(threshold {w['threshold']:g}); its FTE draws are unreliable: pass --allow-unconverged "
        "to run on with the failure recorded"
    )


def _flatten(dataset) -> dict[str, float]:
    """{'name' or 'name[coord]': value} from an ArviZ per-variable result."""
    out = {}
    for name, da in dataset.data_vars.items():
        if da.ndim == 0:
            out[name] = float(da.values)
            continue
        dim = da.dims[0]
        for coord, value in zip(da[dim].values, da.values):
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
