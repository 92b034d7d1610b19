"""The Sobol design's scrambled Sobol' sequence: scipy's points, bit for bit, and a (0, m, 1)-net in every dimension."""

import numpy as np
import pytest

from mcvalue.decision.sobol_sequence import direction_numbers, scrambled_sobol


@pytest.mark.parametrize(("d", "n", "seed"), [(1, 8, 0), (2, 4, 1), (5, 64, 123), (28, 2**13, 987654321)])
def test_points_equal_scipys(d, n, seed):
    qmc = pytest.importorskip("scipy.stats.qmc")
    assert np.array_equal(scrambled_sobol(d, n, seed), qmc.Sobol(d=d, scramble=True, seed=seed).random(n))


def test_direction_numbers_of_the_first_dimensions_by_hand():
    # Dimension 0: m_k = 1, so v_k = 2**(29 - k). Dimension 1: x + 1 (degree 1), m_1 = 1 and
    # m_k = 2 m_{k-1} xor m_{k-1} = 3 m_{k-1} in GF(2) arithmetic: 1, 3, 5, 15, 17, 51 (Bratley and Fox 1988, table 1).
    v = direction_numbers(2)
    assert list(v[0, :4]) == [2**29, 2**28, 2**27, 2**26]
    assert [int(x) >> (29 - k) for k, x in enumerate(v[1, :6])] == [1, 3, 5, 15, 17, 51]


@pytest.mark.parametrize("m", [3, 10])
def test_every_dimension_has_one_point_per_stratum(m):
    # A scrambled Sobol' sequence stays a (0, m, 1)-net in each coordinate: its first 2**m
    # points fall one in each interval [k / 2**m, (k + 1) / 2**m).
    points = scrambled_sobol(6, 2**m, seed=7)
    for column in points.T:
        assert np.array_equal(np.sort(np.floor(column * 2**m)), np.arange(2**m))


def test_too_many_points_is_refused():
    with pytest.raises(ValueError, match="at most 2\\*\\*3 points"):
        scrambled_sobol(2, 9, seed=1, bits=3)
