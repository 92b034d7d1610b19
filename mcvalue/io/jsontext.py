"""The one JSON converter: numpy values to plain JSON types, and the bytes written.

Every JSON mcvalue writes or prints (summary.json, ``--json`` outputs, cache metadata)
goes through :func:`to_jsonable` so that numpy scalars, arrays and non-finite numbers are
handled the same way everywhere.
"""

import json
from typing import Any

import numpy as np

#: Significant figures of the numbers in summary.json and ``--json`` outputs.
SUMMARY_DIGITS = 6


def to_jsonable(value: Any, digits: int | None = None) -> Any:
    """Convert nested dicts/lists of numpy or Python values to plain JSON types.

    Parameters
    ----------
    value : Any
        Dicts, lists, tuples, numpy arrays and scalars, Python numbers, strings, None.
    digits : int or None
        Round floats to this many significant figures; None keeps full precision.

    Returns
    -------
    Any
        The same structure with dict keys as strings, floats rounded, and NaN/inf as None
        (strict JSON has no NaN).
    """
    if isinstance(value, dict):
        return {str(k): to_jsonable(v, digits) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_jsonable(v, digits) for v in value]
    if isinstance(value, np.ndarray):
        return to_jsonable(value.tolist(), digits)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        x = float(value)
        if not np.isfinite(x):
            return None
        return float(f"{x:.{digits}g}") if digits is not None else x
    return value


def dumps(value: Any, digits: int | None = SUMMARY_DIGITS) -> str:
    """Strict, stable JSON text (2-space indent, final newline) of :func:`to_jsonable` output."""
    return json.dumps(to_jsonable(value, digits), indent=2, ensure_ascii=False, allow_nan=False) + "\n"


def to_json(record: Any) -> str:
    r"""Return a record as strict JSON text for ``--json`` outputs (6 significant figures).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.to_json({"median": 67.81234567})
    '{\n  "median": 67.8123\n}\n'
    """
    return dumps(record)
