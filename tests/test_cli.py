"""The console entry point: usage errors are one line naming the option, exit code 1 (2 is an invalid prior file)."""

import subprocess
import sys


def _mcvalue(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "mcvalue", *args], capture_output=True, text=True, timeout=120)


def test_bad_option_value_is_one_line_naming_the_option(tmp_path):
    a_file = tmp_path / "not-a-dir"
    a_file.write_text("x")
    done = _mcvalue("run", "--data-dir", str(a_file))
    assert done.returncode == 1
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--data-dir" in lines[0] and "is a file" in lines[0]


def test_unknown_option_is_one_line_naming_it():
    done = _mcvalue("priors", "show", "--no-such-flag")
    assert done.returncode == 1
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "--no-such-flag" in lines[0]



def test_internal_error_is_one_line_with_the_log_that_holds_the_traceback(monkeypatch, capsys):
    """A bug (any unexpected exception) ends in one line naming a log file, exit code 4."""
    import pytest

    import mcvalue.cli as cli

    def broken(*args, **kwargs):
        raise ZeroDivisionError("injected bug")

    monkeypatch.setattr(cli, "app", broken)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == cli.EXIT_INTERNAL == 4
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "internal error (ZeroDivisionError: injected bug)" in lines[0]
    log = lines[0].rsplit("traceback in ", 1)[1]
    text = open(log, encoding="utf-8").read()
    assert "Traceback" in text and "ZeroDivisionError: injected bug" in text


def test_flags_take_no_value_in_the_help_and_defaults_are_shown():
    import os

    env = os.environ | {"COLUMNS": "220"}  # one help row per option, whatever the terminal
    done = subprocess.run([sys.executable, "-m", "mcvalue", "run", "--help"], capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0
    rows = {line.split()[1]: line for line in done.stdout.splitlines() if line.strip().startswith("│ --")}
    for flag in ("--json", "--quiet", "--refit", "--allow-unconverged", "--save-draws", "--no-report"):
        assert "<bool>" not in rows[flag], rows[flag]
    assert "[default: 10,90]" in rows["--swing"] and "[default: results]" in rows["--results-dir"]


def test_library_errors_name_parameters_and_the_cli_names_options(tmp_path, cli):
    import pytest

    import mcvalue

    nowhere = tmp_path / "nowhere"
    with pytest.raises(mcvalue.McValueError) as raised:
        mcvalue.fetch_data(source=nowhere)
    assert str(raised.value) == f"source: directory {nowhere} does not exist"
    assert cli("data", "fetch", "--from", nowhere) == (1, "", f"error: --from: directory {nowhere} does not exist\n")
    with pytest.raises(mcvalue.McValueError, match=r"^design and windows exclude each other"):
        mcvalue.collect_sample(tmp_path, clones=tmp_path, design="history", windows=tmp_path / "w.csv")
    code, _, err = cli("data", "collect", "--clones", tmp_path, "--out", tmp_path / "s", "--per-repo", "2", "--windows", tmp_path / "w.csv")
    assert (code, err) == (1, "error: --per-repo and --seed draw windows; --windows gives them explicitly, so drop them\n")


def test_run_and_sensitivity_take_the_run_options_declared_once():
    import dataclasses

    import typer.main

    from mcvalue.cli import app
    from mcvalue.cli.options import RunOptions

    commands = {info.name: typer.main.get_command_from_info(info, pretty_exceptions_short=True, rich_markup_mode=None)
                for info in app.registered_commands if info.name in ("run", "sensitivity")}
    shared = {field.name for field in dataclasses.fields(RunOptions)}
    assert {p.name for p in commands["sensitivity"].params} == shared
    assert {p.name for p in commands["run"].params} == shared | {"name", "results_dir", "save_draws", "no_report"}
    run_flags = {p.name: p.opts for p in commands["run"].params}
    assert all(run_flags[p.name] == p.opts for p in commands["sensitivity"].params)
    assert {"--threshold", "--allow-unconverged", "--json", "-q"} <= {o for p in commands["sensitivity"].params for o in p.opts}
