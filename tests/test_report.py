"""The run directory: refused if it exists, never left looking complete, deterministic summary."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

import mcvalue
import mcvalue.report.figures as figures
from mcvalue.errors import McValueError, RunExistsError
from mcvalue.vocab.paper import METHODS, TABLE1_KEYS

PAPER_PRIORS = Path(__file__).resolve().parents[1] / "priors" / "paper.toml"
SUMMARY_KEYS = [
    "bcr", "cost_usd", "benefit_usd", "methods", "benefit_methods", "method_table", "population", "sensitivity", "voi", "diagnostics",
    "data", "inputs", "provenance",
]


def _table1_scenario(draws: int = 3000, seed: int | None = None) -> mcvalue.Scenario:
    """Return the paper's chain over the published Table 1 figures: a quick run needing no data."""
    return mcvalue.load_scenario(PAPER_PRIORS).with_settings(cost_model="table1", draws=draws, seed=seed)


@pytest.fixture(scope="module")
def table1_result():
    """One quick run shared by the tests that only read it."""
    return mcvalue.run(_table1_scenario())


def test_paper_chain_over_table1_gives_the_papers_ratios(table1_result):
    # Point-mass priors and constant FTE: each method's BCR is exactly $30B / its Table 1 cost.
    for m in METHODS:
        bcr = table1_result.summary()["methods"][m.key]["bcr"]
        assert bcr["median"] == pytest.approx(30e9 / m.paper_cost_per_year, rel=1e-5)
        assert bcr["intervals"]["90"][0] == bcr["intervals"]["90"][1]


def test_existing_run_directory_is_refused_before_any_work(tmp_path, monkeypatch, table1_result):
    (tmp_path / "taken").mkdir()
    with pytest.raises(RunExistsError):
        mcvalue.write_report(table1_result, tmp_path / "taken")
    with pytest.raises(RunExistsError):
        mcvalue.report_directory(tmp_path, "taken")
    assert list((tmp_path / "taken").iterdir()) == []


def test_existing_run_directory_cli_exit_code(tmp_path):
    (tmp_path / "taken").mkdir()
    proc = subprocess.run(
        [sys.executable, "-c", "from mcvalue.cli import main; main()", "run", "--cost-model", "table1",
         "--results-dir", str(tmp_path), "--name", "taken", "--quiet"],
        capture_output=True, text=True, timeout=120,
    )
    assert proc.returncode == 1
    assert proc.stderr.strip().splitlines() == [f"error: run directory {tmp_path / 'taken'} already exists; choose another --name or remove it"]


def test_failure_while_writing_leaves_nothing(tmp_path, monkeypatch, table1_result):
    calls = []

    def failing_save(ax, path):
        calls.append(path)
        if len(calls) == 2:
            raise OSError("disk full (injected)")
        path.write_bytes(b"png")

    monkeypatch.setattr(figures, "save_png", failing_save)
    with pytest.raises(McValueError, match="disk full \\(injected\\).*nothing was saved"):
        mcvalue.write_report(table1_result, tmp_path / "broken")
    assert len(calls) == 2
    assert list(tmp_path.iterdir()) == []


def test_results_dir_that_cannot_be_created_is_refused_before_any_work(tmp_path):
    (tmp_path / "a_file").write_text("")
    with pytest.raises(McValueError, match="--results-dir: cannot create"):
        mcvalue.report_directory(tmp_path / "a_file" / "results", "x")


def test_killed_run_leaves_no_complete_looking_directory(tmp_path):
    # The process dies (no cleanup, as with SIGKILL) while writing figures.
    script = f"""
import os
from pathlib import Path
import mcvalue
import mcvalue.report.figures as figures
scenario = mcvalue.load_scenario(Path({str(PAPER_PRIORS)!r})).with_settings(cost_model="table1", draws=500)
result = mcvalue.run(scenario)
figures.save_png = lambda ax, path: os._exit(9)
mcvalue.write_report(result, Path({str(tmp_path)!r}) / "killed")
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 9, proc.stderr
    assert not (tmp_path / "killed").exists()
    leftovers = list(tmp_path.iterdir())
    assert all(p.name.startswith(".killed.") and p.name.endswith(".partial") for p in leftovers)
    assert all(not (p / "report.md").exists() for p in leftovers)


def test_summary_json_is_deterministic_and_holds_no_run_identity(tmp_path):
    # "first" is a key of summary.json (Sobol indices): the run's name must be a word it cannot hold.
    first = mcvalue.write_report(mcvalue.run(_table1_scenario()), tmp_path / "run-uno", command=["mcvalue", "run"])
    second = mcvalue.write_report(mcvalue.run(_table1_scenario()), tmp_path / "second", command=["mcvalue", "run", "again"])
    reseeded = mcvalue.write_report(mcvalue.run(_table1_scenario(seed=1)), tmp_path / "third")

    a, b, c = ((p / "summary.json").read_bytes() for p in (first, second, reseeded))
    assert a == b
    assert a != c  # the method mixture is drawn from the seed, so another seed moves the numbers
    summary = json.loads(a)
    assert list(summary) == SUMMARY_KEYS
    assert set(summary["methods"]) == set(TABLE1_KEYS)  # Table 1 has no activity_threshold row
    assert b"run-uno" not in a and str(tmp_path).encode() not in a
    record = json.loads((first / "run.json").read_text())
    assert record["name"] == "run-uno" and record["path"] == str(first.resolve())
    for name in ("report.md", "priors.toml", "figures/bcr.png", "figures/tornado.png", "figures/exceedance.png",
                 "figures/sobol.png", "figures/evppi.png",
                 "figures/cost_by_method.png", "figures/benefit_chain.png"):
        assert (first / name).is_file(), name
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_report_embeds_every_figure_by_relative_path(tmp_path):
    path = mcvalue.write_report(mcvalue.run(_table1_scenario(draws=500)), tmp_path / "figs")
    text = (path / "report.md").read_text()
    for png in (path / "figures").iterdir():
        assert f"(figures/{png.name})" in text


def test_unconverged_fit_is_in_the_headline_the_warnings_and_both_json_files(tmp_path, monkeypatch):
    # A fit run anyway with --allow-unconverged: every output a reader might open says so.
    import dataclasses

    import mcvalue.costmodels as costmodels

    table1_cost = costmodels.cost_side

    def unconverged(scenario, **kwargs):
        cost, warnings = table1_cost(scenario, **kwargs)
        diagnostics = {"cost_model": "pymc", "converged": False,
                       "worst": {"parameter": "sigma_repo", "figure": "r_hat", "value": 1.31, "threshold": 1.01}}
        return dataclasses.replace(cost, diagnostics=diagnostics), warnings

    monkeypatch.setattr(costmodels, "cost_side", unconverged)
    result = mcvalue.run(_table1_scenario(draws=500), allow_unconverged=True)
    warned = list(result.warnings)
    path = mcvalue.write_report(result, tmp_path / "unconverged")

    failure = "failed its convergence checks and was run on with --allow-unconverged; worst: sigma_repo has r_hat = 1.31 (threshold 1.01)"
    headline = (path / "report.md").read_text().splitlines()[2]
    assert failure in headline
    assert len(warned) == 1 and failure in warned[0]
    assert json.loads((path / "run.json").read_text())["warnings"] == warned
    assert json.loads((path / "summary.json").read_text())["diagnostics"]["converged"] is False
