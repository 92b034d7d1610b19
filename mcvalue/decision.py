"""Decision analysis of the benefit-cost ratio: exceedance, break-even, tornado, Sobol, VOI.

Pure functions over arrays: nothing here reads prior files, runs the engine or writes
files. The pipeline supplies the draws, the priors' quantile functions and, where an input
must be held fixed, a callable that re-evaluates the model (see
:func:`conditional_on_draws` for the cheap version that re-uses the run's draws).

Inputs are named as in the prior files (``benefit.haircut`` ...), plus two grouped
inputs: :data:`METHOD_INPUT` (the costing method, a categorical input drawn by the method
weights) and :data:`FTE_INPUT` (the FTE draws of the cost model, one row of five columns
per draw, treated as one input).

1. :func:`exceedance` / :func:`exceedance_by_method`: P(BCR > k) on a log grid with
   Monte Carlo standard errors.
2. :func:`break_even` / :func:`fragility_sentence`: the value of each input at which the
   median BCR equals k, all other inputs keeping their distributions.
3. :func:`tornado`: each input fixed at its p10 / p90 (the method at each method), the
   others keeping their distributions; bars span the conditional medians.
4. :func:`sobol_indices`: first-order and total Sobol indices of BCR and log BCR (SALib).
5. :func:`value_of_information`: EVPI and per-input EVPPI of "invest in MLOSS" at
   threshold k (Strong & Oakley 2014 regression estimator).
"""

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np
from scipy.optimize import brentq

FTE_INPUT = "fte"
METHOD_INPUT = "cost.method"
DEFAULT_THRESHOLDS = (1.0, 100.0)
DEFAULT_SWING = (0.10, 0.90)
#: Break-even search range: the prior's [p0.1, p99.9].
BREAK_EVEN_TAIL = 0.001

McseOfMean = Callable[[np.ndarray], float]
ConditionalBcr = Callable[[str, Any], np.ndarray]


class Quantiles(Protocol):
    """What this module needs of a prior marginal: its quantile function (``Distribution.ppf``)."""

    def ppf(self, q: np.ndarray) -> np.ndarray:
        """Quantile function, vectorised."""
        ...


# --------------------------------------------------------------------------- helpers


def iid_mcse(x: np.ndarray) -> float:
    r"""Monte Carlo standard error of the mean of independent draws: sd(x) / sqrt(n).

    Parameters
    ----------
    x : numpy.ndarray
        Per-draw values (1-D).

    Returns
    -------
    float
        :math:`s / \sqrt{n}` with the sample standard deviation (ddof = 1); 0 for n < 2.

    """
    x = np.asarray(x, dtype=float)
    if x.size < 2:
        return 0.0
    return float(np.std(x, ddof=1) / np.sqrt(x.size))


def _bcr_of(result: Any) -> np.ndarray:
    """Return the BCR array of a model result: the result itself, or its ``.bcr`` (``Outcomes``)."""
    return np.asarray(getattr(result, "bcr", result), dtype=float)


def _is_point_mass(dist: Quantiles, tail: float = BREAK_EVEN_TAIL) -> bool:
    """Tell whether the prior has (numerically) no spread between its tail quantiles."""
    lo, hi = np.asarray(dist.ppf(np.array([tail, 1.0 - tail])), dtype=float)
    return bool(lo == hi)


def _percentile_label(q: float) -> str:
    """Format a prior quantile as a percentile label: 0.31 -> 'p31', 0.004 -> 'p0.4'."""
    pct = 100.0 * q
    if 1.0 <= pct <= 99.0:
        return f"p{round(pct)}"
    return f"p{pct:.1f}"


def conditional_on_draws(
    model: Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], Any],
    inputs: Mapping[str, np.ndarray],
    fte: np.ndarray,
    method_index: np.ndarray,
    method_keys: Sequence[str],
) -> ConditionalBcr:
    """Build a ``conditional_bcr(name, value)`` that fixes one input in the run's own draws.

    Every other input keeps its draws, so the conditional run has the other inputs'
    joint distribution unchanged. This is exact for an input that is independent of
    the others; for a rank-correlated input the caller should supply its own callable
    that redraws the correlated partners from their conditional distribution.

    Parameters
    ----------
    model : callable
        ``model(inputs, fte, method_index)`` returning BCR per draw or an object with a
        ``.bcr`` attribute (``mcvalue.simulate.outcomes`` qualifies).
    inputs : mapping of str to numpy.ndarray
        Each prior quantity's draws (length n).
    fte : numpy.ndarray
        (n, 5) FTE draws per costing method.
    method_index : numpy.ndarray
        (n,) index into ``method_keys`` of each draw's costing method.
    method_keys : sequence of str
        The costing methods, in the column order of ``fte``.

    Returns
    -------
    callable
        ``conditional_bcr(name, value) -> numpy.ndarray`` of n BCR draws, where ``value``
        is a number for a prior quantity, a length-5 vector (one FTE per method) for
        :data:`FTE_INPUT` and a method key for :data:`METHOD_INPUT`.

    """
    inputs = dict(inputs)
    fte = np.asarray(fte, dtype=float)
    method_index = np.asarray(method_index)
    n = fte.shape[0]
    keys = list(method_keys)

    def conditional_bcr(name: str, value: Any) -> np.ndarray:
        these, rows, methods = inputs, fte, method_index
        if name == METHOD_INPUT:
            methods = np.full(n, keys.index(value))
        elif name == FTE_INPUT:
            rows = np.broadcast_to(np.asarray(value, dtype=float), fte.shape)
        elif name in inputs:
            these = {**inputs, name: np.full(n, float(value))}
        else:
            raise KeyError(f"unknown input {name!r}")
        return _bcr_of(model(these, rows, methods))

    return conditional_bcr


# --------------------------------------------------------------------------- 1. exceedance


def default_thresholds(extra: Sequence[float] = ()) -> np.ndarray:
    """Return the exceedance grid: 28 log-spaced points from 1 to 1000 plus ``extra``, sorted.

    The log grid has 9 points per decade (ratio :math:`10^{1/9}`) and contains 1, 10, 100
    and 1000 exactly (not as rounded powers).

    Parameters
    ----------
    extra : sequence of float
        User thresholds to merge in (positive).

    Returns
    -------
    numpy.ndarray
        Sorted unique thresholds.

    """
    steps = np.arange(28)
    grid = np.where(steps % 9 == 0, 10.0 ** (steps // 9), 10.0 ** (steps / 9.0))
    extra = np.asarray(extra, dtype=float).ravel()
    if np.any(extra <= 0) or not np.all(np.isfinite(extra)):
        raise ValueError("thresholds must be positive and finite")
    return np.unique(np.concatenate([grid, extra]))


def _check_bcr(bcr: np.ndarray) -> np.ndarray:
    bcr = np.asarray(bcr, dtype=float).ravel()
    if bcr.size == 0 or np.isnan(bcr).any():
        raise ValueError("bcr must be a non-empty array without NaN")
    return bcr


def exceedance(
    bcr: np.ndarray, ks: Sequence[float] | None = None, mcse_of_mean: McseOfMean | None = None
) -> list[dict]:
    r"""P(BCR > k) for each threshold k, with its Monte Carlo standard error.

    :math:`\hat p_k = \frac1n \sum_i 1[\mathrm{BCR}_i > k]`, and its MCSE is
    ``mcse_of_mean`` applied to the indicator array.

    Parameters
    ----------
    bcr : numpy.ndarray
        BCR per draw.
    ks : sequence of float, optional
        Thresholds; default :func:`default_thresholds` (1..1000, 28 points).
    mcse_of_mean : callable, optional
        Maps a per-draw array (length n) to the MCSE of its mean; default
        :func:`iid_mcse`. The pipeline passes one that accounts for the FTE pool.

    Returns
    -------
    list of dict
        ``{"k", "p", "mcse"}`` per threshold, k ascending.

    """
    bcr = _check_bcr(bcr)
    mcse_of_mean = mcse_of_mean or iid_mcse
    ks = default_thresholds() if ks is None else np.unique(np.asarray(ks, dtype=float))
    out = []
    for k in ks:
        above = (bcr > k).astype(float)
        out.append({"k": float(k), "p": float(above.mean()), "mcse": float(mcse_of_mean(above))})
    return out


def exceedance_by_method(
    bcr: np.ndarray,
    method_index: np.ndarray,
    method_keys: Sequence[str],
    ks: Sequence[float] | None = None,
    mcse_of_mean: McseOfMean | None = None,
) -> dict[str, list[dict]]:
    r"""Exceedance curves of the mixture and of each costing method drawn at least once.

    For method m with indicator :math:`g_i = 1[m_i = m]` the curve is the ratio
    estimator :math:`\hat p_{k,m} = \sum g_i 1[\mathrm{BCR}_i > k] / \sum g_i`. Its MCSE
    is ``mcse_of_mean`` of the linearised per-draw array
    :math:`z_i = g_i (1[\mathrm{BCR}_i > k] - \hat p_{k,m}) / \bar g` (delta method),
    so the pipeline's correlation-aware MCSE applies unchanged; for iid draws it equals
    :math:`\sqrt{p(1-p)/n_m}`.

    Parameters
    ----------
    bcr : numpy.ndarray
        BCR per draw.
    method_index : numpy.ndarray
        Index into ``method_keys`` of each draw's method.
    method_keys : sequence of str
        Method names (``mcvalue.methods.METHOD_KEYS``).
    ks, mcse_of_mean
        As in :func:`exceedance`.

    Returns
    -------
    dict
        ``{"mixture": curve, method_key: curve, ...}``; curves as in :func:`exceedance`.

    """
    bcr = _check_bcr(bcr)
    method_index = np.asarray(method_index).ravel()
    mcse_of_mean = mcse_of_mean or iid_mcse
    ks = default_thresholds() if ks is None else np.unique(np.asarray(ks, dtype=float))
    curves = {"mixture": exceedance(bcr, ks, mcse_of_mean)}
    for j, key in enumerate(method_keys):
        g = (method_index == j).astype(float)
        share = g.mean()
        if share == 0:
            continue
        curve = []
        for k in ks:
            above = (bcr > k).astype(float)
            p = float((g * above).sum() / g.sum())
            curve.append({"k": float(k), "p": p, "mcse": float(mcse_of_mean(g * (above - p) / share))})
        curves[key] = curve
    return curves


# --------------------------------------------------------------------------- 2. break-even


def break_even(
    conditional_bcr: ConditionalBcr,
    priors: Mapping[str, Quantiles],
    ks: Sequence[float] = DEFAULT_THRESHOLDS,
    tail: float = BREAK_EVEN_TAIL,
    xtol: float = 1e-5,
) -> list[dict]:
    r"""Break-even value of each continuous input: where the median BCR equals k.

    For input x with quantile function :math:`F^{-1}`, let
    :math:`M(v) = \mathrm{median}(\mathrm{BCR} \mid x = v)`, the other inputs keeping
    their distributions (``conditional_bcr``). BCR is monotone in each input, so
    :math:`M` is monotone and :math:`\log M(v) = \log k` has at most one root in the
    search range :math:`[F^{-1}(\text{tail}), F^{-1}(1-\text{tail})]`; it exists iff
    :math:`\log M - \log k` changes sign between the ends. The root is found by
    ``brentq`` in the quantile scale :math:`v = F^{-1}(u)`, so the reported
    ``prior_quantile`` :math:`u = F(v)` comes out directly (no CDF needed, and the
    search is equally well conditioned for heavy-tailed priors).

    Point masses are skipped. The two ends are evaluated once per input and shared by
    all thresholds.

    Parameters
    ----------
    conditional_bcr : callable
        ``conditional_bcr(name, value)`` -> BCR draws with input ``name`` fixed at
        ``value`` (e.g. :func:`conditional_on_draws`).
    priors : mapping of str to Distribution
        The continuous inputs' priors (anything with ``ppf``).
    ks : sequence of float
        Thresholds (default 1 and 100).
    tail : float
        The search range is the prior's [tail, 1 - tail] quantiles (default p0.1-p99.9).
    xtol : float
        Absolute tolerance of the root in the quantile scale.

    Returns
    -------
    list of dict
        Per input and threshold: ``input``, ``threshold``, ``value`` (None if not
        reachable), ``prior_quantile`` (None likewise), ``direction`` (``"below"``: the
        median BCR is below k when the input is below ``value``; ``"above"``: when it is
        above), ``median_range`` (the median BCR at the two ends of the range) and
        ``note`` (``"none in [p0.1, p99.9]"`` when not reachable).

    """
    out = []
    range_note = f"none in [{_percentile_label(tail)}, {_percentile_label(1 - tail)}]"
    for name, dist in priors.items():
        if _is_point_mass(dist, tail):
            continue
        cache: dict[float, float] = {}

        def log_median(u: float, name: str = name, dist: Quantiles = dist, cache: dict = cache) -> float:
            if u not in cache:
                v = float(np.asarray(dist.ppf(np.array([u])), dtype=float)[0])
                cache[u] = float(np.log(np.median(conditional_bcr(name, v))))
            return cache[u]

        ends = (log_median(tail), log_median(1.0 - tail))
        direction = "below" if ends[1] > ends[0] else "above"
        for k in ks:
            row = {
                "input": name,
                "threshold": float(k),
                "value": None,
                "prior_quantile": None,
                "direction": direction,
                "median_range": [float(np.exp(ends[0])), float(np.exp(ends[1]))],
                "note": range_note,
            }
            g_lo, g_hi = ends[0] - np.log(k), ends[1] - np.log(k)
            if g_lo == 0.0 or g_hi == 0.0 or np.sign(g_lo) != np.sign(g_hi):
                u = brentq(lambda u, k=k: log_median(u) - np.log(k), tail, 1.0 - tail, xtol=xtol)
                v = float(np.asarray(dist.ppf(np.array([u])), dtype=float)[0])
                row.update(value=v, prior_quantile=float(u), note="")
            out.append(row)
    return out


def most_fragile(break_evens: Sequence[dict], k: float = 100.0) -> dict | None:
    """Return the break-even at threshold k closest to its prior's median (least extreme change).

    Parameters
    ----------
    break_evens : sequence of dict
        Output of :func:`break_even`.
    k : float
        Threshold.

    Returns
    -------
    dict or None
        The row minimising :math:`|u - 0.5|` over reachable break-evens, or None.

    """
    rows = [r for r in break_evens if r["threshold"] == k and r["value"] is not None]
    return min(rows, key=lambda r: abs(r["prior_quantile"] - 0.5), default=None)


def default_label(name: str) -> str:
    """Return a readable name of an input: ``benefit.haircut`` -> ``the haircut``."""
    return "the " + name.rsplit(".", 1)[-1].replace("_", " ")


def fragility_sentence(
    break_evens: Sequence[dict],
    run_median: float,
    k: float = 100.0,
    labels: Mapping[str, str] | None = None,
) -> str:
    """One sentence on the most fragile assumption at threshold k.

    E.g. "the median falls below 100:1 if the haircut is below 0.071, its p31 value".
    If the run's median is below k the sentence says what raises it above k instead.

    Parameters
    ----------
    break_evens : sequence of dict
        Output of :func:`break_even`.
    run_median : float
        The run's median BCR (decides "falls below" or "rises above").
    k : float
        Threshold.
    labels : mapping of str to str, optional
        Readable input names; default :func:`default_label`.

    Returns
    -------
    str
        The sentence (no final full stop).

    """
    labels = labels or {}
    ratio = f"{k:g}:1"
    row = most_fragile(break_evens, k)
    if row is None:
        return (
            f"no single input moved within its p0.1-p99.9 range (the others keeping their "
            f"distributions) takes the median across {ratio}"
        )
    label = labels.get(row["input"], default_label(row["input"]))
    at = f"{row['value']:.3g}, its {_percentile_label(row['prior_quantile'])} value"
    if run_median >= k:
        return f"the median falls below {ratio} if {label} is {row['direction']} {at}"
    other = "above" if row["direction"] == "below" else "below"
    return f"the median rises above {ratio} if {label} is {other} {at}"


# --------------------------------------------------------------------------- 3. tornado


@dataclass(frozen=True)
class TornadoBar:
    """One input's bar: the median BCR with the input fixed at each end of its swing.

    For the costing method the ends are the methods giving the lowest and the highest
    median (``value_low`` / ``value_high`` are then method keys, ``median_low`` <=
    ``median_high``); for the others they are the input's low / high swing values.
    """

    input: str
    label: str
    value_low: float | str | list
    value_high: float | str | list
    median_low: float
    median_high: float

    @property
    def width(self) -> float:
        """Width on the log axis the bar is drawn on: |log10(median_high / median_low)|."""
        return abs(float(np.log10(self.median_high) - np.log10(self.median_low)))


@dataclass(frozen=True)
class Tornado:
    """Tornado table: the run's median (base line) and the bars, widest first."""

    swing: tuple[float, float]
    median: float
    bars: tuple[TornadoBar, ...]
    method_medians: dict[str, float] = field(default_factory=dict)

    def description(self) -> str:
        """Say what was swung, in one sentence."""
        lo, hi = (_percentile_label(q) for q in self.swing)
        return (
            f"each input fixed at its {lo} and {hi} (the costing method at each method) while all "
            f"others keep their distributions; a bar spans the two conditional median BCRs; "
            f"the line is the run's median ({self.median:.3g})"
        )

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "swing": list(self.swing),
            "median": self.median,
            "description": self.description(),
            "method_medians": dict(self.method_medians),
            "bars": [
                {
                    "input": b.input,
                    "label": b.label,
                    "value_low": b.value_low,
                    "value_high": b.value_high,
                    "median_low": b.median_low,
                    "median_high": b.median_high,
                }
                for b in self.bars
            ],
        }


def tornado(
    conditional_bcr: ConditionalBcr,
    priors: Mapping[str, Quantiles],
    bcr: np.ndarray,
    swing: tuple[float, float] = DEFAULT_SWING,
    fte_pool: np.ndarray | None = None,
    method_keys: Sequence[str] = (),
    labels: Mapping[str, str] | None = None,
) -> Tornado:
    r"""Tornado without a base point: one input fixed, all others keep their distributions.

    For a prior quantity x the bar spans
    :math:`\mathrm{median}(\mathrm{BCR} \mid x = F^{-1}(q_{lo}))` and
    :math:`\mathrm{median}(\mathrm{BCR} \mid x = F^{-1}(q_{hi}))`. The FTE input is fixed
    at the column-wise ``swing`` quantiles of the FTE pool (every method's FTE at its own
    p10, then p90; for a pool of trajectories, every year's too, and the bar records the
    last year's). The costing method is fixed to each method in ``method_keys``; the
    bar's ends are the methods with the lowest and highest median. Every input gets a
    bar (a point mass gets one of zero width). The base line is the run's median BCR.

    Parameters
    ----------
    conditional_bcr : callable
        ``conditional_bcr(name, value)`` -> BCR draws (see :func:`conditional_on_draws`
        for the value conventions of the FTE and method inputs).
    priors : mapping of str to Distribution
        Every prior quantity (anything with ``ppf``).
    bcr : numpy.ndarray
        The run's BCR draws (for the base line).
    swing : tuple of float
        Low and high quantile (default p10, p90).
    fte_pool : numpy.ndarray, optional
        (m, 5) FTE pool, or (m, Y, 5) FTE trajectories (a stock's); adds the FTE bar.
    method_keys : sequence of str
        Methods with positive weight; adds the method bar when given.
    labels : mapping of str to str, optional
        Bar labels (default: the input names).

    Returns
    -------
    Tornado
        Bars sorted widest first.

    """
    labels = labels or {}
    lo, hi = swing
    bars = []
    q = np.array([lo, hi])
    for name, dist in priors.items():
        v_lo, v_hi = (float(v) for v in np.asarray(dist.ppf(q), dtype=float))
        m_lo = float(np.median(conditional_bcr(name, v_lo)))
        m_hi = m_lo if v_hi == v_lo else float(np.median(conditional_bcr(name, v_hi)))
        bars.append(TornadoBar(name, labels.get(name, name), v_lo, v_hi, m_lo, m_hi))
    if fte_pool is not None:
        f_lo, f_hi = np.quantile(np.asarray(fte_pool, dtype=float), q, axis=0)
        m_lo, m_hi = (float(np.median(conditional_bcr(FTE_INPUT, f))) for f in (f_lo, f_hi))
        last_lo, last_hi = (f.reshape(-1, f.shape[-1])[-1].tolist() for f in (f_lo, f_hi))
        bars.append(TornadoBar(FTE_INPUT, labels.get(FTE_INPUT, "FTE"), last_lo, last_hi, m_lo, m_hi))
    method_medians: dict[str, float] = {}
    if method_keys:
        method_medians = {key: float(np.median(conditional_bcr(METHOD_INPUT, key))) for key in method_keys}
        low = min(method_medians, key=method_medians.get)
        high = max(method_medians, key=method_medians.get)
        bars.append(
            TornadoBar(
                METHOD_INPUT,
                labels.get(METHOD_INPUT, "costing method"),
                low,
                high,
                method_medians[low],
                method_medians[high],
            )
        )
    bars.sort(key=lambda b: b.width, reverse=True)
    return Tornado(swing=(lo, hi), median=float(np.median(bcr)), bars=tuple(bars), method_medians=method_medians)


# --------------------------------------------------------------------------- 4. Sobol indices


def _varying(dist: Quantiles) -> bool:
    return not _is_point_mass(dist)


def sobol_indices(
    model: Callable[[dict[str, np.ndarray], np.ndarray, np.ndarray], Any],
    priors: Mapping[str, Quantiles],
    fte_pool: np.ndarray,
    method_weights: Sequence[float],
    n_base: int = 2**13,
    seed: int = 20220218,
    num_resamples: int = 100,
    conf_level: float = 0.95,
) -> list[dict]:
    r"""First-order and total Sobol indices of BCR and of log(BCR), by SALib.

    Every prior quantity is one input, the costing method is one (categorical) input and
    the FTE draws are one grouped input. SALib's Sobol-sequence Saltelli design
    (``SALib.sample.sobol.sample``, ``calc_second_order=False``: ``n_base * (D + 2)``
    model runs for D varying inputs) is drawn in the unit hypercube and mapped column by
    column:

    * prior quantity: :math:`x = F^{-1}(u)` (``ppf``; u clipped to [1e-12, 1 - 1e-12]);
    * costing method: the categorical inverse CDF of the weights, the first method j with
      :math:`u < \sum_{i \le j} w_i / \sum_i w_i`;
    * FTE: pool row :math:`\lfloor u m \rfloor` of the (m, 5) pool, i.e. each row with
      probability 1/m, as in the engine's resampling (a pool of trajectories, (m, Y, 5),
      hands the model (N, Y, 5) rows).

    Indices use the Saltelli (2010) first-order and Jansen total-order estimators
    (``SALib.analyze.sobol.analyze``) with bootstrap confidence intervals (half-widths,
    ``conf_level``) from ``num_resamples`` resamples.

    Correlations are ignored: Sobol indices are defined for independent inputs, so the
    design draws every input independently whatever rank correlations the prior file
    sets. Inputs without spread (point masses, a single method, a constant pool) are not
    sampled and get indices of exactly 0.

    Parameters
    ----------
    model : callable
        ``model(inputs, fte_rows, method_index)`` -> BCR, or an object with ``.bcr``
        (``mcvalue.simulate.outcomes``). ``inputs`` maps every prior quantity to an
        array, ``fte_rows`` is (N, 5) (or (N, Y, 5) for a pool of trajectories),
        ``method_index`` is (N,).
    priors : mapping of str to Distribution
        Every prior quantity the model reads (anything with ``ppf``).
    fte_pool : numpy.ndarray
        (m, k) FTE pool rows (the cost model's pool: mcvalue's are the five Table 1 FTE
        figures and the threshold method's curve), or (m, Y, k) FTE trajectories, rows of
        which ``model`` then receives.
    method_weights : sequence of float
        Weight of each method, in the column order of ``fte_pool``.
    n_base : int
        Base sample size N (a power of 2). The default 2**13 gives 98,304 model runs for
        10 varying inputs and took 2.5-3.6 s with SALib's bootstrap (200 resamples over two
        outputs) on a shared 2-core machine; bootstrap CI half-widths were <= 0.09 for BCR
        and <= 0.02 for log BCR with the default-like priors.
    seed : int
        Seed of the scrambled Sobol sequence and of the bootstrap.
    num_resamples : int
        Bootstrap resamples for the confidence intervals.
    conf_level : float
        Level of the confidence intervals.

    Returns
    -------
    list of dict
        Two entries, ``{"output": "bcr" | "log_bcr", "n_base", "model_runs", "conf_level",
        "indices": [{"input", "first", "first_ci", "total", "total_ci"}, ...]}`` with one
        index row per prior quantity, then :data:`METHOD_INPUT`, then :data:`FTE_INPUT`.

    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    pool = np.asarray(fte_pool, dtype=float)
    weights = np.asarray(method_weights, dtype=float)
    if pool.ndim not in (2, 3) or pool.shape[0] == 0:
        raise ValueError(f"fte_pool must be (m, k) or (m, Y, k) pool rows the model reads, got {pool.shape}")
    cumulative = np.cumsum(weights) / weights.sum()
    all_names = [*priors, METHOD_INPUT, FTE_INPUT]
    varying = [name for name in priors if _varying(priors[name])]
    if np.count_nonzero(weights > 0) > 1:
        varying.append(METHOD_INPUT)
    if np.unique(pool, axis=0).shape[0] > 1:
        varying.append(FTE_INPUT)

    results = {out: {name: (0.0, 0.0, 0.0, 0.0) for name in all_names} for out in ("bcr", "log_bcr")}
    n_runs = 0
    if varying:
        problem = {"num_vars": len(varying), "names": varying, "bounds": [[0.0, 1.0]] * len(varying)}
        u = sobol_sample.sample(problem, n_base, calc_second_order=False, seed=seed)
        u = np.clip(u, 1e-12, 1.0 - 1e-12)
        n_runs = u.shape[0]
        col = {name: j for j, name in enumerate(varying)}
        inputs = {
            name: np.asarray(
                dist.ppf(u[:, col[name]]) if name in col else np.full(n_runs, dist.ppf(np.array([0.5]))[0]), dtype=float
            )
            for name, dist in priors.items()
        }
        if METHOD_INPUT in col:
            method_index = np.searchsorted(cumulative, u[:, col[METHOD_INPUT]], side="right")
            method_index = np.minimum(method_index, weights.size - 1)
        else:
            method_index = np.full(n_runs, int(np.argmax(weights)))
        if FTE_INPUT in col:
            rows = np.minimum(np.floor(u[:, col[FTE_INPUT]] * pool.shape[0]).astype(int), pool.shape[0] - 1)
        else:
            rows = np.zeros(n_runs, dtype=int)
        bcr = _bcr_of(model(inputs, pool[rows], method_index))
        if not np.all(np.isfinite(bcr)) or np.any(bcr <= 0):
            raise ValueError("the model gave a non-finite or non-positive BCR in the Sobol design")
        for out, y in (("bcr", bcr), ("log_bcr", np.log(bcr))):
            si = sobol_analyze.analyze(
                problem,
                y,
                calc_second_order=False,
                num_resamples=num_resamples,
                conf_level=conf_level,
                seed=seed + 1,  # SALib ignores a seed of 0 and then uses numpy's global state
            )
            for j, name in enumerate(varying):
                results[out][name] = tuple(float(si[key][j]) for key in ("S1", "S1_conf", "ST", "ST_conf"))
    return [
        {
            "output": out,
            "n_base": int(n_base),
            "model_runs": int(n_runs),
            "conf_level": conf_level,
            "indices": [
                {"input": name, "first": s1, "first_ci": s1c, "total": st, "total_ci": stc}
                for name, (s1, s1c, st, stc) in results[out].items()
            ],
        }
        for out in ("bcr", "log_bcr")
    ]


# --------------------------------------------------------------------------- 5. value of information


def _cube_pos(z: np.ndarray) -> np.ndarray:
    """Return max(z, 0) cubed (by multiplication: much faster than ``** 3``)."""
    z = np.maximum(z, 0.0)
    return z * z * z


def _spline_columns(x: np.ndarray, knots: int) -> list[np.ndarray]:
    r"""Restricted (natural) cubic spline columns of x, no intercept (Harrell 2015, sec. 2.4.5).

    Knots :math:`t_1 < \dots < t_K` at the quantiles linspace(0.025, 0.975, K) of x; x and
    the knots are rescaled by :math:`t_K - t_1`. Columns: x and, for j = 1 .. K - 2,

    .. math:: (x - t_j)_+^3 - (x - t_{K-1})_+^3 \frac{t_K - t_j}{t_K - t_{K-1}}
              + (x - t_K)_+^3 \frac{t_{K-1} - t_j}{t_K - t_{K-1}}

    The fit is cubic between the knots and linear beyond the outer ones, so a
    conditional mean linear in x (the engine's: E[NB | x] is linear in every independent
    input, benefit and cost being products) is represented exactly, and heavy tails do not
    make the basis explode. Fewer than 3 distinct knots: x alone.
    """
    t = np.unique(np.quantile(x, np.linspace(0.025, 0.975, knots)))
    if t.size < 2 or t[-1] == t[0]:
        return [x - x.mean()]
    scale = t[-1] - t[0]
    xs, t = (x - t[0]) / scale, (t - t[0]) / scale
    columns = [xs]
    if t.size >= 3:
        last, before = t[-1], t[-2]
        for tj in t[:-2]:
            columns.append(
                _cube_pos(xs - tj)
                - _cube_pos(xs - before) * ((last - tj) / (last - before))
                + _cube_pos(xs - last) * ((before - tj) / (last - before))
            )
    return columns


def _design(x: np.ndarray, knots: int) -> np.ndarray:
    """Design matrix (intercept first) of an additive restricted cubic spline in each column of x.

    Columns other than the intercept are centred and scaled to unit sd, which keeps the
    normal equations well conditioned.
    """
    x = x.reshape(x.shape[0], -1)
    columns = [c for j in range(x.shape[1]) if np.ptp(x[:, j]) > 0 for c in _spline_columns(x[:, j], knots)]
    design = np.empty((x.shape[0], 1 + len(columns)))
    design[:, 0] = 1.0
    for j, column in enumerate(columns, start=1):
        sd = column.std()
        design[:, j] = (column - column.mean()) / (sd if sd > 0 else 1.0)
    return design


def _fit(x: np.ndarray, y: np.ndarray, categorical: bool, basis: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """Fitted E[y | x] for each column of y, and each draw's leverage (hat value).

    Categorical: group means, leverage 1 / group size. Otherwise least squares on
    ``basis`` (columns spanning the spline space, nearly orthogonal: from
    :func:`_orthonormal_basis`, or a batch of its rows) by the normal equations, which
    are well conditioned on such a basis; leverage :math:`h_i = b_i^T (B^T B)^{-1} b_i`.
    """
    if categorical:
        _, labels = np.unique(x, return_inverse=True)
        counts = np.bincount(labels)
        means = np.column_stack([np.bincount(labels, weights=y[:, c]) / counts for c in range(y.shape[1])])
        return means[labels], 1.0 / counts[labels]
    gram_inv = np.linalg.pinv(basis.T @ basis, hermitian=True)
    fitted = basis @ (gram_inv @ (basis.T @ y))
    return fitted, np.einsum("ij,ij->i", basis @ gram_inv, basis)


def _orthonormal_basis(design: np.ndarray) -> np.ndarray:
    r"""Orthonormal basis of the design's column space (n x rank), fast and stable enough.

    First pass: eigen-decomposition of the Gram matrix :math:`D^T D = V W V^T`, dropping
    directions with eigenvalue below 1e-14 of the largest,
    :math:`Q_1 = D V W^{-1/2}`. Second pass (Cholesky QR): :math:`Q = Q_1 R^{-1}` with
    :math:`R^T R = Q_1^T Q_1`, which restores the orthogonality lost to rounding in the
    first (as in CholeskyQR2; Householder QR is several times slower on 200k rows).
    """
    w, v = np.linalg.eigh(design.T @ design)
    keep = w > w.max() * 1e-14
    q = design @ (v[:, keep] / np.sqrt(w[keep]))
    r = np.linalg.cholesky(q.T @ q).T
    return q @ np.linalg.inv(r)


def _evppi_of(fitted: np.ndarray, k: float) -> float:
    """Return mean(max(f, 0)) - max(mean(f), 0) for the fitted net benefit f = benefit - k cost."""
    f = fitted[:, 0] - k * fitted[:, 1]
    return float(np.mean(np.maximum(f, 0.0)) - max(float(np.mean(f)), 0.0))


def _normal_evpi(mean: np.ndarray, sd: np.ndarray) -> np.ndarray:
    r"""E[max(X, 0)] - max(E X, 0) for X ~ N(mean, sd^2): :math:`s\varphi(m/s) - |m|\Phi(-|m|/s)`."""
    from scipy.special import ndtr

    mean, sd = np.broadcast_arrays(np.abs(mean), np.maximum(sd, 1e-300))
    out = np.zeros(mean.shape)
    near = mean < 9.0 * sd  # beyond 9 sd the value is below 1e-19 sd: skip exp and ndtr there
    z = mean[near] / sd[near]
    out[near] = sd[near] * np.exp(-0.5 * z**2) / np.sqrt(2 * np.pi) - mean[near] * ndtr(-z)
    return out


def value_of_information(
    benefit: np.ndarray,
    cost: np.ndarray,
    params: Mapping[str, np.ndarray],
    ks: Sequence[float] = DEFAULT_THRESHOLDS,
    categorical: Sequence[str] = (METHOD_INPUT,),
    knots: int = 5,
    group_knots: int = 4,
    batches: int = 20,
    mcse_of_mean: McseOfMean | None = None,
) -> dict:
    r"""EVPI and per-input EVPPI of the decision "invest in MLOSS" at each threshold k.

    Net benefit per draw :math:`NB = \text{benefit} - k \cdot \text{cost}` (USD per
    year); the options are invest (NB) or not (0).

    * EVPI :math:`= E[\max(NB, 0)] - \max(E[NB], 0)`, with the delta-method MCSE
      ``mcse_of_mean`` of :math:`\max(NB, 0) - NB \cdot 1[\overline{NB} > 0]`.
    * EVPPI of input x (Strong & Oakley 2014): :math:`g(x) = E[NB \mid x]` is estimated
      by regression and EVPPI :math:`= \overline{\max(\hat g, 0)} - \max(\overline{\hat g}, 0)`.
      A 1-D input: least-squares restricted cubic regression spline in x with ``knots``
      knots at quantiles of x (linear beyond the outer knots). A 2-D input (the (n, 5) FTE draws): additive spline in
      each column (``group_knots`` knots each); this is exact for the engine's model
      because E[NB | FTE row] is linear in the row's five FTE values when the method is
      independent of the rest. A categorical input (names in ``categorical``: the method
      index, or the FTE pool row index as an alternative FTE grouping): group means.
      Benefit and cost are fitted once (the fit is linear in the response) and combined
      for every k.

    Monte Carlo error of an EVPPI is by batch means: the estimate is repeated on
    ``batches`` contiguous batches of draws (the engine's draws are in random order) and
    se = sd(batch estimates) / sqrt(batches).

    Bias: the regression estimator is biased upward, because noise in :math:`\hat g`
    that crosses zero adds to :math:`\overline{\max(\hat g, 0)}`. With residual sd σ and
    leverages :math:`h_i`, :math:`\hat g_i` carries noise of sd :math:`\sigma\sqrt{h_i}`,
    and the reported ``bias`` is the plug-in
    :math:`\frac1n\sum_i [s_i\varphi(\hat g_i/s_i) - |\hat g_i|\Phi(-|\hat g_i|/s_i)]`,
    :math:`s_i = \sigma\sqrt{h_i}` (the normal-EVPI formula per draw). It is an
    approximation: in the worst case (E[NB] = 0, an input that does not matter) the
    estimator's expectation is about :math:`\sigma(\sqrt{p} - 1)/\sqrt{2\pi n}` with p
    fitted parameters, and the plug-in was within a factor 1.5 of it in tests. Where
    :math:`\hat g` stays far from 0 the bias vanishes. Treat EVPPI values not clearly
    above ``bias + 2 se`` as indistinguishable from 0.

    Parameters
    ----------
    benefit, cost : numpy.ndarray
        Per-draw benefit and cost per year (USD), length n, in the engine's random order.
    params : mapping of str to numpy.ndarray
        Each input's per-draw values: (n,) or (n, d) for a grouped input.
    ks : sequence of float
        Thresholds (default 1 and 100).
    categorical : sequence of str
        Names in ``params`` to treat as categorical (group means).
    knots, group_knots : int
        Spline knots for a 1-D input, and per column of a grouped input.
    batches : int
        Number of batches for the EVPPI standard errors.
    mcse_of_mean : callable, optional
        MCSE of a per-draw array's mean (default :func:`iid_mcse`), for the EVPI.

    Returns
    -------
    dict
        ``{"unit": "USD per year", "decision", "thresholds": [{"k", "expected_nb", "evpi",
        "evpi_se", "evppi": [{"input", "value", "se", "bias"}, ...]}, ...]}``.

    """
    with _one_blas_thread():
        return _value_of_information(benefit, cost, params, ks, categorical, knots, group_knots, batches, mcse_of_mean)


def _one_blas_thread() -> contextlib.AbstractContextManager:
    """Limit BLAS to one thread if threadpoolctl is installed (else do nothing).

    The fits multiply tall-skinny matrices, where BLAS threads gain nothing and, on a
    shared machine, lose up to half the time spinning.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - optional speed-up
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


def _value_of_information(
    benefit: np.ndarray,
    cost: np.ndarray,
    params: Mapping[str, np.ndarray],
    ks: Sequence[float],
    categorical: Sequence[str],
    knots: int,
    group_knots: int,
    batches: int,
    mcse_of_mean: McseOfMean | None,
) -> dict:
    """Do the work of :func:`value_of_information` (same arguments)."""
    mcse_of_mean = mcse_of_mean or iid_mcse
    y = np.column_stack([np.asarray(benefit, dtype=float), np.asarray(cost, dtype=float)])
    n = y.shape[0]
    if not np.all(np.isfinite(y)):
        raise ValueError("benefit and cost must be finite")
    ks = [float(k) for k in ks]
    edges = np.linspace(0, n, batches + 1).astype(int)
    zeros = [0.0] * len(ks)
    per_input: dict[str, tuple[list[float], list[float], list[float]]] = {}
    for name, x in params.items():
        x = np.asarray(x)
        if x.shape[0] != n:
            raise ValueError(f"{name}: {x.shape[0]} draws, expected {n}")
        is_cat = name in categorical
        if np.ptp(x.reshape(n, -1), axis=0).max() == 0:
            per_input[name] = (zeros, zeros, zeros)
            continue
        basis = None if is_cat else _orthonormal_basis(_design(x.astype(float), knots if x.ndim == 1 else group_knots))
        fitted, leverage = _fit(x, y, is_cat, basis)
        resid = y - fitted
        batch_fits = [
            _fit(x[a:b], y[a:b], is_cat, None if basis is None else basis[a:b])[0]
            for a, b in zip(edges[:-1], edges[1:], strict=True)
        ]
        values, ses, biases = [], [], []
        for k in ks:
            values.append(_evppi_of(fitted, k))
            batch_values = [_evppi_of(f, k) for f in batch_fits]
            ses.append(float(np.std(batch_values, ddof=1) / np.sqrt(batches)))
            sigma = float(np.std(resid[:, 0] - k * resid[:, 1]))
            g = fitted[:, 0] - k * fitted[:, 1]
            biases.append(float(np.mean(_normal_evpi(g, sigma * np.sqrt(leverage)))))
        per_input[name] = (values, ses, biases)

    out = []
    for i, k in enumerate(ks):
        nb = y[:, 0] - k * y[:, 1]
        mean_nb = float(nb.mean())
        evpi = float(np.mean(np.maximum(nb, 0.0)) - max(mean_nb, 0.0))
        linear = np.maximum(nb, 0.0) - (nb if mean_nb > 0 else 0.0)
        out.append(
            {
                "k": k,
                "expected_nb": mean_nb,
                "evpi": evpi,
                "evpi_se": float(mcse_of_mean(linear)),
                "evppi": [
                    {"input": name, "value": v[0][i], "se": v[1][i], "bias": v[2][i]} for name, v in per_input.items()
                ],
            }
        )
    return {"unit": "USD per year", "decision": "invest in MLOSS iff E[benefit - k cost] > 0", "thresholds": out}
