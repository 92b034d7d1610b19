"""Brent's root finder, step for step as ``scipy.optimize.brentq`` takes it, without importing scipy.optimize.

The break-even search is the only use of ``scipy.optimize`` in a run, and importing it cost
~0.2 s of every re-run. :func:`brentq` follows the same iteration (Brent 1973, chapter 4,
in the form of scipy's ``brentq.c``: inverse quadratic interpolation or the secant step
when it is short enough, else bisection; tolerance ``(xtol + rtol |x|) / 2``), so it
evaluates ``f`` at the same points and returns the same float: a test compares the two.
"""

from __future__ import annotations

import math
from collections.abc import Callable

#: scipy's default relative tolerance: four machine epsilons.
RTOL = 4 * 2.220446049250313e-16
MAXITER = 100


def brentq(f: Callable[[float], float], a: float, b: float, *, xtol: float = 2e-12, rtol: float = RTOL, maxiter: int = MAXITER) -> float:
    """Return a root of ``f`` in [a, b], where ``f(a)`` and ``f(b)`` differ in sign.

    Parameters
    ----------
    f : callable
        A continuous function of one float.
    a, b : float
        The bracket.
    xtol, rtol : float
        The root is within ``xtol + rtol |x|`` of the returned x (``rtol`` at least 4 eps).
    maxiter : int
        The most iterations.

    Returns
    -------
    float
        The root found.

    Raises
    ------
    ValueError
        ``f(a)`` and ``f(b)`` have the same sign, or a tolerance is out of range.
    RuntimeError
        No convergence within ``maxiter`` iterations.

    Examples
    --------
    >>> round(brentq(lambda x: x * x - 2.0, 0.0, 2.0), 12)
    1.414213562373
    """
    if xtol <= 0:
        raise ValueError(f"xtol must be > 0, got {xtol}")
    if rtol < RTOL:
        raise ValueError(f"rtol must be >= {RTOL}, got {rtol}")
    xpre, xcur = float(a), float(b)
    fpre, fcur = float(f(xpre)), float(f(xcur))
    if fpre == 0:
        return xpre
    if fcur == 0:
        return xcur
    if math.copysign(1.0, fpre) == math.copysign(1.0, fcur):
        raise ValueError("f(a) and f(b) must have different signs")
    xblk = fblk = spre = scur = 0.0
    for _ in range(maxiter):
        if fpre != 0 and fcur != 0 and math.copysign(1.0, fpre) != math.copysign(1.0, fcur):
            xblk, fblk = xpre, fpre
            spre = scur = xcur - xpre
        if abs(fblk) < abs(fcur):
            xpre, xcur, xblk = xcur, xblk, xcur
            fpre, fcur, fblk = fcur, fblk, fcur
        delta = (xtol + rtol * abs(xcur)) / 2
        sbis = (xblk - xcur) / 2
        if fcur == 0 or abs(sbis) < delta:
            return xcur
        if abs(spre) > delta and abs(fcur) < abs(fpre):
            if xpre == xblk:  # interpolate (secant)
                stry = -fcur * (xcur - xpre) / (fcur - fpre)
            else:  # extrapolate (inverse quadratic)
                dpre = (fpre - fcur) / (xpre - xcur)
                dblk = (fblk - fcur) / (xblk - xcur)
                stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre))
            if 2 * abs(stry) < min(abs(spre), 3 * abs(sbis) - delta):  # a good short step
                spre, scur = scur, stry
            else:
                spre = scur = sbis
        else:
            spre = scur = sbis
        xpre, fpre = xcur, fcur
        xcur += scur if abs(scur) > delta else (delta if sbis > 0 else -delta)
        fcur = float(f(xcur))
    raise RuntimeError(f"brentq did not converge in {maxiter} iterations")
