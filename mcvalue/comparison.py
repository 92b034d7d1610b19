"""Compare two runs side by side: headline numbers and the inputs that differ.

Pure: two summaries (summary.json's content) in, a JSON-ready comparison out;
:func:`mcvalue.compare` finds the summaries (run directories, or prior files run first).
The comparison lists the BCR's median, intervals and tail
probabilities, the cost and benefit medians and intervals, each costing method's BCR
median, then every input whose distribution differs and every run setting that differs.
:func:`check_summary` refuses, in one line, a summary whose compared figures are not
where and what a run's summary.json keeps (a damaged or hand-edited file).
"""

import math

from mcvalue.errors import McValueError

#: Provenance keys whose difference explains a difference in results.
SETTINGS = ("seed", "draws", "cost_model", "data_mode", "cleaning", "data_files_sha256", "package_version")
_INPUT_FIELDS = ("distribution", "p5", "median", "p95")


def _rows(summary: dict) -> dict[str, object]:
    """Return the compared figures of one summary, by row label."""
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


def _is_number(value: object) -> bool:
    """Whether ``value`` is a finite JSON number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _figure_problem(value: object) -> str | None:
    """Why a compared figure is not a number or a [low, high] pair of numbers, or None."""
    if _is_number(value):
        return None
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return None
    return f"{value!r:.40} is not a finite number or a pair of them"


def check_summary(summary: dict, where: str) -> dict:
    """Return ``summary`` if a comparison can read it; McValueError naming ``where`` and the figure if not."""
    try:
        rows = _rows(summary)
    except KeyError as error:
        raise McValueError(f"{where}: not a run's summary (missing {error})") from None
    except (TypeError, AttributeError, IndexError) as error:
        raise McValueError(f"{where}: not a run's summary ({error})") from None
    for label, value in rows.items():
        problem = _figure_problem(value)
        if problem:
            raise McValueError(f"{where}: {label}: {problem}")
    for key in ("inputs", "provenance"):
        part = summary.get(key, {})
        if not isinstance(part, dict) or (key == "inputs" and not all(isinstance(v, dict) for v in part.values())):
            raise McValueError(f"{where}: {key}: not a table of a run's summary")
    return summary


def _differing_inputs(a: dict, b: dict) -> list[dict]:
    """Return inputs present in either summary whose distribution or quantiles differ."""
    out = []
    for name in list(a) + [n for n in b if n not in a]:
        ea, eb = a.get(name), b.get(name)
        if ea is None or eb is None or any(ea.get(f) != eb.get(f) for f in _INPUT_FIELDS):
            out.append({"input": name, "a": ea, "b": eb})
    return out


def compare_summaries(label_a: str, a: dict, label_b: str, b: dict) -> dict:
    """Return the comparison of two summaries (JSON-ready)."""
    rows_a, rows_b = _rows(a), _rows(b)
    pa, pb = a.get("provenance", {}), b.get("provenance", {})
    return {
        "a": label_a,
        "b": label_b,
        "rows": [{"quantity": k, "a": rows_a[k], "b": rows_b.get(k)} for k in rows_a],
        "inputs_differ": _differing_inputs(a.get("inputs", {}), b.get("inputs", {})),
        "settings_differ": [{"setting": k, "a": pa.get(k), "b": pb.get(k)} for k in SETTINGS if pa.get(k) != pb.get(k)],
    }
