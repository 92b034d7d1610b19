"""Options shared by several commands, declared once."""

from pathlib import Path
from typing import Annotated

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
AllowUnconvergedOption = Annotated[
    bool,
    typer.Option("--allow-unconverged", help="Carry on when the fit fails its convergence checks (the failure is reported).", metavar=FLAG),
]


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
