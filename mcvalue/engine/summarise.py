"""summary.json's content: the run's statistics (:mod:`mcvalue.engine.statistics`), its inputs, provenance and decision analysis in one record.

Separate from the statistics because this module knows the run (scenario, cost side,
libraries, data files) while the statistics know only draws.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np

import mcvalue
from mcvalue.engine.simulate import Simulation
from mcvalue.engine.statistics import summarise_simulation
from mcvalue.io.jsontext import SUMMARY_DIGITS, to_jsonable
from mcvalue.priors.settings import AVERAGE_TARGET
from mcvalue.vocab.paper import METHOD_KEYS, METHODS_BY_KEY

if TYPE_CHECKING:
    from mcvalue.costmodels.side import CostSide
    from mcvalue.decision.analysis import Decision
    from mcvalue.priors.spec import Scenario

#: Libraries whose versions summary.json records: any of them can move the numbers.
LIBRARIES: tuple[str, ...] = ("numpy", "scipy", "pandas", "pymc", "pytensor", "nutpie", "numba", "arviz")


def _block(stats: dict[str, Any]) -> dict[str, Any]:
    """One :func:`summarise_draws` block in summary.json's shape: mean, median, intervals, mcse."""
    out = {
        "mean": stats["mean"],
        "median": stats["median"],
        "intervals": {**stats["intervals"], "hdi90": stats["hdi90"]},
        "mcse": {"mean": stats["mean_mcse"], "quantiles": stats["quantile_mcse"]},
    }
    if "p_above" in stats:
        out["p_above"] = stats["p_above"]
    return out


def _inputs(scenario: Scenario, cost: CostSide) -> dict[str, Any]:
    """Each prior quantity's p5 / median / p95 and source, and the cost model's FTE per method."""
    probs = np.array([0.05, 0.5, 0.95])
    out = {}
    for name, dist in scenario.quantities.items():
        p5, median, p95 = (float(v) for v in dist.ppf(probs))
        out[name] = {"distribution": dist.describe(), "p5": p5, "median": median, "p95": p95, "source": dist.source}
    for key, fte, distribution in _fte_inputs(scenario, cost):
        p5, median, p95 = np.quantile(fte, probs)
        out[f"fte.{key}"] = {"distribution": distribution, "p5": p5, "median": median, "p95": p95, "source": cost.description}
    return out


def _fte_inputs(scenario: Scenario, cost: CostSide) -> list[tuple[str, np.ndarray, str]]:
    """Each priced method's FTE draws from the cost side: (key, draws, what they are).

    The activity-threshold method's FTE depends on the threshold prior: its draws here
    are the curves at that prior's median (a method without FTE is left out).
    """
    from mcvalue.costmodels.threshold import QUANTITY, THRESHOLD_INDEX, method_fte

    threshold = scenario.quantities.get(QUANTITY)
    median = None if threshold is None else float(threshold.ppf(np.array([0.5]))[0])
    fte = method_fte(cost.fte, median)
    out = []
    for j, key in enumerate(METHOD_KEYS):
        if np.isnan(fte[:, j]).any():
            continue
        what = f"{cost.model} draws" + (f" at the threshold's prior median ({median:.3g} per six months)" if j == THRESHOLD_INDEX else "")
        out.append((key, fte[:, j], what))
    return out


def library_versions() -> dict[str, str | None]:
    """Return the installed versions of python and of :data:`LIBRARIES` (None if absent)."""
    import platform
    from importlib import metadata

    versions: dict[str, str | None] = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def cost_fit_sha256(cost: CostSide) -> str:
    """Return the identity of a run's cost fit: the sha256 of its FTE draws (and FTE per year, for a stock), 16 hex digits.

    Two runs with the same digest priced their cost with the very same draws (one cached
    fit, or Table 1), so any difference in their cost comes from the cost-side priors and
    settings; a different digest means a different fit (another library, data or sampler),
    which moves the cost by itself. The draws are hashed at 20 significant bits
    (:func:`_portable_bits`): the posterior is bit-identical across x86-64 machines of one
    level, but the FTE NumPy derives from it may differ in the last bit between CPUs
    (AVX-512 and AVX2 exp/log kernels), and the digest must be the same bytes everywhere.
    """
    digest = hashlib.sha256(_portable_bits(cost.fte).tobytes())
    if cost.fte_by_year is not None:
        digest.update(_portable_bits(cost.fte_by_year).tobytes())
    return digest.hexdigest()[:16]


def _portable_bits(values: np.ndarray, bits: int = 20) -> np.ndarray:
    """Return ``values`` with their binary mantissas rounded to ``bits`` bits (exact operations: frexp, ldexp, rint).

    A last-bit difference moves a value across a rounding boundary with probability about
    2^-(53 - bits) per value (2^-33 here: ~2e-5 over a 200,000-value pool), while two fits
    that differ at all differ far above 2^-20.

    Examples
    --------
    >>> x = np.array([1.0, 1.0 + 2**-52, 3.0])
    >>> _portable_bits(x).tolist()
    [1.0, 1.0, 3.0]
    """
    mantissa, exponent = np.frexp(np.ascontiguousarray(values, dtype=np.float64))
    return np.ascontiguousarray(np.ldexp(np.rint(np.ldexp(mantissa, bits)), exponent - bits))


def _provenance(
    scenario: Scenario, cost: CostSide, swing: tuple[float, float], thresholds: tuple[float, ...], requested_toml: str | None = None
) -> dict[str, Any]:
    """Return what produced these numbers: versions, seed, draws, cost model and basis (a stock's first and last year), priors and data hashes."""
    data = cost.data
    return {
        "package_version": mcvalue.__version__,
        "libraries": library_versions(),
        "seed": scenario.run.seed,
        "draws": scenario.run.draws,
        "cost_model": cost.model,
        # The year whose activity the FTE describes: the run's setting for the Bayesian cost model,
        # the long-run average of the sampled windows for the bootstrap and Table 1.
        "target_year": scenario.run.target_year if cost.model == "pymc" else AVERAGE_TARGET,
        "cost_basis": scenario.run.basis,
        # The pymc cost model's time-trend structure ([cost] trend_structure); null for models without trends.
        "trend_structure": scenario.run.trend_structure if cost.model == "pymc" else None,
        "stock_years": [cost.years[0], cost.years[-1]] if cost.years else None,
        "priors_sha256": scenario.sha256,
        "resolved_priors_sha256": hashlib.sha256((requested_toml or scenario.resolved_toml).encode("utf-8")).hexdigest(),
        "data_mode": data["mode"] if data is not None else None,
        "cleaning": data["cleaning"] if data is not None else None,
        "data_files_sha256": data["file_sha256"] if data is not None else {},
        # A collected sample's identity (its manifest's sample_sha256); null for the paper's files.
        "sample_sha256": data["file_sha256"].get("sample_sha256") if data is not None else None,
        "cost_fit_sha256": cost_fit_sha256(cost),
        "swing": list(swing),
        "thresholds": list(thresholds),
    }


def _data_block(cost: CostSide) -> dict[str, Any] | None:
    """Return summary.json's ``data``: the heaviest windows and the references (where from, how measured); None for table1."""
    if cost.data is None:
        return None
    return {"heaviest_windows": cost.data.get("heaviest_windows", []), "references": cost.data.get("references")}


def build_summary(
    scenario: Scenario, cost: CostSide, simulation: Simulation, decision: Decision, swing: tuple[float, float],
    requested_toml: str | None = None, draws_summary: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Return summary.json's content for one run: plain JSON types, deterministic.

    Keys: bcr (with ``exceedance``), cost_usd, benefit_usd, methods (costing),
    benefit_methods, method_table (benefit x costing method: median BCR, P(BCR > 100)),
    population (the repository list the BCR is about, name and size), sensitivity
    (tornado, break-even, Sobol indices), voi, diagnostics, data (the heaviest windows
    of the sample and the references that priced its units, None for the table1 cost
    model), inputs, provenance
    (documented in the README). Holds no name, path or clock time, so the same inputs,
    seed and library versions give the same bytes (the Sobol design is seeded from the
    run seed). ``requested_toml`` is the prior file as the user gave it (resolved), before
    the engine shared the weight of methods it could not price or fell back to Table 1:
    ``provenance.resolved_priors_sha256`` is its sha256, as of the run's ``priors.toml``
    (default: ``scenario``'s); ``methods`` gives the weights used. ``draws_summary`` is
    :func:`summarise_simulation` of ``simulation`` when the caller has it already
    (:func:`mcvalue.run` computes it beside the decision analysis); default: computed here.
    """
    core = summarise_simulation(simulation) if draws_summary is None else draws_summary
    weights = scenario.method_weights
    methods = {
        key: {
            "weight": float(weights.get(key, 0.0)),
            "paper_cost_usd": METHODS_BY_KEY[key].paper_cost_per_year if key in METHODS_BY_KEY else None,
            "cost_usd": _block(core["methods"][key]["cost_usd"]),
            "bcr": _block(core["methods"][key]["bcr"]),
        }
        for key in METHOD_KEYS
        if key in core["methods"]
    }
    benefit_weights = scenario.benefit_weights
    benefit_methods = {
        key: {
            "weight": float(benefit_weights.get(key, 0.0)),
            "benefit_usd": _block(block["benefit_usd"]),
            "bcr": _block(block["bcr"]),
        }
        for key, block in core["benefit_methods"].items()
    }
    bcr = _block(core["bcr"])
    tables = decision.to_dict()
    bcr["exceedance"] = tables["exceedance"]
    summary = {
        "bcr": bcr,
        "cost_usd": _block(core["cost_usd"]),
        "benefit_usd": _block(core["benefit_usd"]),
        "methods": methods,
        "benefit_methods": benefit_methods,
        "method_table": core["method_table"],
        # The population the BCR is about: the list the sample was drawn from, which cost.coverage scales up to all MLOSS.
        "population": {"name": scenario.run.population, "size": scenario.run.population_size},
        "sensitivity": tables["sensitivity"],
        "voi": tables["voi"],
        "diagnostics": cost.diagnostics,
        "data": _data_block(cost),
        "inputs": _inputs(scenario, cost),
        "provenance": _provenance(scenario, cost, swing, decision.thresholds, requested_toml),
    }
    record: dict[str, Any] = to_jsonable(summary, SUMMARY_DIGITS)
    return record
