"""benchmarks/sbc.py draws its datasets' parameters with NumPy; they must follow the model's priors.

``prior_draw`` restates the priors of :func:`mcvalue.costmodels.pymc.model.build_model` so
that each SBC dataset is reproducible from its index alone. If the two drifted apart, the
SBC would calibrate the model against the wrong prior and its ranks would not be uniform
for a reason that has nothing to do with the fit. A two-sample KS test per parameter
compares 4,000 of its draws with 4,000 of PyMC's prior draws from the model.
"""

from __future__ import annotations

import numpy as np
import pytest
from benchmark_helpers import load_benchmark
from scipy import stats
from test_pymc_model import simulated_data

from mcvalue.costmodels.pymc import model as pmm


@pytest.mark.filterwarnings("ignore:The effect of Potentials:UserWarning")  # the Potentials are the likelihoods
def test_sbc_prior_draws_follow_the_models_priors():
    """Every hyperparameter and the repo-level draws: KS p > 1e-4 (Bonferroni over 22 tests at 0.2%).

    A correct restatement fails one of the 22 tests with probability ~0.002 (the seeds are
    fixed, so the test is deterministic); a scale 10% off, at 4,000 draws a side, gives a
    KS p-value below 1e-6.
    """
    import pymc as pm

    sbc = load_benchmark("sbc")
    data, _ = simulated_data(6, np.random.default_rng(1))
    rng = np.random.default_rng(2)
    ours = [sbc.prior_draw(rng, data.n_repos, data.period_repo.size) for _ in range(4000)]
    with pmm.build_model(data):
        prior = pm.sample_prior_predictive(4000, random_seed=3).prior
    names = [*pmm.HYPERPARAMETERS, "contrib_log_mean", "commit_log_mean", "line_log_mean"]
    assert set(pmm.HYPERPARAMETERS) <= set(ours[0])
    for name in names:
        sample = np.concatenate([d[name].ravel()[:1] for d in ours])  # first repo for the repo-level ones
        model = prior[name].values.reshape(4000, -1)[:, 0]
        assert stats.ks_2samp(sample, model).pvalue > 1e-4, name
