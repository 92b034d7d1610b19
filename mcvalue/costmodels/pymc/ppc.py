"""Posterior predictive checks of the cost model.

For posterior draws we replicate the whole sample (same repos, same number of sampled
periods per repo) with :func:`mcvalue.costmodels.pymc.model.simulate_data`, and compare
three observed distributions with their replicates:

- ``contributors``: active contributors per repo-period (zeros included);
- ``commits``: commits per contributor-period;
- ``lines``: lines modified per contributor-period.

For each, the statistics T = mean, 90th and 99th percentile, and the posterior predictive
p-value ``P(T(rep) > T(obs)) + P(T(rep) = T(obs)) / 2`` (mid-p, because the counts tie).
A p-value near 0 or 1 (outside [0.05, 0.95]) says the model misses that feature of the
data; :func:`misfits` lists them in words for the fit output.

Statistics only: :func:`mcvalue.plots.ppc_ecdf` draws the replicates held here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from mcvalue.costmodels.pymc.model import ModelData, simulate_data

QUANTITIES: tuple[str, ...] = ("contributors", "commits", "lines")
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
    rep_q95, p_value.
    """

    observed: dict[str, np.ndarray]
    replicated: dict[str, list[np.ndarray]]
    table: pd.DataFrame

    def p_values(self) -> dict[str, dict[str, float]]:
        """{quantity: {statistic: p-value}}, JSON-ready."""
        return {
            q: {s: float(self.table.loc[(q, s), "p_value"]) for s in STATISTICS} for q in QUANTITIES
        }


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


def posterior_predictive(
    params: dict[str, np.ndarray], data: ModelData, n_replicates: int, rng: np.random.Generator
) -> PosteriorPredictive:
    """Replicate the sample for ``n_replicates`` posterior draws chosen at random.

    ``params`` is :func:`mcvalue.costmodels.pymc.model.repo_params` output over all draws.
    """
    n_draws = params["mu"].shape[0]
    chosen = rng.choice(n_draws, size=min(n_replicates, n_draws), replace=False)
    replicated: dict[str, list[np.ndarray]] = {q: [] for q in QUANTITIES}
    for d in chosen:
        one = {k: v[d] for k, v in params.items()}
        n, _, commits, lines = simulate_data(one, data.period_repo, rng)
        for q, arr in zip(QUANTITIES, (n, commits, lines), strict=False):
            replicated[q].append(np.asarray(arr, dtype=float))
    observed = observed_arrays(data)
    return PosteriorPredictive(observed, replicated, p_value_table(observed, replicated))


def p_value_table(observed: dict[str, np.ndarray], replicated: dict[str, list[np.ndarray]]) -> pd.DataFrame:
    """Return the (quantity, statistic) table of observed vs replicated statistics and mid-p-values."""
    rows = []
    for q in QUANTITIES:
        for s in STATISTICS:
            obs = statistic(observed[q], s)
            rep = np.array([statistic(r, s) for r in replicated[q]])
            rep = rep[np.isfinite(rep)]
            p = float(np.mean(rep > obs) + 0.5 * np.mean(rep == obs)) if rep.size else float("nan")
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
    return pd.DataFrame(rows).set_index(["quantity", "statistic"])


def misfits(table: pd.DataFrame, band: tuple[float, float] = MISFIT_BAND) -> list[str]:
    """Sentences naming every statistic whose p-value lies outside ``band``."""
    out = []
    for (q, s), row in table.iterrows():
        p = row["p_value"]
        if np.isfinite(p) and not band[0] <= p <= band[1]:
            side = "over" if p > band[1] else "under"
            out.append(
                f"{LABELS[q]}: the model {side}-predicts the {s} "
                f"(observed {row['observed']:.4g}, replicated 90% range "
                f"{row['rep_q05']:.4g}-{row['rep_q95']:.4g}, p = {p:.3f})"
            )
    return out
