"""What the commands print: plain-text renderings of the records the public API returns.

Public as ``mcvalue.text``. Numbers through :mod:`mcvalue.fmt`; no files are written
here, and nothing heavy is imported until a renderer needs it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mcvalue.costmodels.table1 import MODE_DESCRIPTIONS, record_rows_published
from mcvalue.fmt import count, plain, prob, ratio, si, usd

if TYPE_CHECKING:
    from collections.abc import Mapping

    import pandas as pd

    from mcvalue.calibration import CalibrationResult
    from mcvalue.priors.spec import Scenario
    from mcvalue.runs.comparison import Comparison


def headline(summary: dict[str, Any]) -> str:
    """Return the report's first sentence as plain text (no markdown emphasis)."""
    from mcvalue.report.result_sections import headline as markdown_headline

    return markdown_headline(summary).replace("**", "")


def render_fit(summary: dict[str, Any]) -> str:
    """Return the ``mcvalue fit`` record as text: hyperparameters, FTE table, diagnostics, PPC p-values and misfits."""
    from mcvalue.costmodels.pymc.diagnostics import worst_figure

    lines = [f"Bayesian cost model, {summary['mode']} mode ({summary['draws']} posterior draws"
             + (", loaded from cache)" if summary["from_cache"] else ")")]
    lines += ["", summary["estimand"]]
    if "trend_structure" in summary:
        lines.append(f"Its time trends follow the structure '{summary['trend_structure']}' (--trend-structure; compared in docs/calibrate.md).")
    lines += ["", "Yearly growth factor of each likelihood's global trend (median, 90% interval):"]
    lines += [f"  {name:14s}{t['median']:.3f}  [{t['ci90'][0]:.3f}, {t['ci90'][1]:.3f}]" for name, t in summary["trend"].items()]
    lines += ["", "Hyperparameters (ArviZ summary; eti90 = the 90% equal-tailed credible interval):"]
    cols = ("mean", "sd", "eti90_lb", "eti90_ub", "ess_bulk", "ess_tail", "r_hat")
    lines.append(f"  {'':26s}" + "".join(f"{c:>10s}" for c in cols))
    for name, row in summary["hyperparameters"].items():
        cells = [count(row[c]) if c.startswith("ess") else f"{row[c]:.3f}" if c == "r_hat" else plain(row[c], 3) for c in cols]
        lines.append(f"  {name:26s}" + "".join(f"{cell:>10s}" for cell in cells))
    lines += ["", "FTE engineer-years per costing method:"]
    lines.append(f"  {'method':20s}{'posterior median':>17s}{'posterior 90%':>20s}{'paper':>9s}{'point':>9s}{'bootstrap 90%':>20s}")
    for key, f in summary["fte"].items():
        post = f"[{f['ci90'][0]:.0f}, {f['ci90'][1]:.0f}]"
        boot = f"[{f['bootstrap_ci90'][0]:.0f}, {f['bootstrap_ci90'][1]:.0f}]"
        lines.append(f"  {key:20s}{f['median']:>17.1f}{post:>20s}{f['paper']:>9.1f}{f['point']:>9.1f}{boot:>20s}")
    lines += [f"  note: {n}" for n in summary["bootstrap_notes"]]
    d = summary["diagnostics"]
    w = d["worst"]
    depth_hits = "not recorded" if d["max_treedepth_hits"] is None else d["max_treedepth_hits"]
    lines += [
        "",
        "Convergence (need R-hat <= 1.01, ESS >= 400, 0 divergences, E-BFMI >= 0.3, no max-depth draws):",
        f"  max R-hat {d['max_rhat']:.4f}   min bulk ESS {d['min_ess_bulk']:.0f}   min tail ESS {d['min_ess_tail']:.0f}",
        f"  divergences {d['divergences']}   min E-BFMI {d['min_bfmi']:.2f}   max-depth draws {depth_hits}",
        (f"  nearest its threshold: {worst_figure(w)}   CONVERGED"
         if d["converged"] else
         f"  worst: {worst_figure(w)}   NOT CONVERGED: results from this fit are unreliable"),
        "",
        "Posterior predictive p-values (mid-p of T(rep) vs T(obs); table1 = each method's Table-1 FTE statistic):",
    ]
    for quantity, ps in summary["ppc"].items():
        lines.append(f"  {quantity:14s}" + "   ".join(f"{s} {p:.3f}" for s, p in ps.items()))
    if summary["ppc_misfits"]:
        lines.append("Where the model fits badly:")
        lines += [f"  - {m}" for m in summary["ppc_misfits"]]
    else:
        lines.append("No p-value outside [0.05, 0.95].")
    return "\n".join(lines)


def _mode_description(record: dict[str, Any]) -> str:
    """Say what a Table 1 record's mode is; a collected sample (its files include manifest.json) is not the scrape."""
    if "manifest.json" not in record["data_sha256"]:
        return MODE_DESCRIPTIONS[record["mode"]]
    return "a sample collected from git (mcvalue data collect), " + ("cleaned" if record["mode"] == "clean" else "no cleaning")


def _describe(record: dict[str, Any]) -> list[str]:
    """Header lines saying which mode, options, salary and data produced a table."""
    options = " ".join(f"{k}={v}" for k, v in record["cleaning"].items())
    hashes = ", ".join(f"{name} sha256 {digest[:12]}" for name, digest in record["data_sha256"].items())
    lines = [f"mode {record['mode']}: {_mode_description(record)}", f"  cleaning: {options}"]
    if record["cleaning"].get("correct_top100"):
        lines.append("  (correct_top100 multiplies the cost model's FTE draws in a run; this table's arithmetic is uncorrected)")
    return [*lines, f"  data: {hashes}"]


def _frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Table 1 rows as a frame indexed by ``unit/reference``."""
    import pandas as pd

    return pd.DataFrame(rows, index=[f"{r['unit']}/{r['reference']}" for r in rows])


def render_table1(record: dict[str, Any]) -> str:
    """Return plain aligned text for a :func:`mcvalue.reproduce` record (one mode, or all beside the paper)."""
    import pandas as pd

    if "modes" not in record:
        table = _frame(record["rows"])[["cost_per_unit", "units_per_year", "cost_per_year"]]
        published = _frame(record_rows_published())["cost_per_year"]
        table["paper_cost_per_year"] = published
        table["vs_paper"] = (table["cost_per_year"] / published - 1).map(lambda x: f"{x:+.1%}")
        for column in ("cost_per_unit", "units_per_year", "cost_per_year", "paper_cost_per_year"):
            table[column] = table[column].map(si)
        lines = [f"Table 1 (salary ${record['salary_usd']:,.0f}, {record['periods_per_year']} periods a year)"]
        return "\n".join(lines + _describe(record) + ["", table.to_string()])
    columns = {"published": _frame(record["published"]["rows"])}
    columns.update({r["mode"]: _frame(r["rows"]) for r in record["modes"]})
    blocks = ["Table 1: the paper's published figures beside each data mode", ""]
    for r in record["modes"]:
        blocks += _describe(r)
    for quantity in ("cost_per_unit", "units_per_year", "cost_per_year"):
        block = pd.DataFrame({name: frame[quantity].map(si) for name, frame in columns.items()})
        blocks += ["", quantity, block.to_string()]
    return "\n".join(blocks)


def _cell(value: object, money: bool = False, probability: bool = False, signed: bool = False) -> str:
    """Format a comparison cell: money, probability or ratio (with a sign for a change); intervals as [lo, hi]."""
    if isinstance(value, list):
        return "[" + ", ".join(_cell(v, money, probability, signed) for v in value) + "]"
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        text = prob(abs(value), 4) if probability and signed else prob(value, 4) if probability else usd(value) if money else ratio(value)
        if signed:
            return ("-" if value < 0 else "+") + text.lstrip("-")
        return text
    return "n/a" if value is None else str(value)


def _side_of(quantity: str) -> str:
    """Return the group a compared figure belongs to in the "why it moved" lines: cost, benefit or BCR."""
    return "cost" if quantity.startswith("cost") else "benefit" if quantity.startswith("benefit") else "BCR"


def _why_moved(comparison: Comparison, i: int) -> list[str]:
    """Return the lines saying why run ``i``'s figures moved against the first run's, by side (cost, benefit, BCR)."""
    lines = []
    for side in ("cost", "benefit", "BCR"):
        rows = [r for r in comparison.rows if _side_of(r["quantity"]) == side]
        moved = [r for r in rows if r["because"][i]]
        unmoved = [r for r in rows if not r["because"][i]]
        if not moved:
            lines.append(f"  {side}: no change (exactly 0)")
            continue
        reasons = list(dict.fromkeys(reason for r in moved for reason in r["because"][i]))
        tail = f"; {len(unmoved)} unchanged" if unmoved else ""
        lines.append(f"  {side} moved ({len(moved)} of {len(rows)} figures{tail}) because " + "; ".join(reasons or ["of nothing listed"]))
    return lines


def _difference_lines(title: str, diffs: list[dict[str, Any]], runs: list[str]) -> list[str]:
    """Return one block of differences: its title, then each key (and its reason) with every run's value."""
    from mcvalue.report.escaping import readable

    if not diffs:
        return []
    lines = [f"{title} ({len(diffs)}; {' | '.join(runs)}):"]
    key_width = max(len(d["key"]) for d in diffs)
    named = None
    for d in diffs:
        if d.get("name") and d["name"] != named:
            lines.append(f"  {d['name']}:")
        named = d.get("name")
        shown = ["(absent)" if v is None else readable(v) for v in d["values"]]
        indent = "    " if named else "  "
        lines.append(f"{indent}{d['key']:{key_width}}  " + "  |  ".join(shown) + ("" if d["kind"] == "changed" else f"   [{d['reason']}]"))
    return lines


def render_comparison(comparison: Comparison) -> str:
    """Return a plain-text comparison: figures side by side (change against the first run in brackets), why each side moved, then every difference.

    Differences come in two blocks: what the user changed (prior file lines, settings)
    and what differs for other reasons (cost fit, data, libraries, machine).
    """
    runs = comparison.runs
    body = []
    for r in comparison.rows:
        money, probability = "USD" in r["quantity"], r["quantity"].startswith("P(")
        cells = [_cell(r["values"][0], money, probability)]
        for value, change in zip(r["values"][1:], r["change"][1:], strict=True):
            shown = _cell(value, money, probability)
            cells.append(shown if change is None else f"{shown} ({_cell(change, money, probability, signed=True)})")
        body.append((r["quantity"], cells))
    width = max(len(q) for q, _ in body)
    columns = [max(len(runs[i]), *(len(cells[i]) for _, cells in body)) for i in range(len(runs))]
    lines = [f"{'':{width}}  " + "  ".join(f"{name:>{w}}" for name, w in zip(runs, columns, strict=True))]
    lines += [f"{q:{width}}  " + "  ".join(f"{c:>{w}}" for c, w in zip(cells, columns, strict=True)) for q, cells in body]
    for i, name in enumerate(runs[1:], start=1):
        lines += ["", f"why {name} differs from {runs[0]}:", *_why_moved(comparison, i)]
    lines.append("")
    if not comparison.differences:
        lines.append("scenarios: identical (priors, weights, correlations, data, run settings, cost fit, libraries, machine)")
        return "\n".join(lines)
    changed = _difference_lines("what you changed", comparison.changed(), runs)
    other = _difference_lines("differs for other reasons (not in the prior files or settings)", comparison.other(), runs)
    lines += changed or ["what you changed: nothing (same prior files and settings)"]
    lines += ([""] + other) if other else ["", "nothing differs for other reasons (same cost fit, data, libraries and machine)"]
    return "\n".join(lines)


def input_names(scenario: Scenario, summary: dict[str, Any]) -> dict[str, str]:
    """Return the display name of every input of a run (:func:`mcvalue.vocab.display.display_names`), as the report shows them."""
    from mcvalue.report.markdown import labels_for

    return labels_for(scenario, summary)


def render_decision(summary: dict[str, Any], labels: Mapping[str, str] | None = None) -> str:
    """Return the report's "What would change the conclusion" section as text (tables, no figures).

    Parameters
    ----------
    summary : dict
        summary.json's content (:meth:`mcvalue.RunResult.summary`).
    labels : mapping of str to str, optional
        Input key -> the name shown (the prior files' ``label``, :meth:`mcvalue.Scenario.label`); default: the keys.

    Returns
    -------
    str
        The exceedance table, the break-even sentence and table, the tornado, the Sobol
        indices and the value of information, each after the sentence saying what it is;
        no sentence describes a figure (the terminal shows none).
    """
    from mcvalue.report.decision_sections import decision_rows

    lines = [line.replace("**", "") for line in decision_rows(summary, labels, figures=False)]
    text = "\n".join(lines)
    while "\n\n\n" in text:
        text = text.replace("\n\n\n", "\n\n")
    return text.strip() + "\n"


def threshold_note(k: float) -> str | None:
    """Say which of a report's lists already hold threshold ``k`` (``--threshold``), or None when none does.

    Examples
    --------
    >>> threshold_note(100)
    '--threshold 100 is a default threshold already (exceedance, break-even and value of information list it); it adds nothing'
    >>> threshold_note(10)
    '--threshold 10 is a default threshold of exceedance and value of information already; it adds it to break-even'
    >>> threshold_note(30) is None
    True
    """
    from mcvalue.decision.analysis import BREAK_EVEN_THRESHOLDS, VOI_THRESHOLDS
    from mcvalue.report.decision_sections import DEFAULT_LISTED

    lists = {"exceedance": DEFAULT_LISTED, "break-even": BREAK_EVEN_THRESHOLDS, "value of information": VOI_THRESHOLDS}
    having = [name for name, ks in lists.items() if float(k) in ks]
    if not having:
        return None
    if len(having) == len(lists):
        return f"--threshold {k:g} is a default threshold already (exceedance, break-even and value of information list it); it adds nothing"
    missing = [name for name in lists if name not in having]
    return f"--threshold {k:g} is a default threshold of {' and '.join(having)} already; it adds it to {' and '.join(missing)}"


def decision_json(summary: dict[str, Any]) -> dict[str, Any]:
    """Return what ``mcvalue sensitivity --json`` prints: ``bcr.exceedance``, ``sensitivity`` and ``voi`` of summary.json."""
    return {
        "bcr": {"exceedance": summary["bcr"]["exceedance"]},
        "sensitivity": summary["sensitivity"],
        "voi": summary["voi"],
    }


def render_audit(report: dict[str, Any]) -> str:
    """Return the data audit (:func:`mcvalue.audit`) as text."""
    from mcvalue.data.audit import render

    return render(report)


def render_priors(record: dict[str, Any]) -> str:
    """Return a prior file's quantities, weights, correlations and settings as a table."""
    from mcvalue.priors.show import render

    return render(record)


def show_priors(scenario: Scenario) -> dict[str, Any]:
    """Return the JSON-ready record ``mcvalue priors show`` prints for a scenario."""
    from mcvalue.priors.show import show_record

    return show_record(scenario)


def check_line(scenario: Scenario) -> str:
    """Return the one line ``mcvalue priors check`` prints for a valid file."""
    from mcvalue.priors.show import check_line as line

    return line(scenario)


def summary_json(summary: dict[str, Any]) -> str:
    """Return summary.json's exact text (what ``mcvalue run --json`` prints)."""
    from mcvalue.report.rundir import summary_bytes

    return summary_bytes(summary).decode("utf-8")


def render_calibration(result: CalibrationResult) -> str:
    """Return a calibration's outcome as text: fits, failures by gate, non-uniform ranks, the files written."""
    import numpy as np

    s = result.summary
    n = s["datasets"]
    lines = [f"Simulation-based calibration of {s['model_version']}: {n} datasets ({s['sampler']}; "
             f"{result.fitted} fitted now, {result.resumed} verified and kept)"]
    gates = {k: v for k, v in s.items() if k.startswith("fits_with_")}
    lines.append(f"  divergent fits {s['divergent_fits']}/{n}; failing a convergence gate {s['fits_failing_gates']}/{n} ("
                 + ", ".join(f"{k.removeprefix('fits_with_').replace('_', ' ')}: {v}" for k, v in gates.items()) + ")")
    for unfinished in (*s["fits_without_a_starting_point"], *s["fits_stopped_at_the_step_budget"]):
        lines.append(f"  dataset {unfinished['dataset']}: no fit ({unfinished['failure']}); no ranks")
    for label, key in (("all fits", "all_fits"), ("converged fits", "converged_fits")):
        table = s[key]
        if table is None:
            lines.append(f"  ranks, {label}: none")
            continue
        smallest = min(table["quantities"].items(), key=lambda item: np.nan_to_num(item[1]["p_value"], nan=1.0))
        verdict = "uniform for every quantity" if not table["non_uniform"] else "NOT uniform: " + ", ".join(table["non_uniform"])
        lines.append(f"  ranks, {label} ({table['datasets']}, {table['bins']} bins): {verdict} (Bonferroni at 1%: p < {table['threshold']:.2g}; "
                     f"smallest p {smallest[1]['p_value']:.3g}, {smallest[0]})")
    left_out = {name: q["non_finite_truths"] for name, q in (s["all_fits"] or {"quantities": {}})["quantities"].items() if q["non_finite_truths"]}
    if left_out:
        lines.append("  left out of a quantity's ranks for a true value that is not finite: " + ", ".join(f"{k} {v}" for k, v in left_out.items()))
    if result.seconds:
        lines.append(f"  median fit {float(np.median(result.seconds)):.0f} s ({len(result.seconds)} fits this run)")
    lines.append(f"  written: {result.directory}/ (ranks.jsonl, timings.jsonl, summary.json, ranks.png)")
    return "\n".join(lines)


def render_forecast(record: dict[str, Any]) -> str:
    """Return the trend structures' forecast check as text: elpd differences, interval coverage, FTE at the target year."""
    year = record["target_year"]
    lines = [f"Forecast check: fitted to the {record['training_windows']} windows before {record['cutoff']:.0f}, scored on "
             f"{record['held_out_windows']} later windows of {record['held_out_repos']} repos "
             f"(median {record['held_out_years_beyond_last_training_window'][0]} years past a repo's last fitted window)"]
    lines.append(f"  {'structure':18s}{'elpd diff from best (SE): contributors':>40s}{'commits':>16s}{'lines':>16s}{'total':>16s}   90% coverage c/c/l   "
                 f"contributors FTE {year}")
    for name, s in record["structures"].items():
        diffs = "".join(f"{f'{d:.1f} ({se:.1f})':>{w}s}" for (d, se), w in zip(s["elpd_difference_from_best"].values(), (40, 16, 16, 16), strict=True))
        cov = "/".join(f"{c:.2f}" for c in s["coverage_90"].values())
        fte = s[f"fte_{year}"]["contributors_pytorch"]
        lines.append(f"  {name:18s}{diffs}   {cov:18s}   {fte[0]:,.0f} [{fte[1]:,.0f}, {fte[2]:,.0f}]")
    return "\n".join(lines)
