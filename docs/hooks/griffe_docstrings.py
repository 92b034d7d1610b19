"""Griffe extension: a warning for every public module, class, function or method without a docstring.

mkdocstrings routes griffe's warnings through mkdocs' logging, so ``mkdocs build
--strict`` fails on an undocumented public object of the package, as ruff's ``D`` rules
fail on it in the code. Public: no name part starts with an underscore (dunder methods
document themselves, ``__init__`` is documented on its class).
"""

from typing import Any

import griffe


def undocumented(obj: griffe.Object) -> list[str]:
    """Return the dotted paths of the public objects under ``obj`` (itself included) that have no docstring."""
    if obj.name.startswith("_"):
        return []
    missing = [] if obj.docstring and obj.docstring.value.strip() else [obj.path]
    for member in obj.members.values():
        if member.is_alias or member.is_attribute or member.is_type_alias:
            continue
        missing += undocumented(member)
    return missing


class MissingDocstrings(griffe.Extension):
    """Warn, once the package is loaded, about each public object without a docstring."""

    def on_package(self, *, pkg: griffe.Module, **kwargs: Any) -> None:
        """Check the whole package tree (griffe event)."""
        for path in undocumented(pkg):
            griffe.logger.warning(f"{path}: public object without a docstring")
