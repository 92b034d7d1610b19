"""What reaches stdout and the terminal (issue 22, points 4 and 6).

``--json`` writes JSON alone to stdout, cold or warm: a stand-in cost model prints a
progress table to stdout where the sampler would (through Python's ``sys.stdout`` and
straight to descriptor 1, as nutpie's native code can), and stdout must still parse as
the very JSON of summary.json. Control characters from a prior file never reach the
terminal, in an error line, a table or JSON.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hostile_helpers import assert_one_error, cli_env

#: ``mcvalue ARGS`` with the Table 1 cost side replaced by one that first prints like a sampler.
_NOISY = (
    "import os, sys; import mcvalue.costmodels.dispatch as c; real = c.table1_cost\n"
    "def noisy():\n"
    "    print('Sampler progress | draws | divergences'); sys.stdout.flush()\n"
    "    os.write(1, b'chain 1 | 1000/1000 | 0\\n')\n"
    "    return real()\n"
    "c.table1_cost = noisy\n"
    "from mcvalue.cli import main; sys.argv[0] = 'mcvalue'; main()\n"
)


def _noisy_cli(tmp_path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", _NOISY, *args], capture_output=True, text=True,
                          env=cli_env(tmp_path / "cache"), timeout=300)


@pytest.mark.parametrize("quiet", [False, True], ids=["progress", "quiet"])
def test_run_json_writes_only_json_to_stdout(tmp_path, quiet):
    args = ["run", "--cost-model", "table1", "--draws", "2000", "--json", "--results-dir", str(tmp_path), "--name", "r"]
    done = _noisy_cli(tmp_path, *args, *(["--quiet"] if quiet else []))
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == json.loads((tmp_path / "r" / "summary.json").read_text())
    assert done.stdout.encode() == (tmp_path / "r" / "summary.json").read_bytes()
    # the stand-in's lines went to stderr, in the order printed
    assert "Sampler progress | draws" in done.stderr and "chain 1 | 1000/1000" in done.stderr


def test_sensitivity_and_compare_json_are_json_alone(tmp_path):
    done = _noisy_cli(tmp_path, "sensitivity", "--cost-model", "table1", "--draws", "2000", "--json")
    assert done.returncode == 0, done.stderr
    assert set(json.loads(done.stdout)) >= {"bcr", "voi"}
    assert "chain 1 | 1000/1000" in done.stderr


def test_table_output_keeps_the_progress_off_stdout(tmp_path):
    """Without --json too, stdout holds the result only (headline and report path)."""
    done = _noisy_cli(tmp_path, "run", "--cost-model", "table1", "--draws", "2000", "--results-dir", str(tmp_path), "--name", "t")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("The median benefit-cost ratio") and "chain 1" not in done.stdout
    assert done.stdout.splitlines()[-1] == f"report: {tmp_path / 't' / 'report.html'}"


ESCAPES = "\x1b]0;pwned\x07\x1b[2J\x1b[31m\u202e\x9b"
CONTROLS = "\x1b\x07\u202e\x9b"


def test_control_characters_never_reach_the_terminal(tmp_path, cli):
    """An unknown key and a label with ANSI escapes: the error line, the table and the JSON carry none raw."""
    bad = tmp_path / "bad.toml"
    bad.write_text(f'extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.03, 0.3]\n{json.dumps("k" + ESCAPES)} = 1\n')
    code, out, err = cli("priors", "check", bad)
    assert code == 2 and out == ""
    assert_one_error(err, r"k\]0;pwned\[2J\[31m")
    assert not any(ch in err for ch in CONTROLS)
    label = tmp_path / "label.toml"
    label.write_text(f'extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.03, 0.3]\nlabel = {json.dumps("cut" + ESCAPES)}\n')
    for args in (("sensitivity",), ("sensitivity", "--json"), ("priors", "show", label)):
        extra = () if args[0] == "priors" else ("--priors", label, "--cost-model", "table1", "--draws", "2000", "--quiet")
        code, out, err = cli(*args, *extra)
        assert code == 0, err
        assert not any(ch in out + err for ch in CONTROLS), args
        assert "cut" in out


@pytest.mark.slow
@pytest.mark.realdata
def test_a_real_cold_and_warm_run_json_is_json_alone(real_data_dir, tmp_path):
    """The real sampler on an empty cache (its progress table on), then from the cache: stdout is summary.json's bytes."""
    from hostile_helpers import run_cli

    cache = tmp_path / "cache"
    for name in ("cold", "warm"):
        args = ["run", "--draws", "2000", "--json", "--data-dir", real_data_dir, "--results-dir", tmp_path, "--name", name]
        done = run_cli(args, cache, timeout=1800)
        assert done.returncode == 0, done.stderr
        assert done.stdout.encode() == (tmp_path / name / "summary.json").read_bytes(), name
        assert "Traceback" not in done.stderr and "Warning" not in done.stderr, done.stderr
    assert (tmp_path / "cold" / "summary.json").read_bytes() == (tmp_path / "warm" / "summary.json").read_bytes()


def test_a_successful_run_with_odd_labels_prints_no_python_warning(tmp_path):
    """Control characters, a lone mathtext '$' pair, CJK and a character no font has: exit 0 and nothing on stderr (--quiet)."""
    from hostile_helpers import run_cli

    label = "\x00b\x07\x1b[2J\r\n\u202e$x$ \u5b66\ud7ff"
    priors = tmp_path / "odd.toml"
    priors.write_text(f'extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.03, 0.3]\nlabel = {json.dumps(label)}\n')
    done = run_cli(["run", "--priors", priors, "--cost-model", "table1", "--draws", "2000", "--quiet", "--results-dir", tmp_path,
                    "--name", "odd"], tmp_path / "cache")
    # table1 has no threshold row: its one documented fallback warning is the only line allowed
    fallback = "warning: the table1 cost model has no activity_threshold FTE"
    assert done.returncode == 0 and all(line.startswith(fallback) for line in done.stderr.splitlines()), done.stderr
    assert "$x$ \u5b66" in (tmp_path / "odd" / "report.md").read_text()


def test_an_interrupt_after_a_cached_fit_does_not_claim_nothing_was_saved(cli, monkeypatch, tmp_path):
    """SIGTERM while simulating, after the posterior was cached: exit 130 and a line that is true of that cache."""
    import mcvalue

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(mcvalue, "run", interrupted)
    code, out, err = cli("run", "--cost-model", "table1", "--results-dir", tmp_path)
    assert code == 130 and out == ""
    line = assert_one_error(err, r"^error: interrupted; nothing half-done was kept \(work finished before the interrupt, such as a cached fit, stays\)$")
    assert "nothing was saved" not in line


@pytest.mark.realdata
def test_data_commands_print_no_control_characters_from_a_path(real_data_dir, tmp_path, cli):
    """`data fetch` names the files it wrote: a directory named with escapes reaches the terminal without them."""
    target = tmp_path / ("data" + ESCAPES.replace("/", ""))
    code, out, err = cli("data", "fetch", "--from", real_data_dir, "--data-dir", target)
    assert code == 0, err
    assert out.count("ok  ") == 3 and "data]0;pwned" in out
    assert not any(ch in out + err for ch in CONTROLS)
