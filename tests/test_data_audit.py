"""Each audit finding on a hand-made fixture holding exactly one case of it, plus cleaning.

Fixture (tests/fixtures/raw_audit.csv, flat_audit.csv):
  Alpha (org/alpha): A1 2020-01-01..15 alice 3 commits 5,485+10, alpha-bot 2 commits 40+40;
                     A2 2020-01-10..24 (overlaps A1 by 5 days) alice 1 commit 7+2; A3 empty.
  Beta (org/beta):   B1 2021-01-01..15 carol 2 commits 100+50; B2 2021-01-15..29 (touches B1,
                     no overlap) carol 1 commit 1+1.
  Beta Mirror (org/beta, the one duplicate): 2021-05-01..15 dave 4 commits 20+0.
The flat CSV truncates the one separated number, 5,485 -> 5.
"""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.data.audit import FINDINGS, audit_tables
from mcvalue.data.clean import apply_cleaning, is_bot
from mcvalue.data.parse import read_flat_contributions, read_raw
from mcvalue.data.tables import CleaningOptions

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="module")
def tables():
    return read_raw(FIXTURES / "raw_audit.csv")


@pytest.fixture(scope="module")
def report(tables):
    return audit_tables(*tables, read_flat_contributions(FIXTURES / "flat_audit.csv"), top=1)


def test_every_finding_has_count_and_cases(report):
    for key in FINDINGS:
        assert set(report[key]) >= {"count", "cases"} and report[key]["count"] == len(report[key]["cases"])


def test_counts(report):
    assert report["counts"] == {"tools": 3, "repos": 2, "periods": 6, "contributor_periods": 6, "users": 4}


def test_truncated_number(report):
    t = report["truncated_numbers"]
    assert t["count"] == 1 and t["unmatched_rows"] == 0
    assert t["cases"][0] == {"tool": "Alpha", "repo": "org/alpha", "period_start": "2020-01-01",
                             "period_end": "2020-01-15", "user": "alice", "field": "lines_added",
                             "raw": 5485, "flat": 5}
    assert t["lost"] == {"commits": 0, "lines_added": 5480, "lines_deleted": 0}


def test_bot(report):
    b = report["bots"]
    assert b["count"] == 1 and b["accounts"] == ["alpha-bot"]
    case = b["cases"][0]
    assert (case["tool"], case["commits"], case["lines"]) == ("Alpha", 2, 80)
    assert case["share_of_repo_commits"] == pytest.approx(2 / 6)
    assert case["share_of_repo_lines"] == pytest.approx(80 / (5495 + 80 + 9))


def test_extra_bots_are_added_to_the_patterns(tables):
    assert audit_tables(*tables, extra_bots=("CAROL",))["bots"]["accounts"] == ["alpha-bot", "carol"]


@pytest.mark.parametrize("name", ["tensorflower-gardener", "tfx-copybara", "h2o-ops", "mlflow-automation",
                                  "greenkeeper[bot]", "facebook-github-bot", "milvus-ci-robot", "dependabot"])
def test_bot_names(name):
    assert is_bot(name)


@pytest.mark.parametrize("name", ["bottler", "thomasopsomer", "limdauto", "abbccdda", "cicdw"])
def test_people_are_not_bots(name):
    assert not is_bot(name)


def test_duplicate_repo(report):
    assert report["duplicate_repos"] == {"count": 1, "cases": [{"repo": "org/beta", "tools": ["Beta", "Beta Mirror"]}]}


def test_overlapping_window(report):
    o = report["overlapping_windows"]
    assert o["count"] == 1  # B1/B2 only touch: half-open windows
    assert o["cases"][0] == {"repo": "org/alpha", "tools": ["Alpha", "Alpha"], "first": ["2020-01-01", "2020-01-15"],
                             "later": ["2020-01-10", "2020-01-24"], "overlap_days": 5}


def test_empty_period(report):
    assert report["empty_periods"] == {"count": 1, "cases": [
        {"tool": "Alpha", "repo": "org/alpha", "period_start": "2020-06-01", "period_end": "2020-06-15"}]}


def test_heaviest(report):
    h = report["heaviest"]
    assert h["count"] == 1 and h["cases"][0]["user"] == "alice" and h["cases"][0]["lines"] == 5495
    assert h["share_of_sample_lines"] == pytest.approx(5495 / (5495 + 80 + 9 + 150 + 2 + 20))
    assert h["cases"][0]["share_of_repo_lines"] == pytest.approx(5495 / (5495 + 80 + 9))  # Alpha's lines


def test_cleaning_each_option(tables):
    contributions, periods = tables
    c, p = apply_cleaning(contributions, periods, CleaningOptions(exclude_bots=True))
    assert "alpha-bot" not in set(c["user"]) and len(p) == 6
    assert p.loc[p["tool"] == "Alpha", "commits"].tolist() == [3, 1, 0]
    c, p = apply_cleaning(contributions, periods, CleaningOptions(merge_duplicate_repos=True))
    assert p.groupby("tool").size().to_dict() == {"Alpha": 3, "Beta / Beta Mirror": 3}
    c, p = apply_cleaning(contributions, periods, CleaningOptions(drop_overlapping_windows=True))
    assert len(p) == 5 and str(p["period_start"].min().date()) == "2020-01-01"
    assert "2020-01-10" not in set(p["period_start"].dt.strftime("%Y-%m-%d"))
    assert c["commits"].sum() == 3 + 2 + 2 + 1 + 4  # alice's A2 commit gone, touching B2 kept


def test_real_sample_audit_cli(real_data_dir):
    """The known traps of the paper's sample, each found independently by reading the files: ten automation accounts, Spark and Snorkel sampled twice, 25 overlapping window pairs (28 pairs share a day, 3 of them only touch), 128 empty periods (the flat CSV lists 695 - 128 = 567 distinct tool-periods), and 1169 numbers truncated."""
    result = CliRunner().invoke(app, ["data", "audit", "--json", "--data-dir", str(real_data_dir)])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["counts"]["tools"] == 139 and report["counts"]["repos"] == 137
    assert set(report["bots"]["accounts"]) == {
        "tensorflower-gardener", "tfx-copybara", "mlflow-automation", "elementl-devtools", "h2o-ops", "flyte-bot",
        "renovate-bot", "greenkeeper[bot]", "milvus-ci-robot", "facebook-github-bot"}
    assert {c["repo"] for c in report["duplicate_repos"]["cases"]} == {"apache/spark", "snorkel-team/snorkel"}
    assert report["overlapping_windows"]["count"] == 25
    assert report["empty_periods"]["count"] == 128
    assert report["truncated_numbers"]["count"] == 1169
    assert report["truncated_numbers"]["cases"][0]["raw"] == 893707 and report["truncated_numbers"]["cases"][0]["flat"] == 893


def test_text_report_groups_empty_periods_by_tool():
    """The human table has one row per tool (most empty periods first), and says how many it left out."""
    from mcvalue.data.audit import _empty_by_tool

    cases = [{"tool": t, "repo": f"org/{t}", "period_start": d, "period_end": d} for t, d in
             [("A", "2020-01-01"), ("B", "2021-03-01"), ("B", "2020-02-01"), ("C", "2019-01-01")]]
    lines = _empty_by_tool({"count": 4, "cases": cases}, top=2)
    assert lines[1] == "empty repo-periods (nobody contributed; counted as zeros): 4"
    rows = [line.split() for line in lines[2].splitlines()[1:]]
    assert rows == [["B", "org/B", "2", "2020-02-01,", "2021-03-01"], ["A", "org/A", "1", "2020-01-01"]]
    assert lines[3] == "  ... and 1 more tools with 1 empty periods (all in --json)"
