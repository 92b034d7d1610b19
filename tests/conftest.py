"""Shared fixtures.

``cli``: run ``mcvalue ARGS`` in this process through the console entry point.

``real_data_dir``: the directory with the paper's data files, from $MCVALUE_DATA_DIR or
../shared/data/osml_value. Missing data skips a test locally but *fails* it when
CI=true, so CI can never go green without exercising the real sample.
"""

import os
import signal
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from mcvalue.data.fetch import DATA_FILES


def _candidate_dirs() -> list[Path]:
    dirs = []
    if os.environ.get("MCVALUE_DATA_DIR"):
        dirs.append(Path(os.environ["MCVALUE_DATA_DIR"]))
    dirs.append(Path(__file__).resolve().parents[2] / "shared" / "data" / "osml_value")
    return dirs


@pytest.fixture(scope="session")
def real_data_dir() -> Path:
    """Directory holding all three real data files (fail under CI if absent)."""
    for d in _candidate_dirs():
        if all((d / f).is_file() for f in DATA_FILES):
            return d.resolve()
    message = "the paper's data files are not available (set MCVALUE_DATA_DIR)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Every test gets its own empty cache dir, so nothing leaks between tests or to ~."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def cli(capsys, monkeypatch) -> Callable[..., tuple[int, str, str]]:
    """Run ``mcvalue ARGS`` in this process through the console entry point: (exit code, stdout, stderr)."""
    from mcvalue.cli import main

    def invoke(*args: object) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["mcvalue", *map(str, args)])
        previous = signal.getsignal(signal.SIGTERM)
        try:
            main()
            code = 0
        except SystemExit as done:
            code = done.code
        finally:
            signal.signal(signal.SIGTERM, previous)
        out, err = capsys.readouterr()
        return code, out, err

    return invoke
