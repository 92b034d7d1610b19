"""The public scenario API (issue 8): load by name or path, ``with_prior``, ``with_settings``."""

import tomllib
from pathlib import Path

import numpy as np
import pytest

from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.load import load_scenario, shipped_path
from mcvalue.priors.spec import QUANTITIES, CleaningOptions, Scenario

P = np.array([0.05, 0.5, 0.95])
AI_VALUE = {"dist": "lognormal", "ci90": [3e12, 5e12], "source": "a test"}


def _reload(scenario: Scenario, tmp_path: Path) -> Scenario:
    """Write a scenario's resolved TOML to a file and load it back."""
    path = tmp_path / "resolved.toml"
    path.write_text(scenario.resolved_toml)
    return load_scenario(path)


def test_shipped_names_and_paths_load_the_same_scenario():
    """A shipped name is the shipped file, and None is the default."""
    by_name, by_path = load_scenario("paper"), load_scenario(shipped_path("paper"))
    assert by_name.resolved_toml == by_path.resolved_toml and by_name.sha256 == by_path.sha256
    assert load_scenario(None).sha256 == load_scenario("default").sha256


def test_an_unknown_name_suggests_the_closest():
    """A typo of a shipped name is one line with the suggestion and the list."""
    with pytest.raises(PriorFileError) as raised:
        load_scenario("papr")
    assert str(raised.value) == (
        "papr: no such file and no shipped prior file of that name (did you mean 'paper'?) "
        "(shipped: default, genai2023, paper)"
    )


def test_with_prior_changes_exactly_that_quantity():
    """The new marginal has the interval asked for; every other marginal is unchanged."""
    base = load_scenario("default")
    changed = base.with_prior("benefit.ai_value_usd", AI_VALUE)
    np.testing.assert_allclose(changed.quantities["benefit.ai_value_usd"].ppf(P[[0, 2]]), [3e12, 5e12], rtol=1e-12)
    assert changed.quantities["benefit.ai_value_usd"].source == "a test"
    for name in QUANTITIES:
        if name != "benefit.ai_value_usd":
            assert changed.quantities[name].describe() == base.quantities[name].describe()
            np.testing.assert_array_equal(changed.quantities[name].ppf(P), base.quantities[name].ppf(P))
    assert (changed.method_weights, changed.correlations) == (base.method_weights, base.correlations)
    assert (changed.run, changed.data, changed.path, changed.sha256) == (base.run, base.data, base.path, base.sha256)


def test_with_prior_rewrites_only_that_table_of_the_resolved_toml(tmp_path):
    """The resolved TOML differs from the old one in that table only and reloads to the same scenario."""
    base = load_scenario("default")
    changed = base.with_prior("benefit.ai_value_usd", AI_VALUE)
    old, new = tomllib.loads(base.resolved_toml), tomllib.loads(changed.resolved_toml)
    assert new["benefit"]["ai_value_usd"] == AI_VALUE
    new["benefit"]["ai_value_usd"] = old["benefit"]["ai_value_usd"]
    assert new == old
    assert changed.resolved_toml.startswith("# resolved from default.toml\n# then with_prior(benefit.ai_value_usd)\n")
    reloaded = _reload(changed, tmp_path)
    described = [{q: d.describe() for q, d in s.quantities.items()} for s in (reloaded, changed)]
    assert described[0] == described[1]


def test_with_prior_replaces_the_method_weights():
    """``cost.method_weights`` is a prior too, replaced whole (activity_threshold, left out, gets 0)."""
    weights = {"commits_pytorch": 0.0, "contributors_pytorch": 1.0, "lines_tensorflow": 0.0, "lines_pytorch": 0.0}
    weights["commits_tensorflow"] = 0.0
    changed = load_scenario("default").with_prior("cost.method_weights", weights)
    assert changed.method_weights == {**weights, "activity_threshold": 0.0}


@pytest.mark.parametrize(
    ("name", "table", "message"),
    [
        (
            "benefit.haircut",
            {"dist": "lognormal", "ci90": [0.3, 0.03]},
            "benefit.haircut.ci90: lower end 0.3 is not below upper end 0.03",
        ),
        (
            "benefit.haircut",
            {"dist": "point", "value": 2.0},
            "benefit.haircut: value = 2 is outside [0, 1]: a share or fraction is a probability-like number",
        ),
        ("benefit.haircut", {"dist": "lognorm"}, "benefit.haircut.dist: unknown distribution 'lognorm'"),
        ("benefit.haircut", [0.03, 0.3], "benefit.haircut: expected a table"),
        ("benefit.hair", {"dist": "point"}, "benefit.hair: unknown quantity (did you mean 'benefit.haircut'?)"),
        ("cost.method_weights", {"commits_pytorch": 1.0}, "cost.method_weights: missing contributors_pytorch"),
    ],
    ids=["interval_order", "domain", "unknown_dist", "not_a_table", "unknown_name", "partial_weights"],
)
def test_an_invalid_prior_is_one_line_naming_the_key(name, table, message):
    """The messages a prior file gets, led by the dotted key instead of a file name."""
    with pytest.raises(PriorFileError) as raised:
        load_scenario("default").with_prior(name, table)
    assert len(raised.value.problems) == 1
    assert raised.value.problems[0].startswith(message)


def test_with_prior_needs_a_loaded_scenario():
    """A scenario built in code has no resolved file to validate the table in."""
    base = load_scenario("default")
    built = Scenario(base.quantities, base.method_weights, {}, base.data, base.run)
    with pytest.raises(McValueError, match="with_prior: this scenario was built in code"):
        built.with_prior("benefit.haircut", {"dist": "point", "value": 0.1})


def test_with_settings_round_trips_through_the_resolved_toml(tmp_path):
    """Every setting changed is in the resolved TOML: loading it back gives the same settings and priors."""
    base = load_scenario("default").with_prior("benefit.ai_value_usd", AI_VALUE)
    changed = base.with_settings(draws=1000, seed=7, mode="paper", cost_model="table1")
    assert (changed.run.draws, changed.run.seed, changed.run.cost_model) == (1000, 7, "table1")
    assert changed.data.mode == "paper" and changed.data.cleaning == CleaningOptions.for_mode("paper")
    reloaded = _reload(changed, tmp_path)
    assert (reloaded.run, reloaded.data) == (changed.run, changed.data)
    assert reloaded.quantities["benefit.ai_value_usd"].describe() == "lognormal(ci90=[3T, 5T])"
    assert changed.resolved_toml.startswith("# resolved from default.toml\n# then with_prior(benefit.ai_value_usd)\n")


def test_with_settings_keeps_what_is_not_given():
    """None keeps a setting; no change at all returns the same scenario."""
    base = load_scenario("default")
    assert base.with_settings() is base
    assert base.with_settings(draws=base.run.draws, mode=base.data.mode) is base
    seeded = base.with_settings(seed=1)
    assert (seeded.run.seed, seeded.run.draws, seeded.data) == (1, base.run.draws, base.data)


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"draws": 1}, "draws: need at least 20 draws, got 1"),
        ({"draws": 2.5}, "draws: expected an integer, got 2.5"),
        ({"draws": True}, "draws: expected an integer, got True"),
        ({"seed": -1}, "seed: must be a non-negative integer, got -1"),
        ({"mode": "clen"}, "mode: unknown mode 'clen' (did you mean 'clean'?); choose one of paper, corrected, clean"),
        (
            {"cost_model": "pymcc"},
            "cost_model: unknown cost model 'pymcc' (did you mean 'pymc'?); choose one of pymc, bootstrap, table1",
        ),
    ],
)
def test_an_invalid_setting_is_one_line_naming_the_option(settings, message):
    """Each bad value is refused before anything changes, naming the option."""
    with pytest.raises(McValueError) as raised:
        load_scenario("default").with_settings(**settings)
    assert str(raised.value) == message
