"""The entry point of a Monte Carlo run (:func:`mcvalue.run`): scenario and cost side in, :class:`~mcvalue.runs.result.RunResult` out.

Separate from the fit, data and comparison entry points because it alone chains the
cost side, the engine, the summary and the decision analysis.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.config import Log, silent, to_stderr
from mcvalue.decision.common import DEFAULT_SWING

if TYPE_CHECKING:
    from mcvalue.decision.analysis import Decision
    from mcvalue.engine.simulate import Model, Simulation
    from mcvalue.priors.spec import Scenario
    from mcvalue.runs.result import RunResult


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
        (:func:`mcvalue.decision.decide`, on the run's own draws) and the summary.

    Examples
    --------
    >>> import mcvalue
    >>> scenario = mcvalue.load_scenario("default").with_settings(draws=5000, cost_model="table1")
    >>> result = mcvalue.run(scenario)
    >>> round(result.summary()["bcr"]["median"]) > 1
    True
    """
    from mcvalue.costmodels import cost_side, drop_unpriced_methods
    from mcvalue.costmodels.population import check_population
    from mcvalue.costmodels.pymc.diagnostics import convergence_failure
    from mcvalue.engine.memory import check_memory
    from mcvalue.engine.simulate import check_finite, model_of, simulate
    from mcvalue.engine.summarise import build_summary
    from mcvalue.runs.result import RunResult

    say = log or (to_stderr if progress else silent)
    requested_toml = scenario.resolved_toml  # what priors.toml records, before the engine's fallbacks below
    check_memory(scenario)
    check_population(scenario)
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
    fell_back = cost.model != scenario.run.cost_model  # then the first warning says so
    if fell_back:
        scenario = scenario.with_settings(cost_model=cost.model)
    scenario, dropped = drop_unpriced_methods(scenario, cost)
    if dropped is not None:  # one event with a fallback to Table 1, one warning
        warnings = (f"{warnings[0]}; {dropped}", *warnings[1:]) if fell_back else (*warnings, dropped)
    say(f"simulating {scenario.run.draws:,} draws...")
    simulation = simulate(scenario, cost.fte, scenario.run.seed, fte_by_year=cost.fte_by_year, years=cost.years)
    check_finite(simulation, scenario)
    say("decision analysis (exceedance, break-even, tornado, Sobol indices, value of information) and summaries...")
    model = model_of(scenario, cost.fte, cost.fte_by_year, cost.years)
    decision, draws_summary = _decide_and_summarise(scenario, model, simulation, swing, thresholds)
    summary = build_summary(scenario, cost, simulation, decision, swing, requested_toml, draws_summary=draws_summary)
    return RunResult(scenario, cost, simulation, decision, summary, tuple(warnings), requested_toml)


def _decide_and_summarise(
    scenario: Scenario, model: Model, simulation: Simulation, swing: tuple[float, float], thresholds: Sequence[float]
) -> tuple[Decision, dict[str, Any]]:
    """Return the decision analysis of a run's draws and their summaries (:func:`mcvalue.engine.statistics.summarise_simulation`), computed at once.

    The summaries (sorts, quantiles and MCSEs of 15 arrays of draws, ~0.5 s at 200,000
    draws) run in a second thread while this one runs the decision analysis: their work is
    in NumPy, which releases the GIL, so on two cores a re-run's wall time falls by about
    that much and its CPU time does not grow. Neither reads what the other writes, and each
    is deterministic, so the results are those of running them one after the other. The
    thread has ended when this returns (a forked figure writer needs a process without
    other threads, :func:`mcvalue.report.figures.can_fork_writer`).
    """
    from concurrent.futures import ThreadPoolExecutor

    from mcvalue.decision.analysis import decide
    from mcvalue.engine.statistics import summarise_simulation

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="mcvalue-summaries") as pool:
        summaries = pool.submit(summarise_simulation, simulation)
        decision = decide(scenario, model, simulation, swing, thresholds)
        return decision, summaries.result()
