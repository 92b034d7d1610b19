"""Compare two runs side by side: headline numbers and the inputs that differ.

Each side is a run directory (its ``summary.json`` is read) or a prior file (run first,
nothing written). The comparison lists the BCR's median, intervals and tail
probabilities, the cost and benefit medians and intervals, each costing method's BCR
median, then every input whose distribution differs and every run setting that differs.
"""

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from mcvalue.errors import McValueError
from mcvalue.pipeline import RunOptions, run
from mcvalue.plots import usd

#: Provenance keys whose difference explains a difference in results.
SETTINGS = ("seed", "draws", "cost_model", "data_mode", "cleaning", "data_files_sha256", "package_version")
_INPUT_FIELDS = ("distribution", "p5", "median", "p95")


def load_side(path: Path, options: RunOptions, log: Callable[[str], None]) -> tuple[str, dict]:
    """A label and the summary of one side: a run directory's summary.json or a prior file run now."""
    path = Path(path)
    if path.is_dir():
        summary_path = path / "summary.json"
        if not summary_path.is_file():
            raise McValueError(f"{path}: not a run directory (no summary.json)")
        try:
            return path.name, json.loads(summary_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise McValueError(f"{summary_path}: not valid JSON ({error.msg}, line {error.lineno})") from None
    if path.is_file():
        log(f"running {path} (nothing is written)...")
        return path.name, run(replace(options, priors=path), log=log, warn=log).summary
    raise McValueError(f"{path}: no such run directory or prior file")


def _rows(summary: dict) -> dict[str, object]:
    """The compared figures of one summary, by row label."""
    bcr, cost, benefit = summary["bcr"], summary["cost_usd"], summary["benefit_usd"]
    rows: dict[str, object] = {
        "BCR median": bcr["median"],
        "BCR 50% interval": bcr["intervals"]["50"],
        "BCR 90% interval": bcr["intervals"]["90"],
        "BCR 95% interval": bcr["intervals"]["95"],
    }
    for threshold, v in bcr["p_above"].items():
        rows[f"P(BCR > {threshold})"] = v["p"]
    rows["cost median (USD/yr)"] = cost["median"]
    rows["cost 90% interval (USD/yr)"] = cost["intervals"]["90"]
    rows["benefit median (USD/yr)"] = benefit["median"]
    rows["benefit 90% interval (USD/yr)"] = benefit["intervals"]["90"]
    for key, m in summary["methods"].items():
        rows[f"BCR median, {key}"] = m["bcr"]["median"]
    return rows


def _differing_inputs(a: dict, b: dict) -> list[dict]:
    """Inputs present in either summary whose distribution or quantiles differ."""
    out = []
    for name in list(a) + [n for n in b if n not in a]:
        ea, eb = a.get(name), b.get(name)
        if ea is None or eb is None or any(ea.get(f) != eb.get(f) for f in _INPUT_FIELDS):
            out.append({"input": name, "a": ea, "b": eb})
    return out


def compare_summaries(label_a: str, a: dict, label_b: str, b: dict) -> dict:
    """The comparison of two summaries (JSON-ready)."""
    rows_a, rows_b = _rows(a), _rows(b)
    pa, pb = a.get("provenance", {}), b.get("provenance", {})
    return {
        "a": label_a,
        "b": label_b,
        "rows": [{"quantity": k, "a": rows_a[k], "b": rows_b.get(k)} for k in rows_a],
        "inputs_differ": _differing_inputs(a.get("inputs", {}), b.get("inputs", {})),
        "settings_differ": [{"setting": k, "a": pa.get(k), "b": pb.get(k)} for k in SETTINGS if pa.get(k) != pb.get(k)],
    }


def compare(a: Path, b: Path, options: RunOptions = RunOptions(), log: Callable[[str], None] = lambda _: None) -> dict:
    """Compare two run directories or prior files (prior files are run with ``options``)."""
    label_a, summary_a = load_side(a, options, log)
    label_b, summary_b = load_side(b, options, log)
    return compare_summaries(label_a, summary_a, label_b, summary_b)


def _fmt(value: object, money: bool = False, probability: bool = False) -> str:
    """A cell: numbers to 3 significant figures (money as $230M, probabilities to 4
    decimals so that 0.9995 does not print as 1), intervals as [lo, hi]."""
    if isinstance(value, list):
        return "[" + ", ".join(_fmt(v, money) for v in value) + "]"
    if isinstance(value, float) and probability:
        return f"{value:.4f}"
    if isinstance(value, float):
        return usd(value) if money else f"{value:.3g}"
    return "n/a" if value is None else str(value)


def render(comparison: dict) -> str:
    """A plain-text table of a comparison."""
    a, b = comparison["a"], comparison["b"]
    width = max(len(r["quantity"]) for r in comparison["rows"])
    lines = [f"{'':{width}}  {a:>24}  {b:>24}"]
    for r in comparison["rows"]:
        money, probability = "USD" in r["quantity"], r["quantity"].startswith("P(")
        cells = [_fmt(r[side], money, probability) for side in ("a", "b")]
        lines.append(f"{r['quantity']:{width}}  {cells[0]:>24}  {cells[1]:>24}")
    lines += ["", "inputs that differ:" if comparison["inputs_differ"] else "inputs: identical"]
    for d in comparison["inputs_differ"]:
        da = d["a"]["distribution"] if d["a"] else "(absent)"
        db = d["b"]["distribution"] if d["b"] else "(absent)"
        lines.append(f"  {d['input']}: {da}  ->  {db}")
    if comparison["settings_differ"]:
        lines += ["", "settings that differ:"]
        lines += [f"  {d['setting']}: {_fmt(d['a'])}  ->  {_fmt(d['b'])}" for d in comparison["settings_differ"]]
    return "\n".join(lines)
