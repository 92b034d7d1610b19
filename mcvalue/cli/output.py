"""The CLI's output path: what reaches the terminal, and what may reach stdout.

Every line the commands print goes through :func:`say`, which drops control characters
(:func:`mcvalue.printable`): a label, a source, a file or repository name holding an
ANSI escape sequence cannot recolour, move or clear the user's terminal.

stdout carries a command's result alone (``--json`` is piped into ``jq``): while a
command computes, :func:`results_only_on_stdout` sends everything else to stderr, at the
file-descriptor level too, so a sampler that writes its progress table straight to
descriptor 1 (nutpie) cannot mix it into the JSON.
"""

from __future__ import annotations

import contextlib
import io
import os
import sys
from collections.abc import Iterator
from typing import TextIO

import typer

import mcvalue


def say(text: str, err: bool = False, nl: bool = True) -> None:
    """Print ``text`` without its control characters (to stderr with ``err``)."""
    typer.echo(mcvalue.printable(text), err=err, nl=nl)


def say_json(text: str, nl: bool = True) -> None:
    r"""Print JSON text to stdout with every control character inside its strings as a ``\uXXXX`` escape.

    The JSON means the same (an escape is the character to a parser), and no C1 control or
    bidirectional override reaches the terminal raw; C0 controls are escaped by ``json`` already.
    """
    typer.echo(mcvalue.escape_controls(text), nl=nl)


def warn(line: str) -> None:
    """Print one ``warning: ...`` line to stderr."""
    say(f"warning: {line}", err=True)


def _descriptor(stream: TextIO) -> int | None:
    """Return the file descriptor behind ``stream``, or None if it has none (a test's capture buffer)."""
    try:
        return stream.fileno()
    except (AttributeError, OSError, ValueError, io.UnsupportedOperation):
        return None


@contextlib.contextmanager
def results_only_on_stdout() -> Iterator[None]:
    """Send whatever is written to stdout inside the block to stderr instead: Python's ``sys.stdout`` and descriptor 1.

    Output printed after the block (the result) goes to stdout as usual.
    """
    if sys.stdout is None or sys.stderr is None:  # a closed stream: nothing can mix into it
        yield
        return
    sys.stdout.flush()
    out, err = _descriptor(sys.stdout), _descriptor(sys.stderr)
    saved = None
    if out is not None and err is not None:
        saved = os.dup(out)
        os.dup2(err, out)
    try:
        with contextlib.redirect_stdout(sys.stderr):
            yield
    finally:
        sys.stderr.flush()
        if saved is not None and out is not None:  # out is set whenever saved is
            os.dup2(saved, out)
            os.close(saved)
