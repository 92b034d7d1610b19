"""The ``mcvalue`` command: a thin Typer shell over the public API (:mod:`mcvalue`).

Each command parses arguments and calls one public function; it imports only ``mcvalue``
and this package's option declarations. Heavy libraries load inside those functions, so
``mcvalue --help`` answers at once.

Exit codes (one meaning each, as the README lists them): 0 success; 1 a data, usage or
file problem; 2 an invalid prior file; 3 a fit that failed its convergence checks; 4 an
internal error (a bug: one line on the terminal, the traceback in a log file); 130
interrupted (Ctrl-C or SIGTERM: nothing half-done is kept).
"""

import signal
import sys

import typer

import mcvalue
from mcvalue.cli import calibrate_cmds, data_cmds, fit_cmds, priors_cmds, run_cmds
from mcvalue.cli.output import say

EXIT_USAGE = 1
EXIT_INTERNAL = 4
EXIT_INTERRUPTED = 130

app = typer.Typer(
    name="mcvalue",
    help="Credible intervals for the benefit-cost ratio of ML open source software.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    context_settings={"help_option_names": ["--help", "-h"]},
)
data_cmds.register(app)
priors_cmds.register(app)
fit_cmds.register(app)
run_cmds.register(app)
calibrate_cmds.register(app)


#: Options whose name is not the library parameter's with ``--`` and hyphens (the others: ``save`` -> ``--save``).
OPTION_OF = {"source": "--from", "mailmap": "--no-mailmap"}


def option_of(parameter: str) -> str:
    """Return the command-line option of a library parameter a McValueError names (``per_repo`` -> ``--per-repo``).

    Examples
    --------
    >>> option_of("per_repo"), option_of("source")
    ('--per-repo', '--from')
    """
    return OPTION_OF.get(parameter, "--" + parameter.replace("_", "-"))


def _log_internal_error(error: BaseException) -> str:
    """Write the traceback of an unexpected error to a log file; return its path (or why not)."""
    import datetime
    import os
    import tempfile
    import traceback

    text = "".join(traceback.format_exception(error))
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    path = os.path.join(tempfile.gettempdir(), f"mcvalue-error-{stamp}-{os.getpid()}.log")
    try:
        with open(path, "w", encoding="utf-8") as handle:
            handle.write(f"mcvalue {mcvalue.__version__}\n{' '.join(sys.argv)}\n\n{text}")
    except OSError as log_error:
        return f"nowhere (the log could not be written: {log_error.strerror or log_error})"
    return path


def _terminate(signum: int, _frame: object) -> None:
    """Turn SIGTERM into KeyboardInterrupt, so cleanup runs and worker processes are ended."""
    raise KeyboardInterrupt


#: What an interrupt leaves: half-done output is removed, but what finished before it (a posterior or cost
#: side cached, a run directory renamed into place) stays, so "nothing was saved" would be untrue.
INTERRUPTED = "error: interrupted; nothing half-done was kept (work finished before the interrupt, such as a cached fit, stays)"


def _interrupted() -> None:
    """End an interrupted command: one line, exit code 130."""
    say(INTERRUPTED, err=True)
    sys.exit(EXIT_INTERRUPTED)


def main() -> None:
    """Run the app: every error ends in one line ``error: ...`` and its exit code, no traceback.

    Typer runs in non-standalone mode so that its usage errors (an unknown option, a bad
    value) reach us as exceptions and print as one line instead of a boxed usage block.
    Typer turns a KeyboardInterrupt inside a command into the return value 130 and an EOF
    at a prompt into ``Abort``; both end as an interrupt.
    """
    signal.signal(signal.SIGTERM, _terminate)
    try:
        status = app(standalone_mode=False)
    except mcvalue.McValueError as error:
        say(f"error: {error.naming(option_of)}", err=True)
        sys.exit(error.exit_code)
    except (KeyboardInterrupt, typer.Abort):
        _interrupted()
    except typer.TyperException as error:
        # With no arguments click has already printed the help and the message is empty.
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        if message:
            say(f"error: {message} (see --help)", err=True)
        sys.exit(EXIT_USAGE)
    except Exception as error:  # noqa: BLE001 - the one place that turns any bug into one line
        path = _log_internal_error(error)
        say(f"error: internal error ({type(error).__name__}: {error}); traceback in {path}", err=True)
        sys.exit(EXIT_INTERNAL)
    if status == EXIT_INTERRUPTED:
        _interrupted()
    sys.exit(status if isinstance(status, int) else 0)
