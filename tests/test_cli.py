"""The console entry point: usage errors are one line naming the option, exit code 2."""

import subprocess
import sys


def _mcvalue(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mcvalue", *args], capture_output=True, text=True, timeout=120)


def test_bad_option_value_is_one_line_naming_the_option(tmp_path):
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    done = _mcvalue("run", "--data-dir", str(a_file))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--data-dir" in lines[0] and "is a file" in lines[0]


def test_unknown_option_is_one_line_naming_it():
    done = _mcvalue("priors", "show", "--no-such-flag")
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--no-such-flag" in lines[0]

