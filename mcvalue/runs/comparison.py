"""Compare runs side by side: headline numbers with the change against the first, every difference, and why each figure moved.

Pure: per run a label, summary.json's content, its resolved priors (``priors.toml``
parsed) and its machine (run.json's CPU) in, a :class:`Comparison` out;
:func:`mcvalue.compare` finds them (run directories, run names, or prior files run first).

What differs is found by flattening each run's resolved priors (every prior table,
the method weights, the rank correlations, ``[data]`` and ``[run]``), its summary's
provenance (cost model, data mode and cleaning, data files, cost fit, library versions,
decision settings) and its machine into dotted keys, and listing each key whose values
are not all equal: nothing that is the same in every run is listed. Each difference is
either one the user made (:data:`CHANGED`: the prior file, the settings) or one that
differs for other reasons (:data:`OTHER`: the cost fit, the data, the libraries, the
machine), and every figure that moved names the differences that can move it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from mcvalue.errors import McValueError

#: Provenance keys left out of the differences: hashes of the prior files, whose content
#: is compared key by key instead (a changed comment is not a different scenario).
_HASHES = ("priors_sha256", "resolved_priors_sha256")
#: Where a missing key shows, so "absent" differs from any value.
ABSENT = None


def headline_rows(summary: dict[str, Any]) -> dict[str, Any]:
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


def check_summary(summary: Any, where: str) -> dict[str, Any]:
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


def scenario_keys(priors: dict[str, Any], summary: dict[str, Any]) -> dict[str, Any]:
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


#: A difference the user made: a prior file's line or a setting.
CHANGED = "changed"
#: A difference the user did not make: the cost fit, the data, the libraries or the machine.
OTHER = "other"
#: What a figure depends on: the cost side, the benefit side, or both (every draw).
COST, BENEFIT, BOTH = "cost", "benefit", "both"

#: Provenance keys that are settings (the command line or the prior file's [run] and [data]), and the side they move.
_SETTINGS = {
    "seed": BOTH, "draws": BOTH, "cost_model": COST, "cost_basis": COST, "stock_years": COST, "trend_structure": COST,
    "data_mode": COST, "cleaning": COST, "swing": None, "thresholds": None,
}
#: Provenance keys that differ for other reasons: (reason, the side they move).
_OTHER = {
    "cost_fit_sha256": ("cost fit", COST), "data_files_sha256": ("data", COST), "sample_sha256": ("data", COST),
    "libraries": ("libraries", BOTH), "package_version": ("libraries", BOTH),
}
#: Why each reason moves figures, as the sentence a moved figure gives.
_BECAUSE = {"cost fit": "the cost fits differ", "data": "the data files differ", "libraries": "the library versions differ",
            "machine": "the machines differ"}


def classify(key: str) -> tuple[str, str, str | None]:
    """Return (kind, reason, side) of a difference at dotted ``key``: who made it, what it is, which side it moves.

    Examples
    --------
    >>> classify("benefit.haircut.ci90"), classify("provenance.cost_fit_sha256"), classify("machine.cpu")
    (('changed', 'prior file', 'benefit'), ('other', 'cost fit', 'cost'), ('other', 'machine', 'cost'))
    """
    head, _, rest = key.partition(".")
    if head in ("cost", "benefit") and key.rsplit(".", 1)[-1] in ("label", "source"):
        return CHANGED, "prior file", None  # a name or a citation: it moves no figure
    if head == "machine":
        return OTHER, "machine", COST
    if head == "provenance":
        field = rest.split(".", 1)[0]
        if field in _OTHER:
            reason, side = _OTHER[field]
            return OTHER, reason, side
        return CHANGED, "settings", _SETTINGS.get(field, BOTH)
    if head in ("cost", "data"):
        return CHANGED, "prior file" if head == "cost" else "settings", COST
    if head == "benefit":
        return CHANGED, "prior file", BENEFIT
    if head == "run":
        field = rest.split(".", 1)[0]
        return CHANGED, "settings", COST if field in ("cost_model", "target_year", "basis", "stock_start") else BOTH
    return CHANGED, "prior file", BOTH  # correlations, extends: any draw


def _row_side(quantity: str) -> str:
    """Return which side a compared figure depends on."""
    if quantity.startswith("cost"):
        return COST
    if quantity.startswith("benefit"):
        return BENEFIT
    return BOTH


def _moved(change: Any) -> bool:
    """Tell whether a change (a number, an interval or None) is not exactly zero."""
    if isinstance(change, list):
        return any(_moved(c) for c in change)
    return change is not None and change != 0


def causes(quantity: str, differences: list[dict[str, Any]]) -> list[str]:
    """Return why figure ``quantity`` can have moved: the user's differences on its side by key, then the other reasons.

    The data and the machine move figures only through the cost fit (its FTE draws): they
    are named as what lies behind a different cost fit, and are no cause when two runs
    share one. Library versions can move any draw.

    Examples
    --------
    >>> diffs = [{"key": "benefit.haircut.ci90", "kind": "changed", "reason": "prior file", "side": "benefit"},
    ...          {"key": "provenance.cost_fit_sha256", "kind": "other", "reason": "cost fit", "side": "cost"},
    ...          {"key": "machine.cpu", "kind": "other", "reason": "machine", "side": "cost"}]
    >>> causes("cost median (USD/yr)", diffs), causes("BCR median", diffs[:2])
    (['the cost fits differ (the machines differ)'], ['you changed benefit.haircut (ci90)', 'the cost fits differ'])
    >>> named = [{**diffs[0], "name": "Haircut"}, {**diffs[0], "key": "benefit.haircut.upper", "name": "Haircut"}]
    >>> causes("BCR median", named)
    ['you changed Haircut (ci90, upper)']
    """
    side = _row_side(quantity)
    relevant = [d for d in differences if d["side"] is not None and (side == BOTH or d["side"] in (side, BOTH))]
    mine = _changes([d for d in relevant if d["kind"] == CHANGED])
    reasons = list(dict.fromkeys(d["reason"] for d in relevant if d["kind"] == OTHER))
    other = []
    if "cost fit" in reasons:
        behind = [_BECAUSE[r] for r in ("data", "machine") if r in reasons]
        other.append(_BECAUSE["cost fit"] + (f" ({'; '.join(behind)})" if behind else ""))
    if "libraries" in reasons:
        other.append(_BECAUSE["libraries"])
    return mine + other


#: Provenance settings that repeat a resolved prior file's [run] key: a cause once, under the [run] key.
_MIRRORS = {"provenance.seed": "run.seed", "provenance.draws": "run.draws", "provenance.cost_model": "run.cost_model"}


def _changes(changed: list[dict[str, Any]]) -> list[str]:
    """Return "you changed ..." once per quantity or setting (its display name, then the fields changed); a mirrored setting once.

    Examples
    --------
    >>> _changes([{"key": "cost.method_weights.commits_pytorch", "name": "Costing method weights"},
    ...           {"key": "cost.method_weights.lines_pytorch", "name": "Costing method weights"},
    ...           {"key": "run.draws"}, {"key": "provenance.draws"}, {"key": "provenance.cleaning.exclude_bots"}])
    ['you changed Costing method weights (commits_pytorch, lines_pytorch)', 'you changed run.draws', 'you changed provenance.cleaning (exclude_bots)']
    """
    keys = {d["key"] for d in changed}
    groups: dict[str, list[str]] = {}
    for d in changed:
        if _MIRRORS.get(d["key"]) in keys:
            continue
        parts = d["key"].split(".")
        fields = groups.setdefault(d.get("name") or ".".join(parts[:2]), [])
        if len(parts) > 2:
            fields.append(".".join(parts[2:]))
    return [f"you changed {name}" + (f" ({', '.join(fields)})" if fields else "") for name, fields in groups.items()]


@dataclass(frozen=True)
class Comparison:
    """Two or more runs compared: :func:`mcvalue.compare`'s result.

    Attributes
    ----------
    runs : list of str
        What each run is called (a run name or a prior file's name).
    rows : list of dict
        ``quantity``, ``values`` per run, ``change`` (each value minus the first run's,
        None for the first) and ``because`` (per run, why it moved against the first: the
        differences that can move this figure; empty where it did not move).
    differences : list of dict
        Each dotted key whose values differ: ``key``, ``values`` per run (None where a run
        lacks it), ``name`` (the display name of its quantity, None for a setting), ``kind`` (:data:`CHANGED` or :data:`OTHER`), ``reason`` ("prior file",
        "settings", "cost fit", "data", "libraries", "machine") and ``side`` (the figures it moves).
    exceedance : list of list of dict
        Per run, the curve P(BCR > k) of its summary (``k``, ``p``), for the overlay figure.

    Examples
    --------
    >>> import mcvalue
    >>> comparison = mcvalue.compare("reference", "priors/mine.toml")  # doctest: +SKIP
    >>> comparison.to_df()  # doctest: +SKIP
    >>> [d["key"] for d in comparison.other()]  # doctest: +SKIP
    ['provenance.cost_fit_sha256', 'machine.cpu']
    """

    runs: list[str]
    rows: list[dict[str, Any]]
    differences: list[dict[str, Any]]
    exceedance: list[list[dict[str, float]]]

    def changed(self) -> list[dict[str, Any]]:
        """Return the differences the user made (prior file lines, settings)."""
        return [d for d in self.differences if d["kind"] == CHANGED]

    def other(self) -> list[dict[str, Any]]:
        """Return the differences the user did not make (cost fit, data, libraries, machine)."""
        return [d for d in self.differences if d["kind"] == OTHER]

    def to_dict(self) -> dict[str, Any]:
        """Return the comparison as JSON-ready data: exactly what ``mcvalue compare --json`` prints."""
        return {"runs": list(self.runs), "rows": self.rows, "differences": self.differences, "exceedance": self.exceedance}

    def to_df(self) -> pd.DataFrame:
        """Return the compared figures as a table: one row per figure, a column per run, then ``change, <run>`` per later run.

        Intervals stay [low, high] lists in their cells.
        """
        import pandas as pd

        records = []
        for r in self.rows:
            record: dict[str, Any] = {"quantity": r["quantity"], **dict(zip(self.runs, r["values"], strict=True))}
            record.update({f"change, {run}": c for run, c in zip(self.runs[1:], r["change"][1:], strict=True)})
            records.append(record)
        return pd.DataFrame.from_records(records).set_index("quantity")


def quantity_name(key: str, priors: list[dict[str, Any]]) -> str | None:
    """Return the display name of the quantity a difference's ``key`` belongs to (:mod:`mcvalue.vocab.display`), or None.

    A prior quantity is named by the first run's ``label`` that has one, the method
    weights by the costing method's name; settings and provenance have no quantity.

    Examples
    --------
    >>> quantity_name("benefit.haircut.ci90", [{"benefit": {"haircut": {"label": "Haircut"}}}])
    'Haircut'
    >>> quantity_name("cost.method_weights.commits_pytorch", [{}]), quantity_name("run.seed", [{}])
    ('Costing method weights', None)
    """
    from mcvalue.vocab.display import METHOD_INPUT, display_name

    head, _, rest = key.partition(".")
    if head not in ("cost", "benefit") or not rest:
        return None
    name = rest.split(".", 1)[0]
    if name == "method_weights":
        return f"{display_name(METHOD_INPUT)} weights"
    for record in priors:
        table = record.get(head, {}).get(name) if isinstance(record.get(head), dict) else None
        label = table.get("label") if isinstance(table, dict) else None
        if isinstance(label, str):
            return label
    return display_name(f"{head}.{name}")


def compare_runs(labels: list[str], summaries: list[dict[str, Any]], priors: list[dict[str, Any]], machines: list[dict[str, Any]] | None = None) -> Comparison:
    """Return the comparison of two or more runs.

    Parameters
    ----------
    labels : list of str
        What each run is called (a run name or a prior file's name).
    summaries : list of dict
        Each run's summary.json content.
    priors : list of dict
        Each run's resolved priors (``priors.toml`` parsed).
    machines : list of dict, optional
        Each run's machine (``cpu``: run.json's CPU model; ``instruction_set``: what the
        fit's code was compiled for); default: unknown, never a difference.

    Returns
    -------
    Comparison
        Headline rows with the change against the first run and why it moved (a row one
        run lacks, e.g. a benefit method it does not price, is None there), every
        difference classified, each run's exceedance curve.
    """
    machines = machines or [{} for _ in summaries]
    keyed = [{**scenario_keys(p, s), **flatten(m, "machine.")} for p, s, m in zip(priors, summaries, machines, strict=True)]
    diffs = []
    for d in differences(keyed):
        kind, reason, side = classify(d["key"])
        diffs.append({**d, "name": quantity_name(d["key"], priors), "kind": kind, "reason": reason, "side": side})
    tables = [headline_rows(s) for s in summaries]
    rows = []
    for quantity in dict.fromkeys(q for t in tables for q in t):  # a method one run lacks shows as None there
        values = [t.get(quantity) for t in tables]
        change = [None] + [_change(values[0], v) for v in values[1:]]
        because: list[list[str]] = [[]]
        for i, c in enumerate(change[1:], start=1):
            pair = [{**d, "values": [d["values"][0], d["values"][i]]} for d in diffs if d["values"][0] != d["values"][i]]
            because.append(causes(quantity, pair) if _moved(c) else [])
        rows.append({"quantity": quantity, "values": values, "change": change, "because": because})
    return Comparison(
        runs=list(labels),
        rows=rows,
        differences=diffs,
        exceedance=[[{"k": e["k"], "p": e["p"]} for e in s["bcr"]["exceedance"]] for s in summaries],
    )


def machine_of(summary: dict[str, Any], run_record: dict[str, Any] | None) -> dict[str, Any]:
    """Return a run's machine: run.json's CPU model and the instruction set its fit was compiled for (None when unknown)."""
    sampler = summary.get("diagnostics", {}).get("sampler") or {}
    cpu = run_record.get("cpu") if isinstance(run_record, dict) else None
    return {"cpu": cpu if isinstance(cpu, str) else None, "instruction_set": sampler.get("instruction_set") if isinstance(sampler, dict) else None}
