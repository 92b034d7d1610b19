r"""Exceedance: P(BCR > k) on a grid of thresholds, for the mixture and each costing method.

All thresholds and methods at once: each draw is binned once by the thresholds it exceeds
(``searchsorted``), and the counts per (batch, method, bin) give every proportion and
every Monte Carlo standard error (:mod:`mcvalue.engine.mcse`'s batch-means estimator, or the
iid one) without a pass over the draws per threshold.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from mcvalue.decision.common import MIXTURE, jsonable, round_mcse

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes



def default_thresholds(extra: Sequence[float] = ()) -> np.ndarray:
    """Return the exceedance grid: 28 log-spaced points from 1 to 1000 plus ``extra``, sorted.

    The log grid has 9 points per decade (ratio :math:`10^{1/9}`) and contains 1, 10, 100
    and 1000 exactly (not as rounded powers).

    Parameters
    ----------
    extra : sequence of float
        User thresholds to merge in (positive).

    Returns
    -------
    numpy.ndarray
        Sorted unique thresholds.

    """
    steps = np.arange(28)
    grid = np.where(steps % 9 == 0, 10.0 ** (steps // 9), 10.0 ** (steps / 9.0))
    extras = np.asarray(extra, dtype=float).ravel()
    if np.any(extras <= 0) or not np.all(np.isfinite(extras)):
        raise ValueError("thresholds must be positive and finite")
    return np.unique(np.concatenate([grid, extras]))


@dataclass(frozen=True)
class Exceedance:
    """P(BCR > k) curves with their Monte Carlo standard errors (see :func:`exceedance`).

    Attributes
    ----------
    ks : numpy.ndarray
        The thresholds, ascending.
    p, mcse : dict of str to numpy.ndarray
        Per curve (``"mixture"``, then each costing method drawn at least once), the
        proportion above each threshold and its MCSE.
    """

    ks: np.ndarray
    p: dict[str, np.ndarray]
    mcse: dict[str, np.ndarray]

    def rows(self, curve: str = MIXTURE) -> list[dict[str, float]]:
        """Return one curve as rows ``{"k", "p", "mcse"}``, k ascending (full precision)."""
        return [
            {"k": float(k), "p": float(p), "mcse": float(se)}
            for k, p, se in zip(self.ks, self.p[curve], self.mcse[curve], strict=True)
        ]

    def to_dict(self) -> list[dict[str, float]]:
        """Return ``bcr.exceedance`` of summary.json: the mixture's rows, MCSEs to 3 significant figures."""
        return jsonable([{**row, "mcse": round_mcse(row["mcse"])} for row in self.rows()])

    def to_df(self) -> pd.DataFrame:
        """Return every curve as a long table: columns ``curve``, ``k``, ``p``, ``mcse``."""
        import pandas as pd

        return pd.DataFrame([{"curve": name, **row} for name in self.p for row in self.rows(name)])

    def plot(self, *, ax: Axes | None = None) -> Axes:
        """Draw the curves (:func:`mcvalue.decision.plotting.exceedance_curves`); return the Axes."""
        from mcvalue.decision.plotting import exceedance_curves

        return exceedance_curves(self, ax=ax)


def exceedance(
    bcr: np.ndarray,
    ks: Sequence[float] | np.ndarray | None = None,
    *,
    method_index: np.ndarray | None = None,
    method_keys: Sequence[str] = (),
    batches: np.ndarray | None = None,
) -> Exceedance:
    r"""P(BCR > k) for each threshold k, of the mixture and of each costing method, with MCSEs.

    Mixture: :math:`\hat p_k = \frac1n \sum_i 1[\mathrm{BCR}_i > k]`. Method m, with
    :math:`g_i = 1[m_i = m]`: the ratio estimator :math:`\hat p_{k,m} = \sum g_i
    1[\mathrm{BCR}_i > k] / \sum g_i`, whose MCSE is that of the mean of the linearised
    per-draw value :math:`z_i = g_i (1[\mathrm{BCR}_i > k] - \hat p_{k,m}) / \bar g` (delta
    method); for iid draws it equals :math:`\sqrt{p(1-p)/n_m}`.

    MCSEs are :func:`mcvalue.engine.mcse.mcse_of_mean` of those per-draw values: over ``batches``
    (the batch of each draw, :func:`mcvalue.engine.mcse.simulation_batches`, which counts the FTE
    pool) or, without, sd / sqrt(n) of independent draws. A curve at 0 or 1 has MCSE 0.

    Parameters
    ----------
    bcr : numpy.ndarray
        BCR per draw.
    ks : sequence of float, optional
        Thresholds; default :func:`default_thresholds` (1..1000, 28 points).
    method_index : numpy.ndarray, optional
        Index into ``method_keys`` of each draw's costing method; adds a curve per method
        drawn at least once.
    method_keys : sequence of str
        Method names (``mcvalue.vocab.paper.METHOD_KEYS``).
    batches : numpy.ndarray, optional
        Batch label (non-negative int) of each draw.

    Returns
    -------
    Exceedance
        Curves ``"mixture"`` and then each method drawn, in ``method_keys`` order.

    """
    bcr = np.asarray(bcr, dtype=float).ravel()
    if bcr.size == 0 or np.isnan(bcr).any():
        raise ValueError("bcr must be a non-empty array without NaN")
    grid = default_thresholds() if ks is None else np.unique(np.asarray(ks, dtype=float))
    n, k_count = bcr.size, grid.size
    methods = np.zeros(n, dtype=np.int64) if method_index is None else np.asarray(method_index, dtype=np.int64).ravel()
    n_methods = len(method_keys) if method_index is not None else 1
    labels = np.zeros(n, dtype=np.int64) if batches is None else np.asarray(batches, dtype=np.int64).ravel()
    n_batches = int(labels.max()) + 1
    # counts[b, m, t]: draws of batch b and method m above exactly t thresholds
    bins = np.searchsorted(grid, bcr, side="left")
    flat = (labels * n_methods + methods) * (k_count + 1) + bins
    counts = np.bincount(flat, minlength=n_batches * n_methods * (k_count + 1)).reshape(n_batches, n_methods, k_count + 1)
    above = np.cumsum(counts[..., ::-1], axis=-1)[..., ::-1][..., 1:].astype(float)  # (B, M, K): bcr > k_j
    per_batch = counts.sum(axis=(1, 2)).astype(float)
    curves = {MIXTURE: (above.sum(axis=1).T, per_batch)}
    if method_index is not None:
        for j, key in enumerate(method_keys):
            in_method = counts[:, j].sum(axis=-1).astype(float)
            if in_method.sum() > 0:
                curves[key] = (above[:, j].T, in_method)
    p_out: dict[str, np.ndarray] = {}
    se_out: dict[str, np.ndarray] = {}
    for name, (hits, in_curve) in curves.items():
        p = hits.sum(axis=1) / in_curve.sum()
        se = _standard_errors(hits, in_curve, per_batch, p, batches is None)
        p_out[name], se_out[name] = p, np.where((p == 0) | (p == 1), 0.0, se)
    return Exceedance(ks=grid, p=p_out, mcse=se_out)


def _standard_errors(hits: np.ndarray, in_curve: np.ndarray, count: np.ndarray, p: np.ndarray, iid: bool) -> np.ndarray:
    r"""MCSE of each threshold's proportion (see :func:`exceedance`).

    ``hits`` (K, B): the curve's draws above each threshold per batch; ``in_curve`` (B,):
    the curve's draws per batch; ``count`` (B,): all draws per batch. The per-draw value
    is :math:`z_i = g_i (1[\mathrm{BCR}_i > k] - p) / \bar g` (the indicator itself for the
    mixture), whose batch sums are ``(hits - in_curve p) / share``. Independent draws:
    sd (ddof 1) of z over sqrt(n), with :math:`\sum z^2 = n_m p (1 - p) / \bar g^2` and mean 0.
    """
    n = float(count.sum())
    share = float(in_curve.sum()) / n
    used = count > 0
    blocks = int(used.sum())
    if n < 2:
        return np.zeros_like(p)
    if iid or blocks < 2:
        iid_se: np.ndarray = np.sqrt(in_curve.sum() * p * (1 - p) / share**2 / (n - 1)) / np.sqrt(n)
        return iid_se
    resid = (hits[:, used] - in_curve[used][None, :] * p[:, None]) / share
    return np.sqrt(blocks / (blocks - 1) * np.sum(resid**2, axis=-1)) / n
