"""How every user-supplied string enters report.md: escaped, as a code span, or as a readable value.

Every string a user, a prior file or a sample supplies (labels, sources, tool and
repository names, paths, warnings) enters the text through :func:`escaped` or :func:`code_span`,
so it reads as itself: no link, image, heading, emphasis, table cell or HTML can come
from it, in report.md or in the report.html rendered from it. Separate from the
sections so that every section module shares one definition of what is safe.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from mcvalue.fmt import plain, printable
from mcvalue.vocab.display import display_name

#: Input key -> the name tables show (a prior's ``label``); keys missing from it show as they are.
Labels = Mapping[str, str]

#: What opens inline Markdown away from a line's start (a user string never starts a line: its line
#: breaks become spaces): escapes, code spans, emphasis, links and images (``[``), autolinks,
#: HTML and entities, table cells. ``_`` inside a word emphasises nothing and stays as it is.
_SPECIAL = re.compile(r"([\\`*\[\]<|&]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")
_BREAKS = re.compile(r"[\t\n\x0b\x0c\r\u0085\u2028\u2029]+")


def escaped(value: object) -> str:
    r"""Return ``value`` as Markdown text that renders as exactly its characters (one line, nothing interpreted).

    Control characters are dropped, line breaks become spaces, and every character that
    could open a link, image, code span, emphasis, HTML tag, entity or table cell is
    backslash-escaped.

    Examples
    --------
    >>> print(escaped("![x](https://evil.example/t.png) | <b> *no* extra_bots"))
    !\[x\](https://evil.example/t.png) \| \<b> \*no\* extra_bots
    """
    return _SPECIAL.sub(r"\\\1", _BREAKS.sub(" ", printable(str(value))))


def code_span(value: object) -> str:
    """Return ``value`` as a Markdown code span: fenced by one backtick more than its longest run of them."""
    inner = _BREAKS.sub(" ", printable(str(value)))
    fence = "`" * (max((len(run) for run in re.findall("`+", inner)), default=0) + 1)
    pad = " " if inner.startswith("`") or inner.endswith("`") else ""
    return f"{fence}{pad}{inner}{pad}{fence}"


def input_label(labels: Labels, name: str, default: str | None = None) -> str:
    """Return the escaped label of input ``name`` (``default``, else its display name, :func:`mcvalue.vocab.display.display_name`, when it has none)."""
    return escaped(labels.get(name, display_name(name) if default is None else default))


def readable(value: object) -> str:
    """Format any summary value for a table: numbers by :func:`mcvalue.fmt.plain`, dicts as ``key value; ...``, never JSON.

    Examples
    --------
    >>> readable({"exclude_bots": True, "extra_bots": []}), readable(31870.2), readable(None)
    ('exclude_bots yes; extra_bots none', '31.87K', 'n/a')
    """
    if value is None:
        return "n/a"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        return plain(value)
    if isinstance(value, dict):
        return "; ".join(f"{escaped(k)} {readable(v)}" for k, v in value.items()) or "none"
    if isinstance(value, (list, tuple)):
        return ", ".join(readable(v) for v in value) or "none"
    return escaped(value)
