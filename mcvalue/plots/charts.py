"""The figures' drawing functions: tidy tables or arrays in, matplotlib Axes out, no file writing.

Each takes a table or arrays (and an optional Axes) and returns the Axes it drew on, so
notebooks can call them with their own tables; the ``plot_*`` functions of
:mod:`mcvalue.plots` feed them a run's. Only :mod:`mcvalue.report` saves figures.

Figures are built with matplotlib's object API (``matplotlib.figure.Figure``), which
needs no pyplot state and no backend switch; nothing here touches global rcParams.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from mcvalue.fmt import literal, prob, ratio, usd
from mcvalue.vocab.display import BAND_COLOUR, OURS_COLOUR, PAPER_COLOUR, method_colour, method_name
from mcvalue.vocab.paper import METHOD_KEYS, PAPER_BCR, PAPER_BENEFIT_USD

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


_PAPER_COLOUR = PAPER_COLOUR
_OURS_COLOUR = OURS_COLOUR
#: Prior densities' fill (no method is drawn beside them); interval bands are BAND_COLOUR.
_SHADE_COLOUR = "#5dade2"


def new_axes(width: float = 7.0, height: float = 4.0) -> Axes:
    """Return a fresh Axes on its own Figure (no pyplot, so nothing global is touched)."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    return fig.add_subplot()


def log_axis(ax: Axes, money: bool = False, low: float | None = None, high: float | None = None) -> None:
    """Log x axis with plain-number (or USD) labels: 1-2-3-5 steps within 1.5 decades, 1-2-5 within 2.5, else powers of 10.

    ``low``/``high`` (the data's range) set the limits with a margin; default: autoscale.
    """
    from matplotlib import ticker

    ax.set_xscale("log")
    if low is not None and high is not None:
        ax.set_xlim(low / 1.3, high * 1.3)
    lo, hi = ax.get_xlim()
    decades = np.log10(hi / lo)
    subs = (1.0, 2.0, 3.0, 5.0) if decades <= 1.5 else (1.0, 2.0, 5.0) if decades <= 2.5 else (1.0,)
    fmt = ticker.FuncFormatter(lambda x, _pos: usd(x) if money else ratio(x, 6))
    ax.xaxis.set_major_locator(ticker.LogLocator(base=10, subs=subs))
    ax.xaxis.set_major_formatter(fmt)
    ax.xaxis.set_minor_locator(ticker.LogLocator(base=10, subs=tuple(range(1, 10))))
    ax.xaxis.set_minor_formatter(ticker.NullFormatter())


def _legend_below(ax: Axes) -> None:
    """Legend in one row under the axis, clear of the data."""
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, fontsize="small", frameon=False)


def bcr_distribution(
    bcr: np.ndarray,
    interval90: Sequence[float],
    ax: Axes | None = None,
    paper_bcr: float = PAPER_BCR,
    methods: np.ndarray | None = None,
    method_keys: Sequence[str] = METHOD_KEYS,
) -> Axes:
    """Histogram of the BCR draws on a log axis: 90% interval shaded, 1:1 and the paper's ratio marked, P(BCR > paper) stated.

    With ``methods`` (each draw's index into ``method_keys``) the histogram is stacked by
    costing method, so a mixture of humps shows which method makes each; bar heights are
    shares of all draws either way.
    """
    ax = ax or new_axes(8.0, 5.0)
    values = np.asarray(bcr, dtype=float)
    keep = np.isfinite(values) & (values > 0)
    values = values[keep]
    lo, hi = np.quantile(values, [0.001, 0.999])
    lo, hi = min(lo, 0.5), max(hi, paper_bcr * 2)  # 1:1 and the paper's ratio always in view
    bins = np.geomspace(lo, hi, 80)
    share = np.full(len(values), 1 / len(values))
    # Each layer is one filled step patch (ax.stairs) rather than ax.hist's 80 bars per layer:
    # the same heights (np.histogram, stacked by cumulative sums), a tenth of the drawing time.
    if methods is None:
        ax.stairs(np.histogram(values, bins=bins, weights=share)[0], bins, fill=True, color=_OURS_COLOUR, alpha=0.8)
    else:
        index = np.asarray(methods)[keep]
        used = [i for i in range(len(method_keys)) if np.any(index == i)]
        bottom = np.zeros(bins.size - 1)
        for i in used:
            top = bottom + np.histogram(values[index == i], bins=bins, weights=share[index == i])[0]
            ax.stairs(top, bins, baseline=bottom, fill=True, color=method_colour(method_keys[i]), alpha=0.85,
                      label=method_name(method_keys[i]))
            bottom = top
    ax.set_ylim(bottom=0.0)
    ax.axvspan(interval90[0], interval90[1], color=BAND_COLOUR, alpha=0.18, label=f"90% interval {ratio(interval90[0])} to {ratio(interval90[1])}")
    median = float(np.median(values))
    ax.axvline(median, color=_OURS_COLOUR, linestyle="--", label=f"median {ratio(median)}")
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1.5, label="1:1 (benefit = cost)")
    ax.axvline(paper_bcr, color=_PAPER_COLOUR, linewidth=2, label=f"paper: {paper_bcr:g}:1")
    log_axis(ax)
    draws = np.asarray(bcr, dtype=float)
    ax.set_xlabel("Benefit-cost ratio (USD of value per USD of cost, log scale)")
    ax.set_ylabel("Share of Monte Carlo draws")
    ax.set_title(f"Benefit-cost ratio: P(BCR > {paper_bcr:g}) = {prob(np.mean(draws > paper_bcr))}, P(BCR > 1) = {prob(np.mean(draws > 1))}")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.18), ncol=3, fontsize="x-small", frameon=False)
    return ax


def cost_forest(table: pd.DataFrame | Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Forest plot of cost per year by costing method: our median and 50/90% intervals, the paper's point.

    ``table`` columns: ``method``, ``median``, ``p5``, ``p25``, ``p75``, ``p95``, ``paper``
    (all USD per year), one row per method in display order (top first): a DataFrame
    (:func:`interval_table`) or a mapping of columns (:func:`interval_columns`).
    """
    ax = ax or new_axes(7.0, 3.5)
    y = np.arange(len(table["method"]))[::-1]
    ax.hlines(y, table["p5"], table["p95"], color=_OURS_COLOUR, linewidth=1.5, label="ours: 90% interval")
    ax.hlines(y, table["p25"], table["p75"], color=_OURS_COLOUR, linewidth=5, label="ours: 50% interval")
    ax.plot(table["median"], y, "o", color="white", markeredgecolor=_OURS_COLOUR, label="ours: median (filled in the method's colour)")
    ax.scatter(table["median"], y, s=30, c=[method_colour(m) for m in table["method"]], edgecolors=_OURS_COLOUR, zorder=3)
    ax.plot(table["paper"], y, "D", color=_PAPER_COLOUR, label="paper (Table 1)")
    ax.set_yticks(y, [method_name(m) for m in table["method"]])
    ends = np.concatenate([table["p5"], table["p95"], table["paper"]])
    log_axis(ax, money=True, low=float(np.nanmin(ends)), high=float(np.nanmax(ends)))
    ax.set_xlabel("Cost per year = salary x FTE x coverage x FTE fraction (USD, log scale)")
    ax.set_title("Cost of MLOSS per year by costing method")
    _legend_below(ax)
    return ax


def benefit_chain(table: pd.DataFrame | Mapping[str, Any], ax: Axes | None = None) -> Axes:
    """Return the benefit chain: AI value, then after each factor, with 90% intervals, in USD per year.

    ``table`` columns: ``step`` (label, e.g. "x haircut (90%: 0.03-0.3)"), ``p5``, ``median``,
    ``p95`` (USD per year after this step) and ``paper`` (the paper's figure at that step),
    one row per step from the AI value down to the benefit: a DataFrame
    (:func:`benefit_chain_table`) or a mapping of columns (:func:`benefit_chain_columns`).
    """
    ax = ax or new_axes(8.5, 4.5)
    y = np.arange(len(table["step"]))[::-1]
    ax.hlines(y, table["p5"], table["p95"], color=_OURS_COLOUR, linewidth=4, label="ours: 90% interval")
    ax.plot(table["median"], y, "o", color="white", markeredgecolor=_OURS_COLOUR, label="ours: median")
    ax.plot(table["paper"], y, "D", color=_PAPER_COLOUR, label="paper")
    ax.axvline(PAPER_BENEFIT_USD, color=_PAPER_COLOUR, linestyle=":", linewidth=1, label=f"paper's benefit {usd(PAPER_BENEFIT_USD)}")
    ax.set_yticks(y, [literal(step) for step in table["step"]])
    ends = np.concatenate([table["p5"], table["p95"], table["paper"]])
    log_axis(ax, money=True, low=float(ends.min()), high=float(ends.max()))
    ax.set_xlabel("Value per year after this step (USD, log scale)")
    ax.set_title("Benefit chain: AI value x haircut x attribution x MLOSS share", fontsize="medium")
    _legend_below(ax)
    return ax


def ppc_ecdf(
    observed: np.ndarray, replicated: Sequence[np.ndarray], quantity: str = "", ax: Axes | None = None, max_lines: int = 50
) -> Axes:
    """Observed ECDF (black) over replicated ECDFs (blue) on a log x axis; return the Axes.

    Commits per contributor-period are >= 1 and are drawn as they are; quantities with
    zeros (contributors per repo-period, lines) are drawn as ``1 + value`` and the axis
    label says so.
    """
    from mcvalue.costmodels.pymc.ppc import LABELS

    ax = ax or new_axes(5.5, 3.5)
    shift = 0.0 if quantity == "commits" else 1.0
    for rep in list(replicated)[:max_lines]:
        _ecdf(ax, np.asarray(rep, dtype=float) + shift, color="tab:blue", alpha=0.15, lw=0.8)
    _ecdf(ax, np.asarray(observed, dtype=float) + shift, color="black", lw=1.8, label="observed")
    ax.plot([], [], color="tab:blue", alpha=0.6, label=f"replicated ({min(len(replicated), max_lines)} posterior draws)")
    log_axis(ax)  # plain-number labels: LogFormatter's 10^k would be mathtext, whose parser costs ~0.3 s to build
    label = LABELS.get(quantity, quantity)
    ax.set_xlabel(label if shift == 0 else f"1 + {label} (log scale; 1 = none)")
    ax.set_ylabel("share of rows at or below x (ECDF)")
    ax.legend(loc="lower right", fontsize="small")
    return ax


def _ecdf(ax: Axes, values: np.ndarray, **kwargs: Any) -> None:
    """Draw the step ECDF of ``values`` on ``ax``, one step per distinct value.

    The same step function as one step per row, with far fewer vertices where values tie
    (commits are small integers): a PPC panel of 50 replicates of 3,770 rows renders in a
    fraction of the time.
    """
    x, counts = np.unique(values, return_counts=True)
    if x.size:
        ax.step(x, np.cumsum(counts) / values.size, where="post", **kwargs)


def exceedance_overlay(curves: dict[str, Sequence[dict[str, Any]]], ax: Axes | None = None, paper_bcr: float = PAPER_BCR) -> Axes:
    """Overlay runs' BCR distributions as P(BCR > k) against k (log axis), 1:1 and the paper's 100:1 marked.

    ``curves`` maps a run's label to its ``bcr.exceedance`` rows (``k``, ``p``) from summary.json.
    """
    ax = ax or new_axes(7.0, 4.0)
    ks = []
    for label, rows in curves.items():
        k = [row["k"] for row in rows]
        ks += k
        at_paper = next((row["p"] for row in rows if row["k"] == paper_bcr), None)
        shown = label if at_paper is None else f"{label}: P(BCR > {paper_bcr:g}) = {prob(at_paper)}"
        ax.plot(k, [row["p"] for row in rows], linewidth=2, label=literal(shown))
    ax.axvline(1.0, color="grey", linestyle=":", linewidth=1.2, label="1:1 (benefit = cost)")
    ax.axvline(paper_bcr, color=_PAPER_COLOUR, linestyle="--", linewidth=1.2, label=f"paper: {paper_bcr:g}:1")
    log_axis(ax, low=min(ks), high=max(ks))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("benefit-cost ratio k (log scale)")
    ax.set_ylabel("P(BCR > k)")
    ax.set_title("Runs compared: the chance the benefit-cost ratio exceeds k", fontsize="medium")
    _legend_below(ax)
    return ax


def prior_density(dist: Any, name: str, label: str, ax: Axes | None = None) -> Axes:
    """Draw one prior's density with its p5 / median / p95 marked and its source beneath; return the Axes.

    The density comes from the quantile function alone (dq/dx on a grid of 400 quantiles
    from p0.1 to p99.9), so every family draws the same way; a point mass is a vertical
    line, a choice a stem per value with its weight.
    """
    ax = ax or new_axes(5.0, 3.0)
    money = name.endswith("_usd")
    q = np.linspace(0.001, 0.999, 400)
    x = np.asarray(dist.ppf(q), dtype=float)
    p5, median, p95 = (float(v) for v in dist.ppf(np.array([0.05, 0.5, 0.95])))
    values = getattr(dist, "values", None)
    if values is not None:  # a choice
        ax.vlines(values, 0, dist.weights, color=_OURS_COLOUR, linewidth=3)
        ax.set_ylabel("probability")
    elif np.ptp(x) == 0:  # a point mass
        ax.axvline(x[0], color=_OURS_COLOUR, linewidth=3)
        ax.set_yticks([])
    else:
        keep = np.concatenate([[True], np.diff(x) > 0])
        density = np.gradient(q[keep], x[keep])
        ax.fill_between(x[keep], density, color=_SHADE_COLOUR, alpha=0.5)
        ax.plot(x[keep], density, color=_OURS_COLOUR, linewidth=1.2)
        ax.set_yticks([])
        ax.set_ylim(bottom=0)
    show = usd if money else ratio
    for value, style in ((p5, ":"), (median, "--"), (p95, ":")):
        ax.axvline(value, color=_PAPER_COLOUR, linestyle=style, linewidth=1)
    ax.set_title(literal(f"{label}\np5 {show(p5)}, median {show(median)}, p95 {show(p95)}"), fontsize="small")
    from matplotlib import ticker

    ax.xaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _pos: show(v)))
    ax.xaxis.set_major_locator(ticker.MaxNLocator(5))
    ax.tick_params(labelsize="x-small")
    source = getattr(dist, "source", None) or "no source given"
    ax.set_xlabel(literal(textwrap.fill(f"{name}: {source}", 70)), fontsize="xx-small")
    return ax


def prior_densities(scenario: Any) -> Axes:
    """Draw every prior quantity of a scenario in a grid (two columns); return the first Axes (its figure holds all)."""
    from matplotlib.figure import Figure

    names = list(scenario.quantities)
    rows = (len(names) + 1) // 2
    fig = Figure(figsize=(11.0, 3.0 * rows), layout="constrained")
    axes = fig.subplots(rows, 2, squeeze=False).ravel()
    for ax, name in zip(axes, names, strict=False):
        prior_density(scenario.quantities[name], name, scenario.label(name), ax=ax)
    for ax in axes[len(names):]:
        ax.set_visible(False)
    return cast("Axes", axes[0])  # matplotlib is untyped here: subplots() is Any


