"""Settings every stage shares, each defined once: paths, environment names, default seed, machine facts.

The cache root is ``$MCVALUE_CACHE_DIR`` if set, else the platform's user cache directory;
the paper's data files are looked for in ``$MCVALUE_DATA_DIR`` (or ``--data-dir``) first.
"""

import os
import platform
import sys
from collections.abc import Callable
from pathlib import Path

#: Environment variable naming a directory that holds the paper's three data files.
DATA_DIR_ENV = "MCVALUE_DATA_DIR"
#: Environment variable overriding the cache root (posteriors, cost sides, downloads).
CACHE_DIR_ENV = "MCVALUE_CACHE_DIR"
#: The seed of a run, of the cost model's fit and of the calibration's datasets unless a
#: prior file or option says otherwise: the date of the paper's data snapshot (2022-02-18).
DEFAULT_SEED = 20220218
#: The seed of ``mcvalue data collect``'s draw of two-week windows (``--seed``): another
#: constant than :data:`DEFAULT_SEED` because collected samples already carry it in their
#: manifests, and a new default would draw other windows.
WINDOW_SEED = 2022


def cache_dir() -> Path:
    """Return the cache root: ``$MCVALUE_CACHE_DIR`` if set, else the user cache directory.

    Returns
    -------
    pathlib.Path
        The directory (not created here).
    """
    import platformdirs

    override = os.environ.get(CACHE_DIR_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir("mcvalue"))


#: Where a long command's progress lines go: a function taking one line.
Log = Callable[[str], None]


def silent(_: str) -> None:
    """Drop a progress message."""


def to_stderr(line: str) -> None:
    """Print a progress message on standard error (standard output is kept for results and JSON)."""
    print(line, file=sys.stderr)


def cpu_model(cpuinfo: Path = Path("/proc/cpuinfo")) -> str:
    """Return the host CPU's model name (``/proc/cpuinfo``'s first ``model name``), for the run record.

    Parameters
    ----------
    cpuinfo : pathlib.Path
        The file to read (Linux's ``/proc/cpuinfo``); where it is missing or names no
        model, :func:`platform.processor` (or the machine type) stands in.
    """
    try:
        for line in cpuinfo.read_text(errors="replace").splitlines():
            key, _, value = line.partition(":")
            if key.strip() == "model name":
                return value.strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()
