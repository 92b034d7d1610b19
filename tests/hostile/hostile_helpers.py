"""Shared by the hostile-input corpus: run the CLI in a subprocess and check how it failed.

Every case asserts the same contract (issue 10): the exit code the README defines,
exactly one ``error: ...`` line naming the right thing, no ``Traceback`` anywhere on
stderr, and nothing left that looks like output.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def cli_env(cache: Path, **extra: str) -> dict[str, str]:
    """Environment for a CLI subprocess: this checkout first on the path, a private cache, no display."""
    path = os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])
    return os.environ | {"PYTHONPATH": path, "MCVALUE_CACHE_DIR": str(cache), "MPLBACKEND": "Agg"} | extra


def run_cli(args: list[str], cache: Path, timeout: float = 300, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m mcvalue ARGS`` and capture its text output."""
    return subprocess.run(
        [sys.executable, "-m", "mcvalue", *map(str, args)],
        capture_output=True, text=True, env=cli_env(cache), timeout=timeout, **kwargs,
    )


def assert_one_error(stderr: str, pattern: str) -> str:
    """Assert stderr holds no traceback and exactly one ``error:`` line, matching ``pattern``; return it."""
    assert "Traceback" not in stderr, stderr
    errors = [line for line in stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, stderr
    assert re.search(pattern, errors[0]), errors[0]
    return errors[0]


def session_processes(sid: int) -> list[int]:
    """Return the pids of live (not zombie) processes in session ``sid`` (Linux /proc)."""
    pids = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # after the command name: state, ppid, pgrp, session
        if int(fields[3]) == sid and fields[0] != "Z":
            pids.append(int(stat.parent.name))
    return pids
