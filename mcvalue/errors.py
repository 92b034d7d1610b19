"""Errors a user can cause and fix.

The CLI prints the error as one line on stderr and exits with ``error.exit_code``; no
traceback. Anything else escaping is a bug in mcvalue and keeps its traceback.

A library error names the Python parameter at fault (``save: ... is a directory``); the
CLI names the option instead (``--save: ...``) through :meth:`McValueError.naming`.
"""

from collections.abc import Callable


class McValueError(Exception):
    """A problem the user can fix (bad input, missing file); exit code 1.

    Parameters
    ----------
    message : str
        One line. Where it names a parameter of the function called, it writes
        ``{name}`` and lists the name in ``parameters``.
    parameters : tuple of str
        The parameters the message names: ``str(error)`` writes each as itself, and
        :meth:`naming` as another name (the CLI's option).

    Examples
    --------
    >>> error = McValueError("{save}: directory /x does not exist", parameters=("save",))
    >>> str(error), error.naming(lambda name: "--" + name)
    ('save: directory /x does not exist', '--save: directory /x does not exist')
    """

    exit_code: int = 1

    def __init__(self, message: str = "", *, parameters: tuple[str, ...] = ()) -> None:
        self.template = message
        self.parameters = parameters
        super().__init__(self.naming(str))

    def naming(self, name_of: Callable[[str], str]) -> str:
        """Return the message with each parameter it names written as ``name_of(parameter)``."""
        text = self.template
        for parameter in self.parameters:
            text = text.replace("{" + parameter + "}", name_of(parameter))
        return text


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


class SamplerStartError(ConvergenceError):
    """The sampler found no starting point with a finite log density and gradient; exit code 3.

    nutpie tries several jittered initial points and gives up when the log density or its
    gradient is not finite at every one of them: data no finite parameters can explain (an
    observation that overflowed float64, as an extreme prior draw can simulate), not a
    sampler that ran and failed a gate.
    """


class RunExistsError(McValueError):
    """A run directory already exists and would be overwritten."""


class StepBudgetExceeded(ConvergenceError):
    """A chain took more leapfrog steps than the fit's step budget allows; exit code 3.

    Only a calibration sets a budget (:attr:`mcvalue.calibration.CalibrationSettings.step_budget`):
    its fits must end. A chain whose step size collapsed reaches the maximum tree depth on
    every draw and, at the third attempt's depth, would run for hours without moving.
    """

    #: Which attempt of the fit (1 to 3) passed the budget; 0 until :meth:`at_attempt` says.
    attempt: int = 0

    @classmethod
    def at_attempt(cls, error: "StepBudgetExceeded", attempt: int, draws: int, max_treedepth: int) -> "StepBudgetExceeded":
        """Return ``error`` restated for attempt ``attempt`` of a fit (its draws and maximum tree depth named)."""
        stated = cls(f"{error} in attempt {attempt} ({draws} draws a chain, maximum tree depth {max_treedepth})")
        stated.attempt = attempt
        return stated
