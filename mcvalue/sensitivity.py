"""What drives the benefit-cost ratio: a tornado and each input's share of var(log BCR).

**Tornado** (one-at-a-time, the decision-analysis convention). The model is evaluated at
a base point where every input sits at its median; then each uncertain input in turn is
moved to its low and high percentile (default 10th and 90th, ``swing``) with all others
held at the base. The bar spans the two resulting BCRs. Inputs are

* every prior quantity that is not a point mass (its percentiles from ``ppf``);
* the cost model's FTE, at the percentiles of its draws for the base method;
* the costing method itself, when the weights put mass on more than one method: a
  discrete input whose values are the methods ordered by their cost at the medians, so
  its percentiles are the methods at those cumulative weights.

The base method is the weighted median method in that order. An input that only matters
under other methods (e.g. the reference-contributor FTE fraction when the base method is
the contributors method) gets a bar of zero width: one-at-a-time analysis cannot see it.

**Variance shares**. Every draw's log BCR is a sum of terms, one per input:

    log BCR = sum_b log x_b - log salary - log coverage - log fraction_m - log FTE_m

where m is the draw's costing method. The method-dependent part is split exactly by the
law of total variance into a *method* term (the mean of log(fraction_m * FTE_m) for the
drawn method), an *FTE* term (log FTE_m minus its mean under m) and a *fraction* term
for each fraction quantity (its centred log, only in the draws of the methods that use
it). With T_j the centred terms and Y = sum_j T_j = log BCR - const,

    share_j = cov(T_j, Y) / var(Y)

The shares sum to 1 exactly. For independent inputs the cross-covariances vanish, so
share_j = var(T_j) / var(Y) up to Monte Carlo error (the terms of the method-mixture
split are uncorrelated by construction). Under the prior file's rank correlations each
covariance is split equally between its two inputs, and a share can be negative.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from mcvalue.paper import METHOD_KEYS, METHODS
from mcvalue.priors.spec import BENEFIT_QUANTITIES, QUANTITIES, Scenario
from mcvalue.simulate import Simulation, outcomes

FTE_INPUT = "fte"
METHOD_INPUT = "cost.method"
CONTRIBUTOR_FRACTION = "cost.fte_fraction_contributor"
REFERENCE_FRACTION = "cost.fte_fraction_reference"
#: Column index in METHOD_KEYS order of the one method priced per contributor.
_USES_CONTRIBUTOR_FRACTION = np.array([m.unit == "contributors" for m in METHODS])
DEFAULT_SWING = (0.10, 0.90)


@dataclass(frozen=True)
class TornadoBar:
    """One input's swing: its values at the low/high percentile and the BCR at each."""

    input: str
    label: str
    value_low: float | str
    value_high: float | str
    bcr_low: float
    bcr_high: float

    @property
    def width(self) -> float:
        """Width of the bar on the log axis it is drawn on (log10 of the BCR ratio)."""
        return abs(float(np.log10(self.bcr_high) - np.log10(self.bcr_low)))


def swing_percentiles(swing: Sequence[float]) -> tuple[int, int]:
    """Return a swing as whole percentiles, e.g. (0.1, 0.9) -> (10, 90)."""
    lo, hi = (round(100 * q) for q in swing)
    return lo, hi


def describe_swing(swing: Sequence[float], base_bcr: float, base_method: str) -> str:
    """Return what a tornado swung, in one sentence, from its swing percentiles and base point."""
    lo, hi = swing_percentiles(swing)
    return (
        f"each input swung from its p{lo} to its p{hi} with all others at their medians "
        f"(base BCR {base_bcr:.3g}, base method {base_method}); the bar spans the two BCRs"
    )


@dataclass(frozen=True)
class Tornado:
    """A tornado table: the base point and the bars, widest first."""

    swing: tuple[float, float]
    base_bcr: float
    base_method: str
    bars: tuple[TornadoBar, ...]

    def percentiles(self) -> tuple[int, int]:
        """Return the swing as whole percentiles, e.g. (10, 90)."""
        return swing_percentiles(self.swing)

    def description(self) -> str:
        """Return what was swung, in one sentence (for reports and the terminal)."""
        return describe_swing(self.swing, self.base_bcr, self.base_method)

    def axis_label(self) -> str:
        """Return what was swung, in words fit for an axis label."""
        lo, hi = self.percentiles()
        return (
            f"BCR with one input at its p{lo} / p{hi}, all others at their medians\n"
            f"(base method {self.base_method}; log scale)"
        )

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "swing": list(self.swing),
            "base_bcr": self.base_bcr,
            "base_method": self.base_method,
            "bars": [
                {
                    "input": b.input,
                    "label": b.label,
                    "value_low": b.value_low,
                    "value_high": b.value_high,
                    "bcr_low": b.bcr_low,
                    "bcr_high": b.bcr_high,
                }
                for b in self.bars
            ],
        }


@dataclass(frozen=True)
class VarianceShares:
    """Each input's share of var(log BCR), largest first, summing to 1."""

    var_log_bcr: float
    shares: tuple[tuple[str, float], ...]
    method: str = "cov(term, log BCR) / var(log BCR); exact sum decomposition, see mcvalue.sensitivity"

    def to_dict(self) -> dict:
        """JSON-ready form."""
        return {
            "method": self.method,
            "var_log_bcr": self.var_log_bcr,
            "shares": [{"input": name, "share": share} for name, share in self.shares],
        }


def _method_order(scenario: Scenario, fte_median: np.ndarray) -> list[int]:
    """Methods with positive weight, ordered by their cost at the medians (cheapest first)."""
    frac_c = float(scenario.quantities[CONTRIBUTOR_FRACTION].ppf(np.array([0.5]))[0])
    frac_r = float(scenario.quantities[REFERENCE_FRACTION].ppf(np.array([0.5]))[0])
    fraction = np.where(_USES_CONTRIBUTOR_FRACTION, frac_c, frac_r)
    cost = fraction * fte_median
    used = [i for i, key in enumerate(METHOD_KEYS) if scenario.method_weights.get(key, 0.0) > 0]
    return sorted(used, key=lambda i: cost[i])


def _method_at(scenario: Scenario, order: list[int], q: float) -> int:
    """Return the q-quantile of the discrete method input: first method whose cumulative weight reaches q."""
    weights = np.array([scenario.method_weights[METHOD_KEYS[i]] for i in order])
    cumulative = np.cumsum(weights) / weights.sum()
    return order[int(np.searchsorted(cumulative, q - 1e-12))]


def tornado(
    scenario: Scenario,
    fte: np.ndarray,
    swing: tuple[float, float] = DEFAULT_SWING,
    cost_model: str = "cost model",
) -> Tornado:
    """One-at-a-time swings of every uncertain input; bars sorted widest first.

    ``fte`` is the ``(m, 5)`` array of FTE draws the run used (columns in METHOD_KEYS
    order); ``cost_model`` names it in the FTE bar's label.
    """
    lo, hi = swing
    fte_at = {q: np.quantile(fte, q, axis=0) for q in (lo, 0.5, hi)}
    order = _method_order(scenario, fte_at[0.5])
    base_method = _method_at(scenario, order, 0.5)
    base = {q: float(scenario.quantities[q].ppf(np.array([0.5]))[0]) for q in QUANTITIES}

    rows: list[tuple] = []  # (input, label, value at low, at high, quantity values, FTE quantiles, methods)
    for q in QUANTITIES:
        v_lo, v_hi = (float(scenario.quantities[q].ppf(np.array([p]))[0]) for p in (lo, hi))
        if v_lo != v_hi:
            rows.append((q, q, v_lo, v_hi, {q: (v_lo, v_hi)}, None, None))
    f_lo, f_hi = fte_at[lo][base_method], fte_at[hi][base_method]
    if f_lo != f_hi:
        label = f"FTE of {METHOD_KEYS[base_method]} ({cost_model})"
        rows.append((FTE_INPUT, label, float(f_lo), float(f_hi), {}, (lo, hi), None))
    m_lo, m_hi = _method_at(scenario, order, lo), _method_at(scenario, order, hi)
    if m_lo != m_hi:
        rows.append((METHOD_INPUT, "costing method", METHOD_KEYS[m_lo], METHOD_KEYS[m_hi], {}, None, (m_lo, m_hi)))

    # Row 0 is the base; rows 2k+1 / 2k+2 are bar k's low / high ends.
    k = 1 + 2 * len(rows)
    inputs = {q: np.full(k, base[q]) for q in QUANTITIES}
    fte_rows = np.tile(fte_at[0.5], (k, 1))
    method_index = np.full(k, base_method)
    for j, (_, _, _, _, quantity, fte_q, methods) in enumerate(rows):
        for end in (0, 1):
            r = 1 + 2 * j + end
            for name, values in quantity.items():
                inputs[name][r] = values[end]
            if fte_q is not None:
                fte_rows[r] = fte_at[fte_q[end]]
            if methods is not None:
                method_index[r] = methods[end]
    bcr = np.asarray(outcomes(inputs, fte_rows, method_index).bcr, dtype=float)

    bars = [
        TornadoBar(name, label, v_lo, v_hi, float(bcr[1 + 2 * j]), float(bcr[2 + 2 * j]))
        for j, (name, label, v_lo, v_hi, *_rest) in enumerate(rows)
    ]
    bars.sort(key=lambda b: b.width, reverse=True)
    return Tornado(swing=(lo, hi), base_bcr=float(bcr[0]), base_method=METHOD_KEYS[base_method], bars=tuple(bars))


def log_bcr_terms(sim: Simulation) -> dict[str, np.ndarray]:
    """Return the centred per-draw terms T_j whose sum is log BCR minus its mean (see module doc).

    Raises ``RuntimeError`` if the terms do not add up to log BCR, i.e. if the engine's
    cost/benefit formula no longer matches the decomposition.
    """
    rows = np.arange(len(sim.bcr))
    m = np.asarray(sim.method_index)
    uses_c = _USES_CONTRIBUTOR_FRACTION[m]
    log = {q: np.log(np.asarray(sim.inputs[q], dtype=float)) for q in QUANTITIES}
    log_fte = np.log(np.asarray(sim.fte, dtype=float))
    # A constant's mean is taken as its value exactly, so point masses give exact-zero terms.
    mean = {q: float(v[0]) if np.ptp(v) == 0 else float(v.mean()) for q, v in log.items()}
    mean_fte = np.where(np.ptp(log_fte, axis=0) == 0, log_fte[0], log_fte.mean(axis=0))

    terms: dict[str, np.ndarray] = {}
    for q in QUANTITIES:
        if q in (CONTRIBUTOR_FRACTION, REFERENCE_FRACTION):
            continue
        sign = 1.0 if q in BENEFIT_QUANTITIES else -1.0
        terms[q] = sign * (log[q] - mean[q])
    terms[CONTRIBUTOR_FRACTION] = -np.where(uses_c, log[CONTRIBUTOR_FRACTION] - mean[CONTRIBUTOR_FRACTION], 0.0)
    terms[REFERENCE_FRACTION] = -np.where(uses_c, 0.0, log[REFERENCE_FRACTION] - mean[REFERENCE_FRACTION])
    terms[FTE_INPUT] = -(log_fte[rows, m] - mean_fte[m])
    method_mean = np.where(_USES_CONTRIBUTOR_FRACTION, mean[CONTRIBUTOR_FRACTION], mean[REFERENCE_FRACTION]) + mean_fte
    drawn = method_mean[m]
    terms[METHOD_INPUT] = -(drawn - (drawn[0] if np.ptp(drawn) == 0 else drawn.mean()))

    y = np.log(np.asarray(sim.bcr, dtype=float))
    residual = y - sum(terms.values())
    residual -= residual.mean()
    if np.max(np.abs(residual), initial=0.0) > 1e-8 * max(1.0, float(np.max(np.abs(y)))):
        raise RuntimeError("log BCR is not the sum of the input terms: the engine's formula changed")
    return terms


def variance_shares(sim: Simulation) -> VarianceShares:
    """Each input's share of var(log BCR): cov(T_j, Y) / var(Y), largest first.

    Inputs with no variance (point masses, a single method, constant FTE) are left out.
    If log BCR has no variance at all, there is nothing to share and the list is empty.
    """
    terms = log_bcr_terms(sim)
    y = sum(terms.values())
    y = y - y.mean()
    var_y = float(np.mean(y * y))
    if var_y == 0.0:
        return VarianceShares(var_log_bcr=0.0, shares=())
    shares = [(name, float(np.mean(t * y)) / var_y) for name, t in terms.items() if np.any(t != 0.0)]
    shares.sort(key=lambda s: s[1], reverse=True)
    return VarianceShares(var_log_bcr=var_y, shares=tuple(shares))


def sensitivity_dict(tornado_table: Tornado, shares: VarianceShares) -> dict:
    """Return the ``sensitivity`` block of summary.json."""
    return {"tornado": tornado_table.to_dict(), "variance_shares": shares.to_dict()}


def input_labels(names: Sequence[str], cost_model: str) -> dict[str, str]:
    """Readable labels for variance-share rows (the FTE and method inputs need context)."""
    special = {FTE_INPUT: f"FTE ({cost_model})", METHOD_INPUT: "costing method"}
    return {n: special.get(n, n) for n in names}
