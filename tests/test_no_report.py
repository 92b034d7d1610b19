"""``mcvalue run --no-report`` (issue 20, point 1): every number as a full run, only the report and its figures left out."""

import os
import subprocess
import sys
import textwrap

RUN = ("run", "--priors", "paper", "--cost-model", "table1", "--draws", "3000", "--seed", "5", "--quiet")


def test_no_report_writes_the_full_runs_summary_and_nothing_of_the_report(tmp_path, cli):
    code, out, err = cli(*RUN, "--results-dir", tmp_path, "--name", "full")
    assert (code, err) == (0, ""), err
    code, out, err = cli(*RUN, "--results-dir", tmp_path, "--name", "numbers", "--no-report")
    assert (code, err) == (0, ""), err
    numbers = tmp_path / "numbers"
    assert sorted(p.name for p in numbers.iterdir()) == ["priors.toml", "run.json", "summary.json"]
    assert (numbers / "summary.json").read_bytes() == (tmp_path / "full" / "summary.json").read_bytes()
    assert out.splitlines()[-1] == f"summary: {numbers / 'summary.json'}"
    code, out, err = cli("compare", tmp_path / "full", numbers, "--json")  # a run without a report is compared like any other
    assert code == 0, err


def test_a_run_written_without_its_report_never_imports_matplotlib(tmp_path):
    """The report's figures are the only users of matplotlib: leaving them out must leave out its import (~0.4 s)."""
    script = textwrap.dedent(
        f"""
        import sys
        import mcvalue
        result = mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=2000))
        mcvalue.write_report(result, {str(tmp_path / "run")!r}, report=False)
        print(sorted(name for name in sys.modules if name.split(".")[0] == "matplotlib"))
        """
    )
    env = os.environ | {"MCVALUE_CACHE_DIR": str(tmp_path / "cache")}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"
    assert (tmp_path / "run" / "summary.json").is_file() and not (tmp_path / "run" / "figures").exists()
