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

#: Public name -> the module that defines it (imported on first use, so importing a
#: constant from :mod:`mcvalue.decision.common` loads neither scipy nor the methods).
_EXPORTS: dict[str, str] = {
    "Decision": "analysis",
    "decide": "analysis",
    "BreakEven": "break_even",
    "BreakEvenRow": "break_even",
    "break_even": "break_even",
    "DEFAULT_SWING": "common",
    "DEFAULT_THRESHOLDS": "common",
    "FTE_INPUT": "common",
    "METHOD_INPUT": "common",
    "ConditionalRuns": "conditional",
    "Exceedance": "exceedance",
    "default_thresholds": "exceedance",
    "exceedance": "exceedance",
    "Sobol": "sobol",
    "SobolIndices": "sobol",
    "sobol": "sobol",
    "Tornado": "tornado",
    "TornadoBar": "tornado",
    "tornado": "tornado",
    "ValueOfInformation": "voi",
    "value_of_information": "voi",
}

__all__ = [  # noqa: RUF022 - grouped as the table above
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
    """Import a public name from its module on first use (PEP 562)."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'mcvalue.decision' has no attribute {name!r}")
    value = getattr(import_module(f"mcvalue.decision.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """List the public names."""
    return sorted(__all__)
