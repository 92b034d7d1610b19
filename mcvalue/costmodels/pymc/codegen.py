"""Portable code generation: the sampler's compiled code depends on an instruction-set level, not on the CPU model.

nutpie samples on a log density that pytensor compiles with numba (LLVM). Left alone,
numba compiles for the host CPU model (``znver4`` with AVX-512, say) and, with pytensor's
fast-math flags, vectorises sums at the host's widest vector width: another CPU adds the
same terms in another order, the sampler's path drifts after some hundred steps, and every
figure moves within its Monte Carlo error. A fresh run on another machine then cannot
reproduce the committed reference byte for byte.

:func:`use_portable_target` points numba (and pytensor's C compiler) at a named level
instead of the host: ``x86-64-v3`` (AVX2, FMA, BMI: every x86-64 server CPU since 2013-2017)
where the host has it, else the baseline ``x86-64``. nutpie's own Rust sampler chooses its
SIMD path at run time by the same test (AVX2 + FMA, or its baseline), so on every machine
of one level the whole fit runs the same instructions and gives the same bits. The level
is recorded in the run's provenance; the CPU model in its run record.

Measured cost (``benchmarks/bench_run.py``): see the README's performance section.
"""

from __future__ import annotations

import functools
import os
import platform

#: LLVM's names of the features that make up x86-64-v3 (on top of v2's).
X86_64_V3 = frozenset({"avx", "avx2", "bmi", "bmi2", "f16c", "fma", "lzcnt", "movbe", "xsave"})
#: The level of an x86-64 CPU without them: the SSE2 baseline every x86-64 CPU runs.
X86_64_BASELINE = "x86-64"


def instruction_set(features: frozenset[str], machine: str) -> str:
    """Return the instruction-set level compiled code targets on a CPU with these ``features``.

    Parameters
    ----------
    features : frozenset of str
        The host's CPU features, in LLVM's names (``"avx2"``, ``"fma"``...).
    machine : str
        ``platform.machine()``: only x86-64 has named portable levels here; any other
        architecture is compiled for its host (``"<machine> (host)"``).
    """
    if machine not in ("x86_64", "AMD64"):
        return f"{machine} (host)"
    return "x86-64-v3" if X86_64_V3 <= features else X86_64_BASELINE


def host_instruction_set() -> str:
    """Return the portable level this machine runs (:func:`instruction_set` of its features)."""
    import llvmlite.binding as llvm

    features = frozenset(name for name, present in llvm.get_host_cpu_features().items() if present)
    return instruction_set(features, platform.machine())


def use_portable_target() -> tuple[str, str | None]:
    """Point numba and pytensor at the host's portable level before they compile anything.

    Sets numba's target CPU (and an empty feature list, so the host's extra features are not
    added back) in its live configuration and in the environment (for worker processes),
    turns off pytensor's on-disk cache of numba code (code loaded from it was compiled as
    separate functions and differs in the last bit from code compiled in one piece, so a
    warm cache would change the draws), and sets pytensor's ``-march``.

    Returns
    -------
    (str, str or None)
        The level compiled for, and a warning when numba had already compiled code for
        another target in this process (its code generator is made once per process, so
        the fit then depends on this CPU; a fresh Python process fixes it).
    """
    level = host_instruction_set()
    if level.endswith("(host)"):
        return level, None
    from pytensor.configdefaults import config

    config.numba__cache = False
    if "-march=" not in config.gcc__cxxflags:
        config.gcc__cxxflags = f"{config.gcc__cxxflags} -march={level}".strip()
    compiled_for = _numba_target(level)
    if compiled_for == level:
        return level, None
    warning = (
        "numba compiled code for this CPU before mcvalue chose the portable target; the fit may differ "
        "on another machine (start a fresh Python process and fit before other numba code runs)"
    )
    return f"{compiled_for} (host)", warning


@functools.cache
def _numba_target(level: str) -> str:
    """Return the CPU name numba's code generator in this process targets, making it ``level`` if none exists yet.

    numba makes its code generator once per process, from its configuration at that moment:
    set before, the portable level holds for every later compilation; set after, it changes
    nothing, and ``"host"`` is returned.
    """
    import numba.core.config as numba_config
    from numba.core.registry import cpu_target

    if "_toplevel_target_context" in vars(cpu_target):
        return level if (numba_config.CPU_NAME, numba_config.CPU_FEATURES) == (level, "") else "host"  # type: ignore[attr-defined]  # set by numba at import
    numba_config.CPU_NAME, numba_config.CPU_FEATURES = level, ""  # type: ignore[attr-defined]  # numba defines them with globals().update
    os.environ["NUMBA_CPU_NAME"], os.environ["NUMBA_CPU_FEATURES"] = level, ""
    return level
