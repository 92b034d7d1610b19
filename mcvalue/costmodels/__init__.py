"""The cost side: a sample in, FTE draws per costing method out; one signature per model.

Cost models (:data:`COST_MODELS`) turn the sample into ``(m, POOL_WIDTH)`` FTE pool rows:
the five Table 1 methods' FTE (the first five of :data:`mcvalue.vocab.paper.METHOD_KEYS`), then
the activity-threshold method's FTE on a grid of thresholds, which the simulation
evaluates at each draw's threshold (:mod:`mcvalue.costmodels.threshold`). A method whose
reference repo is in none of the references chosen (``[cost] references``,
:mod:`mcvalue.costmodels.references`) has NaN FTE; so has the ``table1`` model's threshold
curve (the paper publishes none). A run shares such a method's weight among the priced
methods with one warning naming it (:func:`drop_unpriced_methods`).

* ``pymc``: posterior draws of the Bayesian cost model (:mod:`mcvalue.costmodels.pymc`),
  fitted once and cached;
* ``bootstrap``: a two-stage bootstrap over repos and periods (:mod:`.bootstrap`);
* ``table1``: the paper's published Table 1 figures, constant (:mod:`.table1`).

:func:`cost_side` is the one entry point. The data files are located and their sha256
checked on every call, cached cost side or not. Offline with no copy of the sample
anywhere (no ``--data-dir``, no ``$MCVALUE_DATA_DIR``, nothing cached, no download) and
no cost model named explicitly, it falls back to ``table1`` with one warning; naming
``pymc`` or ``bootstrap`` explicitly without data stays an error.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.config import DATA_DIR_ENV, Log, silent
from mcvalue.costmodels.side import CostSide
from mcvalue.errors import ConvergenceError, DataError, McValueError
from mcvalue.priors.settings import COST_MODELS

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


def priced_methods(fte: np.ndarray) -> list[str]:
    """Return the keys of the methods an FTE pool prices (a column with a finite value; the threshold's: its curve)."""
    from mcvalue.costmodels.threshold import TABLE1_COLUMNS
    from mcvalue.vocab.paper import METHOD_KEYS, THRESHOLD_KEY

    pool = np.asarray(fte, dtype=float)
    keys = [k for j, k in enumerate(METHOD_KEYS[:TABLE1_COLUMNS]) if np.isfinite(pool[:, j]).all()]
    curve = pool[:, TABLE1_COLUMNS:]
    return keys + ([THRESHOLD_KEY] if curve.size and np.isfinite(curve).all() else [])


def drop_unpriced_methods(scenario: Scenario, cost: CostSide) -> tuple[Scenario, str | None]:
    """Return the scenario with the weight of methods the cost side cannot price shared among the others, and why.

    A method cannot be priced when its FTE is NaN: the ``table1`` cost model has no
    activity-threshold figure (the paper publishes none); a commits or lines method has no
    contributor-period of its reference repository in the references chosen
    (``[cost] references``, :mod:`mcvalue.costmodels.references`). The weight moves to the
    priced methods in proportion to theirs (equally among them if they have none); the
    one line says which methods and weights moved, or is None when nothing moves.

    Raises
    ------
    DataError
        No weighted method can be priced and no other method can take the weight.
    """
    from mcvalue.vocab.paper import METHOD_KEYS, THRESHOLD_KEY

    priced = priced_methods(cost.fte)
    lost = {k: w for k, w in scenario.method_weights.items() if w > 0 and k not in priced}
    if not lost:
        return scenario, None
    if not priced:
        raise DataError(f"[cost.method_weights]: the {cost.model} cost side prices none of {', '.join(lost)}")
    others = {k: scenario.method_weights.get(k, 0.0) for k in priced}
    total = sum(others.values())
    table = {k: 0.0 for k in METHOD_KEYS} | {k: (w / total if total > 0 else 1.0 / len(others)) for k, w in others.items()}
    if set(lost) == {THRESHOLD_KEY} and cost.model == "table1":  # the one documented fallback of a table1 run
        why = (
            f"the table1 cost model has no {THRESHOLD_KEY} FTE (Table 1 has no such row): its weight {lost[THRESHOLD_KEY]:g} "
            "is shared among the five Table 1 methods"
        )
    else:
        named = ", ".join(f"{k} (weight {w:g})" for k, w in lost.items())
        why = f"the {cost.model} cost side cannot price {named}: {_why_unpriced(cost, lost)}; their weight is shared among {', '.join(priced)}"
    return scenario.with_prior("cost.method_weights", table), why


def _why_unpriced(cost: CostSide, lost: dict[str, float]) -> str:
    """Say why the methods of ``lost`` have no FTE: no threshold curve in Table 1, or no reference units."""
    from mcvalue.vocab.paper import THRESHOLD_KEY

    reasons = []
    if THRESHOLD_KEY in lost:
        reasons.append("Table 1 has no activity-threshold row")
    if set(lost) - {THRESHOLD_KEY}:
        refs = (cost.data or {}).get("references", {})
        missing = [name for name, n in refs.get("contributor_periods", {}).items() if n == 0]
        reasons.append(
            f"the references ([cost] references = {refs.get('setting', 'sample')!r}) have no contributor-period of "
            f"{', '.join(missing) or 'its reference repository'}"
        )
    return "; ".join(reasons)


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
    from mcvalue.costmodels.pymc.model import estimand

    log("fitting the Bayesian cost model (reused from the cache when unchanged)...")
    years = scenario.run.stock_years()
    fit = fit_cost_model(
        sample, refit=refit, progress=progress, allow_unconverged=allow_unconverged, target_year=scenario.run.target_year, stock_years=years
    )
    diagnostics = {
        "cost_model": "pymc",
        **fit.diagnostics,
        "target_year": fit.target_year,
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


def in_active_days(cost: CostSide, sample: Sample) -> CostSide:
    """Return the Bayesian cost side with its threshold curve in active days where the sample records them.

    The Bayesian model has a likelihood for commits per contributor, not for active days,
    so its threshold curve counts commits. On a collected sample (``active_days`` in the
    contributions) the curve at each grid threshold is multiplied by the sample's own ratio
    of the method's FTE from active days to that from commits
    (:func:`mcvalue.costmodels.bootstrap.active_days_ratio`): the calibration's measure,
    with the ratio's sampling error left out. The paper's sample is returned unchanged.
    """
    from dataclasses import replace

    from mcvalue.costmodels.bootstrap import active_days_ratio
    from mcvalue.costmodels.threshold import TABLE1_COLUMNS

    ratio = active_days_ratio(sample)
    if ratio is None or cost.fte.shape[-1] == TABLE1_COLUMNS:
        return cost
    factors = np.concatenate([np.ones(TABLE1_COLUMNS), ratio])
    return replace(
        cost,
        fte=cost.fte * factors,
        fte_by_year=None if cost.fte_by_year is None else cost.fte_by_year * factors,
        description=f"{cost.description}; threshold method in active days (the sample's ratio to commits)",
        diagnostics={**cost.diagnostics, "threshold_activity": {"measure": "active_days", "ratio_to_commits": [round(float(r), 6) for r in ratio]}},
    )


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


def corrected_for_top100(cost: CostSide, sample: Sample, scrape_references: bool = True, scrape_sample: bool = True) -> CostSide:
    """Return the cost side with each draw's FTE multiplied by a draw of the top-100 cut's correction.

    The scrape read GitHub's contributors page, which lists only the top 100 contributors
    of all time: for larger repositories its counts are lower bounds. The correction and
    its uncertainty are :func:`mcvalue.costmodels.topcut.topcut_correction`; the fit
    itself (and its cache) is untouched, so switching the correction off costs no refit.
    ``scrape_references`` False (references collected from git) leaves the reference
    means uncorrected: git's windows have no cut; ``scrape_sample`` False (a sample
    collected from git priced by the scrape's reference windows) corrects the references
    alone.
    """
    from dataclasses import replace

    from mcvalue.costmodels.topcut import topcut_correction

    correction = topcut_correction(sample, len(cost.fte), scrape_references=scrape_references, scrape_sample=scrape_sample)
    what = "scrape counts" if scrape_sample else "the scrape's reference windows"
    factors = pool_factors(correction.factors, cost.fte.shape[-1])
    by_year = None if cost.fte_by_year is None else cost.fte_by_year * factors[:, None, :]
    return replace(
        cost,
        fte=cost.fte * factors,
        fte_by_year=by_year,
        description=f"{cost.description}; {what} corrected for GitHub's top-100 contributors cut",
        diagnostics={**cost.diagnostics, "top100_correction": correction.summary},
    )


def pool_factors(factors: np.ndarray, width: int) -> np.ndarray:
    """Return per-method correction factors laid out as FTE pool rows of ``width`` columns.

    ``factors`` is ``(n, 6)`` in METHOD_KEYS order; the five Table 1 columns take theirs and
    every column of the threshold curve takes the threshold method's (a Table-1-only pool
    takes the first five).
    """
    from mcvalue.costmodels.threshold import TABLE1_COLUMNS, THRESHOLD_INDEX

    table1 = factors[:, :TABLE1_COLUMNS]
    curve = np.repeat(factors[:, THRESHOLD_INDEX : THRESHOLD_INDEX + 1], width - TABLE1_COLUMNS, axis=1)
    return np.concatenate([table1, curve], axis=1)
