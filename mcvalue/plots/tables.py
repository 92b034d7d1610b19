"""The tidy tables the figures read: a run's intervals beside the paper's figures, and the benefit chain's factors.

Separate from the drawing (:mod:`mcvalue.plots.charts`) because these are data, not
pictures: each comes as plain columns (no pandas needed) or as a DataFrame.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.fmt import ratio
from mcvalue.vocab.paper import PAPER_BENEFIT_CHAIN

if TYPE_CHECKING:
    import pandas as pd



def interval_columns(blocks: dict[str, dict[str, Any]], paper: dict[str, float]) -> dict[str, Any]:
    """Return the columns of :func:`interval_table` as arrays (what :func:`cost_forest` reads; no pandas needed)."""
    rows = [
        (row, s["median"], s["intervals"]["90"][0], s["intervals"]["50"][0], s["intervals"]["50"][1], s["intervals"]["90"][1], paper[row])
        for row, s in blocks.items()
    ]
    names = ("median", "p5", "p25", "p75", "p95", "paper")
    return {"method": [r[0] for r in rows], **{name: np.array([r[i] for r in rows], dtype=float) for i, name in enumerate(names, 1)}}


def interval_table(blocks: dict[str, dict[str, Any]], paper: dict[str, float]) -> pd.DataFrame:
    """Return a forest-plot table from summary blocks: median, 50% and 90% ends, paper point."""
    import pandas as pd

    return pd.DataFrame(interval_columns(blocks, paper))


def benefit_chain_columns(inputs: dict[str, np.ndarray], scenario: Any = None) -> dict[str, Any]:
    """Return the columns of :func:`benefit_chain_table` as arrays (what :func:`benefit_chain` reads; no pandas needed)."""
    rows, running, paper_running = [], None, 1.0
    for name, paper_value in PAPER_BENEFIT_CHAIN:
        draws = np.asarray(inputs[name], dtype=float)
        running = draws if running is None else running * draws
        paper_running *= paper_value
        if scenario is not None:
            lo, hi = (float(v) for v in scenario.quantities[name].ppf(np.array([0.05, 0.95])))
        else:
            lo, hi = np.quantile(draws, [0.05, 0.95])
        short = name.split(".", 1)[1] if scenario is None else scenario.label(name)
        step = "AI value" if running is draws else f"x {short}\n(90%: {ratio(lo, 2)}-{ratio(hi, 2)})"
        p5, median, p95 = np.quantile(running, [0.05, 0.5, 0.95])
        rows.append((step, p5, median, p95, paper_running))
    names = ("p5", "median", "p95", "paper")
    return {"step": [r[0] for r in rows], **{name: np.array([r[i] for r in rows], dtype=float) for i, name in enumerate(names, 1)}}


def benefit_chain_table(inputs: dict[str, np.ndarray], scenario: Any = None) -> pd.DataFrame:
    """Return the benefit chain as cumulative products of the draws: AI value, x haircut, ...

    Each step's label names the factor by its prior's ``label`` and shows its 90% interval
    read from the prior (``scenario.quantities``) to 2 significant figures, as intervals
    are stated, so labels carry no Monte Carlo noise (0.03-0.3, not 0.0298-0.299).
    """
    import pandas as pd

    return pd.DataFrame(benefit_chain_columns(inputs, scenario))
