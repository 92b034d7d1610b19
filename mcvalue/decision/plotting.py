"""Figures of the decision results: a result object in, an Axes out (object API, no pyplot, no file writing).

Without an Axes a new :class:`matplotlib.figure.Figure` is made; its canvas is the caller's
to save. The run-level figures of the public API (``mcvalue.plot_tornado`` ...) draw through
these and add the run's context.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from mcvalue.decision.common import MIXTURE
from mcvalue.fmt import literal
from mcvalue.vocab.display import BAND_COLOUR, OURS_COLOUR, PAPER_COLOUR, method_colour, method_name

if TYPE_CHECKING:
    from mcvalue.decision.exceedance import Exceedance
    from mcvalue.decision.sobol import SobolIndices
    from mcvalue.decision.tornado import Tornado
    from mcvalue.decision.voi import VoiThreshold

#: The paper's claim: at least 100 dollars of value per dollar spent.
PAPER_RATIO = 100.0


def _axes(ax: Axes | None, size: tuple[float, float] = (6.4, 4.0)) -> Axes:
    """Return ``ax``, or the Axes of a new Figure."""
    if ax is not None:
        return ax
    return Figure(figsize=size, layout="constrained").subplots()


def exceedance_curves(
    curves: Exceedance | Mapping[str, Sequence[dict[str, Any]]] | Sequence[dict[str, Any]],
    *,
    ax: Axes | None = None,
    paper_ratio: float = PAPER_RATIO,
) -> Axes:
    """Exceedance curves P(BCR > k) against k on a log axis, the paper's 100:1 marked.

    Parameters
    ----------
    curves : Exceedance, mapping or sequence
        An :class:`~mcvalue.decision.exceedance.Exceedance` (``"mixture"`` drawn thick with
        a band of +-2 MCSE, one thin line per method), rows by curve name, or one curve's rows.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    paper_ratio : float
        Where the vertical reference line goes (default 100).

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    """
    ax = _axes(ax)
    for name, curve in as_curves(curves).items():
        k = np.array([row["k"] for row in curve])
        p = np.array([row["p"] for row in curve])
        if name == MIXTURE:
            se = np.array([row["mcse"] for row in curve])
            ax.fill_between(k, np.clip(p - 2 * se, 0, 1), np.clip(p + 2 * se, 0, 1), color=BAND_COLOUR, alpha=0.3)
            ax.plot(k, p, color=OURS_COLOUR, linewidth=2.2, label="mixture of methods", zorder=3)
        else:
            ax.plot(k, p, color=method_colour(name), linewidth=1.6, label=method_name(name))
    ax.axvline(paper_ratio, color=PAPER_COLOUR, linestyle="--", linewidth=1.0, label=f"paper: {paper_ratio:g}:1")
    ax.set_xscale("log")
    ax.set_ylim(0, 1)
    ax.set_xlabel("benefit-cost ratio k (log scale)")
    ax.set_ylabel("P(BCR > k)")
    ax.legend(fontsize="small", frameon=False)
    return ax


def sobol_bars(
    table: SobolIndices, conf_level: float = 0.95, *, ax: Axes | None = None, labels: Mapping[str, str] | None = None
) -> Axes:
    """Horizontal bars of first-order and total Sobol indices with their confidence intervals, largest total at the top.

    Parameters
    ----------
    table : SobolIndices
        One output's indices (``Sobol.indices["log_bcr"]``).
    conf_level : float
        Level of the intervals (for the axis label).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    labels : mapping of str to str, optional
        Input key -> the name shown (a prior's ``label``); default: the key.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    """
    rows = sorted(table.rows(), key=lambda r: r["total"])
    ax = _axes(ax, (6.4, 0.9 + 0.35 * len(rows)))
    y = np.arange(len(rows))
    h = 0.38
    ax.barh(y + h / 2, [r["total"] for r in rows], h, xerr=[r["total_ci"] for r in rows], label="total", color=OURS_COLOUR)
    ax.barh(y - h / 2, [r["first"] for r in rows], h, xerr=[r["first_ci"] for r in rows], label="first-order", color=BAND_COLOUR)
    ax.set_yticks(y, [literal((labels or {}).get(r["input"], r["input"])) for r in rows])
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(f"Sobol index of {table.output.replace('_', ' ')} (bars: {100 * conf_level:g}% CI)")
    ax.legend(fontsize="small", frameon=False, loc="lower right")
    return ax


def evppi_bars(entry: VoiThreshold, *, ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
    """EVPPI of each input at one threshold (bars, +-2 se), with the EVPI as a reference line.

    Parameters
    ----------
    entry : VoiThreshold
        One threshold's entry (``ValueOfInformation.at(k)``).
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    labels : mapping of str to str, optional
        Input key -> the name shown (a prior's ``label``); default: the key.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    """
    rows = sorted(entry.evppi, key=lambda r: r.value)
    ax = _axes(ax, (6.4, 0.9 + 0.3 * len(rows)))
    y = np.arange(len(rows))
    scale = 1e9
    ax.barh(y, [r.value / scale for r in rows], xerr=[2 * r.se / scale for r in rows], color=OURS_COLOUR)
    ax.axvline(entry.evpi / scale, color="black", linestyle="--", linewidth=1.0, label="EVPI")
    ax.set_yticks(y, [literal((labels or {}).get(r.input, r.input)) for r in rows])
    ax.set_xlabel(f"EVPPI at {entry.k:g}:1, billion USD per year (+-2 se)")
    ax.legend(fontsize="small", frameon=False, loc="lower right")
    return ax


def tornado_bars(table: Tornado, *, ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
    """Tornado: per input, a bar between its two conditional median BCRs (log axis), widest at the top.

    The vertical line is the run's median. The costing method's bar is labelled at its ends
    with the methods giving the lowest and highest median.

    Parameters
    ----------
    table : Tornado
        :func:`mcvalue.decision.tornado` output.
    ax : matplotlib.axes.Axes, optional
        Where to draw.
    labels : mapping of str to str, optional
        Input key -> the name shown (a prior's ``label``); default: the bar's label.

    Returns
    -------
    matplotlib.axes.Axes
        The Axes drawn on.

    """
    bars = list(reversed(table.bars))
    ax = _axes(ax, (6.4, 0.9 + 0.35 * len(bars)))
    y = np.arange(len(bars))
    left = np.array([min(b.median_low, b.median_high) for b in bars])
    right = np.array([max(b.median_low, b.median_high) for b in bars])
    ax.barh(y, right - left, left=left, color=OURS_COLOUR, alpha=0.45, height=0.6)
    for yi, bar in zip(y, bars, strict=True):
        if isinstance(bar.value_low, str):
            for text, x, dx, ha in ((bar.value_low, bar.median_low, -3, "right"), (bar.value_high, bar.median_high, 3, "left")):
                ax.annotate(str(text), (x, yi), xytext=(dx, 0), textcoords="offset points", ha=ha, va="center", fontsize="x-small")
    ax.axvline(table.median, color="black", linewidth=1.0)
    ax.set_xscale("log")
    ax.set_yticks(y, [literal((labels or {}).get(b.input, b.label)) for b in bars])
    lo, hi = (round(100 * q) for q in table.swing)
    ax.set_xlabel(f"median BCR with one input at its p{lo} / p{hi}, others keeping their distributions (log)")
    return ax


def as_curves(value: Exceedance | Mapping[str, Sequence[dict[str, Any]]] | Sequence[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """Return curves as rows by name from an :class:`~mcvalue.decision.exceedance.Exceedance`, a mapping of rows or one curve's rows.

    An Exceedance is recognised by its ``rows`` method (this module does not import that
    one, which imports this module for its ``plot``).
    """
    if hasattr(value, "rows") and hasattr(value, "p"):
        return {name: value.rows(name) for name in value.p}
    if isinstance(value, Mapping):
        return {name: list(rows) for name, rows in value.items()}
    return {MIXTURE: list(value)}
