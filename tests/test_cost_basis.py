"""``[cost] basis``: flow (this year's development cost) or stock (the annual user cost of the depreciated stock).

Prior files and settings: the stock rates are drawn only under "stock", ``--basis``
overrides the file, and a stock that cannot be built is refused in one line naming
``[cost] basis``. The Monte Carlo's stock is checked against closed-form geometric sums.
"""

import numpy as np
import pytest

import mcvalue
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.spec import QUANTITIES, STOCK_QUANTITIES


def _file(tmp_path, body: str):
    path = tmp_path / "mine.toml"
    path.write_text('extends = "default"\n' + body, encoding="utf-8")
    return path


# ----------------------------------------------------------------------------- priors


def test_default_is_flow_from_2009_and_draws_no_rate():
    scenario = mcvalue.load_scenario("default")
    assert (scenario.run.basis, scenario.run.stock_start) == ("flow", 2009)
    assert list(scenario.quantities) == list(QUANTITIES)
    assert set(scenario.labels) == set(QUANTITIES)
    assert 'basis = "flow"\nstock_start = 2009\n' in scenario.resolved_toml


def test_stock_draws_the_shipped_rates_and_flow_drops_them_again():
    stock = mcvalue.load_scenario("default").with_settings(basis="stock")
    assert list(stock.quantities) == [*QUANTITIES, *STOCK_QUANTITIES]
    assert 'basis = "stock"' in stock.resolved_toml
    # the shipped 90% intervals, read back through the fitted betas
    depreciation = stock.quantities["cost.depreciation_rate"].ppf(np.array([0.05, 0.95]))
    discount = stock.quantities["cost.discount_rate"].ppf(np.array([0.05, 0.95]))
    assert np.allclose(depreciation, [0.2, 0.5], atol=1e-6) and np.allclose(discount, [0.02, 0.08], atol=1e-6)
    assert stock.label("cost.depreciation_rate") == "Depreciation rate of MLOSS"
    flow = stock.with_settings(basis="flow")
    assert list(flow.quantities) == list(QUANTITIES) and flow.run.basis == "flow"


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
