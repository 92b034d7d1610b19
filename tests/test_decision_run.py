"""The decision analysis of a run (mcvalue.decision.decide) against hand calculations.

Every run here uses the published Table 1 FTE (``cost_model = "table1"``): no data, no fit.

* Paper priors (point masses) over Table 1: each method's BCR is $30B / its Table 1 cost,
  so the exceedance curve is a step function of the method weights.
* All-lognormal priors with one costing method: log BCR is a sum of independent normals,
  so median(BCR | haircut = v) = median(BCR) v / median(haircut) and the break-even value
  of the haircut at k is k median(haircut) / median(BCR).
* The same with a rank correlation between haircut and attribution share: under
  Iman-Conover the normal scores are jointly normal with Pearson r = 2 sin(pi rho / 6), so
  fixing the haircut at its p90 (score z) moves the attribution share's median by
  exp(r sigma_a z) as well; a conditional run that ignored the correlation would miss it.
"""

import dataclasses
import json
from pathlib import Path

import numpy as np
import pytest
from montecarlo_helpers import LOGNORMAL_PARAMETERS, lognormal, make_scenario
from scipy.special import ndtr, ndtri
from typer.testing import CliRunner

import mcvalue
from mcvalue.costmodels import CostSide
from mcvalue.costmodels.table1 import table1_fte
from mcvalue.decision import METHOD_INPUT, decide
from mcvalue.engine.simulate import model_of, simulate
from mcvalue.priors.load import load_scenario
from mcvalue.vocab.paper import METHOD_KEYS, METHODS, PAPER_BENEFIT_USD

PRIORS = Path(__file__).resolve().parents[1] / "priors"
HAIRCUT = "benefit.haircut"
ATTRIBUTION = "benefit.attribution_share"
ONE_METHOD = "contributors_pytorch"


def _table1(path: Path | None, draws: int, seed: int | None = None) -> mcvalue.Scenario:
    """Return a shipped prior file's scenario over the Table 1 cost side."""
    scenario = load_scenario(path)
    run = dataclasses.replace(scenario.run, cost_model="table1", draws=draws, seed=scenario.run.seed if seed is None else seed)
    return dataclasses.replace(scenario, run=run)


@pytest.fixture(scope="module")
def default_run():
    return mcvalue.run(_table1(None, 20_000), thresholds=[50.0])


@pytest.fixture(scope="module")
def paper_run():
    return mcvalue.run(_table1(PRIORS / "paper.toml", 20_000))


def test_exceedance_agrees_with_p_above_and_holds_the_grid_and_the_user_threshold(default_run):
    summary = default_run.summary()
    curve = {row["k"]: row for row in summary["bcr"]["exceedance"]}
    for key in ("1", "10", "100"):
        assert curve[float(key)]["p"] == summary["bcr"]["p_above"][key]["p"]
        assert curve[float(key)]["mcse"] == summary["bcr"]["p_above"][key]["mcse"]
    ks = sorted(curve)
    assert len(ks) >= 26 and {1.0, 10.0, 50.0, 100.0, 1000.0} <= set(ks)
    assert ks[0] == 1.0 and ks[-1] == 1000.0
    p = [curve[k]["p"] for k in ks]
    assert p == sorted(p, reverse=True)
    bcr = default_run.simulation.bcr
    assert curve[50.0]["p"] == pytest.approx(float(np.mean(bcr > 50.0)), abs=1e-6)
    assert summary["provenance"]["thresholds"] == [50.0]


def test_paper_priors_give_a_step_exceedance_curve_from_the_method_weights(paper_run):
    summary = paper_run.summary()
    n = paper_run.simulation.bcr.size
    bcr_of = {m.key: PAPER_BENEFIT_USD / m.paper_cost_per_year for m in METHODS}
    weights = paper_run.scenario.method_weights
    for row in summary["bcr"]["exceedance"]:
        expected = sum(weights[key] for key, b in bcr_of.items() if b > row["k"])
        se = np.sqrt(expected * (1 - expected) / n)
        assert row["p"] == pytest.approx(expected, abs=4 * se + 1e-12), row["k"]
    # Each method alone: exactly 1 below its Table 1 BCR and 0 above.
    table = paper_run.decision.exceedance
    for key in table.p:
        curve = table.rows(key)
        if key != "mixture":
            assert [r["p"] for r in curve] == [float(bcr_of[key] > r["k"]) for r in curve]
    # k = 100 by hand: every method but commits_pytorch ($300M a year, BCR 99.8) beats 100:1.
    k100 = next(r for r in summary["bcr"]["exceedance"] if r["k"] == 100.0)
    assert k100["p"] == pytest.approx(0.8, abs=4 * np.sqrt(0.16 / n))


def test_paper_priors_have_no_break_even_and_a_method_bar_between_the_table1_ratios(paper_run):
    sensitivity = paper_run.summary()["sensitivity"]
    assert sensitivity["break_even"] == []  # every quantity is a point mass
    assert sensitivity["fragility"].startswith("no single input")
    bars = {b["input"]: b for b in sensitivity["tornado"]["bars"]}
    assert set(bars) == {*paper_run.scenario.quantities, "fte", METHOD_INPUT}  # every input gets a bar
    method = bars[METHOD_INPUT]
    assert (method["value_low"], method["value_high"]) == ("commits_pytorch", "commits_tensorflow")
    assert method["median_low"] == pytest.approx(PAPER_BENEFIT_USD / 300.48e6, rel=1e-5)
    assert method["median_high"] == pytest.approx(PAPER_BENEFIT_USD / 122.17e6, rel=1e-5)
    sobol = {e["output"]: {r["input"]: r for r in e["indices"]} for e in sensitivity["sobol"]}
    assert sobol["log_bcr"][METHOD_INPUT]["first"] == pytest.approx(1.0, abs=0.05)  # the only input that varies
    assert sobol["log_bcr"]["benefit.haircut"]["total"] == 0.0


def _one_method_run(correlations=None, draws=40_000):
    """All-lognormal scenario, contributors method only, Table 1 FTE; decide() on its draws."""
    quantities = {k: lognormal(m, s) for k, (m, s) in LOGNORMAL_PARAMETERS.items()}
    weights = {key: float(key == ONE_METHOD) for key in METHOD_KEYS}
    scenario = make_scenario(quantities, weights, correlations, draws)
    cost = CostSide("table1", table1_fte(1), "Table 1", {"cost_model": "table1"})
    sim = simulate(scenario, cost.fte, scenario.run.seed)
    return scenario, sim, decide(scenario, model_of(scenario, cost.fte), sim, thresholds=[30.0])


def _population_median_bcr() -> float:
    """Median BCR of the all-lognormal scenario under the contributors method: the ratio of the medians."""
    m = {k: med for k, (med, _) in LOGNORMAL_PARAMETERS.items()}
    fte = table1_fte(1)[0, METHOD_KEYS.index(ONE_METHOD)]
    benefit = m["benefit.ai_value_usd"] * m[HAIRCUT] * m[ATTRIBUTION] * m["benefit.mloss_share"]
    return benefit / (m["cost.salary_usd"] * fte * m["cost.coverage"] * m["cost.fte_fraction_contributor"])


def _sigma_rest(*leave_out: str) -> float:
    """Log-sd of BCR from every quantity the contributors method uses but ``leave_out``."""
    unused = {"cost.fte_fraction_reference", *leave_out}
    return float(np.sqrt(sum(s**2 for k, (_, s) in LOGNORMAL_PARAMETERS.items() if k not in unused)))


def test_break_even_of_the_haircut_is_the_hand_value_of_a_product():
    scenario, sim, decision = _one_method_run()
    median_h, sigma_h = LOGNORMAL_PARAMETERS[HAIRCUT]
    median_bcr = _population_median_bcr()
    # The conditional median is that of n draws of BCR / haircut: log-scale se sqrt(pi / 2) sigma / sqrt(n).
    rel = 4 * np.sqrt(np.pi / 2) * _sigma_rest(HAIRCUT) / np.sqrt(sim.bcr.size)
    rows = {r["threshold"]: r for r in decision.break_even.to_dict() if r["input"] == HAIRCUT}
    assert set(rows) == {1.0, 30.0, 100.0}
    for k in (30.0, 100.0):
        v = k * median_h / median_bcr
        assert rows[k]["value"] == pytest.approx(v, rel=rel), k
        assert rows[k]["prior_quantile"] == pytest.approx(float(ndtr(np.log(v / median_h) / sigma_h)), abs=0.01)
        assert rows[k]["direction"] == "below"
    # k = 1 needs a haircut below the prior's p0.1.
    assert rows[1.0]["value"] is None and rows[1.0]["note"]
    # A cost input works the other way round: median BCR proportional to 1 / salary.
    salary = next(r for r in decision.break_even.to_dict() if r["input"] == "cost.salary_usd" and r["threshold"] == 100.0)
    median_s = LOGNORMAL_PARAMETERS["cost.salary_usd"][0]
    assert salary["direction"] == "above"
    assert salary["value"] == pytest.approx(median_s * median_bcr / 100.0, rel=rel)
    # The tornado's haircut bar: the median moves by exp(-/+ z90 sigma_h).
    bar = next(b for b in decision.tornado.bars if b.input == HAIRCUT)
    z90 = float(ndtri(0.9))
    assert bar.median_high == pytest.approx(median_bcr * np.exp(z90 * sigma_h), rel=rel)
    assert bar.median_low == pytest.approx(median_bcr * np.exp(-z90 * sigma_h), rel=rel)
    assert decision.correlated == ()


def test_a_rank_correlated_input_is_conditioned_with_its_partner():
    rho = 0.6
    scenario, sim, decision = _one_method_run({(HAIRCUT, ATTRIBUTION): rho})
    assert decision.correlated == (HAIRCUT, ATTRIBUTION)
    assert "rank" in decision.to_dict()["sensitivity"]["conditioning"]
    r = 2 * np.sin(np.pi * rho / 6)  # Pearson correlation of the normal scores
    sigma_h, sigma_a = LOGNORMAL_PARAMETERS[HAIRCUT][1], LOGNORMAL_PARAMETERS[ATTRIBUTION][1]
    z90 = float(ndtri(0.9))
    expected = _population_median_bcr() * np.exp(z90 * (sigma_h + r * sigma_a))
    # The band holds 5% of the draws: log-scale se of its median sqrt(pi / 2) sigma / sqrt(0.05 n).
    rel = 4 * np.sqrt(np.pi / 2) * _sigma_rest(HAIRCUT) / np.sqrt(0.05 * sim.bcr.size)
    bar = next(b for b in decision.tornado.bars if b.input == HAIRCUT)
    assert bar.median_high == pytest.approx(expected, rel=rel)
    # Ignoring the correlation would give exp(z90 sigma_h) only: 37% lower, well outside the tolerance.
    assert np.exp(z90 * r * sigma_a) - 1 > 2 * rel


def test_summary_is_byte_deterministic_for_a_seed(tmp_path):
    first = mcvalue.run(_table1(None, 3000, seed=5))
    second = mcvalue.run(_table1(None, 3000, seed=5))
    assert mcvalue.text.summary_json(first.summary()) == mcvalue.text.summary_json(second.summary())
    assert first.summary()["sensitivity"]["sobol"] == second.summary()["sensitivity"]["sobol"]


def test_report_has_the_section_and_its_figures(tmp_path, default_run):
    path = mcvalue.write_report(default_run, tmp_path / "run")
    text = (path / "report.md").read_text()
    assert "## What would change the conclusion" in text
    assert default_run.summary()["sensitivity"]["fragility"] in text
    for stem in ("exceedance", "tornado", "sobol", "evppi"):
        assert (path / "figures" / f"{stem}.png").is_file()
        assert f"(figures/{stem}.png)" in text
    assert not (path / "figures" / "variance_shares.png").exists()
    assert "Variance shares" not in text
    summary = json.loads((path / "summary.json").read_text())
    assert [t["k"] for t in summary["voi"]["thresholds"]] == [1.0, 10.0, 50.0, 100.0]
    assert {e["output"] for e in summary["sensitivity"]["sobol"]} == {"bcr", "log_bcr"}
    assert "variance_shares" not in summary["sensitivity"]


def test_sensitivity_command_json_includes_a_user_threshold():
    from mcvalue.cli import app

    result = CliRunner().invoke(
        app,
        ["sensitivity", "--cost-model", "table1", "--draws", "4000", "--threshold", "50", "--json", "--quiet"],
    )
    assert result.exit_code == 0, result.output
    record = json.loads(result.stdout)
    assert set(record) == {"bcr", "sensitivity", "voi"}
    assert 50.0 in [row["k"] for row in record["bcr"]["exceedance"]]
    assert 50.0 in {row["threshold"] for row in record["sensitivity"]["break_even"]}
    assert 50.0 in [t["k"] for t in record["voi"]["thresholds"]]
    text = CliRunner().invoke(app, ["sensitivity", "--cost-model", "table1", "--draws", "2000", "--quiet"])
    assert text.exit_code == 0, text.output
    assert "Break-even values." in text.stdout and "Sobol indices." in text.stdout


def test_every_result_object_gives_exactly_what_summary_json_holds(default_run):
    """``to_dict`` of each decision result is the summary's block, key for key and number for number."""
    summary, decision = default_run.summary(), default_run.decision
    assert decision.exceedance.to_dict() == summary["bcr"]["exceedance"]
    assert decision.tornado.to_dict() == summary["sensitivity"]["tornado"]
    assert decision.break_even.to_dict() == summary["sensitivity"]["break_even"]
    assert decision.sobol.to_dict() == summary["sensitivity"]["sobol"]
    assert decision.voi.to_dict() == summary["voi"]
    tables = decision.to_df()
    assert len(tables["voi"]) == sum(len(t["evppi"]) for t in summary["voi"]["thresholds"])
    assert len(tables["sobol"]) == sum(len(e["indices"]) for e in summary["sensitivity"]["sobol"])


def test_the_models_power_inputs_give_the_medians_of_rerunning_it(default_run):
    """Every input ``Model.powers`` names: the bisection median equals the median of the re-run engine.

    The default priors over Table 1's FTE and all five methods: the FTE fractions move only
    the draws of the methods they price (exponent -1 there, 0 elsewhere).
    """
    from mcvalue.decision import ConditionalRuns
    from mcvalue.engine.simulate import model_of

    scenario, sim = default_run.scenario, default_run.simulation
    model = model_of(scenario, default_run.cost.fte)
    args = (model, sim.model_inputs(), sim.fte, sim.method_index, METHOD_KEYS)
    powers = model.powers(sim.method_index, sim.benefit_index)
    fast = ConditionalRuns(*args, bcr=sim.bcr, powers=powers, benefit=sim.benefit, cost_by_method=sim.cost_by_method)
    slow = ConditionalRuns(*args)
    # Under the flow basis every prior is a power but the activity threshold, which moves the
    # threshold method's FTE along its curve (the engine re-runs it; the loop below checks that too).
    assert set(powers) == set(scenario.quantities) - {"cost.activity_threshold"}
    for name, dist in scenario.quantities.items():
        for value in dist.ppf(np.array([0.1, 0.9])):
            assert fast.median(name, value) == pytest.approx(slow.median(name, value), rel=1e-12), name
    for key in METHOD_KEYS:  # Table 1 has no threshold FTE: that method's medians are NaN both ways
        assert fast.median(METHOD_INPUT, key) == pytest.approx(slow.median(METHOD_INPUT, key), rel=1e-12, nan_ok=True)
