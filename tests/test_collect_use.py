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

import numpy as np
import pandas as pd
import pytest
from collect_helpers import ISOLATED_GIT, build_repo, drawn_from

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


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> Path:
    """Collect the sample of the module docstring's table."""
    root = tmp_path_factory.mktemp("use")
    clones = root / "clones"
    build_repo(clones / "pytorch" / "pytorch", [("2021-03-02", ANN, 4), ("2021-03-04", ANN, 6), ("2021-03-09", BEN, 2)])
    build_repo(clones / "tensorflow" / "tensorflow", [("2021-02-01", CY, 50), ("2021-03-15", CY, 8)])
    build_repo(clones / "acme" / "tiny", [("2021-03-01", ANN, 7), ("2021-03-03", BEN, 3), ("2021-05-10", ANN, 5), ("2021-06-01", ANN, 40)])
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


@pytest.fixture(scope="module")
def unreferenced(tmp_path_factory) -> Path:
    """Collect acme/tiny alone, one window: ann 3 commits on 2 days, ben 1 commit (no PyTorch, no TensorFlow)."""
    root = tmp_path_factory.mktemp("unreferenced")
    clones = root / "clones"
    build_repo(clones / "acme" / "tiny", [("2021-03-01", ANN, 7), ("2021-03-01", ANN, 1), ("2021-03-04", ANN, 2), ("2021-03-09", BEN, 3)])
    collect([repo_spec("acme/tiny")], clones, root / "s", Design("windows", windows={"acme/tiny": (MARCH,)}))
    return root / "s"


def test_a_sample_without_the_reference_repos_is_priced_by_the_methods_that_need_none(unreferenced):
    """Default weights: the four reference methods get weight 0 with one warning; contributors and threshold keep theirs.

    One repo and one window, so every bootstrap replicate is that window: contributors FTE
    2 (ann, ben); threshold FTE min(2 / g, 1) + min(1 / g, 1) at each grid threshold g
    (ann's 2 active days, not her 3 commits); the weights 0.2 and 0.3 become 0.4 and 0.6.
    """
    from mcvalue.costmodels.threshold import GRID, TABLE1_COLUMNS

    scenario = mcvalue.load_scenario("default").with_settings(
        draws=2000, cost_model="bootstrap", sample=unreferenced, population=drawn_from(unreferenced)
    )
    result = mcvalue.run(scenario)
    reference_methods = ["commits_pytorch", "lines_tensorflow", "lines_pytorch", "commits_tensorflow"]
    named = [w for w in result.warnings if all(k in w for k in [*reference_methods, "no contributor-period of"])]
    assert len(named) == 1 and "shared among" in named[0]
    assert result.cost.fte[:, 1] == pytest.approx(2.0, abs=0)
    assert result.cost.fte[:, TABLE1_COLUMNS:] == pytest.approx(np.broadcast_to(np.minimum(2 / GRID, 1) + np.minimum(1 / GRID, 1), (len(result.cost.fte), GRID.size)))
    weights = result.scenario.method_weights
    assert [weights[k] for k in reference_methods] == [0.0] * 4
    assert (weights["contributors_pytorch"], weights["activity_threshold"]) == pytest.approx((0.4, 0.6), rel=1e-12)
    summary = result.summary()
    assert set(summary["methods"]) == {"contributors_pytorch", "activity_threshold"}
    assert np.isfinite(summary["bcr"]["median"]) and summary["bcr"]["median"] > 0


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


def test_the_bayesian_threshold_curve_moves_to_active_days_by_the_samples_ratio(unreferenced):
    """Ann's 3 commits on 2 days, Ben's 1: the ratio is (min(2/g,1) + min(1/g,1)) / (min(3/g,1) + min(1/g,1)) by hand.

    That is 1 at g = 1 and 2 (both count fully or Ann fully and Ben half either way), and
    3/4 from g = 3 on (every term below its cap: (2 + 1) / (3 + 1)). The Table 1 columns
    and a sample without active days are untouched.
    """
    from dataclasses import replace

    from mcvalue.costmodels import in_active_days
    from mcvalue.costmodels.bootstrap import active_days_ratio
    from mcvalue.costmodels.side import CostSide
    from mcvalue.costmodels.threshold import GRID, POOL_WIDTH, TABLE1_COLUMNS
    from mcvalue.data.collected_sample import load_collected

    loaded = load_collected(unreferenced)
    ratio = active_days_ratio(loaded)
    assert ratio == pytest.approx(np.where(GRID < 3, 1.0, 0.75), rel=1e-12)
    cost = CostSide("pymc", np.full((3, POOL_WIDTH), 2.0), "draws", {}, fte_by_year=np.full((3, 2, POOL_WIDTH), 4.0), years=(2024, 2025))
    moved = in_active_days(cost, loaded)
    assert moved.fte[:, :TABLE1_COLUMNS] == pytest.approx(np.full((3, TABLE1_COLUMNS), 2.0), abs=0)
    assert moved.fte[:, TABLE1_COLUMNS:] == pytest.approx(np.broadcast_to(2.0 * ratio, (3, GRID.size)), rel=1e-12)
    assert moved.fte_by_year[:, :, TABLE1_COLUMNS:] == pytest.approx(np.broadcast_to(4.0 * ratio, (3, 2, GRID.size)), rel=1e-12)
    assert moved.diagnostics["threshold_activity"]["measure"] == "active_days"
    scrape_row = loaded.contributions.iloc[:1].assign(repo="pytorch/pytorch", tool="pytorch", user="zed", commits=9, active_days=np.nan)
    joined = replace(loaded, contributions=pd.concat([loaded.contributions, scrape_row], ignore_index=True),
                     periods=pd.concat([loaded.periods, loaded.periods.iloc[:1].assign(repo="pytorch/pytorch", tool="pytorch")], ignore_index=True))
    assert active_days_ratio(joined) == pytest.approx(ratio, rel=1e-12)  # a row without active days counts in neither
    commits_only = replace(loaded, contributions=loaded.contributions.drop(columns="active_days"))
    assert active_days_ratio(commits_only) is None and in_active_days(cost, commits_only) is cost


def test_a_run_records_the_prior_file_asked_for_and_compare_lists_only_what_the_user_changed(unreferenced, tmp_path):
    """The engine shares the weight of the methods it cannot price; priors.toml keeps the file as given (issue 27).

    So comparing two such runs whose files differ only in the haircut lists only the
    haircut as changed by the user; the weights used are the run scenario's (summary.json lists the priced methods).
    """
    scenario = mcvalue.load_scenario("default").with_settings(
        draws=2000, cost_model="bootstrap", sample=unreferenced, population=drawn_from(unreferenced)
    )
    edited = scenario.with_prior("benefit.haircut", {"dist": "lognormal", "ci90": [0.05, 0.5], "upper": 1, "label": "Haircut for optimistic sources"})
    assert edited.data.sample == scenario.data.sample  # a prior edit keeps the sample (a setting kept out of the TOML)
    runs = []
    for name, s in (("asked", scenario), ("edited", edited)):
        result = mcvalue.run(s)
        assert result.scenario.method_weights["commits_pytorch"] == 0.0  # the weight used
        runs.append(mcvalue.write_report(result, tmp_path / name))
        assert (runs[-1] / "priors.toml").read_text(encoding="utf-8") == s.resolved_toml  # the file as given
        assert result.summary()["provenance"]["resolved_priors_sha256"] == hashlib.sha256(s.resolved_toml.encode()).hexdigest()
    comparison = mcvalue.compare(*runs)
    assert {d["key"].rsplit(".", 1)[0] for d in comparison.changed()} == {"benefit.haircut"}
