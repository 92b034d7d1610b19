"""A stand-in for a fitted cost model's trace: iid draws of every model parameter.

Tests of the convergence checks, the posterior cache and interrupted fits need a trace
without running a sampler. iid normal draws are a perfectly mixed sampler's; the sample
statistics are those the checks read (divergences, energy, nutpie's tree-depth flag).
"""

from __future__ import annotations

import numpy as np

from mcvalue.costmodels.pymc.diagnostics import TREEDEPTH_STAT
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, REPO_VALUES, WINDOW_EFFECTS


def iid_trace(rng: np.random.Generator, chains: int = 4, draws: int = 500, n_repos: int = 3, n_windows: int = 2):
    """Return a DataTree of iid standard normal draws for every parameter, with repo and window dims."""
    import arviz as az

    posterior = {name: rng.normal(size=(chains, draws)) for name in HYPERPARAMETERS}
    posterior |= {name: rng.normal(size=(chains, draws, n_repos)) for name in REPO_EFFECTS + REPO_VALUES}
    posterior |= {name: rng.normal(size=(chains, draws, n_windows)) for name in WINDOW_EFFECTS}
    sample_stats = {
        "diverging": np.zeros((chains, draws), dtype=bool),
        TREEDEPTH_STAT: np.zeros((chains, draws), dtype=bool),
        "energy": rng.normal(size=(chains, draws)),
    }
    dims = {name: ["repo"] for name in REPO_EFFECTS + REPO_VALUES} | {name: ["window"] for name in WINDOW_EFFECTS}
    coords = {"repo": [f"repo{i}" for i in range(n_repos)], "window": list(range(n_windows))}
    return az.from_dict({"posterior": posterior, "sample_stats": sample_stats}, dims=dims, coords=coords)
