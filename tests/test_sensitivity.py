"""The run's tornado (conditional medians, mcvalue.decision) against the lognormal closed form; option parsing.

With every input lognormal and one costing method, log BCR is a sum of independent
normals, so fixing one input x at its p-quantile moves the median BCR by the factor
exp(+-z_p sigma_x) (sign: + for a benefit factor, - for a cost factor). The base-point
tornado and the variance shares these tests once covered were removed (issue 11): the
shares were an allocation of var(log BCR), not Sobol indices.
"""

import numpy as np
import pytest
import typer
from montecarlo_helpers import lognormal, make_scenario
from scipy.special import ndtri

from mcvalue.cli.options import parse_swing, parse_thresholds
from mcvalue.costmodels import CostSide
from mcvalue.decision import decide
from mcvalue.engine.simulate import model_of, simulate
from mcvalue.vocab.paper import METHOD_KEYS

SIGMAS = {
    "cost.salary_usd": 0.3,
    "cost.fte_fraction_contributor": 0.2,
    "cost.fte_fraction_reference": 0.25,
    "cost.coverage": 0.1,
    "benefit.ai_value_usd": 0.15,
    "benefit.haircut": 0.7,
    "benefit.attribution_share": 2.0,  # dominant
    "benefit.mloss_share": 0.05,
}
MEDIANS = {
    "cost.salary_usd": 2e5,
    "cost.fte_fraction_contributor": 0.3,
    "cost.fte_fraction_reference": 0.8,
    "cost.coverage": 1.5,
    "benefit.ai_value_usd": 4e12,
    "benefit.haircut": 0.1,
    "benefit.attribution_share": 0.1,
    "benefit.mloss_share": 0.5,
}


def test_dominant_input_ranks_first_and_bars_match_the_closed_form():
    one_method = {k: float(k == "contributors_pytorch") for k in METHOD_KEYS}
    scenario = make_scenario({q: lognormal(MEDIANS[q], s) for q, s in SIGMAS.items()}, one_method, draws=40_000)
    fte = np.full((1, 5), 700.0)
    cost = CostSide("table1", fte, "constant FTE", {"cost_model": "table1"})
    sim = simulate(scenario, fte, scenario.run.seed)

    table = decide(scenario, model_of(scenario, cost.fte), sim, swing=(0.05, 0.95)).tornado

    assert table.swing == (0.05, 0.95)
    assert table.bars[0].input == "benefit.attribution_share"
    m = MEDIANS
    median = (m["benefit.ai_value_usd"] * m["benefit.haircut"] * m["benefit.attribution_share"] * m["benefit.mloss_share"]) / (
        m["cost.salary_usd"] * 700.0 * m["cost.coverage"] * m["cost.fte_fraction_contributor"]
    )
    z95 = float(ndtri(0.95))
    sigma = float(np.sqrt(sum(s**2 for q, s in SIGMAS.items() if q != "cost.fte_fraction_reference")))
    rel = 4 * np.sqrt(np.pi / 2) * sigma / np.sqrt(sim.bcr.size)  # MC error of a median of n lognormal draws
    salary = next(b for b in table.bars if b.input == "cost.salary_usd")
    assert salary.median_low == pytest.approx(median * np.exp(z95 * 0.3), rel=rel)
    assert salary.median_high == pytest.approx(median * np.exp(-z95 * 0.3), rel=rel)
    haircut = next(b for b in table.bars if b.input == "benefit.haircut")
    assert haircut.median_high / haircut.median_low == pytest.approx(np.exp(2 * z95 * 0.7), rel=1e-9)  # same draws: exact
    # The reference fraction is unused by the only method: its bar has no width; so has constant FTE.
    for name in ("cost.fte_fraction_reference", "fte"):
        assert next(b for b in table.bars if b.input == name).width == 0.0
    widths = [b.width for b in table.bars]
    assert widths == sorted(widths, reverse=True)
    assert table.median == pytest.approx(float(np.median(sim.bcr)))


def test_swing_parsing():
    assert parse_swing("5,95") == (0.05, 0.95)
    for bad in ("95,5", "0,100", "ten,90", "10"):
        with pytest.raises(typer.BadParameter):
            parse_swing(bad)


def test_threshold_parsing():
    assert parse_thresholds(None) == ()
    assert parse_thresholds([50.0, 2.5, 50.0]) == (2.5, 50.0)
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(typer.BadParameter):
            parse_thresholds([bad])
