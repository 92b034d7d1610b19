"""report.md: the text of a report, from summary.json's content alone.

Numbers are formatted by :mod:`mcvalue.fmt` (money as $245K, ratios with sensible
digits, never e-notation); every table says what its intervals are intervals of.

Every string a user, a prior file or a sample supplies (labels, sources, tool and
repository names, paths, warnings) enters the text through :func:`escaped` or :func:`code_span`,
so it reads as itself: no link, image, heading, emphasis, table cell or HTML can come
from it, in report.md or in the report.html rendered from it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

from mcvalue.costmodels.pymc.diagnostics import MAX_RHAT, MIN_BFMI, MIN_ESS, convergence_failure
from mcvalue.costmodels.pymc.ppc import LABELS as PPC_LABELS
from mcvalue.costmodels.pymc.ppc import MISFIT_BAND
from mcvalue.fmt import count, interval, plain, printable, prob, quantity, ratio, usd
from mcvalue.vocab.display import METHOD_COLOUR_NAMES, display_name, method_name, unit
from mcvalue.vocab.paper import PAPER_BENEFIT_USD

if TYPE_CHECKING:
    from mcvalue.priors.spec import Scenario

#: Input key -> the name tables show (a prior's ``label``); keys missing from it show as they are.
Labels = Mapping[str, str]

#: What opens inline Markdown away from a line's start (a user string never starts a line: its line
#: breaks become spaces): escapes, code spans, emphasis, links and images (``[``), autolinks,
#: HTML and entities, table cells. ``_`` inside a word emphasises nothing and stays as it is.
_SPECIAL = re.compile(r"([\\`*\[\]<|&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\u0085\u2028\u2029]+")


def escaped(value: object) -> str:
    r"""Return ``value`` as Markdown text that renders as exactly its characters (one line, nothing interpreted).

    Control characters are dropped, line breaks become spaces, and every character that
    could open a link, image, code span, emphasis, HTML tag, entity or table cell is
    backslash-escaped.

    Examples
    --------
    >>> print(escaped("![x](https://evil.example/t.png) | <b> *no* extra_bots"))
    !\[x\](https://evil.example/t.png) \| \<b> \*no\* extra_bots
    """
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", printable(str(value))))


def code_span(value: object) -> str:
    """Return ``value`` as a Markdown code span: fenced by one backtick more than its longest run of them."""
    inner = _BREAKS.sub(" ", printable(str(value)))
    fence = "`" * (max((len(run) for run in re.findall("`+", inner)), default=0) + 1)
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def _label(labels: Labels, name: str, default: str | None = None) -> str:
    """Return the escaped label of input ``name`` (``default``, else its display name, :func:`mcvalue.vocab.display.display_name`, when it has none)."""
    return escaped(labels.get(name, display_name(name) if default is None else default))


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


def _tail_rows(summary: dict) -> list[str]:
    rows = ["| threshold | P(BCR > threshold) | MCSE |", "|---|---|---|"]
    for t, v in summary["bcr"]["p_above"].items():
        rows.append(f"| {t} | {prob(v['p'])} | {ratio(v['mcse'])} |")
    return rows


def _method_rows(summary: dict) -> list[str]:
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


def benefit_method_rows(summary: dict) -> list[str]:
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


def threshold_rows(summary: dict) -> list[str]:
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


def population_rows(summary: dict) -> list[str]:
    """Return the sentence saying which population the BCR is about (the list the sample was drawn from)."""
    population = summary.get("population")
    if not population:
        return []
    return [
        f"The BCR is about the population {code_span(population['name'])} ({population['size']:,} tools): the repository list the "
        "sample was drawn from; the coverage prior (`cost.coverage`) is all MLOSS's cost over that population's.",
        "",
    ]


def references_rows(summary: dict) -> list[str]:
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


def threshold_activity(provenance: dict) -> str:
    """Return the sentence saying which activity the threshold method counted: commits on the paper's sample, else active days."""
    if provenance.get("sample_sha256") is None:
        return ("Activity here is commits, the only measure the paper's scrape has; on the scrape's windows read from git, active "
                "days (the calibration's sense) give 6.5% less of this method's FTE at t = 30 per six months (results/activity).")
    how = " (the Bayesian model's commits curve times the sample's ratio of the two)" if provenance.get("cost_model") == "pymc" else ""
    return f"Activity here is each contributor's distinct active days in the window, the calibration's sense{how}."


def heaviest_window_rows(summary: dict) -> list[str]:
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


def basis_sentence(summary: dict) -> str:
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


def _input_rows(summary: dict, labels: Labels) -> list[str]:
    """Return the inputs table: each input's name, key, unit, distribution, p5 / median / p95 and source.

    The FTE rows share one source (the cost model's definition of FTE): it is said once,
    beneath the table, not in every row.
    """
    rows = ["| input | key | unit | distribution | p5 | median | p95 | source |", "|---|---|---|---|---|---|---|---|"]
    fte_sources = {v["source"] for name, v in summary["inputs"].items() if name.startswith("fte.")}
    shared = fte_sources.pop() if len(fte_sources) == 1 else None
    for name, v in summary["inputs"].items():
        source = "the cost model (beneath the table)" if shared is not None and name.startswith("fte.") else escaped(v["source"] or "")
        rows.append(
            f"| {_label(labels, name)} | {code_span(name)} | {unit(name)} | {escaped(v['distribution'])} | {quantity(name, v['p5'])} "
            f"| {quantity(name, v['median'])} | {quantity(name, v['p95'])} | {source} |"
        )
    if shared:
        rows += ["", f"The FTE rows' source: {escaped(shared)}"]
    return rows


def _value(name: str, value: object) -> str:
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


def decision_k(summary: dict) -> list[float]:
    """Return the thresholds a report lists: 1, 10, 100, 1000 and the user's (``--threshold``)."""
    return sorted(set(DEFAULT_LISTED) | {float(k) for k in summary["provenance"].get("thresholds", [])})


#: What the thresholds mean, said once where the decision analysis starts.
THRESHOLDS_SENTENCE = (
    "**Thresholds.** k = 1 is break-even (benefit equals cost); k = 100 is the paper's claim (at least $100 of value "
    "per $1 spent), the ratio its conclusion rests on, not a threshold an investor would need to clear."
)


def _exceedance_rows(summary: dict, labels: Labels, figures: bool = True) -> list[str]:
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


def _break_even_rows(summary: dict, labels: Labels, figures: bool = True) -> list[str]:
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
            f"| {_label(labels, r['input'])} | {ratio(r['threshold'])} | {_value(r['input'], r['value'])} | {unit(r['input'])} "
            f"| {_percentile(r['prior_quantile'])} | {ends} |"
        )
    if not found:
        rows = rows[:-2] + ["No input alone can bring the median BCR to any listed k within its prior's p0.1-p99.9 range."]
    left = [r for r in sensitivity["break_even"] if r["value"] is None]
    if left and found:
        by_k: dict[float, list[str]] = {}
        for r in left:
            by_k.setdefault(r["threshold"], []).append(_label(labels, r["input"]))
        rows += ["", "Left out, because no value in the input's prior p0.1-p99.9 range brings the median BCR to k: "
                 + "; ".join(f"at k = {ratio(k)}, {len(names)} inputs ({', '.join(names)})" for k, names in by_k.items()) + "."]
    return rows


def _tornado_rows(summary: dict, labels: Labels, figures: bool = True) -> list[str]:
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
            f"| {_label(labels, b['input'], b['label'])} | {unit(b['input'])} | {_value(b['input'], b['value_low'])} "
            f"| {_value(b['input'], b['value_high'])} | {ratio(b['median_low'])} | {ratio(b['median_high'])} |"
        )
    if flat:
        names = ", ".join(_label(labels, b["input"], b["label"]) for b in flat)
        rows += ["", f"Left out, because fixing them leaves the median BCR where it is (a fixed value, or a method this run does not price): {names}."]
    return rows


def _sobol_rows(summary: dict, labels: Labels, figures: bool = True) -> list[str]:
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
            f"| {_label(labels, name)} | {cell(log_rows[name], 'first')} | {cell(log_rows[name], 'total')} "
            f"| {cell(bcr_rows[name], 'first')} | {cell(bcr_rows[name], 'total')} |"
        )
    return rows + (["", "![Sobol indices](figures/sobol.png)"] if figures else [])


def _method_spread_and_worth(summary: dict, labels: Labels, at_k: dict | None) -> str:
    """Return " In this run, ..." giving the costing method's Sobol rank and its EVPPI at the paper's threshold (empty if either is missing)."""
    from mcvalue.vocab.display import METHOD_INPUT

    log_rows = next((e["indices"] for e in summary["sensitivity"]["sobol"] if e["output"] == "log_bcr"), [])
    ranked = sorted(log_rows, key=lambda r: -r["total"])
    position = next((i for i, r in enumerate(ranked) if r["input"] == METHOD_INPUT), None)
    evppi = next((r for r in (at_k or {}).get("evppi", []) if r["input"] == METHOD_INPUT), None)
    if position is None or evppi is None:
        return ""
    return (
        f" In this run, {_label(labels, METHOD_INPUT)} has the total Sobol index {ranked[position]['total']:.3f} of log BCR "
        f"(rank {position + 1} of {len(ranked)}) and is worth {usd(evppi['value'])} per year (se {usd(evppi['se'])}) "
        f"for the decision at {at_k['k']:g}:1."
    )


def _voi_rows(summary: dict, labels: Labels, k: float = 100.0, figures: bool = True) -> list[str]:
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
            rows.append(f"| {_label(labels, r['input'])} | {usd(r['value'])} | {usd(r['se'])} | {usd(r['bias'])} |")
        rows += ["", "![EVPPI](figures/evppi.png)"] if figures else []
    return rows


def decision_rows(summary: dict, labels: Labels | None = None, figures: bool = True) -> list[str]:
    """Return the section "What would change the conclusion": thresholds, exceedance, break-even, tornado, Sobol, EVPPI.

    ``labels`` maps input keys to the names shown (default: the keys). Without ``figures``
    (the terminal) no figure is linked and no sentence describes one.
    """
    rows: list[str] = []
    for part in (_exceedance_rows, _break_even_rows, _tornado_rows, _sobol_rows):
        rows += part(summary, labels or {}, figures) + [""]
    return rows + _voi_rows(summary, labels or {}, figures=figures) + [""]


def readable(value: object) -> str:
    """Format any summary value for a table: numbers by :func:`mcvalue.fmt.plain`, dicts as ``key value; ...``, never JSON.

    Examples
    --------
    >>> readable({"exclude_bots": True, "extra_bots": []}), readable(31870.2), readable(None)
    ('exclude_bots yes; extra_bots none', '31.87K', 'n/a')
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return plain(value)
    if isinstance(value, dict):
        return "; ".join(f"{escaped(k)} {readable(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(v) for v in value) or "none"
    return escaped(value)


#: Each convergence check: summary key, how its value reads, its threshold, what it means.
_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("max_rhat", f"<= {MAX_RHAT:g}", "R-hat, largest over parameters: the chains agree when it is near 1"),
    ("min_ess_bulk", f">= {MIN_ESS:g}", "bulk effective sample size, smallest: independent draws' worth for medians and means"),
    ("min_ess_tail", f">= {MIN_ESS:g}", "tail effective sample size, smallest: independent draws' worth for the 11% and 89% quantiles (ArviZ's definition)"),
    ("divergences", "0", "divergent transitions: any means the sampler could not explore part of the posterior"),
    ("min_bfmi", f">= {MIN_BFMI:g}", "energy BFMI, smallest over chains: low means the sampler moves poorly through the tails"),
    ("max_treedepth_hits", "0 ideally", "transitions that hit the maximum tree depth: slow sampling, not wrong results"),
)


def diagnostics_rows(diagnostics: dict) -> list[str]:
    """Return the fit's checks as a table, one line each on what the check means, then the PPC p-values.

    Keys the table does not know (another cost model's) are listed by name with their values.
    """
    rows = ["| check | value | threshold | what it means |", "|---|---|---|---|"]
    known = {"cost_model", "converged", "worst", "sampler", "ppc_pvalues", "ppc_misfits"}
    rows.append(f"| cost model | {escaped(diagnostics.get('cost_model', 'n/a'))} | | where the FTE draws come from |")
    for key, threshold, meaning in _CHECKS:
        if key in diagnostics:
            value = diagnostics[key]
            shown = ratio(value, 4) if key in ("max_rhat", "min_bfmi") else count(value) if isinstance(value, (int, float)) else readable(value)
            rows.append(f"| {key} | {shown} | {threshold} | {meaning} |")
            known.add(key)
    if "converged" in diagnostics:
        rows.append(f"| converged | {readable(diagnostics['converged'])} | all of the above | whether every check passed |")
    worst = diagnostics.get("worst")
    if worst:
        rows.append(
            f"| nearest its threshold | {escaped(worst['parameter'])}: {escaped(worst['figure'])} {ratio(worst['value'], 4)} | {plain(worst['threshold'])} "
            "| the parameter closest to failing a check |"
        )
    sampler = diagnostics.get("sampler")
    if sampler:
        rows.append(
            f"| sampler | {escaped(sampler['nuts'])}'s NUTS, {sampler['chains']} chains x {count(sampler['draws'])} draws ({count(sampler['tune'])} tuning), "
            f"target acceptance {sampler['target_accept']:g}, seed {sampler['seed']} | | how the posterior was drawn |"
        )
    rows += _fit_rows(diagnostics)
    known |= {"trend", "target_year", "top100_correction"}
    rows += [f"| {escaped(k)} | {readable(v)} | | |" for k, v in diagnostics.items() if k not in known]
    rows += _ppc_rows(diagnostics)
    return rows


def _fit_rows(diagnostics: dict) -> list[str]:
    """Return the fit's target year, yearly trends and top-100 correction factors as rows, each with its unit."""
    rows = []
    if "target_year" in diagnostics:
        rows.append(f"| target year | {escaped(diagnostics['target_year'])} | | the year whose activity the FTE describes |")
    trend = diagnostics.get("trend")
    if isinstance(trend, dict):
        shown = "; ".join(f"{escaped(q)} x{ratio(t['median'], 4)} per year (90%: {ratio(t['ci90'][0], 4)}-{ratio(t['ci90'][1], 4)})"
                          for q, t in trend.items())
        rows.append(f"| trend | {shown} | | each likelihood's global activity trend: the factor its mean changes by per year |")
    top100 = diagnostics.get("top100_correction")
    if isinstance(top100, dict) and isinstance(top100.get("factor_q05_q50_q95"), dict):
        shown = "; ".join(f"{escaped(m)} x{ratio(f[1])} (90%: {ratio(f[0])}-{ratio(f[2])})" for m, f in top100["factor_q05_q50_q95"].items())
        rows.append(f"| top-100 correction | {shown} | | factor multiplying each method's FTE for the contributors GitHub's page hid "
                    f"(fitted on {count(top100.get('relation_repos'))} repos) |")
    return rows


def _ppc_rows(diagnostics: dict) -> list[str]:
    """Return the posterior predictive p-values as a table and the misfits as sentences."""
    pvalues = diagnostics.get("ppc_pvalues")
    if not pvalues:
        return []
    lo, hi = MISFIT_BAND
    table1 = pvalues.get("table1")
    pvalues = {q: p for q, p in pvalues.items() if q != "table1"}
    statistics = list(next(iter(pvalues.values())))
    rows = [
        "",
        f"**Posterior predictive checks.** For each statistic of the data, the share of datasets replicated from the "
        f"fitted model whose statistic is at or above the observed one: near 0.5 the model reproduces it, outside "
        f"{lo:g}-{hi:g} it misses it.",
        "",
        "| quantity | " + " | ".join(statistics) + " |",
        "|---|" + "---|" * len(statistics),
    ]
    rows += [f"| {PPC_LABELS.get(q, q)} | " + " | ".join(prob(p[s], 2) for s in statistics) + " |" for q, p in pvalues.items()]
    if table1:
        rows += [
            "",
            "The statistic each costing method prices with (Table 1's FTE: sum over repos of mean units per period over the "
            "reference's mean units per contributor-period), on replicated datasets:",
            "",
            "| " + " | ".join(table1) + " |",
            "|" + "---|" * len(table1),
            "| " + " | ".join(prob(p, 2) for p in table1.values()) + " |",
        ]
    misfits = diagnostics.get("ppc_misfits") or []
    return rows + [""] + ([f"- Misfit: {escaped(m)}" for m in misfits] or ["No statistic outside that band."])


def provenance_rows(provenance: dict) -> list[str]:
    """Return the provenance as a two-column table: numbers, dicts and lists in words, never JSON."""
    rows = ["| item | value |", "|---|---|"]
    for k, v in provenance.items():
        shown = str(v) if k == "seed" else count(v) if k == "draws" else readable(v)
        rows.append(f"| {escaped(k)} | {shown} |")
    return rows


def labels_for(scenario: Scenario, summary: dict) -> dict[str, str]:
    """Return the display name of every prior quantity, grouped input and input of ``summary["inputs"]`` (:mod:`mcvalue.vocab.display`)."""
    from mcvalue.vocab.display import display_names

    return display_names(scenario, summary["inputs"])


def render_markdown(
    summary: dict, figures: Sequence[str], warnings: Sequence[str] = (), labels: Labels | None = None, sample: str | None = None
) -> str:
    """report.md's text from summary.json's content, the figure stems, the inputs' labels (default: keys) and the collected sample's path."""
    labels = labels or {}
    lines = ["# mcvalue report", "", headline(summary), ""]
    lines += [f"> warning: {escaped(w)}" for w in warnings] + ([""] if warnings else [])
    lines += ["## Cost, benefit and benefit-cost ratio", ""] + population_rows(summary) + _summary_rows(summary) + [""] + _tail_rows(summary)
    lines += ["", "![BCR distribution](figures/bcr.png)", ""]
    lines += ["## The costing methods", "", f"{estimand_sentence(summary)} {basis_sentence(summary)}", ""] + _method_rows(summary)
    lines += ["", *threshold_rows(summary), "![Cost per year by method](figures/cost_by_method.png)", ""]
    lines += references_rows(summary) + heaviest_window_rows(summary)
    lines += ["## The benefit methods", "", *benefit_method_rows(summary), ""]
    lines += ["## Benefit chain", "", "![Benefit chain](figures/benefit_chain.png)", ""]
    lines += ["## What would change the conclusion", ""] + decision_rows(summary, labels)
    lines += ["## Inputs", ""] + _input_rows(summary, labels) + [""]
    lines += ["## Diagnostics", ""] + diagnostics_rows(summary["diagnostics"]) + [""]
    lines += [f"![{stem}](figures/{stem}.png)" for stem in figures if stem.startswith("ppc")]
    lines += ["", "## Provenance", ""] + provenance_rows(summary["provenance"]) + [""]
    if sample is not None:
        manifest = summary["provenance"]["data_files_sha256"]["manifest.json"]
        lines += [f"The sample was collected from git histories by `mcvalue data collect`: {code_span(sample)} (manifest.json sha256 {escaped(manifest)}).", ""]
    lines += ["The fully resolved priors used are in `priors.toml`; run name, time and command line in `run.json`.", ""]
    return "\n".join(lines)
