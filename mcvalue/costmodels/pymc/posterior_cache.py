"""The posterior cache on disk: its key, and saving and loading a posterior atomically and verified.

Cache: the posterior (an ArviZ 1 ``DataTree``, NetCDF via h5netcdf) goes to
``cache_dir()/posteriors/<key>.nc`` where the key hashes the cleaned data, the model
settings, the sampler and its settings and ``mcvalue.__version__``. The file is written under a
temporary name and renamed; the key and :data:`POSTERIOR_FORMAT` are stored in its
attributes and checked on load. A file that cannot be read, whose key differs, or that
was written in another format (ArviZ < 1's ``InferenceData``) is refitted, never used.
The two renames of a save (file, then its ``.sha256`` sidecar, which holds the HMAC of the
file's bytes under the cache's key, :mod:`mcvalue.costmodels.seal`) happen under a lock on
``posteriors/.lock``, so two fits saving one key at once never mix their files. A file is
read once (bounded, regular files only) and the bytes verified are the bytes parsed; one
that fails is refitted with one warning.

Separate from the fit (:mod:`mcvalue.costmodels.pymc.fit`) because it is file handling
(atomic renames, locks, seals, bounded reads) that a report also uses to read a run's
posterior back (:func:`read_posterior`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import mcvalue
from mcvalue.config import cache_dir
from mcvalue.costmodels import seal
from mcvalue.costmodels.pymc.diagnostics import convergence_diagnostics
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, REPO_VALUES, WINDOW_EFFECTS, ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.pymc.sampling import SamplerSettings
from mcvalue.io.files import read_regular

if TYPE_CHECKING:
    from xarray import DataTree

#: The posterior file format this version writes and accepts (ArviZ 1 DataTree in NetCDF).
POSTERIOR_FORMAT = "arviz1-datatree-netcdf"
_HASH_ATTR = "mcvalue_cache_key"
#: The posterior's convergence figures (JSON), computed once when it is sampled: R-hat and
#: ESS of all 1,527 elements take ~2 s, which a cached posterior need not pay again.
_DIAGNOSTICS_ATTR = "mcvalue_diagnostics"
_FORMAT_ATTR = "mcvalue_posterior_format"


def cache_key(data: ModelData, priors: ModelPriors, sampler: SamplerSettings) -> str:
    """sha256 over cleaned data, model settings, the sampler and its settings, and package version."""
    payload = {
        "data": data.digest(),
        "model": priors.settings(),
        "sampler": asdict(sampler),
        "version": mcvalue.__version__,
    }
    return hashlib.sha256(json.dumps(payload, sort_keys=True).encode()).hexdigest()


def posterior_path(key: str) -> Path:
    """Where the posterior with this cache key lives."""
    return cache_dir() / "posteriors" / f"{key}.nc"


def checksum_path(path: Path) -> Path:
    """Return the sidecar file holding the sha256 of the posterior file at ``path``."""
    return path.with_name(f"{path.name}.sha256")


_TMP_MARK = ".tmp-"
_SEAL_PURPOSE = "mcvalue posterior"
#: The largest posterior file read back (a fit's is a few MB).
_MAX_POSTERIOR_BYTES = 2048 * 2**20
#: The lock file, in the posterior cache directory, serialising the renames of a save.
LOCK_FILE = ".lock"


def _process_exists(pid: int) -> bool:
    """Whether a process with this pid exists (one we may not signal exists too)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_orphaned_temporaries(directory: Path) -> list[Path]:
    """Delete ``*.tmp-PID*`` files in ``directory`` whose writing process no longer exists; return them.

    A writer killed between creating its temporary file and renaming it leaves one behind;
    it is never read (only final names are), and this removes it.
    """
    removed = []
    for leftover in Path(directory).glob(f"*{_TMP_MARK}*"):
        pid = leftover.name.rsplit(_TMP_MARK, 1)[1].split(".", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _process_exists(int(pid)):
            leftover.unlink(missing_ok=True)
            removed.append(leftover)
    return removed


def save_posterior(idata: DataTree, path: Path, key: str) -> str | None:
    """Write the posterior and its sha256 sidecar atomically; return a warning if the cache is unwritable.

    The NetCDF bytes are made in memory first (HDF5 writing straight to a full disk
    crashes the process), then written to a temporary name, fsynced and renamed into
    place, then the checksum sidecar likewise: a file without a matching sidecar (a kill
    between the two renames, a flipped byte) is never read. A cache that cannot be written
    (read-only, full disk) leaves nothing behind and the fit is simply not cached.
    Temporary files of writers that were killed are removed first.
    """
    posterior_diagnostics(idata)  # kept in the file: a cached posterior need not recompute them
    idata.posterior.attrs[_HASH_ATTR] = key
    idata.posterior.attrs[_FORMAT_ATTR] = POSTERIOR_FORMAT
    blob = memoryview(idata.to_netcdf(engine="h5netcdf"))  # written and sealed as it is: a copy would add its 100+ MB to the peak
    tmp = path.with_name(f"{path.name}{_TMP_MARK}{os.getpid()}")
    tmp_sum = checksum_path(tmp)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        key_bytes = seal.secret(create=True)
        if key_bytes is None:
            raise OSError(f"its key {seal.KEY_FILE} cannot be made")
        remove_orphaned_temporaries(path.parent)
        _write_synced(tmp, blob)
        _write_synced(tmp_sum, (seal.seal(blob, _SEAL_PURPOSE, key_bytes) + "\n").encode("ascii"))
        with _cache_lock(path.parent):  # two fits saving one key at once never pair one's file with the other's sidecar
            os.replace(tmp, path)
            os.replace(tmp_sum, checksum_path(path))
    except OSError as error:
        return f"posterior cache {path.parent}: cannot be written ({error.strerror or error}); the fit is not cached"
    finally:
        tmp.unlink(missing_ok=True)
        tmp_sum.unlink(missing_ok=True)
    return None


@contextmanager
def _cache_lock(directory: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``directory/.lock`` (released by the kernel if the holder dies)."""
    import fcntl

    with open(directory / LOCK_FILE, "a") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        yield


def _write_synced(path: Path, data: bytes | memoryview) -> None:
    """Write ``data`` to a new file and fsync it (a full disk raises OSError here, not later)."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def load_posterior(path: Path, key: str) -> DataTree | None:
    """Return the cached InferenceData if the file is readable, complete and has this key; else None."""
    import arviz as az

    if not path.is_file():
        return None
    try:
        blob = read_regular(path, _MAX_POSTERIOR_BYTES)
        if not seal.verify(blob, _SEAL_PURPOSE, read_regular(checksum_path(path), 1024).decode("ascii"), seal.secret(create=False)):
            return None
        idata = az.from_netcdf(blob, engine="h5netcdf")  # the very bytes verified
        attrs = idata.posterior.attrs
        if attrs.get(_FORMAT_ATTR) != POSTERIOR_FORMAT or attrs.get(_HASH_ATTR) != key or "sample_stats" not in idata.children:
            return None
        missing = [v for v in HYPERPARAMETERS + REPO_EFFECTS + REPO_VALUES + WINDOW_EFFECTS if v not in idata.posterior.data_vars]
        return None if missing else idata.load()
    except Exception:  # noqa: BLE001 - any unreadable file (truncated, not NetCDF) means refit
        return None


def posterior_diagnostics(idata: DataTree) -> dict[str, Any]:
    """Return the posterior's convergence figures, computed once and kept in its attributes.

    A posterior loaded from the cache carries them (its file is sha256-verified); a fresh
    one, or a file written without them, has them computed and stored on the object, so
    that saving it keeps them.
    """
    attrs = idata.posterior.attrs
    if _DIAGNOSTICS_ATTR not in attrs:
        attrs[_DIAGNOSTICS_ATTR] = json.dumps(convergence_diagnostics(idata))
    return cast(dict[str, Any], json.loads(attrs[_DIAGNOSTICS_ATTR]))


def read_posterior(path: Path) -> DataTree | None:
    """Return the verified cached posterior at ``path`` (named by its cache key), or None."""
    return load_posterior(Path(path), Path(path).stem)
