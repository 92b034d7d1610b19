"""mcvalue compare: a run directory against a prior file that changes one input."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from mcvalue.cli import app

PAPER_PRIORS = Path(__file__).resolve().parents[1] / "priors" / "paper.toml"


def test_compare_run_directory_with_edited_prior_file(tmp_path):
    runner = CliRunner()
    made = runner.invoke(
        app,
        ["run", "--priors", str(PAPER_PRIORS), "--cost-model", "table1", "--draws", "4000",
         "--results-dir", str(tmp_path), "--name", "paper", "--quiet"],
    )
    assert made.exit_code == 0, made.output
    # Same scenario, haircut doubled: the benefit doubles, the cost draws are unchanged
    # (each stream depends only on the seed and its own name), so every BCR doubles.
    edited = tmp_path / "doubled.toml"
    edited.write_text(
        f'extends = "{PAPER_PRIORS}"\n\n[benefit.haircut]\ndist = "point"\nvalue = 0.2\n\n[run]\ncost_model = "table1"\ndraws = 4000\n'
    )

    result = runner.invoke(app, ["compare", str(tmp_path / "paper"), str(edited), "--json", "--quiet"])

    assert result.exit_code == 0, result.output
    comparison = json.loads(result.stdout)
    rows = {r["quantity"]: r for r in comparison["rows"]}
    assert rows["BCR median"]["b"] == pytest.approx(2 * rows["BCR median"]["a"], rel=1e-5)
    for lo_hi in ("BCR 90% interval", "BCR 50% interval"):
        assert rows[lo_hi]["b"] == pytest.approx([2 * x for x in rows[lo_hi]["a"]], rel=1e-5)
    assert rows["benefit median (USD/yr)"]["a"] == 30e9 and rows["benefit median (USD/yr)"]["b"] == 60e9
    assert rows["cost median (USD/yr)"]["a"] == rows["cost median (USD/yr)"]["b"]
    # Paper chain over Table 1: the methods' ratios are 99.8, 128, 160, 160, 246, each with
    # weight 0.2, so P(BCR > 100) is the share of draws not using commits_pytorch (~0.8),
    # and after doubling every method clears 100.
    assert rows["P(BCR > 100)"]["a"] == pytest.approx(0.8, abs=0.03)  # 4.7 binomial s.e. at n = 4000
    assert rows["P(BCR > 100)"]["b"] == 1.0
    assert [d["input"] for d in comparison["inputs_differ"]] == ["benefit.haircut"]
    assert comparison["settings_differ"] == []

    text = runner.invoke(app, ["compare", str(tmp_path / "paper"), str(edited), "--quiet"]).stdout
    benefit = next(line for line in text.splitlines() if line.startswith("benefit median"))
    assert benefit.split()[-2:] == ["$30B", "$60B"]  # money in USD units, not 3e+10
    above_100 = next(line for line in text.splitlines() if line.startswith("P(BCR > 100)"))
    shown = [float(cell) for cell in above_100.split()[-2:]]
    assert shown == [round(rows["P(BCR > 100)"]["a"], 4), 1.0]  # 4 decimals, never rounded up to 1
    assert above_100.split()[-1] == "1.0000"


def test_compare_refuses_what_is_not_a_run(tmp_path):
    from mcvalue import compare
    from mcvalue.errors import McValueError

    (tmp_path / "empty").mkdir()
    with pytest.raises(McValueError, match="not a run directory"):
        compare(tmp_path / "empty", tmp_path / "empty")
    with pytest.raises(McValueError, match="no such run directory or prior file"):
        compare(tmp_path / "missing", tmp_path / "empty")
