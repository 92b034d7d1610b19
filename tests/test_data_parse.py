"""The raw-scrape and flat-CSV parsers on hand-written fixtures (numbers worked by hand)."""

from pathlib import Path

import pandas as pd
import pytest

from mcvalue.data.parse import parse_count, read_flat, read_flat_contributions, read_raw
from mcvalue.errors import DataError

FIXTURES = Path(__file__).parent / "fixtures"
HEADER = ",repo,repo_url,avg_num_contributors,start_date,contrib_info,date_urls\n"
URL = "https://github.com/o/tool/graphs/contributors?from=2020-02-02&to=2020-02-16&type=c"


def _raw_file(tmp_path: Path, contrib_info: str) -> Path:
    """Return a one-tool raw scrape named 'Tool' whose contrib_info cell is ``contrib_info``."""
    path = tmp_path / "raw.csv"
    cell = contrib_info.replace('"', '""')
    path.write_text(HEADER + f'0,Tool,https://github.com/o/tool/graphs/contributors,1,"x","{cell}",[]\n')
    return path


@pytest.mark.parametrize(
    ("text", "field", "value"),
    [("1 commit", "commits", 1), ("12 commits", "commits", 12), ("2,001 commits", "commits", 2001),
     ("5,485 ++", "lines_added", 5485), ("1,234,567 --", "lines_deleted", 1234567), ("0 ++", "lines_added", 0)],
)
def test_parse_count_keeps_thousands_and_both_grammatical_numbers(text, field, value):
    assert parse_count(text, field) == value


@pytest.mark.parametrize(("text", "field"), [("5.4k ++", "lines_added"), ("12 --", "lines_added"),
                                             ("1,23 commits", "commits"), ("commits", "commits")])
def test_parse_count_rejects_other_forms(text, field):
    with pytest.raises(ValueError):
        parse_count(text, field)


def test_raw_parse_full_numbers_repo_and_dates():
    contributions, periods = read_raw(FIXTURES / "raw_parse.csv")
    u1 = contributions[(contributions["tool"] == "Gamma") & (contributions["user"] == "u1")].iloc[0]
    assert (u1["commits"], u1["lines_added"], u1["lines_deleted"], u1["lines"]) == (1, 5485, 1234567, 1240052)
    assert u1["repo"] == "some-org/gamma.repo"
    assert (u1["period_start"], u1["period_end"]) == (pd.Timestamp("2019-02-03"), pd.Timestamp("2019-02-17"))
    delta = contributions[contributions["tool"] == "Delta"].iloc[0]
    assert delta["commits"] == 2001
    assert len(contributions) == 3


def test_raw_parse_empty_period_is_a_zero_row():
    _, periods = read_raw(FIXTURES / "raw_parse.csv")
    assert len(periods) == 3
    gamma = periods[periods["tool"] == "Gamma"].set_index("period_start")
    empty = gamma.loc[pd.Timestamp("2019-05-05")]
    assert empty[["contributors", "commits", "lines_added", "lines_deleted", "lines"]].tolist() == [0, 0, 0, 0, 0]
    full = gamma.loc[pd.Timestamp("2019-02-03")]
    assert full[["contributors", "commits", "lines_added", "lines_deleted"]].tolist() == [2, 13, 5485, 1234570]


def test_malformed_number_names_tool_and_period(tmp_path):
    path = _raw_file(tmp_path, f"{{'{URL}': {{'eve': ('3 commits', '5.4k ++', '1 --')}}}}")
    with pytest.raises(DataError, match=r"tool 'Tool', period 2020-02-02\.\.2020-02-16, user 'eve'.*5\.4k"):
        read_raw(path)


def test_malformed_tuple_names_tool_and_period(tmp_path):
    path = _raw_file(tmp_path, f"{{'{URL}': {{'eve': ('3 commits', '1 ++')}}}}")
    with pytest.raises(DataError, match=r"tool 'Tool', period 2020-02-02\.\.2020-02-16"):
        read_raw(path)


def test_code_in_the_cell_is_refused_not_run(tmp_path):
    marker = tmp_path / "ran"
    path = _raw_file(tmp_path, f"__import__('pathlib').Path({str(marker)!r}).touch()")
    with pytest.raises(DataError, match="tool 'Tool': contrib_info is not a Python-literal dict"):
        read_raw(path)
    assert not marker.exists()


def test_period_url_without_dates_is_refused(tmp_path):
    path = _raw_file(tmp_path, "{'https://github.com/o/tool/graphs/contributors': {}}")
    with pytest.raises(DataError, match="tool 'Tool': period URL has no from="):
        read_raw(path)


def test_flat_csv_is_read_as_published_and_padded_to_the_roster():
    roster = pd.DataFrame({"tool": ["Alpha", "Beta", "Beta Mirror", "Zeta"],
                           "repo": ["org/alpha", "org/beta", "org/beta", "z/zeta"], "n_periods": [3, 2, 1, 5]})
    contributions, periods = read_flat(FIXTURES / "flat_audit.csv", roster)
    alice = contributions[(contributions["user"] == "alice") & (contributions["commits"] == 3)].iloc[0]
    assert alice["lines_added"] == 5  # the flat CSV's truncated "5,485", kept as published
    assert len(periods) == 3 + 2 + 1 + 5
    padded = periods[periods["period_start"].isna()]
    assert padded["tool"].tolist() == ["Alpha"] + ["Zeta"] * 5
    assert padded[["contributors", "commits", "lines"]].to_numpy().sum() == 0
    assert periods["contributors"].sum() == 6


def test_flat_csv_with_a_bad_count_names_the_row(tmp_path):
    path = tmp_path / "flat.csv"
    text = (FIXTURES / "flat_audit.csv").read_text().replace("alice,1,7,2", "alice,1,7,2x")
    path.write_text(text)
    with pytest.raises(DataError, match=r"tool 'Alpha', period 2020-01-10\.\.2020-01-24, user 'alice'"):
        read_flat_contributions(path)


def test_real_raw_scrape_totals(real_data_dir):
    """3895 contributor-periods over 139 tools x 5 periods, as both files agree."""
    contributions, periods = read_raw(real_data_dir / "scraped_contributor_information_for_repos.csv")
    assert len(contributions) == 3895
    assert len(periods) == 695 and periods.groupby("tool").size().eq(5).all()
    h2o = contributions[(contributions["tool"] == "H2O") & (contributions["user"] == "maurever")]
    assert 5485 in h2o["lines_added"].tolist()  # "5,485 ++" in the first H2O period


def test_a_file_missing_a_column_is_named_with_the_column(tmp_path):
    raw = tmp_path / "raw.csv"
    raw.write_text(",repo,repo_url\n0,Tool,https://github.com/o/tool\n")
    with pytest.raises(DataError, match=r"^raw\.csv: missing column\(s\) contrib_info$"):
        read_raw(raw)
    flat = tmp_path / "flat.csv"
    flat.write_text((FIXTURES / "flat_audit.csv").read_text().replace("lines_del", "lines_deleted"))
    with pytest.raises(DataError, match=r"^flat\.csv: missing column\(s\) lines_del$"):
        read_flat_contributions(flat)
