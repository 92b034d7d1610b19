"""Options shared by several commands, declared once.

Single options are ``Annotated`` aliases (``DataDirOption``...). The options of a whole
run, which ``run`` and ``sensitivity`` share, are the fields of :class:`RunOptions`; a
command takes them as one ``options: RunOptions`` parameter and :func:`with_run_options`
spreads the fields into the command line Typer sees.
"""

import dataclasses
import functools
import inspect
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, get_type_hints

import typer

DataDirOption = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        help="Directory holding the paper's three data files (else $MCVALUE_DATA_DIR, the cache, a download).",
        file_okay=False,
        exists=True,
    ),
]
SampleOption = Annotated[
    Path | None,
    typer.Option(
        "--sample",
        help="A sample directory written by 'mcvalue data collect', used instead of the paper's sample (mode corrected or clean).",
        file_okay=False,
    ),
]
ReferencesOption = Annotated[
    str | None,
    typer.Option(
        "--references",
        metavar="sample|paper|DIR",
        help="Where the reference repos' windows (pytorch/pytorch, tensorflow/tensorflow), which turn commits and lines into FTE, "
        "come from: the sample's own, the paper's scrape, or a sample DIR collected separately. A method with no reference "
        "units is left out with one warning. Default: the prior file's \\[cost] references, else sample.",
    ),
]
ModeOption = Annotated[
    str | None,
    typer.Option("--mode", help="Data mode: paper (flat CSV as published), corrected (raw parse) or clean (raw parse; automation dropped, "
                 "sync accounts in repo totals only; duplicates merged, overlaps dropped)."),
]
#: A plain on/off flag takes no value: an empty metavar keeps the help from showing one (``--json``, not ``--json <bool>``).
FLAG = ""

JsonOption = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON to stdout instead of a table.", metavar=FLAG)]
QuietOption = Annotated[bool, typer.Option("--quiet", "-q", help="Silence progress output.", metavar=FLAG)]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="Workers of the local Dask cluster (default: one per core); 1 runs every task in this process without Dask."),
]
SchedulerOption = Annotated[
    str | None, typer.Option("--scheduler", metavar="ADDRESS", help="Send the tasks to a running Dask scheduler, e.g. tcp://10.0.0.1:8786.")
]
PriorsOption = Annotated[
    Path | None,
    typer.Option("--priors", help="Prior file (TOML); default: the shipped priors/default.toml.", dir_okay=False),
]
BotsOption = Annotated[
    str | None,
    typer.Option("--bots", help="Extra user names to treat as automation accounts, comma-separated (added to the built-in name patterns)."),
]
RefitOption = Annotated[
    bool, typer.Option("--refit", help="Refit the Bayesian cost model instead of using the cached posterior.", metavar=FLAG)
]
TargetYearOption = Annotated[
    str | None,
    typer.Option(
        "--target-year",
        help="Year whose development activity the cost model's FTE describes (default: the prior file's [cost] target_year, "
        "else 2021), or 'average' for the paper's long-run average over the sampled windows.",
    ),
]
BasisOption = Annotated[
    str | None,
    typer.Option(
        "--basis",
        help="What the cost is: flow (this year's development cost) or stock (the annual user cost, (discount + depreciation) x stock, "
        "of the MLOSS built since [cost] stock_start; needs the pymc cost model and a target year). Default: the prior file's [cost] basis, else flow.",
        metavar="flow|stock",
    ),
]
TrendStructureOption = Annotated[
    str | None,
    typer.Option(
        "--trend-structure",
        help="Time-trend structure of the pymc cost model: 'repo trends' (default), 'global trend', 'pooled slopes' or 'no extrapolation' "
        "(each repo's trend stopped at its sampled span); see docs/calibrate.md. Default: the prior file's [cost] trend_structure.",
        metavar="NAME",
    ),
]
AllowUnconvergedOption = Annotated[
    bool,
    typer.Option("--allow-unconverged", help="Carry on when the fit fails its convergence checks (the failure is reported).", metavar=FLAG),
]

DrawsOption = Annotated[int | None, typer.Option("--draws", help="Monte Carlo draws (default: the prior file's run table, else 200,000).")]
SeedOption = Annotated[int | None, typer.Option("--seed", help="Random seed (default: the prior file's run table).")]
CostModelOption = Annotated[
    str | None,
    typer.Option(
        "--cost-model",
        help="Source of the FTE draws: pymc (Bayesian fit, default), bootstrap (resampling) or table1 (the paper's published figures).",
    ),
]
SwingOption = Annotated[str, typer.Option("--swing", help="Tornado swing as two percentiles, e.g. 10,90 or 5,95.")]
ThresholdOption = Annotated[
    list[float] | None,
    typer.Option(
        "--threshold",
        metavar="K",
        help="Extra BCR threshold k (repeatable), added to the exceedance curve, the break-even table and the value of information.",
    ),
]


@dataclasses.dataclass(frozen=True)
class RunOptions:
    """The options of one run (``mcvalue run`` and ``mcvalue sensitivity``), declared once.

    Each field's annotation is its command-line declaration; None leaves the prior file's
    setting (or the library's default) in place.
    """

    priors: PriorsOption = None
    draws: DrawsOption = None
    seed: SeedOption = None
    mode: ModeOption = None
    cost_model: CostModelOption = None
    target_year: TargetYearOption = None
    basis: BasisOption = None
    trend_structure: TrendStructureOption = None
    data_dir: DataDirOption = None
    sample: SampleOption = None
    references: ReferencesOption = None
    swing: SwingOption = "10,90"
    threshold: ThresholdOption = None
    refit: RefitOption = False
    allow_unconverged: AllowUnconvergedOption = False
    json_out: JsonOption = False
    quiet: QuietOption = False


def with_run_options(command: Callable[..., None]) -> Callable[..., None]:
    """Give a command taking ``options: RunOptions`` the command-line options of :class:`RunOptions`.

    The command's own parameters keep their places; the fields of :class:`RunOptions`
    take the place of ``options`` in the signature Typer reads, and are gathered back
    into one :class:`RunOptions` when the command runs.

    Parameters
    ----------
    command : callable
        A Typer command with a parameter ``options: RunOptions``.

    Returns
    -------
    callable
        The command as Typer should register it.
    """
    shared = [field.name for field in dataclasses.fields(RunOptions)]
    hints = get_type_hints(RunOptions, include_extras=True)
    spread = [
        inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, default=getattr(RunOptions(), name), annotation=hints[name])
        for name in shared
    ]
    own = inspect.signature(command, eval_str=True)
    parameters: list[inspect.Parameter] = []
    for parameter in own.parameters.values():
        parameters += spread if parameter.name == "options" else [parameter.replace(kind=inspect.Parameter.KEYWORD_ONLY)]

    @functools.wraps(command)
    def spread_command(**kwargs: Any) -> None:
        options = RunOptions(**{name: kwargs.pop(name) for name in shared})
        command(options=options, **kwargs)

    del spread_command.__wrapped__  # Typer must read the spread signature below, not the command's
    spread_command.__signature__ = own.replace(parameters=parameters)  # type: ignore[attr-defined]
    spread_command.__annotations__ = {p.name: p.annotation for p in parameters} | {"return": None}
    return spread_command


def parse_swing(text: str) -> tuple[float, float]:
    """Parse ``--swing`` ("10,90") into two probabilities; a usage error names the option."""
    parts = [p.strip() for p in text.split(",")]
    try:
        low, high = (float(p) for p in parts)
    except ValueError:
        raise typer.BadParameter(f"{text!r}: give two percentiles, e.g. 10,90", param_hint="--swing") from None
    if not (0 < low < high < 100):
        raise typer.BadParameter(f"{text!r}: need 0 < low < high < 100", param_hint="--swing")
    return low / 100, high / 100


def parse_thresholds(values: list[float] | None) -> tuple[float, ...]:
    """Check ``--threshold`` values (positive, finite) and return them sorted without repeats."""
    import math

    values = list(values or [])
    for k in values:
        if not (math.isfinite(k) and k > 0):
            raise typer.BadParameter(f"{k:g}: a threshold must be a positive number", param_hint="--threshold")
    return tuple(sorted(set(values)))
