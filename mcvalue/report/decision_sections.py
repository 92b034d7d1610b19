"""report.md's section "What would change the conclusion": exceedance, break-even, tornado, Sobol, value of information.

The terminal's ``mcvalue sensitivity`` prints the same rows without figures
(:mod:`mcvalue.report.text`), so the section is built here on its own, apart from the
rest of the report (:mod:`mcvalue.report.markdown` assembles them).
"""

from __future__ import annotations

from typing import Any

from mcvalue.fmt import count, prob, quantity, ratio, usd
from mcvalue.report.escaping import Labels, escaped, input_label
from mcvalue.vocab.display import method_name, unit


def _value(name: str, value: float | str | list[float] | None) -> str:
    """Format an input's value: a number by its kind, the FTE per method as a list named by method, a method key as is.

    An FTE pool row (the five Table 1 figures, then the threshold method's curve) shows
    each Table 1 method's FTE by name and the curve's ends (at 1 and 48 per window).
    """
    if isinstance(value, list):
        from mcvalue.costmodels.threshold import GRID, POOL_WIDTH, TABLE1_COLUMNS
        from mcvalue.vocab.paper import TABLE1_KEYS, THRESHOLD_KEY

        named = [f"{method_name(key)} {count(v)}" for key, v in zip(TABLE1_KEYS, value[:TABLE1_COLUMNS], strict=False)]
        curve = value[TABLE1_COLUMNS:]
        if len(value) == POOL_WIDTH and all(isinstance(v, (int, float)) and v == v for v in (curve[0], curve[-1])):
            named.append(f"{method_name(THRESHOLD_KEY)} {count(curve[0])}-{count(curve[-1])} (t {GRID[0]:g}-{GRID[-1]:g} per window)")
        return "; ".join(named)
    if isinstance(value, str):
        return escaped(value)
    return quantity(name, value)


def _percentile(q: float | None) -> str:
    """Format a prior quantile as a percentile: 0.31 -> p31, 0.004 -> p0.4."""
    if q is None:
        return "n/a"
    pct = 100 * q
    return f"p{pct:.0f}" if 1 <= pct <= 99 else f"p{pct:.1f}"


#: The thresholds every report's exceedance table lists.
DEFAULT_LISTED = (1.0, 10.0, 100.0, 1000.0)


def decision_k(summary: dict[str, Any]) -> list[float]:
    """Return the thresholds a report lists: 1, 10, 100, 1000 and the user's (``--threshold``)."""
    return sorted(set(DEFAULT_LISTED) | {float(k) for k in summary["provenance"].get("thresholds", [])})


#: What the thresholds mean, said once where the decision analysis starts.
THRESHOLDS_SENTENCE = (
    "**Thresholds.** k = 1 is break-even (benefit equals cost); k = 100 is the paper's claim (at least $100 of value "
    "per $1 spent), the ratio its conclusion rests on, not a threshold an investor would need to clear."
)


def _exceedance_rows(summary: dict[str, Any], labels: Labels, figures: bool = True) -> list[str]:
    """Return the exceedance sentence (with ``figures``, what the figure draws) and a table of P(BCR > k) at the listed thresholds."""
    curve = {row["k"]: row for row in summary["bcr"]["exceedance"]}
    drawn = (": thick for the mixture of costing methods (grey band: +-2 Monte Carlo standard errors), "
             "one colour for each method alone") if figures else ""
    rows = [
        THRESHOLDS_SENTENCE,
        "",
        f"**Exceedance.** The chance that the benefit-cost ratio exceeds k, for every k from 1 to 1,000{drawn}.",
        "",
        *(["![Exceedance curve](figures/exceedance.png)", ""] if figures else []),
        "| k | P(BCR > k) | MCSE |",
        "|---|---|---|",
    ]
    rows += [f"| {ratio(k)} | {prob(curve[k]['p'])} | {ratio(curve[k]['mcse'])} |" for k in decision_k(summary) if k in curve]
    return rows


def _break_even_rows(summary: dict[str, Any], labels: Labels, figures: bool = True) -> list[str]:
    """Return the fragility sentence and the break-even table."""
    sensitivity = summary["sensitivity"]
    rows = [
        f"**Break-even values.** The value an input would need, all other inputs keeping their distributions, for the median "
        f"BCR to equal k, and where that value sits in the input's prior ({escaped(sensitivity['conditioning'])}). "
        f"Most fragile: {escaped(sensitivity['fragility'])}.",
        "",
        "| input | k | break-even value | unit | its prior percentile | median BCR at the input's p0.1 / p99.9 |",
        "|---|---|---|---|---|---|",
    ]
    found = [r for r in sensitivity["break_even"] if r["value"] is not None]
    for r in found:
        ends = " / ".join(ratio(m) for m in r["median_range"])
        rows.append(
            f"| {input_label(labels, r['input'])} | {ratio(r['threshold'])} | {_value(r['input'], r['value'])} | {unit(r['input'])} "
            f"| {_percentile(r['prior_quantile'])} | {ends} |"
        )
    if not found:
        rows = rows[:-2] + ["No input alone can bring the median BCR to any listed k within its prior's p0.1-p99.9 range."]
    left = [r for r in sensitivity["break_even"] if r["value"] is None]
    if left and found:
        by_k: dict[float, list[str]] = {}
        for r in left:
            by_k.setdefault(r["threshold"], []).append(input_label(labels, r["input"]))
        rows += ["", "Left out, because no value in the input's prior p0.1-p99.9 range brings the median BCR to k: "
                 + "; ".join(f"at k = {ratio(k)}, {len(names)} inputs ({', '.join(names)})" for k, names in by_k.items()) + "."]
    return rows


def _tornado_rows(summary: dict[str, Any], labels: Labels, figures: bool = True) -> list[str]:
    """Return the tornado sentence, figure (with ``figures``) and table.

    The costing method's row names the methods giving the lowest and highest median; the
    FTE row, every method's FTE by name.
    """
    t = summary["sensitivity"]["tornado"]
    lo, hi = (_percentile(q) for q in t["swing"])
    drawn = "a bar spans the two median BCRs, the line is the run's median" if figures else "the run's median is"
    rows = [
        f"**Tornado.** Each input fixed at its {lo} and {hi} (the costing method at each method; the FTE at every method's own "
        f"{lo} and {hi}), all others keeping their distributions; {drawn} ({ratio(t['median'])}). Widest first.",
        "",
        *(["![Tornado](figures/tornado.png)", ""] if figures else []),
        f"| input | unit | value at {lo} (or lowest) | value at {hi} (or highest) | median BCR at {lo} (or lowest) | median BCR at {hi} (or highest) |",
        "|---|---|---|---|---|---|",
    ]
    flat = [b for b in t["bars"] if b["median_low"] == b["median_high"]]
    for b in t["bars"]:
        if b in flat:
            continue
        rows.append(
            f"| {input_label(labels, b['input'], b['label'])} | {unit(b['input'])} | {_value(b['input'], b['value_low'])} "
            f"| {_value(b['input'], b['value_high'])} | {ratio(b['median_low'])} | {ratio(b['median_high'])} |"
        )
    if flat:
        names = ", ".join(input_label(labels, b["input"], b["label"]) for b in flat)
        rows += ["", f"Left out, because fixing them leaves the median BCR where it is (a fixed value, or a method this run does not price): {names}."]
    return rows


def _sobol_rows(summary: dict[str, Any], labels: Labels, figures: bool = True) -> list[str]:
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

    def cell(r: dict[str, Any], key: str) -> str:
        return f"{r[key]:.3f} +- {r[key + '_ci']:.3f}"

    for name in sorted(log_rows, key=lambda n: -log_rows[n]["total"]):
        rows.append(
            f"| {input_label(labels, name)} | {cell(log_rows[name], 'first')} | {cell(log_rows[name], 'total')} "
            f"| {cell(bcr_rows[name], 'first')} | {cell(bcr_rows[name], 'total')} |"
        )
    return rows + (["", "![Sobol indices](figures/sobol.png)"] if figures else [])


def _method_spread_and_worth(summary: dict[str, Any], labels: Labels, at_k: dict[str, Any] | None) -> str:
    """Return " In this run, ..." giving the costing method's Sobol rank and its EVPPI at the paper's threshold (empty if either is missing)."""
    from mcvalue.vocab.display import METHOD_INPUT

    log_rows: list[dict[str, Any]] = next((e["indices"] for e in summary["sensitivity"]["sobol"] if e["output"] == "log_bcr"), [])
    ranked = sorted(log_rows, key=lambda r: -r["total"])
    position = next((i for i, r in enumerate(ranked) if r["input"] == METHOD_INPUT), None)
    evppi = next((r for r in (at_k or {}).get("evppi", []) if r["input"] == METHOD_INPUT), None)
    if position is None or evppi is None or at_k is None:
        return ""
    return (
        f" In this run, {input_label(labels, METHOD_INPUT)} has the total Sobol index {ranked[position]['total']:.3f} of log BCR "
        f"(rank {position + 1} of {len(ranked)}) and is worth {usd(evppi['value'])} per year (se {usd(evppi['se'])}) "
        f"for the decision at {at_k['k']:g}:1."
    )


def _voi_rows(summary: dict[str, Any], labels: Labels, k: float = 100.0, figures: bool = True) -> list[str]:
    """Return the value-of-information sentence, the EVPI per threshold, the EVPPI ranking at k, and why it can differ from Sobol's."""
    entries = summary["voi"]["thresholds"]
    at_k = next((e for e in entries if e["k"] == k), None)
    rows = [
        "**Value of information.** For the decision 'invest in MLOSS iff E[benefit - k x cost] > 0', the EVPI is what "
        "knowing every input exactly would be worth, and an input's EVPPI what knowing that input alone would be worth, "
        "in USD per year; an EVPPI not clearly above its bias + 2 se cannot be told from 0.",
        "",
        "Why an input can matter for the spread and not for the decision: the Sobol indices split the variance of "
        "log BCR, however far from any threshold it lies, while the value of information only counts what would flip "
        "the decision, which compares a mean (E[benefit - k x cost]) with 0; an input whose every value leaves that mean "
        "on the same side of 0 is worth $0 however much it spreads the ratio."
        + _method_spread_and_worth(summary, labels, at_k),
        "",
        "Why the decision and the headline can disagree: the headline gives the median BCR and P(BCR > k), the decision "
        "rule the mean net benefit"
        + (f" (at {k:g}:1, E[benefit - {k:g} x cost] = {usd(at_k['expected_nb'])} per year)" if at_k is not None else "")
        + "; the ratio's tails are long, so a mean and a median of them need not fall on the same side of a threshold.",
        "",
        "| k | E[benefit - k x cost] (USD per year) | EVPI (USD per year) | EVPI se (USD per year) |",
        "|---|---|---|---|",
    ]
    rows += [f"| {ratio(e['k'])} | {usd(e['expected_nb'])} | {usd(e['evpi'])} | {usd(e['evpi_se'])} |" for e in entries]
    if at_k is not None:
        rows += ["", f"EVPPI ranking at {k:g}:1 (USD per year):", "", "| input | EVPPI | se | bias |", "|---|---|---|---|"]
        for r in sorted(at_k["evppi"], key=lambda r: -r["value"]):
            rows.append(f"| {input_label(labels, r['input'])} | {usd(r['value'])} | {usd(r['se'])} | {usd(r['bias'])} |")
        rows += ["", "![EVPPI](figures/evppi.png)"] if figures else []
    return rows


def decision_rows(summary: dict[str, Any], labels: Labels | None = None, figures: bool = True) -> list[str]:
    """Return the section "What would change the conclusion": thresholds, exceedance, break-even, tornado, Sobol, EVPPI.

    ``labels`` maps input keys to the names shown (default: the keys). Without ``figures``
    (the terminal) no figure is linked and no sentence describes one.
    """
    rows: list[str] = []
    for part in (_exceedance_rows, _break_even_rows, _tornado_rows, _sobol_rows):
        rows += part(summary, labels or {}, figures) + [""]
    return rows + _voi_rows(summary, labels or {}, figures=figures) + [""]
