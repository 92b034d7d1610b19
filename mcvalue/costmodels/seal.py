"""Seals for cache files: an HMAC-SHA256 under a secret that lives beside the cache, never in an entry.

A plain sha256 stored next to the bytes it covers proves nothing against an edit that
rewrites both (a consistent forgery). Every cache file is therefore covered, directly or
through a record that lists its sha256, by an HMAC keyed with ``cache_dir()/cache.key``:
32 random bytes made on first use, readable by the owner only (mode 0600). Without the
key, no edit of an entry, however consistent, verifies; an entry sealed under another key
(a cache copied without its key, a key deleted) is rebuilt. Whoever can read the key (the
cache's owner) can forge: no local scheme protects a user's files against that user.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from mcvalue.config import cache_dir
from mcvalue.io.files import read_regular

KEY_FILE = "cache.key"
_KEY_HEX = 64


def _key_path() -> Path:
    return cache_dir() / KEY_FILE


def _read_key(path: Path) -> bytes | None:
    """Return the key stored at ``path``, or None if it is absent or not 64 hex digits."""
    try:
        text = read_regular(path, 4096).decode("ascii").strip()
        return bytes.fromhex(text) if len(text) == _KEY_HEX else None
    except (OSError, ValueError):
        return None


def secret(create: bool) -> bytes | None:
    """Return the cache's secret key; with ``create``, make one (atomically, mode 0600) if there is none.

    Returns None when there is no usable key and none could (or was to) be made: nothing
    then verifies, so every entry is rebuilt, and a cache that cannot be written is not used.
    """
    path = _key_path()
    key = _read_key(path)
    if key is not None or not create:
        return key
    fresh = secrets.token_bytes(_KEY_HEX // 2)
    temporary = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
        with os.fdopen(descriptor, "w", encoding="ascii") as handle:
            handle.write(fresh.hex() + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        if _read_key(path) is not None:  # another process made one meanwhile
            return _read_key(path)
        if path.exists() or path.is_symlink():
            os.replace(temporary, path)  # a damaged key: entries sealed under it are rebuilt anyway
        else:
            try:
                os.link(temporary, path)  # fails if another process made the key first: then use theirs
            except FileExistsError:
                pass
    except OSError:
        return None
    finally:
        temporary.unlink(missing_ok=True)
    return _read_key(path)


def seal(data: bytes | memoryview, purpose: str, key: bytes) -> str:
    """Return the hex HMAC-SHA256 of ``data`` for ``purpose`` (so a seal of one kind of file never verifies another).

    The MAC covers ``purpose``, a NUL and ``data``; ``data`` is fed to it as it is, not
    copied behind the prefix (a cached posterior is over 100 MB).
    """
    mac = hmac.new(key, purpose.encode("ascii") + b"\0", hashlib.sha256)
    mac.update(data)
    return mac.hexdigest()


def verify(data: bytes, purpose: str, expected: str, key: bytes | None) -> bool:
    """Whether ``expected`` is the seal of ``data`` for ``purpose`` under ``key`` (constant-time; False without a key)."""
    return key is not None and hmac.compare_digest(seal(data, purpose, key).encode("ascii"), expected.strip().encode("utf-8", "replace"))


def cached_bytes(path: Path, purpose: str, max_bytes: int, produce: Callable[[], bytes]) -> bytes:
    """Return the bytes sealed at ``path`` if their seal verifies, else ``produce()``'s (then sealed there).

    For caches of things that are slow to make and cheap to check (a figure's PNG, a
    Sobol design): the first line of the file is the HMAC of the rest under the cache's
    key. An entry that fails its seal, is too large, or cannot be read is made again; a
    cache that cannot be written is simply not used. So the cache never changes what a
    caller gets, only how fast.

    Parameters
    ----------
    path : pathlib.Path
        The entry's file (its name is the caller's key of what it holds).
    purpose : str
        What kind of entry this is, part of the seal (an entry of one kind never verifies as another).
    max_bytes : int
        The largest entry read back.
    produce : callable
        Makes the bytes when the entry is missing or fails its seal.

    Returns
    -------
    bytes
        The entry's bytes.
    """
    try:
        mark, _, data = read_regular(path, max_bytes).partition(b"\n")
        if verify(data, purpose, mark.decode("ascii"), secret(create=False)):
            return data
    except (OSError, ValueError):
        pass
    data = produce()
    _store(path, purpose, data)
    return data


def _store(path: Path, purpose: str, data: bytes) -> None:
    """Write ``data`` sealed under a temporary name and rename it into place; give up silently on any error."""
    temporary = path.with_name(f"{path.name}.tmp-{os.getpid()}")
    try:
        key = secret(create=True)
        if key is None:
            return
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary.write_bytes(seal(data, purpose, key).encode("ascii") + b"\n" + data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink(missing_ok=True)
