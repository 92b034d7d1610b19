r"""First-order and total Sobol indices of BCR and of log(BCR) on a Saltelli design.

The design is SALib's (``SALib.sample.sobol.sample`` with ``calc_second_order=False``:
the scrambled Sobol' sequence of dimension 2D cut into matrices A and B, and for each
input j the matrix :math:`A_B^{(j)}`, A with column j taken from B); the estimators are
SALib's (``SALib.analyze.sobol``: Saltelli et al. 2010 first order, Jansen total order, on
the output standardised over all runs). Two things differ, both for speed:

* the design is built by array operations on the scrambled Sobol' sequence of
  :mod:`mcvalue.decision.sobol_sequence` (scipy's, bit for bit, without importing
  ``scipy.stats``), and each input's quantile function is
  evaluated on the 2N distinct values of its column (A's and B's), not on the
  N(D + 2) rows;
* the confidence intervals are asymptotic (delta method, vectorised over inputs)
  instead of SALib's bootstrap loop: both estimators are ratios of means over the N base
  rows, so with :math:`v_i = ((a_i - m)^2 + (b_i - m)^2)/2` (the variance's per-row
  term), :math:`\hat S_j = \bar u_j / \bar v` with :math:`u_{ij} = b_i (c_{ij} - a_i)`
  and :math:`\hat T_j = \bar w_j / \bar v` with :math:`w_{ij} = (a_i - c_{ij})^2 / 2`,
  :math:`\mathrm{se}(\hat S_j) = \mathrm{sd}(u_{ij} - \hat S_j v_i) / (\bar v \sqrt N)` and
  likewise for :math:`\hat T_j`; the half-width is :math:`z_{(1+\text{level})/2}` se. Like
  SALib's bootstrap it treats the N base rows as independent, which is conservative for
  a scrambled Sobol' sequence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from mcvalue.config import DEFAULT_SEED
from mcvalue.decision.common import FTE_INPUT, METHOD_INPUT, ModelCallable, Quantiles, bcr_of, is_point_mass, jsonable

if TYPE_CHECKING:
    import pandas as pd
    from matplotlib.axes import Axes

#: Base sample size N of the default design (N (D + 2) model runs). See :data:`PRECISION`.
DEFAULT_N_BASE = 2**13
#: The stated precision: the largest 95% CI half-width of a log-BCR index the default design
#: must give (the report's figure; checked on the default run by ``benchmarks/bench_run_decision.py``,
#: docs/decision.md). The indices of BCR itself, a heavy-tailed output, get wider intervals.
PRECISION = 0.02
OUTPUTS = ("bcr", "log_bcr")


@dataclass(frozen=True)
class SobolIndices:
    """Sobol indices of one output: per input, first-order and total index and their CI half-widths."""

    output: str
    inputs: tuple[str, ...]
    first: np.ndarray
    first_ci: np.ndarray
    total: np.ndarray
    total_ci: np.ndarray

    def rows(self) -> list[dict[str, Any]]:
        """Return one dict per input: ``input``, ``first``, ``first_ci``, ``total``, ``total_ci``."""
        return [
            {"input": name, "first": float(s1), "first_ci": float(c1), "total": float(st), "total_ci": float(ct)}
            for name, s1, c1, st, ct in zip(self.inputs, self.first, self.first_ci, self.total, self.total_ci, strict=True)
        ]


@dataclass(frozen=True)
class Sobol:
    """Sobol indices of BCR and of log BCR (:func:`sobol`).

    Attributes
    ----------
    indices : dict of str to SobolIndices
        ``"bcr"`` and ``"log_bcr"``.
    n_base, model_runs : int
        Base sample size N and model runs N (D + 2) (0 if no input varies).
    conf_level : float
        Level of the confidence intervals.
    """

    indices: dict[str, SobolIndices]
    n_base: int
    model_runs: int
    conf_level: float

    def to_dict(self) -> list[dict[str, Any]]:
        """Return ``sensitivity.sobol`` of summary.json: one entry per output."""
        return jsonable(
            [
                {
                    "output": out,
                    "n_base": self.n_base,
                    "model_runs": self.model_runs,
                    "conf_level": self.conf_level,
                    "indices": table.rows(),
                }
                for out, table in self.indices.items()
            ]
        )

    def to_df(self) -> pd.DataFrame:
        """Return one row per output and input."""
        import pandas as pd

        return pd.DataFrame([{"output": out, **row} for out, table in self.indices.items() for row in table.rows()])

    def max_ci(self, output: str = "log_bcr") -> float:
        """Return the widest CI half-width of an output's indices (log BCR's: to compare with :data:`PRECISION`)."""
        table = self.indices[output]
        return float(max(table.first_ci.max(initial=0.0), table.total_ci.max(initial=0.0)))

    def plot(self, output: str = "log_bcr", *, ax: Axes | None = None, labels: Mapping[str, str] | None = None) -> Axes:
        """Draw one output's indices (:func:`mcvalue.decision.plotting.sobol_bars`); return the Axes."""
        from mcvalue.decision.plotting import sobol_bars

        if output not in self.indices:
            raise ValueError(f"output must be 'bcr' or 'log_bcr', got {output!r}")
        return sobol_bars(self.indices[output], self.conf_level, ax=ax, labels=labels)


def saltelli_indices(a: np.ndarray, b: np.ndarray, ab: np.ndarray, z: float) -> tuple[np.ndarray, ...]:
    """First-order and total indices with CI half-widths ``z`` se (see the module docstring).

    ``a``, ``b``: (N,) outputs of A and B; ``ab``: (N, D) outputs of each :math:`A_B^{(j)}`,
    all standardised. Returns (first, first_ci, total, total_ci), each (D,).
    """
    n = a.size
    m = (a.sum() + b.sum()) / (2 * n)
    v = ((a - m) ** 2 + (b - m) ** 2) / 2
    variance = v.mean()
    zeros = np.zeros(ab.shape[1])
    if np.ptp(np.concatenate([a, b])) <= np.finfo(float).eps or variance <= np.finfo(float).eps:
        return zeros, zeros, zeros, zeros
    u = b[:, None] * (ab - a[:, None])
    w = 0.5 * (a[:, None] - ab) ** 2
    first, total = u.mean(axis=0) / variance, w.mean(axis=0) / variance
    scale = z / (variance * np.sqrt(n))
    first_ci = np.std(u - first * v[:, None], axis=0, ddof=1) * scale
    total_ci = np.std(w - total * v[:, None], axis=0, ddof=1) * scale
    return first, first_ci, total, total_ci


def sobol(
    model: ModelCallable,
    priors: Mapping[str, Quantiles],
    fte_pool: np.ndarray,
    method_weights: Sequence[float] | np.ndarray,
    *,
    n_base: int = DEFAULT_N_BASE,
    seed: int = DEFAULT_SEED,
    conf_level: float = 0.95,
) -> Sobol:
    r"""First-order and total Sobol indices of BCR and of log(BCR).

    Every prior quantity is one input, the costing method is one (categorical) input and
    the FTE draws are one grouped input. The design (see the module docstring) lives in
    the unit hypercube and is mapped column by column:

    * prior quantity: :math:`x = F^{-1}(u)` (``ppf``; u clipped to [1e-12, 1 - 1e-12]);
    * costing method: the categorical inverse CDF of the weights, the first method j with
      :math:`u < \sum_{i \le j} w_i / \sum_i w_i`;
    * FTE: pool row :math:`\lfloor u m \rfloor` of the (m, 5) pool, i.e. each row with
      probability 1/m, as in the engine's resampling (a pool of trajectories, (m, Y, 5),
      hands the model (N, Y, 5) rows).

    Correlations are ignored: Sobol indices are defined for independent inputs, so the
    design draws every input independently whatever rank correlations the prior file
    sets. Inputs without spread (point masses, a single method, a constant pool) are not
    sampled and get indices of exactly 0.

    Parameters
    ----------
    model : callable
        ``model(inputs, fte_rows, method_index)`` -> BCR, or an object with ``.bcr``
        (:class:`mcvalue.engine.simulate.Model`).
    priors : mapping of str to Distribution
        Every prior quantity the model reads (anything with ``ppf``).
    fte_pool : numpy.ndarray
        (m, k) FTE pool rows (the five Table 1 figures and the threshold curve), or (m, Y, k) trajectories.
    method_weights : sequence of float
        Weight of each method, in the column order of ``fte_pool``.
    n_base : int
        Base sample size N (a power of 2); the default meets :data:`PRECISION` on the
        default scenario (docs/decision.md).
    seed : int
        Seed of the scrambled Sobol' sequence.
    conf_level : float
        Level of the confidence intervals.

    Returns
    -------
    Sobol
        Indices of ``"bcr"`` and ``"log_bcr"``, one row per prior quantity, then
        :data:`METHOD_INPUT`, then :data:`FTE_INPUT`.

    """
    from scipy.special import ndtri

    from mcvalue.decision.sobol_sequence import scrambled_sobol

    pool = np.asarray(fte_pool, dtype=float)
    weights = np.asarray(method_weights, dtype=float)
    if pool.ndim not in (2, 3) or pool.shape[0] == 0:
        raise ValueError(f"fte_pool must be (m, k) or (m, Y, k) pool rows the model reads, got {pool.shape}")
    all_names = (*priors, METHOD_INPUT, FTE_INPUT)
    varying = [name for name in priors if not is_point_mass(priors[name])]
    if np.count_nonzero(weights > 0) > 1:
        varying.append(METHOD_INPUT)
    if np.unique(pool, axis=0).shape[0] > 1:
        varying.append(FTE_INPUT)
    z = float(ndtri(0.5 + conf_level / 2))
    tables = {out: {name: (0.0, 0.0, 0.0, 0.0) for name in all_names} for out in OUTPUTS}
    n_runs = 0
    if varying:
        d = len(varying)
        base = scrambled_sobol(2 * d, n_base, seed)
        base = np.clip(base, 1e-12, 1.0 - 1e-12)
        a_cols, b_cols = base[:, :d], base[:, d:]
        # block 0: A; block 1 + j: A with column j from B; block d + 1: B
        from_b = np.zeros((d + 2, d), dtype=bool)
        from_b[np.arange(1, d + 1), np.arange(d)] = True
        from_b[d + 1] = True
        n_runs = n_base * (d + 2)

        def column(j: int, mapped_a: np.ndarray, mapped_b: np.ndarray) -> np.ndarray:
            """Values of input j in every run: A's or B's, block by block."""
            return np.concatenate([mapped_b if from_b[blk, j] else mapped_a for blk in range(d + 2)])

        col = {name: j for j, name in enumerate(varying)}
        inputs = {}
        for name, dist in priors.items():
            if name in col:
                j = col[name]
                mapped = np.asarray(dist.ppf(np.concatenate([a_cols[:, j], b_cols[:, j]])), dtype=float)
                inputs[name] = column(j, mapped[:n_base], mapped[n_base:])
            else:
                inputs[name] = np.full(n_runs, float(np.asarray(dist.ppf(np.array([0.5])))[0]))
        if METHOD_INPUT in col:
            cumulative = np.cumsum(weights) / weights.sum()
            j = col[METHOD_INPUT]
            methods = np.minimum(np.searchsorted(cumulative, column(j, a_cols[:, j], b_cols[:, j]), side="right"), weights.size - 1)
        else:
            methods = np.full(n_runs, int(np.argmax(weights)))
        if FTE_INPUT in col:
            j = col[FTE_INPUT]
            rows = np.minimum(np.floor(column(j, a_cols[:, j], b_cols[:, j]) * pool.shape[0]).astype(int), pool.shape[0] - 1)
        else:
            rows = np.zeros(n_runs, dtype=int)
        bcr = bcr_of(model(inputs, pool[rows], methods))
        if not np.all(np.isfinite(bcr)) or np.any(bcr <= 0):
            raise ValueError("the model gave a non-finite or non-positive BCR in the Sobol design")
        for out, y in (("bcr", bcr), ("log_bcr", np.log(bcr))):
            y = ((y - y.mean()) / (y.std() or 1.0)).reshape(d + 2, n_base)
            first, first_ci, total, total_ci = saltelli_indices(y[0], y[d + 1], y[1 : d + 1].T, z)
            for j, name in enumerate(varying):
                tables[out][name] = (first[j], first_ci[j], total[j], total_ci[j])
    indices = {
        out: SobolIndices(out, all_names, *(np.array([tables[out][name][i] for name in all_names]) for i in range(4)))
        for out in OUTPUTS
    }
    return Sobol(indices=indices, n_base=int(n_base), model_runs=int(n_runs), conf_level=conf_level)
