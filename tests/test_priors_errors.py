"""Broken prior files: one fault each, exit code 2, one line naming the file and the key.

Each ``tests/prior_files/wrong_*.toml`` states in its header what must be reported:
``# key:`` the dotted key (or ``line L, column C`` for a syntax error), ``# says:`` a
fragment of the message, and optionally ``# file:`` the file the problem is reported
against when it is not the file itself (a circular chain is reported where it closes).
"""

import subprocess
import sys
from pathlib import Path

import pytest

from mcvalue.cli import main
from mcvalue.errors import PriorFileError
from mcvalue.priors.load import load_scenario

CORPUS = Path(__file__).parent / "prior_files"
WRONG = sorted(CORPUS.glob("wrong_*.toml"))


def _header(path: Path) -> dict[str, str]:
    """Return the ``# name: value`` lines at the top of a corpus file."""
    fields = {}
    for line in path.read_text().splitlines():
        if not line.startswith("# ") or ": " not in line:
            break
        name, value = line[2:].split(": ", 1)
        fields[name] = value
    return fields


def _run_main(monkeypatch, capsys, *args: str) -> tuple[int, str]:
    """Run the console entry point in-process: (exit code, stderr)."""
    monkeypatch.setattr(sys, "argv", ["mcvalue", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    return exited.value.code, capsys.readouterr().err


def test_corpus_is_large_enough():
    assert len(WRONG) >= 15


@pytest.mark.parametrize("path", WRONG, ids=lambda p: p.stem)
def test_broken_file_exits_2_naming_its_key(path, monkeypatch, capsys):
    header = _header(path)
    code, err = _run_main(monkeypatch, capsys, "priors", "check", str(path))
    assert code == 2
    assert "Traceback" not in err
    lines = err.strip().splitlines()
    assert len(lines) == 1, f"one fault, one problem line; got {lines}"
    reported_file = header.get("file", path.name)
    assert lines[0].startswith("error: ")
    assert f"{reported_file}: {header['key']}: " in lines[0]
    assert header["says"] in lines[0]


@pytest.mark.parametrize("name", ["wrong_syntax.toml", "wrong_unknown_key.toml"])
def test_console_command_in_subprocess(name):
    path = CORPUS / name
    done = subprocess.run(
        [sys.executable, "-m", "mcvalue", "priors", "check", str(path)], capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert f"{path}: {_header(path)['key']}: " in done.stderr


def test_every_problem_of_a_file_is_listed(tmp_path):
    path = tmp_path / "many.toml"
    path.write_text(
        'extends = "default"\n'
        "[cost.salary_usd]\n"
        'dist = "lognormal"\n'
        "ci90 = [4e5, 1.5e5]\n"
        "[benefit.haircut]\n"
        'dist = "point"\n'
        "value = 2\n"
        "[run]\n"
        "seeed = 1\n"
    )
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    problems = raised.value.problems
    assert len(problems) == 3
    assert problems[0].startswith(f"{path}: cost.salary_usd.ci90: lower end 400000 is not below upper end 150000")
    assert problems[1].startswith(f"{path}: benefit.haircut: value = 2 is outside [0, 1]")
    assert problems[2].startswith(f"{path}: run.seeed: unknown key (did you mean 'seed'?)")


def test_syntax_error_names_line_and_column(tmp_path):
    path = tmp_path / "bad.toml"
    # line 3 opens an array that is never closed: tomllib stops at line 4, column 1
    path.write_text('extends = "default"\n[run]\ndraws = [1, 2\nseed = 3\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    assert raised.value.problems[0].startswith(f"{path}: line 4, column 1: TOML syntax error")


def test_problem_in_a_base_file_is_reported_against_the_base(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text('extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.3, 0.03]\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[run]\nseed = 1\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(child)
    assert raised.value.problems == [f"{base}: benefit.haircut.ci90: lower end 0.3 is not below upper end 0.03"]


def test_an_override_fixes_the_base_problem(tmp_path):
    base = tmp_path / "base.toml"
    base.write_text('extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.3, 0.03]\n')
    child = tmp_path / "child.toml"
    child.write_text('extends = "base.toml"\n[benefit.haircut]\ndist = "point"\nvalue = 0.1\n')
    assert load_scenario(child).quantities["benefit.haircut"].ppf([0.5])[0] == 0.1


def test_missing_file_and_non_utf8(tmp_path):
    with pytest.raises(PriorFileError, match="no such file"):
        load_scenario(tmp_path / "absent.toml")
    latin = tmp_path / "latin.toml"
    latin.write_bytes('# salaire en \u20ac\n'.encode("cp1252"))
    with pytest.raises(PriorFileError, match="not UTF-8"):
        load_scenario(latin)
