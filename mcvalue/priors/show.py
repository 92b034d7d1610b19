"""What ``mcvalue priors show`` and ``check`` print: a scenario as a record and as text."""

import math
from typing import Any

import numpy as np

from mcvalue.fmt import count, quantity
from mcvalue.priors.spec import Scenario


def show_table(scenario: Scenario) -> list[dict[str, Any]]:
    """One row per quantity the scenario draws: quantity, label, distribution, p5, median, p95, mean, source."""
    rows = []
    for name, dist in scenario.quantities.items():
        p5, median, p95 = (float(x) for x in dist.ppf(np.array([0.05, 0.5, 0.95])))
        mean = float(dist.mean())
        rows.append(
            {
                "quantity": name,
                "label": scenario.label(name),
                "distribution": dist.describe(),
                "p5": p5,
                "median": median,
                "p95": p95,
                "mean": mean if math.isfinite(mean) else None,
                "source": dist.source,
            }
        )
    return rows


def show_record(scenario: Scenario) -> dict[str, Any]:
    """JSON-ready summary: file, sha256, quantities table, weights, correlations, settings."""
    return {
        "file": None if scenario.path is None else str(scenario.path),
        "sha256": scenario.sha256,
        "quantities": show_table(scenario),
        "method_weights": dict(scenario.method_weights),
        "benefit_weights": dict(scenario.benefit_weights),
        "correlations": [{"between": [a, b], "rho": rho} for (a, b), rho in scenario.correlations.items()],
        "data": {"mode": scenario.data.mode, **scenario.data.cleaning.to_dict()},
        "run": {"draws": scenario.run.draws, "seed": scenario.run.seed, "cost_model": scenario.run.cost_model, "basis": scenario.run.basis},
    }


def _num(name: str, x: float | None) -> str:
    """Money as $245K, other numbers with 3 significant digits (never e-notation), '-' when undefined (an infinite mean)."""
    return "-" if x is None else quantity(name, x)


def render(record: dict[str, Any]) -> str:
    """Plain-text table of a :func:`show_record` record."""
    header = ("quantity", "label", "distribution", "p5", "median", "p95", "mean", "source")
    rows = [header] + [
        (r["quantity"], r["label"], r["distribution"], *(_num(r["quantity"], r[k]) for k in ("p5", "median", "p95", "mean")), r["source"] or "")
        for r in record["quantities"]
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join([*(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)), row[-1]]) for row in rows]
    lines.append("")
    lines.append("method weights: " + ", ".join(f"{k} {w:g}" for k, w in record["method_weights"].items()))
    lines.append("benefit method weights: " + ", ".join(f"{k} {w:g}" for k, w in record["benefit_weights"].items()))
    if record["correlations"]:
        pairs = ", ".join(f"{c['between'][0]} ~ {c['between'][1]} rho {c['rho']:g}" for c in record["correlations"])
        lines.append(f"rank correlations: {pairs}")
    else:
        lines.append("rank correlations: none")
    data, run = record["data"], record["run"]
    lines.append(f"data: mode {data['mode']}; " + ", ".join(f"{k} {v}" for k, v in data.items() if k != "mode"))
    lines.append(f"run: {count(run['draws'])} draws, seed {run['seed']}, cost model {run['cost_model']}, cost basis {run['basis']}")
    return "\n".join(line.rstrip() for line in lines)


def check_line(scenario: Scenario) -> str:
    """One line confirming a valid file."""
    n = len(scenario.correlations)
    correlations = "no rank correlations (every quantity drawn independently)" if n == 0 else f"{n} rank correlation{'s' * (n != 1)}"
    return (
        f"ok  {scenario.path}: {len(scenario.quantities)} quantities, {correlations}, "
        f"data mode {scenario.data.mode}, cost model {scenario.run.cost_model}"
    )
