"""The benefit methods (chain, market, time_saved) against hand calculations, and their mixture against its components.

Point priors make every benefit method a product of known numbers: the engine must give
that product exactly, and the BCR that product over the hand-computed cost. A mixture with
weights 1/0 must be its component draw for draw; a 50/50 mixture's draws are the two
components' draws, picked by a fair coin, so its median lies between theirs and each
method's share of draws is 1/2 within binomial error.
"""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from montecarlo_helpers import PointMass, lognormal, make_scenario

import mcvalue
from mcvalue.decision import BENEFIT_METHOD_INPUT, ConditionalRuns
from mcvalue.engine.simulate import model_of, simulate
from mcvalue.engine.statistics import summarise_simulation
from mcvalue.errors import PriorFileError
from mcvalue.priors.load import load_scenario
from mcvalue.priors.spec import BENEFIT_METHOD_KEYS
from mcvalue.vocab.paper import METHOD_KEYS, TABLE1_KEYS

FTE = np.array([[1000.0, 800.0, 600.0, 500.0, 400.0]])  # one constant row, TABLE1_KEYS order
CONTRIBUTORS = {key: float(key == "contributors_pytorch") for key in TABLE1_KEYS}

POINTS = {
    "cost.salary_usd": 200_000.0,
    "cost.fte_fraction_contributor": 0.5,
    "cost.fte_fraction_reference": 0.7,
    "cost.coverage": 2.0,
    "benefit.ai_value_usd": 4e12,
    "benefit.haircut": 0.1,
    "benefit.attribution_share": 0.1,
    "benefit.mloss_share": 0.5,
    "benefit.ai_market_usd": 3.6e11,
    "benefit.value_per_spend": 2.0,
    "benefit.developers": 25e6,
    "benefit.mloss_user_share": 0.15,
    "benefit.time_saved_share": 0.2,
    "benefit.practitioner_wage_usd": 60_000.0,
}
# By hand: the contributors method's cost is salary x FTE x coverage x fraction.
COST = 200_000 * 800 * 2.0 * 0.5  # $160M
BENEFIT = {
    "chain": 4e12 * 0.1 * 0.1 * 0.5,  # $20B
    "market": 3.6e11 * 2.0 * 0.1 * 0.5,  # $36B
    "time_saved": 25e6 * 0.15 * 0.2 * 60_000,  # $45B
}


def _scenario(benefit_weights: dict[str, float], quantities: dict | None = None, draws: int = 2_000):
    scenario = make_scenario(quantities or {k: PointMass(v) for k, v in POINTS.items()}, weights=CONTRIBUTORS, draws=draws)
    return dataclasses.replace(scenario, benefit_weights=benefit_weights)


@pytest.mark.parametrize("key", BENEFIT_METHOD_KEYS)
def test_each_benefit_method_is_its_hand_product_and_its_bcr_that_over_the_hand_cost(key):
    sim = simulate(_scenario({key: 1.0}), FTE, seed=5)
    assert np.all(sim.benefit == pytest.approx(BENEFIT[key], rel=1e-12))
    assert np.all(sim.bcr == pytest.approx(BENEFIT[key] / COST, rel=1e-12))
    for j, other in enumerate(BENEFIT_METHOD_KEYS):  # every method is priced in every draw, whichever is drawn
        assert np.all(sim.benefit_by_method[:, j] == pytest.approx(BENEFIT[other], rel=1e-12))
    summary = summarise_simulation(sim)
    assert summary["benefit_methods"][key]["bcr"]["median"] == pytest.approx(BENEFIT[key] / COST, rel=1e-5)
    assert summary["method_table"][key]["contributors_pytorch"]["median"] == pytest.approx(BENEFIT[key] / COST, rel=1e-5)
    assert summary["method_table"][key]["contributors_pytorch"]["p_above_100"] == float(BENEFIT[key] / COST > 100)


def _lognormal_quantities() -> dict:
    """Every quantity lognormal around its point value (sigma 0.3; shares small enough to stay below 1)."""
    return {k: lognormal(v, 0.3) if not k.startswith("cost.fte_fraction") else PointMass(v) for k, v in POINTS.items()}


def test_a_mixture_with_weights_one_and_zero_is_its_component_draw_for_draw():
    quantities = _lognormal_quantities()
    for j, key in enumerate(BENEFIT_METHOD_KEYS):
        alone = simulate(_scenario({key: 1.0}, quantities), FTE, seed=11)
        assert np.array_equal(alone.benefit_index, np.full(alone.benefit.size, j))
        assert np.array_equal(alone.benefit, alone.benefit_by_method[:, j])
        assert np.array_equal(alone.bcr, alone.benefit_by_method[:, j] / alone.cost)


def test_the_benefit_method_draw_leaves_every_other_stream_alone():
    quantities = _lognormal_quantities()
    chain = simulate(_scenario({"chain": 1.0}, quantities), FTE, seed=11)
    mixed = simulate(_scenario({"chain": 0.4, "market": 0.3, "time_saved": 0.3}, quantities), FTE, seed=11)
    for name in quantities:
        assert np.array_equal(chain.inputs[name], mixed.inputs[name]), name
    assert np.array_equal(chain.cost, mixed.cost)
    assert np.array_equal(chain.benefit_by_method, mixed.benefit_by_method)


def test_a_50_50_mixture_picks_each_component_half_the_time_and_its_median_lies_between_theirs():
    n = 40_000
    sim = simulate(_scenario({"chain": 0.5, "time_saved": 0.5}, _lognormal_quantities(), draws=n), FTE, seed=3)
    share = np.mean(sim.benefit_index == BENEFIT_METHOD_KEYS.index("time_saved"))
    assert share == pytest.approx(0.5, abs=4 * np.sqrt(0.25 / n))  # 4 binomial standard errors
    assert not np.any(sim.benefit_index == BENEFIT_METHOD_KEYS.index("market"))
    chosen = sim.benefit_by_method[np.arange(n), sim.benefit_index]
    assert np.array_equal(sim.benefit, chosen)
    summary = summarise_simulation(sim)
    chain, time_saved = (summary["benefit_methods"][k]["bcr"]["median"] for k in ("chain", "time_saved"))
    assert min(chain, time_saved) < summary["bcr"]["median"] < max(chain, time_saved)
    assert summary["method_table"]["mixture"]["mixture"]["median"] == pytest.approx(summary["bcr"]["median"], rel=1e-5)


def test_a_weighted_method_without_its_quantities_is_refused_naming_the_missing_table(tmp_path: Path):
    mine = tmp_path / "mine.toml"
    mine.write_text('extends = "paper"\n\n[benefit.method_weights]\nchain = 0.5\nmarket = 0.5\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(mine)
    assert "benefit: method_weights gives market weight" in str(raised.value) and "[benefit.ai_market_usd]" in str(raised.value)
    mine.write_text('extends = "default"\n\n[benefit.method_weights]\nchain = 0.5\nmarket = 0.6\n')
    with pytest.raises(PriorFileError, match="weights sum to 1.1, not 1"):
        load_scenario(mine)


def test_the_paper_file_weighs_the_chain_alone_and_the_default_all_three():
    assert load_scenario("paper").benefit_weights == {"chain": 1.0, "market": 0.0, "time_saved": 0.0}
    default = load_scenario("default").benefit_weights
    assert set(default) == set(BENEFIT_METHOD_KEYS) and sum(default.values()) == pytest.approx(1.0) and min(default.values()) > 0


@pytest.fixture(scope="module")
def default_run():
    scenario = load_scenario("default")
    run = dataclasses.replace(scenario.run, cost_model="table1", draws=20_000)
    scenario = dataclasses.replace(scenario, run=run, method_weights={key: float(key == "contributors_pytorch") for key in METHOD_KEYS})
    return mcvalue.run(scenario)


def test_power_shortcuts_of_the_benefit_inputs_give_the_medians_of_rerunning_the_engine(default_run):
    """A benefit factor is a power (exponent 1) only in the draws whose benefit method multiplies it."""
    scenario, sim = default_run.scenario, default_run.simulation
    model = model_of(scenario, default_run.cost.fte)
    args = (model, sim.model_inputs(), sim.fte, sim.method_index, METHOD_KEYS)
    fast = ConditionalRuns(*args, bcr=sim.bcr, powers=model.powers(sim.method_index, sim.benefit_index))
    slow = ConditionalRuns(*args)
    assert np.array_equal(slow.bcr, sim.bcr)
    for name in ("benefit.haircut", "benefit.attribution_share", "benefit.value_per_spend", "benefit.developers"):
        for value in scenario.quantities[name].ppf(np.array([0.1, 0.9])):
            assert fast.median(name, value) == pytest.approx(slow.median(name, value), rel=1e-12), name


def test_the_decision_analysis_covers_the_benefit_method_and_its_inputs(default_run):
    summary = default_run.summary()
    sim = default_run.simulation
    tornado = summary["sensitivity"]["tornado"]
    for j, key in enumerate(BENEFIT_METHOD_KEYS):  # fixing the method: the median of that method's benefit over the cost
        assert tornado["benefit_medians"][key] == pytest.approx(float(np.median(sim.benefit_by_method[:, j] / sim.cost)), rel=1e-5)
    bar = next(b for b in tornado["bars"] if b["input"] == BENEFIT_METHOD_INPUT)
    assert bar["median_low"] == pytest.approx(min(tornado["benefit_medians"].values()), rel=1e-9)
    assert bar["median_high"] == pytest.approx(max(tornado["benefit_medians"].values()), rel=1e-9)
    sobol = default_run.decision.sobol.to_df()
    row = sobol[(sobol["output"] == "log_bcr") & (sobol["input"] == BENEFIT_METHOD_INPUT)]
    assert len(row) == 1 and float(row["total"].iloc[0]) > 0  # the method choice moves log BCR
    for threshold in summary["voi"]["thresholds"]:
        evppi = {e["input"] for e in threshold["evppi"]}
        assert {BENEFIT_METHOD_INPUT, "benefit.time_saved_share", "benefit.value_per_spend"} <= evppi
    break_even = {r["input"] for r in summary["sensitivity"]["break_even"]}
    assert {"benefit.value_per_spend", "benefit.time_saved_share"} <= break_even


@pytest.fixture(scope="module")
def paper_run():
    scenario = load_scenario("paper")
    run = dataclasses.replace(scenario.run, cost_model="table1", draws=2_000)
    return mcvalue.run(dataclasses.replace(scenario, run=run))


def test_decide_on_a_chain_only_scenario_has_no_benefit_method_input(paper_run):
    summary = paper_run.summary()
    tornado = summary["sensitivity"]["tornado"]
    assert tornado["benefit_medians"] == {} and all(b["input"] != BENEFIT_METHOD_INPUT for b in tornado["bars"])
    assert set(summary["benefit_methods"]) == {"chain"}
    assert all(e["input"] != BENEFIT_METHOD_INPUT for t in summary["voi"]["thresholds"] for e in t["evppi"])
    # the paper's point values: $30B over each Table 1 cost, whichever side is mixed
    assert summary["method_table"]["chain"]["contributors_pytorch"]["median"] == pytest.approx(30e9 / 233.70e6, rel=1e-4)


def test_compare_shows_each_runs_benefit_methods_and_the_weights_that_differ(default_run, paper_run):
    import tomllib

    from mcvalue.runs.comparison import compare_runs

    runs = (paper_run, default_run)
    comparison = compare_runs(
        ["paper", "default"], [r.summary() for r in runs], [tomllib.loads(r.scenario.resolved_toml) for r in runs]
    )
    rows = {row["quantity"]: row["values"] for row in comparison.rows}
    market = default_run.summary()["benefit_methods"]["market"]["bcr"]["median"]
    assert rows["BCR median, benefit market"] == [None, market]  # the paper's file has no market method
    assert rows["BCR median, benefit chain"][0] == paper_run.summary()["benefit_methods"]["chain"]["bcr"]["median"]
    keys = {d["key"]: d["values"] for d in comparison.differences}
    assert keys["benefit.method_weights.market"] == [None, 0.3]
