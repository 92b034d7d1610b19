"""The trend structures' forecast check: the split, the clamped dates, and each predictive density against an independent calculation."""

import numpy as np
import pytest
from scipy import integrate, stats
from test_pymc_model import REFS, _params

from mcvalue.calibration.forecast import clamped, differences_from_best, interval_coverage, pointwise_lpd, split_at
from mcvalue.costmodels.pymc.derived import fte_from_params
from mcvalue.costmodels.pymc.model import TIME_ORIGIN
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.pymc.replicate import replace_observations, simulate_data
from mcvalue.costmodels.pymc.trends import fte_clamped


def _design():
    """Three repos (other, pytorch, tensorflow), windows at 2016.5, 2018.5, 2020.5 for the first two, 2020.5 only for the third."""
    names = ("other/repo",) + REFS
    period_repo = np.array([0, 0, 0, 1, 1, 1, 2])
    times = np.array([2016.5, 2018.5, 2020.5, 2016.5, 2018.5, 2020.5, 2020.5])
    contributors = np.array([2, 1, 2, 1, 0, 1, 3])
    contrib_period = np.array([0, 0, 1, 2, 2, 3, 5, 6, 6, 6])
    commits = np.array([1, 4, 2, 3, 1, 5, 2, 1, 1, 2])
    lines = np.array([10.0, 0.0, 30.0, 5.0, 7.0, 100.0, 3.0, 1.0, 2.0, 40.0])
    return ModelData(names, names, period_repo, contributors, times, contrib_period, commits, lines)


def test_split_keeps_later_windows_of_repos_seen_before_the_cutoff():
    train, held = split_at(_design(), 2019.0)
    assert train.period_repo.tolist() == [0, 0, 1, 1]
    assert train.contrib_period.tolist() == [0, 0, 1, 2]  # rows of windows 0, 1 (repo 0) and 3 (repo 1, now window 2)
    assert train.contrib_commits.tolist() == [1, 4, 2, 5]
    assert held.period_repo.tolist() == [0, 1]  # tensorflow's only window is after the cut-off: it has no forecast to check
    assert held.contrib_period.tolist() == [0, 0, 1] and held.contrib_lines.tolist() == [5.0, 7.0, 3.0]
    assert clamped(held, train).period_time.tolist() == [2018.5, 2018.5]


def _one_draw(window_sd=(0.0, 0.0)):
    params = _params([2.0, 3.0, 1.5], [1.5, 2.0, 1.0], [50.0, 80.0, 20.0], [1.2, 0.9, 1.1], 0.1, slopes=(0.05, -0.1, 0.2), window_sd=window_sd)
    return params


def test_contributors_and_lines_densities_match_scipy_by_hand():
    _, held = split_at(_design(), 2019.0)
    p = _one_draw()
    lpd = pointwise_lpd(p, held)
    t = 2020.5 - TIME_ORIGIN
    for w, (r, n) in enumerate(zip(held.period_repo, held.period_contributors, strict=True)):
        mu = np.exp(p["contrib_log_mean"][0, r] + p["contrib_slope"][0, r] * t)
        a = p["contrib_alpha"][0]
        assert lpd["contributors"][w] == pytest.approx(stats.nbinom.logpmf(n, a, a / (a + mu)), rel=1e-10)
    # window 0 (repo 0): lines 5 and 7, both positive; no window effect: independent normals of log lines
    lam = p["lam"][0, 0] + p["line_slope"][0, 0] * t
    expected = stats.norm.logpdf(np.log([5.0, 7.0]), lam, p["s"][0, 0]).sum() + 2 * np.log1p(-0.1)
    assert lpd["lines"][0] == pytest.approx(expected, rel=1e-10)


def test_commits_density_integrates_the_window_effect():
    """One row (3 commits: 2 beyond the first) with a window sd of 0.7: the quadrature against scipy's adaptive integral."""
    _, held = split_at(_design(), 2019.0)
    p = _one_draw(window_sd=(0.7, 0.0))
    lpd = pointwise_lpd(p, held)
    t = 2020.5 - TIME_ORIGIN
    log_m = p["commit_log_mean"][0, 1] + p["commit_slope"][0, 1] * t
    a = p["commit_alpha"][0]

    def integrand(e):
        m = np.exp(log_m + e)
        return stats.nbinom.pmf(1, a, a / (a + m)) * stats.norm.pdf(e, 0, 0.7)  # window 1 has one row of 2 commits

    assert lpd["commits"][1] == pytest.approx(np.log(integrate.quad(integrand, -8, 8)[0]), rel=1e-6)


def test_coverage_of_windows_drawn_from_the_model_is_near_90_percent():
    """Windows simulated from the very draw the intervals come from: coverage ~0.9.

    300 windows (binomial SE 0.017) with ~40 contributors each, so that the totals are
    nearly continuous (a 90% interval of a small count covers more than 90%); 0.06 is 3.5 SE.
    """
    rng = np.random.default_rng(5)
    names = ("other/repo",) + REFS
    period_repo = np.repeat([0, 1, 2], 100)
    empty = np.zeros(0, dtype=np.int64)
    design = ModelData(names, names, period_repo, np.zeros(300, dtype=np.int64), np.full(300, 2020.5), empty, empty, np.zeros(0))
    p = _params([40.0, 30.0, 50.0], [1.5, 2.0, 1.0], [50.0, 80.0, 20.0], [1.2, 0.9, 1.1], 0.1, window_sd=(0.3, 0.5))
    held = replace_observations(design, *simulate_data({k: v[0] for k, v in p.items()}, design, rng))
    many = {k: np.repeat(v, 300, axis=0) for k, v in p.items()}
    coverage = interval_coverage(many, held, rng)
    for unit, share in coverage.items():
        assert share == pytest.approx(0.9, abs=0.06), unit


def test_fte_without_extrapolation_holds_each_repo_at_the_end_of_its_span():
    data = _design()
    p = _one_draw()
    # every repo's span reaches 2020.5, so at 2020 (t = 2020.5) nothing is clamped: the model's own FTE
    assert fte_clamped(p, data, 2020) == pytest.approx(fte_from_params(p, data, 2020), rel=1e-12)
    # at 2023 every repo is held at 2020.5: the FTE of 2020
    assert fte_clamped(p, data, 2023) == pytest.approx(fte_from_params(p, data, 2020), rel=1e-12)


def test_differences_are_from_the_best_structure_with_the_se_of_paired_windows():
    pointwise = {"a": {"u": np.array([-1.0, -2.0, np.nan, -3.0])}, "b": {"u": np.array([-2.0, -2.0, np.nan, -5.0])}}
    diffs = differences_from_best(pointwise)
    # a is best (-6 against -9); b - a per window: -1, 0, -2 -> sum -3, sd sqrt(2/3), SE sqrt(3) sd = sqrt(2)
    assert diffs["a"]["u"] == [0.0, 0.0]
    assert diffs["b"]["u"] == [-3.0, round(np.sqrt(2.0), 1)]
