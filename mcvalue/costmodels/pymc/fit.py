"""Fit the Bayesian cost model, check convergence, cache the posterior, run the PPC once.

:func:`fit_cost_model` is what ``mcvalue fit`` and ``mcvalue run --cost-model pymc`` call.
It returns a :class:`FitResult` with the InferenceData, (draws x 5) FTE draws in
``METHOD_KEYS`` order, convergence diagnostics and posterior predictive p-values.

Convergence is enforced (:mod:`mcvalue.costmodels.pymc.diagnostics`): a failure raises
:class:`mcvalue.errors.ConvergenceError` naming the worst parameter and figure, unless
``allow_unconverged`` (then ``diagnostics["converged"]`` is False and callers must say so
in their reports). The posterior predictive check is computed here, once, from its own
seeded stream: the p-values and the replicates the report plots are the same draws.

Cache: the posterior (an ArviZ 1 ``DataTree``, NetCDF via h5netcdf) goes to
``cache_dir()/posteriors/<key>.nc`` where the key hashes the cleaned data, the model
settings, the sampler and its settings and ``mcvalue.__version__``. The file is written under a
temporary name and renamed; the key and :data:`POSTERIOR_FORMAT` are stored in its
attributes and checked on load. A file that cannot be read, whose key differs, or that
was written in another format (ArviZ < 1's ``InferenceData``) is refitted, never used.
The two renames of a save (file, then its ``.sha256`` sidecar, which holds the HMAC of the
file's bytes under the cache's key, :mod:`mcvalue.costmodels.seal`) happen under a lock on
``posteriors/.lock``, so two fits saving one key at once never mix their files. A file is
read once (bounded, regular files only) and the bytes verified are the bytes parsed; one
that fails is refitted with one warning.

Sampler: nutpie's NUTS (:data:`NUTS_SAMPLER`, through ``pymc.sample``), which runs the
chains in threads of this process on a numba-compiled log density: no worker process
exists that a kill could leave behind.

Interrupts: a sampler may answer Ctrl-C by returning the draws so far. A fit that
received SIGINT or SIGTERM while sampling, or came back with fewer chains or draws than
asked for, raises ``KeyboardInterrupt`` and is neither cached nor summarised. Temporary
posterior files of a killed writer are removed by the next save.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

import mcvalue
from mcvalue.config import DEFAULT_SEED, cache_dir
from mcvalue.costmodels import seal
from mcvalue.costmodels.pymc.codegen import use_portable_target
from mcvalue.costmodels.pymc.diagnostics import convergence_diagnostics, convergence_message
from mcvalue.costmodels.pymc.model import (
    DEFAULT_TARGET_YEAR,
    HYPERPARAMETERS,
    REPO_EFFECTS,
    REPO_VALUES,
    WINDOW_EFFECTS,
    ModelData,
    ModelPriors,
    TargetYear,
    build_model,
    fte_from_params,
    model_data_from_sample,
    repo_params,
    trend_summary,
)
from mcvalue.costmodels.pymc.ppc import PosteriorPredictive, posterior_predictive
from mcvalue.errors import ConvergenceError
from mcvalue.io.files import read_regular

if TYPE_CHECKING:
    from xarray import DataTree

    from mcvalue.data.tables import Sample

#: nutpie's NUTS: the same posterior as PyMC's own NUTS, about 3 times the draws per second
#: on this model (a Rust sampler on a numba-compiled gradient, without PyMC's per-step
#: Python overhead). PyMC's sampler needed 4 x 1500 draws after 1000 tuning steps (36 s
#: on 2 cores) for cost model version 7 to pass every gate.
NUTS_SAMPLER = "nutpie"
#: 4 x 2000 draws after 500 tuning steps (nutpie's mass-matrix adaptation needs fewer). On
#: the real clean sample, seeds 1-4: max R-hat 1.004-1.009 (commit_trend_sd, contrib_trend,
#: commit_window_sd), min bulk ESS 597-827, min tail ESS 563-916, no divergence, E-BFMI >= 0.67;
#: about 16 s of sampling on 2 cores after ~15 s of compilation.
DEFAULT_DRAWS = 2000
DEFAULT_TUNE = 500
DEFAULT_CHAINS = 4
PPC_REPLICATES = 200
#: The posterior file format this version writes and accepts (ArviZ 1 DataTree in NetCDF).
POSTERIOR_FORMAT = "arviz1-datatree-netcdf"
_HASH_ATTR = "mcvalue_cache_key"
#: The posterior's convergence figures (JSON), computed once when it is sampled: R-hat and
#: ESS of all 1,527 elements take ~2 s, which a cached posterior need not pay again.
_DIAGNOSTICS_ATTR = "mcvalue_diagnostics"
_FORMAT_ATTR = "mcvalue_posterior_format"
@contextmanager
def _interrupt_guard() -> Iterator[list[int]]:
    """Record SIGINT/SIGTERM received while sampling (each still raises KeyboardInterrupt).

    nutpie swallows the KeyboardInterrupt (it aborts the chains and returns the draws so
    far); the list of signals received lets the caller refuse that trace. Handlers can
    only be set in the main thread; in another thread only the draw count check guards.
    """
    received: list[int] = []

    def handler(signum: int, _frame: object) -> None:
        received.append(signum)
        raise KeyboardInterrupt

    previous = {}
    if threading.current_thread() is threading.main_thread():
        previous = {sig: signal.signal(sig, handler) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield received
    finally:
        for sig, old in previous.items():
            signal.signal(sig, signal.SIG_DFL if old is None else old)


@dataclass(frozen=True)
class SamplerSettings:
    """What determines the draws (``cores`` does not: the sampler seeds each chain).

    ``target_accept`` is 0.9: version 2 of the model (window effects, trend deviations)
    had 3 divergent transitions in 6,000 draws of the real clean sample at PyMC's 0.8.
    ``nuts`` names the NUTS implementation (``pymc.sample``'s ``nuts_sampler``), so the
    cache key and the report's diagnostics carry it. ``instruction_set`` is the level the
    sampler's code is compiled for (:mod:`mcvalue.costmodels.pymc.codegen`), filled in by
    :func:`fit_model_data`: draws are the same bits on every CPU of one level, so the cache
    key and the provenance carry it too.
    """

    draws: int
    tune: int
    chains: int
    seed: int
    target_accept: float = 0.9
    nuts: str = NUTS_SAMPLER
    instruction_set: str = ""


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
    diagnostics: dict
    ppc: PosteriorPredictive
    ppc_misfits: list[str]
    repos: tuple[str, ...]
    cache_path: Path
    from_cache: bool
    sampler: SamplerSettings
    target_year: TargetYear
    trend: dict
    warnings: tuple[str, ...] = ()
    fte_by_year: np.ndarray | None = None


def cache_key(data: ModelData, priors: ModelPriors, sampler: SamplerSettings) -> str:
    """sha256 over cleaned data, model settings, the sampler and its settings, and package version."""
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
    priors: ModelPriors | None = None,
    target_year: TargetYear = DEFAULT_TARGET_YEAR,
    stock_years: tuple[int, ...] = (),
) -> FitResult:
    """Fit the cost model to a loaded sample (or load the cached posterior); see module doc.

    ``target_year`` and ``stock_years`` (the years whose FTE a stock adds up, for
    ``FitResult.fte_by_year``) only change the derived FTE, never the posterior or its
    cache key.
    """
    return fit_model_data(
        model_data_from_sample(sample),
        sampler=SamplerSettings(draws=draws, tune=tune, chains=chains, seed=seed),
        cores=cores,
        refit=refit,
        progress=progress,
        allow_unconverged=allow_unconverged,
        priors=priors,
        target_year=target_year,
        stock_years=stock_years,
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
) -> FitResult:
    """:func:`fit_cost_model` on already-reduced data (simulated data in tests and SBC)."""
    priors = priors or ModelPriors()
    level, codegen_warning = use_portable_target()
    sampler = replace(sampler, instruction_set=level)
    key = cache_key(data, priors, sampler)
    path = posterior_path(key)
    idata = None if refit else load_posterior(path, key)
    from_cache = idata is not None
    warnings = [codegen_warning]
    if idata is None:
        if not refit and (path.exists() or path.is_symlink()):
            warnings.append(f"posterior cache file {path} failed its checks (damaged, edited or another version's); refitted")
        idata = sample_posterior(data, sampler, cores=cores, progress=progress, priors=priors)
        warnings.append(save_posterior(idata, path, key))
    return assess_posterior(
        idata, data, sampler, path, from_cache, allow_unconverged, target_year, warnings=tuple(w for w in warnings if w), stock_years=stock_years
    )


def sample_posterior(
    data: ModelData, sampler: SamplerSettings, *, cores: int, progress: bool, priors: ModelPriors | None = None
) -> DataTree:
    """Run ``sampler.nuts`` (nutpie) on the model through ``pymc.sample``; the DataTree it returns.

    Without ``progress`` PyMC's own INFO log (sampler set-up, timing) is silenced too. Its
    logger is configured when pymc is first imported, so the level is set after the import.

    Raises
    ------
    KeyboardInterrupt
        Sampling was interrupted (SIGINT, SIGTERM) or returned fewer chains or draws than
        ``sampler`` asks for: a cut-short trace is never returned.
    """
    import pymc as pm

    logger = logging.getLogger("pymc")
    level = logger.level
    if not progress:
        logger.setLevel(logging.WARNING)
    try:
        with _interrupt_guard() as received, build_model(data, priors or ModelPriors()):
            try:
                idata = pm.sample(
                    draws=sampler.draws,
                    tune=sampler.tune,
                    chains=sampler.chains,
                    cores=cores,
                    random_seed=sampler.seed,
                    target_accept=sampler.target_accept,
                    progressbar=progress,
                    compute_convergence_checks=False,
                    nuts_sampler=sampler.nuts,
                )
            except Exception:
                if received:  # an interrupted trace PyMC failed to convert
                    raise KeyboardInterrupt from None
                raise
    finally:
        logger.setLevel(level)
    if received or not _complete(idata, sampler):
        raise KeyboardInterrupt
    return idata


def _complete(idata: DataTree, sampler: SamplerSettings) -> bool:
    """Whether the posterior holds every chain and every draw ``sampler`` asks for."""
    sizes = idata.posterior.sizes
    return sizes.get("chain", 0) >= sampler.chains and sizes.get("draw", 0) >= sampler.draws


def checksum_path(path: Path) -> Path:
    """Return the sidecar file holding the sha256 of the posterior file at ``path``."""
    return path.with_name(f"{path.name}.sha256")


_TMP_MARK = ".tmp-"
_SEAL_PURPOSE = "mcvalue posterior"
#: The largest posterior file read back (a fit's is a few MB).
_MAX_POSTERIOR_BYTES = 2048 * 2**20
#: The lock file, in the posterior cache directory, serialising the renames of a save.
LOCK_FILE = ".lock"


def _process_exists(pid: int) -> bool:
    """Whether a process with this pid exists (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphaned_temporaries(directory: Path) -> list[Path]:
    """Delete ``*.tmp-PID*`` files in ``directory`` whose writing process no longer exists; return them.

    A writer killed between creating its temporary file and renaming it leaves one behind;
    it is never read (only final names are), and this removes it.
    """
    removed = []
    for leftover in Path(directory).glob(f"*{_TMP_MARK}*"):
        pid = leftover.name.rsplit(_TMP_MARK, 1)[1].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def save_posterior(idata: DataTree, path: Path, key: str) -> str | None:
    """Write the posterior and its sha256 sidecar atomically; return a warning if the cache is unwritable.

    The NetCDF bytes are made in memory first (HDF5 writing straight to a full disk
    crashes the process), then written to a temporary name, fsynced and renamed into
    place, then the checksum sidecar likewise: a file without a matching sidecar (a kill
    between the two renames, a flipped byte) is never read. A cache that cannot be written
    (read-only, full disk) leaves nothing behind and the fit is simply not cached.
    Temporary files of writers that were killed are removed first.
    """
    posterior_diagnostics(idata)  # kept in the file: a cached posterior need not recompute them
    idata.posterior.attrs[_HASH_ATTR] = key
    idata.posterior.attrs[_FORMAT_ATTR] = POSTERIOR_FORMAT
    blob = bytes(idata.to_netcdf(engine="h5netcdf"))
    tmp = path.with_name(f"{path.name}{_TMP_MARK}{os.getpid()}")
    tmp_sum = checksum_path(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key_bytes = seal.secret(create=True)
        if key_bytes is None:
            raise OSError(f"its key {seal.KEY_FILE} cannot be made")
        remove_orphaned_temporaries(path.parent)
        _write_synced(tmp, blob)
        _write_synced(tmp_sum, (seal.seal(blob, _SEAL_PURPOSE, key_bytes) + "\n").encode("ascii"))
        with _cache_lock(path.parent):  # two fits saving one key at once never pair one's file with the other's sidecar
            os.replace(tmp, path)
            os.replace(tmp_sum, checksum_path(path))
    except OSError as error:
        return f"posterior cache {path.parent}: cannot be written ({error.strerror or error}); the fit is not cached"
    finally:
        tmp.unlink(missing_ok=True)
        tmp_sum.unlink(missing_ok=True)
    return None


@contextmanager
def _cache_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory/.lock`` (released by the kernel if the holder dies)."""
    import fcntl

    with open(directory / LOCK_FILE, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to a new file and fsync it (a full disk raises OSError here, not later)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def load_posterior(path: Path, key: str) -> DataTree | None:
    """Return the cached InferenceData if the file is readable, complete and has this key; else None."""
    import arviz as az

    if not path.is_file():
        return None
    try:
        blob = read_regular(path, _MAX_POSTERIOR_BYTES)
        if not seal.verify(blob, _SEAL_PURPOSE, read_regular(checksum_path(path), 1024).decode("ascii"), seal.secret(create=False)):
            return None
        idata = az.from_netcdf(blob, engine="h5netcdf")  # the very bytes verified
        attrs = idata.posterior.attrs
        if attrs.get(_FORMAT_ATTR) != POSTERIOR_FORMAT or attrs.get(_HASH_ATTR) != key or "sample_stats" not in idata.children:
            return None
        missing = [v for v in HYPERPARAMETERS + REPO_EFFECTS + REPO_VALUES + WINDOW_EFFECTS if v not in idata.posterior.data_vars]
        return None if missing else idata.load()
    except Exception:  # noqa: BLE001 - any unreadable file (truncated, not NetCDF) means refit
        return None


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
) -> FitResult:
    """Diagnostics, FTE draws and the PPC of a posterior; raise ConvergenceError if it failed.

    The PPC's generator is seeded from the sampler's seed, so a cached and a fresh fit give
    the same replicates and p-values. With ``stock_years`` the FTE of every draw is also
    predicted for each of those years (:func:`fte_by_year`).
    """
    diagnostics = posterior_diagnostics(idata)
    if not diagnostics["converged"] and not allow_unconverged:
        raise ConvergenceError(convergence_message(diagnostics))
    draws = posterior_draws(idata)
    params = repo_params(draws)
    fte = fte_from_params(params, data, target_year)
    ppc = posterior_predictive(params, data, PPC_REPLICATES, np.random.default_rng(sampler.seed))
    return FitResult(
        idata, fte, diagnostics, ppc, ppc.misfits(), data.repos, path, from_cache, sampler, target_year, trend_summary(draws), warnings,
        fte_by_year=fte_by_year(params, data, stock_years) if stock_years else None,
    )


def fte_by_year(params: dict[str, np.ndarray], data: ModelData, years: tuple[int, ...]) -> np.ndarray:
    """Return the (D, Y, 5) FTE of every draw in each year of ``years`` (:func:`fte_from_params` per year).

    Axis 0 keeps the draws' order in every year, so a row is one draw's trajectory.
    """
    return np.stack([fte_from_params(params, data, year) for year in years], axis=1)


def posterior_diagnostics(idata: DataTree) -> dict:
    """Return the posterior's convergence figures, computed once and kept in its attributes.

    A posterior loaded from the cache carries them (its file is sha256-verified); a fresh
    one, or a file written without them, has them computed and stored on the object, so
    that saving it keeps them.
    """
    attrs = idata.posterior.attrs
    if _DIAGNOSTICS_ATTR not in attrs:
        attrs[_DIAGNOSTICS_ATTR] = json.dumps(convergence_diagnostics(idata))
    return json.loads(attrs[_DIAGNOSTICS_ATTR])


def read_posterior(path: Path) -> DataTree | None:
    """Return the verified cached posterior at ``path`` (named by its cache key), or None."""
    return load_posterior(Path(path), Path(path).stem)
