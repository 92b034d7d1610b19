"""Table 1 of the paper (section 3.1.2), computed from a sample in any mode.

For a unit u (commits or lines modified = lines added + lines deleted) and reference
repo R, with salary S and 26 two-week periods a year:

    ref_mean(u, R)    = mean of u over R's contributor-periods
    cost_per_unit     = S / (ref_mean * 26)
    units_per_year    = 26 * sum over repos of (mean over its sampled periods of total u)
    cost_per_year     = cost_per_unit * units_per_year

For contributors, every active contributor is one full-time engineer: cost_per_unit = S
and units_per_year = sum over repos of the mean number of active contributors per period.
A "repo" is a sampled unit (a tool and its GitHub repository), as in the paper; after
``merge_duplicate_repos`` two tools sharing a repository are one unit.

The same arithmetic gives full-time-equivalent engineer-years, FTE = cost_per_year / S,
which is what the Monte Carlo and Bayesian stages propagate.
"""

from pathlib import Path

import pandas as pd

from mcvalue.data.tables import MODES, Mode, Sample
from mcvalue.errors import DataError
from mcvalue.methods import METHODS, PAPER_SALARY_USD, PERIODS_PER_YEAR, REFERENCE_REPOS, CostingMethod

ROW_KEYS = ("unit", "reference", "cost_per_unit", "units_per_year", "cost_per_year")


def reference_mean(sample: Sample, method: CostingMethod) -> float:
    """Mean units per contributor-period in the method's reference repo (1 for contributors)."""
    if method.unit == "contributors":
        return 1.0
    repo = REFERENCE_REPOS[method.reference]
    rows = sample.contributions.loc[sample.contributions["repo"] == repo, method.unit]
    if rows.empty:
        raise DataError(f"the {sample.mode} sample has no contributor-periods of reference repo {repo}")
    return float(rows.mean())


def units_per_period(sample: Sample, unit: str) -> float:
    """Sum over repos of the mean over that repo's sampled periods of total ``unit``.

    ``unit`` is "contributors", "commits" or "lines"; empty periods count as zeros.
    """
    per_repo = sample.periods.groupby(["tool", "repo"], sort=False)[unit].mean()
    return float(per_repo.sum())


def method_fte(sample: Sample) -> dict[str, float]:
    """FTE engineer-years per costing method key (cost per year / salary).

    FTE = sum over repos of mean units per period / reference mean units per
    contributor-period; for contributors, the sum of mean active contributors.
    """
    return {m.key: units_per_period(sample, m.unit) / reference_mean(sample, m) for m in METHODS}


def table1(sample: Sample, salary: float = PAPER_SALARY_USD) -> pd.DataFrame:
    """Table 1 in the paper's row order: unit, reference, cost_per_unit, units_per_year, cost_per_year."""
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


def table1_record(sample: Sample, salary: float = PAPER_SALARY_USD) -> dict:
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


MODE_DESCRIPTIONS: dict[str, str] = {
    "paper": "the authors' flat CSV as published (numbers with thousands separators truncated), no cleaning",
    "corrected": "the raw scrape parsed with full numbers, no cleaning",
    "clean": "the raw scrape parsed with full numbers, then cleaned",
}


def reproduce(mode: Mode | None = None, data_dir: Path | None = None, salary: float = PAPER_SALARY_USD) -> dict:
    """``mcvalue reproduce``: Table 1 in one mode, or the published table beside all modes.

    With ``mode``: the :func:`table1_record` of that mode. Without: ``{"published":
    {"source": ..., "rows": [...]}, "modes": [record per mode]}``.
    """
    from mcvalue.data import load_sample

    if mode is not None:
        return table1_record(load_sample(mode, data_dir), salary)
    return {
        "published": {"source": "Langenkamp & Yue (AIES 2022), Table 1", "rows": record_rows_published()},
        "modes": [table1_record(load_sample(m, data_dir), salary) for m in MODES],
    }


def si(value: float) -> str:
    """A figure the way Table 1 prints it: two decimals with K/M/B suffix (2.43K, 300.48M)."""
    for scale, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "K")):
        if abs(value) >= scale:
            return f"{value / scale:.2f}{suffix}"
    return f"{value:.2f}"


def _describe(record: dict) -> list[str]:
    """Header lines saying which mode, options, salary and data produced a table."""
    options = " ".join(f"{k}={v}" for k, v in record["cleaning"].items())
    hashes = ", ".join(f"{name} sha256 {digest[:12]}" for name, digest in record["data_sha256"].items())
    return [
        f"mode {record['mode']}: {MODE_DESCRIPTIONS[record['mode']]}",
        f"  cleaning: {options}",
        f"  data: {hashes}",
    ]


def _frame(rows: list[dict]) -> pd.DataFrame:
    return pd.DataFrame(rows, index=[f"{r['unit']}/{r['reference']}" for r in rows])


def render(record: dict) -> str:
    """Plain aligned text for a :func:`reproduce` result (one mode, or all beside the paper)."""
    if "modes" not in record:
        table = _frame(record["rows"])[["cost_per_unit", "units_per_year", "cost_per_year"]]
        published = _frame(record_rows_published())["cost_per_year"]
        table["paper_cost_per_year"] = published
        table["vs_paper"] = (table["cost_per_year"] / published - 1).map(lambda x: f"{x:+.1%}")
        for column in ("cost_per_unit", "units_per_year", "cost_per_year", "paper_cost_per_year"):
            table[column] = table[column].map(si)
        lines = [f"Table 1 (salary ${record['salary_usd']:,.0f}, {record['periods_per_year']} periods a year)"]
        return "\n".join(lines + _describe(record) + ["", table.to_string()])
    columns = {"published": _frame(record["published"]["rows"])}
    columns.update({r["mode"]: _frame(r["rows"]) for r in record["modes"]})
    blocks = ["Table 1: the paper's published figures beside each data mode", ""]
    for r in record["modes"]:
        blocks += _describe(r)
    for quantity in ("cost_per_unit", "units_per_year", "cost_per_year"):
        block = pd.DataFrame({name: frame[quantity].map(si) for name, frame in columns.items()})
        blocks += ["", quantity, block.to_string()]
    return "\n".join(blocks)


def record_rows_published() -> list[dict]:
    """The paper's own Table 1, as printed, in the JSON row layout of :func:`table1_record`."""
    return [
        dict(zip(ROW_KEYS, (m.unit, m.reference, m.paper_cost_per_unit, m.paper_units_per_year, m.paper_cost_per_year)))
        for m in METHODS
    ]
