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
from pathlib import Path

from mcvalue import plots
from mcvalue.costmodels import cost_side
from mcvalue.decision import decide
from mcvalue.decision.sobol import PRECISION
from mcvalue.engine.simulate import model_of, simulate
from mcvalue.engine.statistics import summarise_simulation
from mcvalue.engine.summarise import build_summary
from mcvalue.priors.load import load_scenario
from mcvalue.report.figures import save_png
from mcvalue.runs.result import RunResult


def _best(repeat: int, work, clock=time.perf_counter) -> tuple[float, object]:
    """Return the least time (wall clock by default) of ``repeat`` calls and the last result."""
    best, out = float("inf"), None
    for _ in range(repeat):
        start = clock()
        out = work()
        best = min(best, clock() - start)
    return best, out


def main() -> None:
    """Time a Table 1 run without and with the decision analysis and print the difference."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    parser.add_argument("--priors", default=None, help="prior file (default: the shipped default)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--threshold", type=float, action="append", default=[], help="extra threshold k (repeatable)")
    args = parser.parse_args()
    scenario = load_scenario(args.priors)
    scenario = dataclasses.replace(scenario, run=dataclasses.replace(scenario.run, cost_model="table1", draws=args.draws))
    swing = (0.1, 0.9)

    def without():
        cost, _ = cost_side(scenario, explicit_model=True)
        simulation = simulate(scenario, cost.fte, scenario.run.seed)
        summarise_simulation(simulation)
        return cost, simulation

    base, (cost, simulation) = _best(args.repeat, without)
    model = model_of(scenario, cost.fte, cost.fte_by_year, cost.years)
    added, decision = _best(args.repeat, lambda: decide(scenario, model, simulation, swing, args.threshold, cost.model))
    added_cpu, _ = _best(args.repeat, lambda: decide(scenario, model, simulation, swing, args.threshold, cost.model), time.process_time)
    result = RunResult(scenario, cost, simulation, decision, build_summary(scenario, cost, simulation, decision, swing))
    drawers = {"exceedance": plots.plot_exceedance, "tornado": plots.plot_tornado, "sobol": plots.plot_sobol, "evppi": plots.plot_evppi}
    with tempfile.TemporaryDirectory() as tmp:
        figures, _ = _best(args.repeat, lambda: [save_png(draw(result), Path(tmp) / f"{stem}.png") for stem, draw in drawers.items()])
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
