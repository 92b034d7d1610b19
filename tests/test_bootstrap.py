"""The two-stage bootstrap of the FTE figures: identity, hand values, exact bootstrap variance."""

import numpy as np
import pytest
from montecarlo_helpers import make_sample

from mcvalue.costmodels.bootstrap import (
    bootstrap_fte,
    fte_from_indices,
    identity_indices,
    period_arrays,
    reference_positions,
)
from mcvalue.costmodels.table1 import method_fte
from mcvalue.costmodels.threshold import POOL_WIDTH
from mcvalue.vocab.paper import TABLE1_KEYS

PT, TF = "pytorch/pytorch", "tensorflow/tensorflow"


def _tiny_sample():
    """Four repos; rows are (commits, lines) per contributor-period."""
    return make_sample([
        dict(tool="A", repo="a/a", rows=[(2, 10), (4, 20)]),
        dict(tool="A", repo="a/a", rows=[]),
        dict(tool="B", repo="b/b", rows=[(1, 5)]),
        dict(tool="PyTorch", repo=PT, rows=[(3, 30), (5, 50)]),
        dict(tool="PyTorch", repo=PT, rows=[(1, 10)]),
        dict(tool="TensorFlow", repo=TF, rows=[(2, 40)]),
    ])


def test_identity_of_tiny_sample_matches_hand_calculation():
    """Per-repo period means summed, over the reference mean per contributor-period.

    contributors: A (2+0)/2 + B 1 + PT (2+1)/2 + TF 1 = 4.5
    commits: A 3 + B 1 + PT 4.5 + TF 2 = 10.5; PT mean 9/3 = 3, TF 2
    lines:   A 15 + B 5 + PT 45 + TF 40 = 105; PT mean 90/3 = 30, TF 40
    """
    expected = {
        "commits_pytorch": 10.5 / 3, "contributors_pytorch": 4.5, "lines_tensorflow": 105 / 40,
        "lines_pytorch": 105 / 30, "commits_tensorflow": 10.5 / 2,
    }
    arrays = period_arrays(_tiny_sample())
    identity = fte_from_indices(arrays, *identity_indices(arrays))[0, :5]
    np.testing.assert_allclose(identity, [expected[k] for k in TABLE1_KEYS], rtol=1e-15)


@pytest.mark.parametrize("mode", ["paper", "corrected", "clean"])
def test_identity_replicate_equals_table1_fte(real_data_dir, mode):
    """At identity indices the bootstrap statistic is Table 1's FTE (to rounding)."""
    from mcvalue.data import load_sample

    sample = load_sample(mode, real_data_dir)
    arrays = period_arrays(sample)
    identity = fte_from_indices(arrays, *identity_indices(arrays))[0, :5]
    table = method_fte(sample)
    np.testing.assert_allclose(identity, [table[k] for k in TABLE1_KEYS], rtol=1e-12)


def _simulated_sample(rng: np.random.Generator):
    """40 repos with 2-5 periods of Poisson(3) contributors; reference rows are constant.

    Every reference contributor-period has 3 commits and 10 lines, so the reference
    means are fixed (3 and 10) under any resample and the FTE are plain sums of means.
    """
    periods = []
    for r in range(40):
        for _ in range(int(rng.integers(2, 6))):
            rows = [(int(rng.geometric(0.3)), int(rng.integers(1, 100))) for _ in range(rng.poisson(3))]
            periods.append(dict(tool=f"t{r}", repo=f"o/t{r}", rows=rows))
    for tool, repo in (("PyTorch", PT), ("TensorFlow", TF)):
        for _ in range(5):
            periods.append(dict(tool=tool, repo=repo, rows=[(3, 10)] * int(rng.integers(1, 6))))
    return make_sample(periods)


def _ideal_bootstrap_variance(sample, column: str) -> float:
    """Exact variance of the two-stage bootstrap of sum over R repo slots of period means.

    One slot: a uniformly drawn repo r, then the mean of k_r periods drawn from its own,
    so Var(slot) = (1/R) sum (ybar_r - ybar)^2 + (1/R) sum s_r^2 / k_r with plug-in
    (ddof=0) variances, and the R slots are independent.
    """
    groups = sample.periods.groupby(["tool", "repo"])[column]
    means, variances, sizes = groups.mean(), groups.var(ddof=0), groups.size()
    n_repos = len(means)
    slot = np.mean((means - means.mean()) ** 2) + np.mean(variances / sizes)
    return n_repos * slot


def test_bootstrap_sd_matches_exact_bootstrap_variance():
    """SD over 2000 replicates within 7% of the exact value.

    The SD of B replicates of a near-normal statistic has relative SE 1/sqrt(2(B-1)),
    1.6% at B=2000, so 7% is over 4 SE. The replicate mean of this linear statistic is
    unbiased for the sample value: within 4 SE (sd / sqrt(B)).
    """
    sample = _simulated_sample(np.random.default_rng(2))
    n_replicates = 2000
    replicates = bootstrap_fte(sample, n_replicates, np.random.default_rng(3))
    table = method_fte(sample)
    for key, column, reference_mean in [
        ("contributors_pytorch", "contributors", 1.0),
        ("commits_pytorch", "commits", 3.0),
        ("lines_tensorflow", "lines", 10.0),
    ]:
        draws = replicates[:, TABLE1_KEYS.index(key)]
        exact_sd = np.sqrt(_ideal_bootstrap_variance(sample, column)) / reference_mean
        assert abs(draws.std(ddof=1) / exact_sd - 1) < 0.07, key
        assert abs(draws.mean() - table[key]) < 4 * exact_sd / np.sqrt(n_replicates), key


def test_reference_resamples_always_contain_a_contributor():
    """A resample of only empty reference periods (mean undefined) is redrawn."""
    active = np.array([True, False, False, False])
    positions = reference_positions(active, 5000, np.random.default_rng(0))
    assert positions.shape == (5000, 4)
    assert active[positions].any(axis=1).all()
    # Without redraws, (3/4)^4 = 32% of rows would miss the active period; the draws stay
    # uniform otherwise: the active period is hit in 1/(1 - 0.316) of 1/4 of slots.
    share = np.mean(positions == 0)
    expected = 0.25 / (1 - 0.75**4)
    assert abs(share - expected) < 4 * np.sqrt(expected * (1 - expected) / positions.size)


def test_bootstrap_is_seeded_by_the_generator():
    sample = _tiny_sample()
    a = bootstrap_fte(sample, 50, np.random.default_rng(5))
    b = bootstrap_fte(sample, 50, np.random.default_rng(5))
    np.testing.assert_array_equal(a, b)
    assert a.shape == (50, POOL_WIDTH)
    # the draws come from the generator passed in: another seed gives other replicates
    assert not np.array_equal(a, bootstrap_fte(sample, 50, np.random.default_rng(6)))
