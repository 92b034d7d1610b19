"""Cache of a run's data-driven cost side: FTE draws, PPC replicates, diagnostics, provenance.

Loading the sample, reading the cached posterior and checking it take seconds that a
re-run after editing a benefit prior does not need: none of it depends on the prior
quantities. An entry lives in ``cache_dir()/cost_sides/<key>/`` where the key hashes the
cost model, the data mode and cleaning options, the data files' sha256, the bootstrap
seed, the target year, the years of a stock and the source code of the installed
``mcvalue`` package (so any code change invalidates it; hashing the whole package cannot
miss a dependency, and a miss costs only seconds because the posterior has its own cache).

Entries are verified, never trusted: ``entry.json`` records the schema version, the key,
and the sha256 of every array file, and ``entry.seal`` holds the HMAC of ``entry.json``'s
bytes under the cache's secret key (:mod:`mcvalue.costmodels.seal`), so every file of an
entry is covered and a consistent forgery of ``entry.json`` and its hashes does not
verify. Each file is read once, bounded in size and only if it is a regular file
(:func:`mcvalue.io.files.read_regular`: a FIFO or a device is refused, not waited on), and
the bytes that were verified are the bytes parsed. The FTE must be a
``(m, POOL_WIDTH)`` array whose every column is finite and positive or all NaN (a method the
sample cannot price; the FTE by year of a stock, if any, likewise ``(m, Y, POOL_WIDTH)``).
Any failure removes the entry and recomputes it with one warning. Entries are
written to a temporary directory (files fsynced) and renamed into place, so a kill never
leaves a half-written entry under a real key; two runs writing the same key at once both
succeed and one entry is kept. A cache that cannot be written (read-only, full disk)
degrades to running without it, with one warning. No figures are cached: the report
draws them from the replicates stored here.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
from functools import cache as _memo
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import numpy as np

import mcvalue
from mcvalue.config import cache_dir
from mcvalue.costmodels import seal
from mcvalue.costmodels.side import CostSide
from mcvalue.costmodels.threshold import POOL_WIDTH, TABLE1_COLUMNS
from mcvalue.io.files import FileRefused, read_regular
from mcvalue.io.jsontext import to_jsonable

if TYPE_CHECKING:
    from mcvalue.priors.spec import CleaningOptions

#: Bumped whenever the layout of an entry changes; older entries are recomputed.
SCHEMA_VERSION = 4
_ENTRY = "entry.json"
_SEAL = "entry.seal"
_SEAL_PURPOSE = "mcvalue cost-side entry"
#: The largest entry file read back: an entry.json is a few kB, arrays a few MB (draws x 5 floats, PPC replicates).
_MAX_RECORD_BYTES = 16 * 2**20
_MAX_ARRAY_BYTES = 1024 * 2**20
_FTE = "fte.npy"
_FTE_BY_YEAR = "fte_by_year.npy"
_PPC = "ppc.npz"


@_memo
def source_digest() -> str:
    """Return the sha256 over the source and data files of the installed mcvalue package (path and bytes).

    Data files (``*.csv``, e.g. the top-100 cut's measurements) count: a cost side drawn
    from them is stale when they change.
    """
    root = Path(mcvalue.__file__).parent
    digest = hashlib.sha256()
    for path in sorted([*root.rglob("*.py"), *root.rglob("*.csv")]):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(
    model: str,
    mode: str,
    cleaning: CleaningOptions,
    files: dict[str, str],
    seed: int | None,
    target_year: int | str | None = None,
    stock_years: tuple[int, ...] = (),
    trend_structure: str | None = None,
) -> str:
    """Return the cache key of one cost side (``seed`` only for models that draw from it, ``target_year`` for pymc).

    ``stock_years``: the years whose FTE a stock needs (empty under the flow basis);
    ``trend_structure``: the pymc cost model's time-trend structure (None for the others).
    """
    material = {
        "schema": SCHEMA_VERSION,
        "source": source_digest(),
        "model": model,
        "mode": mode,
        "cleaning": cleaning.to_dict(),
        "files": dict(sorted(files.items())),
        "seed": seed,
        "target_year": target_year,
        "stock_years": list(stock_years),
        "trend_structure": trend_structure,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


def entry_dir(cache_key: str) -> Path:
    """Return where the entry of ``cache_key`` lives."""
    return cache_dir() / "cost_sides" / cache_key


def _write_synced(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` and fsync it, so a rename after it publishes whole bytes."""
    with open(path, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _ppc_arrays(cost: CostSide) -> dict[str, np.ndarray]:
    """Return the PPC's observed and replicated arrays, flattened into named arrays for ``np.savez``."""
    arrays: dict[str, np.ndarray] = {}
    if cost.ppc is None:
        return arrays
    for quantity, observed in cost.ppc.observed.items():
        arrays[f"observed__{quantity}"] = np.asarray(observed, dtype=float)
        replicates = cost.ppc.replicated[quantity]
        arrays[f"lengths__{quantity}"] = np.array([len(r) for r in replicates], dtype=np.int64)
        arrays[f"replicated__{quantity}"] = np.concatenate(replicates) if replicates else np.empty(0)
    return arrays


def save(cache_key: str, cost: CostSide) -> tuple[str, ...]:
    """Store an entry atomically; return warnings (a cache that cannot be written is skipped)."""
    target = entry_dir(cache_key)
    staging: Path | None = None
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        key = seal.secret(create=True)
        if key is None:
            raise OSError(f"its key {seal.KEY_FILE} cannot be made")
        staging = Path(tempfile.mkdtemp(prefix=f".{cache_key}.", suffix=".partial", dir=target.parent))
        buffers = {_FTE: io.BytesIO()}
        np.save(buffers[_FTE], np.asarray(cost.fte, dtype=float), allow_pickle=False)
        if cost.fte_by_year is not None:
            buffers[_FTE_BY_YEAR] = io.BytesIO()
            np.save(buffers[_FTE_BY_YEAR], np.asarray(cost.fte_by_year, dtype=float), allow_pickle=False)
        arrays = _ppc_arrays(cost)
        if arrays:
            buffers[_PPC] = io.BytesIO()
            np.savez(buffers[_PPC], **arrays)  # type: ignore[arg-type]  # numpy's stub types **arrays as if a key could be allow_pickle
        hashes = {}
        for name, buffer in buffers.items():
            data = buffer.getvalue()
            _write_synced(staging / name, data)
            hashes[name] = hashlib.sha256(data).hexdigest()
        record = {
            "schema": SCHEMA_VERSION,
            "key": cache_key,
            "files": hashes,
            "model": cost.model,
            "description": cost.description,
            "diagnostics": to_jsonable(cost.diagnostics),
            "data": cost.data,
            "posterior_path": None if cost.posterior_path is None else str(cost.posterior_path),
            "years": list(cost.years),
        }
        # keys in the order the cost side made them: a run from the cache writes the same summary.json bytes
        entry = json.dumps(record).encode("utf-8")
        _write_synced(staging / _ENTRY, entry)
        _write_synced(staging / _SEAL, seal.seal(entry, _SEAL_PURPOSE, key).encode("ascii"))
        os.rename(staging, target)
    except OSError as error:
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)
        if target.is_dir() and (target / _ENTRY).is_file():
            return ()  # a concurrent run stored the same entry first: keep it
        return (f"cost-side cache {target.parent}: cannot be written ({error.strerror or error}); running without it",)
    return ()


def _verified_files(directory: Path, cache_key: str) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Return the entry's record and the bytes of every file it lists, each read once and verified; ValueError if not.

    ``entry.json`` must carry the seal of its exact bytes under the cache's key, the
    schema and key of this entry, and the sha256 of every array file; those bytes are
    what the caller parses.
    """
    entry = _read(directory, _ENTRY, _MAX_RECORD_BYTES)
    stored = _read(directory, _SEAL, 1024).decode("ascii", errors="replace")
    if not seal.verify(entry, _SEAL_PURPOSE, stored, seal.secret(create=False)):
        raise ValueError(f"{_ENTRY} does not match its seal (edited, damaged or sealed under another cache key)")
    record = json.loads(entry.decode("utf-8"))
    if not isinstance(record, dict) or record.get("schema") != SCHEMA_VERSION or record.get("key") != cache_key:
        raise ValueError("written by another version or under another key")
    files = record.get("files")
    if not isinstance(files, dict) or _FTE not in files:
        raise ValueError("lists no FTE file")
    contents = {}
    for name, expected in files.items():
        if name not in (_FTE, _FTE_BY_YEAR, _PPC):
            raise ValueError(f"lists an unknown file {name!r}")
        contents[name] = _read(directory, name, _MAX_ARRAY_BYTES)
        if hashlib.sha256(contents[name]).hexdigest() != expected:
            raise ValueError(f"{name} fails its checksum")
    return record, contents


def _read(directory: Path, name: str, limit: int) -> bytes:
    """Return the bytes of one file of an entry (read once, bounded); ValueError naming the file if it is refused."""
    try:
        return read_regular(directory / name, limit)
    except FileRefused as refused:
        raise ValueError(f"{name}: {refused}") from None


def _array(data: bytes) -> np.ndarray:
    """Parse the bytes of one ``.npy`` file (no pickles)."""
    return cast(np.ndarray, np.load(io.BytesIO(data), allow_pickle=False))


def _priced(fte: np.ndarray) -> bool:
    """Tell whether every column (last axis) is finite and positive throughout, or NaN throughout (a method not priced)."""
    columns = fte.reshape(-1, fte.shape[-1])
    unpriced = np.isnan(columns).all(axis=0)
    return bool(np.all(np.isfinite(columns[:, ~unpriced])) and np.all(columns[:, ~unpriced] > 0))


def _valid_fte(fte: np.ndarray) -> np.ndarray:
    """Return the FTE pool if it is a (m, POOL_WIDTH) (or Table 1 only, (m, 5)) float array of priced or all-NaN columns; ValueError if not."""
    if fte.ndim != 2 or fte.shape[1] not in (POOL_WIDTH, TABLE1_COLUMNS) or fte.shape[0] < 1 or fte.dtype.kind != "f":
        raise ValueError(f"FTE array has shape {fte.shape}, not (draws, {POOL_WIDTH})")
    if not _priced(fte):
        raise ValueError("FTE array holds non-finite or non-positive values")
    return fte


def _valid_fte_by_year(fte_by_year: np.ndarray, rows: int, years: list[int]) -> np.ndarray:
    """Return the FTE by year if it is a (rows, len(years), POOL_WIDTH) float array of priced or all-NaN columns; ValueError if not."""
    if fte_by_year.shape[:2] != (rows, len(years)) or fte_by_year.shape[2:] not in ((POOL_WIDTH,), (TABLE1_COLUMNS,)) or fte_by_year.dtype.kind != "f":
        width = fte_by_year.shape[-1] if fte_by_year.shape[-1] in (POOL_WIDTH, TABLE1_COLUMNS) else POOL_WIDTH
        raise ValueError(f"FTE-by-year array has shape {fte_by_year.shape}, not ({rows}, {len(years)}, {width})")
    if not _priced(fte_by_year):
        raise ValueError("FTE-by-year array holds non-finite or non-positive values")
    return fte_by_year


def _load_ppc(data: bytes) -> Any:
    """Rebuild the PPC (observed, replicates, p-value table) from the bytes of the stored ``.npz``."""
    from mcvalue.costmodels.pymc.ppc import PosteriorPredictive

    with np.load(io.BytesIO(data), allow_pickle=False) as stored:
        quantities = [name.split("__", 1)[1] for name in stored.files if name.startswith("observed__")]
        observed = {q: stored[f"observed__{q}"] for q in quantities}
        replicated = {}
        for q in quantities:
            bounds = np.cumsum(stored[f"lengths__{q}"])[:-1]
            replicated[q] = list(np.split(stored[f"replicated__{q}"], bounds))
    return PosteriorPredictive.from_arrays(observed, replicated)


def load(cache_key: str) -> tuple[CostSide | None, tuple[str, ...]]:
    """Return the verified entry of ``cache_key`` as a cost side, or None and a warning.

    An absent entry gives (None, ()); one that fails any check is removed and gives
    (None, (warning,)), so the caller recomputes it.
    """
    directory = entry_dir(cache_key)
    if not directory.exists():
        return None, ()
    try:
        record, contents = _verified_files(directory, cache_key)
        fte = _valid_fte(_array(contents[_FTE]))
        ppc = _load_ppc(contents[_PPC]) if _PPC in contents else None
        posterior = record.get("posterior_path")
        years = [int(year) for year in record["years"]]
        by_year = None
        if _FTE_BY_YEAR in contents:
            by_year = _valid_fte_by_year(_array(contents[_FTE_BY_YEAR]), fte.shape[0], years)
        cost = CostSide(
            record["model"], fte, record["description"], record["diagnostics"], record["data"], ppc,
            None if posterior is None else Path(posterior), by_year, tuple(years),
        )
    except (OSError, ValueError, KeyError, TypeError, IndexError, EOFError, RecursionError) as error:
        _remove(directory)
        return None, (f"cost-side cache entry {directory} was damaged ({error}); removed and recomputed",)
    return cost, ()


def _remove(directory: Path) -> None:
    """Delete a damaged entry (a file or a directory); ignore what cannot be deleted."""
    if directory.is_dir() and not directory.is_symlink():
        shutil.rmtree(directory, ignore_errors=True)
    else:
        try:
            directory.unlink()
        except OSError:
            pass
