"""Time each decision-analysis piece on 200,000 synthetic draws of the engine's model.

    PYTHONPATH=. python benchmarks/bench_decision.py [--draws 200000]

Synthetic draws: the tests' all-lognormal priors for the eight quantities
(``tests/montecarlo_helpers.LOGNORMAL_PARAMETERS``), an FTE pool of 4,000 rows,
equal method weights, evaluated with :func:`mcvalue.engine.simulate.model_of`'s model. Prints
seconds per piece and the total beside the 0.5 s target of the whole analysis
(issue 20); before the package (v0.2.0) the same pieces took 0.4 + 2.6 + 8.7 + 12.9 + 5.4 s
on a loaded 2-core machine, 4.7 s in total on an idle one.
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np

from mcvalue import decision as d
from mcvalue.engine.simulate import Model
from mcvalue.vocab.paper import TABLE1_KEYS

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from montecarlo_helpers import LOGNORMAL_PARAMETERS, lognormal  # noqa: E402 - the tests' all-lognormal scenario, shared

TARGET = 0.5


def main() -> None:
    """Run every piece once and print its wall-clock time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    n = parser.parse_args().draws
    rng = np.random.default_rng(20220218)
    priors = {name: lognormal(m, s) for name, (m, s) in LOGNORMAL_PARAMETERS.items()}
    inputs = {name: np.exp(np.log(m) + s * rng.standard_normal(n)) for name, (m, s) in LOGNORMAL_PARAMETERS.items()}
    pool = np.exp(rng.normal(np.log([1000.0, 700.0, 600.0, 600.0, 400.0]), 0.2, size=(4000, 5)))
    model = Model(pool, np.full(5, 0.2), seed=20220218)
    fte = pool[rng.integers(0, pool.shape[0], n)]
    method = rng.integers(0, len(TABLE1_KEYS), n)
    run = model(inputs, fte, method)
    conditional = d.ConditionalRuns(
        model, inputs, fte, method, TABLE1_KEYS, bcr=run.bcr, powers=model.powers(method), benefit=run.benefit, cost_by_method=run.cost_by_method
    )
    params = {**inputs, d.METHOD_INPUT: method, d.FTE_INPUT: fte}

    pieces = {
        "exceedance (mixture + 5 methods, 28 k)": lambda: d.exceedance(run.bcr, method_index=method, method_keys=TABLE1_KEYS),
        "tornado (8 inputs + FTE + method)": lambda: d.tornado(conditional, priors, run.bcr, fte_pool=pool, method_keys=TABLE1_KEYS),
        "break-even (8 inputs x k = 1, 100)": lambda: d.break_even(conditional, priors),
        "Sobol (10 inputs, N = 2^13, bcr + log bcr)": lambda: d.sobol(model, priors, pool, model.method_weights),
        "EVPI + EVPPI (10 inputs x k = 1, 100)": lambda: d.value_of_information(run.benefit, run.cost, params),
    }
    total, total_cpu = 0.0, 0.0
    print(f"{n:,} draws (wall, and CPU: the machine may be shared; the tornado builds the power inputs' sorted draws the break-even reuses)")
    for label, piece in pieces.items():
        start, cpu = time.perf_counter(), time.process_time()
        piece()
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
        total, total_cpu = total + seconds, total_cpu + cpu
        print(f"{label:46} {seconds:6.2f} s wall {cpu:6.2f} s CPU")
    print(f"{'total':46} {total:6.2f} s wall {total_cpu:6.2f} s CPU   (target {TARGET} s)")


if __name__ == "__main__":
    main()
