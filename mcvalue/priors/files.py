"""Reading one prior file safely: every hostile input becomes one :class:`PriorFileError` line.

A prior file is a few kB of hand-written TOML. Anything else a path can name (a
directory, a device such as ``/dev/zero``, a pipe, a symlink loop, a path with a NUL
byte, megabytes of data, arrays nested thousands deep, bytes that are not UTF-8) is
refused with a message naming the file, instead of a Python exception (issue 10).
"""

import codecs
import errno
import re
import stat
import tomllib
from pathlib import Path
from typing import Any

from mcvalue.errors import PriorFileError
from mcvalue.priors.base import Table

#: Largest prior file read: the shipped ones are ~10 kB, so 1 MiB is generous and bounded.
MAX_BYTES = 1 << 20
#: Deepest nesting of arrays and tables accepted: a prior file needs 3 (cost.salary_usd.ci90).
MAX_NESTING = 8
_NESTING_NEED = "a prior file needs at most 3 levels"
_SIZE_LIMIT = f"a prior file may be at most {MAX_BYTES} bytes (1 MiB)"


def real_path(path: Path) -> Path | None:
    """Return ``path`` with symlinks resolved, or None when that fails (a symlink loop, a NUL byte)."""
    try:
        return path.resolve()
    except (OSError, RuntimeError, ValueError):
        return None


def file_problem(path: Path) -> str | None:
    """Say why ``path`` cannot be a prior file, or return None when it is a readable-looking regular file."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return "no such file"
    except ValueError:
        return "the path contains a NUL byte"
    except OSError as error:
        if error.errno == errno.ELOOP:
            return "a symlink loop, not a prior file"
        return f"cannot read ({error.strerror})"
    if stat.S_ISDIR(info.st_mode):
        return "a directory, not a prior file"
    if not stat.S_ISREG(info.st_mode):
        return "not a regular file (a device, pipe or socket), so not a prior file"
    if info.st_size > MAX_BYTES:
        return f"{info.st_size} bytes; {_SIZE_LIMIT}"
    return None


def read_prior_file(path: Path, shown: str) -> tuple[Table, bytes]:
    """Return the parsed TOML and raw bytes of one prior file.

    Parameters
    ----------
    path : Path
        The file to read.
    shown : str
        How messages name it.

    Raises
    ------
    PriorFileError
        One line ``SHOWN: what is wrong`` for a file that is missing, not a regular file,
        unreadable, over 1 MiB, starting with a byte-order mark, not UTF-8, not TOML, or
        nested too deeply.

    """
    problem = file_problem(path)
    if problem is not None:
        raise PriorFileError([f"{shown}: {problem}"])
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_BYTES + 1)
    except OSError as error:
        raise PriorFileError([f"{shown}: cannot read ({error.strerror})"]) from None
    if len(raw) > MAX_BYTES:
        raise PriorFileError([f"{shown}: more than {MAX_BYTES} bytes; {_SIZE_LIMIT}"])
    bom = byte_order_mark(raw)
    if bom is not None:
        raise PriorFileError([f"{shown}: starts with a {bom} byte-order mark (BOM), which TOML does not allow; save it as UTF-8 without BOM"])
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise PriorFileError([f"{shown}: not UTF-8 text (byte {error.start})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise PriorFileError([f"{shown}: {_syntax_message(str(error))}"]) from None
    except RecursionError:
        raise PriorFileError([f"{shown}: {_too_deep_to_parse(text)}"]) from None
    deep = _too_deep(data)
    if deep is not None:
        raise PriorFileError([f"{shown}: {deep}: nested more than {MAX_NESTING} deep; {_NESTING_NEED}"])
    return data, raw


_BOMS = ((codecs.BOM_UTF8, "UTF-8"), (codecs.BOM_UTF32_LE, "UTF-32"), (codecs.BOM_UTF32_BE, "UTF-32"),
         (codecs.BOM_UTF16_LE, "UTF-16"), (codecs.BOM_UTF16_BE, "UTF-16"))


def byte_order_mark(raw: bytes) -> str | None:
    r"""Return the encoding whose byte-order mark ``raw`` starts with ("UTF-8", "UTF-16", "UTF-32"), or None.

    Editors on Windows write one at the start of a text file; TOML and CSV readers then see
    an invisible character before the first key or column name.

    Examples
    --------
    >>> byte_order_mark(b"\xef\xbb\xbf[run]"), byte_order_mark(b"[run]")
    ('UTF-8', None)
    """
    return next((name for mark, name in _BOMS if raw.startswith(mark)), None)


def _syntax_message(text: str) -> str:
    """Reword tomllib's messages to lead with the place.

    ``Invalid value (at line 2, column 5)`` -> ``line 2, column 5: TOML syntax error: invalid value``.
    """
    match = re.fullmatch(r"(.*) \(at line (\d+), column (\d+)\)", text, flags=re.S)
    if match:
        what, line, column = match.groups()
        return f"line {line}, column {column}: TOML syntax error: {what[0].lower()}{what[1:]}"
    return f"TOML syntax error: {text}"


_KEY = re.compile(r"^\s*([A-Za-z0-9_.\"' -]+?)\s*=")
_TABLE = re.compile(r"^\s*\[\[?\s*([A-Za-z0-9_.\"' -]+?)\s*\]\]?\s*(#.*)?$")


def _too_deep_to_parse(text: str) -> str:
    """Place the nesting that exhausted the parser: the line where brackets first open deeper than allowed.

    Brackets are counted across lines (a rough count, strings included), which is enough to
    point at the runaway value; its key is the last ``key =`` seen, under the last table header.
    """
    depth, table, key = 0, "", None
    for number, line in enumerate(text.splitlines(), start=1):
        header, match = _TABLE.match(line), _KEY.match(line)
        if header and depth == 0:
            table, key = header.group(1) + ".", None
            continue
        if match and depth == 0:
            key = table + match.group(1).strip()
        for char in line:
            depth += {"[": 1, "{": 1, "]": -1, "}": -1}.get(char, 0)
            if depth > MAX_NESTING:
                where = f"line {number}: {key}" if key else f"line {number}"
                return f"{where}: arrays or inline tables nested too deeply to read; {_NESTING_NEED}"
    return f"arrays or inline tables nested too deeply to read; {_NESTING_NEED}"


def _too_deep(data: Table) -> str | None:
    """Return the dotted key of the first value nested deeper than :data:`MAX_NESTING`, or None.

    Walked with an explicit stack, so a deep value cannot exhaust Python's recursion; the
    key names the tables down to the first array (array positions are not shown).
    """
    stack: list[tuple[Any, tuple[str, ...], int]] = [(data, (), 0)]
    while stack:
        value, keys, depth = stack.pop()
        if depth > MAX_NESTING:
            return ".".join(keys) or "(top level)"
        if isinstance(value, dict):
            stack.extend((v, keys + (str(k),), depth + 1) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, keys, depth + 1) for v in value)
    return None
