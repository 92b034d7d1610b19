"""mcvalue compare: run directories, run names and prior files side by side, and exactly what differs."""

import json
import re
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
    rows = {r["quantity"]: dict(zip("ab", r["values"], strict=True), change=r["change"][1]) for r in comparison["rows"]}
    assert rows["BCR median"]["b"] == pytest.approx(2 * rows["BCR median"]["a"], rel=1e-5)
    assert rows["BCR median"]["change"] == pytest.approx(rows["BCR median"]["a"], rel=1e-5)  # doubled: the change is the first value
    for lo_hi in ("BCR 90% interval", "BCR 50% interval"):
        assert rows[lo_hi]["b"] == pytest.approx([2 * x for x in rows[lo_hi]["a"]], rel=1e-5)
    assert rows["benefit median (USD/yr)"]["a"] == 30e9 and rows["benefit median (USD/yr)"]["b"] == 60e9
    assert rows["cost median (USD/yr)"]["a"] == rows["cost median (USD/yr)"]["b"]
    # Paper chain over Table 1: the methods' ratios are 99.8, 128, 160, 160, 246, each with
    # weight 0.2, so P(BCR > 100) is the share of draws not using commits_pytorch (~0.8),
    # and after doubling every method clears 100.
    assert rows["P(BCR > 100)"]["a"] == pytest.approx(0.8, abs=0.03)  # 4.7 binomial s.e. at n = 4000
    assert rows["P(BCR > 100)"]["b"] == 1.0
    # Exactly the haircut's table differs (it replaces the paper's whole, so its label and
    # source go too); the run's [run] table matches the command line's.
    differences = {d["key"]: d["values"] for d in comparison["differences"]}
    assert set(differences) == {"benefit.haircut.value", "benefit.haircut.label", "benefit.haircut.source"}
    assert differences["benefit.haircut.value"] == [0.1, 0.2] and differences["benefit.haircut.label"][1] is None
    assert {d["kind"] for d in comparison["differences"]} == {"changed"}  # one Table 1 cost fit, one machine: nothing else differs
    # Both runs price with Table 1's figures: the cost moved by exactly 0, and nothing is said to have moved it.
    assert rows["cost median (USD/yr)"]["change"] == 0
    cost_rows = [r for r in comparison["rows"] if r["quantity"].startswith("cost")]
    assert all(r["change"][1] in (0, [0, 0]) and r["because"][1] == [] for r in cost_rows)
    benefit_row = next(r for r in comparison["rows"] if r["quantity"] == "benefit median (USD/yr)")
    assert benefit_row["because"][1] == ["you changed Haircut for optimistic sources (value)"]  # label and source move no figure

    text = runner.invoke(app, ["compare", str(tmp_path / "paper"), str(edited), "--quiet"]).stdout
    benefit = next(line for line in text.splitlines() if line.startswith("benefit median"))
    assert benefit.split()[-3:] == ["$30B", "$60B", "(+$30B)"]  # money in USD units, not 3e+10
    above_100 = next(line for line in text.splitlines() if line.startswith("P(BCR > 100)"))
    first, second = above_100.split()[-3:-1]
    assert float(first) == round(rows["P(BCR > 100)"]["a"], 4) and second == "1.0000"  # 4 decimals, never rounded up to 1
    assert re.search(r"^  Haircut for optimistic sources:$", text, re.M)  # the paper file's label names the quantity once
    assert re.search(r"^    benefit.haircut.value +0.1  \|  0.2$", text, re.M)


def test_compare_refuses_what_is_not_a_run(tmp_path):
    from mcvalue import compare
    from mcvalue.errors import McValueError

    (tmp_path / "empty").mkdir()
    with pytest.raises(McValueError, match="not a run directory"):
        compare(tmp_path / "empty", tmp_path / "empty")
    with pytest.raises(McValueError, match="no such run directory, run name in .* or prior file"):
        compare(tmp_path / "missing", tmp_path / "empty", results_dir=tmp_path)
    with pytest.raises(McValueError, match="at least two"):
        compare(tmp_path / "empty")


def _write(tmp_path: Path, name: str, body: str) -> Path:
    path = tmp_path / name
    path.write_text(f'extends = "{PAPER_PRIORS}"\n{body}\n[run]\ncost_model = "table1"\ndraws = 2000\n')
    return path


def test_a_correlation_or_the_method_weights_alone_are_differences_and_run_names_resolve(tmp_path):
    from mcvalue import compare, write_comparison_plot

    runner = CliRunner()
    base = _write(tmp_path, "base.toml", "")
    made = runner.invoke(app, ["run", "--priors", str(base), "--results-dir", str(tmp_path / "results"), "--name", "base", "--quiet"])
    assert made.exit_code == 0, made.output
    correlated = _write(tmp_path, "correl.toml", '[[correlations]]\nbetween = ["cost.coverage", "benefit.mloss_share"]\nrho = 0.4\n')
    weights = _write(
        tmp_path, "weights.toml",
        "[cost.method_weights]\ncommits_pytorch = 0\ncontributors_pytorch = 0\nlines_tensorflow = 0\nlines_pytorch = 0\ncommits_tensorflow = 1\n",
    )

    # The run by its name in the results directory, against itself: nothing differs, every change is 0.
    same = compare("base", tmp_path / "results" / "base", results_dir=tmp_path / "results").to_dict()
    assert same["differences"] == []
    assert all(c in (0, [0, 0]) for r in same["rows"] for c in r["change"][1:])

    three = compare("base", correlated, weights, results_dir=tmp_path / "results")
    assert three.runs == ["base", "correl.toml", "weights.toml"]
    keys = {d["key"]: d["values"] for d in three.differences}
    assert keys.pop("correlations.benefit.mloss_share ~ cost.coverage") == [None, 0.4, None]
    assert keys.pop("cost.method_weights.commits_tensorflow") == [0.2, 0.2, 1]
    for method in ("commits_pytorch", "contributors_pytorch", "lines_tensorflow", "lines_pytorch"):
        assert keys.pop(f"cost.method_weights.{method}") == [0.2, 0.2, 0]
    assert keys == {}  # nothing else: same draws, seed, data, cost model, versions
    # Point priors: only commits_tensorflow's ratio, 30e9 / 122.17e6 = 245.6, in the weights run.
    median = next(r for r in three.rows if r["quantity"] == "BCR median")
    assert median["values"][2] == pytest.approx(30e9 / 122.17e6, rel=1e-5)
    assert median["change"][2] == pytest.approx(median["values"][2] - median["values"][0])

    figure = write_comparison_plot(three, tmp_path / "compare.png")
    import matplotlib.image as mpimg

    assert mpimg.imread(figure).shape[2] in (3, 4)

