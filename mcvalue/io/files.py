"""Reading a file a user, a cache or a disk hands us: once, bounded, and only if it is a regular file.

A path can name a FIFO (whose open waits for a writer forever), a device (``/dev/zero``
reads without end), a directory, or a file far larger than any mcvalue writes. Every input
mcvalue reads back (cache entries, posteriors, run summaries) goes through
:func:`read_regular`: the file is opened without blocking, checked to be a regular file
of at most ``limit`` bytes *on the open descriptor* (so nothing can be swapped in between
the check and the read), and read in one pass. Callers hash and parse the very bytes it
returns, never a second read of the path. :func:`read_bounded` does the same for the
files a user names (lists, manifests, tables), with a DataError naming the file.

Writing: :func:`write_atomic` replaces a file so that a reader sees the old file or the
whole new one, never a part (temporary file in the same directory, fsync, rename).
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

from mcvalue.errors import DataError


class FileRefused(ValueError):
    """A file that is not a regular file of bounded size; the message says why (without the path)."""


def read_regular(path: Path | str, limit: int) -> bytes:
    """Return the bytes of the regular file ``path``, read once; FileRefused if it is anything else.

    Parameters
    ----------
    path : pathlib.Path or str
        The file to read.
    limit : int
        The most bytes accepted; the size is checked before reading, and the read stops
        one byte past it (a file growing while read is refused too).

    Returns
    -------
    bytes
        The file's contents.

    Raises
    ------
    FileRefused
        A directory, FIFO, socket or device, or a file larger than ``limit``.
    OSError
        The file is missing or cannot be opened or read.
    """
    # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting for one.
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        info = os.fstat(descriptor)
        if stat.S_ISDIR(info.st_mode):
            raise FileRefused("a directory, not a file")
        if not stat.S_ISREG(info.st_mode):
            raise FileRefused("not a regular file (a FIFO, socket or device); refused rather than read without end")
        if info.st_size > limit:
            raise FileRefused(f"{info.st_size} bytes, more than the {limit} bytes such a file may have")
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(descriptor, min(1 << 20, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limit:
            raise FileRefused(f"grew past the {limit} bytes such a file may have while being read")
        return b"".join(chunks)
    finally:
        os.close(descriptor)


def read_bounded(path: Path, limit: int, what: str) -> bytes:
    """Read a regular file of at most ``limit`` bytes; DataError naming it otherwise.

    The file type and size are checked before reading, so a FIFO, a device or a huge
    file is refused instead of hanging or filling memory.
    """
    try:
        info = os.stat(path)
        if not stat.S_ISREG(info.st_mode):
            raise DataError(f"{path}: not a regular file (a {what} must be one)")
        if info.st_size > limit:
            raise DataError(f"{path}: {info.st_size / 2**20:,.0f} MiB, larger than the {limit // 2**20} MiB a {what} may be")
        with open(path, "rb") as handle:
            data = handle.read(limit + 1)
    except OSError as error:
        raise DataError(f"{path}: cannot read the {what} ({error.strerror or error})") from None
    if len(data) > limit:
        raise DataError(f"{path}: larger than the {limit // 2**20} MiB a {what} may be")
    return data




def write_atomic(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a reader sees the old file or the whole new one.

    Temporary file in the same directory, fsync, then :func:`os.replace`.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


