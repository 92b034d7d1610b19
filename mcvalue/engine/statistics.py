"""Statistics of a Monte Carlo run's draws: intervals, tail probabilities and their Monte Carlo error.

For cost (USD/yr), benefit (USD/yr) and BCR, for cost and BCR under each costing
method separately, and for benefit and BCR under each benefit method separately,
:func:`summarise_draws` reports a dict of plain floats::

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
(its size and autocorrelation: batch means over blocks of the pool, :mod:`mcvalue.engine.mcse`). Numbers are rounded to ``digits`` significant figures (MCSEs to
3) and non-finite values become ``None``, so ``json.dumps`` of the result is valid JSON
and byte-identical for the same seed.

Separate from :mod:`mcvalue.engine.summarise` (the whole summary.json) because these
functions take draws only, so the decision analysis and the tests use them alone.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from mcvalue.engine.mcse import mcse_of_mean, mcse_of_quantile, simulation_batches
from mcvalue.engine.simulate import Simulation
from mcvalue.io.jsontext import SUMMARY_DIGITS
from mcvalue.priors.settings import BENEFIT_METHOD_KEYS
from mcvalue.vocab.paper import METHOD_KEYS

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


def summarise_draws(draws: np.ndarray, digits: int = SUMMARY_DIGITS, batches: np.ndarray | None = None) -> dict[str, Any]:
    """Mean, median, quantiles, intervals, HDI and MCSEs of one array of draws.

    ``batches`` labels each draw's block of the FTE pool (:func:`mcvalue.engine.mcse.pool_batches`);
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


def tail_probabilities(bcr: np.ndarray, digits: int = SUMMARY_DIGITS, batches: np.ndarray | None = None) -> dict[str, Any]:
    """P(BCR > t) for each threshold, with the MCSE of that proportion (``batches`` as in :func:`summarise_draws`)."""
    out = {}
    for threshold in THRESHOLDS:
        above = (np.asarray(bcr) > float(threshold)).astype(float)
        out[threshold] = {
            "p": _round(above.mean(), digits),
            "mcse": _round(mcse_of_mean(above, batches), MCSE_DIGITS),
        }
    return out


def _bcr_summary(bcr: np.ndarray, digits: int, batches: np.ndarray | None) -> dict[str, Any]:
    """:func:`summarise_draws` of BCR draws plus their ``p_above`` tail probabilities."""
    summary = summarise_draws(bcr, digits, batches)
    summary["p_above"] = tail_probabilities(bcr, digits, batches)
    return summary


def summarise_simulation(simulation: Simulation, digits: int = SUMMARY_DIGITS) -> dict[str, Any]:
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


def method_table(simulation: Simulation, digits: int = SUMMARY_DIGITS, threshold: float = 100.0) -> dict[str, dict[str, dict[str, float | None]]]:
    """Return the benefit-method x costing-method table: median BCR and P(BCR > ``threshold``) of every pair.

    ``table[b][c]`` holds ``{"median", "p_above_100"}`` of benefit method b's benefit over
    costing method c's cost, in every draw (as if both had weight 1). Row and column
    ``"mixture"`` use the run's mixture on that side, so ``table["mixture"]["mixture"]`` is the
    run's own BCR. Methods the scenario cannot price are left out.
    """
    benefits = {**_benefit_columns(simulation), "mixture": np.asarray(simulation.benefit)}
    costs = {key: simulation.cost_by_method[:, j] for j, key in enumerate(METHOD_KEYS) if not np.isnan(simulation.cost_by_method[:, j]).any()}
    costs["mixture"] = np.asarray(simulation.cost)
    table: dict[str, dict[str, dict[str, float | None]]] = {}
    for b, benefit in benefits.items():
        table[b] = {}
        for c, cost in costs.items():
            with np.errstate(divide="ignore"):
                bcr = benefit / cost
            table[b][c] = {"median": _round(np.median(bcr), digits), "p_above_100": _round(np.mean(bcr > threshold), digits)}
    return table
