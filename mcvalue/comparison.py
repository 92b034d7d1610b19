"""Compare runs side by side: headline numbers with the change against the first, and every difference of their scenarios.

Pure: per run a label, summary.json's content and its resolved priors (``priors.toml``
parsed) in, a JSON-ready comparison out; :func:`mcvalue.compare` finds them (run
directories, run names, or prior files run first).

What differs is found by flattening each run's resolved priors (every prior table,
the method weights, the rank correlations, ``[data]`` and ``[run]``) and its summary's
provenance (cost model, data mode and cleaning, data files, library versions, decision
settings) into dotted keys, and listing each key whose values are not all equal: nothing
that is the same in every run is listed.
"""

from __future__ import annotations

import math
from typing import Any

from mcvalue.errors import McValueError

#: Provenance keys left out of the differences: hashes of the prior files, whose content
#: is compared key by key instead (a changed comment is not a different scenario).
_HASHES = ("priors_sha256", "resolved_priors_sha256")
#: Where a missing key shows, so "absent" differs from any value.
ABSENT = None


def headline_rows(summary: dict) -> dict[str, Any]:
    """Return the compared figures of one summary, by row label (intervals as [lo, hi])."""
    bcr, cost, benefit = summary["bcr"], summary["cost_usd"], summary["benefit_usd"]
    rows: dict[str, Any] = {
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
    for key, m in summary.get("benefit_methods", {}).items():  # absent from summaries written before benefit methods
        rows[f"BCR median, benefit {key}"] = m["bcr"]["median"]
    return rows


def _is_number(value: object) -> bool:
    """Tell whether ``value`` is a finite JSON number (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _figure_problem(value: object) -> str | None:
    """Say why a compared figure is not a number or a [low, high] pair of numbers, or None."""
    if _is_number(value):
        return None
    if isinstance(value, list) and len(value) == 2 and all(_is_number(v) for v in value):
        return None
    return f"{value!r:.40} is not a finite number or a pair of them"


def check_summary(summary: Any, where: str) -> dict:
    """Return ``summary`` if a comparison can read it; McValueError naming ``where`` and the figure if not.

    A damaged or hand-edited summary.json (a figure missing, of the wrong type or not
    finite; ``inputs`` or ``provenance`` not tables) ends in one line, never a traceback.
    """
    if not isinstance(summary, dict):
        raise McValueError(f"{where}: not a run's summary (a {type(summary).__name__}, not a table)")
    try:
        rows = headline_rows(summary)
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


def _change(first: Any, value: Any) -> Any:
    """Return ``value - first`` for numbers, end by end for intervals, None when either is missing."""
    if isinstance(first, list) and isinstance(value, list) and len(first) == len(value):
        return [_change(f, v) for f, v in zip(first, value, strict=True)]
    if isinstance(first, (int, float)) and isinstance(value, (int, float)) and not isinstance(value, bool):
        return value - first
    return None


def flatten(record: Any, prefix: str = "") -> dict[str, Any]:
    """Flatten nested tables into dotted keys; a list of tables with ``between`` (correlations) is keyed by the pair.

    Examples
    --------
    >>> flatten({"cost": {"coverage": {"dist": "point", "value": 2}}, "correlations": [{"between": ["a", "b"], "rho": 0.5}]})
    {'cost.coverage.dist': 'point', 'cost.coverage.value': 2, 'correlations.a ~ b': 0.5}
    """
    if isinstance(record, dict):
        out: dict[str, Any] = {}
        for key, value in record.items():
            out.update(flatten(value, f"{prefix}{key}."))
        return out
    if isinstance(record, list) and record and all(isinstance(e, dict) and "between" in e for e in record):
        return {f"{prefix}{' ~ '.join(sorted(e['between']))}": e.get("rho") for e in record}
    return {prefix[:-1]: record}


def scenario_keys(priors: dict, summary: dict) -> dict[str, Any]:
    """Return everything that defines a run as dotted keys: resolved priors, then provenance (``provenance.*``)."""
    provenance = {k: v for k, v in summary.get("provenance", {}).items() if k not in _HASHES}
    return {**flatten(priors), **flatten(provenance, "provenance.")}


def differences(keyed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return each key whose values are not all equal across runs, in first-seen order, with every run's value."""
    order = list(dict.fromkeys(key for run in keyed for key in run))
    out = []
    for key in order:
        values = [run.get(key, ABSENT) for run in keyed]
        if any(v != values[0] for v in values[1:]):
            out.append({"key": key, "values": values})
    return out


def compare_runs(labels: list[str], summaries: list[dict], priors: list[dict]) -> dict:
    """Return the comparison of two or more runs (JSON-ready).

    Parameters
    ----------
    labels : list of str
        What each run is called (a run name or a prior file's name).
    summaries : list of dict
        Each run's summary.json content.
    priors : list of dict
        Each run's resolved priors (``priors.toml`` parsed).

    Returns
    -------
    dict
        ``runs`` (the labels), ``rows`` (``quantity``, ``values`` per run, None where a run
        lacks it, e.g. a benefit method it does not price; ``change``: each value minus the
        first run's, None for the first), ``differences`` (``key``,
        ``values`` per run; None where a run lacks the key) and ``exceedance`` (per run
        the curve P(BCR > k) of its summary, for the overlay figure).
    """
    tables = [headline_rows(s) for s in summaries]
    rows = []
    for quantity in dict.fromkeys(q for t in tables for q in t):  # a method one run lacks shows as None there
        values = [t.get(quantity) for t in tables]
        rows.append({"quantity": quantity, "values": values, "change": [None] + [_change(values[0], v) for v in values[1:]]})
    return {
        "runs": list(labels),
        "rows": rows,
        "differences": differences([scenario_keys(p, s) for p, s in zip(priors, summaries, strict=True)]),
        "exceedance": [[{"k": e["k"], "p": e["p"]} for e in s["bcr"]["exceedance"]] for s in summaries],
    }
