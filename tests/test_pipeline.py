"""The chained pipeline: the paper's chain through the bootstrap, overrides, offline fallback."""

import ast
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import mcvalue.data.fetch
from mcvalue.cli import app
from mcvalue.data.tables import CleaningOptions
from mcvalue.errors import DataError
from mcvalue.pipeline import RunOptions, resolve_scenario, run

PAPER_PRIORS = Path(__file__).resolve().parents[1] / "priors" / "paper.toml"


def _mean_active_contributors_summed_over_repos(data_dir: Path) -> float:
    """By hand from the raw tables: per tool, rows of the flat CSV (one per active
    contributor-period) over the number of periods sampled (the raw scrape's period URLs)."""
    flat = pd.read_csv(data_dir / "2022-02-18 - contributions.csv")
    raw = pd.read_csv(data_dir / "scraped_contributor_information_for_repos.csv")
    periods = {tool: len(ast.literal_eval(urls)) for tool, urls in zip(raw["repo"], raw["date_urls"])}
    rows = flat.groupby("repo").size()
    return float(sum(rows[tool] / periods[tool] for tool in rows.index))


@pytest.mark.realdata
def test_paper_priors_with_bootstrap_reproduce_the_contributors_bcr(real_data_dir):
    contributors = _mean_active_contributors_summed_over_repos(real_data_dir)
    expected = 30e9 / (300e3 * contributors)  # the paper's chain: $30B over 779 FTE x $300K

    result = run(RunOptions(priors=PAPER_PRIORS, cost_model="bootstrap", draws=20_000, data_dir=real_data_dir))

    median = result.summary["methods"]["contributors_pytorch"]["bcr"]["median"]
    assert median == pytest.approx(expected, rel=0.15)
    assert result.summary["benefit_usd"]["median"] == 30e9
    assert result.summary["provenance"]["data_mode"] == "paper"


def test_overrides_reach_the_scenario_and_its_resolved_toml():
    scenario = resolve_scenario(RunOptions(priors=PAPER_PRIORS, draws=1234, seed=5, mode="clean", cost_model="table1"))
    assert (scenario.run.draws, scenario.run.seed, scenario.run.cost_model) == (1234, 5, "table1")
    assert scenario.data.cleaning == CleaningOptions.for_mode("clean")
    written = tomllib.loads(scenario.resolved_toml)
    assert written["run"] == {"draws": 1234, "seed": 5, "cost_model": "table1"}
    assert written["data"]["mode"] == "clean" and written["data"]["exclude_bots"] is True


@pytest.fixture
def offline(monkeypatch):
    """No data anywhere: no --data-dir, no $MCVALUE_DATA_DIR, an empty cache, downloads refused."""
    monkeypatch.delenv("MCVALUE_DATA_DIR", raising=False)
    monkeypatch.setattr(mcvalue.data.fetch, "BASE_URL", "http://127.0.0.1:9/")


def test_offline_run_falls_back_to_table1_with_one_warning(offline, tmp_path):
    result = CliRunner().invoke(
        app, ["run", "--draws", "2000", "--results-dir", str(tmp_path), "--name", "offline", "--quiet"]
    )
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.stderr.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "table1" in warnings[0]
    report = (tmp_path / "offline" / "report.md").read_text()
    headline = report.splitlines()[2]
    assert "the paper's published Table 1 figures, not a fit" in headline
    summary = (tmp_path / "offline" / "summary.json").read_text()
    assert '"cost_model": "table1"' in summary


def test_offline_explicit_data_cost_model_is_an_error(offline):
    with pytest.raises(DataError):
        run(RunOptions(cost_model="bootstrap", draws=100))


def test_cost_side_cache_keys_and_refuses_damaged_entries():
    import numpy as np

    from mcvalue.costmodels import cache

    clean = CleaningOptions.for_mode("clean")
    key = cache.key("bootstrap", "clean", clean, 1)
    # Each input of the key (model, seed, mode, cleaning) separates entries.
    others = {cache.key("pymc", "clean", clean, None), cache.key("bootstrap", "clean", clean, 2),
              cache.key("bootstrap", "paper", clean, 1), cache.key("bootstrap", "clean", CleaningOptions.for_mode("paper"), 1)}
    assert key not in others and len(others) == 4
    fte = np.arange(15.0).reshape(3, 5)
    cache.save(key, fte, {"description": "d"}, {"ppc_lines": b"png"})
    loaded_fte, meta, figures = cache.load(key)
    assert np.array_equal(loaded_fte, fte) and meta == {"description": "d"} and figures == {"ppc_lines": b"png"}
    # An entry whose draws are not (m, 5) finite numbers, or that names another key, is never used.
    np.save(cache.entry_dir(key) / "fte.npy", np.array([[np.nan] * 5]))
    assert cache.load(key) is None
    bad_key = cache.key("bootstrap", "clean", clean, 3)
    cache.save(bad_key, fte, {}, {})
    meta_path = cache.entry_dir(bad_key) / "meta.json"
    meta_path.write_text(meta_path.read_text().replace(bad_key, key))
    assert cache.load(bad_key) is None
