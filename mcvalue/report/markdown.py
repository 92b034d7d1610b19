"""report.md: the text of a report, from summary.json's content alone.

Numbers are formatted by :mod:`mcvalue.fmt` (money as $245K, ratios with sensible
digits, never e-notation); every table says what its intervals are intervals of.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

from mcvalue.costmodels.pymc.diagnostics import convergence_failure
from mcvalue.fmt import interval, prob, quantity, ratio, usd
from mcvalue.paper import PAPER_BENEFIT_USD


def headline(summary: dict) -> str:
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


def _summary_rows(summary: dict) -> list[str]:
    """Return the cost / benefit / BCR table."""
    rows = [
        "| quantity | paper | median | 50% | 90% | 95% | HDI 90% | mean | MCSE of median |",
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


def _tail_rows(summary: dict) -> list[str]:
    rows = ["| threshold | P(BCR > threshold) | MCSE |", "|---|---|---|"]
    for t, v in summary["bcr"]["p_above"].items():
        rows.append(f"| {t} | {prob(v['p'])} | {ratio(v['mcse'])} |")
    return rows


def _method_rows(summary: dict) -> list[str]:
    rows = [
        "| method | weight | paper cost/yr | our cost/yr: median | 90% interval | paper BCR | our BCR: median | 90% interval | P(BCR > 100) |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for key, m in summary["methods"].items():
        c, b = m["cost_usd"], m["bcr"]
        rows.append(
            f"| {key} | {m['weight']:.2f} | {usd(m['paper_cost_usd'])} | {usd(c['median'])} | {interval(c['intervals']['90'], usd)} "
            f"| {ratio(PAPER_BENEFIT_USD / m['paper_cost_usd'])} | {ratio(b['median'])} | {interval(b['intervals']['90'], ratio)} "
            f"| {prob(b['p_above']['100']['p'])} |"
        )
    return rows


def _input_rows(summary: dict) -> list[str]:
    rows = ["| input | distribution | p5 | median | p95 | source |", "|---|---|---|---|---|---|"]
    for name, v in summary["inputs"].items():
        source = (v["source"] or "").replace("|", "\\|")
        rows.append(f"| {name} | {v['distribution']} | {quantity(name, v['p5'])} | {quantity(name, v['median'])} | {quantity(name, v['p95'])} | {source} |")
    return rows


def _sensitivity_rows(summary: dict) -> list[str]:
    """Return the tornado and variance-share tables with the sentences that say how they were made."""
    from mcvalue.sensitivity import describe_swing, input_labels, swing_percentiles

    t = summary["sensitivity"]["tornado"]
    lo, hi = swing_percentiles(t["swing"])
    rows = [
        f"Tornado: {describe_swing(t['swing'], t['base_bcr'], t['base_method'])}. Widest first. "
        "An input that only another costing method uses has a bar of zero width here: "
        "one-at-a-time swings cannot see it, the variance shares below do.",
        "",
        f"| input | value at p{lo} | value at p{hi} | BCR at p{lo} | BCR at p{hi} |",
        "|---|---|---|---|---|",
    ]
    for b in t["bars"]:
        values = f"{quantity(b['input'], b['value_low'])} | {quantity(b['input'], b['value_high'])}"
        rows.append(f"| {b['label']} | {values} | {ratio(b['bcr_low'])} | {ratio(b['bcr_high'])} |")
    v = summary["sensitivity"]["variance_shares"]
    labels = input_labels([s["input"] for s in v["shares"]], summary["diagnostics"].get("cost_model", "cost model"))
    rows += ["", f"Variance shares of log(BCR) (var = {ratio(v['var_log_bcr'])}; method: {v['method']}).", ""]
    rows += ["| input | share |", "|---|---|"] + [f"| {labels[s['input']]} | {100 * s['share']:.1f}% |" for s in v["shares"]]
    return rows


def _kv_rows(d: dict) -> list[str]:
    rows = ["| key | value |", "|---|---|"]
    for k, v in d.items():
        rows.append(f"| {k} | {json.dumps(v) if isinstance(v, (dict, list)) else 'n/a' if v is None else v} |")
    return rows


def render_markdown(summary: dict, figures: Sequence[str], warnings: Sequence[str] = ()) -> str:
    """report.md's text from summary.json's content and the figure file stems."""
    lines = ["# mcvalue report", "", headline(summary), ""]
    lines += [f"> warning: {w}" for w in warnings] + ([""] if warnings else [])
    lines += ["## Cost, benefit and benefit-cost ratio", ""] + _summary_rows(summary) + [""] + _tail_rows(summary)
    lines += ["", "![BCR distribution](figures/bcr.png)", ""]
    lines += ["## The five Table 1 costing methods", ""] + _method_rows(summary)
    lines += ["", "![Cost per year by method](figures/cost_by_method.png)", ""]
    lines += ["## Benefit chain", "", "![Benefit chain](figures/benefit_chain.png)", ""]
    lines += ["## What drives the result", ""] + _sensitivity_rows(summary)
    lines += ["", "![Tornado](figures/tornado.png)", "", "![Variance shares](figures/variance_shares.png)", ""]
    lines += ["## Inputs", ""] + _input_rows(summary) + [""]
    lines += ["## Diagnostics", ""] + _kv_rows(summary["diagnostics"]) + [""]
    lines += [f"![{stem}](figures/{stem}.png)" for stem in figures if stem.startswith("ppc")]
    lines += ["", "## Provenance", ""] + _kv_rows(summary["provenance"]) + [""]
    lines += ["The fully resolved priors used are in `priors.toml`; run name, time and command line in `run.json`.", ""]
    return "\n".join(lines)
