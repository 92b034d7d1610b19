"""Cache entries (issue 22, point 3): every file is covered, the entry record included; verified bytes are the bytes used.

The cost-side cache keeps ``entry.json`` (schema, key, sha256 of each array) sealed by
an HMAC under the cache's own key, and the posterior cache keeps the HMAC of the NetCDF
bytes beside them. Each damage here (a flipped bit in the record, a consistent forgery
of the record and its hashes, a truncated file, a FIFO or a device in place of a file)
must give back nothing but one warning, remove the entry, and never hand out a number.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from mcvalue.costmodels import CostSide, cache, seal

KEY = "0" * 32
FTE = np.array([[893.372, 10.0, 20.0, 30.0, 40.0], [900.0, 11.0, 21.0, 31.0, 41.0]])


@pytest.fixture
def entry(tmp_path, monkeypatch) -> Path:
    """Store one bootstrap-like cost side in a private cache; return its entry directory."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path / "cache"))
    cost = CostSide("bootstrap", FTE, "two draws", {"cost_model": "bootstrap", "divergences": 0, "converged": True}, {"mode": "clean"})
    assert cache.save(KEY, cost) == ()
    loaded, warnings = cache.load(KEY)
    assert warnings == () and np.array_equal(loaded.fte, FTE)  # the clean entry is used as stored
    return cache.entry_dir(KEY)


def _assert_rebuilt(entry: Path, says: str) -> None:
    """Assert the entry gives no cost side, one warning naming it and the reason, and is gone."""
    cost, warnings = cache.load(KEY)
    assert cost is None
    assert len(warnings) == 1 and warnings[0].startswith(f"cost-side cache entry {entry} was damaged (")
    assert says in warnings[0] and warnings[0].endswith("removed and recomputed")
    assert not entry.exists()


def test_a_flipped_bit_in_the_record_is_caught(entry):
    """One bit of the record flipped: divergences 0 -> 1 ('0' is 0x30, '1' 0x31), the JSON still valid."""
    record = bytearray((entry / "entry.json").read_bytes())
    at = record.index(b'"divergences": 0') + len(b'"divergences": ')
    record[at] ^= 0x01
    assert b'"divergences": 1' in record and json.loads(record)["diagnostics"]["divergences"] == 1
    (entry / "entry.json").write_bytes(bytes(record))
    _assert_rebuilt(entry, "entry.json does not match its seal")


def test_a_consistent_forgery_of_the_record_and_its_hashes_is_caught(entry):
    """FTE x1000 with the sha256 in entry.json recomputed and a plain sha256 'seal' of the new record: refused."""
    forged = FTE * 1000
    path = entry / "fte.npy"
    np.save(path, forged, allow_pickle=False)
    record = json.loads((entry / "entry.json").read_text())
    record["files"]["fte.npy"] = hashlib.sha256(path.read_bytes()).hexdigest()
    text = json.dumps(record).encode()
    (entry / "entry.json").write_bytes(text)
    (entry / "entry.seal").write_text(hashlib.sha256(text).hexdigest())
    _assert_rebuilt(entry, "entry.json does not match its seal")


def test_a_forgery_sealed_under_another_key_is_caught(entry):
    """The HMAC of the forged record under any key but the cache's own (here: all zeros) does not verify."""
    record = json.loads((entry / "entry.json").read_text())
    record["description"] = "forged"
    text = json.dumps(record).encode()
    (entry / "entry.json").write_bytes(text)
    (entry / "entry.seal").write_text(seal.seal(text, "mcvalue cost-side entry", bytes(32)))
    _assert_rebuilt(entry, "entry.json does not match its seal")


@pytest.mark.parametrize("name", ["fte.npy", "entry.json", "entry.seal"])
def test_a_truncated_file_is_caught(entry, name):
    path = entry / name
    path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])
    _assert_rebuilt(entry, {"fte.npy": "fte.npy fails its checksum"}.get(name, "entry.json does not match its seal"))


def test_a_deleted_key_makes_every_entry_rebuilt(entry):
    """Entries sealed under a key that is gone (a cache copied without its key) are rebuilt, never trusted."""
    (entry.parents[1] / seal.KEY_FILE).unlink()
    _assert_rebuilt(entry, "entry.json does not match its seal")


@pytest.mark.parametrize("name", ["fte.npy", "entry.json"])
def test_a_fifo_in_the_entry_is_refused_without_waiting(entry, name):
    """A FIFO nobody writes to: refused at once (opening it does not block), with one warning naming it."""
    (entry / name).unlink()
    os.mkfifo(entry / name)
    done = []
    reader = threading.Thread(target=lambda: done.append(cache.load(KEY)), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert done, "cache.load blocked on a FIFO"
    cost, warnings = done[0]
    assert cost is None and len(warnings) == 1 and f"{name}: not a regular file (a FIFO, socket or device)" in warnings[0]


def test_a_device_in_the_entry_is_refused_not_read(entry):
    """/dev/zero in place of fte.npy (through a symlink): refused by its type, never read without end."""
    (entry / "fte.npy").unlink()
    (entry / "fte.npy").symlink_to("/dev/zero")
    _assert_rebuilt(entry, "fte.npy: not a regular file")


def test_the_key_is_the_owners_alone(entry):
    key = entry.parents[1] / seal.KEY_FILE
    assert key.stat().st_mode & 0o777 == 0o600 and len(key.read_text().strip()) == 64


# --- the posterior cache: the sidecar is an HMAC of the NetCDF bytes ----------------------


@pytest.fixture
def posterior(tmp_path, monkeypatch) -> Path:
    """Save a stand-in posterior under the key ``k`` in a private cache; return its path."""
    from trace_helpers import iid_trace

    import mcvalue.costmodels.pymc.posterior_cache as posterior_cache

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path / "cache"))
    path = tmp_path / "cache" / "posteriors" / "k.nc"
    assert posterior_cache.save_posterior(iid_trace(np.random.default_rng(1), chains=2, draws=50), path, "k") is None
    assert posterior_cache.load_posterior(path, "k") is not None
    return path


def test_a_posterior_forged_with_a_matching_sha256_is_refitted(posterior):
    """A flipped byte with the sidecar rewritten to the new file's plain sha256: not loaded."""
    import mcvalue.costmodels.pymc.posterior_cache as posterior_cache

    blob = bytearray(posterior.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    posterior.write_bytes(bytes(blob))
    posterior_cache.checksum_path(posterior).write_text(hashlib.sha256(bytes(blob)).hexdigest() + "\n")
    assert posterior_cache.load_posterior(posterior, "k") is None


@pytest.mark.parametrize("damage", ["truncated", "fifo"])
def test_a_truncated_or_fifo_posterior_is_refitted_without_waiting(posterior, damage):
    import mcvalue.costmodels.pymc.posterior_cache as posterior_cache

    sidecar = posterior_cache.checksum_path(posterior)
    if damage == "truncated":
        posterior.write_bytes(posterior.read_bytes()[:1000])
    else:
        sidecar.unlink()
        os.mkfifo(sidecar)
    done = []
    reader = threading.Thread(target=lambda: done.append(posterior_cache.load_posterior(posterior, "k")), daemon=True)
    reader.start()
    reader.join(timeout=10)
    assert done == [None]


def _faked_fits(tmp_path, monkeypatch, attempts_taken):
    """fit_model_data with the sampler faked: each fit returns a short trace (failing its gates) recorded as taking ``attempts_taken[i]`` attempts.

    Returns (fit once, the list of sampler calls).
    """
    from types import SimpleNamespace

    from trace_helpers import iid_trace

    import mcvalue.costmodels.pymc.fit as fit
    from mcvalue.costmodels.pymc.attempts import ATTEMPTS_ATTR
    from mcvalue.costmodels.pymc.sampling import SamplerSettings

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path / "cache"))
    calls: list[int] = []

    def sample(*_args, **_kwargs):
        idata = iid_trace(np.random.default_rng(2), chains=2, draws=40)
        idata.posterior.attrs[ATTEMPTS_ATTR] = json.dumps({"attempts": attempts_taken[len(calls)], "sampler": {}, "first_attempt": None})
        calls.append(1)
        return idata

    monkeypatch.setattr(fit, "sample_until_converged", sample)
    monkeypatch.setattr(fit, "assess_posterior", lambda idata, data, sampler, path, from_cache, *_a, warnings=(), **_k: SimpleNamespace(
        cache_path=path, from_cache=from_cache, warnings=warnings))
    sampler = SamplerSettings(draws=40, tune=10, chains=2, seed=3)
    return (lambda: fit.fit_model_data(SimpleNamespace(digest=lambda: "stand-in"), sampler=sampler, progress=False)), calls


def test_a_failed_posterior_file_is_refitted_with_one_warning(tmp_path, monkeypatch):
    """fit_model_data meets a posterior whose sidecar is a forged plain sha256: one warning naming the file, then a refit."""
    from mcvalue.costmodels.pymc.attempts import MAX_ATTEMPTS
    from mcvalue.costmodels.pymc.posterior_cache import checksum_path

    once, calls = _faked_fits(tmp_path, monkeypatch, [MAX_ATTEMPTS] * 2)  # failing after every attempt: settled, served from the cache
    first = once()
    assert calls == [1] and first.warnings == () and once().from_cache and calls == [1]
    checksum_path(first.cache_path).write_text(hashlib.sha256(first.cache_path.read_bytes()).hexdigest() + "\n")
    again = once()
    assert calls == [1, 1] and not again.from_cache
    assert again.warnings == (f"posterior cache file {first.cache_path} failed its checks (damaged, edited or another version's); refitted",)
    assert once().from_cache and calls == [1, 1]  # the refit was cached under a good seal


def test_a_cached_posterior_that_gave_up_sooner_than_the_rule_now_does_is_refitted(tmp_path, monkeypatch):
    """A failing posterior drawn under the two-attempt rule (a genuine, sealed file) is sampled again, once, with one warning."""
    from mcvalue.costmodels.pymc.attempts import MAX_ATTEMPTS

    once, calls = _faked_fits(tmp_path, monkeypatch, [2, MAX_ATTEMPTS])
    first = once()
    again = once()
    assert calls == [1, 1] and not again.from_cache
    assert again.warnings == (f"posterior cache file {first.cache_path} failed its gates after fewer attempts than a fit now takes; refitted",)
    assert once().from_cache and calls == [1, 1]
