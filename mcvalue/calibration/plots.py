"""Rank histograms of a calibration: Axes in, Axes out (:func:`mcvalue.calibration.files.write_summary` saves them)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from matplotlib.axes import Axes


def plot_rank_histogram(counts: list[int], name: str, p_value: float, ax: Axes | None = None) -> Axes:
    """Bar chart of one quantity's rank counts per bin, with the 99% range of a uniform bin count shaded.

    Under uniform ranks a bin count is Binomial(n, 1/bins); bars outside the band in several
    bins, or a U, hump or slope across them, show a miscalibrated fit.
    """
    import matplotlib.pyplot as plt
    from scipy import stats

    ax = ax or plt.gca()
    values = np.asarray(counts)
    bins, n = values.size, int(values.sum())
    low, high = stats.binom.ppf([0.005, 0.995], n, 1.0 / bins)
    ax.axhspan(low, high, color="grey", alpha=0.25, linewidth=0)
    ax.bar(np.arange(bins), values, width=0.9)
    ax.set_title(f"{name}\nchi2 p = {p_value:.3f}", fontsize=8)
    ax.set_xticks([])
    return ax
