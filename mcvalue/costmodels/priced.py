"""Which costing methods a cost side prices, and moving the weight of those it cannot to those it can.

A method has no FTE (NaN) when the cost model cannot price it: Table 1 has no
activity-threshold row, and a commits or lines method needs contributor-periods of its
reference repository. Separate from the cost models because a run applies it to any
cost side, cached or fresh, before the simulation weighs the methods.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from mcvalue.costmodels.side import CostSide
from mcvalue.errors import DataError

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario


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
