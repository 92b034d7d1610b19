"""Cache of a run's data-driven cost side: FTE draws, diagnostics, provenance, PPC figures.

Loading the sample, reading the cached posterior and checking it take seconds that a
re-run after editing a benefit prior does not need: none of it depends on the prior
quantities. The cost side is stored under ``cache_dir()/cost_sides/<key>/`` where the key
hashes the cost model, the data mode and cleaning options, the bootstrap seed and the
source code of the installed ``mcvalue`` package (so any code change, the version string
in ``__init__.py`` included, invalidates it). Hashing the whole package rather than a
hand-kept list of the modules the cost side uses cannot miss a dependency, and a miss
costs seconds: the sample is re-read, and the fitted posterior comes from its own cache
(:mod:`mcvalue.fit`). The data files need not enter the key: only files matching the
pinned sha256 are ever used. Entries are written to a temporary directory and renamed;
an unreadable or mismatched entry is ignored (recomputed), never used.
"""

import hashlib
import json
import os
import shutil
import tempfile
from functools import cache as _memo
from pathlib import Path
from typing import Any

import numpy as np

import mcvalue
from mcvalue.data.tables import CleaningOptions
from mcvalue.paths import cache_dir

_FTE = "fte.npy"
_META = "meta.json"


@_memo
def source_digest() -> str:
    """sha256 over the source files of the installed mcvalue package (path and bytes)."""
    root = Path(mcvalue.__file__).parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*.py")):
        digest.update(str(path.relative_to(root)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def key(model: str, mode: str, cleaning: CleaningOptions, seed: int | None) -> str:
    """The cache key of one cost side (``seed`` only for models that draw from it)."""
    material = {
        "source": source_digest(),
        "model": model,
        "mode": mode,
        "cleaning": cleaning.to_dict(),
        "seed": seed,
    }
    return hashlib.sha256(json.dumps(material, sort_keys=True).encode()).hexdigest()[:32]


def entry_dir(cache_key: str) -> Path:
    """Where the entry of ``cache_key`` lives."""
    return cache_dir() / "cost_sides" / cache_key


def save(cache_key: str, fte: np.ndarray, meta: dict[str, Any], figures: dict[str, bytes]) -> None:
    """Store an entry atomically; an entry already there (a concurrent run) is kept."""
    target = entry_dir(cache_key)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{cache_key}.", dir=target.parent))
    try:
        np.save(staging / _FTE, np.asarray(fte, dtype=float))
        for stem, png in figures.items():
            (staging / f"{stem}.png").write_bytes(png)
        record = {"key": cache_key, "meta": meta, "figures": sorted(figures)}
        (staging / _META).write_text(json.dumps(record), encoding="utf-8")
        os.rename(staging, target)
    except OSError:
        shutil.rmtree(staging, ignore_errors=True)


def load(cache_key: str) -> tuple[np.ndarray, dict[str, Any], dict[str, bytes]] | None:
    """The entry's FTE draws, metadata and figures, or None if absent or unreadable."""
    directory = entry_dir(cache_key)
    try:
        record = json.loads((directory / _META).read_text(encoding="utf-8"))
        fte = np.load(directory / _FTE, allow_pickle=False)
        figures = {stem: (directory / f"{stem}.png").read_bytes() for stem in record["figures"]}
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.get("key") != cache_key or fte.ndim != 2 or fte.shape[1] != 5 or not np.all(np.isfinite(fte)):
        return None
    return fte, record["meta"], figures
