"""Typed results: each reads like its JSON record, ``.to_dict()`` is exactly that record, ``.to_df()`` its table."""

import json
from datetime import date

import pytest

import mcvalue
from mcvalue.data.manifest import Manifest
from mcvalue.runs.result import AuditReport, RunSummary, Table1Result


def test_run_summary_to_dict_is_summary_json_and_to_df_has_its_figures(tmp_path):
    result = mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=1000))
    path = mcvalue.write_report(result, tmp_path / "run")
    on_disk = json.loads((path / "summary.json").read_text())
    summary = result.summary()
    assert isinstance(summary, RunSummary) and type(summary.to_dict()) is dict
    assert summary.to_dict() == on_disk
    table = summary.to_df()
    assert list(table.index[:3]) == ["bcr", "cost_usd", "benefit_usd"]
    assert len(table) == 3 + len(on_disk["methods"])
    assert table.loc["bcr", "median"] == on_disk["bcr"]["median"]
    assert [table.loc["bcr", "ci90_low"], table.loc["bcr", "ci90_high"]] == on_disk["bcr"]["intervals"]["90"]
    assert table.loc["bcr", "p_above_100"] == on_disk["bcr"]["p_above"]["100"]["p"]
    assert table.loc["cost_usd.commits_pytorch", "median"] == on_disk["methods"]["commits_pytorch"]["cost_usd"]["median"]


def test_summary_to_dict_is_a_copy():
    summary = RunSummary({"bcr": {"median": 2.0}})
    copied = summary.to_dict()
    copied["bcr"]["median"] = 3.0
    assert summary["bcr"]["median"] == 2.0


def test_table1_of_all_modes_has_the_published_rows_first():
    published = [{"unit": "commits", "reference": "pytorch", "cost_per_year": 300.48e6}]
    record = Table1Result({"published": {"source": "paper", "rows": published},
                           "modes": [{"mode": "clean", "rows": [{"unit": "commits", "reference": "pytorch", "cost_per_year": 1.0}]}]})
    assert record.to_df()[["mode", "cost_per_year"]].values.tolist() == [["published", 300.48e6], ["clean", 1.0]]


@pytest.mark.realdata
def test_reproduce_in_paper_mode_gives_table1_as_a_table(real_data_dir):
    table = mcvalue.reproduce("paper", data_dir=real_data_dir).to_df().set_index(["unit", "reference"])
    assert len(table) == 5
    # Table 1 of the paper: 300.48M, 233.70M, 187.09M, 187.06M, 122.17M a year; paper mode is within 2.5%
    # (the tolerance of tests/test_table1.py: the published units per year are rounded and the flat CSV is re-read).
    for (unit, ref), cost in {("commits", "pytorch"): 300.48e6, ("contributors", "pytorch"): 233.70e6, ("lines", "tensorflow"): 187.09e6,
                              ("lines", "pytorch"): 187.06e6, ("commits", "tensorflow"): 122.17e6}.items():
        assert table.loc[(unit, ref), "cost_per_year"] == pytest.approx(cost, rel=0.025)


def test_audit_table_has_one_row_per_finding():
    report = AuditReport({"counts": {"repos": 3}, "bots": {"count": 2, "cases": []}, "duplicate_repos": {"count": 0, "cases": []}})
    assert report.to_df().values.tolist() == [["bots", 2], ["duplicate_repos", 0]]
    assert report.to_dict() == {"counts": {"repos": 3}, "bots": {"count": 2, "cases": []}, "duplicate_repos": {"count": 0, "cases": []}}


def test_manifest_to_dict_is_manifest_json_and_to_df_has_a_row_per_window():
    window = {"start": date(2021, 3, 1).isoformat(), "end": date(2021, 3, 15).isoformat(), "in_history": True, "commits": 4}
    ok = {"repo": "acme/a", "tool": "A", "url": "u", "status": "ok", "problems": [], "default_branch": "main", "commit": "c" * 40,
          "history": None, "shallow": False, "windows": [window, {**window, "commits": 1}]}
    skipped = {**ok, "repo": "acme/b", "status": "skipped", "problems": ["gone"], "commit": None, "windows": []}
    manifest = Manifest(design="history", seed=2022, per_repo=2, repositories=(ok, skipped), files={})
    assert manifest.to_dict() == json.loads(manifest.to_bytes())
    table = manifest.to_df()
    assert table[["repo", "status"]].values.tolist() == [["acme/a", "ok"], ["acme/a", "ok"], ["acme/b", "skipped"]]
    assert table["commits"].iloc[:2].tolist() == [4, 1] and table["commits"].isna().iloc[2]
