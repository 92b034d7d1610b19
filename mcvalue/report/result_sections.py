"""report.md's result sections: the headline, the cost / benefit / BCR tables, the costing and benefit methods.

Also the sentences saying what the cost measures (estimand, basis, population,
references, heaviest windows). Separate from the decision analysis and the appendix
(inputs, diagnostics, provenance) so that each group of sections reads on its own;
:mod:`mcvalue.report.markdown` assembles them.
"""

from __future__ import annotations

from typing import Any

from mcvalue.costmodels.pymc.diagnostics import convergence_failure
from mcvalue.fmt import count, interval, prob, ratio, usd
from mcvalue.priors.settings import DEFAULT_TREND_STRUCTURE
from mcvalue.report.escaping import code_span, escaped
from mcvalue.vocab.display import METHOD_COLOUR_NAMES, method_name
from mcvalue.vocab.paper import PAPER_BENEFIT_USD


def headline(summary: dict[str, Any]) -> str:
    """Return the report's first sentence: median BCR, its 90% interval and P(BCR > 100) against 100:1."""
    bcr = summary["bcr"]
    lo, hi = bcr["intervals"]["90"]
    p100 = bcr["p_above"]["100"]["p"]
    text = (
        f"The median benefit-cost ratio of ML open source software is **{ratio(bcr['median'])}:1** "
        f"(90% interval {ratio(lo)} to {ratio(hi)}), and P(BCR > 100) = **{prob(p100)}**, "
        f"against the paper's claim of at least 100:1."
    )
    diagnostics = summary["diagnostics"]
    if diagnostics.get("cost_model") == "table1":
        text += " The cost side is the paper's published Table 1 figures, not a fit to the sample."
    failure = convergence_failure(diagnostics)
    if failure is not None:
        text += f" **{failure[0].upper()}{failure[1:]}**: the cost side and every ratio above may be wrong."
    return text


def summary_rows(summary: dict[str, Any]) -> list[str]:
    """Return the cost / benefit / BCR table."""
    rows = [
        "| quantity | paper | median | 50% | 90% | 95% | HDI 90% (log scale) | mean | MCSE of median |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for label, key, fmt, paper in (
        ("cost per year (USD)", "cost_usd", usd, "$122M-$300M"),
        ("benefit per year (USD)", "benefit_usd", usd, usd(PAPER_BENEFIT_USD)),
        ("benefit-cost ratio", "bcr", ratio, ">= 100"),
    ):
        s = summary[key]
        iv = s["intervals"]
        rows.append(
            f"| {label} | {paper} | {fmt(s['median'])} | {interval(iv['50'], fmt)} | {interval(iv['90'], fmt)} "
            f"| {interval(iv['95'], fmt)} | {interval(iv['hdi90'], fmt)} | {fmt(s['mean'])} | {fmt(s['mcse']['quantiles']['0.5'])} |"
        )
    return rows


def tail_rows(summary: dict[str, Any]) -> list[str]:
    """Return the table of P(BCR > threshold) with its Monte Carlo standard error."""
    rows = ["| threshold | P(BCR > threshold) | MCSE |", "|---|---|---|"]
    for t, v in summary["bcr"]["p_above"].items():
        rows.append(f"| {t} | {prob(v['p'])} | {ratio(v['mcse'])} |")
    return rows


def method_rows(summary: dict[str, Any]) -> list[str]:
    """Return the costing methods' table: each method's colour in the figures, weight, cost per year and BCR beside the paper's."""
    rows = [
        "| method | colour in figures | weight | paper cost (USD/yr) | our cost (USD/yr): median | 90% interval | paper BCR | our BCR: median "
        "| 90% interval | P(BCR > 100) |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for key, m in summary["methods"].items():
        c, b = m["cost_usd"], m["bcr"]
        paper = m["paper_cost_usd"]
        rows.append(
            f"| {method_name(key)} | {METHOD_COLOUR_NAMES.get(key, 'grey')} | {m['weight']:.2f} | {usd(paper) if paper else '-'} "
            f"| {usd(c['median'])} | {interval(c['intervals']['90'], usd)} "
            f"| {ratio(PAPER_BENEFIT_USD / paper) if paper else '-'} | {ratio(b['median'])} | {interval(b['intervals']['90'], ratio)} "
            f"| {prob(b['p_above']['100']['p'])} |"
        )
    return rows


def benefit_method_rows(summary: dict[str, Any]) -> list[str]:
    """Return the benefit methods' table and the benefit-method x costing-method table (median BCR, P(BCR > 100))."""
    benefit_methods = summary.get("benefit_methods", {})
    rows = [
        "| benefit method | weight | benefit/yr: median | 90% interval | BCR: median | 90% interval | P(BCR > 100) |",
        "|---|---|---|---|---|---|---|",
    ]
    for key, m in benefit_methods.items():
        v, b = m["benefit_usd"], m["bcr"]
        rows.append(
            f"| {key} | {m['weight']:.2f} | {usd(v['median'])} | {interval(v['intervals']['90'], usd)} "
            f"| {ratio(b['median'])} | {interval(b['intervals']['90'], ratio)} | {prob(b['p_above']['100']['p'])} |"
        )
    table = summary.get("method_table", {})
    if not table:
        return rows
    columns = list(next(iter(table.values())))
    rows += [
        "",
        "Median BCR (and P(BCR > 100)) of each benefit method over each costing method, each as if it had weight 1; "
        "`mixture` is the run's own mixture on that side.",
        "",
        "| benefit method | " + " | ".join(columns) + " |",
        "|---|" + "---|" * len(columns),
    ]
    for key, cells in table.items():
        rows.append(f"| {key} | " + " | ".join(f"{ratio(c['median'])} ({prob(c['p_above_100'])})" for c in cells.values()) + " |")
    return rows


def threshold_rows(summary: dict[str, Any]) -> list[str]:
    """Return the paragraph on the activity-threshold method (none when the run could not price it)."""
    from mcvalue.costmodels.threshold import QUANTITY
    from mcvalue.vocab.paper import THRESHOLD_KEY

    if THRESHOLD_KEY not in summary["methods"]:
        return []
    fte = summary["inputs"].get(f"fte.{THRESHOLD_KEY}", {})
    t = summary["inputs"].get(QUANTITY, {})
    at = f" ({count(fte['median'])} FTE at the threshold's median {count(t['median'])} per six months)" if fte and t else ""
    return [
        f"**{THRESHOLD_KEY}** (Robles et al., MSR 2014 and Empirical Software Engineering 2022) needs no reference repository: "
        "a contributor-period counts min(activity / t, 1) engineers, t the activity per two-week window at which a developer is "
        f"full-time (`{QUANTITY}`, given per six months){at}. Since min(activity / t, 1) <= 1, the paper's \"every active "
        "contributor is a full-time engineer\" (the contributors method's FTE) is this method's upper bound, reached as t -> 0. "
        f"{threshold_activity(summary['provenance'])}",
        "",
    ]


def population_rows(summary: dict[str, Any]) -> list[str]:
    """Return the sentence saying which population the BCR is about (the list the sample was drawn from)."""
    population = summary.get("population")
    if not population:
        return []
    return [
        f"The BCR is about the population {code_span(population['name'])} ({population['size']:,} tools): the repository list the "
        "sample was drawn from; the coverage prior (`cost.coverage`) is all MLOSS's cost over that population's.",
        "",
    ]


def references_rows(summary: dict[str, Any]) -> list[str]:
    """Return one paragraph saying where the reference repos' windows came from and how they were measured (none for table1)."""
    refs = (summary.get("data") or {}).get("references")
    if not refs:
        return []
    counts = ", ".join(f"{name} {n:,} contributor-periods" for name, n in refs["contributor_periods"].items())
    return [
        f"References (`[cost] references = {escaped(str(refs['setting']))}`): the commits and lines methods price units by the "
        f"reference repos' mean units per contributor-period ({counts}; 0: that reference's methods are left out), "
        f"{escaped(refs['measured'])}.",
        "",
    ]


def threshold_activity(provenance: dict[str, Any]) -> str:
    """Return the sentence saying which activity the threshold method counted: commits on the paper's sample, else active days."""
    if provenance.get("sample_sha256") is None:
        return ("Activity here is commits, the only measure the paper's scrape has; on the scrape's windows read from git, active "
                "days (the calibration's sense) give 6.5% less of this method's FTE at t = 30 per six months (results/activity).")
    how = " (the Bayesian model's commits curve times the sample's ratio of the two)" if provenance.get("cost_model") == "pymc" else ""
    return f"Activity here is each contributor's distinct active days in the window, the calibration's sense{how}."


def heaviest_window_rows(summary: dict[str, Any]) -> list[str]:
    """Return one sentence per lines method: its Table-1 FTE with and without its reference repo's heaviest window."""
    data = summary.get("data")
    if not data or not data["heaviest_windows"]:
        return []
    rows = ["**Heaviest windows.** Lines are heavy-tailed: the lines methods' FTE by the paper's arithmetic on this sample, "
            "and with the reference repo's heaviest window (most lines by its contributors) left out of the sample.", ""]
    for w in data["heaviest_windows"]:
        rows.append(
            f"- {w['method']}: {count(w['fte'])} FTE; without {escaped(w['tool'])} {escaped(w['period_start'])}..{escaped(w['period_end'])} "
            f"({count(w['window_lines'])} lines, {w['share_of_reference_lines']:.0%} of the reference's lines) "
            f"{count(w['fte_without_window'])} FTE (x{ratio(w['fte_without_window'] / w['fte'])})."
        )
    return rows + [""]


def estimand_sentence(summary: dict[str, Any]) -> str:
    """Return the one sentence saying what the FTE behind the cost is (whose activity, which year: the run's ``provenance``)."""
    from mcvalue.costmodels.side import estimand

    provenance = summary["provenance"]
    if provenance["cost_model"] == "pymc" and provenance.get("trend_structure"):
        return f"{estimand(provenance['target_year'])} {trend_sentence(provenance['trend_structure'])}"
    if provenance["cost_model"] != "table1":
        return estimand(provenance["target_year"])
    return "FTE is the paper's published Table 1 figure for each method (the long-run average of its sampled windows)."


def trend_sentence(name: str) -> str:
    """Return the one sentence naming the time-trend structure the Bayesian cost model's FTE was carried to its year with."""
    default = "the default" if name == DEFAULT_TREND_STRUCTURE else "not the default"
    return f"Its time trends follow the structure {name!r} ({default}; [cost] trend_structure, the structures compared in docs/calibrate.md)."


def basis_sentence(summary: dict[str, Any]) -> str:
    """Return the one sentence saying what the cost is: this year's development (the flow) or the stock's annual user cost."""
    provenance = summary["provenance"]
    if provenance.get("cost_basis", "flow") == "flow":
        return (
            "Cost is this year's development cost (the flow): each FTE-year of that activity priced at one loaded salary, "
            "times coverage and the FTE fraction."
        )
    first, last = provenance["stock_years"]
    return (
        f"Cost is the annual user cost of the depreciated stock of MLOSS built since {first}: (discount + depreciation) x stock, "
        f"the stock adding up each year's FTE from {first} to {last} at (1 - depreciation) per year of age, "
        "priced at one loaded salary per FTE-year, times coverage and the FTE fraction."
    )
