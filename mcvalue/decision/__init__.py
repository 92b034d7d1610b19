"""Decision analysis of the benefit-cost ratio: one method per module, one signature shape.

Each method takes the draws or the model callable and returns a typed result (a frozen
dataclass) with ``.to_dict()`` (exactly what summary.json holds of it) and ``.to_df()``:

=====================  ==========================================  =========================
module                 function                                    result
=====================  ==========================================  =========================
``exceedance``         :func:`exceedance` (BCR draws)              :class:`Exceedance`
``break_even``         :func:`break_even` (conditional runs)       :class:`BreakEven`
``tornado``            :func:`tornado` (conditional runs)          :class:`Tornado`
``sobol``              :func:`sobol` (model callable)              :class:`Sobol`
``voi``                :func:`value_of_information` (draws)       :class:`ValueOfInformation`
=====================  ==========================================  =========================

:mod:`~mcvalue.decision.conditional` builds the conditional runs (one input held fixed);
:mod:`~mcvalue.decision.analysis` runs every method on a run (:func:`decide`);
:mod:`~mcvalue.decision.plotting` draws the results. See docs/decision.md.
"""

from importlib import import_module
from typing import Any

from mcvalue.decision.break_even import BreakEven, BreakEvenRow, break_even
from mcvalue.decision.common import BENEFIT_METHOD_INPUT, DEFAULT_SWING, DEFAULT_THRESHOLDS, FTE_INPUT, METHOD_INPUT
from mcvalue.decision.conditional import ConditionalRuns
from mcvalue.decision.exceedance import Exceedance, default_thresholds, exceedance
from mcvalue.decision.sobol import Sobol, SobolIndices, sobol
from mcvalue.decision.tornado import Tornado, TornadoBar, tornado
from mcvalue.decision.voi import ValueOfInformation, value_of_information

#: Imported on first use: the whole analysis of a run (it loads :mod:`mcvalue.engine.mcse` and the simulation engine).
_LAZY = {"Decision", "decide"}

__all__ = [  # noqa: RUF022 - grouped as the table above
    "BENEFIT_METHOD_INPUT",
    "DEFAULT_SWING",
    "DEFAULT_THRESHOLDS",
    "FTE_INPUT",
    "METHOD_INPUT",
    "BreakEven",
    "BreakEvenRow",
    "ConditionalRuns",
    "Decision",
    "Exceedance",
    "Sobol",
    "SobolIndices",
    "Tornado",
    "TornadoBar",
    "ValueOfInformation",
    "break_even",
    "decide",
    "default_thresholds",
    "exceedance",
    "sobol",
    "tornado",
    "value_of_information",
]


def __getattr__(name: str) -> Any:
    """Import :class:`Decision` and :func:`decide` on first use (PEP 562)."""
    if name not in _LAZY:
        raise AttributeError(f"module 'mcvalue.decision' has no attribute {name!r}")
    value = getattr(import_module("mcvalue.decision.analysis"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names."""
    return sorted(__all__)
