"""Fixtures of the hostile-input corpus: the CLI run in-process, and tiny file systems."""

from __future__ import annotations

import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run ``mcvalue ARGS`` in this process through the console entry point: (exit code, stdout, stderr)."""
    from mcvalue.cli import main

    def invoke(*args: object) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["mcvalue", *map(str, args)])
        previous = signal.getsignal(signal.SIGTERM)
        try:
            main()
        except SystemExit as done:
            code = done.code
        finally:
            signal.signal(signal.SIGTERM, previous)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke


@pytest.fixture
def tiny_fs(tmp_path) -> Iterator[Path]:
    """Mount a 64 KiB tmpfs (a full disk after the first few writes); skipped where mounting is not allowed."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    if sys.platform != "linux" or subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
                                                 capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)


@pytest.fixture
def read_only_fs(tmp_path) -> Iterator[Path]:
    """Mount a read-only tmpfs (root ignores file modes, so chmod cannot make one); skipped where mounting is not allowed."""
    mount = tmp_path / "ro"
    mount.mkdir()
    if sys.platform != "linux" or subprocess.run(["mount", "-t", "tmpfs", "-o", "ro,size=64k", "tmpfs", str(mount)],
                                                 capture_output=True).returncode != 0:
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True)
