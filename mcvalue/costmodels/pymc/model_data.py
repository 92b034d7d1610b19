"""The sample reduced to what the cost model's likelihoods need: :class:`ModelData` and its construction.

Separate from the model's definition (:mod:`mcvalue.costmodels.pymc.model`) because it is
plain data handling (numpy and pandas, no PyMC): the tidy tables of a sample become each
window's repo, date and contributor count and each contributor-period's units; the
calibration and the tests build it from simulated data as well.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, cast

import numpy as np

from mcvalue.costmodels.pymc.model import TIME_ORIGIN
from mcvalue.errors import DataError

if TYPE_CHECKING:
    import pandas as pd

    from mcvalue.data.tables import Sample


@dataclass(frozen=True)
class ModelData:
    """The sample reduced to what the likelihood needs, plus raw rows for model checking.

    A "repo" r is a sampled unit, a tool and its GitHub repository, as in Table 1 (two tools
    sharing a repository are two units unless the cleaning merged them).

    repos:            label of each unit (the GitHub repo, plus the tool if it is shared)
    unit_repos:       GitHub "owner/name" of each unit (used to find the reference repos)
    period_repo:      (P,) unit index of each sampled repo-period (a window)
    period_contributors: (P,) active contributors in it (zeros included, sync accounts not)
    period_time:      (P,) the window's midpoint in decimal years
    contrib_period:   (N,) window index of each contributor-period (sync accounts excluded)
    contrib_commits, contrib_lines: (N,) its commits and lines (lines as float: integers in
        real data, continuous in simulated data)
    period_sync_commits, period_sync_lines: (P,) the sync accounts' units in each window
        (zeros when there are none)
    reference_only:   (R,) True for a unit that only prices a reference (fitted, left out of the
        FTE sums; :mod:`mcvalue.costmodels.references`); empty when there is none
    """

    repos: tuple[str, ...]
    unit_repos: tuple[str, ...]
    period_repo: np.ndarray
    period_contributors: np.ndarray
    period_time: np.ndarray
    contrib_period: np.ndarray
    contrib_commits: np.ndarray
    contrib_lines: np.ndarray
    period_sync_commits: np.ndarray = field(default_factory=lambda: np.zeros(0))
    period_sync_lines: np.ndarray = field(default_factory=lambda: np.zeros(0))
    reference_only: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=bool))

    @property
    def n_repos(self) -> int:
        """Number of units R."""
        return len(self.repos)

    @property
    def contrib_repo(self) -> np.ndarray:
        """(N,) unit index of each contributor-period."""
        return cast(np.ndarray, self.period_repo[self.contrib_period])

    def sync_units(self, unit: str) -> np.ndarray:
        """(P,) the sync accounts' units per window (zeros if none were given)."""
        values = {"commits": self.period_sync_commits, "lines": self.period_sync_lines}.get(unit)
        if values is None or values.size == 0:
            return np.zeros(self.period_repo.size)
        return np.asarray(values, dtype=float)

    def sync_per_period(self, unit: str) -> np.ndarray:
        """(R,) each repo's observed mean sync units per sampled period (what the FTE numerator adds)."""
        counts = np.bincount(self.period_repo, minlength=self.n_repos)
        return np.bincount(self.period_repo, weights=self.sync_units(unit), minlength=self.n_repos) / np.maximum(counts, 1)

    @property
    def summed(self) -> np.ndarray:
        """(R,) 1.0 for a unit whose units the FTE sums, 0.0 for a reference-only unit."""
        if self.reference_only.size == 0:
            return np.ones(self.n_repos)
        return (~np.asarray(self.reference_only, dtype=bool)).astype(float)

    def reference_unit(self, repo: str) -> int | None:
        """Return the unit pricing reference ``repo``: its reference-only unit if any, else the sample's own, else None."""
        units = [i for i, name in enumerate(self.unit_repos) if name == repo]
        only = [i for i in units if self.summed[i] == 0.0]
        found = only or units
        return found[0] if found else None

    def digest(self) -> str:
        """sha256 of the arrays and unit names: identifies the cleaned data in cache keys."""
        h = hashlib.sha256(json.dumps([list(self.repos), list(self.unit_repos)]).encode())
        if self.reference_only.any():
            h.update(np.ascontiguousarray(self.reference_only, dtype=np.int64).tobytes())
        for arr in (self.period_repo, self.period_contributors, self.contrib_period, self.contrib_commits):
            h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        for arr in (self.period_time, self.contrib_lines, self.sync_units("commits"), self.sync_units("lines")):
            h.update(np.ascontiguousarray(arr, dtype=np.float64).tobytes())
        return h.hexdigest()


def decimal_year(dates: pd.Series) -> np.ndarray:
    """Decimal years of timestamps (NaT -> NaN), e.g. 2020-07-02 -> ~2020.5."""
    import pandas as pd  # off the import path of a run whose cost side comes from its cache

    dates = pd.to_datetime(dates)
    start = pd.to_datetime(dates.dt.year.astype("Int64").astype(str) + "-01-01", errors="coerce")
    days = np.where(dates.dt.is_leap_year, 366.0, 365.0)
    return cast(np.ndarray, (dates.dt.year + (dates - start).dt.total_seconds() / 86400.0 / days).to_numpy(dtype=float))


def window_midpoints(periods: pd.DataFrame) -> np.ndarray:
    """(P,) each window's midpoint in decimal years.

    A window without dates (paper mode lists empty windows without them) gets the mean
    midpoint of its repo's dated windows, or the sample's mean if the repo has none.
    """
    import pandas as pd

    mid = (decimal_year(periods["period_start"]) + decimal_year(periods["period_end"])) / 2.0
    frame = pd.DataFrame({"repo": periods["repo"].to_numpy(), "mid": mid})
    filled = frame["mid"].fillna(frame.groupby("repo")["mid"].transform("mean"))
    overall = float(np.nanmean(mid)) if np.isfinite(mid).any() else TIME_ORIGIN
    return cast(np.ndarray, filled.fillna(overall).to_numpy(dtype=float))


def _column(frame: pd.DataFrame, name: str, dtype: type) -> np.ndarray:
    """Return a column as an array, or zeros when the data layer does not provide it."""
    if name in frame.columns:
        return cast(np.ndarray, frame[name].to_numpy(dtype=dtype))
    return np.zeros(len(frame), dtype=dtype)


def model_data_from_tables(periods: pd.DataFrame, contributions: pd.DataFrame) -> ModelData:
    """Build :class:`ModelData` from the tidy tables of :class:`mcvalue.data.tables.Sample`.

    Units are (tool, repo) pairs of the periods table; a contributor-period belongs to the
    window of its (tool, repo, period_start, period_end). Rows with ``sync`` True (missing
    column: none) are left out of the contributor-period arrays; the periods' ``sync_commits``
    and ``sync_lines`` (missing: zeros) carry their units. Raises DataError if a
    contributor-period has no commit, negative lines, or no sampled window.
    """
    from mcvalue.costmodels.references import REFERENCE_TOOL

    units = sorted(set(zip(periods["tool"], periods["repo"], strict=False)), key=lambda u: (u[1], u[0]))
    shared = {repo for _, repo in units if sum(r == repo for _, r in units) > 1}
    labels = tuple(f"{repo} ({tool})" if repo in shared or tool == REFERENCE_TOOL else repo for tool, repo in units)
    index = {u: i for i, u in enumerate(units)}
    contributions = contributions[~_column(contributions, "sync", bool)]
    window_key = ["tool", "repo", "period_start", "period_end"]
    windows = {tuple(str(v) for v in row): i for i, row in enumerate(periods[window_key].itertuples(index=False))}
    contrib_keys = [tuple(str(v) for v in row) for row in contributions[window_key].itertuples(index=False)]
    unknown = sorted({f"{k[0]}/{k[1]} {k[2]}" for k in contrib_keys if k not in windows})
    if unknown:
        raise DataError(f"contributions name windows with no sampled period: {', '.join(unknown[:5])}")
    commits = contributions["commits"].to_numpy(dtype=np.int64)
    lines = contributions["lines"].to_numpy(dtype=np.float64)
    if (commits < 1).any():
        raise DataError(f"{int((commits < 1).sum())} contributor-periods have no commit; the cost model needs >= 1")
    if (lines < 0).any():
        raise DataError(f"{int((lines < 0).sum())} contributor-periods have negative lines")
    return ModelData(
        repos=labels,
        unit_repos=tuple(repo for _, repo in units),
        period_repo=np.array([index[u] for u in zip(periods["tool"], periods["repo"], strict=False)], dtype=np.int64),
        period_contributors=periods["contributors"].to_numpy(dtype=np.int64),
        period_time=window_midpoints(periods),
        contrib_period=np.array([windows[k] for k in contrib_keys], dtype=np.int64),
        contrib_commits=commits,
        contrib_lines=lines,
        period_sync_commits=_column(periods, "sync_commits", float),
        period_sync_lines=_column(periods, "sync_lines", float),
        reference_only=np.array([tool == REFERENCE_TOOL for tool, _ in units], dtype=bool),
    )


def model_data_from_sample(sample: Sample) -> ModelData:
    """:func:`model_data_from_tables` on a loaded sample."""
    return model_data_from_tables(sample.periods, sample.contributions)


def active_windows(data: ModelData) -> tuple[np.ndarray, np.ndarray]:
    """Windows with at least one contributor-period, and each contributor-period's index among them.

    Returns (windows (W,) period indices, contrib_window (N,) indices into them).
    """
    windows, contrib_window = np.unique(data.contrib_period, return_inverse=True)
    return windows, contrib_window
