"""compare tells what the user changed from what differs for other reasons, and says why each figure moved."""

import copy
import json

import pytest

from mcvalue.runs.comparison import CHANGED, OTHER, Comparison, compare_runs


def _block(median: float) -> dict:
    return {"median": median, "intervals": {q: [median / 2, median * 2] for q in ("50", "90", "95")},
            "p_above": {"100": {"p": 0.5}}, "exceedance": [{"k": 1.0, "p": 1.0}, {"k": 100.0, "p": 0.5}]}


def _summary(cost: float, benefit: float, fit: str, cpu_set: str = "x86-64-v3") -> dict:
    """Return a minimal summary: cost, benefit and BCR medians, the cost fit's digest and the instruction set of its fit."""
    return {
        "bcr": _block(benefit / cost), "cost_usd": _block(cost), "benefit_usd": _block(benefit), "methods": {},
        "inputs": {}, "diagnostics": {"sampler": {"instruction_set": cpu_set}},
        "provenance": {"seed": 1, "draws": 1000, "cost_fit_sha256": fit, "libraries": {"numpy": "2.5.5"}},
    }


PRIORS = {"benefit": {"haircut": {"dist": "point", "value": 0.1, "label": "Haircut for optimistic sources"}}}


def _edited(value: float) -> dict:
    priors = copy.deepcopy(PRIORS)
    priors["benefit"]["haircut"]["value"] = value
    return priors


def test_a_different_cost_fit_is_named_as_the_cause_of_the_cost_moving_and_is_not_the_users_change():
    # The reference was fitted on another machine (another CPU, another fit), the user only doubled the haircut.
    reference, mine = _summary(250e6, 30e9, "aaaa"), _summary(260e6, 60e9, "bbbb")
    comparison = compare_runs(["reference", "mine"], [reference, mine], [PRIORS, _edited(0.2)],
                              [{"cpu": "AMD EPYC"}, {"cpu": "Intel Xeon"}])
    kinds = {d["key"]: (d["kind"], d["reason"]) for d in comparison.differences}
    assert kinds == {"benefit.haircut.value": (CHANGED, "prior file"), "provenance.cost_fit_sha256": (OTHER, "cost fit"),
                     "machine.cpu": (OTHER, "machine")}
    rows = {r["quantity"]: r for r in comparison.rows}
    assert rows["cost median (USD/yr)"]["change"][1] == pytest.approx(10e6)
    assert rows["cost median (USD/yr)"]["because"][1] == ["the cost fits differ (the machines differ)"]
    assert rows["benefit median (USD/yr)"]["because"][1] == ["you changed Haircut for optimistic sources (value)"]
    assert rows["BCR median"]["because"][1] == ["you changed Haircut for optimistic sources (value)", "the cost fits differ (the machines differ)"]

    from mcvalue.report.text import render_comparison

    text = render_comparison(comparison)
    assert "  cost moved (2 of 2 figures) because the cost fits differ (the machines differ)" in text
    assert "what you changed (1; reference | mine):" in text
    assert "differs for other reasons (not in the prior files or settings) (2; reference | mine):" in text


def test_runs_sharing_a_cost_fit_show_a_cost_change_of_exactly_zero_and_no_other_reason():
    base, mine = _summary(250e6, 30e9, "aaaa"), _summary(250e6, 60e9, "aaaa")
    comparison = compare_runs(["base", "mine"], [base, mine], [PRIORS, _edited(0.2)], [{"cpu": "AMD EPYC"}, {"cpu": "AMD EPYC"}])
    assert comparison.other() == []
    cost = [r for r in comparison.rows if r["quantity"].startswith("cost")]
    assert [r["change"][1] for r in cost] == [0, [0, 0]] and all(r["because"][1] == [] for r in cost)
    # The machine alone, with one shared cost fit, moves nothing: it is listed, never a cause.
    elsewhere = compare_runs(["base", "mine"], [base, mine], [PRIORS, _edited(0.2)], [{"cpu": "AMD EPYC"}, {"cpu": "Intel"}])
    assert [d["reason"] for d in elsewhere.other()] == ["machine"]
    assert next(r for r in elsewhere.rows if r["quantity"] == "BCR median")["because"][1] == ["you changed Haircut for optimistic sources (value)"]


def test_the_comparison_object_gives_exactly_the_json_and_a_table():
    comparison = compare_runs(["a", "b"], [_summary(250e6, 30e9, "f"), _summary(250e6, 60e9, "f")], [PRIORS, _edited(0.2)])
    assert isinstance(comparison, Comparison)
    record = comparison.to_dict()
    assert json.loads(json.dumps(record)) == record and set(record) == {"runs", "rows", "differences", "exceedance"}
    frame = comparison.to_df()
    assert list(frame.columns) == ["a", "b", "change, b"]
    assert frame.loc["benefit median (USD/yr)", "change, b"] == 30e9
    assert frame.loc["BCR median", "b"] == pytest.approx(2 * frame.loc["BCR median", "a"])


def test_uncommenting_a_table_of_the_new_prior_file_keeps_its_label_and_changes_nothing(tmp_path):
    import tomllib

    from mcvalue import load_scenario, new_prior_file
    from mcvalue.runs.comparison import differences, flatten

    path = new_prior_file(tmp_path / "mine.toml")
    text = path.read_text()
    start = text.index("# [benefit.haircut]")
    block = text[start:text.index("\n\n", start)]
    path.write_text(text.replace(block, "\n".join(line[2:] for line in block.splitlines())))
    mine, default = load_scenario(str(path)), load_scenario("default")
    assert mine.label("benefit.haircut") == default.label("benefit.haircut") == "Haircut for optimistic sources"
    keyed = [flatten(tomllib.loads(s.resolved_toml)) for s in (default, mine)]
    assert differences(keyed) == []  # the uncommented table is the default's own: no label, source or value differs


def test_a_damaged_run_json_compares_as_an_unknown_machine_not_an_error(tmp_path):
    import os
    import shutil

    from typer.testing import CliRunner

    from mcvalue import compare
    from mcvalue.cli import app

    made = CliRunner().invoke(app, ["run", "--cost-model", "table1", "--draws", "2000", "--results-dir", str(tmp_path), "--name", "a", "-q"])
    assert made.exit_code == 0, made.output
    shutil.copytree(tmp_path / "a", tmp_path / "b")
    (tmp_path / "b" / "run.json").unlink()
    os.mkfifo(tmp_path / "b" / "run.json")  # never opened for reading: it would block
    comparison = compare(tmp_path / "a", tmp_path / "b")
    assert [(d["key"], d["values"][1], d["reason"]) for d in comparison.differences] == [("machine.cpu", None, "machine")]
    assert all(r["because"][1] == [] and r["change"][1] in (0, [0, 0]) for r in comparison.rows)  # same draws: nothing moved
