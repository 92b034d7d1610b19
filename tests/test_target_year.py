"""``[cost] target_year`` in prior files, ``with_settings(target_year=...)`` and its validation."""

import pytest

import mcvalue
from mcvalue.errors import McValueError, PriorFileError


def _file(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "default"\n' + body, encoding="utf-8")
    return path


def test_default_target_year_is_2021_and_files_can_set_average(tmp_path):
    assert mcvalue.load_scenario("default").run.target_year == 2021
    scenario = mcvalue.load_scenario(_file(tmp_path, '[cost]\ntarget_year = "average"\n'))
    assert scenario.run.target_year == "average"
    assert 'target_year = "average"' in scenario.resolved_toml


def test_with_settings_reads_digits_as_a_year_and_records_it():
    scenario = mcvalue.load_scenario("default").with_settings(target_year="2019")
    assert scenario.run.target_year == 2019
    assert "target_year = 2019" in scenario.resolved_toml


@pytest.mark.parametrize("value", ["1999", "next", 2031, True])
def test_bad_target_year_names_the_option(value):
    with pytest.raises(McValueError, match=r"^target_year: expected a year from 2005 to 2030 or 'average'"):
        mcvalue.load_scenario("default").with_settings(target_year=value)


def test_bad_target_year_in_a_file_names_the_key(tmp_path):
    with pytest.raises(PriorFileError, match=r"cost\.target_year"):
        mcvalue.load_scenario(_file(tmp_path, "[cost]\ntarget_year = 1990\n"))


@pytest.mark.parametrize(
    ("provenance", "expected"),
    [
        ({"cost_model": "pymc", "target_year": 2022}, "time trends predict for 2022."),
        ({"cost_model": "pymc", "target_year": "average"}, "averaged over the sampled two-week windows (2009-2022): the paper's long-run average."),
        ({"cost_model": "bootstrap", "target_year": "average"}, "the paper's long-run average."),
        ({"cost_model": "table1", "target_year": "average"}, "the paper's published Table 1 figure"),
    ],
)
def test_report_states_the_estimand_in_one_sentence(provenance, expected):
    from mcvalue.report.result_sections import estimand_sentence

    sentence = estimand_sentence({"provenance": provenance})
    assert expected in sentence and sentence.count(". ") == 0 and sentence.endswith(".")
