"""The one module that chains the stages of a run.

    prior file -> Scenario (+ command-line overrides) -> sample -> FTE draws (cost model)
    -> simulate -> summarise -> sensitivity -> summary (-> report, written by the caller)

Cost models (:data:`COST_MODELS`) turn the sample into ``(m, 5)`` FTE draws:

* ``pymc``: posterior draws of the Bayesian cost model (fitted once, cached);
* ``bootstrap``: a two-stage bootstrap over repos and periods of the sample;
* ``table1``: the paper's published Table 1 figures, constant (no data needed).

Offline with no copy of the sample anywhere (no ``--data-dir``, no ``$MCVALUE_DATA_DIR``,
nothing cached, no download) and no cost model named on the command line, a run falls
back to ``table1`` with one warning; naming ``pymc`` or ``bootstrap`` explicitly without
data stays an error.
"""

import dataclasses
import os
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from mcvalue.data.tables import MODES, CleaningOptions, Sample
from mcvalue.errors import DataError, McValueError
from mcvalue.priors.spec import COST_MODELS, DataSettings, RunSettings, Scenario
from mcvalue.sensitivity import DEFAULT_SWING, Tornado, VarianceShares, tornado, variance_shares
from mcvalue.simulate import Simulation, child_rng, simulate

#: Bootstrap replicates drawn for ``--cost-model bootstrap`` (resampled to the MC size).
BOOTSTRAP_REPLICATES = 4000
BOOTSTRAP_STREAM = "__bootstrap__"
DATA_DIR_ENV = "MCVALUE_DATA_DIR"

Log = Callable[[str], None]


def _silent(_: str) -> None:
    """A log that drops its message."""


@dataclass(frozen=True)
class RunOptions:
    """What the command line may override; ``None`` keeps the prior file's value."""

    priors: Path | None = None
    draws: int | None = None
    seed: int | None = None
    mode: str | None = None
    cost_model: str | None = None
    data_dir: Path | None = None
    swing: tuple[float, float] = DEFAULT_SWING
    refit: bool = False
    allow_unconverged: bool = False
    progress: bool = True


@dataclass(frozen=True)
class CostSide:
    """The FTE draws of one cost model and what a report must say about them.

    ``diagnostics`` holds the fit's convergence checks for pymc (numpy values allowed);
    ``data`` the sample's provenance (mode, cleaning, file sha256s; None for table1);
    ``figures`` the cost model's own figures as PNG bytes by file stem (the PPC plots).
    """

    model: str
    fte: np.ndarray
    description: str
    diagnostics: dict[str, Any]
    data: dict[str, Any] | None = None
    figures: dict[str, bytes] = field(default_factory=dict)


@dataclass(frozen=True)
class RunResult:
    """Everything one run computed; :mod:`mcvalue.report` turns it into files."""

    scenario: Scenario
    options: RunOptions
    cost: CostSide
    simulation: Simulation
    tornado: Tornado
    shares: VarianceShares
    summary: dict
    warnings: tuple[str, ...] = field(default=())


def resolve_scenario(options: RunOptions) -> Scenario:
    """Load the prior file and apply the command-line overrides (draws, seed, mode, cost model).

    The returned scenario's ``resolved_toml`` carries the overrides too, so the
    ``priors.toml`` written beside a report is exactly what was run.
    """
    from mcvalue.priors.load import load_scenario

    scenario = load_scenario(options.priors)
    if options.mode is not None and options.mode not in MODES:
        raise McValueError(f"--mode: unknown mode {options.mode!r}; choose one of {', '.join(MODES)}")
    if options.cost_model is not None and options.cost_model not in COST_MODELS:
        raise McValueError(f"--cost-model: unknown cost model {options.cost_model!r}; choose one of {', '.join(COST_MODELS)}")
    if options.draws is not None and options.draws < 2:
        raise McValueError(f"--draws: need at least 2 draws, got {options.draws}")
    if options.seed is not None and options.seed < 0:
        raise McValueError(f"--seed: must be a non-negative integer, got {options.seed}")
    run = dataclasses.replace(
        scenario.run,
        **{k: v for k, v in (("draws", options.draws), ("seed", options.seed), ("cost_model", options.cost_model)) if v is not None},
    )
    data = scenario.data
    if options.mode is not None and options.mode != data.mode:
        data = DataSettings(mode=options.mode, cleaning=CleaningOptions.for_mode(options.mode))
    return with_settings(scenario, run, data)


def with_settings(scenario: Scenario, run: RunSettings, data: DataSettings) -> Scenario:
    """The scenario with new run/data settings, its resolved TOML rewritten to match."""
    if run == scenario.run and data == scenario.data:
        return scenario
    return dataclasses.replace(scenario, run=run, data=data, resolved_toml=_with_settings(scenario.resolved_toml, run, data))


def _with_settings(resolved_toml: str, run: RunSettings, data: DataSettings) -> str:
    """The resolved TOML text with its [run] and [data] tables replaced by the given settings."""
    import tomli_w

    document = tomllib.loads(resolved_toml) if resolved_toml else {}
    document["run"] = {"draws": run.draws, "seed": run.seed, "cost_model": run.cost_model}
    document["data"] = {"mode": data.mode, **data.cleaning.to_dict()}
    return tomli_w.dumps(document)


def _load_sample(scenario: Scenario, data_dir: Path | None) -> Sample:
    """The scenario's sample in its mode and cleaning options."""
    from mcvalue.data import load_sample

    cleaning = None if scenario.data.mode == "paper" else scenario.data.cleaning
    return load_sample(scenario.data.mode, data_dir, cleaning)


def _data_provenance(sample: Sample) -> dict[str, Any]:
    """What identifies the sample in reports: mode, cleaning options, data files' sha256."""
    return {"mode": sample.mode, "cleaning": sample.cleaning.to_dict(), "file_sha256": dict(sorted(sample.file_sha256.items()))}


def _pymc_cost(sample: Sample, scenario: Scenario, options: RunOptions, log: Log) -> CostSide:
    """Posterior FTE draws of the Bayesian cost model (cached fit unless ``refit``).

    The fit uses its own default sampler settings and seed (those of ``mcvalue fit``), so
    a run shares the cached posterior with ``mcvalue fit`` and a new Monte Carlo seed or
    an edited prior does not trigger a refit.
    """
    from mcvalue import fit as fitting
    from mcvalue.report import ppc_figures

    log("fitting the Bayesian cost model (reused from the cache when unchanged)...")
    fit = fitting.fit_cost_model(
        sample, refit=options.refit, progress=options.progress, allow_unconverged=options.allow_unconverged
    )
    diagnostics = {
        "cost_model": "pymc",
        **fit.diagnostics,
        "sampler": {"draws": fitting.DEFAULT_DRAWS, "tune": fitting.DEFAULT_TUNE, "chains": fitting.DEFAULT_CHAINS, "seed": fitting.DEFAULT_SEED},
        "ppc_pvalues": fit.ppc,
        "ppc_misfits": list(fit.ppc_misfits),
    }
    figures = ppc_figures(fit.idata, sample, fitting.DEFAULT_SEED)
    return CostSide(
        "pymc", np.asarray(fit.fte, dtype=float), "posterior of the Bayesian cost model (PyMC)", diagnostics, _data_provenance(sample), figures
    )


def _bootstrap_cost(sample: Sample, scenario: Scenario, options: RunOptions, log: Log) -> CostSide:
    """Two-stage bootstrap replicates of the five FTE figures."""
    from mcvalue.costmodels.bootstrap import bootstrap_fte

    log(f"bootstrapping the sample ({BOOTSTRAP_REPLICATES} replicates)...")
    fte = bootstrap_fte(sample, BOOTSTRAP_REPLICATES, child_rng(scenario.run.seed, BOOTSTRAP_STREAM))
    diagnostics = {"cost_model": "bootstrap", "replicates": BOOTSTRAP_REPLICATES}
    return CostSide(
        "bootstrap", np.asarray(fte, dtype=float), "two-stage bootstrap of the sample (repos, then periods)", diagnostics, _data_provenance(sample)
    )


def _table1_cost() -> CostSide:
    """The paper's published Table 1 FTE figures as constant draws."""
    from mcvalue.costmodels.table1 import DESCRIPTION, table1_fte

    return CostSide("table1", table1_fte(1), DESCRIPTION, {"cost_model": "table1"})


_DATA_COST_MODELS = {"pymc": _pymc_cost, "bootstrap": _bootstrap_cost}


def _no_data_source_named(data_dir: Path | None) -> bool:
    """True when the user named no data location, so a missing sample means 'nowhere'."""
    return data_dir is None and not os.environ.get(DATA_DIR_ENV)


def cost_side(scenario: Scenario, options: RunOptions, log: Log = _silent) -> tuple[CostSide, tuple[str, ...]]:
    """FTE draws from the scenario's cost model, and any warning about how they were got.

    A data-driven cost side is cached (see :mod:`mcvalue.costmodels.cache`), so a re-run
    after editing a prior skips loading the sample and the posterior.
    """
    from mcvalue.costmodels import cache

    model = scenario.run.cost_model
    if model == "table1":
        return _table1_cost(), ()
    if model not in _DATA_COST_MODELS:
        raise McValueError(f"unknown cost model {model!r}; choose one of {', '.join(COST_MODELS)}")
    key = cache.key(model, scenario.data.mode, scenario.data.cleaning, scenario.run.seed if model == "bootstrap" else None)
    cached = None if options.refit else cache.load(key)
    if cached is not None:
        log(f"using the cached {model} cost side (--refit to recompute)...")
        fte, meta, figures = cached
        cost = CostSide(model, fte, meta["description"], meta["diagnostics"], meta["data"], figures)
        _check_converged(cost, options.allow_unconverged)
        return cost, ()
    log(f"loading the sample ({scenario.data.mode} mode)...")
    try:
        sample = _load_sample(scenario, options.data_dir)
    except DataError as error:
        if options.cost_model is not None or not _no_data_source_named(options.data_dir):
            raise
        warning = (
            f"no copy of the paper's data is available ({error}); falling back to --cost-model table1: "
            "the cost side is the paper's published Table 1 figures, not a fit"
        )
        return _table1_cost(), (warning,)
    cost = _DATA_COST_MODELS[model](sample, scenario, options, log)
    meta = {"description": cost.description, "diagnostics": _json_ready(cost.diagnostics), "data": cost.data}
    cache.save(key, cost.fte, meta, cost.figures)
    return cost, ()


def _json_ready(value: Any) -> Any:
    """numpy scalars/arrays in nested dicts/lists as plain Python, losslessly (for the cache)."""
    if isinstance(value, dict):
        return {str(k): _json_ready(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_ready(v) for v in value]
    if isinstance(value, (np.ndarray, np.generic)):
        return value.tolist()
    return value


def _check_converged(cost: CostSide, allow_unconverged: bool) -> None:
    """A cached fit that failed its checks is refused like a fresh one, unless allowed."""
    if cost.diagnostics.get("converged") is False and not allow_unconverged:
        from mcvalue.errors import ConvergenceError
        from mcvalue.fit import convergence_message

        raise ConvergenceError(convergence_message(cost.diagnostics))


def run(options: RunOptions = RunOptions(), log: Log = _silent, warn: Log = _silent) -> RunResult:
    """Run every stage for one scenario and return the results (nothing is written).

    ``log`` receives progress lines; ``warn`` receives warnings (shown even when quiet).
    """
    from mcvalue.report import build_summary, convergence_failure
    from mcvalue.summarise import summarise

    scenario = resolve_scenario(options)
    cost, warnings = cost_side(scenario, options, log)
    failure = convergence_failure(cost.diagnostics)
    if failure is not None:
        warnings += (failure,)
    if cost.model != scenario.run.cost_model:
        scenario = with_settings(scenario, dataclasses.replace(scenario.run, cost_model=cost.model), scenario.data)
    for line in warnings:
        warn(line)
    log(f"simulating {scenario.run.draws:,} draws...")
    simulation = simulate(scenario, cost.fte, scenario.run.seed)
    log("summarising and computing sensitivity...")
    summary_core = summarise(simulation)
    tornado_table = tornado(scenario, cost.fte, options.swing, cost.model)
    shares = variance_shares(simulation)
    result = RunResult(scenario, options, cost, simulation, tornado_table, shares, {}, tuple(warnings))
    return dataclasses.replace(result, summary=build_summary(result, summary_core))


def run_and_write(
    options: RunOptions,
    results_dir: Path,
    name: str | None = None,
    command: list[str] | None = None,
    log: Log = _silent,
    warn: Log = _silent,
) -> tuple[RunResult, Path]:
    """``mcvalue run``: refuse an existing run directory up front, run, write the report.

    Returns the result and the run directory written.
    """
    from mcvalue.report import check_target, make_results_dir, write_run

    if name is not None:
        check_target(results_dir, name)
    make_results_dir(results_dir)
    result = run(options, log, warn)
    log("writing the report...")
    return result, write_run(result, results_dir, name, command)
