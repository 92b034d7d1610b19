"""``mcvalue data fetch --from DIR`` (issue 12, point 7): a local copy, hash-checked, into the cache."""

import shutil
import socket

import pytest
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.data import fetch as fetch_module
from mcvalue.data.fetch import DATA_FILES, RAW_FILE, SHA256, data_cache_dir, sha256_of


@pytest.fixture
def offline(monkeypatch):
    """No $MCVALUE_DATA_DIR and every download aimed at a closed local port."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.delenv("MCVALUE_DATA_DIR", raising=False)
    monkeypatch.setattr(fetch_module, "BASE_URL", f"http://127.0.0.1:{port}/")


def test_from_copies_the_verified_files_so_later_commands_need_no_variable(real_data_dir, offline):
    runner = CliRunner()
    result = runner.invoke(app, ["data", "fetch", "--from", str(real_data_dir)])
    assert result.exit_code == 0, result.output
    for name in DATA_FILES:
        assert sha256_of(data_cache_dir() / name) == SHA256[name]
        assert f"ok  {data_cache_dir() / name}" in result.stdout
    # Offline, no --data-dir, no variable: the cached copy is found and used.
    table = runner.invoke(app, ["reproduce", "--mode", "paper", "--json"])
    assert table.exit_code == 0, table.output
    assert '"mode": "paper"' in table.stdout


def test_from_refuses_a_missing_directory_a_missing_file_and_other_bytes(real_data_dir, offline, tmp_path):
    runner = CliRunner()
    missing = runner.invoke(app, ["data", "fetch", "--from", str(tmp_path / "nowhere")])
    # The library names its parameter (source); the console entry point names the option (tests/test_cli.py).
    assert missing.exit_code == 1 and f"source: directory {tmp_path / 'nowhere'} does not exist" in str(missing.exception)
    partial = tmp_path / "partial"
    partial.mkdir()
    shutil.copy(real_data_dir / RAW_FILE, partial / RAW_FILE)
    refused = runner.invoke(app, ["data", "fetch", "--from", str(partial)])
    assert refused.exit_code == 1 and "has no file" in str(refused.exception)
    tampered = tmp_path / "tampered"
    shutil.copytree(real_data_dir, tampered)
    with open(tampered / RAW_FILE, "ab") as handle:
        handle.write(b"\n")
    refused = runner.invoke(app, ["data", "fetch", "--from", str(tampered)])
    assert refused.exit_code == 1 and f"does not match the pinned sha256 {SHA256[RAW_FILE]}" in str(refused.exception)
    assert not data_cache_dir().exists() or not any(data_cache_dir().iterdir())  # nothing half-copied


def test_a_missing_data_dir_is_reported_as_missing(tmp_path):
    # The exception itself, not Typer's error panel, which wraps or cuts a long path at the terminal's width.
    result = CliRunner().invoke(app, ["data", "audit", "--data-dir", str(tmp_path / "nowhere")], standalone_mode=False)
    assert result.exit_code != 0
    message = result.exception.format_message()
    assert "does not exist" in message and str(tmp_path / "nowhere") in message
