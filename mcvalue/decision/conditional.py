r"""Conditional runs: the run's draws with one input held fixed, the others keeping their distributions.

The one module that builds them; :mod:`mcvalue.decision.tornado` and
:mod:`mcvalue.decision.break_even` read only their medians.

* An input that no rank correlation names is fixed in every one of the run's draws, so
  every other input keeps its draws exactly (exact for independent inputs).
* An input that a rank correlation names would drag its partners with it, so fixing it
  alone would break the correlation. Its conditional run is made of the draws whose value
  of that input lies within +-:data:`CORRELATED_BAND` in rank (empirical CDF) of the fixed
  value (the band clipped to [0, 1]), with the input set to the fixed value in those
  draws: the partners then follow their distribution given the input near that value, as
  the Iman-Conover draws have it, and every uncorrelated input keeps its distribution (the
  band is a subsample): about 10,000 draws of a 200,000-draw run.
* The FTE input is fixed at a vector (one FTE per method, or under ``[cost] basis =
  "stock"`` one trajectory, which the model depreciates at each draw's rate); the costing
  method at one method key. An input that changes a draw's FTE (the depreciation rate of a
  stock, ``model.refte_inputs``) re-depreciates each draw's own trajectory at the fixed rate.

Medians without re-running the model. The engine's BCR is a product in which many inputs
enter as a power: BCR is proportional to :math:`x^{e_i}` in draw i (``powers``; e.g. +1 for
a benefit factor, -1 for the salary, -1 or 0 for an FTE fraction depending on the draw's
method). Fixing x at v then turns draw i's BCR into :math:`c_i v^{e}` with
:math:`c_i = \mathrm{BCR}_i x_i^{-e}` for the draws with :math:`e_i = e`, and leaves the
others as they are; the median of that union is read from the two sorted sets by
bisection in O(log n), so every tornado end and break-even step of such an input costs
microseconds instead of a model run over all draws. The result equals the median of the
re-run model's draws to rounding (a test checks it).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from mcvalue.decision.common import FTE_INPUT, METHOD_INPUT, ModelCallable, bcr_of

#: Half-width, in rank (prior probability), of the band of draws a correlated input is conditioned on.
CORRELATED_BAND = 0.025


def _kth(a: np.ndarray, b: np.ndarray, scale: float, k: int) -> float:
    """Return the k-th smallest (0-based) of the union of sorted ``a`` and sorted ``scale * b`` (scale > 0)."""
    p, q = a.size, b.size
    lo, hi = max(0, k - q), min(k, p)
    while lo < hi:
        i = (lo + hi) // 2
        if a[i] < b[k - i - 1] * scale:
            lo = i + 1
        else:
            hi = i
    j = k - lo
    return min(a[lo] if lo < p else np.inf, b[j] * scale if j < q else np.inf)


def union_median(fixed: np.ndarray, moving: np.ndarray, scale: float) -> float:
    """Return the median of ``fixed`` together with ``scale * moving`` (both sorted ascending, scale > 0).

    As :func:`numpy.median`: the middle value, or the mean of the two middle values.
    """
    n = fixed.size + moving.size
    upper = _kth(fixed, moving, scale, n // 2)
    if n % 2:
        return float(upper)
    return float((_kth(fixed, moving, scale, n // 2 - 1) + upper) / 2)


class ConditionalRuns:
    """The run's draws with one input held fixed (see the module docstring).

    Parameters
    ----------
    model : callable
        ``model(inputs, fte, method_index)`` -> BCR or an object with ``.bcr``
        (:class:`mcvalue.engine.simulate.Model`; its ``refte_inputs`` and ``fte_of_rows`` are used
        when it has them).
    inputs : mapping of str to numpy.ndarray
        Each prior quantity's draws (length n).
    fte : numpy.ndarray
        (n, 5) FTE of each draw as the model prices it.
    method_index : numpy.ndarray
        (n,) index into ``method_keys`` of each draw's costing method.
    method_keys : sequence of str
        The costing methods, in the column order of ``fte``.
    bcr : numpy.ndarray, optional
        The draws' BCR (default: the model's on the draws).
    powers : mapping of str to float or numpy.ndarray, optional
        Inputs in which BCR is a power: BCR proportional to ``x ** e`` per draw (scalar or (n,)).
    correlated : sequence of str
        Inputs conditioned by the rank band instead of fixing them in every draw.
    band : float
        Half-width of the band in rank.
    fte_row : numpy.ndarray, optional
        (n,) pool row of each draw, for inputs in ``model.refte_inputs``.
    benefit, cost_by_method : numpy.ndarray, optional
        (n,) benefit and (n, 5) cost under each method of the draws: the method's
        conditional median is then benefit / that method's cost, without a model run.
    """

    def __init__(
        self,
        model: ModelCallable,
        inputs: Mapping[str, np.ndarray],
        fte: np.ndarray,
        method_index: np.ndarray,
        method_keys: Sequence[str],
        *,
        bcr: np.ndarray | None = None,
        powers: Mapping[str, float | np.ndarray] | None = None,
        correlated: Sequence[str] = (),
        band: float = CORRELATED_BAND,
        fte_row: np.ndarray | None = None,
        benefit: np.ndarray | None = None,
        cost_by_method: np.ndarray | None = None,
    ) -> None:
        self.model = model
        self.inputs = {name: np.asarray(x, dtype=float) for name, x in inputs.items()}
        self.fte = np.asarray(fte, dtype=float)
        self.method_index = np.asarray(method_index)
        self.method_keys = list(method_keys)
        self.n = self.fte.shape[0]
        self.bcr = bcr_of(model(self.inputs, self.fte, self.method_index)) if bcr is None else np.asarray(bcr, dtype=float)
        self.powers = dict(powers or {})
        self.correlated = tuple(correlated)
        self.band = band
        self.fte_row = fte_row
        self.benefit = benefit
        self.cost_by_method = cost_by_method
        self.refte = tuple(getattr(model, "refte_inputs", ()))
        self._sorted: dict[str, np.ndarray] = {name: np.sort(self.inputs[name]) for name in self.correlated}
        self._split: dict[str, tuple[np.ndarray, np.ndarray, float] | None] = {}

    def _in_band(self, name: str, value: float) -> np.ndarray:
        """Return the draws whose value of ``name`` lies within the rank band around ``value``."""
        x, n = self._sorted[name], self.n
        # Empirical CDF at the value: the mid-rank of ties (exact for continuous draws).
        u = (np.searchsorted(x, value, side="left") + np.searchsorted(x, value, side="right")) / (2.0 * n)
        lo, hi = x[int(np.floor(max(u - self.band, 0.0) * (n - 1)))], x[int(np.ceil(min(u + self.band, 1.0) * (n - 1)))]
        return np.asarray((self.inputs[name] >= lo) & (self.inputs[name] <= hi), dtype=bool)

    def __call__(self, name: str, value: Any) -> np.ndarray:
        """Return the BCR draws of the conditional run with input ``name`` fixed at ``value``.

        ``value`` is a number for a prior quantity, a vector (one FTE per method; a (Y, 5)
        trajectory under the stock basis) for :data:`FTE_INPUT` and a method key for
        :data:`METHOD_INPUT`.
        """
        keep: np.ndarray | slice = self._in_band(name, float(value)) if name in self.correlated else slice(None)
        inputs = {key: draws[keep] for key, draws in self.inputs.items()}
        fte, methods = self.fte[keep], self.method_index[keep]
        size = fte.shape[0]
        if name == METHOD_INPUT:
            methods = np.full(size, self.method_keys.index(value))
        elif name == FTE_INPUT:
            value = np.asarray(value, dtype=float)
            fte = np.broadcast_to(value, (size, *value.shape))
        elif name in self.inputs:
            inputs[name] = np.full(size, float(value))
            if name in self.refte:
                fte = self.model.fte_of_rows(self.fte_row[keep], float(value))  # type: ignore[attr-defined, index]
        else:
            raise KeyError(f"unknown input {name!r}")
        return bcr_of(self.model(inputs, fte, methods))

    def median(self, name: str, value: Any) -> float:
        """Return the median BCR of the conditional run (by bisection for a power input, else by a run)."""
        if name == METHOD_INPUT and self.benefit is not None and self.cost_by_method is not None:
            with np.errstate(divide="ignore"):
                return float(np.median(self.benefit / self.cost_by_method[:, self.method_keys.index(value)]))
        split = self._power_split(name)
        if split is None:
            return float(np.median(self(name, value)))
        fixed, moving, exponent = split
        if fixed.size == 0:  # every draw moves: the median scales (moving holds its median alone)
            return float(float(moving[0]) * float(value) ** exponent)
        return union_median(fixed, moving, float(value) ** exponent)

    def _power_split(self, name: str) -> tuple[np.ndarray, np.ndarray, float] | None:
        """Return (sorted BCR of the draws the input leaves alone, sorted c_i of the others, e), or None.

        When every draw moves, ``fixed`` is empty and ``moving`` holds only the median of the
        c_i (a partition, not a sort).
        """
        if name not in self._split:
            self._split[name] = None
            if name in self.powers and name not in self.correlated and name not in self.refte:
                x = self.inputs[name]
                e = np.broadcast_to(np.asarray(self.powers[name], dtype=float), x.shape)
                moves = e != 0
                exponents = np.unique(e[moves])
                if exponents.size == 0:  # no draw reads the input: every conditional run is the run itself
                    self._split[name] = (np.empty(0), np.array([np.median(self.bcr)]), 0.0)
                elif exponents.size == 1 and np.all(x[moves] > 0):
                    exponent = float(exponents[0])
                    scaled = self.bcr[moves] * (x[moves] if exponent == -1.0 else x[moves] ** -exponent)
                    if moves.all():
                        self._split[name] = (np.empty(0), np.array([np.median(scaled)]), exponent)
                    else:
                        c = np.sort(scaled)
                        self._split[name] = (np.sort(self.bcr[~moves]), c, exponent)
        return self._split[name]
