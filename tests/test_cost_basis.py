"""``[cost] basis``: flow (this year's development cost) or stock (the annual user cost of the depreciated stock).

Prior files and settings: the stock rates are drawn only under "stock", ``--basis``
overrides the file, and a stock that cannot be built is refused in one line naming
``[cost] basis``. The Monte Carlo's stock is checked against closed-form geometric sums.
"""

import numpy as np
import pytest

import mcvalue
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.spec import OPTIONAL_QUANTITIES, QUANTITIES, STOCK_QUANTITIES


def _file(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "default"\n' + body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- priors


def test_default_is_flow_from_2016_and_draws_no_rate():
    scenario = mcvalue.load_scenario("default")
    assert (scenario.run.basis, scenario.run.stock_start) == ("flow", 2016)
    assert list(scenario.quantities) == [*QUANTITIES, *OPTIONAL_QUANTITIES]
    assert set(scenario.labels) == {*QUANTITIES, *OPTIONAL_QUANTITIES}
    assert 'basis = "flow"\nstock_start = 2016\n' in scenario.resolved_toml


def test_stock_draws_the_shipped_rates_and_flow_drops_them_again():
    stock = mcvalue.load_scenario("default").with_settings(basis="stock")
    assert list(stock.quantities) == [*QUANTITIES, *STOCK_QUANTITIES, *OPTIONAL_QUANTITIES]
    assert 'basis = "stock"' in stock.resolved_toml
    # the shipped 90% intervals, read back through the fitted betas
    depreciation = stock.quantities["cost.depreciation_rate"].ppf(np.array([0.05, 0.95]))
    discount = stock.quantities["cost.discount_rate"].ppf(np.array([0.05, 0.95]))
    assert np.allclose(depreciation, [0.2, 0.5], atol=1e-6) and np.allclose(discount, [0.02, 0.08], atol=1e-6)
    assert stock.label("cost.depreciation_rate") == "Depreciation rate of MLOSS"
    flow = stock.with_settings(basis="flow")
    assert list(flow.quantities) == [*QUANTITIES, *OPTIONAL_QUANTITIES] and flow.run.basis == "flow"


def test_a_file_can_ask_for_a_stock_and_the_command_line_overrides_it(tmp_path):
    path = _file(tmp_path, '[cost]\nbasis = "stock"\nstock_start = 2015\n')
    scenario = mcvalue.load_scenario(path)
    assert (scenario.run.basis, scenario.run.stock_start, scenario.run.stock_years()) == ("stock", 2015, tuple(range(2015, 2022)))
    assert "cost.discount_rate" in scenario.quantities
    assert scenario.with_settings(basis="flow").run.stock_years() == ()


def test_a_correlation_with_a_rate_counts_only_under_stock(tmp_path):
    body = '[[correlations]]\nbetween = ["cost.depreciation_rate", "cost.salary_usd"]\nrho = 0.3\n'
    flow = mcvalue.load_scenario(_file(tmp_path, body))
    assert flow.correlations == {}
    assert flow.with_settings(basis="stock").correlations == {("cost.depreciation_rate", "cost.salary_usd"): 0.3}


@pytest.mark.parametrize(
    ("settings", "says"),
    [
        ({"basis": "stok"}, "basis: unknown cost basis 'stok' (did you mean 'stock'?); choose one of flow, stock"),
        ({"basis": "stock", "target_year": "average"}, '[cost] basis = "stock" needs a year to build the stock up to, but target_year = "average"'),
        ({"basis": "stock", "cost_model": "bootstrap"}, '[cost] basis = "stock" needs the FTE of every year, from the pymc cost model'),
        ({"basis": "stock", "cost_model": "table1"}, "the table1 cost model has no time model"),
    ],
)
def test_settings_a_stock_cannot_use_are_refused_in_one_line(settings, says):
    with pytest.raises(McValueError) as raised:
        mcvalue.load_scenario("default").with_settings(**settings)
    message = str(raised.value)
    assert not isinstance(raised.value, PriorFileError) and "\n" not in message
    assert message.startswith(("basis: ", "[cost] basis = ")) and says in message


def test_a_stock_scenario_refuses_to_switch_to_a_model_without_time():
    stock = mcvalue.load_scenario("default").with_settings(basis="stock")
    with pytest.raises(McValueError, match=r'^\[cost\] basis = "stock" needs .* the bootstrap cost model has no time model'):
        stock.with_settings(cost_model="bootstrap")
    with pytest.raises(McValueError, match=r'target_year = "average" is none'):
        stock.with_settings(target_year="average")


def test_a_stock_without_rates_names_each_missing_rate():
    with pytest.raises(PriorFileError) as raised:
        mcvalue.load_scenario("paper").with_settings(cost_model="pymc", target_year=2021, basis="stock")
    assert raised.value.problems == [
        f'{name}: missing quantity: [cost] basis = "stock" draws it; give it a distribution' for name in STOCK_QUANTITIES
    ]


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (["--basis", "stock", "--cost-model", "bootstrap"], '[cost] basis = "stock" needs the FTE of every year'),
        (["--basis", "stock", "--target-year", "average"], 'target_year = "average" is none'),
        (["--basis", "stok"], "basis: unknown cost basis 'stok'"),
    ],
)
def test_the_command_line_refusals_exit_1_in_one_line(args, says, tmp_path, monkeypatch, capsys):
    import sys

    from mcvalue.cli import main

    monkeypatch.setattr(sys, "argv", ["mcvalue", "run", "--results-dir", str(tmp_path), "--draws", "100", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 1
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0]
    assert not any(tmp_path.iterdir())


# ----------------------------------------------------------------------------- simulate

T, Y0 = 2021, 2009
K = T - Y0  # the oldest year's age
POINTS = {
    "cost.salary_usd": 300e3,
    "cost.fte_fraction_contributor": 0.5,
    "cost.fte_fraction_reference": 0.8,
    "cost.coverage": 1.5,
    "benefit.ai_value_usd": 3e12,
    "benefit.haircut": 0.1,
    "benefit.attribution_share": 0.1,
    "benefit.mloss_share": 1.0,
}
#: FTE per method in the target year (METHOD_KEYS order)
F_T = np.array([1400.0, 1000.0, 1300.0, 1900.0, 750.0])
#: fraction of each method (contributors method: fte_fraction_contributor)
FRACTION = np.array([0.8, 0.5, 0.8, 0.8, 0.8])


def _stock_scenario(depreciation, discount, draws=4000, stock_start=Y0, quantities=POINTS):
    """Return a scenario built in code under basis "stock": the given quantities plus the two rates."""
    from dataclasses import replace

    from montecarlo_helpers import PointMass, make_scenario

    marginals = {k: PointMass(v) if isinstance(v, float) else v for k, v in quantities.items()}
    base = make_scenario({**marginals, "cost.depreciation_rate": depreciation, "cost.discount_rate": discount}, draws=draws)
    return replace(base, run=replace(base.run, cost_model="pymc", basis="stock", target_year=T, stock_start=stock_start))


def _uniform(low, high):
    from montecarlo_helpers import ScipyDistribution
    from scipy import stats

    return ScipyDistribution(stats.uniform(loc=low, scale=high - low))


def _years(stock_start=Y0):
    return tuple(range(stock_start, T + 1))


def test_constant_fte_gives_the_geometric_sum_of_the_stock_and_its_user_cost():
    from mcvalue.engine.simulate import simulate

    scenario = _stock_scenario(_uniform(0.1, 0.6), _uniform(0.02, 0.08))
    pool = np.broadcast_to(F_T, (3, K + 1, 5)).copy()  # three identical rows, F in every year
    sim = simulate(scenario, pool[:, -1], seed=7, fte_by_year=pool, years=_years())
    d, r = sim.inputs["cost.depreciation_rate"], sim.inputs["cost.discount_rate"]
    geometric = (1 - (1 - d) ** (K + 1)) / d  # sum_{k=0}^{K} (1 - d)^k
    assert np.allclose(sim.fte, geometric[:, None] * F_T, rtol=1e-12)
    expected = 300e3 * (r + d)[:, None] * geometric[:, None] * F_T * 1.5 * FRACTION
    assert np.allclose(sim.cost_by_method[:, :5], expected, rtol=1e-12)  # a pool without the threshold curve
    assert np.allclose(sim.bcr, 3e12 * 0.1 * 0.1 / expected[np.arange(sim.bcr.size), sim.method_index], rtol=1e-12)
    assert sim.basis == "stock"


def test_growing_fte_gives_the_geometric_sum_with_ratio_depreciation_over_growth():
    from mcvalue.engine.simulate import simulate

    g = 1.15  # FTE grows 15% a year: FTE_y = F_T g^(y - T)
    scenario = _stock_scenario(_uniform(0.2, 0.5), _uniform(0.02, 0.08), stock_start=2014)
    ages = T - np.array(_years(2014))
    pool = (F_T[None, :] * g ** (-ages)[:, None])[None]  # one row, (1, Y, 5)
    sim = simulate(scenario, pool[:, -1], seed=3, fte_by_year=pool, years=_years(2014))
    q = (1 - sim.inputs["cost.depreciation_rate"]) / g
    assert np.allclose(sim.fte, ((1 - q ** (ages[0] + 1)) / (1 - q))[:, None] * F_T, rtol=1e-12)


def test_the_rates_extremes_count_the_target_year_alone_or_every_year_in_full():
    from mcvalue.engine.formulas import depreciated_stock

    pool = np.arange(1.0, 1.0 + 2 * 4 * 5).reshape(2, 4, 5)  # 2 rows, 4 years
    ages = np.array([3, 2, 1, 0])
    assert np.array_equal(depreciated_stock(pool, ages, 1.0), pool[:, -1])  # (1 - 1)^0 = 1, older years 0
    assert np.allclose(depreciated_stock(pool, ages, 0.0), pool.sum(axis=1), rtol=1e-15)
    rows = np.array([1, 0, 1])
    assert np.allclose(depreciated_stock(pool, ages, np.array([0.5, 0.5, 1.0]), rows),
                       [(pool[1] * 0.5 ** ages[:, None]).sum(axis=0), (pool[0] * 0.5 ** ages[:, None]).sum(axis=0), pool[1, -1]])


def test_one_draw_takes_one_row_in_every_year():
    from montecarlo_helpers import PointMass

    from mcvalue.engine.simulate import simulate

    m = 50
    years = np.arange(K + 1)
    # row i, year k: (i + 1) * (k + 1), the same in every method; a row mixed across years would not factor
    pool = ((np.arange(m) + 1.0)[:, None, None] * (years + 1.0)[None, :, None]) * np.ones((1, 1, 5))
    scenario = _stock_scenario(PointMass(0.3), PointMass(0.05))
    sim = simulate(scenario, pool[:, -1], seed=11, fte_by_year=pool, years=_years())
    per_row = float(np.sum((years + 1.0) * 0.7 ** (K - years)))  # the stock of row 0
    assert np.array_equal(np.rint(sim.fte[:, 0] / per_row), sim.fte_row + 1.0)
    assert np.allclose(sim.fte[:, 0] / per_row, sim.fte_row + 1.0, rtol=1e-12)
    assert len(np.unique(sim.fte_row)) == m  # every row drawn, so rows do differ


def test_a_stock_run_draws_every_other_stream_as_the_flow_run_does():
    from dataclasses import replace

    from montecarlo_helpers import lognormal

    from mcvalue.engine.simulate import simulate

    quantities = {"cost.salary_usd": lognormal(2.5e5, 0.3), "cost.coverage": lognormal(2.0, 0.2), "benefit.haircut": lognormal(0.1, 0.7)}
    stock = _stock_scenario(_uniform(0.2, 0.5), _uniform(0.02, 0.08), quantities={**POINTS, **quantities})
    flow = replace(stock, quantities={k: v for k, v in stock.quantities.items() if k not in STOCK_QUANTITIES},
                   run=replace(stock.run, basis="flow"))
    pool = np.linspace(1.0, 2.0, 30 * (K + 1) * 5).reshape(30, K + 1, 5) * 1000
    a = simulate(stock, pool[:, -1], seed=5, fte_by_year=pool, years=_years())
    b = simulate(flow, pool[:, -1], seed=5)
    assert np.array_equal(a.fte_row, b.fte_row) and np.array_equal(a.method_index, b.method_index)
    for name in flow.quantities:
        assert np.array_equal(a.inputs[name], b.inputs[name]), name
    assert np.array_equal(b.fte, pool[b.fte_row, -1])  # the flow prices the target year's FTE


def test_a_flow_run_is_untouched_by_yearly_fte():
    from montecarlo_helpers import lognormal_scenario

    from mcvalue.engine.simulate import simulate

    scenario = lognormal_scenario()
    pool = np.linspace(1.0, 2.0, 20 * 4 * 5).reshape(20, 4, 5) * 800
    plain = simulate(scenario, pool[:, -1], seed=9)
    given = simulate(scenario, pool[:, -1], seed=9, fte_by_year=pool, years=(2018, 2019, 2020, 2021))
    for field in ("fte", "fte_row", "method_index", "cost_by_method", "cost", "benefit", "bcr"):
        assert np.array_equal(getattr(plain, field), getattr(given, field), equal_nan=True), field
    assert plain.basis == given.basis == "flow"
    x = {name: draws[:, None] for name, draws in plain.inputs.items()}
    fraction = np.where(np.arange(5) == 1, x["cost.fte_fraction_contributor"], x["cost.fte_fraction_reference"])
    expected = x["cost.salary_usd"] * pool[plain.fte_row, -1] * x["cost.coverage"] * fraction
    assert np.allclose(plain.cost_by_method[:, :5], expected, rtol=1e-12)


def test_a_stock_needs_its_yearly_fte_and_its_rates():
    from dataclasses import replace

    from mcvalue.engine.simulate import simulate

    scenario = _stock_scenario(_uniform(0.2, 0.5), _uniform(0.02, 0.08))
    pool = np.ones((4, K + 1, 5))
    with pytest.raises(ValueError, match=r"a stock needs fte_by_year of shape \(4, 13, 5\) for the years 2009-2021, got None"):
        simulate(scenario, pool[:, -1], seed=1)
    with pytest.raises(ValueError, match=r"got \(4, 13, 5\) for \(2010,"):
        simulate(scenario, pool[:, -1], seed=1, fte_by_year=pool, years=tuple(range(2010, 2023)))
    bare = replace(scenario, quantities={k: v for k, v in scenario.quantities.items() if k != "cost.discount_rate"})
    with pytest.raises(McValueError, match=r"^cost\.discount_rate: \[cost\] basis = \"stock\" draws it"):
        simulate(bare, pool[:, -1], seed=1, fte_by_year=pool, years=_years())


def test_the_cost_side_cache_keeps_the_yearly_fte_under_its_own_key():
    import shutil

    from mcvalue.costmodels import CostSide, cache
    from mcvalue.priors.spec import CleaningOptions

    clean, files = CleaningOptions.for_mode("clean"), {"raw.csv": "a" * 64}
    flow_key = cache.key("pymc", "clean", clean, files, None, 2021)
    key = cache.key("pymc", "clean", clean, files, None, 2021, (2019, 2020, 2021))
    assert key != flow_key != cache.key("pymc", "clean", clean, files, None, 2021, (2020, 2021))
    by_year = np.arange(1.0, 31.0).reshape(2, 3, 5)
    assert cache.save(key, CostSide("pymc", by_year[:, -1], "d", {}, fte_by_year=by_year, years=(2019, 2020, 2021))) == ()
    loaded, warnings = cache.load(key)
    assert warnings == () and np.array_equal(loaded.fte_by_year, by_year) and loaded.years == (2019, 2020, 2021)
    # an entry whose yearly FTE does not match its years is removed, with one warning (an edited
    # entry.json fails its seal before that: tests/hostile/test_cache_entries.py)
    shutil.rmtree(cache.entry_dir(key))
    assert cache.save(key, CostSide("pymc", by_year[:, -1], "d", {}, fte_by_year=by_year, years=(2020, 2021))) == ()
    loaded, warnings = cache.load(key)
    assert loaded is None and "FTE-by-year array has shape (2, 3, 5), not (2, 2, 5)" in warnings[0]
    assert cache.save(flow_key, CostSide("pymc", by_year[:, -1], "d", {})) == ()
    loaded, _ = cache.load(flow_key)
    assert loaded.fte_by_year is None and loaded.years == ()


def test_a_stock_without_data_is_an_error_not_the_table1_fallback(monkeypatch):
    import mcvalue.data.fetch
    from mcvalue.costmodels import cost_side
    from mcvalue.errors import DataError

    monkeypatch.delenv("MCVALUE_DATA_DIR", raising=False)  # no data anywhere, downloads refused (as test_pipeline's offline)
    monkeypatch.setattr(mcvalue.data.fetch, "BASE_URL", "http://127.0.0.1:9/")
    scenario = mcvalue.load_scenario("default").with_settings(basis="stock")
    with pytest.raises(DataError, match=r'\[cost\] basis = "stock" needs the fitted pymc cost model, so there is no fallback to Table 1$'):
        cost_side(scenario)


# ----------------------------------------------------------------------------- decision analysis and report


@pytest.fixture(scope="module")
def stock_run():
    """Return a stock run on a constant FTE pool (F_T every year): scenario, cost side, draws, decision, summary."""
    from montecarlo_helpers import lognormal

    from mcvalue.costmodels import CostSide
    from mcvalue.decision import decide
    from mcvalue.engine.simulate import model_of, simulate
    from mcvalue.engine.summarise import build_summary

    quantities = {**POINTS, "cost.salary_usd": lognormal(2.5e5, 0.3), "benefit.haircut": lognormal(0.1, 0.7)}
    scenario = _stock_scenario(_uniform(0.1, 0.6), _uniform(0.02, 0.08), draws=20_000, quantities=quantities)
    pool = np.broadcast_to(F_T, (2, K + 1, 5)).copy()
    cost = CostSide("pymc", pool[:, -1], "constant FTE", {"cost_model": "pymc"}, fte_by_year=pool, years=_years())
    sim = simulate(scenario, cost.fte, scenario.run.seed, fte_by_year=cost.fte_by_year, years=cost.years)
    decision = decide(scenario, model_of(scenario, cost.fte, cost.fte_by_year, cost.years), sim)
    return scenario, cost, sim, decision, build_summary(scenario, cost, sim, decision, (0.1, 0.9))


def _hand_bcr(sim, depreciation, discount, fte=F_T):
    """BCR of the run's draws with the stock of a constant FTE ``fte`` at the given rates (arrays or numbers)."""
    geometric = (1 - (1 - depreciation) ** (K + 1)) / depreciation
    x = sim.inputs
    cost = x["cost.salary_usd"][:, None] * ((discount + depreciation) * geometric)[..., None] * fte * 1.5 * FRACTION
    return sim.benefit / cost[np.arange(sim.bcr.size), sim.method_index]


def test_fixing_a_rate_prices_the_stock_again_at_that_rate(stock_run):
    from mcvalue.decision import ConditionalRuns
    from mcvalue.engine.simulate import model_of
    from mcvalue.vocab.paper import METHOD_KEYS

    scenario, cost, sim, _, _ = stock_run
    model = model_of(scenario, cost.fte, cost.fte_by_year, cost.years)
    conditional = ConditionalRuns(model, sim.inputs, sim.fte, sim.method_index, METHOD_KEYS, fte_row=sim.fte_row)
    d, r = sim.inputs["cost.depreciation_rate"], sim.inputs["cost.discount_rate"]
    assert np.allclose(sim.bcr, _hand_bcr(sim, d, r), rtol=1e-12)
    # the Sobol model: trajectories (pool rows) depreciated at each run's own rate
    assert np.allclose(model(sim.inputs, cost.fte_by_year[sim.fte_row], sim.method_index).bcr, sim.bcr, rtol=1e-12)
    assert np.allclose(conditional("cost.depreciation_rate", 0.45), _hand_bcr(sim, np.full_like(d, 0.45), r), rtol=1e-12)
    assert np.allclose(conditional("cost.discount_rate", 0.07), _hand_bcr(sim, d, np.full_like(r, 0.07)), rtol=1e-12)
    # the FTE input is a trajectory: twice F_T in every year doubles every draw's cost
    assert np.allclose(conditional("fte", np.full((K + 1, 5), 2 * F_T)), sim.bcr / 2, rtol=1e-12)


def test_a_rank_correlated_depreciation_rate_is_fixed_in_its_band_and_the_stock_priced_again():
    from dataclasses import replace

    from montecarlo_helpers import lognormal

    from mcvalue.decision import ConditionalRuns
    from mcvalue.decision.conditional import CORRELATED_BAND
    from mcvalue.engine.simulate import model_of, simulate
    from mcvalue.vocab.paper import METHOD_KEYS

    base = _stock_scenario(_uniform(0.1, 0.6), _uniform(0.02, 0.08), draws=20_000, quantities={**POINTS, "cost.salary_usd": lognormal(2.5e5, 0.3)})
    scenario = replace(base, correlations={("cost.depreciation_rate", "cost.salary_usd"): 0.6})
    pool = np.broadcast_to(F_T, (1, K + 1, 5)).copy()
    sim = simulate(scenario, pool[:, -1], scenario.run.seed, fte_by_year=pool, years=_years())
    d, n, value = sim.inputs["cost.depreciation_rate"], sim.bcr.size, 0.45
    model = model_of(scenario, pool[:, -1], pool, _years())
    conditional = ConditionalRuns(model, sim.inputs, sim.fte, sim.method_index, METHOD_KEYS, correlated=["cost.depreciation_rate"], fte_row=sim.fte_row)
    got = conditional("cost.depreciation_rate", value)
    # the band: draws within +-2.5% in rank of the value (mcvalue.decision.conditional's module docstring)
    x = np.sort(d)
    u = (np.searchsorted(x, value) + np.searchsorted(x, value, side="right")) / (2.0 * n)
    lo, hi = x[int(np.floor((u - CORRELATED_BAND) * (n - 1)))], x[int(np.ceil((u + CORRELATED_BAND) * (n - 1)))]
    keep = (d >= lo) & (d <= hi)
    assert 0.04 * n < keep.sum() < 0.06 * n
    assert np.allclose(got, _hand_bcr(sim, np.full(n, value), sim.inputs["cost.discount_rate"])[keep], rtol=1e-12)


def test_the_rates_enter_the_tornado_sobol_and_voi_of_a_stock(stock_run):
    _, _, _, decision, summary = stock_run
    bars = {b.input: b for b in decision.tornado.bars}
    assert bars["cost.depreciation_rate"].width > 0 and bars["cost.discount_rate"].width > 0
    assert bars["fte"].width == 0 and bars["fte"].value_low == F_T.tolist()  # a constant pool: the target year's FTE is shown
    sobol = {r["input"]: r for r in decision.sobol.indices["log_bcr"].rows()}
    assert sobol["cost.discount_rate"]["total"] > 0 and sobol["cost.depreciation_rate"]["total"] > 0  # exactly 0 if unread
    evppi = {row["input"] for row in summary["voi"]["thresholds"][0]["evppi"]}
    assert set(STOCK_QUANTITIES) <= evppi
    assert summary["provenance"]["cost_basis"] == "stock" and summary["provenance"]["stock_years"] == [2009, 2021]
    assert set(STOCK_QUANTITIES) <= set(summary["inputs"])


def test_a_flow_run_has_no_rate_anywhere():
    import json

    result = mcvalue.run(mcvalue.load_scenario("default").with_settings(draws=4000, cost_model="table1"))
    text = json.dumps(result.summary())
    assert "depreciation" not in text and "discount_rate" not in text
    assert result.summary()["provenance"]["cost_basis"] == "flow" and result.summary()["provenance"]["stock_years"] is None
    assert "discount_rate" not in result.draws().columns


def test_the_report_states_the_basis_in_one_sentence_beside_the_estimand(stock_run):
    from mcvalue.report.markdown import render_markdown
    from mcvalue.report.result_sections import basis_sentence

    summary = stock_run[4]
    stock = basis_sentence(summary)
    assert stock.startswith(
        "Cost is the annual user cost of the depreciated stock of MLOSS built since 2009: (discount + depreciation) x stock,"
    )
    flow = basis_sentence({"provenance": {"cost_basis": "flow"}})
    assert flow.startswith("Cost is this year's development cost (the flow)")
    for sentence in (stock, flow):
        assert sentence.endswith(".") and sentence.count(". ") == 0
    assert basis_sentence({"provenance": {}}) == flow  # a summary written before the basis existed was a flow
    paragraph = next(line for line in render_markdown(summary, []).splitlines() if line.startswith("FTE is "))
    assert paragraph.endswith(stock)
