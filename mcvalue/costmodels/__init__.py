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

:func:`cost_side` (:mod:`mcvalue.costmodels.dispatch`) is the one entry point; this package
names what the cost side offers, each defined in a module of its own.
"""

from mcvalue.costmodels.corrections import corrected_for_top100, in_active_days, pool_factors
from mcvalue.costmodels.dispatch import cost_side, table1_cost
from mcvalue.costmodels.priced import drop_unpriced_methods, priced_methods
from mcvalue.costmodels.side import CostSide

__all__ = [
    "CostSide",
    "corrected_for_top100",
    "cost_side",
    "drop_unpriced_methods",
    "in_active_days",
    "pool_factors",
    "priced_methods",
    "table1_cost",
]
