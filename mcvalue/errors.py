"""Errors a user can cause and fix.

The CLI prints ``str(error)`` as one line on stderr and exits with ``error.exit_code``;
no traceback. Anything else escaping is a bug in mcvalue and keeps its traceback.
"""


class McValueError(Exception):
    """A problem the user can fix (bad input, missing file); exit code 1."""

    exit_code: int = 1


class DataError(McValueError):
    """The sample's data files are missing, corrupt or malformed."""


class PriorFileError(McValueError):
    """A prior file is invalid; every problem is listed, one per line, exit code 2."""

    exit_code = 2

    def __init__(self, problems: list[str]):
        self.problems = list(problems)
        super().__init__("\n".join(self.problems))


class ConvergenceError(McValueError):
    """The Bayesian fit failed its convergence checks; exit code 3."""

    exit_code = 3


class RunExistsError(McValueError):
    """A run directory already exists and would be overwritten."""
