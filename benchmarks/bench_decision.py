"""Time each decision-analysis piece on 200,000 synthetic draws of the engine's model.

    PYTHONPATH=. python benchmarks/bench_decision.py [--draws 200000]

Synthetic draws: lognormal priors for the eight quantities, an FTE pool of 4,000 rows,
equal method weights, evaluated with ``mcvalue.simulate.outcomes``. Prints seconds per
piece and the total (budget: about 10 s on 200k draws).
"""

import argparse
import time

import numpy as np
from scipy import stats

from mcvalue import decision as d
from mcvalue.paper import METHOD_KEYS
from mcvalue.simulate import outcomes

#: (median, log-sd) of each quantity.
PRIORS = {
    "cost.salary_usd": (2.5e5, 0.3),
    "cost.fte_fraction_contributor": (0.4, 0.35),
    "cost.fte_fraction_reference": (0.6, 0.25),
    "cost.coverage": (1.5, 0.1),
    "benefit.ai_value_usd": (4e12, 0.15),
    "benefit.haircut": (0.1, 0.7),
    "benefit.attribution_share": (0.1, 0.4),
    "benefit.mloss_share": (0.5, 0.3),
}


def main() -> None:
    """Run every piece once and print its wall-clock time."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--draws", type=int, default=200_000)
    n = parser.parse_args().draws
    rng = np.random.default_rng(20220218)
    priors = {name: stats.lognorm(s=s, scale=m) for name, (m, s) in PRIORS.items()}
    inputs = {name: dist.rvs(size=n, random_state=rng) for name, dist in priors.items()}
    pool = np.exp(rng.normal(np.log([1000.0, 700.0, 600.0, 600.0, 400.0]), 0.2, size=(4000, 5)))
    fte = pool[rng.integers(0, pool.shape[0], n)]
    method = rng.integers(0, len(METHOD_KEYS), n)
    run = outcomes(inputs, fte, method)
    conditional = d.conditional_on_draws(outcomes, inputs, fte, method, METHOD_KEYS)
    params = {**inputs, d.METHOD_INPUT: method, d.FTE_INPUT: fte}

    pieces = {
        "exceedance (mixture + 5 methods, 28 k)": lambda: d.exceedance_by_method(run.bcr, method, METHOD_KEYS),
        "tornado (8 inputs + FTE + method)": lambda: d.tornado(
            conditional, priors, run.bcr, fte_pool=pool, method_keys=METHOD_KEYS
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
