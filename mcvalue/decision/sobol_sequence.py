"""The scrambled Sobol' sequence of the Sobol design: scipy's, kept in the cache between runs.

The points are ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed).random(n)``. They
depend only on the dimension, the number of points, the seed and scipy, not on any prior,
while importing ``scipy.stats`` costs ~0.5 s: so a re-run after a prior edit reads them
from ``cache_dir()/sobol/`` instead (a ``.npy`` file sealed like every cache entry, keyed
by those four things; :func:`mcvalue.costmodels.seal.cached_bytes`). An entry that fails
its seal or does not hold a (n, d) array of floats in [0, 1) is made again by scipy.
"""

from __future__ import annotations

import hashlib
import io

import numpy as np

_PURPOSE = "mcvalue sobol design"


def _scipy_points(d: int, n: int, seed: int) -> bytes:
    """Return scipy's first ``n`` scrambled Sobol' points in dimension ``d`` as ``.npy`` bytes."""
    from scipy.stats import qmc

    buffer = io.BytesIO()
    np.save(buffer, qmc.Sobol(d=d, scramble=True, seed=seed).random(n), allow_pickle=False)
    return buffer.getvalue()


def _points_of(data: bytes, d: int, n: int) -> np.ndarray | None:
    """Return the (n, d) points an entry holds, or None if it holds anything else."""
    try:
        points = np.load(io.BytesIO(data), allow_pickle=False)
    except ValueError:
        return None
    valid = points.shape == (n, d) and points.dtype == np.float64 and bool(np.all((points >= 0.0) & (points < 1.0)))
    return points if valid else None


def scrambled_sobol(d: int, n: int, seed: int) -> np.ndarray:
    """Return the first ``n`` points of the ``d``-dimensional scrambled Sobol' sequence, (n, d) in [0, 1).

    Parameters
    ----------
    d : int
        Dimension.
    n : int
        Number of points (a power of 2 keeps the sequence balanced).
    seed : int
        Seed of the scrambling.

    Returns
    -------
    numpy.ndarray
        ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed).random(n)``, from the cache
        when a verified entry holds it.
    """
    import scipy

    from mcvalue.config import cache_dir
    from mcvalue.costmodels.seal import cached_bytes

    key = hashlib.sha256(f"{d} {n} {seed} scipy {scipy.__version__}".encode()).hexdigest()
    path = cache_dir() / "sobol" / f"{key}.npy"
    limit = 1024 + 8 * n * d
    points = _points_of(cached_bytes(path, _PURPOSE, limit, lambda: _scipy_points(d, n, seed)), d, n)
    if points is None:  # sealed, yet not the design asked for: use scipy's, leave the entry
        points = np.load(io.BytesIO(_scipy_points(d, n, seed)), allow_pickle=False)
    return points
