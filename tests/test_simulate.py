"""The Monte Carlo engine against closed forms, exact arithmetic and its seeding contract."""

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from montecarlo_helpers import (
    LOGNORMAL_PARAMETERS,
    PAPER_POINTS,
    PointMass,
    ScipyDistribution,
    lognormal,
    lognormal_scenario,
    make_scenario,
)
from scipy import stats

from mcvalue.engine.draws import draw_inputs
from mcvalue.engine.formulas import outcomes
from mcvalue.engine.simulate import simulate
from mcvalue.engine.statistics import summarise_simulation
from mcvalue.errors import PriorFileError
from mcvalue.vocab.paper import TABLE1_KEYS

FTE = np.array([[1000.0, 800.0, 600.0, 500.0, 400.0]])  # one constant row, TABLE1_KEYS order
N = 40_000


def _log_bcr_moments(fraction: str, fte: float) -> tuple[float, float]:
    """Mean and variance of log BCR when every input is lognormal and FTE is constant.

    log BCR = sum of the benefit factors' logs - (log salary + log FTE + log coverage
    + log fraction): a sum of independent normals.
    """
    p = LOGNORMAL_PARAMETERS
    benefit = ["benefit.ai_value_usd", "benefit.haircut", "benefit.attribution_share", "benefit.mloss_share"]
    cost = ["cost.salary_usd", "cost.coverage", fraction]
    mean = sum(np.log(p[k][0]) for k in benefit) - sum(np.log(p[k][0]) for k in cost) - np.log(fte)
    var = sum(p[k][1] ** 2 for k in benefit + cost)
    return mean, var


@pytest.mark.parametrize("key, fraction, fte", [
    ("commits_pytorch", "cost.fte_fraction_reference", 1000.0),
    ("contributors_pytorch", "cost.fte_fraction_contributor", 800.0),
])
def test_lognormal_bcr_quantiles_match_closed_form(key, fraction, fte):
    """With one method of weight 1, BCR is lognormal: quantiles and mean within 4 MCSE."""
    scenario = lognormal_scenario(weights={key: 1.0})
    summary = summarise_simulation(simulate(scenario, FTE, seed=7, n=N))
    mean, var = _log_bcr_moments(fraction, fte)
    bcr = summary["bcr"]
    for prob in ("0.025", "0.05", "0.5", "0.95", "0.975"):
        exact = np.exp(mean + np.sqrt(var) * stats.norm.ppf(float(prob)))
        assert abs(bcr["quantiles"][prob] - exact) < 4 * bcr["quantile_mcse"][prob], prob
    assert abs(bcr["mean"] - np.exp(mean + var / 2)) < 4 * bcr["mean_mcse"]
    # The per-method summary of the same method is the same distribution.
    method_median = summary["methods"][key]["bcr"]["median"]
    assert abs(method_median - np.exp(mean)) < 4 * bcr["quantile_mcse"]["0.5"]


def test_per_method_summaries_use_each_methods_fraction():
    """Each method's median BCR is the closed form with that method's FTE and fraction."""
    summary = summarise_simulation(simulate(lognormal_scenario(), FTE, seed=3, n=N))
    for j, key in enumerate(TABLE1_KEYS):
        fraction = "cost.fte_fraction_contributor" if key.startswith("contributors") else "cost.fte_fraction_reference"
        mean, _ = _log_bcr_moments(fraction, FTE[0, j])
        bcr = summary["methods"][key]["bcr"]
        assert abs(bcr["median"] - np.exp(mean)) < 4 * bcr["quantile_mcse"]["0.5"], key


def test_method_mixture_follows_weights():
    """Method frequencies within 4 binomial SE of the weights; cost is the drawn method's."""
    weights = {"commits_pytorch": 0.3, "lines_tensorflow": 0.7}
    sim = simulate(lognormal_scenario(weights=weights), FTE, seed=11, n=N)
    for j, key in enumerate(TABLE1_KEYS):
        p = weights.get(key, 0.0)
        share = np.mean(sim.method_index == j)
        assert abs(share - p) <= 4 * np.sqrt(p * (1 - p) / N), key
    rows = np.arange(N)
    np.testing.assert_array_equal(sim.cost, sim.cost_by_method[rows, sim.method_index])


def test_fte_draws_are_resampled_uniformly():
    """Each of m FTE rows is used about n/m times (within 4 binomial SE)."""
    fte_draws = np.outer(np.arange(1.0, 5.0), np.ones(5))
    sim = simulate(lognormal_scenario(), fte_draws, seed=5, n=N)
    counts = np.array([np.sum(sim.fte[:, 0] == v) for v in range(1, 5)])
    assert counts.sum() == N
    assert np.all(np.abs(counts / N - 0.25) <= 4 * np.sqrt(0.25 * 0.75 / N))


def test_paper_points_give_exact_benefit_and_table1_costs():
    """The paper's point values: benefit exactly $30B, cost = $300K x FTE per method."""
    scenario = make_scenario({k: PointMass(v) for k, v in PAPER_POINTS.items()})
    sim = simulate(scenario, FTE, seed=1, n=1000)
    assert np.all(sim.benefit == 30e9)
    np.testing.assert_array_equal(sim.cost_by_method[:, :5], np.broadcast_to(300e3 * FTE, (1000, 5)))
    np.testing.assert_array_equal(sim.bcr, 30e9 / sim.cost)


def test_outcomes_by_hand():
    """Two draws computed by hand, including a contributors-method draw."""
    inputs = {
        "cost.salary_usd": np.array([100.0, 200.0]),
        "cost.fte_fraction_contributor": np.array([0.5, 0.25]),
        "cost.fte_fraction_reference": np.array([2.0, 4.0]),
        "cost.coverage": np.array([1.0, 3.0]),
        "benefit.ai_value_usd": np.array([1e6, 2e6]),
        "benefit.haircut": np.array([0.5, 0.5]),
        "benefit.attribution_share": np.array([0.2, 0.1]),
        "benefit.mloss_share": np.array([1.0, 0.5]),
    }
    fte = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [10.0, 20.0, 30.0, 40.0, 50.0]])
    result = outcomes(inputs, fte, np.array([0, 1]))
    # draw 0, commits_pytorch: 100 * 1 * 1 * 2; draw 1, contributors: 200 * 20 * 3 * 0.25
    np.testing.assert_allclose(result.cost, [200.0, 3000.0])
    np.testing.assert_allclose(result.cost_by_method[0], [200.0, 100.0, 600.0, 800.0, 1000.0, np.nan])  # no threshold curve: NaN
    np.testing.assert_allclose(result.benefit, [1e5, 5e4])
    np.testing.assert_allclose(result.bcr, [500.0, 50.0 / 3])


def test_same_seed_same_draws_other_seed_other_draws():
    """Reproducible to the bit for one seed; another seed moves every quantity."""
    scenario = lognormal_scenario()
    a, b = draw_inputs(scenario, 1000, 42), draw_inputs(scenario, 1000, 42)
    c = draw_inputs(scenario, 1000, 43)
    for name in a:
        np.testing.assert_array_equal(a[name], b[name])
        assert not np.any(a[name] == c[name]), name


def test_editing_or_adding_a_quantity_leaves_the_others_alone():
    """Each quantity has its own child stream keyed by its name."""
    scenario = lognormal_scenario()
    base = draw_inputs(scenario, 1000, 42)
    edited = dict(scenario.quantities, **{"cost.salary_usd": lognormal(1.5e5, 0.5)})
    edited["extra.quantity"] = lognormal(1.0, 1.0)
    changed = draw_inputs(dataclasses.replace(scenario, quantities=edited), 1000, 42)
    for name in base:
        if name == "cost.salary_usd":
            assert not np.array_equal(base[name], changed[name])
        else:
            np.testing.assert_array_equal(base[name], changed[name])
    # Without salary at all, the others are still the same.
    fewer = {k: v for k, v in scenario.quantities.items() if k != "cost.salary_usd"}
    for name, draws in draw_inputs(dataclasses.replace(scenario, quantities=fewer), 1000, 42).items():
        np.testing.assert_array_equal(base[name], draws)


PAIR = ("cost.salary_usd", "cost.fte_fraction_contributor")


def _correlated_scenario(r: float):
    quantities = dict(lognormal_scenario().quantities)
    quantities["cost.fte_fraction_contributor"] = ScipyDistribution(stats.beta(2, 5))
    return make_scenario(quantities, correlations={PAIR: r})


def _assert_only_the_pair_reordered(correlated: dict, independent: dict) -> None:
    """Iman-Conover only permutes: the correlated pair keeps its marginals exactly, and every other quantity's draws are untouched."""
    for name in correlated:
        if name in PAIR:
            np.testing.assert_array_equal(np.sort(correlated[name]), np.sort(independent[name]))
        else:
            np.testing.assert_array_equal(correlated[name], independent[name])


@pytest.mark.parametrize("r", [0.6, -0.3])
def test_rank_correlation_imposed_with_exact_marginals(r):
    """Spearman within 0.03 of the target (sampling SD ~0.005 at n=20k); marginals exact."""
    n = 20_000
    independent = draw_inputs(_correlated_scenario(0.0), n, 9)
    correlated = draw_inputs(_correlated_scenario(r), n, 9)
    rho = stats.spearmanr(correlated[PAIR[0]], correlated[PAIR[1]]).statistic
    assert abs(rho - r) < 0.03
    _assert_only_the_pair_reordered(correlated, independent)


def test_rank_correlation_of_three_quantities():
    """A 3x3 target (positive definite) is met pairwise."""
    quantities = lognormal_scenario().quantities
    target = {
        ("cost.salary_usd", "cost.coverage"): 0.5,
        ("cost.salary_usd", "benefit.haircut"): -0.4,
        ("cost.coverage", "benefit.haircut"): 0.2,
    }
    draws = draw_inputs(make_scenario(quantities, correlations=target), 20_000, 4)
    for (a, b), r in target.items():
        assert abs(stats.spearmanr(draws[a], draws[b]).statistic - r) < 0.03, (a, b)


def test_not_positive_definite_correlations_name_the_pair():
    """a~b and b~c strongly positive but a~c strongly negative is impossible: exit 2."""
    quantities = lognormal_scenario().quantities
    impossible = {
        ("cost.salary_usd", "cost.coverage"): 0.9,
        ("cost.coverage", "benefit.haircut"): 0.9,
        ("cost.salary_usd", "benefit.haircut"): -0.9,
    }
    with pytest.raises(PriorFileError) as err:
        draw_inputs(make_scenario(quantities, correlations=impossible), 100, 1)
    assert err.value.exit_code == 2
    message = str(err.value)
    assert "not positive definite" in message
    # 0.9 and 0.9 with the third pair still at 0 is already impossible (1 - 0.9 sqrt 2 < 0)
    assert "(cost.coverage, benefit.haircut) rho = 0.9" in message


def test_bad_fte_shape_is_rejected():
    with pytest.raises(ValueError):
        simulate(lognormal_scenario(), np.ones((3, 4)), seed=1, n=10)


PRIORS_DIR = Path(__file__).resolve().parents[1] / "priors"


@pytest.mark.realdata
def test_paper_priors_reproduce_benefit_and_paper_mode_table1(real_data_dir):
    """priors/paper.toml on the paper-mode sample: benefit exactly $30B; each method's cost is Table 1's (salary x FTE) exactly at the identity replicate and inside the 99% interval of the bootstrap run."""
    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.costmodels.table1 import method_fte, table1
    from mcvalue.data import load_sample
    from mcvalue.priors.load import load_scenario

    scenario = load_scenario(PRIORS_DIR / "paper.toml")
    assert scenario.data.mode == "paper"
    sample = load_sample(scenario.data.mode, real_data_dir, scenario.data.cleaning)
    fte = np.array([method_fte(sample)[key] for key in TABLE1_KEYS])
    table_cost = table1(sample)["cost_per_year"].loc[list(TABLE1_KEYS)].to_numpy()

    exact = simulate(scenario, fte[None, :], seed=scenario.run.seed, n=1000)
    assert np.all(exact.benefit == 30e9)
    np.testing.assert_allclose(exact.cost_by_method[:, :5], np.broadcast_to(table_cost, (1000, 5)), rtol=1e-12)
    # Contributors: 779 mean active contributors x $300K, the paper's 233.70M to the cent.
    assert exact.cost_by_method[0, TABLE1_KEYS.index("contributors_pytorch")] == 233.7e6

    replicates = bootstrap_fte(sample, 500, np.random.default_rng(scenario.run.seed))
    run = simulate(scenario, replicates, seed=scenario.run.seed, n=20_000)
    assert np.all(run.benefit == 30e9)
    lo, hi = np.quantile(run.cost_by_method[:, :5], [0.005, 0.995], axis=0)
    assert np.all((lo < table_cost) & (table_cost < hi)), (lo, table_cost, hi)


def test_correlation_from_a_prior_file(tmp_path):
    """A [[correlations]] entry in a file extending default reaches the engine: Spearman within 0.03 of 0.6, the two marginals' draws only permuted, the rest untouched."""
    from mcvalue.priors.load import load_scenario

    plain = tmp_path / "plain.toml"
    plain.write_text('extends = "default"\n')
    correlated = tmp_path / "correlated.toml"
    correlated.write_text(
        'extends = "default"\n\n[[correlations]]\n'
        'between = ["cost.salary_usd", "cost.fte_fraction_contributor"]\nrho = 0.6\n'
    )
    independent = draw_inputs(load_scenario(plain), 20_000, 3)
    draws = draw_inputs(load_scenario(correlated), 20_000, 3)
    assert abs(stats.spearmanr(draws[PAIR[0]], draws[PAIR[1]]).statistic - 0.6) < 0.03
    _assert_only_the_pair_reordered(draws, independent)


def test_correlated_scores_have_exactly_the_target_correlation():
    """Iman-Conover's correction removes the shuffled scores' chance correlation: at n = 50 (chance correlations ~0.14) the scores' Pearson matrix is the target to 1e-12."""
    from mcvalue.engine.draws import correlated_scores

    target = np.array([[1.0, 0.6, -0.3], [0.6, 1.0, 0.1], [-0.3, 0.1, 1.0]])
    for seed in range(5):
        scores = correlated_scores(50, target, np.random.default_rng(seed))
        np.testing.assert_allclose(np.corrcoef(scores, rowvar=False), target, atol=1e-12)
