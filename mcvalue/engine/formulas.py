"""The engine's formulas over arrays: FTE, cost per method, benefit per method and BCR of each draw.

Separate from the draws (:mod:`mcvalue.engine.draws`) because these functions are pure:
arrays in, arrays out, nothing random, so the decision analysis can re-evaluate them.

    cost_m  = salary * FTE_m * coverage * fraction_m      (one column per costing method m;
              fraction_m = fte_fraction_contributor for the contributors method,
              fte_fraction_reference for the commits/lines methods, 1 for the
              activity-threshold method, whose min(activity / t, 1) is the fraction)
    cost    = cost_m of the method drawn for that draw, by the method weights
    benefit_b = one column per benefit method b (BENEFIT_METHOD_KEYS):
        chain:      ai_value * haircut * attribution_share * mloss_share        (the paper's)
        market:     ai_market * value_per_spend * attribution_share * mloss_share
        time_saved: developers * mloss_user_share * time_saved_share * practitioner_wage
    benefit = benefit_b of the benefit method drawn for that draw, by the benefit weights
    bcr     = benefit / cost

A draw's benefit method is an input like the others: its index into BENEFIT_METHOD_KEYS is
``inputs[BENEFIT_METHOD_INPUT]`` (absent: the chain), so the decision analysis can fix it.

FTE pool rows. The cost model's rows hold the five Table 1 methods' FTE and the
activity-threshold method's FTE on a grid of thresholds; the method's FTE of a draw is
that curve at the draw's ``cost.activity_threshold`` (:mod:`mcvalue.costmodels.threshold`),
so fixing the threshold (tornado, Sobol) re-evaluates it.

Cost basis (``[cost] basis``). Under "flow" FTE_m is the target year's FTE. Under "stock"
the annual user cost of the depreciated stock replaces it: with depreciation rate d,
discount rate r, target year T and the draw's FTE in each year y = stock_start..T,

    stock_m = sum_y FTE_m(y) * (1 - d)^(T - y)             (FTE-years, depreciated)
    cost_m  = salary * (r + d) * stock_m * coverage * fraction_m

One draw takes one row of the FTE pool for every year: a posterior draw is one trajectory.
"""

from dataclasses import dataclass

import numpy as np

from mcvalue.costmodels.threshold import QUANTITY as THRESHOLD_QUANTITY
from mcvalue.costmodels.threshold import method_fte as pool_method_fte
from mcvalue.priors.spec import BENEFIT_METHOD_INPUT, BENEFIT_METHOD_KEYS, BENEFIT_METHODS, STOCK_QUANTITIES
from mcvalue.vocab.paper import METHODS

#: The stock rates (:data:`mcvalue.priors.spec.STOCK_QUANTITIES`), drawn only under basis "stock".
DEPRECIATION, DISCOUNT = STOCK_QUANTITIES


#: Per method (METHOD_KEYS order): True when its FTE is priced per active contributor.
CONTRIBUTOR_METHOD = np.array([m.unit == "contributors" for m in METHODS] + [False])


#: Per method: True when a reference repo's contributor-period prices its units (fte_fraction_reference applies).
_REFERENCE_METHOD = np.array([m.unit != "contributors" for m in METHODS] + [False])


@dataclass(frozen=True)
class Outcomes:
    """What :func:`outcomes` computes; the shapes follow the inputs (see Simulation)."""

    fte_by_method: np.ndarray
    cost_by_method: np.ndarray
    cost: np.ndarray
    benefit: np.ndarray
    bcr: np.ndarray
    benefit_by_method: np.ndarray | None = None


def depreciated_stock(
    fte_by_year: np.ndarray, ages: np.ndarray, depreciation: np.ndarray | float, rows: np.ndarray | None = None
) -> np.ndarray:
    r"""Return the depreciated stock, :math:`\sum_k F_{row, k} (1 - d)^{a_k}`, in FTE-years per method.

    Parameters
    ----------
    fte_by_year : numpy.ndarray
        ``(m, Y, 5)`` FTE of each pool row in each year of the stock.
    ages : numpy.ndarray
        ``(Y,)`` each year's age at the target year, ``T - y``.
    depreciation : float or numpy.ndarray
        The depreciation rate d: one value, or one per draw ``(n,)``.
    rows : numpy.ndarray, optional
        ``(n,)`` the pool row of each draw, the same row in every year; None: every row.

    Returns
    -------
    numpy.ndarray
        ``(n, 5)``, accumulated one year at a time (no ``(n, Y, 5)`` temporary).

    Examples
    --------
    >>> float(depreciated_stock(np.ones((1, 3, 5)), np.array([2, 1, 0]), 0.5)[0, 0])  # 0.25 + 0.5 + 1
    1.75
    """
    pool = np.asarray(fte_by_year, dtype=float)
    kept = 1.0 - np.asarray(depreciation, dtype=float)[..., None]
    stock = np.zeros((pool.shape[0] if rows is None else len(rows), pool.shape[2]))
    for k, age in enumerate(np.asarray(ages)):
        stock += (pool[:, k] if rows is None else pool[rows, k]) * kept**age
    return stock


def user_cost_rate(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Return r + d: the stock's annual user cost per unit of stock (discount plus depreciation rate)."""
    rate: np.ndarray = np.asarray(inputs[DISCOUNT], dtype=float) + np.asarray(inputs[DEPRECIATION], dtype=float)
    return rate


def outcomes(inputs: dict[str, np.ndarray], fte: np.ndarray, method_index: np.ndarray, basis: str = "flow") -> Outcomes:
    """Cost per method, mixture cost, benefit and BCR from input arrays (the formulas above).

    Pure and vectorised: ``inputs`` maps each quantity to an array of length n (or a
    scalar), ``fte`` is (n, POOL_WIDTH) FTE pool rows, ``method_index`` is (n,). The
    threshold method's FTE is its curve at ``inputs["cost.activity_threshold"]`` (NaN when
    the scenario has none). Under ``basis`` "stock" ``fte`` is the depreciated stock,
    priced at :func:`user_cost_rate` x salary. Products are taken in the order the
    formulas are written, so point masses reproduce the paper's figures exactly.
    """
    fraction = np.where(
        CONTRIBUTOR_METHOD,
        np.asarray(inputs["cost.fte_fraction_contributor"], dtype=float)[..., None],
        np.where(_REFERENCE_METHOD, np.asarray(inputs["cost.fte_fraction_reference"], dtype=float)[..., None], 1.0),
    )
    salary = np.asarray(inputs["cost.salary_usd"], dtype=float)[..., None]
    coverage = np.asarray(inputs["cost.coverage"], dtype=float)[..., None]
    fte_by_method = pool_method_fte(fte, inputs.get(THRESHOLD_QUANTITY))
    priced = user_cost_rate(inputs)[..., None] * fte_by_method if basis == "stock" else fte_by_method
    cost_by_method = salary * priced * coverage * fraction
    index = np.asarray(method_index)
    cost = np.take_along_axis(cost_by_method, index[:, None], axis=1)[:, 0]
    by_benefit = np.broadcast_to(benefit_by_method(inputs), (*cost.shape, len(BENEFIT_METHOD_KEYS)))
    chosen = inputs.get(BENEFIT_METHOD_INPUT)
    if chosen is None:
        benefit = by_benefit[:, 0].copy()
    else:
        which = np.broadcast_to(np.asarray(chosen), cost.shape).astype(np.int64)
        benefit = np.take_along_axis(by_benefit, which[:, None], axis=1)[:, 0]
    with np.errstate(divide="ignore"):
        bcr = benefit / cost
    return Outcomes(
        fte_by_method=fte_by_method,
        cost_by_method=cost_by_method,
        cost=cost,
        benefit=benefit,
        bcr=bcr,
        benefit_by_method=by_benefit,
    )


def benefit_by_method(inputs: dict[str, np.ndarray]) -> np.ndarray:
    """Return the benefit per year under each benefit method, ``(..., 3)`` in BENEFIT_METHOD_KEYS order.

    Each method's benefit is the product of its quantities (:data:`BENEFIT_METHODS`),
    taken in the order they are listed, so the paper's point values give its $30B exactly;
    a method whose quantities ``inputs`` lacks is NaN.

    Examples
    --------
    >>> chain = {"benefit.ai_value_usd": 3e12, "benefit.haircut": 0.1, "benefit.attribution_share": 0.1, "benefit.mloss_share": 1.0}
    >>> benefit_by_method(chain).tolist()
    [30000000000.0, nan, nan]
    """
    columns = []
    for names in BENEFIT_METHODS.values():
        if all(name in inputs for name in names):
            value = np.asarray(inputs[names[0]], dtype=float)
            for name in names[1:]:
                value = value * np.asarray(inputs[name], dtype=float)
        else:
            value = np.asarray(np.nan)
        columns.append(value)
    return np.stack(np.broadcast_arrays(*columns), axis=-1)
