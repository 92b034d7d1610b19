"""Readable numbers and names (issue 12, point 3): no e-notation for people, labels instead of keys."""

import json
import re
from pathlib import Path

import pytest

import mcvalue
from mcvalue.errors import PriorFileError
from mcvalue.fmt import plain
from mcvalue.priors.families.base import LABEL_MAX
from mcvalue.priors.load import load_scenario
from mcvalue.priors.spec import QUANTITIES
from mcvalue.report.appendix_sections import diagnostics_rows, provenance_rows
from mcvalue.report.escaping import readable

REPO = Path(__file__).resolve().parents[1]
#: e-notation as Python prints it: a digit, e, a sign or digit (1e+05, 3.2e-07, 5e12).
E_NOTATION = re.compile(r"\d[eE][+-]?\d")


@pytest.mark.parametrize(
    ("value", "text"),
    [(150_000, "150K"), (400_000, "400K"), (5.8e12, "5.8T"), (3e12, "3T"), (2.449e5, "244.9K"), (0.0298, "0.0298"),
     (1200, "1200"), (9999, "9999"), (1e6, "1M"), (-3e5, "-300K"), (0, "0"), (31_870.2, "31.87K")],
)
def test_plain_reads_as_entered_never_in_e_notation(value, text):
    assert plain(value) == text


def test_plain_keeps_e_notation_only_for_absurd_magnitudes():
    assert plain(1e17) == "1e+17" and plain(1e-320) == "1e-320"


def test_every_shipped_quantity_has_a_short_label():
    for name in ("default", "paper", "genai2023"):
        scenario = load_scenario(name)
        assert set(scenario.labels) == set(scenario.quantities) >= set(QUANTITIES), name
        assert all(0 < len(label) <= LABEL_MAX for label in scenario.labels.values())
    assert load_scenario("default").label("benefit.haircut") == "Haircut for optimistic sources"


def test_a_label_over_the_limit_is_refused_naming_the_key(tmp_path):
    path = tmp_path / "long.toml"
    path.write_text(f'extends = "default"\n[benefit.haircut]\ndist = "point"\nvalue = 0.1\nlabel = "{"x" * (LABEL_MAX + 1)}"\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    assert len(raised.value.problems) == 1 and "benefit.haircut.label" in raised.value.problems[0]


def test_a_label_survives_with_prior_and_falls_back_to_a_readable_key():
    scenario = load_scenario("default").with_prior("benefit.haircut", {"dist": "point", "value": 0.5, "label": "My haircut"})
    assert scenario.label("benefit.haircut") == "My haircut"
    unlabelled = scenario.with_prior("benefit.mloss_share", {"dist": "point", "value": 1.0})
    assert unlabelled.label("benefit.mloss_share") == "mloss share"
    assert unlabelled.label("fte.lines_pytorch") == "FTE, lines_pytorch"  # mcvalue.vocab.display's one name


def test_diagnostics_table_is_readable_and_says_what_each_check_means():
    diagnostics = json.loads((REPO / "results" / "reference" / "summary.json").read_text())["diagnostics"]
    rows = diagnostics_rows(diagnostics)
    text = "\n".join(rows)
    assert "{" not in text and "[" not in text.replace("[facebookresearch", "")  # no raw JSON
    rhat = next(r for r in rows if r.startswith("| max_rhat"))
    assert rhat.split(" | ")[1] == f"{diagnostics['max_rhat']:.4g}" and "chains agree" in rhat
    ess = next(r for r in rows if r.startswith("| min_ess_bulk"))
    assert ess.split(" | ")[1] == f"{round(diagnostics['min_ess_bulk']):,}"
    bfmi = next(r for r in rows if r.startswith("| min_bfmi"))
    assert bfmi.split(" | ")[1] == f"{diagnostics['min_bfmi']:.4g}"


def test_provenance_and_nested_values_read_as_words():
    provenance = {"seed": 20220218, "draws": 200000, "cleaning": {"exclude_bots": True, "extra_bots": []}, "swing": [0.1, 0.9]}
    assert provenance_rows(provenance)[2:] == [
        "| seed | 20220218 |",
        "| draws | 200,000 |",
        "| cleaning | exclude_bots yes; extra_bots none |",
        "| swing | 0.1, 0.9 |",
    ]
    assert readable(3.187e4) == "31.87K"


@pytest.mark.slow
def test_report_and_priors_show_have_no_e_notation_and_use_labels(tmp_path):
    scenario = mcvalue.load_scenario(REPO / "priors" / "default.toml").with_settings(cost_model="table1", draws=2000)
    path = mcvalue.write_report(mcvalue.run(scenario), tmp_path / "run")
    text = (path / "report.md").read_text()
    prose = re.sub(r"[0-9a-f]{64}", "", text)  # sha256 digests may hold 'e' between digits
    assert not E_NOTATION.search(prose), E_NOTATION.search(prose)
    assert "| Haircut for optimistic sources | `benefit.haircut` | share (0-1) | lognormal(ci90=\\[0.03, 0.3\\], upper=1) |" in text
    assert "| AI value per year | `benefit.ai_value_usd` | USD per year | lognormal(ci90=\\[3T, 5.8T\\]) | $3T | $4.17T | $5.8T |" in text
    shown = mcvalue.text.render_priors(mcvalue.text.show_priors(scenario))
    assert not E_NOTATION.search(shown) and "$245K" in shown and "Salary per FTE-year (loaded)" in shown
