"""The resume cache of a collection: ``OUT/.repos/owner__name.json``, one entry per repository read, and the ``--out`` check.

Each entry is the sha256 of its JSON payload on the first line, then the payload: the
request it answers (its key) and the repository's record. Only the collecting process
reads and writes entries (tasks on Dask workers get the entry's content and return a
new one), so a collection on any cluster resumes from the directory it writes.
"""

import hashlib
import json
import re
from pathlib import Path
from typing import Any

from mcvalue.data.manifest import MANIFEST_FILE, Manifest, repository_problem
from mcvalue.data.repos import RepoSpec
from mcvalue.errors import DataError, McValueError
from mcvalue.io.files import read_bounded, write_atomic

#: A file in ``OUT/.repos`` that says mcvalue made the directory (an interrupted collection).
CACHE_MARKER = "MCVALUE_RESUME_CACHE"
MAX_CACHE_BYTES = 64 * 2**20
CACHE_DIR = ".repos"

_SHA256 = re.compile(r"[0-9a-f]{64}")
_TEMPORARY = re.compile(r"\.(contributions\.csv|periods\.csv|manifest\.json)\..*\.tmp")


def entry_bytes(key: dict[str, Any], record: dict[str, Any]) -> bytes:
    """Serialise a resume cache entry: the sha256 of the JSON payload on the first line, then the payload."""
    payload = json.dumps({"key": key, "record": record}, ensure_ascii=False).encode("utf-8")
    return hashlib.sha256(payload).hexdigest().encode("ascii") + b"\n" + payload


def read_entry(path: Path) -> tuple[dict[str, Any] | None, str | None]:
    """Return (the entry at ``path`` if intact, else None; a warning if it is damaged).

    The sha256 is checked on the bytes that are then parsed. A missing entry or one of
    the older layout (plain JSON) is not damage: it is silently read again.
    """
    try:
        data = read_bounded(path, MAX_CACHE_BYTES, "resume cache entry")
    except DataError as error:
        return None, (None if not path.exists() and not path.is_symlink() else f"{error}; read again")
    digest, newline, payload = data.partition(b"\n")
    if not newline or _SHA256.fullmatch(digest.decode("ascii", "replace")) is None:
        if data.lstrip().startswith(b"{"):  # written before entries carried a sha256
            return None, None
        return None, f"{path}: damaged resume cache entry (no sha256 line); read again"
    if hashlib.sha256(payload).hexdigest() != digest.decode("ascii"):
        return None, f"{path}: damaged resume cache entry (sha256 differs); read again"
    try:
        stored = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None, f"{path}: damaged resume cache entry (not JSON); read again"
    return (stored, None) if isinstance(stored, dict) else (None, None)


def matching_record(stored: dict[str, Any] | None, key: dict[str, Any], repo: str, where: str) -> tuple[dict[str, Any] | None, str | None]:
    """Return (the entry's record if it answers request ``key`` for ``repo`` and is well formed; a warning if it is not).

    An entry of another request is not damage (None, no warning); a record of the wrong
    shape or repository is, and ``where`` (the entry's path) names it in the warning.
    """
    if stored is None or stored.get("key") != key:
        return None, None
    record = stored.get("record")
    problem = repository_problem(record, with_authors=True)
    if problem or not isinstance(record, dict) or record["repo"] != repo:  # no problem: a dict
        return None, f"{where}: damaged resume cache entry ({problem or 'another repository'}); read again"
    return record, None


def entry_path(cache: Path, spec: RepoSpec) -> Path:
    """Where a repository's entry lives: ``cache/owner__name.json``."""
    return cache / (spec.repo.replace("/", "__") + ".json")


def _is_ours(out: Path) -> bool:
    """Whether ``out`` is empty, or holds only what an mcvalue collection writes (recognised by its manifest or resume cache marker)."""
    entries = {entry.name for entry in out.iterdir()}
    cache = out / CACHE_DIR
    if cache.is_symlink() or (cache.exists() and not cache.is_dir()):
        return False  # writing through it would write elsewhere
    marked = (cache / CACHE_MARKER).is_file() and not (cache / CACHE_MARKER).is_symlink()
    if CACHE_DIR in entries and not cache.is_symlink() and cache.is_dir() and not marked and any(cache.iterdir()):
        return False  # somebody else's .repos
    if (out / MANIFEST_FILE).is_file():
        try:
            Manifest.read(out / MANIFEST_FILE)
        except DataError:
            return False
        return True
    return all(name == CACHE_DIR or _TEMPORARY.fullmatch(name) for name in entries) and (marked or not entries - {CACHE_DIR})


def prepare_out(out: Path) -> Path:
    """Make sure ``out`` may be written (new, empty, or a sample mcvalue wrote) and return its resume cache directory."""
    out = Path(out)
    try:
        if out.is_symlink() or (out.exists() and not out.is_dir()):
            raise McValueError(f"--out {out}: not a directory")
        if out.exists() and not _is_ours(out):
            raise McValueError(
                f"--out {out}: holds files mcvalue did not write (no mcvalue manifest.json); "
                "choose a new or empty directory, nothing was changed"
            )
        cache = out / CACHE_DIR
        cache.mkdir(parents=True, exist_ok=True)
        if not (cache / CACHE_MARKER).exists():
            write_atomic(cache / CACHE_MARKER, b"resume cache of 'mcvalue data collect'\n")
    except OSError as error:
        raise McValueError(f"--out {out}: cannot create the output directory ({error.strerror or error})") from None
    return cache
