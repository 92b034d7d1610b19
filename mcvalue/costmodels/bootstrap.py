"""Two-stage bootstrap of the costing methods' FTE figures: the data-only cost model.

A costing method's FTE (see :mod:`mcvalue.vocab.paper`) is

    contributors:  sum over repos of (mean over the repo's periods of active contributors)
    commits/lines: sum over repos of (mean over the repo's periods of total units)
                   / (mean units per contributor-period in the reference repo)

where the reference mean is the reference repo's total units over its total
contributor-periods, both without sync accounts (their units count only in the totals:
the periods' ``sync_commits`` / ``sync_lines`` are subtracted for the reference). One bootstrap replicate resamples, with replacement,

1. the repos (sampled units: a tool and its repository, as in
   :func:`mcvalue.costmodels.table1.units_per_period`): as many as the sample has;
2. within each drawn repo, independently per draw, its periods: as many as it has;
3. the reference repo's periods, independently of stage 1 (the reference is a fixed
   choice, not a sampled repo): its contributor-periods are those of the resampled
   periods, so the reference mean is a ratio of the resampled periods' sums (a resample
   of only empty periods is redrawn: see :func:`reference_positions`).

The activity-threshold method (:mod:`mcvalue.costmodels.threshold`) is the contributors
method with each contributor-period counted as ``min(a / t, 1)``: each period carries the
sum of those fractions at every threshold of the grid, resampled like the other units
(its curve follows the five figures in each row, as in every FTE pool). A method whose
reference repo is not in the sample gets NaN (:func:`period_arrays`).

With every index at the identity the replicate is the sample's own FTE (Table 1). The
work is vectorised as index arrays of shape (replicates, repos, max periods); nothing
loops over replicates.
"""

from dataclasses import dataclass

import numpy as np

from mcvalue.costmodels.threshold import GRID, capped_fractions
from mcvalue.data.tables import Sample
from mcvalue.errors import DataError
from mcvalue.vocab.paper import METHODS, REFERENCE_REPOS

#: Per-period columns used, in this order, as the last axis of ``PeriodArrays.units``.
UNIT_COLUMNS: tuple[str, ...] = ("contributors", "commits", "lines")
#: Sync accounts' part of the commits and lines columns, subtracted for the reference mean.
SYNC_COLUMNS: tuple[str, ...] = ("sync_commits", "sync_lines")
#: Replicates computed per block (bounds the (block, repos, periods, 3) gather to ~10 MB).
CHUNK = 256


@dataclass(frozen=True)
class PeriodArrays:
    """The periods table as arrays, grouped by repo (tool and repository) for indexing.

    units:      (P, 3 + G) contributors, commits, lines per repo-period, repos contiguous,
                then the sum of min(activity / g, 1) over its contributors at each grid threshold g
    people:     (P, 3 + G) the same without sync accounts' commits and lines (reference means)
    offsets:    (R,) first row of each repo in ``units``
    sizes:      (R,) number of periods of each repo
    references: reference name -> row indices of the reference repo's periods (absent repos left out)
    slots:      (S,) the repos resampled in stage 1: every repo but reference-only units
                (:mod:`mcvalue.costmodels.references`), which only price their reference
    """

    units: np.ndarray
    people: np.ndarray
    offsets: np.ndarray
    sizes: np.ndarray
    references: dict[str, np.ndarray]
    slots: np.ndarray


def activity_column(sample: Sample) -> str:
    """Return the activity the threshold method counts: ``active_days`` where the sample has it, else ``commits``."""
    return "active_days" if "active_days" in sample.contributions.columns else "commits"


def period_threshold_sums(sample: Sample, grid: np.ndarray = GRID, activity: str | None = None) -> np.ndarray:
    """(P, G) per period (the periods table's row order): sum over its contributors of min(activity / g, 1).

    Sync accounts are left out, as from the contributor counts; ``activity`` is a column
    of the contributions (default :func:`activity_column`). Reference-only units get 0: the
    threshold method prices no reference, and their rows (e.g. the paper's scrape joined to a
    collected sample) may have no active days.
    """
    from mcvalue.costmodels.references import REFERENCE_TOOL

    keys = ["tool", "repo", "period_start", "period_end"]
    people = sample.contributions
    people = people[people["tool"] != REFERENCE_TOOL]
    if "sync" in people.columns:
        people = people[~people["sync"].to_numpy(dtype=bool)]
    index = {tuple(str(v) for v in row): i for i, row in enumerate(sample.periods[keys].itertuples(index=False))}
    rows = np.array([index[tuple(str(v) for v in row)] for row in people[keys].itertuples(index=False)], dtype=np.intp)
    fractions = capped_fractions(people[activity or activity_column(sample)].to_numpy(dtype=float), grid)
    sums = np.zeros((len(sample.periods), grid.size))
    np.add.at(sums, rows, fractions)
    return sums


def active_days_ratio(sample: Sample, grid: np.ndarray = GRID) -> np.ndarray | None:
    """(G,) the sample's threshold FTE from active days over its threshold FTE from commits, at each grid threshold.

    Each FTE is the method's point estimate on the sample: the sum over repos of the mean
    over a repo's periods of sum min(activity / g, 1). This is the factor by which the
    Bayesian cost model, which prices commits per contributor, moves its threshold curve
    to the calibration's measure on a collected sample (:func:`mcvalue.costmodels.in_active_days`).
    Only contributor-periods that record active days count (rows joined from a source
    without them, e.g. the paper's scrape, are left out of both). 1 where no such row has a
    commit; None when the sample has no ``active_days`` (the paper's). Reference-only
    units (:data:`mcvalue.costmodels.references.REFERENCE_TOOL`) are not the sample's.
    """
    if "active_days" not in sample.contributions.columns:
        return None
    from dataclasses import replace

    from mcvalue.costmodels.references import REFERENCE_TOOL

    contributions, periods = sample.contributions, sample.periods
    contributions = contributions[contributions["active_days"].notna() & (contributions["tool"] != REFERENCE_TOOL)]
    sample = replace(sample, contributions=contributions, periods=periods[periods["tool"] != REFERENCE_TOOL])
    _, repo_of = np.unique(sample.periods["repo"].to_numpy(dtype=str), return_inverse=True)
    periods_per_repo = np.bincount(repo_of)

    def fte(activity: str) -> np.ndarray:
        by_repo = np.zeros((periods_per_repo.size, np.asarray(grid).size))
        np.add.at(by_repo, repo_of, period_threshold_sums(sample, grid, activity))
        return (by_repo / periods_per_repo[:, None]).sum(axis=0)

    commits, days = fte("commits"), fte("active_days")
    ratio: np.ndarray = np.divide(days, commits, out=np.ones_like(commits), where=commits > 0)
    return ratio


def period_arrays(sample: Sample) -> PeriodArrays:
    """Arrange the sample's periods for resampling (a reference repo absent from the sample is left out of ``references``).

    A reference repo's periods are those of its reference-only unit when the sample has one
    (:data:`mcvalue.costmodels.references.REFERENCE_COLUMN`), else the sample's own.
    DataError if a reference repo is present but has no contributor.
    """
    from mcvalue.costmodels.references import REFERENCE_COLUMN

    periods = sample.periods.reset_index(drop=True)
    codes = periods.groupby(["tool", "repo"], sort=True).ngroup().to_numpy()
    order = np.argsort(codes, kind="stable")
    curve = period_threshold_sums(sample)[order]
    units = np.concatenate([periods[list(UNIT_COLUMNS)].to_numpy(dtype=float)[order], curve], axis=1)
    people = units.copy()
    people[:, 1:3] -= periods[list(SYNC_COLUMNS)].to_numpy(dtype=float)[order]
    sizes = np.bincount(codes)
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    repo = periods["repo"].to_numpy()[order]
    only = periods[REFERENCE_COLUMN].to_numpy(dtype=bool)[order] if REFERENCE_COLUMN in periods.columns else np.zeros(len(periods), bool)
    slots = np.flatnonzero(~only[offsets])
    references = {}
    for name, github in REFERENCE_REPOS.items():
        rows = np.flatnonzero((repo == github) & only)
        if rows.size == 0:
            rows = np.flatnonzero(repo == github)
        if rows.size == 0:
            continue
        if units[rows, 0].sum() == 0:
            raise DataError(f"reference repo {github} has no contributors in the {sample.mode} sample")
        references[name] = rows
    return PeriodArrays(units=units, people=people, offsets=offsets, sizes=sizes, references=references, slots=slots)


def fte_from_indices(
    arrays: PeriodArrays,
    repo_index: np.ndarray,
    period_position: np.ndarray,
    reference_position: dict[str, np.ndarray],
) -> np.ndarray:
    """FTE pool rows (the five Table 1 methods, then the threshold curve on GRID) for given resampling indices.

    repo_index:         (B, R) which repo fills each of the R slots
    period_position:    (B, R, K) position, within the slot's repo, of each resampled
                        period; only the first ``sizes[repo]`` of the K are used
    reference_position: reference name -> (B, k_ref) positions within its periods
    """
    sizes = arrays.sizes[repo_index]
    used = np.arange(period_position.shape[-1]) < sizes[..., None]
    rows = arrays.offsets[repo_index][..., None] + np.where(used, period_position, 0)
    per_repo = np.where(used[..., None], arrays.units[rows], 0.0).sum(axis=2) / sizes[..., None]
    totals = per_repo.sum(axis=1)
    reference_mean = {}
    for name, ref_rows in arrays.references.items():
        sums = arrays.people[ref_rows[reference_position[name]], :3].sum(axis=1)
        reference_mean[name] = sums[:, 1:] / sums[:, :1]
    columns = []
    for method in METHODS:  # the contributors method needs no reference
        if method.unit == "contributors":
            columns.append(totals[:, 0])
        elif method.reference not in reference_mean:
            columns.append(np.full(totals.shape[0], np.nan))
        else:
            j = UNIT_COLUMNS.index(method.unit)
            columns.append(totals[:, j] / reference_mean[method.reference][:, j - 1])
    return np.column_stack([*columns, totals[:, len(UNIT_COLUMNS):]])


def identity_indices(arrays: PeriodArrays) -> tuple[np.ndarray, np.ndarray, dict[str, np.ndarray]]:
    """Return the indices of the sample itself (one replicate): every repo (but reference-only units) and period once."""
    n_repos = arrays.slots.size
    repo_index = arrays.slots[None, :]
    period_position = np.broadcast_to(np.arange(arrays.sizes.max()), (1, n_repos, arrays.sizes.max()))
    reference_position = {name: np.arange(rows.size)[None, :] for name, rows in arrays.references.items()}
    return repo_index, period_position, reference_position


def reference_positions(active: np.ndarray, n_replicates: int, rng: np.random.Generator) -> np.ndarray:
    """(B, k) resampled positions among a reference repo's k periods, each with a contributor.

    ``active`` marks the periods with at least one contributor. A resample of only
    empty periods has no contributor-periods, so its mean units per contributor-period
    is undefined; such rows are drawn again, i.e. the bootstrap is conditioned on the
    reference mean existing (the chance is (empty share)^k, e.g. 0.4% for 1 empty
    period in 4).
    """
    k = active.size
    positions = rng.integers(0, k, size=(n_replicates, k))
    undefined = ~active[positions].any(axis=1)
    while undefined.any():
        positions[undefined] = rng.integers(0, k, size=(int(undefined.sum()), k))
        undefined = ~active[positions].any(axis=1)
    return positions


def bootstrap_fte(sample: Sample, n_replicates: int, rng: np.random.Generator) -> np.ndarray:
    """``n_replicates`` two-stage bootstrap replicates of the FTE pool rows, (B, POOL_WIDTH).

    Columns: the five Table 1 methods in METHOD_KEYS order, then the threshold curve on GRID. Positions are drawn as floor(U * size) from one uniform
    array, so every replicate costs a few array operations whatever the repos' sizes;
    the arithmetic runs in blocks of CHUNK replicates to bound memory.
    """
    arrays = period_arrays(sample)
    n_repos = arrays.slots.size
    repo_index = arrays.slots[rng.integers(0, n_repos, size=(n_replicates, n_repos))]
    uniforms = rng.random((n_replicates, n_repos, int(arrays.sizes.max())))
    period_position = np.floor(uniforms * arrays.sizes[repo_index][..., None]).astype(np.intp)
    reference_position = {
        name: reference_positions(arrays.units[rows, 0] > 0, n_replicates, rng)
        for name, rows in arrays.references.items()
    }
    chunks = [
        fte_from_indices(
            arrays,
            repo_index[start : start + CHUNK],
            period_position[start : start + CHUNK],
            {name: pos[start : start + CHUNK] for name, pos in reference_position.items()},
        )
        for start in range(0, n_replicates, CHUNK)
    ]
    return np.concatenate(chunks) if chunks else np.empty((0, len(METHODS) + GRID.size))
