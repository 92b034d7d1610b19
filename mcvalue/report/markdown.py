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


def estimand_sentence(summary: dict) -> str:
    """Return the one sentence saying what the FTE behind the cost is (whose activity, which year)."""
    from mcvalue.costmodels.pymc.model import AVERAGE, estimand

    diagnostics = summary["diagnostics"]
    model = diagnostics.get("cost_model")
    if model == "pymc":
        return estimand(diagnostics.get("target_year", AVERAGE))
    if model == "bootstrap":
        return estimand(AVERAGE)
    return "FTE is the paper's published Table 1 figure for each method (the long-run average of its sampled windows)."


def _input_rows(summary: dict) -> list[str]:
    rows = ["| input | distribution | p5 | median | p95 | source |", "|---|---|---|---|---|---|"]
    for name, v in summary["inputs"].items():
        source = (v["source"] or "").replace("|", "\\|")
        rows.append(f"| {name} | {v['distribution']} | {quantity(name, v['p5'])} | {quantity(name, v['median'])} | {quantity(name, v['p95'])} | {source} |")
    return rows


def _value(name: str, value: object) -> str:
    """Format an input's value: a number by its kind, the FTE per method as a list, a method key as is."""
    if isinstance(value, list):
        return " / ".join(ratio(v) for v in value)
    if isinstance(value, str):
        return value
    return quantity(name, value)


def _percentile(q: float | None) -> str:
    """Format a prior quantile as a percentile: 0.31 -> p31, 0.004 -> p0.4."""
    if q is None:
        return "n/a"
    pct = 100 * q
    return f"p{pct:.0f}" if 1 <= pct <= 99 else f"p{pct:.1f}"


def decision_k(summary: dict) -> list[float]:
    """Return the thresholds a report lists: 1, 10, 100, 1000 and the user's (``--threshold``)."""
    return sorted({1.0, 10.0, 100.0, 1000.0} | {float(k) for k in summary["provenance"].get("thresholds", [])})


def _exceedance_rows(summary: dict) -> list[str]:
    """Return the exceedance sentence and a table of P(BCR > k) at the listed thresholds."""
    curve = {row["k"]: row for row in summary["bcr"]["exceedance"]}
    rows = [
        "**Exceedance.** The chance that the benefit-cost ratio exceeds k, for every k from 1 to 1,000: "
        "thick for the mixture of costing methods (band: +-2 Monte Carlo standard errors), thin for each method alone.",
        "",
        "![Exceedance curve](figures/exceedance.png)",
        "",
        "| k | P(BCR > k) | MCSE |",
        "|---|---|---|",
    ]
    rows += [f"| {ratio(k)} | {prob(curve[k]['p'])} | {ratio(curve[k]['mcse'])} |" for k in decision_k(summary) if k in curve]
    return rows


def _break_even_rows(summary: dict) -> list[str]:
    """Return the fragility sentence and the break-even table."""
    sensitivity = summary["sensitivity"]
    rows = [
        f"**Break-even values.** The value an input would need, all other inputs keeping their distributions, for the median "
        f"BCR to equal k, and where that value sits in the input's prior ({sensitivity['conditioning']}); "
        "'none' when no value in the prior's p0.1-p99.9 range gets there. "
        f"Most fragile: {sensitivity['fragility']}.",
        "",
        "| input | k | break-even value | its prior percentile | median BCR at the input's p0.1 / p99.9 |",
        "|---|---|---|---|---|",
    ]
    for r in sensitivity["break_even"]:
        value = "none" if r["value"] is None else _value(r["input"], r["value"])
        ends = " / ".join(ratio(m) for m in r["median_range"])
        rows.append(f"| {r['input']} | {ratio(r['threshold'])} | {value} | {_percentile(r['prior_quantile'])} | {ends} |")
    return rows


def _tornado_rows(summary: dict) -> list[str]:
    """Return the tornado sentence, figure and table."""
    t = summary["sensitivity"]["tornado"]
    lo, hi = (_percentile(q) for q in t["swing"])
    rows = [
        f"**Tornado.** Each input fixed at its {lo} and {hi} (the costing method at each method), "
        f"all others keeping their distributions; a bar spans the two median BCRs, the line is the run's median "
        f"({ratio(t['median'])}). Widest first.",
        "",
        "![Tornado](figures/tornado.png)",
        "",
        f"| input | value at {lo} | value at {hi} | median BCR at {lo} | median BCR at {hi} |",
        "|---|---|---|---|---|",
    ]
    for b in t["bars"]:
        rows.append(
            f"| {b['label']} | {_value(b['input'], b['value_low'])} | {_value(b['input'], b['value_high'])} "
            f"| {ratio(b['median_low'])} | {ratio(b['median_high'])} |"
        )
    return rows


def _sobol_rows(summary: dict) -> list[str]:
    """Return the Sobol sentence, table (log BCR and BCR side by side) and figure."""
    by_output = {e["output"]: {r["input"]: r for r in e["indices"]} for e in summary["sensitivity"]["sobol"]}
    log_rows, bcr_rows = by_output["log_bcr"], by_output["bcr"]
    level = summary["sensitivity"]["sobol"][0].get("conf_level", 0.95)
    rows = [
        "**Sobol indices.** The share of the variance of log BCR (and of BCR) due to each input alone (first-order) "
        "and with all its interactions (total), every input drawn independently (rank correlations are ignored); "
        f"+- is the {100 * level:g}% bootstrap half-width. Largest total index of log BCR first.",
        "",
        "| input | first, log BCR | total, log BCR | first, BCR | total, BCR |",
        "|---|---|---|---|---|",
    ]

    def cell(r: dict, key: str) -> str:
        return f"{r[key]:.3f} +- {r[key + '_ci']:.3f}"

    for name in sorted(log_rows, key=lambda n: -log_rows[n]["total"]):
        rows.append(
            f"| {name} | {cell(log_rows[name], 'first')} | {cell(log_rows[name], 'total')} "
            f"| {cell(bcr_rows[name], 'first')} | {cell(bcr_rows[name], 'total')} |"
        )
    return rows + ["", "![Sobol indices](figures/sobol.png)"]


def _voi_rows(summary: dict, k: float = 100.0) -> list[str]:
    """Return the value-of-information sentence, the EVPI per threshold and the EVPPI ranking at k."""
    entries = summary["voi"]["thresholds"]
    rows = [
        "**Value of information.** For the decision 'invest in MLOSS iff E[benefit - k x cost] > 0', the EVPI is what "
        "knowing every input exactly would be worth, and an input's EVPPI what knowing that input alone would be worth, "
        "in USD per year; an EVPPI not clearly above its bias + 2 se cannot be told from 0.",
        "",
        "| k | E[benefit - k x cost] | EVPI | EVPI se |",
        "|---|---|---|---|",
    ]
    rows += [f"| {ratio(e['k'])} | {usd(e['expected_nb'])} | {usd(e['evpi'])} | {usd(e['evpi_se'])} |" for e in entries]
    at_k = next((e for e in entries if e["k"] == k), None)
    if at_k is not None:
        rows += ["", f"EVPPI ranking at {k:g}:1:", "", "| input | EVPPI | se | bias |", "|---|---|---|---|"]
        for r in sorted(at_k["evppi"], key=lambda r: -r["value"]):
            rows.append(f"| {r['input']} | {usd(r['value'])} | {usd(r['se'])} | {usd(r['bias'])} |")
        rows += ["", "![EVPPI](figures/evppi.png)"]
    return rows


def decision_rows(summary: dict) -> list[str]:
    """Return the section "What would change the conclusion": exceedance, break-even, tornado, Sobol, EVPPI."""
    rows: list[str] = []
    for part in (_exceedance_rows, _break_even_rows, _tornado_rows, _sobol_rows, _voi_rows):
        rows += part(summary) + [""]
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
    lines += ["## The five Table 1 costing methods", "", estimand_sentence(summary), ""] + _method_rows(summary)
    lines += ["", "![Cost per year by method](figures/cost_by_method.png)", ""]
    lines += ["## Benefit chain", "", "![Benefit chain](figures/benefit_chain.png)", ""]
    lines += ["## What would change the conclusion", ""] + decision_rows(summary)
    lines += ["## Inputs", ""] + _input_rows(summary) + [""]
    lines += ["## Diagnostics", ""] + _kv_rows(summary["diagnostics"]) + [""]
    lines += [f"![{stem}](figures/{stem}.png)" for stem in figures if stem.startswith("ppc")]
    lines += ["", "## Provenance", ""] + _kv_rows(summary["provenance"]) + [""]
    lines += ["The fully resolved priors used are in `priors.toml`; run name, time and command line in `run.json`.", ""]
    return "\n".join(lines)
