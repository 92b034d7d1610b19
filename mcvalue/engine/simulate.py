"""The run of a scenario: the model callable over arrays (:class:`Model`) and the Monte Carlo itself (:func:`simulate`).

Prior draws and FTE pool rows in (:mod:`mcvalue.engine.draws`), cost, benefit and BCR
draws out (the formulas are :mod:`mcvalue.engine.formulas`'s). :func:`model_of` is the one
model callable the decision analysis evaluates, so no other module reaches into the
engine's internals; the checks refuse draws a summary could not describe.
"""

from dataclasses import dataclass, field

import numpy as np

from mcvalue.costmodels.threshold import POOL_WIDTH, TABLE1_COLUMNS
from mcvalue.engine.draws import (
    FTE_STREAM,
    METHOD_STREAM,
    benefit_probabilities,
    child_rng,
    draw_benefit_methods,
    draw_inputs,
    method_probabilities,
)
from mcvalue.engine.formulas import CONTRIBUTOR_METHOD, DEPRECIATION, Outcomes, depreciated_stock, outcomes
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.spec import BENEFIT_METHOD_INPUT, BENEFIT_METHOD_KEYS, BENEFIT_METHODS, STOCK_QUANTITIES, Scenario
from mcvalue.vocab.paper import METHOD_KEYS


@dataclass(frozen=True)
class Simulation:
    """The draws of one Monte Carlo run (all arrays have length ``n`` = draw count).

    inputs:          each prior quantity's draws (after any rank correlation), by name
    fte:             (n, POOL_WIDTH) FTE pool rows: the five Table 1 methods, then the
                     threshold method's curve; under basis "stock" the depreciated stock in
                     FTE-years, which the cost formula prices at (r + d) a year
    fte_by_method:   (n, 6) each method's FTE in METHOD_KEYS order (the threshold method's
                     curve at the draw's threshold; NaN for a method the sample cannot price)
    fte_row:         (n,) the row of the cost model's FTE pool each draw took (draws that
                     share a row share their FTE: Monte Carlo error must count rows)
    fte_pool_rows:   number of rows of that pool (m); rows are in the pool's own order
                     (chain-major for posterior draws), see :mod:`mcvalue.engine.mcse`
    method_index:    (n,) index into METHOD_KEYS of the method each draw uses (mixture)
    cost_by_method:  (n, 6) cost per year in USD under each method
    cost, benefit, bcr: (n,) the mixture's cost, benefit and benefit-cost ratio
    seed:            the run seed every stream was derived from
    basis:           the cost basis, "flow" or "stock" (what ``fte`` holds)
    benefit_index:   (n,) index into BENEFIT_METHOD_KEYS of the benefit method each draw
                     uses (mixture); None: the chain in every draw
    benefit_by_method: (n, 3) benefit per year in USD under each benefit method (NaN for a
                     method whose quantities the scenario does not give); None: chain only
    """

    inputs: dict[str, np.ndarray]
    fte: np.ndarray
    fte_by_method: np.ndarray
    fte_row: np.ndarray
    fte_pool_rows: int
    method_index: np.ndarray
    cost_by_method: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    bcr: np.ndarray
    seed: int
    basis: str = "flow"
    benefit_index: np.ndarray | None = None
    benefit_by_method: np.ndarray | None = None

    def model_inputs(self) -> dict[str, np.ndarray]:
        """Return the inputs the model reads: the prior quantities' draws and each draw's benefit method index."""
        if self.benefit_index is None:
            return dict(self.inputs)
        return {**self.inputs, BENEFIT_METHOD_INPUT: np.asarray(self.benefit_index, dtype=float)}


@dataclass(frozen=True)
class Model:
    """The engine's model as one callable over arrays, with the FTE pool and method weights it draws from.

    What the decision analysis (:mod:`mcvalue.decision`) evaluates: ``model(inputs, fte,
    method_index)`` returns the :class:`Outcomes` of :func:`outcomes`. ``fte`` is either
    ``(N, 5)``, FTE per method as the cost formula prices it (the target year's FTE; under
    the stock basis the depreciated stock), or, under the stock basis, ``(N, Y, 5)`` FTE
    trajectories (rows of :attr:`pool`), which are first depreciated at each draw's own
    depreciation rate. Build it with :func:`model_of`.

    Attributes
    ----------
    pool : numpy.ndarray
        The rows a draw's FTE comes from: ``(m, 5)``, or ``(m, Y, 5)`` trajectories under the
        stock basis.
    method_weights : numpy.ndarray
        ``(5,)`` probability of each costing method, in METHOD_KEYS order.
    basis : str
        "flow" or "stock".
    ages : numpy.ndarray or None
        ``(Y,)`` each stock year's age at the target year (stock basis only).
    seed : int
        The run seed, from which :meth:`rng` derives named streams.
    benefit_weights : numpy.ndarray
        ``(3,)`` probability of each benefit method, in BENEFIT_METHOD_KEYS order (default:
        the chain alone).
    """

    pool: np.ndarray
    method_weights: np.ndarray
    basis: str = "flow"
    ages: np.ndarray | None = None
    seed: int = 0
    benefit_weights: np.ndarray = field(default_factory=lambda: benefit_probabilities({}))

    def __call__(self, inputs: dict[str, np.ndarray], fte: np.ndarray, method_index: np.ndarray) -> Outcomes:
        """Return the outcomes of ``fte`` rows (``(N, 5)``) or trajectories (``(N, Y, 5)``, stock basis)."""
        fte = np.asarray(fte, dtype=float)
        if fte.ndim == 3:
            fte = depreciated_stock(fte, self._ages(), inputs[DEPRECIATION], np.arange(fte.shape[0]))
        return outcomes(inputs, fte, method_index, self.basis)

    @property
    def refte_inputs(self) -> tuple[str, ...]:
        """Return the inputs whose value changes a draw's ``(N, 5)`` FTE (the depreciation rate of a stock)."""
        return (DEPRECIATION,) if self.basis == "stock" else ()

    def powers(self, method_index: np.ndarray, benefit_index: np.ndarray | None = None) -> dict[str, float | np.ndarray]:
        """Return the inputs in which each draw's BCR is a power, BCR proportional to ``x ** e``, with e per draw.

        From the formulas above: for a benefit factor +1 in the draws whose benefit method
        multiplies it, 0 in the others (``benefit_index`` None: every draw uses the chain);
        -1 for the salary and the coverage, and for an FTE fraction -1 in the draws whose
        method it prices, 0 in the others. The stock rates enter as (r + d) and through the
        stock: not powers.
        """
        contributor = CONTRIBUTOR_METHOD[np.asarray(method_index)]
        benefit: dict[str, float | np.ndarray] = {}
        for j, names in enumerate(BENEFIT_METHODS.values()):
            for name in names:
                if benefit_index is None:
                    benefit.setdefault(name, 1.0 if j == 0 else 0.0)
                else:
                    uses = np.asarray(benefit_index) == j
                    benefit[name] = np.where(uses, 1.0, benefit[name]) if name in benefit else np.where(uses, 1.0, 0.0)
        return {
            **benefit,
            "cost.salary_usd": -1.0,
            "cost.coverage": -1.0,
            "cost.fte_fraction_contributor": np.where(contributor, -1.0, 0.0),
            "cost.fte_fraction_reference": np.where(contributor, 0.0, -1.0),
        }

    def fte_of_rows(self, rows: np.ndarray, depreciation: float | np.ndarray = 0.0) -> np.ndarray:
        """Return ``(N, 5)`` FTE of pool ``rows``: the rows themselves, or their stock depreciated at ``depreciation``."""
        if self.basis != "stock":
            pool_rows: np.ndarray = self.pool[rows]
            return pool_rows
        return depreciated_stock(self.pool, self._ages(), depreciation, rows)

    def _ages(self) -> np.ndarray:
        """Return the ages of the stock's years (a stock Model has them; :func:`model_of` sets them)."""
        if self.ages is None:
            raise ValueError('a Model of basis "stock" needs the ages of its stock years (build it with model_of)')
        return self.ages

    def rng(self, name: str) -> np.random.Generator:
        """Return the random stream ``name`` under the run seed (:func:`child_rng`)."""
        return child_rng(self.seed, name)


def model_of(scenario: Scenario, fte_draws: np.ndarray, fte_by_year: np.ndarray | None = None, years: tuple[int, ...] = ()) -> Model:
    """Return the :class:`Model` of a scenario over a cost side's FTE pool (arguments as :func:`simulate`)."""
    weights = method_probabilities(scenario.method_weights)
    benefit = benefit_probabilities(scenario.benefit_weights)
    fte_draws = np.asarray(fte_draws, dtype=float)
    if scenario.run.basis != "stock":
        return Model(fte_draws, weights, "flow", None, scenario.run.seed, benefit)
    ages = stock_ages(scenario, fte_draws, fte_by_year, years)
    return Model(np.asarray(fte_by_year, dtype=float), weights, "stock", ages, scenario.run.seed, benefit)


def stock_ages(scenario: Scenario, fte_draws: np.ndarray, fte_by_year: np.ndarray | None, years: tuple[int, ...]) -> np.ndarray:
    """Return the age at the target year of each year of a stock's FTE pool, after checking the pool fits the scenario.

    Raises
    ------
    McValueError
        The scenario does not draw a stock rate (a scenario built in code).
    ValueError
        No FTE by year, or one that is not ``(m, Y, POOL_WIDTH)`` for the scenario's years.
    """
    missing = [name for name in STOCK_QUANTITIES if name not in scenario.quantities]
    if missing:
        raise McValueError(f'{missing[0]}: [cost] basis = "stock" draws it, but the scenario has no distribution for it')
    expected = scenario.run.stock_years()
    shape = (fte_draws.shape[0], len(expected), fte_draws.shape[1])
    if fte_by_year is None or tuple(years) != expected or np.shape(fte_by_year) != shape:
        got = None if fte_by_year is None else np.shape(fte_by_year)
        raise ValueError(f"a stock needs fte_by_year of shape {shape} for the years {expected[0]}-{expected[-1]}, got {got} for {tuple(years)}")
    return int(scenario.run.target_year) - np.asarray(expected)


def simulate(
    scenario: Scenario,
    fte_draws: np.ndarray,
    seed: int,
    n: int | None = None,
    *,
    fte_by_year: np.ndarray | None = None,
    years: tuple[int, ...] = (),
) -> Simulation:
    """Run the Monte Carlo: ``n`` draws (default ``scenario.run.draws``) of cost, benefit, BCR.

    ``fte_draws`` is an (m, POOL_WIDTH) array of FTE pool rows (the five Table 1 methods,
    then the threshold method's curve), e.g. posterior draws or bootstrap replicates, or
    (m, 5), the Table 1 methods alone (the threshold method then unpriced); it is
    resampled with replacement to ``n`` rows from its own stream. Each draw's costing method is drawn from the method
    weights from another stream. Under ``[cost] basis = "stock"``, ``fte_by_year`` is the
    (m, Y, POOL_WIDTH) FTE of the same rows in each of ``years`` (stock_start to the target year),
    and each draw's row is depreciated at its own depreciation rate (:func:`depreciated_stock`).
    """
    n = scenario.run.draws if n is None else int(n)
    fte_draws = np.asarray(fte_draws, dtype=float)
    if fte_draws.ndim != 2 or fte_draws.shape[1] not in (POOL_WIDTH, TABLE1_COLUMNS) or fte_draws.shape[0] == 0:
        raise ValueError(f"fte_draws must have shape (m, {POOL_WIDTH}) or (m, {TABLE1_COLUMNS}), got {fte_draws.shape}")
    basis = scenario.run.basis
    ages = stock_ages(scenario, fte_draws, fte_by_year, years) if basis == "stock" else None
    inputs = draw_inputs(scenario, n, seed)
    rows = child_rng(seed, FTE_STREAM).integers(0, fte_draws.shape[0], size=n)
    fte = fte_draws[rows] if ages is None or fte_by_year is None else depreciated_stock(fte_by_year, ages, inputs[DEPRECIATION], rows)
    method_index = child_rng(seed, METHOD_STREAM).choice(
        len(METHOD_KEYS), size=n, p=method_probabilities(scenario.method_weights)
    )
    benefit_index = draw_benefit_methods(scenario.benefit_weights, n, seed)
    result = outcomes({**inputs, BENEFIT_METHOD_INPUT: benefit_index}, fte, method_index, basis)
    _check_priced(scenario, result.fte_by_method)
    _check_benefit_priced(scenario, result.benefit_by_method)
    return Simulation(
        inputs=inputs,
        fte=fte,
        fte_by_method=result.fte_by_method,
        fte_row=rows,
        fte_pool_rows=int(fte_draws.shape[0]),
        method_index=method_index,
        cost_by_method=result.cost_by_method,
        cost=result.cost,
        benefit=result.benefit,
        bcr=result.bcr,
        seed=seed,
        basis=basis,
        benefit_index=benefit_index,
        benefit_by_method=result.benefit_by_method,
    )


def _check_priced(scenario: Scenario, fte_by_method: np.ndarray) -> None:
    """Refuse a weighted method whose FTE the cost side cannot give (NaN: no reference repo, no threshold prior).

    Raises
    ------
    McValueError
        Naming the method and ``[cost.method_weights]``.
    """
    weights = method_probabilities(scenario.method_weights)
    for j, key in enumerate(METHOD_KEYS):
        if weights[j] > 0 and np.isnan(fte_by_method[:, j]).any():
            raise McValueError(
                f"[cost.method_weights] {key}: the method has weight {weights[j]:g} but no FTE "
                "(its reference repo is not in the sample, or the scenario has no cost.activity_threshold); give it weight 0"
            )


def _check_benefit_priced(scenario: Scenario, benefit_by_method: np.ndarray | None) -> None:
    """Refuse a weighted benefit method the scenario gives no quantities for (a scenario built in code).

    Raises
    ------
    McValueError
        Naming the method and ``[benefit.method_weights]``.
    """
    if benefit_by_method is None:  # outcomes() always gives it; None only in a Simulation built by hand
        return
    weights = benefit_probabilities(scenario.benefit_weights)
    for j, key in enumerate(BENEFIT_METHOD_KEYS):
        if weights[j] > 0 and np.isnan(benefit_by_method[:, j]).any():
            raise McValueError(
                f"[benefit.method_weights] {key}: the method has weight {weights[j]:g} but the scenario does not give "
                f"all of {', '.join(BENEFIT_METHODS[key])}; give it weight 0"
            )


def check_finite(simulation: Simulation, scenario: Scenario) -> None:
    """Refuse draws a summary could not describe: a non-finite input, cost, benefit or BCR.

    Validation bounds every prior's magnitude, so this is the last guard (e.g. an FTE pool
    holding zeros makes a BCR infinite): the summary would hold ``inf`` or ``NaN``.

    Raises
    ------
    PriorFileError
        Naming the prior quantity whose draws are not finite (exit code 2).
    McValueError
        Naming cost, benefit or BCR, and how many draws are not finite.
    """
    for name, draws in simulation.inputs.items():
        bad = np.count_nonzero(~np.isfinite(draws))
        if bad:
            where = f"{scenario.path}: " if scenario.path else ""
            raise PriorFileError([f"{where}{name}: {bad:,} of {draws.size:,} draws are not finite numbers; choose parameters of a sane magnitude"])
    for name in ("cost", "benefit", "bcr"):
        draws = getattr(simulation, name)
        bad = np.count_nonzero(~np.isfinite(draws))
        if bad:
            raise McValueError(
                f"{name}: {bad:,} of {draws.size:,} Monte Carlo draws are not finite (a zero cost or an overflow); "
                "the summary would not be a number"
            )
