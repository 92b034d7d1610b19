"""The report of a run with an edited prior: one name per quantity, one colour per method, no empty rows."""

import re

import pytest
from matplotlib.colors import to_hex

import mcvalue
from mcvalue.vocab.display import BAND_COLOUR, METHOD_COLOURS, PAPER_COLOUR, display_name, method_colour


@pytest.fixture(scope="module")
def edited_run(tmp_path_factory):
    """Return a Table 1 run (no fit) whose haircut prior was edited and renamed; its run directory."""
    scenario = mcvalue.load_scenario("default").with_settings(draws=6000, cost_model="table1")
    scenario = scenario.with_prior("benefit.haircut", {"dist": "lognormal", "ci90": [0.05, 0.3], "upper": 1, "label": "My haircut", "source": "mine"})
    result = mcvalue.run(scenario)
    directory = mcvalue.write_report(result, tmp_path_factory.mktemp("runs") / "edited")
    return result, directory


def test_method_colours_are_distinct_and_apart_from_the_band_and_the_paper():
    def rgb(colour):
        return [int(colour[i:i + 2], 16) for i in (1, 3, 5)]

    from colorsys import rgb_to_hsv

    colours = list(METHOD_COLOURS.values())
    assert len(set(colours)) == len(colours) == 6
    assert rgb_to_hsv(*rgb(BAND_COLOUR))[1] == 0  # the band is a grey: no hue to mistake for a method's
    for colour in colours:  # every method a clear hue, far from the paper's red (Euclidean distance in 0-255 RGB)
        assert rgb_to_hsv(*rgb(colour))[1] > 0.4
        assert sum((a - b) ** 2 for a, b in zip(rgb(colour), rgb(PAPER_COLOUR), strict=True)) ** 0.5 > 80


def _legend_colours(ax) -> dict[str, str]:
    """Return each legend entry's colour by its text (face colour of a patch, colour of a line)."""
    legend = ax.get_legend()
    out = {}
    for handle, text in zip(legend.legend_handles, legend.get_texts(), strict=True):
        colour = handle.get_facecolor() if hasattr(handle, "get_facecolor") and not hasattr(handle, "get_xdata") else handle.get_color()
        out[text.get_text()] = to_hex(colour)
    return out


def test_each_method_has_its_one_colour_in_the_histogram_and_the_exceedance_plot(edited_run):
    result, _ = edited_run
    histogram = _legend_colours(mcvalue.plot_bcr(result))
    exceedance = _legend_colours(mcvalue.plot_exceedance(result))
    drawn = [key for key in METHOD_COLOURS if key in result.summary_record["methods"]]
    assert len(drawn) == 5  # Table 1 has no activity-threshold FTE: its weight went to the five
    for key in drawn:
        assert histogram[key] == exceedance[key] == method_colour(key)
    band = next(colour for text, colour in histogram.items() if text.startswith("90% interval"))
    assert band == BAND_COLOUR and band not in {method_colour(k) for k in drawn}


def test_tables_and_figures_name_every_quantity_by_its_one_name(edited_run):
    result, directory = edited_run
    report = (directory / "report.md").read_text()
    # The edited prior's label everywhere its key would show; the grouped inputs by their fixed names.
    for name in ("My haircut", display_name("cost.method"), display_name("fte")):
        assert name in report
    for row in re.findall(r"^\| ([^|]+) \|", report, re.M):
        assert row.strip() not in ("benefit.haircut", "cost.method", "fte", "costing method")
    tornado = [t.get_text() for t in mcvalue.plot_tornado(result).get_yticklabels()]
    sobol = [t.get_text() for t in mcvalue.plot_sobol(result).get_yticklabels()]
    assert "My haircut" in tornado and "My haircut" in sobol
    assert display_name("cost.method") in tornado and display_name("cost.method") in sobol
    # The decision section says what the thresholds mean and puts the method's Sobol rank beside its worth for the decision.
    assert "k = 1 is break-even" in report and "not a threshold an investor would need to clear" in report
    sobol_rank = re.search(r"In this run, Costing method has the total Sobol index ([0-9.]+) of log BCR \(rank (\d+) of (\d+)\)", report)
    indices = next(e["indices"] for e in result.summary_record["sensitivity"]["sobol"] if e["output"] == "log_bcr")
    ranked = sorted(indices, key=lambda r: -r["total"])
    assert sobol_rank and int(sobol_rank.group(3)) == len(ranked)
    assert ranked[int(sobol_rank.group(2)) - 1]["input"] == "cost.method"
    html = (directory / "report.html").read_text()
    assert "My haircut" in html and "cost.method" not in re.sub(r"<code>[^<]*</code>", "", html)


def test_no_table_row_reads_empty_and_every_left_out_row_is_said(edited_run):
    _, directory = edited_run
    report = (directory / "report.md").read_text()
    rows = [line for line in report.splitlines() if line.startswith("| ") and not line.startswith("|---")]
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        assert not (len(cells) > 2 and cells[2:4] == ["none", "n/a"]), row  # no break-even row without a value
        assert "n/a-n/a" not in row
    assert "Left out, because no value in the input's prior p0.1-p99.9 range brings the median BCR to k" in report
    # Table 1's FTE is fixed: its tornado row would read the same median twice; it is left out and said so.
    assert "Left out, because fixing them leaves the median BCR where it is" in report
    assert report.count("The FTE rows' source:") == 1
    assert "per year" in report.split("## Diagnostics")[0].split("## Inputs")[1]  # inputs carry their units


def test_the_terminal_decision_text_describes_no_figure(edited_run):
    result, _ = edited_run
    text = mcvalue.text.render_decision(result.summary_record, mcvalue.text.input_names(result.scenario, result.summary_record))
    for phrase in ("a bar spans", "thick for", "the line is", "![", "figure", "band"):
        assert phrase not in text
    assert "break-even" in text and "the paper's claim" in text


def test_run_prints_the_headline_and_report_html_even_quiet_and_says_a_threshold_is_a_default(tmp_path):
    from typer.testing import CliRunner

    from mcvalue.cli import app

    done = CliRunner().invoke(app, ["run", "--cost-model", "table1", "--draws", "2000", "--results-dir", str(tmp_path),
                                    "--name", "q", "--threshold", "100", "--quiet"])
    assert done.exit_code == 0, done.output
    lines = done.stdout.splitlines()
    assert lines[0].startswith("The median benefit-cost ratio") and lines[-1] == f"report: {tmp_path / 'q' / 'report.html'}"
    assert "note: --threshold 100 is a default threshold already" in done.stderr


def test_priors_check_says_the_default_has_no_rank_correlations():
    from typer.testing import CliRunner

    from mcvalue.cli import app

    done = CliRunner().invoke(app, ["priors", "check", "default"])
    assert done.exit_code == 0 and "no rank correlations (every quantity drawn independently)" in done.stdout
