"""Table 1 of the paper (section 3.1.2): its arithmetic on a sample, and its published figures.

Two uses: ``mcvalue reproduce`` and the fit report compute Table 1 from a sample in any
mode (:func:`table1`, :func:`method_fte`); and the ``table1`` cost model takes the
paper's *published* figures as constant FTE draws (:func:`table1_fte`), with no sampling
uncertainty, when it is asked for or when no copy of the sample can be found offline.

For a unit u (commits or lines modified = lines added + lines deleted) and reference
repo R, with salary S and 26 two-week periods a year:

    ref_mean(u, R)    = mean of u over R's contributor-periods (sync accounts' rows excluded)
    cost_per_unit     = S / (ref_mean * 26)
    units_per_year    = 26 * sum over repos of (mean over its sampled periods of total u)
    cost_per_year     = cost_per_unit * units_per_year

For contributors, every active contributor is one full-time engineer: cost_per_unit = S
and units_per_year = sum over repos of the mean number of active contributors per period.
A "repo" is a sampled unit (a tool and its GitHub repository), as in the paper; after
``merge_duplicate_repos`` two tools sharing a repository are one unit. Sync/export
accounts' units (``sync`` rows, clean mode) count in the repo totals but not in the
reference mean or the contributor counts: they are engineers' work, not one engineer.

The same arithmetic gives full-time-equivalent engineer-years, FTE = cost_per_year / S,
which is what the Monte Carlo and Bayesian stages propagate.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.errors import DataError
from mcvalue.vocab.paper import METHODS, PAPER_SALARY_USD, PERIODS_PER_YEAR, REFERENCE_REPOS, CostingMethod

if TYPE_CHECKING:
    import pandas as pd

    from mcvalue.data.tables import Sample

ROW_KEYS = ("unit", "reference", "cost_per_unit", "units_per_year", "cost_per_year")


def reference_mean(sample: Sample, method: CostingMethod) -> float:
    """Mean units per contributor-period in the method's reference repo (1 for contributors); sync rows excluded."""
    if method.unit == "contributors":
        return 1.0
    from mcvalue.costmodels.references import reference_rows

    repo = REFERENCE_REPOS[method.reference]
    people = sample.contributions[~sample.contributions["sync"].to_numpy(dtype=bool)]
    rows = reference_rows(people, repo)[method.unit]
    if rows.empty:
        raise DataError(f"the {sample.mode} sample has no contributor-periods of reference repo {repo}")
    return float(rows.mean())


def units_per_period(sample: Sample, unit: str) -> float:
    """Sum over repos of the mean over that repo's sampled periods of total ``unit``.

    ``unit`` is "contributors", "commits" or "lines"; empty periods count as zeros.
    Reference-only units (:mod:`mcvalue.costmodels.references`) are not summed.
    """
    from mcvalue.costmodels.references import summed_periods

    per_repo = summed_periods(sample.periods).groupby(["tool", "repo"], sort=False)[unit].mean()
    return float(per_repo.sum())


def method_fte(sample: Sample) -> dict[str, float]:
    """FTE engineer-years per costing method key (cost per year / salary).

    FTE = sum over repos of mean units per period / reference mean units per
    contributor-period; for contributors, the sum of mean active contributors. NaN for a
    method whose reference repo has no contributor-period in the sample.
    """
    from mcvalue.costmodels.references import reference_rows

    people = sample.contributions
    present = {m.key for m in METHODS if m.unit == "contributors" or len(reference_rows(people, REFERENCE_REPOS[m.reference]))}
    return {m.key: units_per_period(sample, m.unit) / reference_mean(sample, m) if m.key in present else float("nan") for m in METHODS}


_WINDOW_KEYS = ["tool", "repo", "period_start", "period_end"]


def _without_window(sample: Sample, window: tuple[object, ...]) -> Sample:
    """Return the sample with one repo-period (tool, repo, start, end) and its contributor-periods left out."""
    from dataclasses import replace

    def keep(frame: pd.DataFrame) -> pd.DataFrame:
        return frame[[tuple(row) != window for row in frame[_WINDOW_KEYS].itertuples(index=False)]]

    return replace(sample, contributions=keep(sample.contributions), periods=keep(sample.periods))


def heaviest_window_effects(sample: Sample) -> list[dict[str, Any]]:
    """How far each lines method's Table-1 FTE moves when its reference repo's heaviest window is left out.

    Lines are heavy-tailed: one window (e.g. a vendoring or a mass rename) can hold most
    of a reference repo's lines, and the reference mean is a plain mean, so that window
    decides the FTE. For each lines method: the reference repo's window with the most
    lines by its contributors (sync accounts excluded, as in the reference mean), its
    share of those lines, and the FTE with and without that window (left out of the
    sample entirely: the reference mean and the repo's own mean per period). Methods
    whose reference has fewer than two windows with contributors (or is not in the sample) are skipped.
    """
    from mcvalue.costmodels.references import reference_rows
    people = sample.contributions[~sample.contributions["sync"].to_numpy(dtype=bool)]
    out = []
    for method in METHODS:
        if method.unit != "lines":
            continue
        repo = REFERENCE_REPOS[method.reference]
        by_window = reference_rows(people, repo).groupby(_WINDOW_KEYS, sort=False)["lines"].sum()
        if len(by_window) < 2:
            continue
        window = by_window.idxmax()
        trimmed = _without_window(sample, window)
        fte = units_per_period(sample, method.unit) / reference_mean(sample, method)
        without = units_per_period(trimmed, method.unit) / reference_mean(trimmed, method)
        out.append({
            "method": method.key, "reference_repo": repo, "tool": window[0],
            "period_start": window[2].strftime("%Y-%m-%d"), "period_end": window[3].strftime("%Y-%m-%d"),
            "window_lines": int(by_window.max()), "share_of_reference_lines": float(by_window.max() / by_window.sum()),
            "fte": fte, "fte_without_window": without,
        })
    return out


def table1(sample: Sample, salary: float = PAPER_SALARY_USD) -> pd.DataFrame:
    """Table 1 in the paper's row order: unit, reference, cost_per_unit, units_per_year, cost_per_year."""
    import pandas as pd

    rows = []
    for method in METHODS:
        if method.unit == "contributors":
            cost_per_unit = salary
            units_per_year = units_per_period(sample, "contributors")
        else:
            cost_per_unit = salary / (reference_mean(sample, method) * PERIODS_PER_YEAR)
            units_per_year = PERIODS_PER_YEAR * units_per_period(sample, method.unit)
        rows.append([method.unit, method.reference, cost_per_unit, units_per_year, cost_per_unit * units_per_year])
    return pd.DataFrame(rows, columns=list(ROW_KEYS), index=pd.Index([m.key for m in METHODS], name="method"))


def table1_record(sample: Sample, salary: float = PAPER_SALARY_USD) -> dict[str, Any]:
    """JSON-ready Table 1: mode, cleaning options, data hashes, salary and the five rows."""
    table = table1(sample, salary)
    return {
        "mode": sample.mode,
        "cleaning": sample.cleaning.to_dict(),
        "salary_usd": salary,
        "periods_per_year": PERIODS_PER_YEAR,
        "data_sha256": dict(sample.file_sha256),
        "rows": [
            {key: (value if isinstance(value, str) else float(value)) for key, value in row.items()}
            for row in table[list(ROW_KEYS)].to_dict(orient="records")
        ],
    }


#: One line for reports: what the cost side is when the published figures are used.
DESCRIPTION = "the paper's published Table 1 cost figures (no fit, no sampling uncertainty)"

#: What each data mode is, for Table 1 headers and reports.
MODE_DESCRIPTIONS: dict[str, str] = {
    "paper": "the authors' flat CSV as published (numbers with thousands separators truncated), no cleaning",
    "corrected": "the raw scrape parsed with full numbers, no cleaning",
    "clean": "the raw scrape parsed with full numbers, then cleaned",
}


def record_rows_published() -> list[dict[str, Any]]:
    """Return the paper's own Table 1, as printed, in the JSON row layout of :func:`table1_record`."""
    return [
        dict(zip(ROW_KEYS, (m.unit, m.reference, m.paper_cost_per_unit, m.paper_units_per_year, m.paper_cost_per_year), strict=False))
        for m in METHODS
    ]


def paper_fte() -> np.ndarray:
    """Return the five methods' published FTE-years, in :data:`mcvalue.vocab.paper.METHOD_KEYS` order."""
    return np.array([m.paper_fte for m in METHODS], dtype=float)


def table1_fte(n: int) -> np.ndarray:
    """``(n, 5)`` FTE draws, every row the published Table 1 figures."""
    return np.tile(paper_fte(), (n, 1))
