"""Decision figures draw exactly the numbers of their tables (object API, no pyplot)."""

import numpy as np
import pytest
from matplotlib.axes import Axes

from mcvalue import decision as d
from mcvalue.decision import plotting as plots


def test_exceedance_plot_has_log_axis_one_line_per_curve_and_the_paper_line_at_100():
    """One line per curve at the table's points, a log x axis and a vertical line at 100."""
    curve = [{"k": 1.0, "p": 0.9, "mcse": 0.01}, {"k": 100.0, "p": 0.4, "mcse": 0.01}]
    other = [{"k": 1.0, "p": 0.8, "mcse": 0.02}, {"k": 100.0, "p": 0.2, "mcse": 0.02}]
    ax = plots.exceedance_curves({"mixture": curve, "commits_pytorch": other})
    assert isinstance(ax, Axes) and ax.get_xscale() == "log"
    lines = {line.get_label(): line for line in ax.get_lines()}
    np.testing.assert_array_equal(lines["mixture of methods"].get_ydata(), [0.9, 0.4])
    np.testing.assert_array_equal(lines["commits_pytorch"].get_ydata(), [0.8, 0.2])
    assert list(lines["paper: 100:1"].get_xdata()) == [100.0, 100.0]


def test_sobol_plot_bars_are_the_indices_with_their_intervals():
    """Bar lengths are the first-order and total indices, largest total at the top."""
    table = d.SobolIndices(
        "log_bcr", ("a", "b"), np.array([0.2, 0.6]), np.array([0.01, 0.03]), np.array([0.25, 0.7]), np.array([0.02, 0.04])
    )
    ax = d.Sobol({"log_bcr": table}, n_base=8, model_runs=32, conf_level=0.95).plot("log_bcr")
    widths = sorted(round(p.get_width(), 12) for p in ax.patches)
    assert widths == [0.2, 0.25, 0.6, 0.7]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["a", "b"]


def test_evppi_plot_bars_in_billions_and_an_unknown_threshold_is_an_error():
    """EVPPI bars in billions of USD per year for the chosen k."""
    from mcvalue.decision.voi import Evppi, VoiThreshold

    entry = VoiThreshold(100.0, 1e9, 3e9, 1e7, (Evppi("x", 2e9, 1e7, 0.0), Evppi("y", 5e8, 1e7, 0.0)))
    voi = d.ValueOfInformation(thresholds=(entry,), subsample=2)
    ax = voi.plot(100.0)
    assert sorted(p.get_width() for p in ax.patches) == pytest.approx([0.5, 2.0])
    with pytest.raises(ValueError, match="no threshold"):
        voi.plot(1.0)


def test_tornado_plot_spans_the_conditional_medians_and_labels_the_method_ends():
    """Each bar spans its two medians; the method bar carries the method keys at its ends."""
    table = d.Tornado(
        swing=(0.1, 0.9),
        median=150.0,
        bars=(
            d.TornadoBar("benefit.haircut", "haircut", 0.05, 0.2, 60.0, 380.0),
            d.TornadoBar(d.METHOD_INPUT, "costing method", "commits_pytorch", "commits_tensorflow", 90.0, 220.0),
        ),
    )
    ax = table.plot()
    spans = sorted((p.get_x(), p.get_x() + p.get_width()) for p in ax.patches)
    assert spans == [pytest.approx((60.0, 380.0)), pytest.approx((90.0, 220.0))]
    assert {t.get_text() for t in ax.texts} == {"commits_pytorch", "commits_tensorflow"}
    assert ax.get_xscale() == "log"
