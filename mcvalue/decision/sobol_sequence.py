r"""The scrambled Sobol' sequence of the Sobol design, built with numpy alone.

The sequence is the one ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed).random(n)``
gives (30 bits, Joe and Kuo's direction numbers, linear matrix scrambling plus a digital
shift, points in Gray-code order), point for point and bit for bit; importing
``scipy.stats`` for it cost ~0.7 s of every run. A test compares the two.

The steps, for dimension :math:`j` with primitive polynomial of degree :math:`m` and
coefficients :math:`a_1 \dots a_{m-1}`, and :math:`B = 30` bits:

* direction numbers (Bratley and Fox 1988, Joe and Kuo 2008): the first :math:`m`
  integers :math:`m_k` are Joe and Kuo's, the rest follow
  :math:`m_k = 2 a_1 m_{k-1} \oplus 2^2 a_2 m_{k-2} \oplus \dots \oplus 2^m m_{k-m}
  \oplus m_{k-m}`, and :math:`v_k = m_k 2^{B-1-k}` (dimension 0: :math:`m_k = 1`);
* scrambling (Owen 2003, "Variance with alternative scramblings of digital nets"): a
  random lower-triangular binary matrix :math:`L` with unit diagonal maps every
  :math:`v_k`, bit :math:`B-1-p` of the result being the parity of row :math:`p` of
  :math:`L` (read as a binary number) AND :math:`v_k`; a random :math:`B`-bit shift
  :math:`s` starts the sequence. Both are drawn from ``numpy.random.default_rng(seed)``:
  the shift bits first, shape (d, B), then the matrices, shape (d, B, B), each bit by
  ``integers(0, 2, dtype=uint32)``;
* point :math:`i` is :math:`2^{-B} (s \oplus \bigoplus_{k:\ \text{bit } k \text{ of }
  g(i)} v_k)` with :math:`g(i) = i \oplus \lfloor i/2 \rfloor`, the Gray code
  (Antonov and Saleev 1979).

The direction numbers are read from the table scipy ships (the first 21,201 dimensions of
Joe and Kuo's ``new-joe-kuo-6.21201``), without importing ``scipy.stats``.
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

#: Bits of every point (scipy's default): at most 2**30 points.
BITS = 30


@functools.cache
def _joe_kuo() -> tuple[np.ndarray, np.ndarray]:
    """Return Joe and Kuo's primitive polynomials (encoded as integers) and initial direction numbers."""
    import scipy

    table = np.load(Path(scipy.__file__).parent / "stats" / "_sobol_direction_numbers.npz")
    return table["poly"], table["vinit"]


def direction_numbers(d: int, bits: int = BITS) -> np.ndarray:
    """Return the (d, bits) unscrambled direction numbers :math:`v_k` of the first ``d`` dimensions."""
    poly, vinit = _joe_kuo()
    if d > poly.size:
        raise ValueError(f"the Sobol' sequence has at most {poly.size} dimensions, got {d}")
    m_k = np.ones((d, bits), dtype=np.int64)
    for dim in range(1, d):
        p = int(poly[dim])
        m = p.bit_length() - 1
        m_k[dim, :m] = vinit[dim, :m]
        for k in range(m, bits):
            value = int(m_k[dim, k - m])
            for i in range(m):
                if (p >> (m - 1 - i)) & 1:
                    value ^= int(m_k[dim, k - i - 1]) << (i + 1)
            m_k[dim, k] = value
    return (m_k << (bits - 1 - np.arange(bits))).astype(np.uint64)


def _parity(x: np.ndarray) -> np.ndarray:
    """Return the parity (0 or 1) of the set bits of each element of an unsigned integer array."""
    return np.bitwise_count(x) & 1


def scrambled_sobol(d: int, n: int, seed: int, bits: int = BITS) -> np.ndarray:
    """Return the first ``n`` points of the ``d``-dimensional scrambled Sobol' sequence, (n, d) in [0, 1).

    Parameters
    ----------
    d : int
        Dimension.
    n : int
        Number of points (a power of 2 keeps the sequence balanced).
    seed : int
        Seed of the scrambling (``numpy.random.default_rng(seed)``).
    bits : int
        Bits of every point (at most 32).

    Returns
    -------
    numpy.ndarray
        The points, equal to ``scipy.stats.qmc.Sobol(d, scramble=True, seed=seed).random(n)``.

    Examples
    --------
    >>> scrambled_sobol(2, 4, seed=1).shape
    (4, 2)
    """
    if not 0 < bits <= 32:
        raise ValueError(f"bits must be in 1..32, got {bits}")
    if n > 2**bits:
        raise ValueError(f"at most 2**{bits} points exist, got n={n}")
    rng = np.random.default_rng(seed)
    weights = 2 ** np.arange(bits, dtype=np.uint64)
    shift = rng.integers(2, size=(d, bits), dtype=np.uint32).astype(np.uint64) @ weights
    lower = np.tril(rng.integers(2, size=(d, bits, bits), dtype=np.uint32)).astype(np.uint64)
    lower[:, np.arange(bits), np.arange(bits)] = 1
    rows = lower @ weights[::-1]  # row p of each matrix as a number, column k worth 2**(bits-1-k)
    v = direction_numbers(d, bits)
    # bit bits-1-p of each scrambled v[dim, k]: the parity of row p AND v[dim, k]
    bit_of = _parity(rows[:, None, :] & v[:, :, None])  # (d, k, p)
    scrambled = bit_of @ weights[::-1]  # (d, k)
    gray = np.arange(n, dtype=np.uint64)
    gray ^= gray >> np.uint64(1)
    points = np.broadcast_to(shift, (n, d)).copy()
    for k in range(bits):
        on = ((gray >> np.uint64(k)) & np.uint64(1)).astype(bool)
        points[on] ^= scrambled[:, k]
    unit: np.ndarray = points * (1.0 / 2**bits)
    return unit
