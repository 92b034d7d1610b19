"""Pydantic's validation errors as the one-line problems users read: ``FILE: dotted.key: what is wrong``.

All problems of a file are listed together and raised as
:class:`mcvalue.errors.PriorFileError`; unknown keys, distributions and modes come with a
"did you mean" suggestion. Nothing is sampled before validation passes.
"""

import types
import typing
from collections.abc import Callable
from typing import Annotated, Any, Union

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from mcvalue.priors.base import Loc, Table, suggest
from mcvalue.priors.families.law import INTERVAL_LEVELS
from mcvalue.priors.families.registry import DIST_MODELS
from mcvalue.priors.sections import PriorFile
from mcvalue.priors.settings import BASES, COST_MODELS, MODES, QUANTITIES, TREND_STRUCTURES
from mcvalue.vocab.paper import METHOD_KEYS


def _model_of(annotation: Any) -> Any:
    """Return the model class (or the dist union, as the dict DIST_MODELS) an annotation leads to."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    args = typing.get_args(annotation)
    if args and all(a in DIST_MODELS.values() for a in args):
        return DIST_MODELS
    if typing.get_origin(annotation) in (list, Union, types.UnionType, Annotated):
        for arg in args:
            found = _model_of(arg)
            if found is not None:
                return found
    return None


def allowed_keys(parent: Loc) -> list[str]:
    """Keys a table at location ``parent`` (pydantic loc, with dist tags) may hold."""
    current: Any = PriorFile
    for part in parent:
        if isinstance(part, int):
            continue
        if current is DIST_MODELS:
            current = DIST_MODELS.get(part)
        elif isinstance(current, type) and issubclass(current, BaseModel) and part in current.model_fields:
            current = _model_of(current.model_fields[part].annotation)
        else:
            return []
    if isinstance(current, type) and issubclass(current, BaseModel):
        return [f.alias or name for name, f in current.model_fields.items()]
    return []


_TYPE_WORDS = {
    "float_type": "a number",
    "int_type": "an integer",
    "bool_type": "true or false",
    "string_type": "a string",
    "list_type": "an array",
    "model_type": "a table",
    "model_attributes_type": "a table",
    "dict_type": "a table",
}


def _toml_type(value: Any) -> str:
    """TOML's name for a parsed value's type."""
    names = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _message(err: ErrorDetails) -> tuple[Loc, str]:
    """(location without dist tags, text) of one pydantic error."""
    raw_loc = tuple(err["loc"])
    tagged = raw_loc[0] in ("cost", "benefit")
    loc = tuple(p for i, p in enumerate(raw_loc) if not (tagged and i == 2 and p in DIST_MODELS))
    kind, value = err["type"], err["input"]
    ctx = err.get("ctx", {})
    if kind == "extra_forbidden":
        allowed = allowed_keys(raw_loc[:-1])
        listing = f"; allowed: {', '.join(allowed)}" if allowed else ""
        return loc, f"unknown key{suggest(loc[-1], allowed)}{listing}"
    if kind == "missing":
        if ".".join(map(str, loc)) in QUANTITIES:
            return loc, "missing quantity: give it a distribution, or start the file with extends = \"default\""
        if len(loc) == 1:
            return loc, f"missing table [{loc[0]}]"
        return loc, "missing"
    if kind == "union_tag_invalid":
        tag = ctx.get("tag")
        known = ", ".join(DIST_MODELS)
        return loc + ("dist",), f"unknown distribution '{tag}'{suggest(tag, DIST_MODELS)}; known: {known}"
    if kind == "union_tag_not_found":
        return loc + ("dist",), f"missing: say which distribution, one of {', '.join(DIST_MODELS)}"
    if kind == "list_type" and loc == ("correlations",):
        advice = "write each pair as [[correlations]] with between and rho"
        return loc, f"expected an array of tables, got {_toml_type(value)}: {advice}"
    if kind in _TYPE_WORDS:
        shown = str(value).lower() if isinstance(value, bool) else repr(value)
        return loc, f"expected {_TYPE_WORDS[kind]}, got {_toml_type(value)} {shown}"
    if kind == "finite_number":
        return loc, f"must be a finite number, got {value!r}"
    if kind == "literal_error":
        hint = suggest(value, MODES + COST_MODELS + BASES + TREND_STRUCTURES) if isinstance(value, str) else ""
        return loc, f"expected {ctx.get('expected')}, got {value!r}{hint}"
    if kind in ("too_short", "too_long") and loc[-1] in INTERVAL_LEVELS:
        return loc, f"expected [lower, upper] (2 numbers), got {len(value)}"
    if kind in ("too_short", "too_long") and loc[-1] == "between":
        return loc, f"expected [quantity, quantity] (2 names), got {len(value)}"
    if kind == "too_short":
        return loc, f"expected at least {ctx.get('min_length')} item(s), got {len(value)}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        return loc, f"{err['msg'].replace('Input should be', 'must be')}, got {value!r}"
    return loc, err["msg"].removeprefix("Value error, ")


def _missing_weight(err: ErrorDetails) -> bool:
    """Tell whether a pydantic error is one method weight left out of ``[cost.method_weights]``."""
    return err["type"] == "missing" and len(err["loc"]) == 3 and tuple(err["loc"][:2]) == ("cost", "method_weights")


def problems_from(error: ValidationError, file_of: Callable[[Loc], str]) -> list[str]:
    """One ``FILE: dotted.key: what is wrong`` line per problem, deduplicated, in order.

    ``file_of`` names the file that wrote a location; an empty name (a table given in
    code, not read from a file) leaves the line as ``dotted.key: what is wrong``. Missing
    method weights are one problem (a partial ``[cost.method_weights]``), not one line per
    weight left out.
    """
    errors = error.errors(include_url=False)
    weights: Loc = ("cost", "method_weights")
    left_out = [str(e["loc"][2]) for e in errors if _missing_weight(e)]
    lines = []
    for err in errors:
        if _missing_weight(err):
            loc, text = weights, (
                f"missing {', '.join(left_out)}: [cost.method_weights] replaces the base file's weights whole, "
                f"so give all {len(METHOD_KEYS)}"
            )
        else:
            loc, text = _message(err)
        key = ".".join(str(p) for p in loc) or "(top level)"
        file = file_of(loc)
        lines.append(f"{file}: {key}: {text}" if file else f"{key}: {text}")
    return list(dict.fromkeys(lines))


def validate(merged: Table, file_of: Callable[[Loc], str]) -> tuple[PriorFile | None, list[str]]:
    """Validate a merged prior dict: the model, or None and the problem lines."""
    try:
        return PriorFile.model_validate(merged), []
    except ValidationError as error:
        return None, problems_from(error, file_of)
