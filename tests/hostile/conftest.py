"""Fixtures of the hostile-input corpus: tiny file systems (the in-process ``cli`` is in tests/conftest.py)."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


@contextmanager
def _tmpfs(mount: Path, options: str) -> Iterator[Path]:
    """Mount a tmpfs with ``options`` at the new directory ``mount``; skip where mounting is not allowed."""
    mount.mkdir()
    if sys.platform != "linux" or subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(mount)],
                                                 capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture
def tiny_fs(tmp_path) -> Iterator[Path]:
    """Yield a 64 KiB tmpfs: a full disk after the first few writes."""
    with _tmpfs(tmp_path / "tiny", "size=64k") as mount:
        yield mount


@pytest.fixture
def read_only_fs(tmp_path) -> Iterator[Path]:
    """Yield a read-only tmpfs (root ignores file modes, so chmod cannot make one)."""
    with _tmpfs(tmp_path / "ro", "ro,size=64k") as mount:
        yield mount
