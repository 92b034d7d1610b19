"""Summaries of a Monte Carlo run: intervals, tail probabilities and their MC error.

For cost (USD/yr), benefit (USD/yr) and BCR, for cost and BCR under each costing
method separately, and for benefit and BCR under each benefit method separately,
:func:`summarise` reports a dict of plain floats::

    {"mean", "mean_mcse", "median",
     "quantiles":     {"0.025": q, "0.05": q, "0.25": q, "0.5": q, "0.75": q, "0.95": q, "0.975": q},
     "quantile_mcse": {same keys: MCSE of that quantile},
     "intervals":     {"50": [lo, hi], "90": [lo, hi], "95": [lo, hi]},   (equal-tailed)
     "hdi90":         [lo, hi]}            (highest density on the log scale, transformed back)

and for BCR also ``"p_above": {"1": {"p", "mcse"}, "10": {...}, "100": {...}}``.
summary.json's ``bcr`` block also holds ``exceedance``, the curve P(BCR > k) on a grid
of k (:mod:`mcvalue.decision.exceedance`), computed the same way: its p at k = 1, 10, 100 is
``p_above``'s.
Every endpoint of an equal-tailed interval is one of the reported quantiles, so its MCSE
is in ``quantile_mcse``. Every MCSE counts the FTE pool the draws were resampled from
(its size and autocorrelation: batch means over blocks of the pool, :mod:`mcvalue.mcse`). Numbers are rounded to ``digits`` significant figures (MCSEs to
3) and non-finite values become ``None``, so ``json.dumps`` of the result is valid JSON
and byte-identical for the same seed.
"""

from __future__ import annotations

import hashlib
import math
from typing import TYPE_CHECKING, Any

import numpy as np

import mcvalue
from mcvalue.io.jsontext import SUMMARY_DIGITS, to_jsonable
from mcvalue.mcse import mcse_of_mean, mcse_of_quantile, simulation_batches
from mcvalue.priors.settings import BENEFIT_METHOD_KEYS
from mcvalue.simulate import Simulation
from mcvalue.vocab.paper import METHOD_KEYS, METHODS_BY_KEY

if TYPE_CHECKING:
    from mcvalue.costmodels import CostSide
    from mcvalue.decision.analysis import Decision
    from mcvalue.priors.spec import Scenario

#: Libraries whose versions summary.json records: any of them can move the numbers.
LIBRARIES: tuple[str, ...] = ("numpy", "scipy", "pandas", "pymc", "pytensor", "nutpie", "numba", "arviz")

#: Equal-tailed interval masses reported, as percent strings.
INTERVALS: tuple[str, ...] = ("50", "90", "95")
#: BCR thresholds for P(BCR > t).
THRESHOLDS: tuple[str, ...] = ("1", "10", "100")
HDI_PROB = 0.9
MCSE_DIGITS = 3


def interval_probs(mass: str) -> tuple[float, float]:
    """Lower and upper tail probabilities of the equal-tailed interval of ``mass`` percent."""
    tail = (1.0 - float(mass) / 100.0) / 2.0
    return round(tail, 6), round(1.0 - tail, 6)


#: Every quantile probability reported (the median and each interval's endpoints).
QUANTILE_PROBS: tuple[float, ...] = tuple(
    sorted({0.5} | {p for mass in INTERVALS for p in interval_probs(mass)})
)


def _round(x: float, digits: int) -> float | None:
    """``x`` to ``digits`` significant figures as a plain float; None if not finite."""
    x = float(x)
    if not math.isfinite(x):
        return None
    return float(f"{x:.{digits}g}")


def _hdi(sorted_draws: np.ndarray, prob: float) -> tuple[float, float]:
    """Return the shortest interval holding ``prob`` of the draws (ArviZ's HDI algorithm)."""
    width = int(np.floor(prob * sorted_draws.size))
    start = int(np.argmin(sorted_draws[width:] - sorted_draws[: sorted_draws.size - width]))
    return float(sorted_draws[start]), float(sorted_draws[start + width])


def log_hdi(sorted_draws: np.ndarray, prob: float) -> tuple[float, float]:
    """Return the highest-density interval of log(draws), transformed back; (nan, nan) unless every draw is positive.

    Cost, benefit and BCR are positive and right-skewed over decades: on the linear scale
    the shortest interval crowds against zero, so its lower end is set by a handful of
    draws near 0 (BCR's was [0.56, 311] while P(BCR > 1) = 0.9996, and jumped between
    runs). On the log scale the HDI is invariant to the units and stable; it is labelled
    "HDI 90% (log scale)" wherever shown.
    """
    if sorted_draws[0] <= 0:
        return float("nan"), float("nan")
    low, high = _hdi(np.log(sorted_draws), prob)
    return float(np.exp(low)), float(np.exp(high))


def stable_order(draws: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Return ``np.argsort(draws, kind="stable")`` and the sorted draws, the same bits, about twice as fast.

    Without ties (and NaNs) every sort gives the one ordering, so NumPy's fast unstable
    sort is used; with a tie the stable sort decides, keeping tied draws in their order.
    """
    order = np.argsort(draws)
    ordered = draws[order]
    if ordered.size and (np.isnan(ordered[-1]) or np.any(ordered[1:] == ordered[:-1])):
        order = np.argsort(draws, kind="stable")
        ordered = draws[order]
    return order, ordered


def summarise_draws(draws: np.ndarray, digits: int = SUMMARY_DIGITS, batches: np.ndarray | None = None) -> dict:
    """Mean, median, quantiles, intervals, HDI and MCSEs of one array of draws.

    ``batches`` labels each draw's block of the FTE pool (:func:`mcvalue.mcse.pool_batches`);
    None treats the draws as independent. Non-finite draws (an infinite BCR from a zero
    cost) are kept in the quantiles and tail probabilities; the mean, HDI and MCSEs are
    then reported as None.
    """
    draws = np.asarray(draws, dtype=float)
    finite = bool(np.all(np.isfinite(draws)))
    order, ordered = stable_order(draws)
    batches_sorted = None if batches is None else np.asarray(batches)[order]
    with np.errstate(invalid="ignore"):  # inf - inf when interpolating between infinite draws
        quantiles = np.quantile(draws, QUANTILE_PROBS)
    by_prob = dict(zip(QUANTILE_PROBS, quantiles, strict=False))
    key = {p: f"{p:g}" for p in QUANTILE_PROBS}
    nan = float("nan")
    hdi = log_hdi(ordered, HDI_PROB) if finite else (nan, nan)
    return {
        "mean": _round(draws.mean(), digits) if finite else None,
        "mean_mcse": _round(mcse_of_mean(draws, batches), MCSE_DIGITS) if finite else None,
        "median": _round(by_prob[0.5], digits),
        "quantiles": {key[p]: _round(q, digits) for p, q in by_prob.items()},
        "quantile_mcse": {
            key[p]: _round(mcse_of_quantile(ordered, p, batches_sorted), MCSE_DIGITS) if finite else None
            for p in QUANTILE_PROBS
        },
        "intervals": {
            mass: [_round(by_prob[lo], digits), _round(by_prob[hi], digits)]
            for mass in INTERVALS
            for lo, hi in [interval_probs(mass)]
        },
        "hdi90": [_round(hdi[0], digits), _round(hdi[1], digits)],
    }


def tail_probabilities(bcr: np.ndarray, digits: int = SUMMARY_DIGITS, batches: np.ndarray | None = None) -> dict:
    """P(BCR > t) for each threshold, with the MCSE of that proportion (``batches`` as in :func:`summarise_draws`)."""
    out = {}
    for threshold in THRESHOLDS:
        above = (np.asarray(bcr) > float(threshold)).astype(float)
        out[threshold] = {
            "p": _round(above.mean(), digits),
            "mcse": _round(mcse_of_mean(above, batches), MCSE_DIGITS),
        }
    return out


def _bcr_summary(bcr: np.ndarray, digits: int, batches: np.ndarray | None) -> dict:
    """:func:`summarise_draws` of BCR draws plus their ``p_above`` tail probabilities."""
    summary = summarise_draws(bcr, digits, batches)
    summary["p_above"] = tail_probabilities(bcr, digits, batches)
    return summary



def summarise_simulation(simulation: Simulation, digits: int = SUMMARY_DIGITS) -> dict:
    """JSON-ready summary of a run: the mixture's cost, benefit, BCR and each method's.

    ``methods`` maps each METHOD_KEYS key to the summaries of that method's cost and
    BCR over all draws (as if that method had weight 1), so the five Table 1 methods and
    the activity-threshold method can be read side by side; a method the cost side cannot
    price (NaN cost: no reference repo in the sample, no threshold prior) is left out.
    MCSEs count the FTE pool (:func:`simulation_batches`).
    """
    batches = simulation_batches(simulation)
    methods = {}
    for j, key in enumerate(METHOD_KEYS):
        cost_j = simulation.cost_by_method[:, j]
        if np.isnan(cost_j).any():
            continue
        with np.errstate(divide="ignore"):
            bcr_j = simulation.benefit / cost_j
        methods[key] = {"cost_usd": summarise_draws(cost_j, digits, batches), "bcr": _bcr_summary(bcr_j, digits, batches)}
    benefit_methods = {}
    for key, benefit_b in _benefit_columns(simulation).items():
        with np.errstate(divide="ignore"):
            bcr_b = benefit_b / simulation.cost
        benefit_methods[key] = {"benefit_usd": summarise_draws(benefit_b, digits, batches), "bcr": _bcr_summary(bcr_b, digits, batches)}
    return {
        "draws": int(len(simulation.bcr)),
        "seed": int(simulation.seed),
        "cost_usd": summarise_draws(simulation.cost, digits, batches),
        "benefit_usd": summarise_draws(simulation.benefit, digits, batches),
        "bcr": _bcr_summary(simulation.bcr, digits, batches),
        "methods": methods,
        "benefit_methods": benefit_methods,
        "method_table": method_table(simulation, digits),
    }


def _benefit_columns(simulation: Simulation) -> dict[str, np.ndarray]:
    """Each benefit method's benefit draws the scenario can price (no NaN), by key; the chain's is the benefit itself when none are kept."""
    if simulation.benefit_by_method is None:
        return {BENEFIT_METHOD_KEYS[0]: np.asarray(simulation.benefit)}
    return {
        key: np.asarray(simulation.benefit_by_method[:, b])
        for b, key in enumerate(BENEFIT_METHOD_KEYS)
        if not np.isnan(simulation.benefit_by_method[:, b]).any()
    }


def method_table(simulation: Simulation, digits: int = SUMMARY_DIGITS, threshold: float = 100.0) -> dict[str, dict[str, dict]]:
    """Return the benefit-method x costing-method table: median BCR and P(BCR > ``threshold``) of every pair.

    ``table[b][c]`` holds ``{"median", "p_above_100"}`` of benefit method b's benefit over
    costing method c's cost, in every draw (as if both had weight 1). Row and column
    ``"mixture"`` use the run's mixture on that side, so ``table["mixture"]["mixture"]`` is the
    run's own BCR. Methods the scenario cannot price are left out.
    """
    benefits = {**_benefit_columns(simulation), "mixture": np.asarray(simulation.benefit)}
    costs = {key: simulation.cost_by_method[:, j] for j, key in enumerate(METHOD_KEYS) if not np.isnan(simulation.cost_by_method[:, j]).any()}
    costs["mixture"] = np.asarray(simulation.cost)
    table: dict[str, dict[str, dict]] = {}
    for b, benefit in benefits.items():
        table[b] = {}
        for c, cost in costs.items():
            with np.errstate(divide="ignore"):
                bcr = benefit / cost
            table[b][c] = {"median": _round(np.median(bcr), digits), "p_above_100": _round(np.mean(bcr > threshold), digits)}
    return table


def _block(stats: dict) -> dict:
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


def _inputs(scenario: Scenario, cost: CostSide) -> dict:
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
) -> dict:
    """Return what produced these numbers: versions, seed, draws, cost model and basis (a stock's first and last year), priors and data hashes."""
    data = cost.data
    return {
        "package_version": mcvalue.__version__,
        "libraries": library_versions(),
        "seed": scenario.run.seed,
        "draws": scenario.run.draws,
        "cost_model": cost.model,
        "cost_basis": scenario.run.basis,
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


def _data_block(cost: CostSide) -> dict | None:
    """Return summary.json's ``data``: the heaviest windows and the references (where from, how measured); None for table1."""
    if cost.data is None:
        return None
    return {"heaviest_windows": cost.data.get("heaviest_windows", []), "references": cost.data.get("references")}


def build_summary(
    scenario: Scenario, cost: CostSide, simulation: Simulation, decision: Decision, swing: tuple[float, float],
    requested_toml: str | None = None,
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
    (default: ``scenario``'s); ``methods`` gives the weights used.
    """
    core = summarise_simulation(simulation)
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
    return to_jsonable(summary, SUMMARY_DIGITS)
