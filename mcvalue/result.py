"""What one run computed, as an object a notebook can use: :class:`RunResult`.

A report can be rebuilt from a ``RunResult`` alone (:func:`mcvalue.write_report`); the
draws come out as a table, the summary as summary.json holds it, the posterior in
ArviZ's format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcvalue.paper import METHOD_KEYS
from mcvalue.priors.settings import BENEFIT_METHOD_KEYS

if TYPE_CHECKING:
    import pandas as pd
    from xarray import DataTree

    from mcvalue.costmodels import CostSide
    from mcvalue.decision.analysis import Decision
    from mcvalue.priors.spec import Scenario
    from mcvalue.simulate import Simulation


@dataclass(frozen=True)
class RunResult:
    """Everything one run computed; nothing of it is written until :func:`mcvalue.write_report`.

    Attributes
    ----------
    scenario : Scenario
        The resolved scenario that was run (priors, settings; ``resolved_toml``).
    cost : CostSide
        The cost model's FTE draws, diagnostics, PPC and data provenance.
    simulation : Simulation
        The Monte Carlo draws (inputs, FTE, method, cost, benefit, BCR).
    decision : Decision
        The decision analysis (exceedance curves, break-even values, tornado, Sobol
        indices, value of information), from :func:`mcvalue.decision.decide`.
    warnings : tuple of str
        What the user must know about how the numbers were got (offline fallback, a fit
        that failed its checks, a damaged cache rebuilt).

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default").with_settings(draws=2000))  # doctest: +SKIP
    >>> result.summary()["bcr"]["median"]  # doctest: +SKIP
    >>> result.draws().describe()  # doctest: +SKIP
    """

    scenario: Scenario
    cost: CostSide
    simulation: Simulation
    decision: Decision
    summary_record: dict[str, Any] = field(repr=False)
    warnings: tuple[str, ...] = ()

    def summary(self) -> dict[str, Any]:
        """Return exactly what summary.json holds (a deep copy: editing it changes nothing here)."""
        import copy

        return copy.deepcopy(self.summary_record)

    def draws(self) -> pd.DataFrame:
        """Return one row per Monte Carlo draw: every input, the method, FTE, cost, benefit, BCR.

        Returns
        -------
        pandas.DataFrame
            Columns: each prior quantity by its dotted key, ``method`` (the costing method
            key, categorical), ``benefit_method`` (the benefit method key, categorical), ``fte`` (the FTE of that draw's method; under the stock
            basis its depreciated stock in FTE-years), ``fte_row`` (the row of the cost
            model's pool it came from), ``cost_usd``, ``benefit_usd`` and
            ``bcr``. Its median of ``bcr`` equals ``summary()["bcr"]["median"]``.
        """
        import numpy as np
        import pandas as pd

        sim = self.simulation
        columns: dict[str, Any] = {name: np.asarray(values) for name, values in sim.inputs.items()}
        columns["method"] = pd.Categorical.from_codes(sim.method_index, categories=list(METHOD_KEYS))
        benefit_index = np.zeros(sim.bcr.size, dtype=np.int64) if sim.benefit_index is None else sim.benefit_index
        columns["benefit_method"] = pd.Categorical.from_codes(benefit_index, categories=list(BENEFIT_METHOD_KEYS))
        columns["fte"] = np.take_along_axis(sim.fte_by_method, sim.method_index[:, None], axis=1)[:, 0]
        columns["fte_row"] = sim.fte_row
        columns["cost_usd"] = sim.cost
        columns["benefit_usd"] = sim.benefit
        columns["bcr"] = sim.bcr
        return pd.DataFrame(columns)

    @property
    def posterior(self) -> DataTree | None:
        """The fitted cost model's posterior (ArviZ 1 ``DataTree``), or None.

        None for the bootstrap and Table 1 cost models. Read from the verified posterior
        cache on first access (the run itself never needs it in memory).
        """
        if self.cost.posterior_path is None:
            return None
        from mcvalue.costmodels.pymc.fit import read_posterior

        return read_posterior(self.cost.posterior_path)
