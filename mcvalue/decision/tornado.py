r"""Tornado without a base point: one input fixed at a low and a high value, all others keeping their distributions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from mcvalue.decision.common import BENEFIT_METHOD_INPUT, DEFAULT_SWING, FTE_INPUT, METHOD_INPUT, Quantiles, jsonable, percentile_label

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes


class ConditionalMedian(Protocol):
    """What the tornado and the break-even need of conditional runs (:class:`mcvalue.decision.conditional.ConditionalRuns`)."""

    def median(self, name: str, value: Any) -> float:
        """Median BCR with input ``name`` fixed at ``value``, the others keeping their distributions."""
        ...


@dataclass(frozen=True)
class TornadoBar:
    """One input's bar: the median BCR with the input fixed at each end of its swing.

    For the costing method (and the benefit method) the ends are the methods giving the lowest and the highest
    median (``value_low`` / ``value_high`` are then method keys, ``median_low`` <=
    ``median_high``); for the others they are the input's low / high swing values.
    """

    input: str
    label: str
    value_low: float | str | list[float]
    value_high: float | str | list[float]
    median_low: float
    median_high: float

    @property
    def width(self) -> float:
        """Width on the log axis the bar is drawn on: |log10(median_high / median_low)|."""
        return abs(float(np.log10(self.median_high) - np.log10(self.median_low)))

    def to_dict(self) -> dict[str, Any]:
        """Return the bar as summary.json holds it."""
        return {
            "input": self.input,
            "label": self.label,
            "value_low": self.value_low,
            "value_high": self.value_high,
            "median_low": self.median_low,
            "median_high": self.median_high,
        }


@dataclass(frozen=True)
class Tornado:
    """Tornado table: the run's median (base line) and the bars, widest first."""

    swing: tuple[float, float]
    median: float
    bars: tuple[TornadoBar, ...]
    method_medians: dict[str, float] = field(default_factory=dict)
    benefit_medians: dict[str, float] = field(default_factory=dict)

    def description(self) -> str:
        """Say what was swung, in one sentence."""
        lo, hi = (percentile_label(q) for q in self.swing)
        return (
            f"each input fixed at its {lo} and {hi} (the costing and benefit methods at each method) while all "
            f"others keep their distributions; a bar spans the two conditional median BCRs; "
            f"the line is the run's median ({self.median:.3g})"
        )

    def to_dict(self) -> dict[str, Any]:
        """Return ``sensitivity.tornado`` of summary.json."""
        return jsonable(
            {
                "swing": list(self.swing),
                "median": self.median,
                "description": self.description(),
                "method_medians": dict(self.method_medians),
                "benefit_medians": dict(self.benefit_medians),
                "bars": [b.to_dict() for b in self.bars],
            }
        )

    def to_df(self) -> pd.DataFrame:
        """Return one row per bar (widest first) with its ``width`` on the log10 axis."""
        import pandas as pd

        return pd.DataFrame([{**b.to_dict(), "width": b.width} for b in self.bars])

    def plot(self, *, ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
        """Draw the bars (:func:`mcvalue.decision.plotting.tornado_bars`); return the Axes."""
        from mcvalue.decision.plotting import tornado_bars

        return tornado_bars(self, ax=ax, labels=labels)


def tornado(
    conditional: ConditionalMedian,
    priors: Mapping[str, Quantiles],
    bcr: np.ndarray,
    swing: tuple[float, float] = DEFAULT_SWING,
    *,
    fte_pool: np.ndarray | None = None,
    method_keys: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
    benefit_keys: Mapping[str, int] | None = None,
) -> Tornado:
    r"""Tornado without a base point: one input fixed, all others keep their distributions.

    For a prior quantity x the bar spans
    :math:`\mathrm{median}(\mathrm{BCR} \mid x = F^{-1}(q_{lo}))` and
    :math:`\mathrm{median}(\mathrm{BCR} \mid x = F^{-1}(q_{hi}))`. The FTE input is fixed
    at the column-wise ``swing`` quantiles of the FTE pool (every method's FTE at its own
    p10, then p90; for a pool of trajectories, every year's too, and the bar records the
    last year's). The costing method is fixed to each method in ``method_keys``; the
    bar's ends are the methods with the lowest and highest median. Every input gets a
    bar (a point mass gets one of zero width). The base line is the run's median BCR.

    Parameters
    ----------
    conditional : ConditionalRuns
        Conditional runs over the draws (:class:`mcvalue.decision.conditional.ConditionalRuns`).
    priors : mapping of str to Distribution
        Every prior quantity (anything with ``ppf``).
    bcr : numpy.ndarray
        The run's BCR draws (for the base line).
    swing : tuple of float
        Low and high quantile (default p10, p90).
    fte_pool : numpy.ndarray, optional
        (m, 5) FTE pool, or (m, Y, 5) FTE trajectories (a stock's); adds the FTE bar.
    method_keys : sequence of str
        Methods with positive weight; adds the method bar when given.
    labels : mapping of str to str, optional
        Bar labels (default: the input names).
    benefit_keys : mapping of str to int, optional
        Benefit methods with positive weight -> their index; with two or more, adds the
        benefit-method bar (:data:`BENEFIT_METHOD_INPUT` fixed at each method's index).

    Returns
    -------
    Tornado
        Bars sorted widest first.

    """
    labels = labels or {}
    lo, hi = swing
    bars = []
    q = np.array([lo, hi])
    for name, dist in priors.items():
        v_lo, v_hi = (float(v) for v in np.asarray(dist.ppf(q), dtype=float))
        m_lo = conditional.median(name, v_lo)
        m_hi = m_lo if v_hi == v_lo else conditional.median(name, v_hi)
        bars.append(TornadoBar(name, labels.get(name, name), v_lo, v_hi, m_lo, m_hi))
    if fte_pool is not None:
        f_lo, f_hi = np.quantile(np.asarray(fte_pool, dtype=float), q, axis=0)
        m_lo, m_hi = (conditional.median(FTE_INPUT, f) for f in (f_lo, f_hi))
        last_lo, last_hi = (f.reshape(-1, f.shape[-1])[-1].tolist() for f in (f_lo, f_hi))
        bars.append(TornadoBar(FTE_INPUT, labels.get(FTE_INPUT, "FTE"), last_lo, last_hi, m_lo, m_hi))
    method_medians: dict[str, float] = {}
    if method_keys:
        method_medians = {key: conditional.median(METHOD_INPUT, key) for key in method_keys}
        low = min(method_medians, key=method_medians.__getitem__)
        high = max(method_medians, key=method_medians.__getitem__)
        label = labels.get(METHOD_INPUT, "costing method")
        bars.append(TornadoBar(METHOD_INPUT, label, low, high, method_medians[low], method_medians[high]))
    benefit_medians: dict[str, float] = {}
    if benefit_keys and len(benefit_keys) > 1:
        benefit_medians = {key: conditional.median(BENEFIT_METHOD_INPUT, float(j)) for key, j in benefit_keys.items()}
        low = min(benefit_medians, key=benefit_medians.__getitem__)
        high = max(benefit_medians, key=benefit_medians.__getitem__)
        label = labels.get(BENEFIT_METHOD_INPUT, "benefit method")
        bars.append(TornadoBar(BENEFIT_METHOD_INPUT, label, low, high, benefit_medians[low], benefit_medians[high]))
    bars.sort(key=lambda b: b.width, reverse=True)
    return Tornado(
        swing=(lo, hi), median=float(np.median(bcr)), bars=tuple(bars), method_medians=method_medians, benefit_medians=benefit_medians
    )
