"""How numbers read in every human-facing table, headline and figure: one module.

Money as ``$245K`` / ``$4.17T``, counts with thousands separators, ratios and
probabilities with sensible digits, never e-notation. JSON keeps full precision
(:mod:`mcvalue.io.jsontext`); these functions are only for people.
"""

import math
import re
from collections.abc import Callable, Sequence
from typing import TypeGuard

_SUFFIXES = ((1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "K"))
MISSING = "n/a"


def _finite(value: float | None) -> TypeGuard[float]:
    """Tell whether ``value`` is a finite number (not None, NaN or infinite)."""
    return value is not None and isinstance(value, (int, float)) and math.isfinite(value)


def _sig(value: float, digits: int) -> str:
    """``value`` to ``digits`` significant figures in positional notation (no e-notation)."""
    if value == 0:
        return "0"
    decimals = max(digits - 1 - math.floor(math.log10(abs(value))), 0)
    text = f"{value:,.{decimals}f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def usd(value: float | None, digits: int = 3) -> str:
    """Format an amount of money compactly: 2.45e5 -> ``$245K``, 4.17e12 -> ``$4.17T``.

    Parameters
    ----------
    value : float or None
        Amount in USD; None or non-finite gives ``n/a``.
    digits : int
        Significant figures.

    Returns
    -------
    str
    """
    if not _finite(value):
        return MISSING
    sign = "-" if value < 0 else ""
    magnitude = abs(float(value))
    for scale, suffix in _SUFFIXES:
        if magnitude >= scale * (1 - 0.5 * 10.0 ** (1 - digits)) or (suffix == "T" and magnitude >= scale):
            return f"{sign}${_sig(magnitude / scale, digits)}{suffix}"
    return f"{sign}${_sig(magnitude, digits)}"


def count(value: float | None) -> str:
    """Format a count with thousands separators: 123904.6 -> ``123,905``."""
    return f"{round(float(value)):,}" if _finite(value) else MISSING


def ratio(value: float | None, digits: int = 3) -> str:
    """Format a ratio or plain number with ``digits`` significant figures, never e-notation.

    Examples
    --------
    >>> ratio(67.834), ratio(1290.4), ratio(0.0298)
    ('67.8', '1,290', '0.0298')
    """
    return _sig(float(value), digits) if _finite(value) else MISSING


def prob(value: float | None, decimals: int = 3) -> str:
    """Format a probability with ``decimals`` decimals, four near 0 or 1 so 0.9995 does not print as 1."""
    if not _finite(value):
        return MISSING
    p = float(value)
    return f"{p:.{max(decimals, 4)}f}" if min(p, 1 - p) < 0.01 else f"{p:.{decimals}f}"


def interval(pair: Sequence[float | None], fmt: Callable[[float | None], str] = ratio) -> str:
    """Format an interval as ``[lo, hi]`` with the same formatter for both ends."""
    return f"[{fmt(pair[0])}, {fmt(pair[1])}]"


def plain(value: float | None, digits: int = 4) -> str:
    """Format a number of any size compactly, never e-notation: 150000 -> ``150K``, 3e12 -> ``3T``, 0.03 -> ``0.03``.

    Amounts from ten thousand up take a K/M/B/T suffix (as :func:`usd`, without the
    dollar sign), so a prior's parameters read as entered. Absurd magnitudes (below 1e-6
    or from 1e16 up, which only a refused prior file holds) keep e-notation: written out
    they would be unreadable.

    Examples
    --------
    >>> plain(150000), plain(5.8e12), plain(0.0298), plain(1200)
    ('150K', '5.8T', '0.0298', '1200')
    """
    if not _finite(value):
        return MISSING
    magnitude = abs(float(value))
    if magnitude >= 1e16 or 0 < magnitude < 1e-6:
        return f"{value:.{digits}g}"
    if magnitude < 1e4:
        return ratio(value, digits).replace(",", "")  # no separator: the number may sit in a list
    return usd(value, digits).replace("$", "")


def si(value: float) -> str:
    """Format a figure the way the paper's Table 1 prints it: 2.43K, 300.48M, 34.09."""
    for scale, suffix in _SUFFIXES:
        if abs(value) >= scale:
            return f"{value / scale:.2f}{suffix}"
    return f"{value:.2f}"


def quantity(name: str, value: float | None) -> str:
    """Format an input's value by its kind: money for ``*_usd`` keys, else a ratio."""
    return usd(value) if name.endswith("_usd") else ratio(value)


#: Characters that may steer a terminal or a reader: C0 and C1 controls (ESC of ANSI sequences,
#: carriage return, backspace, bell, DEL), zero-width characters and bidirectional overrides.
#: Newline and tab are kept.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")


def printable(text: str) -> str:
    r"""Return ``text`` without control characters: what reaches a terminal or a report is only what it says.

    Examples
    --------
    >>> printable("\x1b[31mred\x1b[0m\tok\r\n")
    '[31mred[0m\tok\n'
    """
    return _CONTROL.sub("", text)


def escape_controls(json_text: str) -> str:
    r"""Return JSON text with each control character :func:`printable` drops written as a ``\uXXXX`` escape.

    In JSON such characters can only stand inside strings, where the escape means the same
    character to a parser; ``json`` escapes C0 controls already, not C1 controls or
    bidirectional overrides.

    Examples
    --------
    >>> print(escape_controls('{"a": "x\u202e"}'))
    {"a": "x\u202e"}
    """
    return _CONTROL.sub(lambda match: f"\\u{ord(match.group()):04x}", json_text)


def literal(text: str) -> str:
    r"""Return ``text`` as matplotlib must be given it to print it as written: no control characters, ``$`` escaped.

    A user's label such as ``$\frac{1$`` would otherwise be parsed as (broken) mathtext
    when the figure is drawn, and ``$3.5T-$5.8T`` would lose its dollar signs; a control
    character has no glyph to draw.

    Examples
    --------
    >>> print(literal("$3.5T-$5.8T\x1b"))
    \$3.5T-\$5.8T
    """
    return printable(text).replace("$", r"\$")
