"""The decision analysis of one run: every method of :mod:`mcvalue.decision` on the run's own draws.

:func:`decide` calls each method once, with the model callable of the run
(:func:`mcvalue.engine.simulate.model_of`), its draws and its priors, and returns a
:class:`Decision`. Nothing is refitted: the cost model's FTE pool is reused as drawn.

Under ``[cost] basis = "stock"`` the FTE input of each draw is its row's trajectory (FTE in
every year of the stock); the model depreciates a trajectory at each draw's own rate. The
Sobol design draws trajectories (pool rows) with the depreciation rate, and the
value-of-information regressions see a draw's trajectory through its stock at the
depreciation rate's prior median.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.decision.break_even import BreakEven, break_even
from mcvalue.decision.common import BENEFIT_METHOD_INPUT, DEFAULT_SWING, FTE_INPUT, METHOD_INPUT, Categorical, Quantiles
from mcvalue.decision.conditional import CORRELATED_BAND, ConditionalRuns
from mcvalue.decision.exceedance import Exceedance, default_thresholds, exceedance
from mcvalue.decision.sobol import Sobol, sobol
from mcvalue.decision.tornado import Tornado, tornado
from mcvalue.decision.voi import ValueOfInformation, one_blas_thread, value_of_information
from mcvalue.engine.mcse import simulation_batches
from mcvalue.priors.settings import BENEFIT_METHOD_KEYS
from mcvalue.vocab.paper import METHOD_KEYS

if TYPE_CHECKING:
    import pandas as pd

    from mcvalue.engine.simulate import Model, Simulation
    from mcvalue.priors.spec import Scenario

#: Thresholds of the break-even table and of the value of information, before the user's.
BREAK_EVEN_THRESHOLDS = (1.0, 100.0)
VOI_THRESHOLDS = (1.0, 10.0, 100.0)
#: The threshold of the report's sentences and of the EVPPI figure: the paper's claim.
PAPER_THRESHOLD = 100.0
#: Name of the random stream that seeds the Sobol design.
SOBOL_STREAM = "__sobol__"


@dataclass(frozen=True)
class Decision:
    """The decision analysis of one run (see :func:`decide`).

    Attributes
    ----------
    thresholds : tuple of float
        The user's extra thresholds (``thresholds``), sorted.
    exceedance : Exceedance
        P(BCR > k) curves of the mixture and each costing method drawn.
    break_even : BreakEven
        Break-even values for k = 1, 100 and the user's thresholds.
    fragility : str
        The sentence on the most fragile assumption at k = 100.
    tornado : Tornado
        Bars of conditional medians, widest first.
    sobol : Sobol
        Sobol indices of BCR and log BCR.
    voi : ValueOfInformation
        EVPI and EVPPI for k = 1, 10, 100 and the user's thresholds.
    correlated : tuple of str
        Inputs conditioned by the rank band (named in a rank correlation).
    """

    thresholds: tuple[float, ...]
    exceedance: Exceedance
    break_even: BreakEven
    fragility: str
    tornado: Tornado
    sobol: Sobol
    voi: ValueOfInformation
    correlated: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        """Return what summary.json holds of the analysis: ``exceedance`` (its ``bcr.exceedance``), ``sensitivity``, ``voi``."""
        return {
            "exceedance": self.exceedance.to_dict(),
            "sensitivity": {
                "tornado": self.tornado.to_dict(),
                "break_even": self.break_even.to_dict(),
                "fragility": self.fragility,
                "conditioning": conditioning_note(self.correlated),
                "sobol": self.sobol.to_dict(),
            },
            "voi": self.voi.to_dict(),
        }

    def to_df(self) -> dict[str, pd.DataFrame]:
        """Return each method's table by name (``exceedance``, ``break_even``, ``tornado``, ``sobol``, ``voi``)."""
        return {name: getattr(self, name).to_df() for name in ("exceedance", "break_even", "tornado", "sobol", "voi")}


def conditioning_note(correlated: Sequence[str]) -> str:
    """Say in one sentence how the tornado and break-even runs held one input fixed."""
    text = "one input fixed in every draw of the run, all other inputs keeping their draws"
    if correlated:
        text += (
            f"; a rank-correlated input ({', '.join(correlated)}) is fixed in the draws within "
            f"+-{100 * CORRELATED_BAND:g}% in rank of the fixed value, so its partners keep their correlation"
        )
    return text


def input_labels() -> dict[str, str]:
    """Display names of the grouped inputs (:mod:`mcvalue.vocab.display`; the others are named by their prior key)."""
    from mcvalue.vocab.display import display_name

    return {name: display_name(name) for name in (FTE_INPUT, METHOD_INPUT, BENEFIT_METHOD_INPUT)}


def _correlated_inputs(scenario: Scenario) -> tuple[str, ...]:
    """Return the quantities a non-zero rank correlation names, in prior order."""
    named = {name for pair, rho in scenario.correlations.items() if rho != 0 for name in pair}
    return tuple(name for name in scenario.quantities if name in named)


def _thresholds(base: Sequence[float], extra: Sequence[float]) -> tuple[float, ...]:
    """Return the sorted union of two threshold lists."""
    return tuple(sorted({float(k) for k in (*base, *extra)}))


def decide(
    scenario: Scenario,
    model: Model,
    simulation: Simulation,
    swing: tuple[float, float] = DEFAULT_SWING,
    thresholds: Sequence[float] = (),
) -> Decision:
    """Run the decision analysis of a run on its own draws (nothing is refitted or redrawn).

    Parameters
    ----------
    scenario : Scenario
        The scenario run (priors, correlations).
    model : Model
        The run's model callable (:func:`mcvalue.engine.simulate.model_of`): its FTE pool feeds the
        tornado's FTE bar and the Sobol design, its method weights the Sobol design.
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
        The result objects; :meth:`Decision.to_dict` is what summary.json holds.
    """
    with one_blas_thread():
        return _decide(scenario, model, simulation, swing, thresholds)


def _decide(
    scenario: Scenario,
    model: Model,
    simulation: Simulation,
    swing: tuple[float, float],
    thresholds: Sequence[float],
) -> Decision:
    """Do the work of :func:`decide` (same arguments)."""
    extra = tuple(sorted({float(k) for k in thresholds}))
    sim = simulation
    bcr = np.asarray(sim.bcr, dtype=float)
    priors = dict(scenario.quantities)
    used = [key for key, w in zip(METHOD_KEYS, model.method_weights, strict=True) if w > 0]
    benefit_used = {key: j for j, (key, w) in enumerate(zip(BENEFIT_METHOD_KEYS, model.benefit_weights, strict=True)) if w > 0}
    correlated = _correlated_inputs(scenario)
    conditional = ConditionalRuns(
        model,
        sim.model_inputs(),
        sim.fte,
        sim.method_index,
        METHOD_KEYS,
        bcr=bcr,
        powers=model.powers(sim.method_index, sim.benefit_index),
        correlated=correlated,
        fte_row=sim.fte_row,
        benefit=sim.benefit,
        cost_by_method=sim.cost_by_method,
    )
    batches = simulation_batches(sim)  # MCSEs count the FTE pool (mcvalue.engine.mcse)
    curves = exceedance(bcr, default_thresholds(extra), method_index=sim.method_index, method_keys=METHOD_KEYS, batches=batches)
    be = break_even(conditional, priors, _thresholds(BREAK_EVEN_THRESHOLDS, extra))
    bars = tornado(conditional, priors, bcr, swing, fte_pool=model.pool, method_keys=used, labels=input_labels(), benefit_keys=benefit_used)
    seed = int(model.rng(SOBOL_STREAM).integers(1, 2**31 - 1))
    mixed = len(benefit_used) > 1
    sobol_priors: dict[str, Quantiles] = {**priors, BENEFIT_METHOD_INPUT: Categorical(model.benefit_weights)} if mixed else dict(priors)
    indices = sobol(model, sobol_priors, model.pool, model.method_weights, seed=seed)
    fte_values = sim.fte
    if model.refte_inputs:
        (rate,) = model.refte_inputs
        median = float(scenario.quantities[rate].ppf(np.array([0.5]))[0])
        fte_values = model.fte_of_rows(sim.fte_row, median)
    fte_values = fte_regressor(scenario, fte_values)
    params = {**sim.inputs, METHOD_INPUT: np.asarray(sim.method_index)}
    if mixed:
        params[BENEFIT_METHOD_INPUT] = np.asarray(sim.benefit_index)
    params[FTE_INPUT] = np.asarray(fte_values)
    voi = value_of_information(
        sim.benefit, sim.cost, params, _thresholds(VOI_THRESHOLDS, extra), categorical=(METHOD_INPUT, BENEFIT_METHOD_INPUT), evpi_batches=batches
    )
    return Decision(
        thresholds=extra,
        exceedance=curves,
        break_even=be,
        fragility=be.fragility(bars.median, PAPER_THRESHOLD, labels=_display_names(scenario)),  # the tornado's base line: the run's median
        tornado=bars,
        sobol=indices,
        voi=voi,
        correlated=correlated,
    )


def _display_names(scenario: Scenario) -> dict[str, str]:
    """Return every input's one display name (:mod:`mcvalue.vocab.display`), as the report's tables show it."""
    from mcvalue.vocab.display import display_names

    return display_names(scenario)


def fte_regressor(scenario: Scenario, rows: np.ndarray) -> np.ndarray:
    """Return FTE pool rows as the value-of-information regressor: each priced method's FTE, the threshold's at its prior median.

    The activity-threshold method's FTE is its curve at the threshold's prior median, so
    the threshold is an input of its own; methods the sample cannot price (all-NaN) are dropped.
    """
    from mcvalue.costmodels.threshold import QUANTITY, method_fte

    threshold = scenario.quantities.get(QUANTITY)
    median = None if threshold is None else float(threshold.ppf(np.array([0.5]))[0])
    fte = method_fte(rows, median)
    return fte[:, ~np.isnan(fte).any(axis=0)]
