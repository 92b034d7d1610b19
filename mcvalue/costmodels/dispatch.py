"""The one entry point of the cost side: the scenario's cost model run on its sample, through the cost-side cache.

:func:`cost_side` is the one entry point. The data files are located and their sha256
checked on every call, cached cost side or not. Offline with no copy of the sample
anywhere (no ``--data-dir``, no ``$MCVALUE_DATA_DIR``, nothing cached, no download) and
no cost model named explicitly, it falls back to ``table1`` with one warning; naming
``pymc`` or ``bootstrap`` explicitly without data stays an error.

Separate from the package's face (:mod:`mcvalue.costmodels`) so that the package only
names what it offers; the methods' pricing and the corrections applied after a model are
:mod:`mcvalue.costmodels.priced` and :mod:`mcvalue.costmodels.corrections`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.config import DATA_DIR_ENV, Log, silent
from mcvalue.costmodels.corrections import corrected_for_top100, in_active_days
from mcvalue.costmodels.side import CostSide
from mcvalue.errors import ConvergenceError, DataError, McValueError
from mcvalue.priors.settings import COST_MODELS, DEFAULT_TREND_STRUCTURE

if TYPE_CHECKING:
    from mcvalue.data.tables import Sample
    from mcvalue.priors.spec import Scenario

#: Bootstrap replicates drawn for ``--cost-model bootstrap`` and for ``mcvalue fit``'s check.
BOOTSTRAP_REPLICATES = 4000
#: Name of the bootstrap's random stream under the run seed.
BOOTSTRAP_STREAM = "__bootstrap__"


def data_provenance(sample: Sample) -> dict[str, Any]:
    """Return what identifies a sample in reports (mode, cleaning options, files' sha256) and its heaviest windows.

    ``heaviest_windows``: :func:`mcvalue.costmodels.table1.heaviest_window_effects`, for the report.
    """
    from mcvalue.costmodels.table1 import heaviest_window_effects

    return {"mode": sample.mode, "cleaning": sample.cleaning.to_dict(), "file_sha256": dict(sorted(sample.file_sha256.items())),
            "heaviest_windows": heaviest_window_effects(sample)}


def _pymc_cost(
    sample: Sample, scenario: Scenario, refit: bool, allow_unconverged: bool, progress: bool, log: Log
) -> tuple[CostSide, tuple[str, ...]]:
    """Posterior FTE draws of the Bayesian cost model (cached fit unless ``refit``).

    The fit uses its own default sampler settings and seed (those of ``mcvalue fit``), so a
    run shares the cached posterior with ``mcvalue fit`` and a new Monte Carlo seed or an
    edited prior does not trigger a refit. Under ``[cost] basis = "stock"`` the draws'
    FTE in every year of the stock comes too (``fte_by_year``).
    """
    from dataclasses import asdict

    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.costmodels.side import estimand

    log("fitting the Bayesian cost model (reused from the cache when unchanged)...")
    years = scenario.run.stock_years()
    fit = fit_cost_model(
        sample, refit=refit, progress=progress, allow_unconverged=allow_unconverged, target_year=scenario.run.target_year, stock_years=years,
        trend_structure=scenario.run.trend_structure,
    )
    diagnostics = {
        "cost_model": "pymc",
        **fit.diagnostics,
        "trend": fit.trend,
        "sampler": asdict(fit.sampler),
        "ppc_pvalues": fit.ppc.p_values(),
        "ppc_misfits": list(fit.ppc_misfits),
    }
    cost = CostSide(
        "pymc",
        np.asarray(fit.fte, dtype=float),
        f"posterior of the Bayesian cost model (PyMC): {estimand(fit.target_year)}",
        diagnostics,
        data_provenance(sample),
        fit.ppc,
        fit.cache_path,
        fit.fte_by_year,
        years,
    )
    return in_active_days(cost, sample), fit.warnings


def _bootstrap_cost(
    sample: Sample, scenario: Scenario, refit: bool, allow_unconverged: bool, progress: bool, log: Log
) -> tuple[CostSide, tuple[str, ...]]:
    """Two-stage bootstrap replicates of the five FTE figures, from the run seed's own stream (no warnings)."""
    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.engine.draws import child_rng

    log(f"bootstrapping the sample ({BOOTSTRAP_REPLICATES} replicates)...")
    fte = bootstrap_fte(sample, BOOTSTRAP_REPLICATES, child_rng(scenario.run.seed, BOOTSTRAP_STREAM))
    diagnostics = {"cost_model": "bootstrap", "replicates": BOOTSTRAP_REPLICATES}
    cost = CostSide(
        "bootstrap", np.asarray(fte, dtype=float), "two-stage bootstrap of the sample (repos, then periods)", diagnostics, data_provenance(sample)
    )
    return cost, ()


def table1_cost() -> CostSide:
    """Return the paper's published Table 1 FTE figures as a cost side of constant draws (no threshold curve: NaN)."""
    from mcvalue.costmodels.table1 import DESCRIPTION, table1_fte
    from mcvalue.costmodels.threshold import GRID

    return CostSide("table1", np.concatenate([table1_fte(1), np.full((1, GRID.size), np.nan)], axis=1), DESCRIPTION, {"cost_model": "table1"})


_DATA_COST_MODELS = {"pymc": _pymc_cost, "bootstrap": _bootstrap_cost}


def _no_data_source_named(data_dir: Path | None) -> bool:
    """Tell whether the user named no data location, so a missing sample means 'nowhere'."""
    return data_dir is None and not os.environ.get(DATA_DIR_ENV)


def _check_converged(cost: CostSide, allow_unconverged: bool) -> None:
    """Refuse a cached fit that failed its checks like a fresh one, unless allowed."""
    if cost.diagnostics.get("converged") is False and not allow_unconverged:
        from mcvalue.costmodels.pymc.diagnostics import convergence_message

        raise ConvergenceError(convergence_message(cost.diagnostics))


def cost_side(
    scenario: Scenario,
    *,
    data_dir: Path | None = None,
    explicit_model: bool = False,
    refit: bool = False,
    allow_unconverged: bool = False,
    progress: bool = False,
    log: Log = silent,
) -> tuple[CostSide, tuple[str, ...]]:
    """FTE draws from the scenario's cost model, and any warning about how they were got.

    Parameters
    ----------
    scenario : Scenario
        Names the cost model (``scenario.run.cost_model``), data mode and cleaning.
    data_dir : pathlib.Path, optional
        Directory holding the paper's data files (else ``$MCVALUE_DATA_DIR``, the cache,
        a download).
    explicit_model : bool
        True when the user named the cost model: then missing data is an error, never a
        fallback to ``table1``; so it is under ``[cost] basis = "stock"`` (Table 1 has no
        FTE per year).
    refit, allow_unconverged, progress : bool
        Refit instead of using cached results; run on with a fit that failed its
        convergence checks (recorded in the diagnostics); show the sampler's progress.
    log : callable
        Receives progress lines.

    Returns
    -------
    (CostSide, tuple of str)
        The cost side and warnings (the offline fallback).
    """
    from dataclasses import replace

    from mcvalue.costmodels import cache
    from mcvalue.costmodels.references import load_references, reference_identity
    from mcvalue.data import load_sample, verify_files

    model = scenario.run.cost_model
    sample_dir = scenario.data.sample
    if model == "table1":
        if sample_dir is not None:
            raise DataError(
                f"--cost-model table1 is the paper's published Table 1 and cannot price the collected sample {sample_dir}; "
                "use --cost-model bootstrap or pymc, or leave out --sample"
            )
        return table1_cost(), ()
    if model not in _DATA_COST_MODELS:
        raise McValueError(f"unknown cost model {model!r}; choose one of {', '.join(COST_MODELS)}")
    log(f"checking the data files ({scenario.data.mode} mode{f', collected sample {sample_dir}' if sample_dir else ''})...")
    try:
        files = verify_files(scenario.data.mode, data_dir, sample_dir)
    except DataError as error:
        if scenario.run.basis == "stock":
            raise DataError(f'{error}; [cost] basis = "stock" needs the fitted pymc cost model, so there is no fallback to Table 1') from None
        if scenario.run.trend_structure != DEFAULT_TREND_STRUCTURE:
            raise DataError(f"{error}; [cost] trend_structure needs the fitted pymc cost model, so there is no fallback to Table 1") from None
        if explicit_model or sample_dir is not None or not _no_data_source_named(data_dir):
            raise
        warning = (
            f"no copy of the paper's data is available ({error}); falling back to --cost-model table1: "
            "the cost side is the paper's published Table 1 figures, not a fit"
        )
        return table1_cost(), (warning,)
    references = scenario.run.references
    files = files | reference_identity(references, scenario.data.mode, data_dir, sample_dir is not None)
    key = cache.key(
        model,
        scenario.data.mode,
        scenario.data.cleaning,
        files,
        scenario.run.seed if model == "bootstrap" else None,
        scenario.run.target_year if model == "pymc" else None,
        scenario.run.stock_years(),
        scenario.run.trend_structure if model == "pymc" else None,
    )
    cached, warnings = (None, ()) if refit else cache.load(key)
    if cached is not None:
        log(f"using the cached {model} cost side (--refit to recompute)...")
        _check_converged(cached, allow_unconverged)
        return cached, warnings
    log(f"loading the sample ({scenario.data.mode} mode)...")
    cleaning = None if scenario.data.mode == "paper" else scenario.data.cleaning
    sample = load_sample(scenario.data.mode, data_dir, cleaning, sample_dir)
    sample, record = load_references(references, sample, scenario.data.mode, data_dir, cleaning, sample_dir is not None)
    cost, fit_warnings = _DATA_COST_MODELS[model](sample, scenario, refit, allow_unconverged, progress, log)
    cost = replace(cost, data={**(cost.data or {}), "references": record})
    scrape_references = record["source"] == "paper"
    if cleaning is not None and cleaning.correct_top100 and (sample_dir is None or scrape_references):
        cost = corrected_for_top100(cost, sample, scrape_references=scrape_references, scrape_sample=sample_dir is None)
    return cost, warnings + fit_warnings + cache.save(key, cost)
