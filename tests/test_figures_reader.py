"""Figures that answer the reader's question (issue 12, point 4), checked on the drawn Axes."""

from pathlib import Path

import numpy as np
import pytest

import mcvalue
from mcvalue.plots.charts import bcr_distribution
from mcvalue.vocab.paper import METHOD_KEYS, PAPER_BENEFIT_USD

REPO = Path(__file__).resolve().parents[1]


def _vertical_lines(ax) -> list[float]:
    return [line.get_xdata()[0] for line in ax.get_lines() if len(set(line.get_xdata())) == 1]


def test_bcr_figure_marks_1_and_100_states_p100_and_stacks_the_methods():
    rng = np.random.default_rng(7)
    # Two methods with well-separated humps: 30:1 (60% of draws) and 300:1 (40%).
    methods = (rng.uniform(size=10_000) < 0.4).astype(int) * 4  # indices 0 and 4
    bcr = np.where(methods == 0, 30.0, 300.0) * np.exp(rng.normal(0, 0.2, size=10_000))
    ax = bcr_distribution(bcr, np.quantile(bcr, [0.05, 0.95]), methods=methods)
    assert {1.0, 100.0} <= set(_vertical_lines(ax))
    assert f"P(BCR > 100) = {np.mean(bcr > 100):.3f}" in ax.get_title()  # 0.4, far from 0 and 1: three decimals
    lo, hi = ax.get_xlim()
    assert lo < 1 and hi > 100
    # one stacked layer per method used, each layer's bars summing to that method's share of draws
    from matplotlib.patches import StepPatch

    layers = [p.get_data() for p in ax.patches if isinstance(p, StepPatch)]
    assert len(layers) == 2
    bottom, top = (layer.values - layer.baseline for layer in layers)
    assert np.array_equal(layers[1].baseline, layers[0].values)  # stacked: the second layer starts on the first
    edges = layers[0].edges
    inside = (bcr >= edges[0]) & (bcr <= edges[-1])  # the bins span the draws' p0.1-p99.9 (and 1, 100)
    assert bottom.sum() == pytest.approx(np.mean(inside & (methods == 0)), abs=1e-9)
    assert top.sum() == pytest.approx(np.mean(inside & (methods == 4)), abs=1e-9)
    assert np.mean(inside) > 0.997
    names = [t.get_text() for t in ax.get_legend().get_texts()]
    assert METHOD_KEYS[0] in names and METHOD_KEYS[4] in names  # a method by its one name (mcvalue.vocab.display)


@pytest.mark.slow
def test_benefit_chain_shows_stated_intervals_labels_and_reaches_the_papers_30b():
    scenario = mcvalue.load_scenario(REPO / "priors" / "default.toml").with_settings(cost_model="table1", draws=4000)
    ax = mcvalue.plot_benefit_chain(mcvalue.run(scenario))
    ticks = [t.get_text() for t in ax.get_yticklabels()]
    assert "x Haircut for optimistic sources\n(90%: 0.03-0.3)" in ticks  # entered as 0.03-0.3, truncated at 1
    assert "x MLOSS share of algorithms\n(90%: 0.2-0.8)" in ticks
    lo, hi = ax.get_xlim()
    assert lo < PAPER_BENEFIT_USD < hi and hi > 3e12
