"""What every model of a prior file shares: the strict pydantic base, one-message errors, suggestions.

Models are strict (``extra="forbid"``, no coercion, no NaN or inf) so that every slip in
a hand-written TOML file is a problem reported against its key, never a silent guess.
"""

import difflib
from collections.abc import Iterable
from typing import Any

from pydantic import BaseModel, ConfigDict
from pydantic_core import PydanticCustomError

#: A TOML table as parsed (``tomllib``): key -> value.
Table = dict[str, Any]
#: Where in a prior file a value sits: pydantic's location, keys and list indices.
Loc = tuple[str | int, ...]
#: How far weights (a choice's, the costing methods') may sum from 1.
WEIGHT_TOLERANCE = 1e-9


def fail(text: str) -> PydanticCustomError:
    """Return a validation error whose message is exactly ``text`` (braces in it are safe)."""
    return PydanticCustomError("mcvalue", "{message}", {"message": text})


def suggest(word: object, options: Iterable[str]) -> str:
    """Return `` (did you mean 'x'?)`` for the closest option, or an empty string."""
    close = difflib.get_close_matches(str(word), list(options), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


class Strict(BaseModel):
    """Base: unknown keys, coercions (``"3e12"`` for a number) and NaN/inf are all errors."""

    model_config = ConfigDict(extra="forbid", strict=True, allow_inf_nan=False)
