r"""Value of information: EVPI and per-input EVPPI of the decision "invest in MLOSS" at thresholds k.

Net benefit per draw :math:`NB = \text{benefit} - k \cdot \text{cost}` (USD per year); the
options are invest (NB) or not (0).

* EVPI :math:`= E[\max(NB, 0)] - \max(E[NB], 0)` on every draw, with the delta-method
  MCSE of :math:`\max(NB, 0) - NB \cdot 1[\overline{NB} > 0]` (``batches`` count the FTE pool).
* EVPPI of input x (Strong & Oakley 2014): :math:`g(x) = E[NB \mid x]` is estimated by
  regression and EVPPI :math:`= \overline{\max(\hat g, 0)} - \max(\overline{\hat g}, 0)`.
  A 1-D input: least-squares restricted cubic spline in x (``knots`` knots at quantiles of
  x, linear beyond the outer knots; Harrell 2015, sec. 2.4.5). A 2-D input (the (n, 5) FTE
  draws): additive spline in each column (``group_knots`` knots each), exact for the
  engine's model because E[NB | FTE row] is linear in the row's five FTE values when the
  method is independent of the rest. A categorical input: group means. Benefit and cost
  are fitted once (the fit is linear in the response) and combined for every k at once.

The regressions run on the first ``subsample`` draws (the engine's draws are in random
order): their cost grows with n, and their Monte Carlo error is stated with them. It is by
batch means: the estimate is repeated on ``batches`` contiguous batches of the sub-sample
and se = sd(batch estimates) / sqrt(batches). The default, the first 100,000 draws,
costs a factor sqrt(2) in se against a 200,000-draw run and keeps every EVPPI's se within
1.5% of its threshold's EVPI at k = 10 and 100 on the default run (0.5% and 1.2%; 3.2% at
k = 1, where the EVPI is 4e-5 of the expected net benefit); docs/decision.md gives the figures.

Bias: the regression estimator is biased upward, because noise in :math:`\hat g` that
crosses zero adds to :math:`\overline{\max(\hat g, 0)}`. With residual sd σ and leverages
:math:`h_i`, :math:`\hat g_i` carries noise of sd :math:`\sigma\sqrt{h_i}`, and the
reported ``bias`` is the plug-in :math:`\frac1n\sum_i [s_i\varphi(\hat g_i/s_i) -
|\hat g_i|\Phi(-|\hat g_i|/s_i)]`, :math:`s_i = \sigma\sqrt{h_i}`. In the worst case (E[NB]
= 0, an input that does not matter) the estimator's expectation is about
:math:`\sigma(\sqrt{p} - 1)/\sqrt{2\pi n}` with p fitted parameters. Treat EVPPI values not
clearly above ``bias + 2 se`` as indistinguishable from 0.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.decision.common import DEFAULT_THRESHOLDS, METHOD_INPUT, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

#: Draws the EVPPI regressions use (the first ones of the run).
DEFAULT_SUBSAMPLE = 100_000
DECISION = "invest in MLOSS iff E[benefit - k cost] > 0"


@dataclass(frozen=True)
class Evppi:
    """EVPPI of one input at one threshold, its batch-means se and its plug-in upward bias (USD per year)."""

    input: str
    value: float
    se: float
    bias: float


@dataclass(frozen=True)
class VoiThreshold:
    """EVPI and every input's EVPPI at one threshold k."""

    k: float
    expected_nb: float
    evpi: float
    evpi_se: float
    evppi: tuple[Evppi, ...]

    def to_dict(self) -> dict[str, Any]:
        """Return the threshold's entry as summary.json holds it."""
        return {
            "k": self.k,
            "expected_nb": self.expected_nb,
            "evpi": self.evpi,
            "evpi_se": self.evpi_se,
            "evppi": [{"input": e.input, "value": e.value, "se": e.se, "bias": e.bias} for e in self.evppi],
        }


@dataclass(frozen=True)
class ValueOfInformation:
    """EVPI and EVPPI at each threshold (:func:`value_of_information`); ``subsample``: draws the regressions used."""

    thresholds: tuple[VoiThreshold, ...]
    subsample: int
    unit: str = "USD per year"
    decision: str = DECISION

    def at(self, k: float) -> VoiThreshold:
        """Return the entry of threshold k (ValueError if absent)."""
        for entry in self.thresholds:
            if entry.k == k:
                return entry
        raise ValueError(f"no threshold k = {k} in the value-of-information table")

    def to_dict(self) -> dict[str, Any]:
        """Return the top-level ``voi`` block of summary.json."""
        return jsonable({"unit": self.unit, "decision": self.decision, "thresholds": [t.to_dict() for t in self.thresholds]})

    def to_df(self) -> pd.DataFrame:
        """Return one row per threshold and input (with the threshold's EVPI beside each EVPPI)."""
        import pandas as pd

        return pd.DataFrame(
            [
                {"k": t.k, "expected_nb": t.expected_nb, "evpi": t.evpi, "evpi_se": t.evpi_se, "input": e.input,
                 "evppi": e.value, "evppi_se": e.se, "evppi_bias": e.bias}
                for t in self.thresholds
                for e in t.evppi
            ]
        )

    def plot(self, k: float = 100.0, *, ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
        """Draw the EVPPI at threshold k (:func:`mcvalue.decision.plotting.evppi_bars`); return the Axes."""
        from mcvalue.decision.plotting import evppi_bars

        return evppi_bars(self.at(k), ax=ax, labels=labels)


def _cube_pos(z: np.ndarray) -> np.ndarray:
    """Return max(z, 0) cubed (by multiplication: much faster than ``** 3``)."""
    z = np.maximum(z, 0.0)
    cube: np.ndarray = z * z * z
    return cube


def _spline_columns(x: np.ndarray, knots: int) -> list[np.ndarray]:
    r"""Restricted (natural) cubic spline columns of x, no intercept (Harrell 2015, sec. 2.4.5).

    Knots :math:`t_1 < \dots < t_K` at the quantiles linspace(0.025, 0.975, K) of x; x and
    the knots are rescaled by :math:`t_K - t_1`. Columns: x and, for j = 1 .. K - 2,
    :math:`(x - t_j)_+^3 - (x - t_{K-1})_+^3 \frac{t_K - t_j}{t_K - t_{K-1}} + (x - t_K)_+^3
    \frac{t_{K-1} - t_j}{t_K - t_{K-1}}`. Fewer than 3 distinct knots: x alone.
    """
    t = np.unique(np.quantile(x, np.linspace(0.025, 0.975, knots)))
    if t.size < 2 or t[-1] == t[0]:
        return [x - x.mean()]
    scale = t[-1] - t[0]
    xs, t = (x - t[0]) / scale, (t - t[0]) / scale
    columns = [xs]
    if t.size >= 3:
        last, before = t[-1], t[-2]
        for tj in t[:-2]:
            columns.append(
                _cube_pos(xs - tj)
                - _cube_pos(xs - before) * ((last - tj) / (last - before))
                + _cube_pos(xs - last) * ((before - tj) / (last - before))
            )
    return columns


def _orthonormal_basis(x: np.ndarray, knots: int) -> np.ndarray:
    r"""Orthonormal basis (n x rank) of the intercept and an additive spline in each column of x.

    Columns are centred and scaled, then orthonormalised: eigen-decomposition of the Gram
    matrix (dropping directions below 1e-14 of the largest eigenvalue), then one Cholesky
    QR pass that restores the orthogonality lost to rounding (CholeskyQR2).
    """
    x = x.reshape(x.shape[0], -1)
    columns = [c for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0 for c in _spline_columns(x[:, j], knots)]
    design = np.empty((x.shape[0], 1 + len(columns)))
    design[:, 0] = 1.0
    for j, column in enumerate(columns, start=1):
        sd = column.std()
        design[:, j] = (column - column.mean()) / (sd if sd > 0 else 1.0)
    w, v = np.linalg.eigh(design.T @ design)
    keep = w > w.max() * 1e-14
    q = design @ (v[:, keep] / np.sqrt(w[keep]))
    r = np.linalg.cholesky(q.T @ q).T
    return q @ np.linalg.inv(r)


def _normal_evpi(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    r"""E[max(X, 0)] - max(E X, 0) for X ~ N(mean, sd^2): :math:`s\varphi(m/s) - |m|\Phi(-|m|/s)`."""
    from scipy.special import ndtr

    mean, sd = np.broadcast_arrays(np.abs(mean), np.maximum(sd, 1e-300))
    out = np.zeros(mean.shape)
    near = mean < 9.0 * sd  # beyond 9 sd the value is below 1e-19 sd: skip exp and ndtr there
    z = mean[near] / sd[near]
    out[near] = sd[near] * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) - mean[near] * ndtr(-z)
    return out


def _evppi(fitted: np.ndarray, ks: np.ndarray) -> np.ndarray:
    """Return mean(max(f, 0)) - max(mean(f), 0) over the last axis, f = fitted benefit - k fitted cost, per k.

    ``fitted``: (..., n, 2); returns (K, ...).
    """
    f = fitted[None, ..., 0] - ks.reshape(-1, *([1] * fitted.ndim))[..., 0] * fitted[None, ..., 1]
    return np.mean(np.maximum(f, 0.0), axis=-1) - np.maximum(np.mean(f, axis=-1), 0.0)


def _fit_input(x: np.ndarray, y: np.ndarray, categorical: bool, knots: int, batches: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Fit E[y | x] on all rows and on each of ``batches`` equal contiguous batches.

    Returns the fitted values (n, 2), the leverages (n,) and the batch fits (batches, n / batches, 2).
    """
    n = y.shape[0]
    size = n // batches
    if categorical:
        _, labels = np.unique(x, return_inverse=True)
        groups = int(labels.max()) + 1
        counts = np.bincount(labels, minlength=groups)
        means = np.column_stack([np.bincount(labels, weights=y[:, c], minlength=groups) for c in range(2)]) / np.maximum(counts, 1)[:, None]
        batch_of = np.arange(n) // size
        keyed = batch_of * groups + labels
        b_counts = np.bincount(keyed, minlength=batches * groups + groups)
        b_means = np.column_stack([np.bincount(keyed, weights=y[:, c], minlength=b_counts.size) for c in range(2)]) / np.maximum(b_counts, 1)[:, None]
        fitted_batches = b_means[keyed[: batches * size]].reshape(batches, size, 2)
        return means[labels], 1.0 / counts[labels], fitted_batches
    q = _orthonormal_basis(x, knots)
    fitted = q @ (q.T @ y)
    leverage = np.einsum("ij,ij->i", q, q)
    qb = q[: batches * size].reshape(batches, size, -1)
    yb = y[: batches * size].reshape(batches, size, 2)
    qt = qb.transpose(0, 2, 1)
    beta = np.linalg.pinv(qt @ qb, hermitian=True) @ (qt @ yb)
    return fitted, leverage, qb @ beta


def value_of_information(
    benefit: np.ndarray,
    cost: np.ndarray,
    params: Mapping[str, np.ndarray],
    ks: Sequence[float] = DEFAULT_THRESHOLDS,
    *,
    categorical: Sequence[str] = (METHOD_INPUT,),
    knots: int = 5,
    group_knots: int = 4,
    batches: int = 20,
    subsample: int | None = DEFAULT_SUBSAMPLE,
    evpi_batches: np.ndarray | None = None,
) -> ValueOfInformation:
    """EVPI and per-input EVPPI of the decision "invest in MLOSS" at each threshold k (see the module docstring).

    Parameters
    ----------
    benefit, cost : numpy.ndarray
        Per-draw benefit and cost per year (USD), length n, in the engine's random order.
    params : mapping of str to numpy.ndarray
        Each input's per-draw values: (n,) or (n, d) for a grouped input.
    ks : sequence of float
        Thresholds (default 1 and 100).
    categorical : sequence of str
        Names in ``params`` to treat as categorical (group means).
    knots, group_knots : int
        Spline knots for a 1-D input, and per column of a grouped input.
    batches : int
        Number of batches for the EVPPI standard errors.
    subsample : int or None
        Draws the EVPPI regressions use (the first ones); None: all.
    evpi_batches : numpy.ndarray, optional
        Batch label of each draw for the EVPI's MCSE (:func:`mcvalue.engine.mcse.simulation_batches`);
        None: independent draws.

    Returns
    -------
    ValueOfInformation
        One entry per threshold, ascending as given.

    """
    with one_blas_thread():
        return _value_of_information(benefit, cost, params, ks, categorical, knots, group_knots, batches, subsample, evpi_batches)


def one_blas_thread() -> contextlib.AbstractContextManager[object]:
    """Limit BLAS to one thread if threadpoolctl is installed (else do nothing).

    The regressions multiply tall-skinny matrices, where BLAS threads gain nothing and, on
    a shared machine, lose several times the time spinning.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up
        return contextlib.nullcontext()
    limits: contextlib.AbstractContextManager[object] = threadpool_limits(limits=1, user_api="blas")
    return limits


def _value_of_information(
    benefit: np.ndarray,
    cost: np.ndarray,
    params: Mapping[str, np.ndarray],
    ks: Sequence[float],
    categorical: Sequence[str],
    knots: int,
    group_knots: int,
    batches: int,
    subsample: int | None,
    evpi_batches: np.ndarray | None,
) -> ValueOfInformation:
    """Do the work of :func:`value_of_information` (same arguments)."""
    from mcvalue.engine.mcse import mcse_of_mean

    y_all = np.column_stack([np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)])
    n_all = y_all.shape[0]
    if not np.all(np.isfinite(y_all)):
        raise ValueError("benefit and cost must be finite")
    n = n_all if subsample is None else min(int(subsample), n_all)
    y = y_all[:n]
    k_arr = np.array([float(k) for k in ks])
    zeros = np.zeros(k_arr.size)
    per_input: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    for name, x in params.items():
        x = np.asarray(x)
        if x.shape[0] != n_all:
            raise ValueError(f"{name}: {x.shape[0]} draws, expected {n_all}")
        x = x[:n]
        if np.ptp(x.reshape(n, -1), axis=0).max() == 0:
            per_input[name] = (zeros, zeros, zeros)
            continue
        is_cat = name in categorical
        fitted, leverage, batch_fits = _fit_input(x if is_cat else x.astype(float), y, is_cat, knots if x.ndim == 1 else group_knots, batches)
        values = _evppi(fitted, k_arr)
        ses = np.std(_evppi(batch_fits, k_arr), axis=1, ddof=1) / np.sqrt(batches)
        resid = y - fitted
        g = fitted[:, 0][None, :] - k_arr[:, None] * fitted[:, 1][None, :]
        sigma = np.std(resid[:, 0][None, :] - k_arr[:, None] * resid[:, 1][None, :], axis=1)
        biases = np.mean(_normal_evpi(g, sigma[:, None] * np.sqrt(leverage)[None, :]), axis=1)
        per_input[name] = (values, ses, biases)
    entries = []
    for i, k in enumerate(k_arr):
        nb = y_all[:, 0] - k * y_all[:, 1]
        mean_nb = float(nb.mean())
        positive = np.maximum(nb, 0.0)
        evpi = float(np.mean(positive) - max(mean_nb, 0.0))
        linear = positive - (nb if mean_nb > 0 else 0.0)
        evppi = tuple(Evppi(name, float(v[0][i]), float(v[1][i]), float(v[2][i])) for name, v in per_input.items())
        entries.append(VoiThreshold(float(k), mean_nb, evpi, float(mcse_of_mean(linear, evpi_batches)), evppi))
    return ValueOfInformation(thresholds=tuple(entries), subsample=n)
