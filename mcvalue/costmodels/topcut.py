"""The scrape's top-100 cut as measurement error: a fitted relation, and the FTE draws it corrects.

GitHub's contributors page lists the 100 authors with most commits of all time, so for a
repository with more authors the scrape misses everyone else and its windows are lower
bounds. The share the cut keeps was measured from git in the scrape's own windows
(``scripts/measure_topcut.py``, :mod:`mcvalue.data.topcut`); the per-repository sums and
every sampled repository's all-time author count at the scrape date ship with the package
(``mcvalue/data/topcut_repos.csv``, documented in ``results/topcut/README.md``).

The relation, per measure u (authors, commits, lines), for a repository with A all-time
authors::

    k_u = exp(-max(0, beta_u + tau_u * z) * log(A / 100)),     z ~ N(0, 1) per repository

and k_u = 1 for A <= 100: the factor by which the cut under-counts, 1/k_u, grows as a
power of A/100, continuously from 1 at the page's limit. ``beta_u`` is the least-squares
slope through the origin of ``log(1/k_u)`` on ``log(A/100)`` over the measured
repositories (windows pooled per repository), i.e. the mean of the repositories' slopes
weighted by ``log(A/100)**2``; ``tau_u`` is those slopes' weighted spread (the scatter a
new repository draws from; it includes the five windows' sampling noise, so it is wide
rather than narrow). Their uncertainty is a bootstrap over repositories, one replicate
per Monte Carlo draw. One ``z`` per repository and draw serves all three measures (a
repository with many drive-by authors loses more of every measure). A repository whose
author count is only known as a range draws it log-uniformly from that range.

The correction of a costing method's FTE (unit u, reference repository R), per draw::

    FTE_true = FTE * [sum_r U_r / k_u,r  /  sum_r U_r] * [k_u,R / k_authors,R]

where U_r is repository r's mean units per sampled window (the weights of the sum the
FTE is). The first factor restores the units the cut removed from the sample's totals;
the second corrects the reference's mean units per contributor-period, which the cut
biases upward (it removes the authors with least work): the true mean is the scrape's
times ``k_authors / k_u``. For the contributors method the unit is contributors and
there is no reference factor.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from typing import TYPE_CHECKING, Any, cast

import numpy as np
import pandas as pd

from mcvalue.errors import DataError

if TYPE_CHECKING:
    from mcvalue.data.tables import Sample

#: The three measures the cut is measured on, in the order of the relation's arrays.
MEASURES: tuple[str, ...] = ("authors", "commits", "lines")
#: How many contributors GitHub's contributors page lists.
PAGE_LIMIT = 100
#: The correction's own seed: a cached cost side must not depend on which run made it.
TOPCUT_SEED = 20220218
#: The sample's period column that carries each method's unit.
UNIT_COLUMNS: dict[str, str] = {"commits": "commits", "contributors": "contributors", "lines": "lines"}
#: The measure of the relation that corrects each unit.
UNIT_MEASURES: dict[str, str] = {"commits": "commits", "contributors": "authors", "lines": "lines"}


def repo_table() -> pd.DataFrame:
    """Read the packaged per-repository table: author counts (low, high, source) and measured sums.

    Columns: ``repo``, ``authors_low``, ``authors_high``, ``source`` (``git`` or
    ``judgement``), ``windows`` and ``<measure>`` / ``<measure>_kept`` sums over the
    measured windows (empty where the history was not measured).
    """
    with resources.files("mcvalue.data").joinpath("topcut_repos.csv").open("r", encoding="utf-8") as handle:
        return pd.read_csv(handle)


@dataclass(frozen=True)
class Relation:
    """Bootstrap replicates of the relation, one row per replicate, one column per measure.

    Attributes
    ----------
    beta, tau : numpy.ndarray
        ``(n, 3)`` mean and spread of the repositories' slopes of ``log(1/k)`` on
        ``log(A / 100)``, columns in :data:`MEASURES` order.
    repos : int
        How many repositories (with more than 100 authors) the fit used.
    """

    beta: np.ndarray
    tau: np.ndarray
    repos: int


def fit_relation(table: pd.DataFrame, n: int, rng: np.random.Generator) -> Relation:
    """Fit the relation on ``n`` bootstrap resamples of the measured repositories.

    ``table`` has ``authors_low`` (the exact count for measured repositories) and the
    ``<measure>`` / ``<measure>_kept`` sums; repositories with at most 100 authors, or
    without a commit or a readable line in their windows, are left out (the cut keeps
    all of theirs by construction, or there is nothing to measure).
    """
    usable = (table["authors_low"] > PAGE_LIMIT) & (table["source"] == "git")
    for measure in MEASURES:
        usable &= table[measure].fillna(0) > 0
    measured = table[usable]
    x = np.log(measured["authors_low"].to_numpy(dtype=float) / PAGE_LIMIT)
    y = np.stack([np.log(measured[m].to_numpy(dtype=float) / measured[f"{m}_kept"].to_numpy(dtype=float))
                  for m in MEASURES], axis=1)
    k = len(x)
    picks = rng.integers(0, k, size=(n, k))
    xs, ys = x[picks], y[picks]  # (n, k), (n, k, 3)
    weights = (xs**2)[:, :, None]
    beta = (xs[:, :, None] * ys).sum(axis=1) / weights.sum(axis=1)
    slopes = ys / xs[:, :, None]
    spread = (weights * (slopes - beta[:, None, :]) ** 2).sum(axis=1) / weights.sum(axis=1)
    return Relation(beta, np.sqrt(spread * k / max(k - 1, 1)), k)


def draw_authors(table: pd.DataFrame, repos: list[str], n: int, rng: np.random.Generator) -> np.ndarray:
    """``(n, len(repos))`` all-time author counts: exact where known, log-uniform over a stated range.

    A repository absent from ``table`` raises DataError naming it.
    """
    indexed = table.set_index("repo")
    missing = [repo for repo in repos if repo not in indexed.index]
    if missing:
        raise DataError(f"no all-time author count for {', '.join(missing)} in mcvalue/data/topcut_repos.csv")
    low = np.log(indexed.loc[repos, "authors_low"].to_numpy(dtype=float))
    high = np.log(indexed.loc[repos, "authors_high"].to_numpy(dtype=float))
    return cast(np.ndarray, np.exp(low + (high - low) * rng.random((n, len(repos)))))


def kept_shares(relation: Relation, authors: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """``(n, repos, 3)`` kept shares for author counts ``authors`` ``(n, repos)``; 1 at 100 authors or fewer."""
    z = rng.standard_normal(authors.shape)[:, :, None]
    x = np.log(np.maximum(authors, PAGE_LIMIT) / PAGE_LIMIT)[:, :, None]
    slope = np.maximum(relation.beta[:, None, :] + relation.tau[:, None, :] * z, 0.0)
    return cast(np.ndarray, np.exp(-slope * x))


def correction_factors(
    weights: pd.DataFrame, kept: np.ndarray, repos: list[str], methods: Sequence[tuple[str, str | None]]
) -> np.ndarray:
    """``(n, len(methods))`` factors by which each draw's FTE is multiplied.

    Parameters
    ----------
    weights : pandas.DataFrame
        Index: repositories; columns ``commits``, ``contributors``, ``lines``: each
        repository's mean units per sampled window.
    kept : numpy.ndarray
        ``(n, len(repos), 3)`` kept shares (:func:`kept_shares`), measures in
        :data:`MEASURES` order, repositories in ``repos`` order.
    repos : list of str
        The repositories of ``kept``: every repository of ``weights`` and the references.
    methods : list of (unit, reference repository or None)
        The costing methods, in the FTE columns' order; a method without a reference
        (the activity threshold's, as ``("commits", None)``) gets the sample's kept share alone.
    """
    where = {repo: i for i, repo in enumerate(repos)}
    rows = [where[repo] for repo in weights.index]
    factors = []
    for unit, reference in methods:
        m = MEASURES.index(UNIT_MEASURES[unit])
        units = weights[UNIT_COLUMNS[unit]].to_numpy(dtype=float)
        total = units.sum()
        numerator = (units[None, :] / kept[:, rows, m]).sum(axis=1) / total if total > 0 else np.ones(len(kept))
        if unit == "contributors" or reference is None:
            factors.append(numerator)
        else:
            r = where[reference]
            factors.append(numerator * kept[:, r, m] / kept[:, r, MEASURES.index("authors")])
    return np.stack(factors, axis=1)


#: The activity-threshold method's correction: the sample's kept share of commits, no
#: reference ratio. The cut hides each repository's least active contributors of all time,
#: and the threshold curve counts a contributor below the threshold g as C / g, in
#: proportion to commits; the contributors correction would count each as a whole head.
THRESHOLD_CORRECTION: tuple[str, None] = ("commits", None)


def window_weights(sample: Sample) -> pd.DataFrame:
    """Each repository's mean contributors, commits and lines per sampled window of ``sample`` (reference-only units left out)."""
    from mcvalue.costmodels.references import summed_periods

    return summed_periods(sample.periods).groupby("repo", sort=True)[["contributors", "commits", "lines"]].mean()


@dataclass(frozen=True)
class TopCutCorrection:
    """Multiplicative corrections of the five FTE columns, and what the report says of them."""

    factors: np.ndarray
    summary: dict[str, Any]


def topcut_correction(
    sample: Sample, n: int, seed: int = TOPCUT_SEED, scrape_references: bool = True, scrape_sample: bool = True
) -> TopCutCorrection:
    """Draw ``n`` correction factors for the six costing methods (METHOD_KEYS order) of a sample of the paper's scrape.

    Uses the packaged measurements (:func:`repo_table`), one bootstrap replicate of the
    relation per draw, author counts drawn where only a range is known, and a fixed seed
    so that a cached cost side is the same whichever run made it. ``scrape_references``
    False: the references were not read from the scrape (no reference factor).
    ``scrape_sample`` False: the sample was read from git (no cut: its factor is 1), only
    the references are the scrape's.
    """
    from mcvalue.vocab.paper import METHOD_KEYS, METHODS, REFERENCE_REPOS

    rng = np.random.default_rng(seed)
    table = repo_table()
    relation = fit_relation(table, n, rng)
    weights = window_weights(sample)
    if not scrape_sample:
        weights = weights.iloc[0:0]  # no repository of the sample is cut: every numerator is 1
    repos = sorted(set(weights.index) | set(REFERENCE_REPOS.values()))
    authors = draw_authors(table, repos, n, rng)
    kept = kept_shares(relation, authors, rng)
    methods = [(m.unit, REFERENCE_REPOS[m.reference] if scrape_references else None) for m in METHODS] + [THRESHOLD_CORRECTION]
    factors = correction_factors(weights, kept, repos, methods)
    quantiles = np.quantile(factors, [0.05, 0.5, 0.95], axis=0)
    summary = {
        "relation_repos": relation.repos,
        "seed": seed,
        "factor_q05_q50_q95": {key: [float(q) for q in quantiles[:, j]] for j, key in enumerate(METHOD_KEYS)},
    }
    return TopCutCorrection(factors, summary)
