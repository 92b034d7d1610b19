r"""Monte Carlo standard errors that count the FTE pool's size and autocorrelation.

A run's n draws are not independent: draw i takes its FTE from row :math:`r_i` of a pool
of m rows (bootstrap replicates, iid; or posterior draws, autocorrelated within chains
and stored chain-major), drawn with replacement, so about n / m draws share each row.
Rerunning with another seed *and another pool* moves an estimate by more than
:math:`\sigma / \sqrt{n}`.

Derivation, for the mean :math:`\hat\theta = \frac1n \sum_i g_i` of a per-draw value
(the mean itself, an indicator 1[BCR > k], a linearised quantile). Write
:math:`g_i = h(r_i) + e_i` with :math:`h(r) = E[g \mid \text{pool row } r]` and
:math:`e_i` independent given the rows. Then, with :math:`\sigma^2 = \operatorname{Var} g`,
:math:`\sigma_h^2 = \operatorname{Var} h` and :math:`\tau` the integrated autocorrelation
time of :math:`h` along the pool (1 for an iid pool),

.. math::

    \operatorname{Var}\hat\theta \approx \frac{\sigma^2}{n} + \frac{\tau \sigma_h^2}{m},

the first term from the n draws (the resampling of rows included), the second from the
pool being one finite, autocorrelated sample of the FTE distribution. Both are estimated
at once by batch means over blocks of the pool: cut the pool into B contiguous blocks of
m / B rows and group the draws by the block of their row. Blocks much longer than
:math:`\tau` are nearly independent, and so are their draws' residuals, so the ratio
estimator's cluster variance

.. math::

    \widehat{\operatorname{Var}}\hat\theta = \frac{B}{B-1}\,\frac{1}{n^2}
        \sum_b \Big(\sum_{i \in b} g_i - n_b \hat\theta\Big)^2

estimates both terms (the block sums carry the pool's dependence; the random block sizes
:math:`n_b` are handled by centring each block at :math:`n_b\hat\theta`). With every draw
in its own block it is exactly the iid :math:`s^2 / n`.
A quantile's MCSE follows from the MCSE of the proportion below it: its effective sample
size :math:`p(1-p)/\mathrm{MCSE}^2` replaces n in the order-statistic method.

:data:`N_BATCHES` = 50 blocks: the relative standard error of the estimated MCSE is about
:math:`1/\sqrt{2(B-1)}` = 10%, and a posterior pool of ~6,000 draws in 4 chains gives
blocks of ~120 draws, far longer than the autocorrelation time of converged NUTS draws.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from scipy import special

if TYPE_CHECKING:
    from mcvalue.engine.simulate import Simulation

#: Number of contiguous blocks of the FTE pool used as batches.
N_BATCHES = 50
#: Standard-normal probabilities of -1 and +1 sd: the order statistics bracketing a
#: quantile's +-1 standard error (ArviZ's method).
_ONE_SD_PROBS = (0.1586553, 0.8413447)


def pool_batches(fte_row: np.ndarray, pool_rows: int, n_batches: int = N_BATCHES) -> np.ndarray | None:
    """Batch label of each draw: which of ``n_batches`` contiguous blocks of the pool its FTE row lies in.

    Returns None for a pool of one row (its FTE is a constant: the draws are independent).
    """
    if pool_rows < 2:
        return None
    blocks = min(n_batches, pool_rows)
    return (np.asarray(fte_row, dtype=np.int64) * blocks) // pool_rows


def simulation_batches(simulation: Simulation, n_batches: int = N_BATCHES) -> np.ndarray | None:
    """Batch labels of a run's draws: the block of its FTE pool each draw's row lies in."""
    return pool_batches(simulation.fte_row, simulation.fte_pool_rows, n_batches)


def mcse_of_mean(values: np.ndarray, batches: np.ndarray | None = None) -> float:
    """Monte Carlo standard error of the mean of per-draw ``values`` (the module's estimator).

    ``batches`` labels each draw's batch (:func:`pool_batches`); None treats the draws
    as independent (sd / sqrt(n)). A constant array has no error.
    """
    values = np.asarray(values, dtype=float)
    n = values.size
    if n < 2 or np.ptp(values) == 0:
        return 0.0
    if batches is None:
        return float(np.std(values, ddof=1) / np.sqrt(n))
    counts = np.bincount(batches)
    used = counts > 0
    blocks = int(used.sum())
    if blocks < 2:
        return float(np.std(values, ddof=1) / np.sqrt(n))
    resid = np.bincount(batches, weights=values)[used] - counts[used] * values.mean()
    return float(np.sqrt(blocks / (blocks - 1) * np.sum(resid**2)) / n)


def _indicator_mcse(k: int, batches_sorted: np.ndarray) -> tuple[float, float]:
    """Return :func:`mcse_of_mean` of the indicator of the first ``k`` of n sorted draws, and its mean k / n.

    The same floats as building the 0/1 array and calling :func:`mcse_of_mean` on it (its
    sums of ones are exact integers), without making the array: per batch, the count of
    indicator ones is the count of the batch's labels among the first k.
    """
    n = batches_sorted.size
    p = k / n
    if n < 2 or k in (0, n):  # a constant indicator has no error
        return 0.0, p
    counts = np.bincount(batches_sorted)
    used = counts > 0
    blocks = int(used.sum())
    if blocks < 2:
        return float(np.std((np.arange(n) < k).astype(float), ddof=1) / np.sqrt(n)), p
    ones = np.bincount(batches_sorted[:k], minlength=counts.size).astype(float)
    resid = ones[used] - counts[used] * p
    return float(np.sqrt(blocks / (blocks - 1) * np.sum(resid**2)) / n), p


def mcse_of_quantile(sorted_draws: np.ndarray, prob: float, batches_sorted: np.ndarray | None = None) -> float:
    """Monte Carlo standard error of the ``prob`` quantile of draws (sorted ascending).

    ArviZ's order-statistic method with the effective sample size of the indicator
    1[draw <= quantile] (:func:`mcse_of_mean` over the batches; n for independent draws):
    the quantile's rank is Beta(ess p + 1, ess (1 - p) + 1) in [0, 1]; half the distance
    between the draws at its 15.9% and 84.1% points, scaled to n, is one standard error.
    ``batches_sorted`` are the batch labels in the sorted draws' order.
    """
    n = sorted_draws.size
    if sorted_draws[0] == sorted_draws[-1]:
        return 0.0
    ess = float(n)
    if batches_sorted is not None:
        se, p = _indicator_mcse(int(np.ceil(prob * n)), np.asarray(batches_sorted))
        ess = p * (1 - p) / se**2 if se > 0 else float(n)
    ranks = special.betaincinv(ess * prob + 1, ess * (1 - prob) + 1, np.asarray(_ONE_SD_PROBS)) * n - 1  # the Beta's ppf
    low = sorted_draws[int(np.floor(np.clip(ranks[0], 0, n - 1)))]
    high = sorted_draws[int(np.ceil(np.clip(ranks[1], 0, n - 1)))]
    return float((high - low) / 2)
