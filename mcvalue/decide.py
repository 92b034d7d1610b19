"""The decision analysis of one run: the glue between the engine's draws and :mod:`mcvalue.decision`.

:func:`decide` is the one place that builds the conditional model runs, the inputs of
the value-of-information regressions and the Sobol design from a run, calls the pure
functions of :mod:`mcvalue.decision` and returns their tables as a :class:`Decision`.
The pipeline calls it once per run, on the run's own draws: the cost model's posterior
is never refitted (the FTE pool is reused as drawn).

Conditioning on one input (tornado, break-even). The other inputs keep their
distributions:

* an input that no rank correlation of the prior file names is fixed in every one of
  the run's draws (:func:`mcvalue.decision.conditional_on_draws`), so every other input
  keeps its draws exactly;
* an input that a rank correlation names would drag its partners with it, so fixing it
  alone would break the correlation. Its conditional run is made of the draws whose value
  of that input lies within +-:data:`CORRELATED_BAND` in rank (empirical CDF) of the
  fixed value (the band clipped to [0, 1]), with the input set to the fixed value in
  those draws: the partners then follow their distribution given the input near that
  value, as the Iman-Conover draws have it, and every uncorrelated input keeps its
  distribution (the band is a subsample). The conditional median is that of the band's
  BCR draws: about 10,000 draws of a 200,000-draw run.

Under ``[cost] basis = "stock"`` the FTE input of each draw is its row's trajectory (FTE
in every year of the stock) and the draws' FTE is the stock depreciated at the draw's
own rate, priced at (discount + depreciation) x salary (:mod:`mcvalue.simulate`). Fixing
the discount rate or any other input leaves the draws' stock as it is; fixing the
depreciation rate depreciates every draw's trajectory again at the fixed rate, and fixing
the FTE depreciates the fixed trajectory (the pool's per-year, per-method quantile) at
each draw's rate. The Sobol design draws trajectories (pool rows) with the depreciation
rate, and the value-of-information regressions see a draw's trajectory through its stock
at the depreciation rate's prior median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue import decision as d
from mcvalue.mcse import mcse_of_mean, simulation_batches
from mcvalue.paper import METHOD_KEYS
from mcvalue.simulate import DEPRECIATION, child_rng, depreciated_stock, method_probabilities, outcomes, stock_ages

if TYPE_CHECKING:
    from mcvalue.costmodels import CostSide
    from mcvalue.priors.spec import Scenario
    from mcvalue.simulate import Simulation

#: Half-width, in rank (prior probability), of the band of draws a correlated input is conditioned on.
CORRELATED_BAND = 0.025
#: Thresholds of the break-even table and of the value of information, before the user's.
BREAK_EVEN_THRESHOLDS = (1.0, 100.0)
VOI_THRESHOLDS = (1.0, 10.0, 100.0)
#: The threshold of the report's sentences and of the EVPPI figure: the paper's claim.
PAPER_THRESHOLD = 100.0
#: Name of the random stream that seeds the Sobol design (see :func:`mcvalue.simulate.child_rng`).
SOBOL_STREAM = "__sobol__"
#: Significant figures of Monte Carlo standard errors in summary.json (as ``summarise.MCSE_DIGITS``).
MCSE_DIGITS = 3


@dataclass(frozen=True)
class Decision:
    """The decision analysis of one run (see :func:`decide`).

    Attributes
    ----------
    thresholds : tuple of float
        The user's extra thresholds (``--threshold``), sorted.
    exceedance : dict of str to list of dict
        P(BCR > k) curves: ``"mixture"`` and each costing method drawn at least once,
        rows ``{"k", "p", "mcse"}`` (:func:`mcvalue.decision.exceedance_by_method`).
    break_even : list of dict
        :func:`mcvalue.decision.break_even` rows for k = 1, 100 and the user's thresholds.
    fragility : str
        :func:`mcvalue.decision.fragility_sentence` at k = 100.
    tornado : mcvalue.decision.Tornado
        Bars of conditional medians, widest first.
    sobol : list of dict
        :func:`mcvalue.decision.sobol_indices` of BCR and log BCR.
    voi : dict
        :func:`mcvalue.decision.value_of_information` for k = 1, 10, 100 and the user's thresholds.
    correlated : tuple of str
        Inputs conditioned by the rank band (named in a rank correlation).
    """

    thresholds: tuple[float, ...]
    exceedance: dict[str, list[dict]]
    break_even: list[dict]
    fragility: str
    tornado: d.Tornado
    sobol: list[dict]
    voi: dict
    correlated: tuple[str, ...] = field(default=())

    def exceedance_json(self) -> list[dict]:
        """Return ``bcr.exceedance`` of summary.json: the mixture's curve, MCSEs to 3 figures."""
        return [{"k": r["k"], "p": r["p"], "mcse": float(f"{r['mcse']:.{MCSE_DIGITS}g}")} for r in self.exceedance["mixture"]]

    def sensitivity_json(self) -> dict[str, Any]:
        """Return the ``sensitivity`` block of summary.json: tornado, break-even, fragility, Sobol."""
        return {
            "tornado": self.tornado.to_dict(),
            "break_even": self.break_even,
            "fragility": self.fragility,
            "conditioning": conditioning_note(self.correlated),
            "sobol": self.sobol,
        }

    def voi_json(self) -> dict[str, Any]:
        """Return the top-level ``voi`` block of summary.json."""
        return self.voi


def conditioning_note(correlated: Sequence[str]) -> str:
    """Say in one sentence how the tornado and break-even runs held one input fixed."""
    text = "one input fixed in every draw of the run, all other inputs keeping their draws"
    if correlated:
        text += (
            f"; a rank-correlated input ({', '.join(correlated)}) is fixed in the draws within "
            f"+-{100 * CORRELATED_BAND:g}% in rank of the fixed value, so its partners keep their correlation"
        )
    return text


def input_labels(cost_model: str) -> dict[str, str]:
    """Readable labels of the two grouped inputs (the others are named by their prior key)."""
    return {d.FTE_INPUT: f"FTE ({cost_model})", d.METHOD_INPUT: "costing method"}


@dataclass(frozen=True)
class StockPool:
    """The FTE pool of a stock: every row's FTE in each year, and each year's age at the target year.

    Attributes
    ----------
    fte_by_year : numpy.ndarray
        ``(m, Y, 5)``, rows in the order of the cost side's FTE pool.
    ages : numpy.ndarray
        ``(Y,)`` target year minus each year.
    """

    fte_by_year: np.ndarray
    ages: np.ndarray

    def outcomes(self, inputs: dict[str, np.ndarray], trajectories: np.ndarray, method_index: np.ndarray) -> Any:
        """Return :func:`mcvalue.simulate.outcomes` of ``(N, Y, 5)`` trajectories, each depreciated at its own rate (the Sobol model)."""
        return outcomes(inputs, depreciated_stock(trajectories, self.ages, inputs[DEPRECIATION]), method_index, "stock")


def _correlated_inputs(scenario: Scenario) -> tuple[str, ...]:
    """Return the quantities a non-zero rank correlation names, in prior order."""
    named = {name for pair, rho in scenario.correlations.items() if rho != 0 for name in pair}
    return tuple(name for name in scenario.quantities if name in named)


def conditional_bcr(
    simulation: Simulation, correlated: Sequence[str] = (), band: float = CORRELATED_BAND, stock: StockPool | None = None
) -> d.ConditionalBcr:
    """Build ``conditional_bcr(name, value)`` over a run's draws (see the module docstring).

    Parameters
    ----------
    simulation : Simulation
        The run's draws.
    correlated : sequence of str
        Inputs to condition by the rank band instead of fixing them in every draw.
    band : float
        Half-width of the band in rank.
    stock : StockPool, optional
        The stock's FTE pool, for a run under ``[cost] basis = "stock"``.

    Returns
    -------
    callable
        ``conditional_bcr(name, value) -> numpy.ndarray`` of BCR draws.
    """
    sim = simulation
    model = outcomes if stock is None else partial(outcomes, basis="stock")
    on_draws = d.conditional_on_draws(model, sim.inputs, sim.fte, sim.method_index, METHOD_KEYS)
    sorted_draws = {name: np.sort(sim.inputs[name]) for name in correlated}
    n = len(sim.bcr)

    def in_band(name: str, value: Any) -> np.ndarray:
        x = sorted_draws[name]
        # Empirical CDF at the value: the mid-rank of ties (exact for continuous draws).
        u = (np.searchsorted(x, value, side="left") + np.searchsorted(x, value, side="right")) / (2.0 * n)
        lo, hi = x[int(np.floor(max(u - band, 0.0) * (n - 1)))], x[int(np.ceil(min(u + band, 1.0) * (n - 1)))]
        return (sim.inputs[name] >= lo) & (sim.inputs[name] <= hi)

    def conditional(name: str, value: Any) -> np.ndarray:
        if stock is not None and name in (DEPRECIATION, d.FTE_INPUT):
            return _restocked(sim, stock, name, value, in_band(name, value) if name in sorted_draws else slice(None))
        if name not in sorted_draws:
            return on_draws(name, value)
        keep = in_band(name, value)
        inputs = {key: draws[keep] for key, draws in sim.inputs.items()}
        inputs[name] = np.full(int(keep.sum()), float(value))
        return np.asarray(model(inputs, sim.fte[keep], sim.method_index[keep]).bcr, dtype=float)

    return conditional


def _restocked(sim: Simulation, stock: StockPool, name: str, value: Any, keep: np.ndarray | slice) -> np.ndarray:
    """BCR draws of a stock run with the depreciation rate or the FTE trajectory fixed: the stock depreciated again.

    ``keep`` selects the draws (all, or a rank band of a correlated depreciation rate).
    """
    inputs = {key: draws[keep] for key, draws in sim.inputs.items()}
    rows = sim.fte_row[keep]
    if name == DEPRECIATION:
        inputs[DEPRECIATION] = np.full(rows.size, float(value))
        fte = depreciated_stock(stock.fte_by_year, stock.ages, float(value), rows)
    else:
        fte = depreciated_stock(np.asarray(value, dtype=float)[None], stock.ages, inputs[DEPRECIATION], np.zeros(rows.size, dtype=int))
    return np.asarray(outcomes(inputs, fte, sim.method_index[keep], "stock").bcr, dtype=float)


def voi_params(simulation: Simulation, fte: np.ndarray | None = None) -> dict[str, np.ndarray]:
    """Return each input's per-draw values for the EVPPI regressions (the FTE draws as one (n, methods) input).

    ``fte`` replaces the draws' FTE as the FTE input's values: a stock run's draws hold the
    stock at each draw's own depreciation rate, which is not a function of the FTE alone;
    the activity-threshold method's FTE is its curve at the threshold's prior median
    (:func:`fte_regressor`), so the threshold is an input of its own.
    """
    sim = simulation
    return {**sim.inputs, d.METHOD_INPUT: np.asarray(sim.method_index), d.FTE_INPUT: np.asarray(sim.fte_by_method if fte is None else fte)}


def fte_regressor(scenario: Scenario, rows: np.ndarray) -> np.ndarray:
    """Return FTE pool rows as the value-of-information regressor: each priced method's FTE, the threshold's at its prior median."""
    from mcvalue.costmodels.threshold import QUANTITY, method_fte

    threshold = scenario.quantities.get(QUANTITY)
    median = None if threshold is None else float(threshold.ppf(np.array([0.5]))[0])
    fte = method_fte(rows, median)
    return fte[:, ~np.isnan(fte).any(axis=0)]


def _stock_pool(scenario: Scenario, cost: CostSide) -> StockPool | None:
    """Return the stock's FTE pool of a run under ``[cost] basis = "stock"``, else None."""
    if scenario.run.basis != "stock":
        return None
    return StockPool(np.asarray(cost.fte_by_year, dtype=float), stock_ages(scenario, cost.fte, cost.fte_by_year, cost.years))


def _median_stock(scenario: Scenario, stock: StockPool, simulation: Simulation) -> np.ndarray:
    """Return each draw's stock at the depreciation rate's prior median: its trajectory as a value-of-information regressor."""
    median = float(scenario.quantities[DEPRECIATION].ppf(np.array([0.5]))[0])
    return depreciated_stock(stock.fte_by_year, stock.ages, median, simulation.fte_row)


def sobol_seed(seed: int) -> int:
    """Return the Sobol design's seed: a draw of its own stream under the run seed (never 0)."""
    return int(child_rng(seed, SOBOL_STREAM).integers(1, 2**31 - 1))


def _thresholds(base: Sequence[float], extra: Sequence[float]) -> tuple[float, ...]:
    """Return the sorted union of two threshold lists."""
    return tuple(sorted({float(k) for k in (*base, *extra)}))


def decide(
    scenario: Scenario,
    cost: CostSide,
    simulation: Simulation,
    swing: tuple[float, float] = d.DEFAULT_SWING,
    thresholds: Sequence[float] = (),
) -> Decision:
    """Run the decision analysis of a run on its own draws (nothing is refitted or redrawn).

    Parameters
    ----------
    scenario : Scenario
        The scenario run (priors, method weights, correlations, seed).
    cost : CostSide
        The cost side; its FTE pool feeds the tornado's FTE bar and the Sobol design.
    simulation : Simulation
        The run's draws.
    swing : (float, float)
        The tornado's two quantiles.
    thresholds : sequence of float
        The user's thresholds, added to the exceedance grid, the break-even table and the
        value of information.

    Returns
    -------
    Decision
        The tables; their JSON goes into summary.json (:func:`mcvalue.summarise.build_summary`).
    """
    extra = tuple(sorted({float(k) for k in thresholds}))
    sim = simulation
    bcr = np.asarray(sim.bcr, dtype=float)
    priors = dict(scenario.quantities)
    weights = method_probabilities(scenario.method_weights)
    used = [key for key, w in zip(METHOD_KEYS, weights, strict=True) if w > 0]
    correlated = _correlated_inputs(scenario)
    stock = _stock_pool(scenario, cost)
    conditional = conditional_bcr(sim, correlated, stock=stock)
    labels = input_labels(cost.model)
    if stock is None:
        model, pool, fte_values = outcomes, cost.fte, fte_regressor(scenario, sim.fte)
    else:
        model, pool, fte_values = stock.outcomes, stock.fte_by_year, fte_regressor(scenario, _median_stock(scenario, stock, sim))

    batches = simulation_batches(sim)
    pooled = partial(mcse_of_mean, batches=batches)  # MCSEs count the FTE pool (mcvalue.mcse)
    curves = d.exceedance_by_method(bcr, sim.method_index, METHOD_KEYS, d.default_thresholds(extra), mcse_of_mean=pooled)
    break_even = d.break_even(conditional, priors, _thresholds(BREAK_EVEN_THRESHOLDS, extra))
    fragility = d.fragility_sentence(break_even, float(np.median(bcr)), PAPER_THRESHOLD)
    tornado = d.tornado(conditional, priors, bcr, swing, fte_pool=pool, method_keys=used, labels=labels)
    sobol = d.sobol_indices(model, priors, pool, weights, seed=sobol_seed(scenario.run.seed))
    voi = d.value_of_information(sim.benefit, sim.cost, voi_params(sim, fte_values), _thresholds(VOI_THRESHOLDS, extra), mcse_of_mean=pooled)
    return Decision(
        thresholds=extra,
        exceedance=curves,
        break_even=break_even,
        fragility=fragility,
        tornado=tornado,
        sobol=sobol,
        voi=voi,
        correlated=correlated,
    )
