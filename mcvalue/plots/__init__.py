"""Figures of a run: the public ``plot_*`` functions, each a :class:`mcvalue.RunResult` in and a matplotlib Axes out.

Each draws through a function of :mod:`mcvalue.plots.charts` (tables or arrays in) fed by
:mod:`mcvalue.plots.tables`; ``ax`` is keyword-only everywhere. No file writing: only
:mod:`mcvalue.report` saves figures.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.plots.charts import bcr_distribution, benefit_chain, cost_forest, log_axis, ppc_ecdf
from mcvalue.plots.tables import benefit_chain_columns, interval_columns
from mcvalue.vocab.display import PAPER_COLOUR, display_names
from mcvalue.vocab.paper import METHOD_KEYS, METHODS_BY_KEY, PAPER_BCR

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mcvalue.runs.result import RunResult


def _labels(result: RunResult) -> dict[str, str]:
    """Return the display name of every input of a run (:func:`mcvalue.vocab.display.display_names`): what figures call them."""
    return display_names(result.scenario, result.summary_record["inputs"])


def plot_bcr(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """Plot the BCR distribution of a run, stacked by costing method (90% interval shaded, 1:1 and the paper's 100:1 marked).

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_bcr(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    sim = result.simulation
    return bcr_distribution(sim.bcr, result.summary_record["bcr"]["intervals"]["90"], ax=ax, methods=sim.method_index)


def plot_cost_by_method(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """Plot cost per year by costing method (forest plot) beside the paper's Table 1.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_cost_by_method(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    return cost_forest(cost_by_method_columns(result), ax=ax)


def cost_by_method_columns(result: RunResult) -> dict[str, Any]:
    """Return what :func:`plot_cost_by_method` draws: each priced method's cost quantiles (summary) and the paper's Table 1 cost.

    The columns are those of :func:`mcvalue.plots.tables.interval_columns`; they depend
    on the cost side and the cost priors only, so a benefit prior's edit leaves them (and
    the report's figure, :mod:`mcvalue.report.figure_cache`) unchanged.
    """
    methods = result.summary_record["methods"]
    paper = {key: m.paper_cost_per_year for key, m in METHODS_BY_KEY.items()}
    return interval_columns({k: methods[k]["cost_usd"] for k in METHOD_KEYS if k in methods}, {k: paper.get(k, np.nan) for k in METHOD_KEYS})


def plot_benefit_chain(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """Plot the benefit chain of a run beside the paper's figures.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_benefit_chain(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    return benefit_chain(benefit_chain_columns(result.simulation.inputs, result.scenario), ax=ax)


def plot_tornado(result: RunResult, *, ax: Axes | None = None, paper_bcr: float = PAPER_BCR) -> Axes:
    """Plot the run's tornado: each input fixed at its low / high swing, the others keeping their distributions.

    A bar spans the two conditional median BCRs; the black line is the run's median, the
    red one the paper's 100:1; the costing method's bar names the method at each end.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_tornado(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    table = result.decision.tornado
    ax = table.plot(ax=ax, labels=_labels(result))
    ax.axvline(paper_bcr, color=PAPER_COLOUR, linewidth=1.5, linestyle="--")
    ends = [table.median, paper_bcr] + [m for b in table.bars for m in (b.median_low, b.median_high)]
    log_axis(ax, low=min(ends) / 1.3, high=max(ends) * 1.3)  # room for the method names beside the method bar
    lo, hi = (round(100 * q) for q in table.swing)
    ax.set_xlabel(f"median BCR with one input at its p{lo} / p{hi},\nall others keeping their distributions (log scale)")
    ax.set_title(f"Tornado (black: run's median; red dashed: paper's {paper_bcr:g}:1)", fontsize="medium")
    return ax


def plot_exceedance(result: RunResult, *, ax: Axes | None = None) -> Axes:
    """Plot P(BCR > k) against k (log axis) for the mixture (+-2 MCSE band) and each costing method, the paper's 100:1 marked.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_exceedance(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    curves = result.decision.exceedance
    ax = curves.plot(ax=ax)
    log_axis(ax, low=float(curves.ks.min()), high=float(curves.ks.max()))
    ax.set_title("P(BCR > k) for every threshold k", fontsize="medium")
    return ax


def plot_sobol(result: RunResult, output: str = "log_bcr", *, ax: Axes | None = None) -> Axes:
    """Plot the first-order and total Sobol indices of ``output`` ("bcr" or "log_bcr") with their confidence intervals.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_sobol(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    ax = result.decision.sobol.plot(output, ax=ax, labels=_labels(result))
    ax.set_title(f"Sobol indices of {output.replace('_bcr', ' BCR').replace('bcr', 'BCR')}", fontsize="medium")
    return ax


def plot_evppi(result: RunResult, k: float = PAPER_BCR, *, ax: Axes | None = None) -> Axes:
    """Plot the expected value of perfect information about each input (EVPPI) for the decision at threshold k.

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_evppi(result)  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    ax = result.decision.voi.plot(k, ax=ax, labels=_labels(result))
    ax.set_title(f"Value of information: invest iff E[benefit - {k:g} x cost] > 0", fontsize="medium")
    return ax


def plot_ppc(result: RunResult, quantity: str, *, ax: Axes | None = None) -> Axes:
    """Plot the cost model's posterior predictive check of ``quantity`` (the fit's own replicates).

    Raises
    ------
    ValueError
        The run's cost model has no posterior predictive check (bootstrap, Table 1).

    Examples
    --------
    >>> import mcvalue
    >>> result = mcvalue.run(mcvalue.load_scenario("default"))  # doctest: +SKIP
    >>> ax = mcvalue.plot_ppc(result, "commits")  # doctest: +SKIP
    >>> ax.figure.savefig("figure.png")  # doctest: +SKIP
    """
    ppc = result.cost.ppc
    if ppc is None:
        raise ValueError(f"the {result.cost.model} cost model has no posterior predictive check")
    ax = ppc_ecdf(ppc.observed[quantity], ppc.replicated[quantity], quantity, ax=ax)
    ax.set_title(f"Posterior predictive check: {quantity}")
    return ax
