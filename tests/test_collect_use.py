"""A collected sample used by ``reproduce``, ``run`` and ``data audit`` (``--sample DIR``).

Three hand-built repositories, windows given explicitly, every count by hand:

=====================  ======================  =====================================  ================
repository             window                  commits (author, lines added)          per window
=====================  ======================  =====================================  ================
pytorch/pytorch        2021-03-01..2021-03-15  ann +4, ann +6, ben +2                 2 authors, 3, 12
tensorflow/tensorflow  2021-03-01..2021-03-15  cy +8                                  1 author, 1, 8
acme/tiny              2021-03-01..2021-03-15  ann +7, ben +3                         2 authors, 2, 10
acme/tiny              2021-05-01..2021-05-15  ann +5                                 1 author, 1, 5
=====================  ======================  =====================================  ================

Reference means per contributor-period: pytorch 1.5 commits and 6 lines, tensorflow 1
commit and 8 lines. Units per period (sum over repos of the mean over its windows):
contributors 2 + 1 + 1.5 = 4.5, commits 3 + 1 + 1.5 = 5.5, lines 12 + 8 + 7.5 = 27.5. So the
FTE are commits/pytorch 5.5/1.5, contributors 4.5, lines/tensorflow 27.5/8, lines/pytorch
27.5/6, commits/tensorflow 5.5, and Table 1's cost per year is $300K times each. (No window
is empty: a bootstrap replicate of only empty periods would give an FTE of 0; empty windows
as zeros are tested in test_collect.py.)
"""

import hashlib
import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from collect_helpers import ISOLATED_GIT, Builder, drawn_from, numbered

import mcvalue
import mcvalue.cli as cli
from mcvalue.costmodels import cost_side
from mcvalue.data.collect import collect
from mcvalue.data.manifest import Manifest
from mcvalue.data.repos import repo_spec
from mcvalue.data.windows import Design, Window

ANN = ("Ann", "1+ann@users.noreply.github.com")
BEN = ("Ben", "ben@example.com")
CY = ("Cy", "cy@example.com")
MARCH = Window(date(2021, 3, 1), date(2021, 3, 15))
MAY = Window(date(2021, 5, 1), date(2021, 5, 15))
SALARY = 300e3
HAND_FTE = {
    "commits_pytorch": 5.5 / 1.5,
    "contributors_pytorch": 4.5,
    "lines_tensorflow": 27.5 / 8,
    "lines_pytorch": 27.5 / 6,
    "commits_tensorflow": 5.5,
}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


def _build(path: Path, commits: list[tuple[str, tuple[str, str], int]]) -> None:
    """Build a repository whose commits each add a new file of ``lines`` lines."""
    repo = Builder(path)
    for number, (day, author, lines) in enumerate(commits):
        repo.commit(f"{day}T10:00:00+00:00", author, {f"f{number}.txt": numbered("x", lines)})


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Collect the sample of the module docstring's table."""
    root = tmp_path_factory.mktemp("use")
    clones = root / "clones"
    _build(clones / "pytorch" / "pytorch", [("2021-03-02", ANN, 4), ("2021-03-04", ANN, 6), ("2021-03-09", BEN, 2)])
    _build(clones / "tensorflow" / "tensorflow", [("2021-02-01", CY, 50), ("2021-03-15", CY, 8)])
    _build(clones / "acme" / "tiny", [("2021-03-01", ANN, 7), ("2021-03-03", BEN, 3), ("2021-05-10", ANN, 5), ("2021-06-01", ANN, 40)])
    windows = {"pytorch/pytorch": (MARCH,), "tensorflow/tensorflow": (MARCH,), "acme/tiny": (MARCH, MAY)}
    specs = [repo_spec(name) for name in windows]
    collect(specs, clones, root / "sample", Design("windows", windows=windows))
    return root / "sample"


def test_reproduce_on_a_collected_sample_matches_the_hand_table(sample):
    """Table 1 of the collected sample, modes corrected and clean (no paper mode): $300K x the hand FTE."""
    record = mcvalue.reproduce(sample=sample)
    assert [r["mode"] for r in record["modes"]] == ["corrected", "clean"]
    for table in record["modes"]:
        got = {f"{row['unit']}_{row['reference']}": row["cost_per_year"] for row in table["rows"]}
        assert got == pytest.approx({key: SALARY * fte for key, fte in HAND_FTE.items()}, rel=1e-12)
        assert table["data_sha256"]["manifest.json"] == hashlib.sha256((sample / "manifest.json").read_bytes()).hexdigest()
    assert "mode clean: a sample collected from git (mcvalue data collect), cleaned" in mcvalue.text.render_table1(record)
    with pytest.raises(mcvalue.McValueError, match="no paper mode"):
        mcvalue.reproduce("paper", sample=sample)


@pytest.mark.slow
def test_run_on_a_collected_sample_names_it_and_keys_the_cache_on_it(sample, tmp_path):
    """A run's provenance names the manifest; the cost-side cache is reused for the same sample, not for another."""
    scenario = mcvalue.load_scenario("default").with_settings(draws=2000, cost_model="bootstrap", sample=sample, population=drawn_from(sample))
    # A machine-specific path stays out of priors.toml (its sha256 must not depend on it).
    assert scenario.data.sample == sample and str(sample) not in scenario.resolved_toml
    assert "sample =" not in scenario.resolved_toml
    result = mcvalue.run(scenario)
    provenance = result.summary()["provenance"]
    manifest_sha = hashlib.sha256((sample / "manifest.json").read_bytes()).hexdigest()
    assert provenance["data_files_sha256"]["manifest.json"] == manifest_sha
    assert set(provenance["data_files_sha256"]) == {"contributions.csv", "periods.csv", "manifest.json", "sample_sha256"}
    assert provenance["sample_sha256"] == json.loads((sample / "manifest.json").read_text())["sample_sha256"]
    # The bootstrap resamples repos and periods: every replicate's contributors FTE (a sum of three
    # resampled repo means, each between 1 and 2 active contributors per period) lies in [3, 6].
    fte = result.cost.fte
    assert ((fte[:, 1] >= 3) & (fte[:, 1] <= 6)).all()
    again: list[str] = []
    cost_side(scenario, log=again.append)
    assert any("using the cached bootstrap cost side" in line for line in again)
    other = tmp_path / "other"
    other.mkdir()
    for name in ("contributions.csv", "periods.csv"):
        (other / name).write_bytes((sample / name).read_bytes())
    # Another sample (its manifest re-hashed after the change): another identity, another cache entry.
    copied = replace(Manifest.read(sample / "manifest.json"), design="windows (copied)")
    (other / "manifest.json").write_bytes(copied.to_bytes())
    third: list[str] = []
    cost, _ = cost_side(scenario.with_settings(sample=other, population=drawn_from(other)), log=third.append)
    assert not any("using the cached" in line for line in third)
    assert cost.data["file_sha256"]["manifest.json"] == hashlib.sha256((other / "manifest.json").read_bytes()).hexdigest() != manifest_sha

    run_dir = mcvalue.write_report(result, tmp_path / "results" / "mine")
    assert json.loads((run_dir / "run.json").read_text())["sample"] == str(sample.resolve())
    report = (run_dir / "report.md").read_text()
    assert f"`{sample.resolve()}` (manifest.json sha256 {manifest_sha})" in report


def test_a_collected_sample_refuses_paper_mode_and_a_missing_directory(sample, tmp_path):
    """Paper mode is the authors' flat CSV, which a collected sample does not have; a wrong directory is named."""
    with pytest.raises(mcvalue.McValueError, match="sample: a collected sample has no paper mode"):
        mcvalue.load_scenario("default").with_settings(mode="paper", sample=sample)
    scenario = mcvalue.load_scenario("default").with_settings(draws=100, cost_model="bootstrap", sample=tmp_path)
    with pytest.raises(mcvalue.DataError, match="not a sample written by 'mcvalue data collect'"):
        mcvalue.run(scenario)


def test_audit_of_a_collected_sample_counts_it(sample):
    """The audit counts the collected tables: 3 repos, 4 repo-periods (none empty), 6 contributor-periods."""
    report = mcvalue.audit(sample=sample)
    assert report["counts"]["repos"] == 3 and report["counts"]["periods"] == 4
    assert report["counts"]["contributor_periods"] == 6 and report["empty_periods"]["count"] == 0
    assert "truncated_numbers" not in report and report["sample"]["problems"] == []
    assert mcvalue.text.render_audit(report).startswith(f"Audit of the sample collected from git at {sample}")


@pytest.mark.parametrize("command", [["reproduce", "--mode", "clean", "--json"], ["data", "audit", "--json"]])
def test_the_commands_take_sample(sample, monkeypatch, capsys, command):
    """``--sample DIR`` reaches reproduce and data audit: the JSON names the sample's manifest sha256."""
    monkeypatch.setattr(sys, "argv", ["mcvalue", *command, "--sample", str(sample)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    record = json.loads(capsys.readouterr().out)
    key = "data_sha256"
    assert stop.value.code == 0
    assert record[key]["manifest.json"] == hashlib.sha256((sample / "manifest.json").read_bytes()).hexdigest()
    if command[0] == "reproduce":
        assert {f"{r['unit']}_{r['reference']}": r["cost_per_year"] for r in record["rows"]} == pytest.approx(
            {k: SALARY * fte for k, fte in HAND_FTE.items()}, rel=1e-12
        )
