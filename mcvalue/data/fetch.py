"""Get the paper's data files onto the machine: pinned, hash-checked, cached.

The three files come from github.com/Yichabod/OSML_value at one fixed commit, so every
user analyses the same bytes. A file is looked up, in order, in

1. the ``data_dir`` the caller names (``--data-dir``),
2. ``$MCVALUE_DATA_DIR``,
3. the user cache (``mcvalue.config.cache_dir() / "data"``),
4. a download into that cache (pooch; the file is streamed to a temporary name and only
   moved into place when its sha256 matches, so a bad download never stays cached).

A directory named by the user must hold the file with the right hash: a missing or
different file is a :class:`~mcvalue.errors.DataError` naming the file and both hashes,
never a silent fallback to another copy.
"""

import hashlib
import os
import re
from pathlib import Path
from urllib.parse import quote

from mcvalue.config import DATA_DIR_ENV, cache_dir
from mcvalue.errors import DataError

#: The paper's repository at the commit the analysis is pinned to.
REPOSITORY = "Yichabod/OSML_value"
COMMIT = "9dd8e64df0d0cc381e56d9f44a5ae883ce834242"
BASE_URL = f"https://raw.githubusercontent.com/{REPOSITORY}/{COMMIT}/"

RAW_FILE = "scraped_contributor_information_for_repos.csv"
FLAT_FILE = "2022-02-18 - contributions.csv"
TOOLS_FILE = "Copy of List of tools for MLOps_v4 - Tools.csv"

#: sha256 of each file at :data:`COMMIT` (as in the upstream repository).
SHA256: dict[str, str] = {
    RAW_FILE: "e6300e67115c3803128b2b5c8990e34782ec5ca3ba49eaf3cb671cdcf3b3d8e3",
    FLAT_FILE: "a74e9084a46c542203b68d8ee10e744c62579fbed42eab95013ac5198279818f",
    TOOLS_FILE: "5b069b29766c5c92e797b50d21cf95f7d61b3dd1d68fe7ce1ea09f9088fc16a6",
}
DATA_FILES: tuple[str, ...] = tuple(SHA256)


HOW_TO_SUPPLY = (
    "supply the paper's data files with --data-dir DIR or MCVALUE_DATA_DIR=DIR, "
    "or run `mcvalue data fetch` while online"
)
_DOWNLOAD_TIMEOUT_S = 30


def file_url(name: str) -> str:
    """Return the pinned download URL of one data file (its name URL-encoded)."""
    return BASE_URL + quote(name)


def data_cache_dir() -> Path:
    """Where downloaded data files are kept."""
    return cache_dir() / "data"


def sha256_of(path: Path) -> str:
    """Return the sha256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def provenance(names: tuple[str, ...] = DATA_FILES) -> dict[str, str]:
    """File name -> sha256 of each data file, as recorded in every output.

    Files are only ever used after their hash matched :data:`SHA256`, so the pinned
    hashes are exactly the hashes of the bytes analysed.
    """
    return {name: SHA256[name] for name in names}


def _check_known(name: str) -> None:
    if name not in SHA256:
        raise DataError(f"unknown data file {name!r}; expected one of {', '.join(DATA_FILES)}")


def _verified_local(name: str, directory: Path, origin: str) -> Path:
    """Return the file in a user-named directory, refused if missing or not the pinned bytes."""
    path = directory / name
    if not path.is_file():
        raise DataError(f"{origin} {directory} has no file {name!r} (expected sha256 {SHA256[name]})")
    actual = sha256_of(path)
    if actual != SHA256[name]:
        raise DataError(
            f"{path}: sha256 {actual} does not match the pinned sha256 {SHA256[name]}; "
            f"this is not the file at {REPOSITORY}@{COMMIT[:10]}"
        )
    return path


def _download(name: str, directory: Path) -> Path:
    """Fetch one file into ``directory`` with pooch unless a verified copy is there."""
    import pooch
    import requests

    pooch.get_logger().setLevel("WARNING")
    url = file_url(name)
    try:
        fetched = pooch.retrieve(
            url,
            known_hash=f"sha256:{SHA256[name]}",
            fname=name,
            path=directory,
            downloader=pooch.HTTPDownloader(progressbar=False, timeout=_DOWNLOAD_TIMEOUT_S),
        )
    except requests.exceptions.RequestException as error:
        raise DataError(f"cannot download {name!r} ({type(error).__name__}); {HOW_TO_SUPPLY}") from None
    except ValueError as error:
        got = re.search(r"but got ([0-9a-f]{64})", str(error))
        raise DataError(
            f"downloaded {name!r} from {url} has sha256 {got[1] if got else '(unknown)'}, "
            f"expected {SHA256[name]}; the file was deleted, not cached"
        ) from None
    except OSError as error:
        raise DataError(f"cannot write {name!r} to {directory}: {error.strerror or error}") from None
    return Path(fetched)


def locate(name: str, data_dir: Path | None = None) -> Path:
    """Path of one verified data file, following the lookup order in the module doc."""
    _check_known(name)
    if data_dir is not None:
        return _verified_local(name, Path(data_dir), "--data-dir")
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return _verified_local(name, Path(env), DATA_DIR_ENV)
    return _download(name, data_cache_dir())


def fetch(dest: Path | None = None) -> dict[str, Path]:
    """Download all data files (if not already there, verified) into ``dest`` or the cache.

    This is ``mcvalue data fetch``: with ``dest`` the files land in that directory, which
    can then be passed as ``--data-dir`` or ``$MCVALUE_DATA_DIR``.
    """
    directory = Path(dest) if dest is not None else data_cache_dir()
    return {name: _download(name, directory) for name in DATA_FILES}
