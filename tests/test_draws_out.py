"""Draws out (issue 12, point 2): ``mcvalue run --save-draws`` writes draws.parquet, one row per draw."""

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.priors.load import load_scenario
from mcvalue.priors.spec import BENEFIT_METHODS
from mcvalue.vocab.paper import METHOD_KEYS

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_save_draws_writes_every_draw_and_its_median_is_the_summarys(tmp_path):
    args = ["run", "--priors", str(REPO / "priors" / "default.toml"), "--cost-model", "table1", "--draws", "3001",
            "--results-dir", str(tmp_path), "--name", "d", "--save-draws", "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    draws = pd.read_parquet(tmp_path / "d" / "draws.parquet")
    summary = json.loads((tmp_path / "d" / "summary.json").read_text())
    assert len(draws) == 3001
    quantities = list(load_scenario(REPO / "priors" / "default.toml").quantities)
    assert list(draws.columns) == [*quantities, "method", "benefit_method", "fte", "fte_row", "cost_usd", "benefit_usd", "bcr"]
    assert set(draws["method"].astype(str)) <= set(METHOD_KEYS)
    assert set(draws["benefit_method"].astype(str)) == set(BENEFIT_METHODS)
    # summary.json rounds to 6 significant figures; with an odd count the median is one draw
    assert float(np.median(draws["bcr"])) == pytest.approx(summary["bcr"]["median"], rel=5e-6)
    # each benefit method by hand: benefit is the product of its four factors, BCR benefit over cost
    for key, names in BENEFIT_METHODS.items():
        rows = draws["benefit_method"].astype(str) == key
        assert np.allclose(draws.loc[rows, "benefit_usd"], np.prod(draws.loc[rows, list(names)].to_numpy(), axis=1), rtol=1e-12)
    assert np.allclose(draws["bcr"], draws["benefit_usd"] / draws["cost_usd"], rtol=1e-12)


def test_without_the_flag_no_draws_are_written(tmp_path):
    args = ["run", "--priors", str(REPO / "priors" / "paper.toml"), "--cost-model", "table1", "--draws", "200",
            "--results-dir", str(tmp_path), "--name", "n", "--quiet"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert not (tmp_path / "n" / "draws.parquet").exists() and (tmp_path / "n" / "report.html").is_file()
