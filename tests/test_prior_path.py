"""A prior's path from file to report (issue 21): file text -> Scenario -> draws, TOML parsed once per file read.

The scenario keeps its resolved prior file as a read-only
:class:`~mcvalue.priors.document.Document`; edits, runs, reports and comparisons use it
and render TOML text only to write it out. These tests count every call of
``tomllib.loads`` / ``tomllib.load`` along the whole path.
"""

import tomllib

import numpy as np
import pytest

import mcvalue
from mcvalue.priors.document import Document
from mcvalue.priors.load import load_scenario
from mcvalue.priors.spec import Scenario

HAIRCUT = {"dist": "point", "value": 0.5, "source": "a test"}
#: A file extending the shipped default (2 files to read) and cheap to run: Table 1's FTE, few draws.
MINE = 'extends = "default"\n[run]\ndraws = 200\nseed = 3\ncost_model = "table1"\n'
P = np.array([0.05, 0.5, 0.95])


@pytest.fixture
def parses(monkeypatch) -> list[str]:
    """Record the text of every ``tomllib.loads`` call (and ``<file>`` for every ``tomllib.load``) from now on."""
    calls: list[str] = []
    loads, load = tomllib.loads, tomllib.load

    def counted_loads(text: str, **kwargs):
        calls.append(text)
        return loads(text, **kwargs)

    def counted_load(handle, **kwargs):
        calls.append("<file>")
        return load(handle, **kwargs)

    monkeypatch.setattr(tomllib, "loads", counted_loads)
    monkeypatch.setattr(tomllib, "load", counted_load)
    return calls


def test_a_prior_is_parsed_once_per_file_read_and_never_again(tmp_path, parses):
    """Load (2 files), edit, run, summarise, write the report: 2 parses; comparing the run with the file: 1 + 2 more."""
    mine = tmp_path / "mine.toml"
    mine.write_text(MINE, encoding="utf-8")
    scenario = load_scenario(mine)
    assert len(parses) == 2 and parses[0] == MINE  # the file named, then the default it extends

    edited = scenario.with_prior("benefit.haircut", HAIRCUT).with_settings(draws=300, seed=4, mode="corrected", target_year=2020)
    stock = edited.with_settings(basis="stock", cost_model="pymc")  # a new basis validates the whole document again
    flow = stock.with_settings(basis="flow", cost_model="table1")
    assert "cost.depreciation_rate" in stock.quantities and "cost.depreciation_rate" not in flow.quantities
    result = mcvalue.run(flow)
    summary = result.summary()
    run_dir = mcvalue.write_report(result, tmp_path / "run")
    assert len(parses) == 2, parses[2:]
    assert (summary["inputs"]["benefit.haircut"]["median"], summary["inputs"]["benefit.haircut"]["source"]) == (0.5, "a test")
    assert (run_dir / "priors.toml").read_text(encoding="utf-8") == flow.resolved_toml

    comparison = mcvalue.compare(run_dir, mine)  # the run's priors.toml (1) and mine with its base (2)
    assert len(parses) == 5
    assert {"benefit.haircut.value", "cost.target_year", "data.mode", "run.draws"} <= {d["key"] for d in comparison.differences}


def test_edits_copy_the_document_and_never_change_the_scenario_they_start_from():
    """The document is read-only; an edit's copy of it is the edited scenario's alone."""
    base = load_scenario("default")
    with pytest.raises(TypeError):
        base.document["benefit"]["haircut"] = HAIRCUT  # type: ignore[index]
    before = base.document.to_dict()
    before["benefit"]["haircut"] = HAIRCUT  # a copy: the scenario does not see it
    assert base.document["benefit"]["haircut"]["dist"] != "point"
    edited = base.with_prior("benefit.haircut", HAIRCUT)
    assert dict(edited.document["benefit"]["haircut"]) == HAIRCUT
    assert base.document["benefit"]["haircut"] != edited.document["benefit"]["haircut"]
    assert edited.document.header == "# resolved from default.toml\n# then with_prior(benefit.haircut)\n"


def _same_scenario(again: Scenario, scenario: Scenario) -> None:
    """Assert two scenarios hold the same priors, weights, correlations, labels and settings."""
    assert set(again.quantities) == set(scenario.quantities)
    for name, distribution in scenario.quantities.items():
        assert again.quantities[name].describe() == distribution.describe()
        np.testing.assert_array_equal(again.quantities[name].ppf(P), distribution.ppf(P))
    assert (again.method_weights, again.benefit_weights, again.correlations, again.labels) == (
        scenario.method_weights, scenario.benefit_weights, scenario.correlations, scenario.labels
    )
    assert (again.data, again.run) == (scenario.data, scenario.run)
    assert again.document.to_dict() == scenario.document.to_dict()


@pytest.mark.parametrize("name", ["default", "paper", "genai2023"])
def test_the_rendered_text_loads_back_to_the_same_scenario(tmp_path, name):
    """The renderer is exact: written out and loaded again, an edited scenario is the same scenario."""
    scenario = load_scenario(name).with_prior("benefit.haircut", HAIRCUT).with_settings(draws=500, seed=9, mode="corrected")
    if name != "paper":  # the paper's file gives no stock rates
        scenario = scenario.with_settings(basis="stock", target_year=2020)
    path = tmp_path / "resolved.toml"
    path.write_text(scenario.resolved_toml, encoding="utf-8")
    _same_scenario(load_scenario(path), scenario)


def test_a_document_renders_as_the_table_it_was_given():
    """Rendering a Document writes what tomli_w writes for the dict; parsing that gives the dict back."""
    table = {"cost": {"basis": "flow", "salary_usd": {"dist": "lognormal", "ci90": [1.5e5, 4e5]}}, "correlations": [{"between": ["a", "b"], "rho": -0.3}]}
    document = Document(table, header="# by hand\n")
    text = document.render()
    assert text.startswith("# by hand\n") and tomllib.loads(text) == table == document.to_dict()
    assert Document().render() == "" and not Document()


def test_a_scenario_built_in_code_has_an_empty_document(tmp_path):
    """Built in code there is no prior file to render; settings alone make a document of settings."""
    bare = load_scenario("paper")
    code = Scenario(bare.quantities, bare.method_weights, bare.correlations, bare.data, bare.run)
    assert code.resolved_toml == "" and not code.document
    assert tomllib.loads(code.with_settings(draws=100).resolved_toml)["run"]["draws"] == 100


def test_the_default_run_writes_the_prior_file_it_loaded(tmp_path):
    """Without edits, priors.toml is the resolved default and summary.json hashes exactly those bytes."""
    import hashlib

    scenario = load_scenario("default").with_settings(draws=200, cost_model="table1")
    result = mcvalue.run(scenario)
    written = (mcvalue.write_report(result, tmp_path / "run") / "priors.toml").read_bytes()
    assert written.startswith(b"# resolved from default.toml\n[cost]\n")
    assert result.summary()["provenance"]["resolved_priors_sha256"] == hashlib.sha256(written).hexdigest()
    assert tomllib.loads(written.decode()) == scenario.document.to_dict()

