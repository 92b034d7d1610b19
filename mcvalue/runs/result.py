"""What one run computed, as an object a notebook can use: :class:`RunResult`.

A report can be rebuilt from a ``RunResult`` alone (:func:`mcvalue.write_report`); the
draws come out as a table, the summary as summary.json holds it, the posterior in
ArviZ's format.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mcvalue.priors.settings import BENEFIT_METHOD_KEYS
from mcvalue.vocab.paper import METHOD_KEYS

if TYPE_CHECKING:
    import pandas as pd
    from xarray import DataTree

    from mcvalue.costmodels.side import CostSide
    from mcvalue.decision.analysis import Decision
    from mcvalue.engine.simulate import Simulation
    from mcvalue.priors.spec import Scenario


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
    requested_toml : str
        The prior file as the user gave it, resolved (``priors.toml``): ``scenario`` may
        differ from it where the engine fell back to Table 1 or shared the weight of
        methods it could not price (the warnings say so). Empty: ``scenario``'s.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default").with_settings(draws=2000))  # doctest: +SKIP
    >>> result.summary()["bcr"]["median"]  # doctest: +SKIP
    >>> result.summary().to_df()  # doctest: +SKIP
    >>> result.draws().describe()  # doctest: +SKIP
    """

    scenario: Scenario
    cost: CostSide
    simulation: Simulation
    decision: Decision
    summary_record: dict[str, Any] = field(repr=False)
    warnings: tuple[str, ...] = ()
    requested_toml: str = field(default="", repr=False)

    def summary(self) -> RunSummary:
        """Return exactly what summary.json holds (a deep copy: editing it changes nothing here).

        Returns
        -------
        RunSummary
            Indexes like summary.json (``summary()["bcr"]["median"]``); ``.to_dict()`` is
            the plain dict, ``.to_df()`` one row per output.
        """
        import copy

        return RunSummary(copy.deepcopy(self.summary_record))

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
        from mcvalue.costmodels.pymc.posterior_cache import read_posterior

        return read_posterior(self.cost.posterior_path)


class Record(dict[str, Any]):
    """A JSON record with a type: reads like the dict the JSON holds, and converts to a table.

    As SALib's ``ResultDict``: indexing, ``json`` and :func:`mcvalue.to_json` see exactly
    the keys and values the JSON output holds; :meth:`to_dict` returns that as a plain
    (deep-copied) dict and :meth:`to_df` the record's main table.
    """

    def to_dict(self) -> dict[str, Any]:
        """Return exactly what the JSON output holds, as a plain dict (a deep copy)."""
        import copy

        return copy.deepcopy(dict(self))

    def to_df(self) -> pd.DataFrame:
        """Return the record's main table (see each subclass)."""
        raise NotImplementedError


#: The intervals of an output in summary.json, by key, and the column names of their ends.
_INTERVALS = {"50": ("ci50_low", "ci50_high"), "90": ("ci90_low", "ci90_high"), "95": ("ci95_low", "ci95_high"), "hdi90": ("hdi90_low", "hdi90_high")}


def _stats_row(stats: dict[str, Any]) -> dict[str, Any]:
    """Flatten one output's statistics (mean, median, intervals, MCSE of the mean) into table columns."""
    row: dict[str, Any] = {"mean": stats.get("mean"), "median": stats.get("median")}
    for key, (low, high) in _INTERVALS.items():
        row[low], row[high] = stats.get("intervals", {}).get(key, (None, None))
    row["mcse_mean"] = stats.get("mcse", {}).get("mean")
    return row


class RunSummary(Record):
    """What summary.json holds (:meth:`RunResult.summary`): cost, benefit, BCR, methods, sensitivity, provenance.

    Examples
    --------
    >>> summary = RunSummary({"bcr": {"mean": 3.0, "median": 2.0, "intervals": {"90": [1.0, 5.0]}}})
    >>> summary["bcr"]["median"], float(summary.to_df().loc["bcr", "ci90_high"])
    (2.0, 5.0)
    """

    def to_df(self) -> pd.DataFrame:
        """Return one row per output: ``bcr``, ``cost_usd``, ``benefit_usd``, then ``cost_usd.<method>`` per costing method.

        Columns: ``mean``, ``median``, the ends of the 50/90/95% and HDI 90% intervals
        (``ci90_low``...), ``mcse_mean``, and for ``bcr`` ``p_above_<k>`` per threshold.
        """
        import pandas as pd

        rows = {name: _stats_row(self[name]) for name in ("bcr", "cost_usd", "benefit_usd") if name in self}
        for k, entry in self.get("bcr", {}).get("p_above", {}).items():
            rows["bcr"][f"p_above_{k}"] = entry["p"]
        for method, entry in self.get("methods", {}).items():
            if "cost_usd" in entry:
                rows[f"cost_usd.{method}"] = _stats_row(entry["cost_usd"])
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("output")


class FitResult(Record):
    """What ``mcvalue fit`` reports (:func:`mcvalue.fit`), with the posterior it made.

    The dict is the ``--json`` record: diagnostics, FTE per method beside the paper, the
    point figures and the bootstrap, hyperparameters, PPC p-values. ``posterior`` is the
    fitted model's ArviZ 1 ``DataTree`` (not part of the JSON).

    Examples
    --------
    >>> import mcvalue
    >>> fit = mcvalue.fit()  # doctest: +SKIP
    >>> fit.to_df()[["median", "ci90_low", "ci90_high", "paper"]]  # doctest: +SKIP
    >>> fit.posterior["posterior"]["contrib_intercept"]  # doctest: +SKIP
    """

    def __init__(self, record: dict[str, Any], posterior: DataTree | None = None) -> None:
        super().__init__(record)
        self.posterior = posterior

    def to_df(self) -> pd.DataFrame:
        """Return one row per costing method: the posterior FTE (median, 90% interval), the paper's and the bootstrap's.

        Examples
        --------
        >>> fit = FitResult({"fte": {"commits_pytorch": {"median": 2.0, "ci90": [1.0, 3.0], "paper": 1.5}}})
        >>> fit.to_df().loc["commits_pytorch", ["median", "ci90_low", "paper"]].tolist()
        [2.0, 1.0, 1.5]
        """
        import pandas as pd

        rows = {}
        for method, entry in self.get("fte", {}).items():
            row = {k: v for k, v in entry.items() if not isinstance(v, list)}
            for k, v in entry.items():
                if isinstance(v, list):
                    row[f"{k}_low"], row[f"{k}_high"] = v
            rows[method] = row
        return pd.DataFrame.from_dict(rows, orient="index").rename_axis("method")


class Table1Result(Record):
    """Table 1 as :func:`mcvalue.reproduce` computes it: one mode's record, or the published table beside every mode.

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.reproduce().to_df().pivot(index=["unit", "reference"], columns="mode", values="cost_per_year")  # doctest: +SKIP
    """

    def to_df(self) -> pd.DataFrame:
        """Return one row per mode and costing method (``mode`` "published" for the paper's printed table).

        Examples
        --------
        >>> one = Table1Result({"mode": "clean", "rows": [{"unit": "commits", "reference": "pytorch", "cost_per_year": 1.0}]})
        >>> one.to_df().to_dict(orient="records")
        [{'mode': 'clean', 'unit': 'commits', 'reference': 'pytorch', 'cost_per_year': 1.0}]
        """
        import pandas as pd

        records = [self] if "rows" in self else [{"mode": "published", **self["published"]}, *self["modes"]]
        return pd.DataFrame([{"mode": record["mode"], **row} for record in records for row in record["rows"]])


class AuditReport(Record):
    """What :func:`mcvalue.audit` finds in a sample: counts, then one finding per trap (``{"count", "cases"...}``).

    Examples
    --------
    >>> import mcvalue
    >>> report = mcvalue.audit()  # doctest: +SKIP
    >>> report.to_df()  # doctest: +SKIP
    >>> report["bots"]["accounts"]  # doctest: +SKIP
    """

    def to_df(self) -> pd.DataFrame:
        """Return one row per finding (truncated numbers, bots, duplicates...) with its count of cases.

        Examples
        --------
        >>> AuditReport({"counts": {"repos": 3}, "bots": {"count": 2, "cases": []}}).to_df().to_dict(orient="records")
        [{'finding': 'bots', 'count': 2}]
        """
        import pandas as pd

        rows = [{"finding": name, "count": value["count"]} for name, value in self.items() if isinstance(value, dict) and "count" in value]
        return pd.DataFrame(rows, columns=["finding", "count"])
