"""Convergence checks of a fitted cost model, over every parameter of the model.

Rank-normalised R-hat <= 1.01 (NaN fails), bulk and tail ESS >= 400, no divergent
transition, E-BFMI >= 0.3 in every chain, no draw at the maximum tree depth.
:func:`convergence_diagnostics` returns them with the worst offender;
:func:`convergence_message` is the one line a failed fit ends in, and
:func:`convergence_failure` the sentence reports carry for a fit run anyway.

R-hat and ESS are ArviZ's definitions (Vehtari et al. 2021, "Rank-normalization, folding,
and localization"), computed here for all ~1,500 parameter elements at once:
``arviz.rhat``/``arviz.ess`` loop over elements in Python at ~2 ms per element and figure,
~10 s per fit, a sixth of the 60 s budget of a cold ``mcvalue run``. The tests check
these functions against ArviZ's to 1e-10 and against the closed-form ESS of an AR(1)
chain.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any, cast

import numpy as np
from scipy import special

from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, WINDOW_EFFECTS

if TYPE_CHECKING:
    from xarray import Dataset, DataTree

MAX_RHAT = 1.01
MIN_ESS = 400.0
MIN_BFMI = 0.3
#: nutpie's per-draw flag of a trajectory cut at the maximum tree depth.
TREEDEPTH_STAT = "maxdepth_reached"
#: The same flag from PyMC's own NUTS (``SamplerSettings(nuts="pymc")``).
PYMC_TREEDEPTH_STAT = "reached_max_treedepth"
#: Quantiles whose ESS is the tail ESS: ArviZ 1's default, the ends of its 89% interval
#: (Vehtari et al. 2021 and Stan use 5% and 95%; with those the default fit's smallest tail
#: ESS is 551 instead of 854, and one seed in five falls under 400).
TAIL_PROBS = (0.11, 0.89)

#: Elements per block in :func:`element_figures`: 64 x 4 chains x 2,000 draws is 4 MB a copy.
ELEMENT_BLOCK = 64


def convergence_diagnostics(idata: DataTree) -> dict[str, Any]:
    """Return the issue's convergence figures over every parameter, and the worst offender.

    ``worst`` is the parameter/figure pair furthest past (or, if all pass, nearest to) its
    threshold, measured as a ratio to the threshold.
    """
    import arviz as az

    labels, draws = parameter_draws(idata)
    figures = element_figures(draws)
    stats = idata.sample_stats
    divergences = int(stats["diverging"].values.sum())
    treedepth_hits = _treedepth_hits(stats)
    bfmi = np.asarray(az.bfmi(idata)["energy"].values, dtype=float)
    badness = []  # (ratio past threshold: > 1 fails, label, figure, value, threshold)
    for label, value in zip(labels, figures["r_hat"].tolist(), strict=True):
        ratio = np.inf if not np.isfinite(value) else (value - 1.0) / (MAX_RHAT - 1.0)
        badness.append((ratio, label, "r_hat", value, MAX_RHAT))
    for fig in ("ess_bulk", "ess_tail"):
        for label, value in zip(labels, figures[fig].tolist(), strict=True):
            ratio = np.inf if not np.isfinite(value) else MIN_ESS / max(value, 1e-12)
            badness.append((ratio, label, fig, value, MIN_ESS))
    for chain, value in enumerate(bfmi):
        badness.append((MIN_BFMI / max(value, 1e-12), f"chain {chain}", "e_bfmi", float(value), MIN_BFMI))
    if divergences:
        badness.append((np.inf, "sampler", "divergences", float(divergences), 0.0))
    if treedepth_hits is None:  # a trace that does not say cannot pass the check
        badness.append((np.inf, "sampler", "max_treedepth_hits", float("nan"), 0.0))
    elif treedepth_hits:
        badness.append((np.inf, "sampler", "max_treedepth_hits", float(treedepth_hits), 0.0))
    ratio, label, fig, value, threshold = max(badness, key=lambda b: b[0])
    converged = not any(b[0] > 1.0 for b in badness)
    return {
        # NumPy's max and min return NaN if any value is NaN: a NaN R-hat must show, not vanish
        "max_rhat": float(figures["r_hat"].max()),
        "min_ess_bulk": float(figures["ess_bulk"].min()),
        "min_ess_tail": float(figures["ess_tail"].min()),
        "divergences": divergences,
        "min_bfmi": float(bfmi.min()),
        "max_treedepth_hits": treedepth_hits,
        "converged": converged,
        "worst": {"parameter": label, "figure": fig, "value": float(value), "threshold": threshold},
    }


def _treedepth_hits(stats: Dataset) -> int | None:
    """Count the draws at the maximum tree depth, under nutpie's or PyMC's name; None if the trace has neither."""
    for name in (TREEDEPTH_STAT, PYMC_TREEDEPTH_STAT):
        if name in stats:
            return int(stats[name].values.sum())
    return None


def worst_figure(worst: dict[str, Any]) -> str:
    """Say which parameter's figure is nearest (or past) its threshold, e.g. "x has r_hat = 1.31 (threshold 1.01)"."""
    return f"{worst['parameter']} has {worst['figure']} = {worst['value']:.4g} (threshold {worst['threshold']:g})"


def convergence_message(diagnostics: dict[str, Any]) -> str:
    """One line naming the worst parameter and figure of a failed fit (the error of ``mcvalue fit`` and ``run``)."""
    return (
        f"the cost model did not converge: {worst_figure(diagnostics['worst'])}; its FTE draws are unreliable: "
        "pass --allow-unconverged to run on with the failure recorded"
    )


def parameter_draws(idata: DataTree) -> tuple[list[str], np.ndarray]:
    """Every checked parameter element's draws as one (element, chain, draw) array, with labels.

    Labels are ``name`` for scalars and ``name[coord]`` for vector elements, in the order of
    :data:`HYPERPARAMETERS`, :data:`REPO_EFFECTS` and :data:`WINDOW_EFFECTS`.
    """
    labels: list[str] = []
    blocks: list[np.ndarray] = []
    for name in HYPERPARAMETERS + REPO_EFFECTS + WINDOW_EFFECTS:
        da = idata.posterior[name]
        values = np.asarray(da.values, dtype=float)
        if da.ndim == 2:
            labels.append(name)
            blocks.append(values[None])
            continue
        labels.extend(f"{name}[{coord}]" for coord in da[da.dims[2]].values)
        blocks.append(np.moveaxis(values, 2, 0))
    return labels, np.ascontiguousarray(np.concatenate(blocks, axis=0))


def element_figures(draws: np.ndarray, threads: int = 2, block_size: int = ELEMENT_BLOCK) -> dict[str, np.ndarray]:
    """R-hat, bulk ESS and tail ESS of each element of (element, chain, draw) draws.

    Elements are independent, so they are computed in blocks of ``block_size`` elements by
    ``threads`` threads (NumPy releases the GIL in sorts, FFTs and reductions: 1.9 s instead
    of 4.0 s for the real fit's 1,527 elements on 2 cores). Small blocks bound the
    temporaries (split chains, ranks, padded FFTs: about ten copies of a block) to a few MB
    a thread; the real fit's draws in two halves made them 650 MB, the cold run's peak
    memory. The figures are the same whatever the blocks.
    """
    step = max(1, block_size)

    def figures(start: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        block = draws[start : start + step]
        return rank_normalised_rhat(block), ess_bulk(block), ess_tail(block)

    with ThreadPoolExecutor(max(1, threads)) as pool:
        per_block = list(pool.map(figures, range(0, draws.shape[0], step)))
    empty = np.empty(0)
    return {name: np.concatenate([b[i] for b in per_block] or [empty]) for i, name in enumerate(("r_hat", "ess_bulk", "ess_tail"))}


def rank_normalised_rhat(draws: np.ndarray) -> np.ndarray:
    """Rank-normalised split R-hat of each element of (element, chain, draw) draws.

    The larger of the bulk R-hat (split chains, ranks z-transformed) and the tail R-hat (the
    same of the distances from the median), as ArviZ's ``rhat(method="rank")``. NaN for an
    element with a NaN draw, constant draws, fewer than 2 chains or 4 draws, so that it
    fails the check.
    """
    if _too_few(draws, min_chains=2):
        return np.full(draws.shape[0], np.nan)
    split = _split_chains(draws)
    bulk = _rhat(_z_scale(split))
    tail = _rhat(_z_scale(np.abs(split - np.median(split, axis=(1, 2), keepdims=True))))
    out = np.maximum(bulk, tail)  # NaN-propagating, unlike max()
    return _nan_where_nan(out, draws)


def ess_bulk(draws: np.ndarray) -> np.ndarray:
    """Bulk effective sample size of each element: ESS of the rank-normalised split chains."""
    if _too_few(draws, min_chains=1):
        return np.full(draws.shape[0], np.nan)
    return _nan_where_nan(_ess(_z_scale(_split_chains(draws))), draws)


def ess_tail(draws: np.ndarray, probs: tuple[float, float] = TAIL_PROBS) -> np.ndarray:
    """Tail effective sample size of each element: the smaller ESS of two tail quantiles.

    The ESS of a quantile is that of the indicator draw <= quantile over split chains.
    """
    if _too_few(draws, min_chains=1):
        return np.full(draws.shape[0], np.nan)
    per_quantile = []
    for prob in probs:
        below = (draws <= np.quantile(draws, prob, axis=(1, 2), keepdims=True)).astype(float)
        per_quantile.append(_ess(_split_chains(below)))
    return _nan_where_nan(np.minimum(*per_quantile), draws)


def _too_few(draws: np.ndarray, min_chains: int) -> bool:
    """Whether there are too few chains or draws (fewer than 4) for the figure, which is then NaN."""
    return bool(draws.shape[1] < min_chains or draws.shape[2] < 4)


def _nan_where_nan(figures: np.ndarray, draws: np.ndarray) -> np.ndarray:
    """Set the figures of every element with a NaN draw to NaN."""
    figures[np.isnan(draws).any(axis=(1, 2))] = np.nan
    return figures


def _split_chains(draws: np.ndarray) -> np.ndarray:
    """Each chain's first and last halves as separate chains (a middle draw of an odd count is dropped)."""
    half = draws.shape[2] // 2
    return np.concatenate([draws[:, :, :half], draws[:, :, draws.shape[2] - half :]], axis=1)


def _z_scale(draws: np.ndarray) -> np.ndarray:
    """Return the normal scores of each element's pooled ranks: Phi^-1((rank - 3/8) / (n + 1/4)) (Blom 1958).

    Ties get their average rank, a multiple of 1/2, so the scores are looked up in a table
    of Phi^-1 at every half rank instead of computed for each draw.
    """
    elements, chains, n_draws = draws.shape
    size = chains * n_draws
    half_ranks = np.arange(2 * size + 1) / 2
    scores = special.ndtri((half_ranks - 3 / 8) / (size - 2 * 3 / 8 + 1))
    twice_ranks = _twice_average_ranks(draws.reshape(elements, size))
    return cast(np.ndarray, scores[twice_ranks].reshape(draws.shape))


def _twice_average_ranks(values: np.ndarray) -> np.ndarray:
    """Twice the 1-based rank of each value in its row, ties averaged (an integer array)."""
    rows, size = values.shape
    order = np.argsort(values, axis=1)  # the order among ties does not matter: they share a rank
    ordered = np.take_along_axis(values, order, axis=1)
    position = np.broadcast_to(np.arange(size), (rows, size))
    starts = np.ones((rows, size), dtype=bool)
    starts[:, 1:] = ordered[:, 1:] != ordered[:, :-1]
    if starts.all():  # no ties (continuous draws): the rank is the position
        sorted_twice = 2 * position + 2
    else:
        ends = np.ones((rows, size), dtype=bool)
        ends[:, :-1] = starts[:, 1:]
        first = np.maximum.accumulate(np.where(starts, position, 0), axis=1)
        last = np.minimum.accumulate(np.where(ends, position, size)[:, ::-1], axis=1)[:, ::-1]
        sorted_twice = first + last + 2
    twice = np.empty((rows, size), dtype=np.intp)
    np.put_along_axis(twice, order, sorted_twice, axis=1)
    return twice


def _rhat(draws: np.ndarray) -> np.ndarray:
    """Gelman-Rubin R-hat of each element from between- and within-chain variances."""
    n_draws = draws.shape[2]
    between = n_draws * draws.mean(axis=2).var(axis=1, ddof=1)
    within = draws.var(axis=2, ddof=1).mean(axis=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        return cast(np.ndarray, np.sqrt((between / within + n_draws - 1) / n_draws))


def _ess(draws: np.ndarray) -> np.ndarray:
    """Effective sample size of each element by Geyer's initial monotone sequence, as ArviZ.

    Autocorrelations are summed in pairs (lags 2k, 2k + 1) up to the first pair whose sum is
    not positive, after making the pair sums non-increasing; the lag of that pair's even
    term counts if positive. tau is floored at 1 / log10(draws). Constant elements get the
    number of draws.
    """
    from arviz_stats.base.array import array_stats

    elements, chains, n_draws = draws.shape
    size = chains * n_draws
    acov = array_stats.autocov(draws, axis=2)
    mean_var = acov[:, :, 0].mean(axis=1) * n_draws / (n_draws - 1.0)
    var_plus = mean_var * (n_draws - 1.0) / n_draws
    if chains > 1:
        var_plus = var_plus + draws.mean(axis=2).var(axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        rho = 1.0 - (mean_var[:, None] - acov.mean(axis=1)) / var_plus[:, None]  # (element, lag)
    rho[:, 0] = 1.0
    n_pairs = max((n_draws - 3) // 2 + 1, 1)
    pair_sums = rho[:, 0 : 2 * n_pairs : 2] + rho[:, 1 : 2 * n_pairs : 2]
    stops = pair_sums <= 0
    stopped = stops.any(axis=1)
    last = np.where(stopped, stops.argmax(axis=1), n_pairs - 1)  # the pair the sequence ends at
    rows = np.arange(elements)
    monotone_sums = np.cumsum(np.minimum.accumulate(pair_sums, axis=1), axis=1)
    summed = np.where(last > 0, monotone_sums[rows, np.maximum(last - 1, 0)], 0.0)
    last_even = rho[rows, 2 * last]
    kept = ~stopped | (last_even > 0) | (pair_sums[rows, last] == 0)
    tau = np.maximum(-1.0 + 2.0 * summed + np.where(kept, last_even, 0.0), 1 / np.log10(size))
    ess = size / tau
    ess[np.isnan(rho).any(axis=1)] = np.nan
    ess[np.ptp(draws, axis=(1, 2)) < np.finfo(float).resolution] = size
    return cast(np.ndarray, ess)


def convergence_failure(diagnostics: dict[str, Any]) -> str | None:
    """For a fit that failed its convergence checks (run anyway), what failed; else None."""
    if diagnostics.get("converged") is not False:
        return None
    w = diagnostics.get("worst") or {}
    worst = f"; worst: {worst_figure(w)}" if {"parameter", "figure", "value", "threshold"} <= set(w) else ""
    return f"the Bayesian cost model failed its convergence checks and was run on with --allow-unconverged{worst}"
