"""The Sobol design's points: scipy's scrambled Sobol' sequence, from a verified cache on a re-run."""

import io

import numpy as np
import pytest
from scipy.stats import qmc

from mcvalue.costmodels import seal
from mcvalue.decision import sobol_sequence
from mcvalue.decision.sobol_sequence import scrambled_sobol


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    return tmp_path / "sobol"


def _scipy(d, n, seed):
    return qmc.Sobol(d=d, scramble=True, seed=seed).random(n)


@pytest.mark.parametrize(("d", "n", "seed"), [(1, 8, 0), (5, 64, 123), (28, 2**13, 987654321)])
def test_points_are_scipys_made_and_read_back(cache, d, n, seed):
    made = scrambled_sobol(d, n, seed)
    assert len(list(cache.glob("*.npy"))) == 1
    assert np.array_equal(made, _scipy(d, n, seed))
    assert np.array_equal(scrambled_sobol(d, n, seed), made)


def test_a_reread_entry_does_not_call_scipy(cache, monkeypatch):
    first = scrambled_sobol(3, 16, 5)
    monkeypatch.setattr(sobol_sequence, "_scipy_points", lambda *args: pytest.fail("scipy called on a verified entry"))
    assert np.array_equal(scrambled_sobol(3, 16, 5), first)


def test_an_edited_entry_is_not_trusted(cache):
    scrambled_sobol(2, 8, 1)
    (entry,) = cache.glob("*.npy")
    mark, _, data = entry.read_bytes().partition(b"\n")
    forged = io.BytesIO()
    np.save(forged, np.zeros((8, 2)))
    entry.write_bytes(mark + b"\n" + forged.getvalue())
    assert np.array_equal(scrambled_sobol(2, 8, 1), _scipy(2, 8, 1))


def test_a_sealed_entry_of_another_shape_is_not_used(cache):
    scrambled_sobol(2, 8, 1)
    (entry,) = cache.glob("*.npy")
    wrong = io.BytesIO()
    np.save(wrong, np.full((4, 2), 0.5))
    entry.write_bytes(seal.seal(wrong.getvalue(), "mcvalue sobol design", seal.secret(create=False)).encode() + b"\n" + wrong.getvalue())
    assert np.array_equal(scrambled_sobol(2, 8, 1), _scipy(2, 8, 1))


def test_an_unwritable_cache_still_gives_the_points(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(blocker))
    assert np.array_equal(scrambled_sobol(2, 8, 1), _scipy(2, 8, 1))


def test_a_seal_is_the_hmac_of_purpose_nul_and_data_whether_bytes_or_a_view():
    """Entries sealed before the MAC was fed in two parts still verify: the same HMAC-SHA256 by definition."""
    import hashlib
    import hmac

    key, data = bytes(range(32)), b"posterior bytes \0 and more" * 1000
    expected = hmac.new(key, b"posterior\0" + data, hashlib.sha256).hexdigest()
    assert seal.seal(data, "posterior", key) == expected
    assert seal.seal(memoryview(data), "posterior", key) == expected
    assert seal.verify(data, "posterior", expected, key) and not seal.verify(data, "figure", expected, key)
