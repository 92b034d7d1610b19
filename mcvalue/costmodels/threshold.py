r"""The activity-threshold costing method: FTE without a reference repository (issue 26).

Robles et al.'s threshold model (MSR 2014; Empirical Software Engineering 2022; the tool
``git2effort``) counts a developer as full-time in a period when their activity reaches a
threshold ``t``, and as the fraction ``activity / t`` below it. Per two-week window::

    FTE of a contributor-period = min(a / t_w, 1),     t_w = t * 14 / (365.25 / 2)

with ``t`` the threshold per six months (the sources' unit, prior ``cost.activity_threshold``)
and ``a`` the contributor-period's activity: its commits on the paper's sample, its
distinct active days where a collected sample's contributions carry ``active_days``
(the bootstrap counts them; the Bayesian model, which prices commits, scales its curve by the
sample's ratio of the two, :func:`mcvalue.costmodels.in_active_days`). The FTE
of the sample is, as for the contributors method, the sum over repos of the mean over a
repo's windows of the sum over its contributor-periods. Sync accounts are left out, as in
the contributors method (they are not one engineer): so with ``min(a / t, 1) <= 1`` the
method's FTE never exceeds the contributors method's, and reaches it as ``t -> 0``.

The threshold is a Monte Carlo prior, the posterior is fitted once. The cost models
therefore hand the simulation each FTE draw's *curve* on a fixed grid of thresholds
(:data:`GRID`, per window), and :func:`curve_at` evaluates it at each Monte Carlo draw's
threshold. Activity is an integer >= 1, so on ``[k, k + 1]`` for an integer ``k`` every
contributor-period's ``min(a / t, 1)`` is ``1`` (if ``a > k``) or ``a / t``: the FTE is
exactly ``A + B / t`` there, and interpolating linearly in ``1 / t`` between integer grid
points is exact. Beyond 16 the grid is coarser (exact only where no activity falls
between two grid points); above its last point the FTE is ``F(g_max) g_max / t``, exact
when no contributor-period has ``g_max`` or more. Below 1 every contributor counts fully.

On the Bayesian model, the expected fraction of a contributor-period of repo ``r`` in a
new window is, with ``C = 1 + NB(m e^{eps}, alpha)`` and ``eps ~ N(0, window_sd^2)``::

    E[min(C / g, 1)] = 1 - sum_{c < g} (1 - c / g) P(C = c)

integrated over ``eps`` by Gauss-Hermite quadrature (:func:`expected_fraction`), times the
repo's expected active contributors (the contributors likelihood; the model takes the
count and the commits per contributor as independent).
"""

from __future__ import annotations

from typing import cast

import numpy as np

from mcvalue.vocab.paper import METHOD_KEYS, THRESHOLD_KEY

#: The prior quantity: the threshold per six months (the unit of Robles et al. and git2effort).
QUANTITY = "cost.activity_threshold"
#: Two-week windows per six months: a threshold per six months times this is one per window.
WINDOW_PER_SIX_MONTHS = 14.0 / (365.25 / 2.0)
#: Thresholds per window at which the cost models give each draw's FTE: every integer to 16
#: (exact interpolation, see the module docstring), then a tail to 48 (~626 per six months;
#: the default prior's 99.9th percentile is ~13 per window). The largest point sets the
#: cost of :func:`expected_fraction` (one NB probability per count below it).
GRID: np.ndarray = np.array([*range(1, 17), 20, 24, 32, 48], dtype=float)
#: Columns of the five Table 1 methods in an FTE pool row; the curve on GRID follows them.
TABLE1_COLUMNS = len(METHOD_KEYS) - 1
#: Width of an FTE pool row: the five Table 1 FTE figures, then the threshold FTE on GRID.
POOL_WIDTH = TABLE1_COLUMNS + GRID.size
#: Gauss-Hermite nodes integrating a window effect out of the expected fraction.
QUADRATURE_NODES = 7
#: Elements (draws x points x nodes x counts) per block of :func:`expected_fraction`: ~32 MB a temporary.
BLOCK_ELEMENTS = 4_000_000
#: Where the threshold method is in METHOD_KEYS.
THRESHOLD_INDEX = METHOD_KEYS.index(THRESHOLD_KEY)


def per_window(threshold_six_months: np.ndarray | float) -> np.ndarray:
    """Return thresholds per six months as thresholds per two-week window (times 14 / 182.625).

    Examples
    --------
    >>> round(float(per_window(12.0)), 3), round(float(per_window(75.0)), 3)
    (0.92, 5.749)
    """
    return np.asarray(threshold_six_months, dtype=float) * WINDOW_PER_SIX_MONTHS


def capped_fractions(activity: np.ndarray, grid: np.ndarray = GRID) -> np.ndarray:
    """Return ``min(a / g, 1)`` of each contributor-period's activity at each threshold, (N, G)."""
    return cast(np.ndarray, np.minimum(np.asarray(activity, dtype=float)[:, None] / np.asarray(grid, dtype=float)[None, :], 1.0))


def curve_at(curve: np.ndarray, threshold: np.ndarray | float, grid: np.ndarray = GRID) -> np.ndarray:
    """Evaluate FTE curves on ``grid`` at thresholds per window: linear in ``1 / t`` between grid points.

    Parameters
    ----------
    curve : numpy.ndarray
        ``(n, G)`` FTE at each grid threshold, one row per draw.
    threshold : float or numpy.ndarray
        The threshold per window, one or ``(n,)``; positive.
    grid : numpy.ndarray
        ``(G,)`` increasing thresholds, the first 1 (below it every contributor counts fully).

    Returns
    -------
    numpy.ndarray
        ``(n,)``: ``curve[:, 0]`` at or below ``grid[0]``, ``curve[:, -1] grid[-1] / t`` above the last point.

    Examples
    --------
    >>> grid = np.array([1.0, 2.0, 4.0])
    >>> curve = np.array([[2.0, 1.5, 1.0]])   # one contributor with 1 commit, one with 3 ...
    >>> round(float(curve_at(curve, 1.5, grid)[0]), 12)   # ... min(1/1.5, 1) + min(3/1.5, 1)
    1.666666666667
    """
    curve = np.asarray(curve, dtype=float)
    t = np.broadcast_to(np.asarray(threshold, dtype=float), curve.shape[:1])
    inv_grid, inv_t = 1.0 / grid, 1.0 / np.maximum(t, grid[0])
    k = np.clip(np.searchsorted(grid, t, side="left") - 1, 0, grid.size - 2)
    rows = np.arange(curve.shape[0])
    w = (inv_grid[k] - inv_t) / (inv_grid[k] - inv_grid[k + 1])
    inside = (1.0 - w) * curve[rows, k] + w * curve[rows, k + 1]
    return cast(np.ndarray, np.where(t > grid[-1], curve[:, -1] * grid[-1] / t, inside))


def method_fte(pool_rows: np.ndarray, threshold: np.ndarray | float | None) -> np.ndarray:
    """Return each costing method's FTE, ``(n, 6)`` in METHOD_KEYS order, from FTE pool rows and thresholds.

    ``pool_rows`` is ``(..., POOL_WIDTH)``: the five Table 1 figures, then the threshold
    method's curve on :data:`GRID`; or ``(..., 5)``, the Table 1 figures alone (a pool
    built without the method). ``threshold`` is per six months (the prior's unit); None (a
    scenario without ``cost.activity_threshold``) or a pool without the curve leaves the
    method's FTE NaN.
    """
    rows = np.asarray(pool_rows, dtype=float)
    if rows.shape[-1] not in (TABLE1_COLUMNS, POOL_WIDTH):
        raise ValueError(f"FTE pool rows must have {TABLE1_COLUMNS} or {POOL_WIDTH} columns, got {rows.shape}")
    if threshold is None or rows.shape[-1] == TABLE1_COLUMNS:
        column = np.full(rows.shape[:-1], np.nan)
    else:
        flat = rows.reshape(-1, rows.shape[-1])
        t = np.broadcast_to(per_window(threshold), rows.shape[:-1]).reshape(-1)
        column = curve_at(flat[:, TABLE1_COLUMNS:], t).reshape(rows.shape[:-1])
    return np.concatenate([rows[..., :TABLE1_COLUMNS], column[..., None]], axis=-1)


def expected_fraction(
    mean_extra: np.ndarray, alpha: np.ndarray, window_sd: np.ndarray, grid: np.ndarray = GRID, scale: np.ndarray | None = None
) -> np.ndarray:
    """Return ``E[min(C / g, 1)]`` for ``C = 1 + NB(mean_extra e^eps, alpha)``, ``eps ~ N(0, window_sd^2)``, per grid point.

    Parameters
    ----------
    mean_extra : numpy.ndarray
        ``(D, E)`` mean of ``C - 1`` before the window effect (PyMC's NB mean), per draw and evaluation point.
    alpha, window_sd : numpy.ndarray
        ``(D,)`` the NB dispersion (variance ``mu + mu^2 / alpha``) and the window effects' sd.
    grid : numpy.ndarray
        ``(G,)`` thresholds per window, positive.
    scale : numpy.ndarray, optional
        ``(D, E)`` weights (e.g. expected contributors over a repo's window count): then the
        result is summed over the points, ``(D, G)``, in blocks of draws, so no ``(D, E, G)``
        array is ever held.

    Returns
    -------
    numpy.ndarray
        ``(D, E, G)``, or ``(D, G)`` with ``scale``; the window effect is integrated out by :data:`QUADRATURE_NODES`-point
        Gauss-Hermite quadrature, the NB exactly (its pmf up to the largest threshold).
    """
    from scipy.special import gammaln

    grid = np.asarray(grid, dtype=float)
    counts = np.arange(1, int(np.ceil(grid.max())))  # c < g for some grid point g
    weights_c = np.clip(1.0 - counts[:, None] / grid[None, :], 0.0, None)  # (Y, G): (1 - c/g)+
    nodes, gh_weights = np.polynomial.hermite.hermgauss(QUADRATURE_NODES)
    gh_weights = gh_weights / np.sqrt(np.pi)
    y = (counts - 1).astype(float)
    mean_extra, alpha, window_sd = (np.asarray(a, dtype=float) for a in (mean_extra, alpha, window_sd))
    scale = None if scale is None else np.asarray(scale, dtype=float)
    out = np.empty(mean_extra.shape[:1] + ((grid.size,) if scale is not None else mean_extra.shape[1:] + (grid.size,)))
    step = max(1, BLOCK_ELEMENTS // (mean_extra.shape[1] * QUADRATURE_NODES * counts.size))
    for start in range(0, mean_extra.shape[0], step):
        block = slice(start, start + step)
        a = alpha[block][:, None, None, None]
        m = mean_extra[block][:, :, None, None] * np.exp(np.sqrt(2.0) * window_sd[block][:, None, None, None] * nodes[None, None, :, None])
        log_coef = gammaln(y + a) - gammaln(a) - gammaln(y + 1.0)
        pmf = np.subtract(log_coef, a * np.log1p(m / a))  # log P(C = c), built and exponentiated in place: two (b, E, Q, Y) arrays fewer
        pmf += y * (np.log(m) - np.log(a + m))
        np.exp(pmf, out=pmf)
        below = pmf @ weights_c  # (b, E, Q, G): sum_c (1 - c/g)+ P(C = c)
        fraction = 1.0 - np.tensordot(below, gh_weights, axes=([2], [0]))
        out[block] = fraction if scale is None else np.einsum("be,beg->bg", scale[block], fraction)
    return out
