"""Time each decision-analysis piece on 200,000 synthetic draws of the engine's model.

    PYTHONPATH=. python benchmarks/bench_decision.py [--draws 200000]

Synthetic draws: the tests' all-lognormal priors for the eight quantities
(``tests/montecarlo_helpers.LOGNORMAL_PARAMETERS``), an FTE pool of 4,000 rows,
equal method weights, evaluated with ``mcvalue.simulate.outcomes``. Prints seconds per
piece and the total (budget: about 10 s on 200k draws).
"""

import argparse
import sys
import time
from pathlib import Path

import numpy as np
from scipy import stats

from mcvalue import decision as d
from mcvalue.paper import TABLE1_KEYS
from mcvalue.simulate import outcomes

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from montecarlo_helpers import LOGNORMAL_PARAMETERS  # noqa: E402 - the tests' all-lognormal scenario, shared


def main() -> None:
    """Run every piece once and print its wall-clock time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    n = parser.parse_args().draws
    rng = np.random.default_rng(20220218)
    priors = {name: stats.lognorm(s=s, scale=m) for name, (m, s) in LOGNORMAL_PARAMETERS.items()}
    inputs = {name: dist.rvs(size=n, random_state=rng) for name, dist in priors.items()}
    pool = np.exp(rng.normal(np.log([1000.0, 700.0, 600.0, 600.0, 400.0]), 0.2, size=(4000, 5)))
    fte = pool[rng.integers(0, pool.shape[0], n)]
    method = rng.integers(0, len(TABLE1_KEYS), n)
    run = outcomes(inputs, fte, method)
    conditional = d.conditional_on_draws(outcomes, inputs, fte, method, TABLE1_KEYS)
    params = {**inputs, d.METHOD_INPUT: method, d.FTE_INPUT: fte}

    pieces = {
        "exceedance (mixture + 5 methods, 28 k)": lambda: d.exceedance_by_method(run.bcr, method, TABLE1_KEYS),
        "tornado (8 inputs + FTE + method)": lambda: d.tornado(
            conditional, priors, run.bcr, fte_pool=pool, method_keys=TABLE1_KEYS
        ),
        "break-even (8 inputs x k = 1, 100)": lambda: d.break_even(conditional, priors),
        "Sobol (10 inputs, N = 2^13, bcr + log bcr)": lambda: d.sobol_indices(outcomes, priors, pool, [0.2] * 5),
        "EVPI + EVPPI (10 inputs x k = 1, 100)": lambda: d.value_of_information(run.benefit, run.cost, params),
    }
    total = 0.0
    print(f"{n:,} draws")
    for label, piece in pieces.items():
        start = time.perf_counter()
        piece()
        seconds = time.perf_counter() - start
        total += seconds
        print(f"{label:46} {seconds:6.2f} s")
    print(f"{'total':46} {total:6.2f} s")


if __name__ == "__main__":
    main()
