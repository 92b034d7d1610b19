"""A prior file gets the limits of the flags, and unclear refusals say what is wrong (issue 22, points 5-7).

Every ``[run]`` setting (and the ``[cost]`` / ``[data]`` settings a flag also sets) is
tried at the value the flag refuses: the file must be refused too, naming the file and
key. A byte-order mark is named, a correlation's rho keeps its digits, and a FIFO or a
device where a run's summary should be is refused without waiting.
"""

from __future__ import annotations

import os

import pytest
from hostile_helpers import assert_one_error, run_cli

#: (file key, TOML value, flag, flag value, what the file's refusal says, what the flag's says)
LIMITS = [
    ("run.draws", "19", "--draws", "19", r"run\.draws: must be greater than or equal to 20, got 19", r"draws: need at least 20 draws, got 19"),
    ("run.draws", "1", "--draws", "1", r"run\.draws: must be greater than or equal to 20, got 1", r"draws: need at least 20 draws, got 1"),
    ("run.draws", "0", "--draws", "0", r"run\.draws: must be greater than or equal to 20, got 0", r"draws: need at least 20 draws, got 0"),
    ("run.seed", "-1", "--seed", "-1", r"run\.seed: must be greater than or equal to 0, got -1", r"seed: must be a non-negative integer, got -1"),
    ("run.cost_model", '"pymx"', "--cost-model", "pymx", r"run\.cost_model: .*pymx", r"cost_model: unknown cost model 'pymx'"),
    ("cost.target_year", "1999", "--target-year", "1999", r"cost\.target_year: .*1999", r"target_year: expected a year from .* got 1999"),
    ("cost.basis", '"flux"', "--basis", "flux", r"cost\.basis: .*flux", r"basis: unknown cost basis 'flux'"),
    ("data.mode", '"raw"', "--mode", "raw", r"data\.mode: .*raw", r"mode: unknown mode 'raw'"),
]


def _prior_file(tmp_path, key: str, value: str):
    """Write a file extending the default with ``key = value`` (``[cost]``'s own keys sit beside its quantity tables)."""
    section, name = key.split(".")
    path = tmp_path / "limits.toml"
    path.write_text(f'extends = "default"\n[{section}]\n{name} = {value}\n')
    return path


@pytest.mark.parametrize(("key", "value", "flag", "flag_value", "file_says", "flag_says"), LIMITS,
                         ids=[f"{k}={v}" for k, v, *_ in LIMITS])
def test_a_prior_file_is_refused_where_the_flag_is(key, value, flag, flag_value, file_says, flag_says, tmp_path, cli):
    table1 = ["--cost-model", "table1"] if flag != "--cost-model" else []
    code, out, err = cli("run", flag, flag_value, *table1, "--quiet", "--results-dir", tmp_path / "r")
    assert code == 1 and out == "", err
    assert_one_error(err, flag_says)
    path = _prior_file(tmp_path, key, value)
    code, out, err = cli("run", "--priors", path, "--results-dir", tmp_path / "r")
    assert code == 2 and out == "", err
    line = assert_one_error(err, file_says)
    assert str(path) in err
    assert not (tmp_path / "r").exists() or list((tmp_path / "r").iterdir()) == [], line


def test_a_byte_order_mark_is_named(tmp_path, cli):
    path = tmp_path / "bom.toml"
    path.write_bytes(b'\xef\xbb\xbfextends = "default"\n')
    code, out, err = cli("priors", "check", path)
    assert code == 2 and out == ""
    assert_one_error(err, rf"^error: {path}: starts with a UTF-8 byte-order mark \(BOM\), which TOML does not allow; save it as UTF-8 without BOM$")


def test_rho_keeps_its_digits(tmp_path, cli):
    """0.9999999999 is not 1 (which the file's own bound refuses): the message shows the value as written."""
    path = tmp_path / "rho.toml"
    path.write_text('extends = "default"\n[[correlations]]\nbetween = ["cost.salary_usd", "cost.coverage"]\nrho = 0.9999999999\n')
    code, out, err = cli("priors", "check", path)
    assert code == 2 and out == ""
    line = assert_one_error(err, r"rho = 0\.9999999999 is added")
    assert "rho = 1 " not in line


@pytest.mark.parametrize("kind", ["fifo", "device"])
def test_a_fifo_or_device_summary_is_refused_without_waiting(kind, tmp_path):
    """Compare run directories whose summary.json is a FIFO nobody writes to, or /dev/zero: one line, at once."""
    run = tmp_path / "run"
    run.mkdir()
    if kind == "fifo":
        os.mkfifo(run / "summary.json")
    else:
        (run / "summary.json").symlink_to("/dev/zero")
    done = run_cli(["compare", run, run], tmp_path / "cache", timeout=120)
    assert done.returncode == 1 and done.stdout == ""
    assert_one_error(done.stderr, rf"{run}: not a run directory \(no summary\.json\)")


def test_the_least_draws_fill_every_batch_of_the_value_of_information():
    """MIN_DRAWS is no smaller than the batches the EVPPI's standard error needs (one draw each at least)."""
    import inspect

    from mcvalue.decision import value_of_information
    from mcvalue.priors.spec import MIN_DRAWS

    assert MIN_DRAWS >= inspect.signature(value_of_information).parameters["batches"].default
