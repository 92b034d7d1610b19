"""Posterior predictive checks of the cost model.

For posterior draws we replicate the whole sample (same repos, same number of sampled
periods per repo) with :func:`mcvalue.costmodels.pymc.replicate.simulate_data`, and compare
three observed distributions with their replicates:

- ``contributors``: active contributors per repo-period (zeros included);
- ``commits``: commits per contributor-period;
- ``lines``: lines modified per contributor-period.

For each, the statistics T = mean, 90th and 99th percentile, and the posterior predictive
p-value ``P(T(rep) > T(obs)) + P(T(rep) = T(obs)) / 2`` (mid-p, because the counts tie).
A p-value near 0 or 1 (outside [0.05, 0.95]) says the model misses that feature of the
data; :func:`misfits` lists them in words for the fit output.

The costing itself is checked by its own statistic: for every Table 1 method, the
Table-1 FTE (:func:`table1_statistic`: sum over repos of mean units per sampled period,
sync units included, / the reference repo's mean units per contributor-period) of each
replicate against the observed one. Replicates draw new window effects, so a reference
repo whose windows differ more than the model allows, or a single row that swings its
mean, shows as an extreme p-value here (:func:`table1_misfits`).

Statistics only: :func:`mcvalue.plots.charts.ppc_ecdf` draws the replicates held here.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np

from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.pymc.replicate import simulate_data
from mcvalue.fmt import ratio
from mcvalue.vocab.paper import METHODS, REFERENCE_REPOS, TABLE1_KEYS

if TYPE_CHECKING:
    import pandas as pd

QUANTITIES: tuple[str, ...] = ("contributors", "commits", "lines")
#: The key of the Table-1 FTE statistics in the observed and replicated arrays.
TABLE1 = "table1"
STATISTICS: tuple[str, ...] = ("mean", "q90", "q99")
#: p-values outside this band are reported as misfits.
MISFIT_BAND: tuple[float, float] = (0.05, 0.95)

#: What each checked quantity is, for sentences and axis labels.
LABELS: dict[str, str] = {
    "contributors": "active contributors per repo-period",
    "commits": "commits per contributor-period",
    "lines": "lines modified per contributor-period",
}


@dataclass(frozen=True)
class PosteriorPredictive:
    """Observed arrays, replicated arrays (one per posterior draw used) and the p-value table.

    table: one row per (quantity, statistic) with columns observed, rep_median, rep_q05,
    rep_q95, p_value. ``observed["table1"]`` and ``replicated["table1"]`` hold the five
    Table-1 FTE statistics (TABLE1_KEYS order) when the check had a sample design.
    """

    observed: dict[str, np.ndarray]
    replicated: dict[str, list[np.ndarray]]

    @classmethod
    def from_arrays(cls, observed: dict[str, np.ndarray], replicated: dict[str, list[np.ndarray]]) -> PosteriorPredictive:
        """Build the check from observed and replicated arrays (the p-value table is made when first read)."""
        return cls(observed, replicated)

    @cached_property
    def table(self) -> pd.DataFrame:
        """The p-value table, made on first use: a run whose cost side comes from its cache never needs it (nor pandas)."""
        return p_value_table(self.observed, self.replicated)

    def p_values(self) -> dict[str, dict[str, float]]:
        """{quantity: {statistic: p-value}}, JSON-ready; ``"table1"``: {method: p-value}."""
        out = {q: {s: float(self.table.loc[(q, s), "p_value"]) for s in STATISTICS} for q in QUANTITIES}
        if TABLE1 in self.observed:
            out[TABLE1] = {k: float(v) for k, v in table1_table(self.observed, self.replicated)["p_value"].items()}
        return out

    def misfits(self) -> list[str]:
        """Sentences naming every misfit of the distributions and of the Table-1 statistic."""
        table1 = table1_misfits(table1_table(self.observed, self.replicated)) if TABLE1 in self.observed else []
        return misfits(self.table) + table1


def statistic(values: np.ndarray, name: str) -> float:
    """One test statistic of a 1-d array: mean, q90 or q99 (NaN for an empty array)."""
    if values.size == 0:
        return float("nan")
    if name == "mean":
        return float(values.mean())
    return float(np.quantile(values, {"q90": 0.9, "q99": 0.99}[name]))


def observed_arrays(data: ModelData) -> dict[str, np.ndarray]:
    """Return the three observed distributions of the module docstring."""
    return {
        "contributors": data.period_contributors.astype(float),
        "commits": data.contrib_commits.astype(float),
        "lines": data.contrib_lines.astype(float),
    }


def table1_statistic(
    data: ModelData, period_contributors: np.ndarray, contrib_period: np.ndarray, contrib_commits: np.ndarray, contrib_lines: np.ndarray
) -> np.ndarray:
    """(5,) Table 1's FTE per method (TABLE1_KEYS order) of one dataset on ``data``'s design.

    Sum over repos of the mean over its sampled periods of units per period (the sync
    units of ``data`` added for commits and lines) / the mean units per contributor-period
    of the reference's unit (:meth:`ModelData.reference_unit`); for contributors, the sum of
    mean contributors per period. Reference-only units are left out of the sums. NaN for a
    method whose reference repo has no contributor-period.
    """
    n_repos, period_repo = data.n_repos, data.period_repo
    counts = np.maximum(np.bincount(period_repo, minlength=n_repos), 1)
    rows = {"commits": np.asarray(contrib_commits, dtype=float), "lines": np.asarray(contrib_lines, dtype=float)}
    row_repo = period_repo[np.asarray(contrib_period, dtype=np.int64)]
    out = np.full(len(METHODS), np.nan)
    for j, method in enumerate(METHODS):
        if method.unit == "contributors":
            out[j] = float(np.sum(np.bincount(period_repo, weights=period_contributors, minlength=n_repos) / counts * data.summed))
            continue
        per_period = np.bincount(row_repo, weights=rows[method.unit], minlength=n_repos) + np.bincount(
            period_repo, weights=data.sync_units(method.unit), minlength=n_repos
        )
        ref = data.reference_unit(REFERENCE_REPOS[method.reference])
        ref_rows = rows[method.unit][row_repo == ref] if ref is not None else np.zeros(0)
        if ref_rows.size and ref_rows.mean() > 0:
            out[j] = float(np.sum(per_period / counts * data.summed)) / float(ref_rows.mean())
    return out


def posterior_predictive(
    params: dict[str, np.ndarray], data: ModelData, n_replicates: int, rng: np.random.Generator
) -> PosteriorPredictive:
    """Replicate the sample for ``n_replicates`` posterior draws chosen at random.

    ``params`` is :func:`mcvalue.costmodels.pymc.derived.repo_params` output over all draws.
    """
    n_draws = params["contrib_log_mean"].shape[0]
    chosen = rng.choice(n_draws, size=min(n_replicates, n_draws), replace=False)
    replicated: dict[str, list[np.ndarray]] = {q: [] for q in (*QUANTITIES, TABLE1)}
    for d in chosen:
        one = {k: v[d] for k, v in params.items()}
        n, period, commits, lines = simulate_data(one, data, rng)
        for q, arr in zip(QUANTITIES, (n, commits, lines), strict=False):
            replicated[q].append(np.asarray(arr, dtype=float))
        replicated[TABLE1].append(table1_statistic(data, n, period, commits, lines))
    observed = observed_arrays(data)
    observed[TABLE1] = table1_statistic(data, data.period_contributors, data.contrib_period, data.contrib_commits, data.contrib_lines)
    return PosteriorPredictive.from_arrays(observed, replicated)


def p_value_table(observed: dict[str, np.ndarray], replicated: dict[str, list[np.ndarray]]) -> pd.DataFrame:
    """Return the (quantity, statistic) table of observed vs replicated statistics and mid-p-values."""
    rows = []
    for q in QUANTITIES:
        for s in STATISTICS:
            obs = statistic(observed[q], s)
            rep = np.array([statistic(r, s) for r in replicated[q]])
            p = _mid_p(obs, rep)
            rep = rep[np.isfinite(rep)]
            rows.append(
                {
                    "quantity": q,
                    "statistic": s,
                    "observed": obs,
                    "rep_median": float(np.median(rep)) if rep.size else float("nan"),
                    "rep_q05": float(np.quantile(rep, 0.05)) if rep.size else float("nan"),
                    "rep_q95": float(np.quantile(rep, 0.95)) if rep.size else float("nan"),
                    "p_value": p,
                }
            )
    import pandas as pd

    return pd.DataFrame(rows).set_index(["quantity", "statistic"])


def _mid_p(observed: float, replicated: np.ndarray) -> float:
    """Mid-p-value ``P(rep > obs) + P(rep = obs) / 2`` over the finite replicates (NaN if none)."""
    rep = replicated[np.isfinite(replicated)]
    if not rep.size or not np.isfinite(observed):
        return float("nan")
    return float(np.mean(rep > observed) + 0.5 * np.mean(rep == observed))


def table1_table(observed: dict[str, np.ndarray], replicated: dict[str, list[np.ndarray]]) -> pd.DataFrame:
    """Per method: observed Table-1 FTE, replicates' median and 90% range, and the mid-p-value."""
    obs = np.asarray(observed[TABLE1], dtype=float)
    reps = np.array(replicated[TABLE1], dtype=float).reshape(-1, obs.size)
    rows = []
    for j, key in enumerate(TABLE1_KEYS):
        col = reps[:, j][np.isfinite(reps[:, j])]
        q05, med, q95 = np.quantile(col, [0.05, 0.5, 0.95]) if col.size else (np.nan,) * 3
        rows.append({"method": key, "observed": float(obs[j]), "rep_median": float(med), "rep_q05": float(q05),
                     "rep_q95": float(q95), "p_value": _mid_p(float(obs[j]), reps[:, j])})
    import pandas as pd

    return pd.DataFrame(rows).set_index("method")


def table1_misfits(table: pd.DataFrame, band: tuple[float, float] = MISFIT_BAND) -> list[str]:
    """Sentences naming every method whose observed Table-1 FTE is extreme among the replicates."""
    out = []
    for key, row in table.iterrows():
        p = row["p_value"]
        if np.isfinite(p) and not band[0] <= p <= band[1]:
            out.append(
                f"Table-1 FTE of {key}: observed {row['observed']:.4g}, replicated 90% range "
                f"{row['rep_q05']:.4g}-{row['rep_q95']:.4g} (p = {p:.3f}); the model does not reproduce the costing statistic"
            )
    return out


def misfits(table: pd.DataFrame, band: tuple[float, float] = MISFIT_BAND) -> list[str]:
    """Sentences naming every statistic whose p-value lies outside ``band``."""
    out = []
    for (q, s), row in table.iterrows():
        p = row["p_value"]
        if np.isfinite(p) and not band[0] <= p <= band[1]:
            side = "over" if p > band[1] else "under"
            out.append(
                f"{LABELS[q]}: the model {side}-predicts the {s} "
                f"(observed {ratio(row['observed'], 4)}, replicated 90% range "
                f"{ratio(row['rep_q05'], 4)}-{ratio(row['rep_q95'], 4)}, p = {p:.3f})"
            )
    return out
