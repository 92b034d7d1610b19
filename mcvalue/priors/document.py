"""The resolved prior document a :class:`~mcvalue.priors.spec.Scenario` keeps: read-only, rendered as TOML only to be written.

A prior file is parsed once (:mod:`mcvalue.priors.files`), merged along its ``extends``
chain and validated once (:mod:`mcvalue.priors.resolve`); what the scenario keeps of it
is this :class:`Document`: every table with the effective settings, as a read-only tree.
Edits (:mod:`mcvalue.priors.edit`) copy it out with :meth:`Document.to_dict`, change the
copy and validate it again; nothing parses TOML text back. The text is rendered
(:meth:`Document.render`) only where it leaves the program: the ``priors.toml`` beside a
report and the ``resolved_priors_sha256`` of its summary.
"""

from collections.abc import Iterator, Mapping
from functools import cached_property
from typing import Any

import tomli_w

from mcvalue.priors.base import Table


def _frozen(value: Any) -> Any:
    """Return ``value`` read-only: tables as :class:`Document`, arrays as tuples, scalars as they are."""
    if isinstance(value, Mapping):
        return Document(value)
    if isinstance(value, list | tuple):
        return tuple(_frozen(v) for v in value)
    return value


def _thawed(value: Any) -> Any:
    """Return ``value`` as a parsed TOML file holds it: tables as dicts, arrays as lists (a fresh copy)."""
    if isinstance(value, Document):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_thawed(v) for v in value]
    return value


class Document(Mapping[str, Any]):
    r"""A read-only TOML table (nested tables are Documents, arrays tuples) and the comment lines heading its text.

    Parameters
    ----------
    table : Mapping, optional
        The table, e.g. a merged prior file as parsed; copied, so later changes to it do
        not reach the document.
    header : str
        ``#`` comment lines put before the rendered text (where it was resolved from).

    Examples
    --------
    >>> document = Document({"run": {"draws": 100, "cost_models": ["table1"]}}, header="# made by hand\n")
    >>> document["run"]["cost_models"], document.to_dict()["run"]["cost_models"]
    (('table1',), ['table1'])
    >>> print(document.render(), end="")
    # made by hand
    [run]
    draws = 100
    cost_models = [
        "table1",
    ]
    """

    def __init__(self, table: Mapping[str, Any] | None = None, header: str = "") -> None:
        self._table: dict[str, Any] = {str(k): _frozen(v) for k, v in (table or {}).items()}
        self.header = header

    def __getitem__(self, key: str) -> Any:
        """Return the value of ``key`` (a Document for a table, a tuple for an array)."""
        return self._table[key]

    def __iter__(self) -> Iterator[str]:
        """Iterate over the keys in the order the table was given."""
        return iter(self._table)

    def __len__(self) -> int:
        """Return the number of keys."""
        return len(self._table)

    def __eq__(self, other: object) -> bool:
        """Equal when the tables and the headers are."""
        if not isinstance(other, Document):
            return NotImplemented
        return self.header == other.header and self._table == other._table

    __hash__ = None  # type: ignore[assignment]  # equal by content, which could not be hashed before it is frozen

    def __repr__(self) -> str:
        """Show the table as a dict."""
        return f"Document({self.to_dict()!r})"

    def to_dict(self) -> Table:
        """Return a fresh, mutable copy with dicts and lists, as ``tomllib`` would parse the rendered text."""
        return {k: _thawed(v) for k, v in self._table.items()}

    @cached_property
    def _text(self) -> str:
        """The rendered text, computed once: the document cannot change."""
        return self.header + tomli_w.dumps(self)

    def render(self) -> str:
        """Return the document as TOML text, headed by :attr:`header`: what ``priors.toml`` holds.

        Empty for an empty document without header (a scenario built in code).
        """
        return self._text
