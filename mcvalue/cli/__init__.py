"""The ``mcvalue`` command: a thin Typer layer over the Python API.

Each command module parses arguments and calls one library function. Heavy imports
(pymc, arviz, matplotlib) happen inside those functions, never here, so that
``mcvalue --help`` answers at once. User errors (:class:`mcvalue.errors.McValueError`)
end in one line on stderr and their exit code, never a traceback.
"""

import sys

import typer

from mcvalue.cli import data_cmds, fit_cmds, priors_cmds, run_cmds
from mcvalue.errors import McValueError

app = typer.Typer(
    name="mcvalue",
    help="Credible intervals for the benefit-cost ratio of ML open source software.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
data_cmds.register(app)
priors_cmds.register(app)
fit_cmds.register(app)
run_cmds.register(app)


def main() -> None:
    """Console entry point: run the app; user and usage errors end in one line + exit code.

    Typer runs in non-standalone mode so that its usage errors (an unknown option, a bad
    value) reach us as exceptions and print as one line instead of a boxed usage block.
    """
    try:
        status = app(standalone_mode=False)
    except McValueError as error:
        typer.echo(f"error: {error}", err=True)
        sys.exit(error.exit_code)
    except typer.TyperException as error:
        # With no arguments typer has already printed the help and the message is empty.
        message = error.format_message() if hasattr(error, "format_message") else str(error)
        if message:
            typer.echo(f"error: {message} (see --help)", err=True)
        sys.exit(getattr(error, "exit_code", 2))
    sys.exit(status if isinstance(status, int) else 0)
