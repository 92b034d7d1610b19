"""Lookup order, hash refusal and offline behaviour of the data fetcher, without the internet.

Downloads are served by a throw-away HTTP server on 127.0.0.1; "offline" is a base URL
or proxy pointing at a closed local port.
"""

import hashlib
import http.server
import os
import shutil
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from mcvalue.data import fetch as fetch_module
from mcvalue.data.fetch import DATA_FILES, RAW_FILE, SHA256, data_cache_dir, fetch, locate
from mcvalue.errors import DataError


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def serve(monkeypatch):
    """Start an HTTP server for a directory and point the fetcher's base URL at it."""
    servers = []

    def start(directory: Path) -> None:
        class Quiet(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(directory), **kwargs)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        monkeypatch.setattr(fetch_module, "BASE_URL", f"http://127.0.0.1:{server.server_address[1]}/")

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def no_env(monkeypatch):
    monkeypatch.delenv("MCVALUE_DATA_DIR", raising=False)


def test_pinned_hashes_match_the_reference_copies(real_data_dir):
    for name in DATA_FILES:
        assert hashlib.sha256((real_data_dir / name).read_bytes()).hexdigest() == SHA256[name]


def test_explicit_dir_wins_over_env(real_data_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("MCVALUE_DATA_DIR", str(tmp_path))  # empty: would fail if used
    assert locate(RAW_FILE, real_data_dir) == real_data_dir / RAW_FILE


def test_env_dir_is_used(real_data_dir, monkeypatch):
    monkeypatch.setenv("MCVALUE_DATA_DIR", str(real_data_dir))
    assert locate(RAW_FILE) == real_data_dir / RAW_FILE


def test_dir_missing_a_file_is_refused(tmp_path):
    with pytest.raises(DataError, match=f"has no file '{RAW_FILE}'"):
        locate(RAW_FILE, tmp_path)


def test_dir_with_wrong_bytes_is_refused_naming_both_hashes(tmp_path):
    (tmp_path / RAW_FILE).write_text("tampered\n")
    wrong = hashlib.sha256(b"tampered\n").hexdigest()
    with pytest.raises(DataError) as error:
        locate(RAW_FILE, tmp_path)
    message = str(error.value)
    assert RAW_FILE in message and wrong in message and SHA256[RAW_FILE] in message and "\n" not in message


def _serve_copies(real_data_dir, serve, tmp_path):
    """Serve verified copies of the three real files from a local HTTP server; returns its directory."""
    served = tmp_path / "served"
    served.mkdir()
    for name in DATA_FILES:
        shutil.copy(real_data_dir / name, served / name)
    serve(served)
    return served


def test_download_verifies_and_caches(real_data_dir, serve, no_env, tmp_path):
    served = _serve_copies(real_data_dir, serve, tmp_path)
    paths = fetch()
    assert {p.parent for p in paths.values()} == {data_cache_dir()}
    for name, path in paths.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == SHA256[name]
    shutil.rmtree(served)  # now the server has nothing: the cache alone must answer
    assert locate(RAW_FILE) == data_cache_dir() / RAW_FILE


def test_mismatching_download_is_refused_and_not_cached(serve, no_env, tmp_path):
    served = tmp_path / "served"
    served.mkdir()
    (served / RAW_FILE).write_text("not the paper's data\n")
    wrong = hashlib.sha256(b"not the paper's data\n").hexdigest()
    serve(served)
    with pytest.raises(DataError) as error:
        locate(RAW_FILE)
    assert wrong in str(error.value) and SHA256[RAW_FILE] in str(error.value) and RAW_FILE in str(error.value)
    cache = data_cache_dir()
    assert not cache.exists() or list(cache.iterdir()) == []


def test_offline_without_a_copy_says_how_to_supply_the_files(monkeypatch, no_env):
    monkeypatch.setattr(fetch_module, "BASE_URL", f"http://127.0.0.1:{_closed_port()}/")
    with pytest.raises(DataError) as error:
        locate(RAW_FILE)
    message = str(error.value)
    assert "\n" not in message
    for hint in ("--data-dir", "MCVALUE_DATA_DIR", "mcvalue data fetch"):
        assert hint in message


def test_offline_cli_exits_nonzero_with_one_line(tmp_path):
    """The console command, offline (all traffic sent to a closed local proxy), empty cache."""
    env = {k: v for k, v in os.environ.items() if k != "MCVALUE_DATA_DIR"}
    proxy = f"http://127.0.0.1:{_closed_port()}"
    env |= {"MCVALUE_CACHE_DIR": str(tmp_path), "HTTPS_PROXY": proxy, "https_proxy": proxy, "NO_PROXY": ""}
    result = subprocess.run([sys.executable, "-c", "from mcvalue.cli import main; main()", "reproduce", "--mode", "corrected"],
                            capture_output=True, text=True, env=env, timeout=120)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: cannot download") and "--data-dir" in lines[0]


def test_fetch_cli_into_a_directory(real_data_dir, serve, no_env, tmp_path):
    from typer.testing import CliRunner

    from mcvalue.cli import app

    _serve_copies(real_data_dir, serve, tmp_path)
    target = tmp_path / "data"
    result = CliRunner().invoke(app, ["data", "fetch", "--data-dir", str(target)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in target.iterdir()) == sorted(DATA_FILES)
    assert locate(RAW_FILE, target) == target / RAW_FILE  # verified again as a --data-dir
