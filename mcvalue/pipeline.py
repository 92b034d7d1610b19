"""Every chain of stages, and nothing else: the one module that calls one stage after another.

    prior file -> Scenario -> data -> cost model (fit) -> simulate -> summarise -> RunResult
    (-> report, written only by :func:`mcvalue.report.write_report`)

Each function here is a public entry point of :mod:`mcvalue` (the CLI is a thin shell
over them). None of them writes files; the caches of the cost side are the exception
the design allows (verified, never trusted).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.decision import DEFAULT_SWING
from mcvalue.errors import McValueError

if TYPE_CHECKING:
    from mcvalue.priors.spec import Mode, Scenario
    from mcvalue.result import RunResult

Log = Callable[[str], None]


def _silent(_: str) -> None:
    """Drop a progress message."""


def run(
    scenario: Scenario,
    *,
    data_dir: Path | None = None,
    progress: bool = False,
    refit: bool = False,
    allow_unconverged: bool = False,
    swing: tuple[float, float] = DEFAULT_SWING,
    thresholds: Sequence[float] = (),
    explicit_cost_model: bool = False,
    log: Log | None = None,
) -> RunResult:
    """Run every stage for one scenario and return the results; nothing is written.

    Parameters
    ----------
    scenario : Scenario
        From :func:`mcvalue.load_scenario`, optionally changed with ``with_prior`` and
        ``with_settings``.
    data_dir : pathlib.Path, optional
        Directory holding the paper's data files (else ``$MCVALUE_DATA_DIR``, the cache,
        a download). With no copy anywhere and no cost model named explicitly the run
        falls back to the paper's published Table 1 costs and says so in its warnings.
    progress : bool
        Print progress lines (and the sampler's progress bar) on stderr.
    refit, allow_unconverged : bool
        Refit the cost model instead of using cached results; carry on with a fit that
        failed its convergence checks (the failure is written into every output).
    swing : (float, float)
        The tornado's two quantiles, e.g. (0.1, 0.9).
    thresholds : sequence of float
        Extra BCR thresholds k (``--threshold``): added to the exceedance curve, the
        break-even table and the value of information (besides 1, 10, 100).
    explicit_cost_model : bool
        The user named the cost model: missing data is then an error, never a fallback.
    log : callable, optional
        Receives progress lines instead of stderr.

    Returns
    -------
    RunResult
        The scenario actually run, the cost side, the draws, the decision analysis
        (:func:`mcvalue.decide.decide`, on the run's own draws) and the summary.

    Examples
    --------
    >>> import mcvalue
    >>> scenario = mcvalue.load_scenario("default").with_settings(draws=5000, cost_model="table1")
    >>> result = mcvalue.run(scenario)
    >>> round(result.summary()["bcr"]["median"]) > 1
    True
    """
    import sys

    from mcvalue.costmodels import cost_side
    from mcvalue.costmodels.pymc.diagnostics import convergence_failure
    from mcvalue.decide import decide
    from mcvalue.result import RunResult
    from mcvalue.simulate import simulate
    from mcvalue.summarise import build_summary

    say = log or ((lambda line: print(line, file=sys.stderr)) if progress else _silent)
    cost, warnings = cost_side(
        scenario,
        data_dir=data_dir,
        explicit_model=explicit_cost_model,
        refit=refit,
        allow_unconverged=allow_unconverged,
        progress=progress,
        log=say,
    )
    failure = convergence_failure(cost.diagnostics)
    if failure is not None:
        warnings += (failure,)
    if cost.model != scenario.run.cost_model:
        scenario = scenario.with_settings(cost_model=cost.model)
    say(f"simulating {scenario.run.draws:,} draws...")
    simulation = simulate(scenario, cost.fte, scenario.run.seed)
    say("decision analysis: exceedance, break-even, tornado, Sobol indices, value of information...")
    decision = decide(scenario, cost, simulation, swing, thresholds)
    say("summarising...")
    summary = build_summary(scenario, cost, simulation, decision, swing)
    return RunResult(scenario, cost, simulation, decision, summary, tuple(warnings))


def fit(
    mode: Mode = "clean",
    *,
    target_year: int | str | None = None,
    data_dir: Path | None = None,
    refit: bool = False,
    allow_unconverged: bool = False,
    progress: bool = False,
) -> dict[str, Any]:
    """Fit the Bayesian cost model to the sample in ``mode`` and summarise it (``mcvalue fit``).

    ``target_year`` (a year, a string of digits, or "average"; None: 2021) is the year the
    FTE is predicted for; it changes the derived FTE only, never the posterior.

    Returns
    -------
    dict
        JSON-ready: diagnostics, posterior FTE per method beside the paper, the point
        figures and the bootstrap, hyperparameters, PPC p-values and misfits.

    Examples
    --------
    >>> import mcvalue
    >>> record = mcvalue.fit("clean")  # doctest: +SKIP
    >>> print(mcvalue.text.render_fit(record))  # doctest: +SKIP
    """
    import numpy as np

    from mcvalue.config import DEFAULT_SEED
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.costmodels.pymc.summary import fit_summary
    from mcvalue.data import load_sample
    from mcvalue.priors.edit import parse_target_year
    from mcvalue.priors.spec import DEFAULT_TARGET_YEAR

    year = DEFAULT_TARGET_YEAR if target_year is None else parse_target_year(target_year)
    sample = load_sample(mode=mode, data_dir=data_dir)
    result = fit_cost_model(sample, refit=refit, progress=progress, allow_unconverged=allow_unconverged, target_year=year)
    return fit_summary(sample, result, np.random.default_rng(DEFAULT_SEED))


def reproduce(mode: Mode | None = None, *, data_dir: Path | None = None) -> dict[str, Any]:
    """Table 1 in one data mode, or the published table beside all modes (``mcvalue reproduce``).

    Returns
    -------
    dict
        With ``mode``: that mode's Table 1 record (rows, cleaning, data hashes). Without:
        ``{"published": {"source", "rows"}, "modes": [record per mode]}``.

    Examples
    --------
    >>> import mcvalue
    >>> print(mcvalue.text.render_table1(mcvalue.reproduce()))  # doctest: +SKIP
    """
    from mcvalue.costmodels.table1 import record_rows_published, table1_record
    from mcvalue.data import MODES, load_sample

    if mode is not None:
        if mode not in MODES:
            raise McValueError(f"--mode: unknown mode {mode!r}; choose one of {', '.join(MODES)}")
        return table1_record(load_sample(mode, data_dir))
    return {
        "published": {"source": "Langenkamp & Yue (AIES 2022), Table 1", "rows": record_rows_published()},
        "modes": [table1_record(load_sample(m, data_dir)) for m in MODES],
    }


def audit(*, data_dir: Path | None = None, extra_bots: Sequence[str] = (), top: int = 10) -> dict[str, Any]:
    """Return what is wrong with the sample: truncation, bots, duplicates, overlaps, empties, outliers.

    Examples
    --------
    >>> import mcvalue
    >>> report = mcvalue.audit()  # doctest: +SKIP
    >>> report["bots"]  # doctest: +SKIP
    """
    from mcvalue.data.audit import audit as audit_sample

    return audit_sample(data_dir, tuple(extra_bots), top)


def fetch_data(dest: Path | None = None) -> dict[str, Path]:
    """Download the paper's data files (pinned commit, sha256-checked) into ``dest`` or the cache.

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.fetch_data("data/")  # doctest: +SKIP
    """
    from mcvalue.data.fetch import fetch

    return fetch(dest)


def _summary_of(side: Path, data_dir: Path | None, log: Log) -> tuple[str, dict[str, Any]]:
    """Return a label and summary for one side of a comparison: a run directory, or a prior file run now."""
    from mcvalue.priors.load import load_scenario

    side = Path(side)
    if side.is_dir():
        from mcvalue.report.rundir import read_summary

        return side.name, read_summary(side)
    if side.is_file():
        log(f"running {side} (nothing is written)...")
        return side.name, run(load_scenario(side), data_dir=data_dir, log=log).summary()
    raise McValueError(f"{side}: no such run directory or prior file")


def compare(
    a: Path, b: Path, *, data_dir: Path | None = None, log: Log | None = None
) -> dict[str, Any]:
    """Compare two runs: run directories, or prior files run first (nothing is written).

    Returns
    -------
    dict
        JSON-ready rows side by side, the inputs and the settings that differ.

    Examples
    --------
    >>> import mcvalue
    >>> print(mcvalue.text.render_comparison(mcvalue.compare("results/reference", "priors/mine.toml")))  # doctest: +SKIP
    """
    from mcvalue.comparison import compare_summaries

    say = log or _silent
    label_a, summary_a = _summary_of(a, data_dir, say)
    label_b, summary_b = _summary_of(b, data_dir, say)
    return compare_summaries(label_a, summary_a, label_b, summary_b)


def to_json(record: Any) -> str:
    r"""Return a record as strict JSON text for ``--json`` outputs (6 significant figures).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.to_json({"median": 67.81234567})
    '{\n  "median": 67.8123\n}\n'
    """
    from mcvalue.jsonio import dumps

    return dumps(record)

