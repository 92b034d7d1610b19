"""report.md's closing sections: the inputs table, the fit's diagnostics and posterior predictive checks, the provenance.

What went into the run and how its fit was checked, as opposed to what it found
(:mod:`mcvalue.report.result_sections`, :mod:`mcvalue.report.decision_sections`);
:mod:`mcvalue.report.markdown` assembles them.
"""

from __future__ import annotations

from typing import Any

from mcvalue.costmodels.pymc.attempt_rule import MAX_ATTEMPTS
from mcvalue.costmodels.pymc.diagnostics import MAX_RHAT, MIN_BFMI, MIN_ESS
from mcvalue.costmodels.pymc.ppc import LABELS as PPC_LABELS
from mcvalue.costmodels.pymc.ppc import MISFIT_BAND
from mcvalue.fmt import count, plain, prob, quantity, ratio
from mcvalue.report.escaping import Labels, code_span, escaped, input_label, readable
from mcvalue.vocab.display import unit


def input_rows(summary: dict[str, Any], labels: Labels) -> list[str]:
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
            f"| {input_label(labels, name)} | {code_span(name)} | {unit(name)} | {escaped(v['distribution'])} | {quantity(name, v['p5'])} "
            f"| {quantity(name, v['median'])} | {quantity(name, v['p95'])} | {source} |"
        )
    if shared:
        rows += ["", f"The FTE rows' source: {escaped(shared)}"]
    return rows


#: Each convergence check: summary key, how its value reads, its threshold, what it means.
_CHECKS: tuple[tuple[str, str, str], ...] = (
    ("max_rhat", f"<= {MAX_RHAT:g}", "R-hat, largest over parameters: the chains agree when it is near 1"),
    ("min_ess_bulk", f">= {MIN_ESS:g}", "bulk effective sample size, smallest: independent draws' worth for medians and means"),
    ("min_ess_tail", f">= {MIN_ESS:g}", "tail effective sample size, smallest: independent draws' worth for the 11% and 89% quantiles (ArviZ's definition)"),
    ("divergences", "0", "divergent transitions: any means the sampler could not explore part of the posterior"),
    ("min_bfmi", f">= {MIN_BFMI:g}", "energy BFMI, smallest over chains: low means the sampler moves poorly through the tails"),
    ("max_treedepth_hits", "0 ideally", "transitions that hit the maximum tree depth: slow sampling, not wrong results"),
)


def diagnostics_rows(diagnostics: dict[str, Any]) -> list[str]:
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
    known |= {"trend", "top100_correction", "attempts", "first_attempt"}
    rows += [f"| {escaped(k)} | {readable(v)} | | |" for k, v in diagnostics.items() if k not in known]
    rows += _ppc_rows(diagnostics)
    return rows


def _fit_rows(diagnostics: dict[str, Any]) -> list[str]:
    """Return the fit's attempts, yearly trends and top-100 correction factors as rows, each with its unit."""
    rows = []
    if "attempts" in diagnostics:
        first = diagnostics.get("first_attempt")
        said = "passed on its first attempt" if first is None else f"first attempt failed: {escaped(first['worst'])}"
        rule = f"a fit failing a gate is sampled again, up to {MAX_ATTEMPTS} attempts, each with twice the draws and tuning of the one before"
        rows.append(f"| attempts | {diagnostics['attempts']} ({said}) | | {rule} |")
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


def _ppc_rows(diagnostics: dict[str, Any]) -> list[str]:
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


def provenance_rows(provenance: dict[str, Any]) -> list[str]:
    """Return the provenance as a two-column table: numbers, dicts and lists in words, never JSON."""
    rows = ["| item | value |", "|---|---|"]
    for k, v in provenance.items():
        shown = str(v) if k == "seed" else count(v) if k == "draws" else readable(v)
        rows.append(f"| {escaped(k)} | {shown} |")
    return rows
