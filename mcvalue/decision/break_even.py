r"""Break-even: the value of each input at which the median BCR equals a threshold k."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.decision.common import BREAK_EVEN_TAIL, DEFAULT_THRESHOLDS, Quantiles, is_point_mass, jsonable, percentile_label

if TYPE_CHECKING:
    import pandas as pd

    from mcvalue.decision.tornado import ConditionalMedian


@dataclass(frozen=True)
class BreakEvenRow:
    """One input at one threshold (see :func:`break_even` for the fields)."""

    input: str
    threshold: float
    value: float | None
    prior_quantile: float | None
    direction: str
    median_range: tuple[float, float]
    note: str

    def to_dict(self) -> dict[str, Any]:
        """Return the row as summary.json holds it."""
        return {
            "input": self.input,
            "threshold": self.threshold,
            "value": self.value,
            "prior_quantile": self.prior_quantile,
            "direction": self.direction,
            "median_range": list(self.median_range),
            "note": self.note,
        }


def default_label(name: str) -> str:
    """Return a readable name of an input: ``benefit.haircut`` -> ``the haircut``."""
    return "the " + name.rsplit(".", 1)[-1].replace("_", " ")


@dataclass(frozen=True)
class BreakEven:
    """Break-even values of every continuous input at every threshold (:func:`break_even`)."""

    rows: tuple[BreakEvenRow, ...]

    def to_dict(self) -> list[dict[str, Any]]:
        """Return ``sensitivity.break_even`` of summary.json: one dict per input and threshold."""
        return jsonable([row.to_dict() for row in self.rows])

    def to_df(self) -> pd.DataFrame:
        """Return one row per input and threshold."""
        import pandas as pd

        return pd.DataFrame([row.to_dict() for row in self.rows])

    def most_fragile(self, k: float = 100.0) -> BreakEvenRow | None:
        """Return the reachable break-even at threshold k closest to its prior's median (least |u - 0.5|), or None."""
        rows = [r for r in self.rows if r.threshold == k and r.prior_quantile is not None]
        return min(rows, key=lambda r: abs(float(r.prior_quantile or 0.0) - 0.5), default=None)

    def fragility(self, run_median: float, k: float = 100.0, labels: Mapping[str, str] | None = None) -> str:
        """One sentence on the most fragile assumption at threshold k (no final full stop).

        E.g. "the median falls below 100:1 if the haircut is below 0.071, its p31 value".
        If the run's median is below k the sentence says what raises it above k instead.

        Parameters
        ----------
        run_median : float
            The run's median BCR (decides "falls below" or "rises above").
        k : float
            Threshold.
        labels : mapping of str to str, optional
            Readable input names; default :func:`default_label`.

        Returns
        -------
        str
            The sentence.

        """
        ratio = f"{k:g}:1"
        row = self.most_fragile(k)
        if row is None or row.value is None or row.prior_quantile is None:
            return (
                f"no single input moved within its p0.1-p99.9 range (the others keeping their "
                f"distributions) takes the median across {ratio}"
            )
        label = (labels or {}).get(row.input, default_label(row.input))
        at = f"{row.value:.3g}, its {percentile_label(row.prior_quantile)} value"
        if run_median >= k:
            return f"the median falls below {ratio} if {label} is {row.direction} {at}"
        other = "above" if row.direction == "below" else "below"
        return f"the median rises above {ratio} if {label} is {other} {at}"


def break_even(
    conditional: ConditionalMedian,
    priors: Mapping[str, Quantiles],
    ks: Sequence[float] = DEFAULT_THRESHOLDS,
    *,
    tail: float = BREAK_EVEN_TAIL,
    xtol: float = 1e-5,
) -> BreakEven:
    r"""Break-even value of each continuous input: where the median BCR equals k.

    For input x with quantile function :math:`F^{-1}`, let
    :math:`M(v) = \mathrm{median}(\mathrm{BCR} \mid x = v)`, the other inputs keeping
    their distributions (``conditional.median``). BCR is monotone in each input, so
    :math:`M` is monotone and :math:`\log M(v) = \log k` has at most one root in the
    search range :math:`[F^{-1}(\text{tail}), F^{-1}(1-\text{tail})]`; it exists iff
    :math:`\log M - \log k` changes sign between the ends. The root is found by
    :func:`scipy.optimize.brentq` in the quantile scale :math:`v = F^{-1}(u)`, so the reported
    ``prior_quantile`` :math:`u = F(v)` comes out directly (no CDF needed, and the
    search is equally well conditioned for heavy-tailed priors).

    Point masses are skipped. Each median is computed once per input and quantile and
    shared by all thresholds.

    Parameters
    ----------
    conditional : ConditionalRuns
        Conditional runs over the draws (:class:`mcvalue.decision.conditional.ConditionalRuns`).
    priors : mapping of str to Distribution
        The continuous inputs' priors (anything with ``ppf``).
    ks : sequence of float
        Thresholds (default 1 and 100).
    tail : float
        The search range is the prior's [tail, 1 - tail] quantiles (default p0.1-p99.9).
    xtol : float
        Absolute tolerance of the root in the quantile scale.

    Returns
    -------
    BreakEven
        Per input and threshold: ``input``, ``threshold``, ``value`` (None if not
        reachable), ``prior_quantile`` (None likewise), ``direction`` (``"below"``: the
        median BCR is below k when the input is below ``value``; ``"above"``: when it is
        above), ``median_range`` (the median BCR at the two ends of the range) and
        ``note`` (``"none in [p0.1, p99.9]"`` when not reachable).

    """
    from scipy.optimize import brentq

    rows = []
    range_note = f"none in [{percentile_label(tail)}, {percentile_label(1 - tail)}]"
    for name, dist in priors.items():
        if is_point_mass(dist, tail):
            continue
        cache: dict[float, float] = {}

        def log_median(u: float, name: str = name, dist: Quantiles = dist, cache: dict[float, float] = cache) -> float:
            if u not in cache:
                v = float(np.asarray(dist.ppf(np.array([u])), dtype=float)[0])
                cache[u] = float(np.log(conditional.median(name, v)))
            return cache[u]

        ends = (log_median(tail), log_median(1.0 - tail))
        direction = "below" if ends[1] > ends[0] else "above"
        median_range = (float(np.exp(ends[0])), float(np.exp(ends[1])))
        for k in ks:
            value, quantile, note = None, None, range_note
            g_lo, g_hi = ends[0] - np.log(k), ends[1] - np.log(k)
            if g_lo == 0.0 or g_hi == 0.0 or np.sign(g_lo) != np.sign(g_hi):
                def gap(u: float, log_k: float = float(np.log(k))) -> float:
                    return log_median(u) - log_k

                u = brentq(gap, tail, 1.0 - tail, xtol=xtol)
                value = float(np.asarray(dist.ppf(np.array([u])), dtype=float)[0])
                quantile, note = float(u), ""
            rows.append(BreakEvenRow(name, float(k), value, quantile, direction, median_range, note))
    return BreakEven(tuple(rows))
