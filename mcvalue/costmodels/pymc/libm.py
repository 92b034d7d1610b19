"""The C library's ``exp`` on arrays: simulated data whose bits do not depend on the CPU.

NumPy 2 computes float64 ``exp`` with its own AVX-512 kernel on CPUs that have AVX-512 and
with the C library's elsewhere. The two differ in the last bit for about 5% of inputs, so
data simulated with ``np.exp`` on an AVX-512 CPU had other bits, and a calibration record
another digest, than on other CPUs (docs/calibrate.md). The simulator
(:func:`mcvalue.costmodels.pymc.replicate.simulate_data`) and the line log-sd of a
calibration dataset's true parameters therefore exponentiate here.
"""

from __future__ import annotations

import math

import numpy as np


def libm_exp(x: np.ndarray) -> np.ndarray:
    """Return ``exp(x)`` elementwise, computed by the C library's ``exp`` whatever NumPy's kernels.

    :func:`math.exp` always calls the C library's ``exp``, which is what NumPy calls on a
    CPU without AVX-512, so values computed here have the bits NumPy gives there, on every
    CPU (glibc picks one build of ``exp`` for all CPUs with AVX2 and FMA, the sampler's
    ``x86-64-v3`` level). About 0.15 microseconds an element: for the simulator's few
    thousand values a replicate, not for the posterior's draws.
    """
    values = np.asarray(x, dtype=float)
    return np.fromiter(map(_exp_or_inf, values.ravel().tolist()), dtype=float, count=values.size).reshape(values.shape)


def _exp_or_inf(value: float) -> float:
    """Return the C library's ``exp(value)``, infinity where it overflows (as NumPy gives; :func:`math.exp` raises)."""
    try:
        return math.exp(value)
    except OverflowError:
        return math.inf
