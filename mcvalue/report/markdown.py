"""report.md: the text of a report, from summary.json's content alone.

Numbers are formatted by :mod:`mcvalue.fmt` (money as $245K, ratios with sensible
digits, never e-notation); every table says what its intervals are intervals of.
Every string a user supplies enters through :mod:`mcvalue.report.escaping`. This
module assembles the sections, which live by group in :mod:`mcvalue.report.result_sections`,
:mod:`mcvalue.report.decision_sections` and :mod:`mcvalue.report.appendix_sections`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from mcvalue.report.appendix_sections import diagnostics_rows, input_rows, provenance_rows
from mcvalue.report.decision_sections import decision_rows
from mcvalue.report.escaping import Labels, code_span, escaped
from mcvalue.report.result_sections import (
    basis_sentence,
    benefit_method_rows,
    estimand_sentence,
    headline,
    heaviest_window_rows,
    method_rows,
    population_rows,
    references_rows,
    summary_rows,
    tail_rows,
    threshold_rows,
)

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario


def labels_for(scenario: Scenario, summary: dict[str, Any]) -> dict[str, str]:
    """Return the display name of every prior quantity, grouped input and input of ``summary["inputs"]`` (:mod:`mcvalue.vocab.display`)."""
    from mcvalue.vocab.display import display_names

    return display_names(scenario, summary["inputs"])


def render_markdown(
    summary: dict[str, Any], figures: Sequence[str], warnings: Sequence[str] = (), labels: Labels | None = None, sample: str | None = None
) -> str:
    """report.md's text from summary.json's content, the figure stems, the inputs' labels (default: keys) and the collected sample's path."""
    labels = labels or {}
    lines = ["# mcvalue report", "", headline(summary), ""]
    lines += [f"> warning: {escaped(w)}" for w in warnings] + ([""] if warnings else [])
    lines += ["## Cost, benefit and benefit-cost ratio", ""] + population_rows(summary) + summary_rows(summary) + [""] + tail_rows(summary)
    lines += ["", "![BCR distribution](figures/bcr.png)", ""]
    lines += ["## The costing methods", "", f"{estimand_sentence(summary)} {basis_sentence(summary)}", ""] + method_rows(summary)
    lines += ["", *threshold_rows(summary), "![Cost per year by method](figures/cost_by_method.png)", ""]
    lines += references_rows(summary) + heaviest_window_rows(summary)
    lines += ["## The benefit methods", "", *benefit_method_rows(summary), ""]
    lines += ["## Benefit chain", "", "![Benefit chain](figures/benefit_chain.png)", ""]
    lines += ["## What would change the conclusion", ""] + decision_rows(summary, labels)
    lines += ["## Inputs", ""] + input_rows(summary, labels) + [""]
    lines += ["## Diagnostics", ""] + diagnostics_rows(summary["diagnostics"]) + [""]
    lines += [f"![{stem}](figures/{stem}.png)" for stem in figures if stem.startswith("ppc")]
    lines += ["", "## Provenance", ""] + provenance_rows(summary["provenance"]) + [""]
    if sample is not None:
        manifest = summary["provenance"]["data_files_sha256"]["manifest.json"]
        lines += [f"The sample was collected from git histories by `mcvalue data collect`: {code_span(sample)} (manifest.json sha256 {escaped(manifest)}).", ""]
    lines += ["The fully resolved priors used are in `priors.toml`; run name, time and command line in `run.json`.", ""]
    return "\n".join(lines)
