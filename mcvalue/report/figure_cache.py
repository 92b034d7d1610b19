"""Saved PNGs of the figures a benefit prior's edit cannot change (the PPC panels, the cost forest), reused across runs.

The posterior predictive panels draw only the fit's observed and replicated arrays, and
the cost forest only the cost quantiles by method, so a re-run after editing a benefit
prior (the cost side from its cache) would draw the very same pixels again: ~0.2-0.3 s of
CPU each. :func:`cached_png` keys each PNG by the sha256 of what it is drawn from (the
figure's name, the arrays' bytes, dtypes and shapes, the source of :mod:`mcvalue.plots`
and :mod:`mcvalue.vocab`, the matplotlib and mcvalue versions) and keeps it in
``cache_dir()/figures/<key>.png``, sealed like every cache entry
(:mod:`mcvalue.costmodels.seal`: the first line of the file is the HMAC of the PNG
bytes under the cache's key). An entry that fails its seal, or any error reading or
writing the cache, means the figure is simply drawn: the cache never changes a report,
only how fast it is written.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path

import numpy as np

_PURPOSE = "mcvalue figure"
#: The largest cached PNG read back (a report figure is ~50-150 KB).
_MAX_BYTES = 16 * 2**20


def figure_key(stem: str, arrays: Iterable[np.ndarray]) -> str:
    """Return the cache key of figure ``stem`` drawn from ``arrays`` by this code and this matplotlib."""
    import matplotlib

    import mcvalue

    digest = hashlib.sha256()
    for part in (stem, mcvalue.__version__, matplotlib.__version__):
        digest.update(part.encode() + b"\0")
    package_dir = Path(__file__).resolve().parents[1]
    for package in ("plots", "vocab"):  # every module of the plots package draws; vocab names and colours what it draws
        for source in sorted((package_dir / package).glob("*.py")):
            digest.update(source.name.encode() + b"\0" + source.read_bytes())
    for array in arrays:
        array = np.ascontiguousarray(array)
        digest.update(f"{array.dtype.str}{array.shape}".encode() + b"\0")
        digest.update(array.tobytes())
    return digest.hexdigest()


def cached_png(key: str, draw: Callable[[], bytes]) -> bytes:
    """Return the PNG bytes stored under ``key`` if their seal verifies, else ``draw()``'s (then stored)."""
    from mcvalue.config import cache_dir
    from mcvalue.costmodels.seal import cached_bytes

    return cached_bytes(cache_dir() / "figures" / f"{key}.png", _PURPOSE, _MAX_BYTES, draw)
