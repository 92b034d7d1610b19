"""Summaries: known quantiles, HDI and tail probabilities; MCSEs against iid formulas; determinism of the JSON."""

import json

import numpy as np
import pytest
from montecarlo_helpers import PAPER_POINTS, PointMass, lognormal_scenario, make_scenario
from scipy import stats

from mcvalue.engine.simulate import simulate
from mcvalue.engine.statistics import stable_order, summarise_draws, summarise_simulation, tail_probabilities
from mcvalue.vocab.paper import TABLE1_KEYS

FTE = np.array([[1000.0, 800.0, 600.0, 500.0, 400.0]])
N = 40_000


def test_grid_quantiles_and_tail_probabilities_by_hand():
    """Draws 1..1000: median 500.5, 90% interval [50.95, 950.05] (linear interpolation at 0.05 * 999 and 0.95 * 999 past the first), P(>1) = 0.999, P(>10) = 0.99, P(>100) = 0.9."""
    grid = np.arange(1.0, 1001.0)
    summary = summarise_draws(grid)
    assert summary["median"] == 500.5
    assert summary["mean"] == 500.5
    assert summary["intervals"]["90"] == [50.95, 950.05]
    assert summary["intervals"]["50"] == [250.75, 750.25]
    tails = tail_probabilities(grid)
    assert [tails[t]["p"] for t in ("1", "10", "100")] == [0.999, 0.99, 0.9]


def test_hdi_is_taken_on_the_log_scale():
    """Lognormal(0, 1): log x is N(0, 1), whose 90% HDI is +-1.645, so the HDI is [e^-1.645, e^1.645] = [0.193, 5.18].

    On the linear scale the shortest interval would start near 0 (the density is highest
    there), at about [0.03, 3.9]. Each end's SE on the log scale is about
    sqrt(0.05 * 0.95 / n) / phi(1.645) = 0.011 at n = 40k, so 0.05 in log is over 4 SE.
    """
    draws = np.random.default_rng(0).lognormal(size=N)
    lo, hi = summarise_draws(draws)["hdi90"]
    z = stats.norm.ppf(0.95)
    assert abs(np.log(lo) + z) < 0.05 and abs(np.log(hi) - z) < 0.05


def test_hdi_of_a_distribution_with_a_non_positive_draw_is_not_defined():
    assert summarise_draws(np.array([-1.0, 1.0, 2.0, 3.0]))["hdi90"] == [None, None]


def test_mcse_matches_iid_formulas():
    """For iid N(0, 1) draws the MCSEs agree with the textbook ones at the true parameters.

    mean: 1 / sqrt(n) within 2% (the estimate uses the sample sd, whose relative SE is
    1 / sqrt(2n) = 0.35% at n = 40k, so 2% is over 5 SD); proportion at p = 1/2:
    0.5 / sqrt(n) within 1% (p-hat(1 - p-hat) is flat at 1/2). Quantile q:
    sqrt(q(1-q)/n) / f(x_q) within 50%: ArviZ's order-statistic method estimates it from
    the spacing of two order statistics, whose ratio to the formula had SD 0.11 over 30
    seeds at n = 40k (mean 1.02-1.04), so 50% is over 4 SD.
    """
    draws = np.random.default_rng(1).normal(size=N)
    summary = summarise_draws(draws)
    assert summary["mean_mcse"] == pytest.approx(1 / np.sqrt(N), rel=0.02)
    for prob in ("0.05", "0.5", "0.975"):
        q = float(prob)
        iid = np.sqrt(q * (1 - q) / N) / stats.norm.pdf(stats.norm.ppf(q))
        assert summary["quantile_mcse"][prob] == pytest.approx(iid, rel=0.5), prob
    tails = tail_probabilities(np.exp(draws) * 10)  # P(> 10) = 1/2
    assert tails["10"]["p"] == pytest.approx(0.5, abs=4 * 0.5 / np.sqrt(N))
    assert tails["10"]["mcse"] == pytest.approx(0.5 / np.sqrt(N), rel=0.01)


def test_point_mass_has_zero_error_and_degenerate_intervals():
    """The paper's points: benefit is 30e9 everywhere, no Monte Carlo error."""
    scenario = make_scenario({k: PointMass(v) for k, v in PAPER_POINTS.items()})
    benefit = summarise_simulation(simulate(scenario, FTE, seed=1, n=2000))["benefit_usd"]
    assert benefit["median"] == benefit["mean"] == 30e9
    assert benefit["intervals"]["95"] == benefit["hdi90"] == [30e9, 30e9]
    assert benefit["mean_mcse"] == 0 and set(benefit["quantile_mcse"].values()) == {0}


def test_same_seed_same_json_other_seed_other_json():
    """Byte-identical JSON for one seed; every BCR quantile moves under another seed."""
    scenario = lognormal_scenario(draws=N)
    first = json.dumps(summarise_simulation(simulate(scenario, FTE, seed=12)), allow_nan=False)
    again = json.dumps(summarise_simulation(simulate(scenario, FTE, seed=12)), allow_nan=False)
    other = summarise_simulation(simulate(scenario, FTE, seed=13))
    assert first == again
    assert json.loads(first)["seed"] == 12 and json.loads(first)["draws"] == N
    for prob, value in json.loads(first)["bcr"]["quantiles"].items():
        assert other["bcr"]["quantiles"][prob] != value, prob
    assert set(other["methods"]) == set(TABLE1_KEYS)  # a pool without the threshold curve leaves that method out


def test_infinite_ratio_is_valid_json():
    """A zero cost gives BCR = inf: quantiles stay, mean and MCSEs become null."""
    draws = np.concatenate([np.arange(1.0, 100.0), np.full(10, np.inf)])
    summary = summarise_draws(draws)
    json.dumps(summary, allow_nan=False)
    assert summary["mean"] is None
    assert summary["median"] == 55.0
    assert summary["intervals"]["95"][1] is None


def test_iid_shortcuts_agree_with_arviz():
    """Our HDI is ArviZ's algorithm on log(draws) (identical endpoints after exp); our MCSEs are ArviZ's methods with ESS = n. ArviZ estimates the ESS of iid draws to within a few percent at n = 40k, so its MCSEs agree with ours within 10% (the MCSE scales as 1/sqrt(ESS))."""
    import arviz as az

    draws = np.random.default_rng(5).lognormal(size=N)
    summary = summarise_draws(draws)
    hdi = np.exp(np.ravel(az.hdi(np.log(draws).reshape(1, -1), prob=0.9)))
    assert summary["hdi90"] == [pytest.approx(hdi[0], rel=1e-5), pytest.approx(hdi[1], rel=1e-5)]
    assert summary["mean_mcse"] == pytest.approx(float(np.ravel(az.mcse(draws.reshape(1, -1), method="mean"))[0]), rel=0.1)
    for prob in ("0.05", "0.5", "0.95"):
        theirs = float(np.ravel(az.mcse(draws.reshape(1, -1), method="quantile", prob=float(prob)))[0])
        assert summary["quantile_mcse"][prob] == pytest.approx(theirs, rel=0.1), prob


@pytest.mark.parametrize(
    "draws",
    [
        np.random.default_rng(3).lognormal(size=1000),  # no ties
        np.repeat([3.0, 1.0, 2.0], 400),  # ties everywhere
        np.array([2.0, np.nan, 1.0, np.nan, 0.5, np.inf, np.inf]),  # NaNs and infinities
        np.array([]),
    ],
)
def test_stable_order_is_the_stable_argsort(draws):
    order, ordered = stable_order(draws)
    expected = np.argsort(draws, kind="stable")
    assert np.array_equal(order, expected)
    assert np.array_equal(ordered, draws[expected], equal_nan=True)


def test_a_runs_summary_computed_beside_its_decision_analysis_is_the_one_computed_after_it():
    """mcvalue.run summarises the draws in a second thread during the decision analysis; the record must be the sequential one."""
    import mcvalue
    from mcvalue.decision.common import DEFAULT_SWING
    from mcvalue.engine.summarise import build_summary

    result = mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=3000))
    assert build_summary(result.scenario, result.cost, result.simulation, result.decision, DEFAULT_SWING) == result.summary_record
