"""Time the decision analysis a run adds: a default-size Table 1 run with and without it.

    PYTHONPATH=. python benchmarks/bench_run_decision.py [--draws 200000] [--priors FILE] [--repeat 3]

The run is the shipped default priors over the published Table 1 FTE (no data, no fit),
so what is timed is the engine and the analysis, never the posterior (which the decision
analysis never refits anyway). "Without" is every stage of :func:`mcvalue.run` but
:func:`mcvalue.decision.decide` (cost side, simulation, summary statistics); "with" adds
``decide``; the report's four decision figures (exceedance, tornado, Sobol, EVPPI),
drawn and saved as PNG, are timed separately. Best of ``--repeat`` runs each (the machine
is shared). Target (issue 20): the decision analysis adds at most 0.5 s to a 200,000-draw
run (before the package, v0.2.0: ~4.7 s, of which Sobol ~2.8 s, value of information
~1.1 s, break-even ~0.7 s). Also printed: the widest 95% CI of a log-BCR Sobol index beside
its stated precision, and the EVPPI standard errors relative to the EVPI.
"""

import argparse
import dataclasses
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from mcvalue import plots
from mcvalue.costmodels import cost_side
from mcvalue.costmodels.side import CostSide
from mcvalue.decision import decide
from mcvalue.decision.sobol import PRECISION
from mcvalue.engine.simulate import Simulation, model_of, simulate
from mcvalue.engine.statistics import summarise_simulation
from mcvalue.engine.summarise import build_summary
from mcvalue.priors.load import load_scenario
from mcvalue.priors.spec import Scenario
from mcvalue.report.figures import save_png
from mcvalue.runs.result import RunResult


def _best[T](repeat: int, work: Callable[[], T], clock: Callable[[], float] = time.perf_counter) -> tuple[float, T]:
    """Return the least time (wall clock by default) of ``repeat`` calls (at least one) and the last result."""
    start = clock()
    out = work()
    best = clock() - start
    for _ in range(repeat - 1):
        start = clock()
        out = work()
        best = min(best, clock() - start)
    return best, out


def table1_scenario(scenario: Scenario, draws: int) -> Scenario:
    """Return ``scenario`` on the published Table 1 FTE with ``draws`` draws.

    Table 1 has no activity-threshold FTE, so that method's weight (0.3 in the default
    priors) goes to the five Table 1 methods in proportion to theirs.
    """
    weights = dict(scenario.method_weights)
    dropped = weights.pop("activity_threshold", 0.0)
    if dropped:
        table = {key: value / (1.0 - dropped) for key, value in weights.items()}
        scenario = scenario.with_prior("cost.method_weights", table)
    return dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, cost_model="table1", draws=draws))


def main() -> None:
    """Time a Table 1 run without and with the decision analysis and print the difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    parser.add_argument("--priors", default=None, help="prior file (default: the shipped default)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threshold", type=float, action="append", default=[], help="extra threshold k (repeatable)")
    args = parser.parse_args()
    scenario = table1_scenario(load_scenario(args.priors), args.draws)
    swing = (0.1, 0.9)

    def without() -> tuple[CostSide, Simulation]:
        cost, _ = cost_side(scenario, explicit_model=True)
        simulation = simulate(scenario, cost.fte, scenario.run.seed)
        summarise_simulation(simulation)
        return cost, simulation

    base, (cost, simulation) = _best(args.repeat, without)
    model = model_of(scenario, cost.fte, cost.fte_by_year, cost.years)
    added, decision = _best(args.repeat, lambda: decide(scenario, model, simulation, swing, args.threshold))
    added_cpu, _ = _best(args.repeat, lambda: decide(scenario, model, simulation, swing, args.threshold), time.process_time)
    result = RunResult(scenario, cost, simulation, decision, build_summary(scenario, cost, simulation, decision, swing))
    drawers = {"exceedance": plots.plot_exceedance, "tornado": plots.plot_tornado, "sobol": plots.plot_sobol, "evppi": plots.plot_evppi}
    with tempfile.TemporaryDirectory() as tmp:

        def draw_all() -> None:
            for stem, draw in drawers.items():
                save_png(draw(result), Path(tmp) / f"{stem}.png")

        figures, _ = _best(args.repeat, draw_all)
    print(f"{args.draws:,} draws, Table 1 cost side, best of {args.repeat}")
    print(f"{'run without the decision analysis':40} {base:6.2f} s")
    print(f"{'run with it (adds decide())':40} {base + added:6.2f} s")
    print(f"{'added by the decision analysis':40} {added:6.2f} s   (target 0.5 s; v0.2.0: ~4.7 s)")
    print(f"{'  its CPU time (a shared machine)':40} {added_cpu:6.2f} s")
    print(f"{'its four report figures (drawn, saved)':40} {figures:6.2f} s")
    print(f"{'widest 95% CI of a log-BCR Sobol index':40} {decision.sobol.max_ci():6.3f}     (stated precision {PRECISION})")
    for entry in decision.voi.thresholds:
        worst = max((e.se for e in entry.evppi), default=0.0)
        print(f"{f'largest EVPPI se / EVPI at k = {entry.k:g}':40} {worst / entry.evpi if entry.evpi else 0.0:6.1%}")


if __name__ == "__main__":
    main()
