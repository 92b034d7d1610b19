"""The chained pipeline: the paper's chain through the bootstrap, overrides, offline fallback."""

import ast
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import mcvalue
import mcvalue.data.fetch
from mcvalue.cli import app
from mcvalue.errors import DataError
from mcvalue.priors.spec import CleaningOptions

PAPER_PRIORS = Path(__file__).resolve().parents[1] / "priors" / "paper.toml"


def _mean_active_contributors_summed_over_repos(data_dir: Path) -> float:
    """By hand from the raw tables: per tool, rows of the flat CSV (one per active contributor-period) over the number of periods sampled (the raw scrape's period URLs)."""
    flat = pd.read_csv(data_dir / "2022-02-18 - contributions.csv")
    raw = pd.read_csv(data_dir / "scraped_contributor_information_for_repos.csv")
    periods = {tool: len(ast.literal_eval(urls)) for tool, urls in zip(raw["repo"], raw["date_urls"], strict=False)}
    rows = flat.groupby("repo").size()
    return float(sum(rows[tool] / periods[tool] for tool in rows.index))


@pytest.mark.realdata
def test_paper_priors_with_bootstrap_reproduce_the_contributors_bcr(real_data_dir):
    contributors = _mean_active_contributors_summed_over_repos(real_data_dir)
    expected = 30e9 / (300e3 * contributors)  # the paper's chain: $30B over 779 FTE x $300K

    scenario = mcvalue.load_scenario(PAPER_PRIORS).with_settings(cost_model="bootstrap", draws=20_000)
    summary = mcvalue.run(scenario, data_dir=real_data_dir).summary()

    median = summary["methods"]["contributors_pytorch"]["bcr"]["median"]
    assert median == pytest.approx(expected, rel=0.15)
    assert summary["benefit_usd"]["median"] == 30e9
    assert summary["provenance"]["data_mode"] == "paper"


def test_overrides_reach_the_scenario_and_its_resolved_toml():
    scenario = mcvalue.load_scenario(PAPER_PRIORS).with_settings(draws=1234, seed=5, mode="clean", cost_model="table1")
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
        mcvalue.run(mcvalue.load_scenario("default").with_settings(cost_model="bootstrap", draws=100), explicit_cost_model=True)


def test_cost_side_cache_keys_and_refuses_damaged_entries(tmp_path, monkeypatch):
    import numpy as np

    from mcvalue.costmodels import CostSide, cache

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    clean = CleaningOptions.for_mode("clean")
    files = {"raw.csv": "a" * 64}
    key = cache.key("bootstrap", "clean", clean, files, 1)
    # Each input of the key (model, seed, mode, cleaning, data files) separates entries.
    others = {cache.key("pymc", "clean", clean, files, None), cache.key("bootstrap", "clean", clean, files, 2),
              cache.key("bootstrap", "paper", clean, files, 1), cache.key("bootstrap", "clean", CleaningOptions.for_mode("paper"), files, 1),
              cache.key("bootstrap", "clean", clean, {"raw.csv": "b" * 64}, 1)}
    assert key not in others and len(others) == 5
    fte = np.arange(1.0, 16.0).reshape(3, 5)
    assert cache.save(key, CostSide("bootstrap", fte, "d", {"cost_model": "bootstrap"})) == ()
    loaded, warnings = cache.load(key)
    assert warnings == () and np.array_equal(loaded.fte, fte) and loaded.description == "d"
    # A flipped byte fails the checksum: the entry is removed with one warning, never used.
    path = cache.entry_dir(key) / "fte.npy"
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF
    path.write_bytes(bytes(data))
    loaded, warnings = cache.load(key)
    assert loaded is None and len(warnings) == 1 and "fte.npy fails its checksum" in warnings[0]
    assert not cache.entry_dir(key).exists()
    # An entry recorded under another key is never used either.
    bad_key = cache.key("bootstrap", "clean", clean, files, 3)
    cache.save(bad_key, CostSide("bootstrap", fte, "d", {}))
    entry = cache.entry_dir(bad_key) / "entry.json"
    entry.write_text(entry.read_text().replace(bad_key, key))
    assert cache.load(bad_key)[0] is None


@pytest.mark.realdata
def test_a_run_from_the_cost_side_cache_writes_the_same_summary_bytes(real_data_dir, tmp_path, monkeypatch):
    """Same inputs and seed, cost side computed or read back from its cache: identical summary.json bytes.

    The cache's record once came back with its keys sorted (the data provenance, the
    diagnostics), so a second run wrote the same numbers in another order.
    """
    from mcvalue.io.jsontext import dumps

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    scenario = mcvalue.load_scenario("default").with_settings(cost_model="bootstrap", draws=2_000)
    computed = mcvalue.run(scenario, data_dir=real_data_dir)
    cached = mcvalue.run(scenario, data_dir=real_data_dir)
    assert list((tmp_path / "cost_sides").iterdir())  # the second run had an entry to read
    assert dumps(cached.summary()) == dumps(computed.summary())
