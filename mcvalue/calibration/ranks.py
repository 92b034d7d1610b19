"""Ranks of simulation-based calibration (Talts et al. 2018, arXiv:1804.06788).

If the fit computes the posterior correctly, the true value of a quantity is a draw from
its posterior, so its rank among ``L`` independent posterior draws is uniform on
``0..L``. Consecutive MCMC draws are correlated; Talts et al. thin them to make the ranked
draws nearly independent. Here ``L`` draws are taken evenly spaced over all chains' draws.
"""

from __future__ import annotations

import numpy as np


def thin_indices(n_draws: int, thinned: int) -> np.ndarray:
    """Return the indices of ``thinned`` draws evenly spaced over ``n_draws`` (first and last included).

    Raises ValueError if there are fewer draws than asked for.
    """
    if thinned > n_draws:
        raise ValueError(f"cannot keep {thinned} of {n_draws} draws")
    return np.linspace(0, n_draws - 1, thinned).astype(int)


def rank(draws: np.ndarray, truth: float, thinned: int) -> int:
    """Return the rank of ``truth`` among ``thinned`` evenly spaced ``draws``: how many are smaller (0..thinned).

    Examples
    --------
    >>> rank(np.array([0.3, 0.1, 0.5, 0.2, 0.4]), 0.35, 3)  # keeps 0.3, 0.5, 0.4
    1
    """
    draws = np.asarray(draws, dtype=float).ravel()
    return int((draws[thin_indices(draws.size, thinned)] < truth).sum())


def ranks(draws: dict[str, np.ndarray], truths: dict[str, float], thinned: int) -> dict[str, int]:
    """:func:`rank` of every quantity in ``truths`` (draws along axis 0), in ``truths``' order."""
    return {name: rank(draws[name], value, thinned) for name, value in truths.items()}


def bin_counts(values: np.ndarray, thinned: int, bins: int) -> np.ndarray:
    """Return the counts of ranks (0..thinned) in ``bins`` equal bins of the ``thinned + 1`` possible ranks.

    With ``thinned + 1`` a multiple of ``bins`` each bin holds the same number of ranks, so
    under uniform ranks every bin count has the same expectation.
    """
    return np.bincount(np.asarray(values, dtype=int) * bins // (thinned + 1), minlength=bins)


def uniformity_p(counts: np.ndarray) -> float:
    """Chi-square p-value of bin counts against equal expected counts (NaN without any count)."""
    from scipy import stats

    counts = np.asarray(counts)
    if counts.sum() == 0:
        return float("nan")
    return float(stats.chisquare(counts).pvalue)
