"""The Bayesian cost model: exact likelihood, derived FTE by hand, parameter recovery, convergence checks, posterior cache, posterior predictive p-values, one real-data fit."""


import numpy as np
import pandas as pd
import pytest
from scipy import stats
from trace_helpers import iid_trace

from mcvalue.costmodels.pymc.derived import fte_from_params, repo_params
from mcvalue.costmodels.pymc.diagnostics import PYMC_TREEDEPTH_STAT, TREEDEPTH_STAT, convergence_diagnostics
from mcvalue.costmodels.pymc.fit import fit_model_data
from mcvalue.costmodels.pymc.graph import build_model, centred_repos
from mcvalue.costmodels.pymc.model import CENTRE_MIN_ROWS, HYPERPARAMETERS, REPO_EFFECTS, REPO_VALUES, TIME_ORIGIN, WINDOW_EFFECTS
from mcvalue.costmodels.pymc.model_data import ModelData, active_windows, model_data_from_sample, model_data_from_tables
from mcvalue.costmodels.pymc.posterior_cache import load_posterior
from mcvalue.costmodels.pymc.ppc import misfits
from mcvalue.costmodels.pymc.ppc import p_value_table as _p_value_table
from mcvalue.costmodels.pymc.replicate import replace_observations, simulate_data
from mcvalue.costmodels.pymc.sampling import SamplerSettings
from mcvalue.errors import ConvergenceError

REFS = ("pytorch/pytorch", "tensorflow/tensorflow")

#: Hyperparameters near the real-data posterior (clean mode), used to simulate data.
TRUTH = {
    "contrib_intercept": 1.2,
    "contrib_sd": 1.0,
    "contrib_inv_sqrt_alpha": 0.5,
    "contrib_trend": 0.08,
    "contrib_trend_sd": 0.05,
    "commit_intercept": 1.3,
    "commit_sd": 0.85,
    "commit_inv_sqrt_alpha": 1.2,
    "commit_trend": -0.05,
    "commit_trend_sd": 0.05,
    "commit_window_sd": 0.5,
    "line_intercept": 5.0,
    "line_sd": 0.75,
    "line_log_sigma_intercept": 0.8,
    "line_log_sigma_sd": 0.15,
    "line_zero_prob": 0.02,
    "line_trend": -0.05,
    "line_trend_sd": 0.05,
    "line_window_sd": 0.8,
}


def design(n_repos: int, rng: np.random.Generator, windows: int = 5) -> ModelData:
    """Return an empty design of the real shape: n_repos units x ``windows`` windows dated uniformly in 2012-2022."""
    names = REFS + tuple(f"org{i}/tool{i}" for i in range(n_repos - 2))
    period_repo = np.repeat(np.arange(n_repos), windows)
    empty = np.zeros(0, dtype=np.int64)
    return ModelData(names, names, period_repo, np.zeros(period_repo.size, dtype=np.int64), rng.uniform(2012, 2022, period_repo.size),
                         empty, empty, empty.astype(float))


def simulated_data(n_repos: int, rng: np.random.Generator) -> tuple[ModelData, dict]:
    """Return a dataset of the real shape (n_repos units x 5 windows) from TRUTH; also the repo params."""
    draw = {k: np.array([v]) for k, v in TRUTH.items()}
    for prefix in ("contrib", "commit", "line"):
        draw[f"{prefix}_log_mean"] = rng.normal(TRUTH[f"{prefix}_intercept"], TRUTH[f"{prefix}_sd"], (1, n_repos))
        draw[f"{prefix}_trend_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    draw["line_log_sigma_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    params = {k: v[0] for k, v in repo_params(draw).items()}
    # the reference repos must be active for the FTE to exist: give them the real ones' size
    params["contrib_log_mean"][:2] = np.log([13.0, 55.0])
    empty = design(n_repos, rng)
    data = replace_observations(empty, *simulate_data(params, empty, rng))
    return data, params


def _params(contrib, commit_extra, line_mean, s, zero_prob, slopes=(0.0, 0.0, 0.0), window_sd=(0.0, 0.0)):
    """One-draw repo_params by hand: log means at TIME_ORIGIN from natural-scale values (lines: the lognormal mean)."""
    s = np.asarray(s, dtype=float)
    r = len(contrib)
    return {
        "contrib_log_mean": np.log([contrib]),
        "commit_log_mean": np.log([commit_extra]) - window_sd[0] ** 2 / 2,
        "lam": np.log([line_mean]) - s**2 / 2 - window_sd[1] ** 2 / 2,
        "contrib_slope": np.full((1, r), slopes[0]),
        "commit_slope": np.full((1, r), slopes[1]),
        "line_slope": np.full((1, r), slopes[2]),
        "s": s[None, :],
        "contrib_alpha": np.array([4.0]),
        "commit_alpha": np.array([4.0]),
        "line_zero_prob": np.array([zero_prob]),
        "commit_window_sd": np.array([window_sd[0]]),
        "line_window_sd": np.array([window_sd[1]]),
    }


def _three_repo_design(times=(2020.5,) * 3, sync_commits=None, sync_lines=None) -> ModelData:
    names = ("other/repo",) + REFS
    empty = np.zeros(0, dtype=np.int64)
    zeros = np.zeros(3)
    return ModelData(names, names, np.arange(3), np.zeros(3, dtype=np.int64), np.array(times, dtype=float), empty, empty,
                         empty.astype(float), zeros if sync_commits is None else np.asarray(sync_commits, float),
                         zeros if sync_lines is None else np.asarray(sync_lines, float))


def test_fte_matches_hand_calculation():
    """Three repos with round expected units at the origin year: FTE per method worked out by hand below."""
    # expected contributors per period mu = 2, 4, 10; commits per contributor 1 + m = 2, 4, 10;
    # lines per contributor (1 - 0.2) * (100, 50, 200) = 80, 40, 160. Window sds 0.3 / 0.7 are
    # folded into the log means, so the expectations stay round.
    params = _params([2.0, 4.0, 10.0], [1.0, 3.0, 9.0], [100.0, 50.0, 200.0], [1.0, 0.5, 2.0], 0.2, window_sd=(0.3, 0.7))
    fte = fte_from_params(params, _three_repo_design(), target_year=2020)
    # contributors: 2+4+10 = 16; commits/period: 4+16+100 = 120; lines/period: 160+160+1600 = 1920
    # commits_pytorch 120/4, contributors 16, lines_tf 1920/160, lines_pytorch 1920/40, commits_tf 120/10
    np.testing.assert_allclose(fte[0, :5], [30.0, 16.0, 12.0, 48.0, 12.0], rtol=1e-12)


def test_fte_without_the_reference_repos_prices_contributors_only():
    """Two repos, neither pytorch nor tensorflow, mu = 2 and 4: contributors FTE 6 by hand, the four reference methods NaN."""
    names = ("a/one", "b/two")
    empty = np.zeros(0, dtype=np.int64)
    data = ModelData(names, names, np.arange(2), np.zeros(2, dtype=np.int64), np.full(2, 2020.5), empty, empty, empty.astype(float))
    fte = fte_from_params(_params([2.0, 4.0], [1.0, 3.0], [100.0, 50.0], [1.0, 0.5], 0.2), data, target_year=2020)
    np.testing.assert_array_equal(np.isnan(fte[0, :5]), [True, False, True, True, True])
    assert fte[0, 1] == pytest.approx(6.0, rel=1e-12)


def test_fte_at_a_target_year_by_hand_with_sync_units():
    """Growth of 10%/yr in contributors, 0 in commits, -10%/yr in lines, evaluated 2 years after the origin (2022.5).

    contributors mu = (2, 4, 10) x 1.1^2 = (2.42, 4.84, 12.1): sum 19.36.
    commits per contributor unchanged (2, 4, 10): per period 4.84 + 19.36 + 121 = 145.2,
    plus sync commits per period (mean over the repo's one window) 0, 0, 30: 175.2.
    lines per contributor (80, 40, 160) x 0.9^2 = (64.8, 32.4, 129.6): per period
    156.816 + 156.816 + 1568.16 = 1881.792, plus sync lines 0, 0, 1000: 2881.792.
    """
    g = np.log([1.1, 1.0, 0.9])
    params = _params([2.0, 4.0, 10.0], [1.0, 3.0, 9.0], [100.0, 50.0, 200.0], [1.0, 0.5, 2.0], 0.2, slopes=tuple(g))
    data = _three_repo_design(sync_commits=[0, 0, 30], sync_lines=[0, 0, 1000])
    fte = fte_from_params(params, data, target_year=2022)
    np.testing.assert_allclose(fte[0, :5], [175.2 / 4, 19.36, 2881.792 / 129.6, 2881.792 / 32.4, 175.2 / 10], rtol=1e-12)


def test_average_target_is_version_one_estimand():
    """'average' = each repo's expectation averaged over its own windows; with flat trends it is v1's FTE at any year.

    Two windows of repo 0 at 2018.5 and 2022.5 (t = -2, +2), growth 10%/yr in contributors only:
    mean contributors (2/1.21 + 2 x 1.21)/2 = 2.03645..., the reference repos' one window at 2020.5.
    """
    names = ("other/repo",) + REFS
    empty = np.zeros(0, dtype=np.int64)
    data = ModelData(names, names, np.array([0, 0, 1, 2]), np.zeros(4, dtype=np.int64), np.array([2018.5, 2022.5, 2020.5, 2020.5]),
                         empty, empty, empty.astype(float))
    flat = _params([2.0, 4.0, 10.0], [1.0, 3.0, 9.0], [100.0, 50.0, 200.0], [1.0, 0.5, 2.0], 0.2)
    np.testing.assert_allclose(fte_from_params(flat, data, "average"), fte_from_params(flat, data, 2015), rtol=1e-12)
    np.testing.assert_allclose(fte_from_params(flat, data, "average")[0, :5], [30.0, 16.0, 12.0, 48.0, 12.0], rtol=1e-12)
    grow = _params([2.0, 4.0, 10.0], [1.0, 3.0, 9.0], [100.0, 50.0, 200.0], [1.0, 0.5, 2.0], 0.2, slopes=(0.1, 0.0, 0.0))
    grow["contrib_slope"][0, 1:] = 0.0
    grow["contrib_slope"][0, 0] = np.log(1.1)
    mean0 = (2 / 1.21 + 2 * 1.21) / 2
    np.testing.assert_allclose(fte_from_params(grow, data, "average")[0, 1], mean0 + 14.0, rtol=1e-12)


def test_missing_sync_columns_mean_zeros_and_sync_rows_leave_the_likelihood():
    """A sample without ``sync`` / ``sync_*`` columns gives zero sync units; with them, sync rows drop out of the rows and into the totals."""
    day = pd.Timestamp
    periods = pd.DataFrame({
        "tool": ["A", "A", "B"], "repo": ["a/a", "a/a", "b/b"],
        "period_start": [day("2020-01-01"), day("2021-01-01"), day("2019-01-01")],
        "period_end": [day("2020-01-15"), day("2021-01-15"), day("2019-01-15")],
        "contributors": [2, 1, 0], "commits": [5, 9, 0], "lines": [30, 900, 0],
    })
    contributions = pd.DataFrame({
        "tool": ["A", "A", "A"], "repo": ["a/a"] * 3,
        "period_start": [day("2020-01-01"), day("2020-01-01"), day("2021-01-01")],
        "period_end": [day("2020-01-15"), day("2020-01-15"), day("2021-01-15")],
        "user": ["x", "y", "x"], "commits": [2, 3, 1], "lines": [10, 20, 100],
    })
    without = model_data_from_tables(periods, contributions)
    np.testing.assert_array_equal(without.sync_per_period("commits"), [0.0, 0.0])
    np.testing.assert_array_equal(without.contrib_period, [0, 0, 1])
    np.testing.assert_allclose(without.period_time[:2], [2020.0 + 7 / 366, 2021.0 + 7 / 365], atol=1e-9)
    synced_rows = pd.concat([contributions, contributions.iloc[[2]].assign(user="gardener", commits=8, lines=800)], ignore_index=True)
    synced = model_data_from_tables(periods.assign(sync_commits=[0, 8, 0], sync_lines=[0, 800, 0]), synced_rows.assign(sync=[False] * 3 + [True]))
    np.testing.assert_array_equal(synced.contrib_commits, without.contrib_commits)
    np.testing.assert_allclose(synced.sync_per_period("commits"), [4.0, 0.0])
    np.testing.assert_allclose(synced.sync_per_period("lines"), [400.0, 0.0])


def test_sufficient_statistics_likelihood_is_exact():
    """The model's likelihood differs from the row-by-row scipy one only by a constant.

    The reference is written independently: scipy's negative binomial per row, and for the
    lines body each window's log lines as one multivariate normal with covariance
    ``s^2 I + line_window_sd^2 11'`` (the window effect integrated out).
    """
    data, _ = simulated_data(12, np.random.default_rng(3))
    data = replace_observations(data, data.period_contributors, data.contrib_period, data.contrib_commits,
                                    np.where(np.arange(data.contrib_lines.size) % 17 == 0, 0.0, data.contrib_lines))
    model = build_model(data)
    loglik = model.compile_logp(vars=model.potentials, jacobian=False)
    windows, contrib_window = active_windows(data)
    rng = np.random.default_rng(4)
    names = HYPERPARAMETERS + REPO_EFFECTS + REPO_VALUES + WINDOW_EFFECTS
    constrained = model.compile_fn(model.replace_rvs_by_values([model[name] for name in names]), inputs=model.value_vars, on_unused_input="ignore")
    diffs = []
    for _ in range(3):
        point = {v.name: rng.normal(0, 0.3, size=model.initial_point()[v.name].shape) for v in model.value_vars}
        draw = {name: np.asarray(value, dtype=float)[None, ...] for name, value in zip(names, constrained(point), strict=True)}
        p = {k: v[0] for k, v in repo_params(draw).items()}
        t = data.period_time - TIME_ORIGIN
        rp, rc = data.period_repo, data.contrib_repo
        tc = t[data.contrib_period]
        log_mu = p["contrib_log_mean"][rp] + p["contrib_slope"][rp] * t
        log_m = p["commit_log_mean"][rc] + p["commit_slope"][rc] * tc + p["commit_window_sd"] * draw["commit_window_z"][0][contrib_window]
        lam = p["lam"][rc] + p["line_slope"][rc] * tc
        nb = lambda y, mean, alpha: stats.nbinom.logpmf(y, alpha, alpha / (alpha + mean))  # noqa: E731
        pos = data.contrib_lines > 0
        lines_body = 0.0
        for window in np.unique(contrib_window[pos]):  # window effects integrated out: one joint normal per window
            rows = pos & (contrib_window == window)
            s, n = p["s"][rc[rows][0]], int(rows.sum())
            cov = s**2 * np.eye(n) + p["line_window_sd"] ** 2 * np.ones((n, n))
            lines_body += stats.multivariate_normal.logpdf(np.log(data.contrib_lines[rows]), lam[rows], cov)
        reference = (
            nb(data.period_contributors, np.exp(log_mu), p["contrib_alpha"]).sum()
            + nb(data.contrib_commits - 1, np.exp(log_m), p["commit_alpha"]).sum()
            + lines_body
            + np.log(p["line_zero_prob"]) * (~pos).sum() + np.log1p(-p["line_zero_prob"]) * pos.sum()
        )
        diffs.append(float(loglik(point)) - reference)
    # the dropped constant is +n_pos/2 log(2 pi); everything parameter-dependent must agree
    n_pos = int((data.contrib_lines > 0).sum())
    np.testing.assert_allclose(diffs, n_pos / 2 * np.log(2 * np.pi), rtol=0, atol=1e-6)


def test_partial_centring_leaves_the_prior_unchanged():
    """Centred and non-centred repos get the same prior: ``(log_mean - intercept) / sd`` is standard normal for both.

    The data give repos from 0 to 30+ rows, so both forms occur (``centred_repos`` is
    checked against the row counts by hand). 4,000 prior draws: a KS test at the 0.1% level
    fails a correct model once in 1,000 seeds (the seed is fixed), and a form that forgot to
    scale or shift its raw vector gives a unit-variance error of order 1, far past it.
    """
    import pymc as pm

    data, _ = simulated_data(12, np.random.default_rng(3))
    rows = np.bincount(data.contrib_repo, minlength=data.n_repos)
    centred = centred_repos(data)
    np.testing.assert_array_equal(centred["commit"], rows >= CENTRE_MIN_ROWS)
    assert centred["commit"].any() and not centred["commit"].all()
    with build_model(data):
        prior = pm.sample_prior_predictive(4000, random_seed=5).prior
    for prefix, column in (("contrib", "contrib_log_mean"), ("commit", "commit_log_mean"), ("line", "line_log_mean")):
        z = (prior[column] - prior[f"{prefix}_intercept"]) / prior[f"{prefix}_sd"]
        for form in (centred[prefix], ~centred[prefix]):
            if form.any():
                sample = z.values.reshape(-1, data.n_repos)[:, np.flatnonzero(form)[0]]
                assert stats.kstest(sample, "norm").pvalue > 1e-3, (column, form)


@pytest.mark.slow
def test_parameter_recovery_hyperparameters_in_90_percent_intervals():
    """Simulate 90 repos x 5 windows (dated 2012-2022) from TRUTH, fit 2 x 300 draws, compare with the truth.

    Among the 19 hyperparameters are the three global trends, their repo sds and the two
    window sds. A calibrated posterior's 90% interval misses each with probability 0.1, so
    "all 19 inside" would fail for 1 - 0.9^19 = 86% of seeds even for a perfect model. We
    assert instead: at most 5 misses (binomial(19, 0.1): P(>= 6) = 0.9%), no truth more
    than 4 posterior sds from the posterior mean (P ~ 19 * 6e-5), and the trends and window
    sds, the new parts of the model, each inside its 95% interval. Seeds
    are fixed, so the test is deterministic; calibration over many datasets is
    ``mcvalue calibrate``'s job.
    """
    data, _ = simulated_data(90, np.random.default_rng(2024))
    fit = fit_model_data(data, sampler=SamplerSettings(draws=300, tune=300, chains=2, seed=11), progress=False, allow_unconverged=True)
    post = fit.idata.posterior
    misses, far = [], []
    for name, truth in TRUTH.items():
        draws = post[name].values.ravel()
        lo, hi = np.quantile(draws, [0.05, 0.95])
        if not lo <= truth <= hi:
            misses.append(f"{name}: truth {truth} outside [{lo:.3f}, {hi:.3f}]")
        if abs(truth - draws.mean()) > 4 * draws.std():
            far.append(f"{name}: truth {truth}, posterior {draws.mean():.3f} +- {draws.std():.3f}")
    assert len(misses) <= 5, misses
    assert not far, far
    for name in ("contrib_trend", "commit_trend", "line_trend", "commit_window_sd", "line_window_sd"):
        lo, hi = np.quantile(post[name].values.ravel(), [0.025, 0.975])
        assert lo <= TRUTH[name] <= hi, (name, lo, hi)


def test_convergence_checks_pass_iid_draws_and_name_the_worst_failure():
    """Iid draws pass (ESS ~ 2000, E-BFMI ~ 2); a shifted chain, a NaN, a divergence fail."""
    rng = np.random.default_rng(0)
    idata = iid_trace(rng)
    assert convergence_diagnostics(idata)["converged"]

    idata.posterior["commit_sd"].values[0] += 1.0  # one chain sits elsewhere: R-hat >> 1.01
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["max_rhat"] > 1.01
    assert d["worst"]["parameter"] == "commit_sd"  # its R-hat and ESS both fail

    idata = iid_trace(rng)
    idata.posterior["line_log_mean_raw"].values[..., 1] = 3.0  # constant: R-hat NaN, must fail
    d = convergence_diagnostics(idata)
    assert not d["converged"] and np.isnan(d["max_rhat"])
    assert d["worst"]["parameter"] == "line_log_mean_raw[repo1]"

    idata = iid_trace(rng)
    idata.sample_stats["diverging"].values[2, 7] = True
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["divergences"] == 1

    idata = iid_trace(rng)
    idata.sample_stats[TREEDEPTH_STAT].values[1, 3] = True
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["max_treedepth_hits"] == 1 and d["worst"]["figure"] == "max_treedepth_hits"

    idata = iid_trace(rng)  # PyMC's own NUTS names the flag differently; a trace without it fails
    flags = idata.sample_stats[TREEDEPTH_STAT].values.copy()
    flags[0, 0] = True
    idata["sample_stats"] = idata.sample_stats.to_dataset().drop_vars(TREEDEPTH_STAT).assign({PYMC_TREEDEPTH_STAT: (("chain", "draw"), flags)})
    assert convergence_diagnostics(idata)["max_treedepth_hits"] == 1
    idata["sample_stats"] = idata.sample_stats.to_dataset().drop_vars(PYMC_TREEDEPTH_STAT)
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["max_treedepth_hits"] is None and d["worst"]["figure"] == "max_treedepth_hits"


@pytest.fixture
def tiny():
    """Return a small dataset and a fast (unconverged) sampler configuration for cache tests."""
    data, _ = simulated_data(10, np.random.default_rng(5))
    return data, SamplerSettings(draws=30, tune=30, chains=2, seed=1)


@pytest.mark.slow
def test_cache_reuses_then_refits_corrupt_and_mismatched_files(tiny):
    data, sampler = tiny
    first = fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True)
    assert not first.from_cache and first.cache_path.is_file()
    assert TREEDEPTH_STAT in first.idata.sample_stats  # the sampler's name for it, which the checks read
    again = fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True)
    assert again.from_cache
    np.testing.assert_array_equal(again.fte, first.fte)

    # a partial file (truncated half-way) is refitted, and the refit replaces it
    blob = first.cache_path.read_bytes()
    first.cache_path.write_bytes(blob[: len(blob) // 2])
    refit = fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True)
    assert not refit.from_cache
    assert load_posterior(first.cache_path, first.idata.posterior.attrs["mcvalue_cache_key"]) is not None

    # a readable file carrying another key (another model/data/version) is refitted
    import arviz as az

    idata = az.from_netcdf(str(first.cache_path))
    idata.posterior.attrs["mcvalue_cache_key"] = "0" * 64
    other = first.cache_path.with_name("other.nc")
    idata.to_netcdf(str(other))
    other.replace(first.cache_path)
    assert not fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True).from_cache

    # a file in another format (written without this version's format mark, as ArviZ < 1's
    # InferenceData files are) is refitted, never read as a posterior
    idata = az.from_netcdf(str(first.cache_path))
    key = idata.posterior.attrs["mcvalue_cache_key"]
    del idata.posterior.attrs["mcvalue_posterior_format"]
    idata.to_netcdf(str(other))
    other.replace(first.cache_path)
    assert load_posterior(first.cache_path, key) is None
    assert not fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True).from_cache


@pytest.mark.slow
def test_unconverged_fit_raises_naming_the_parameter(tiny):
    data, sampler = tiny
    with pytest.raises(ConvergenceError, match=r"did not converge: \S+ has (r_hat|ess_bulk|ess_tail|e_bfmi|divergences|max_treedepth_hits) ="):
        fit_model_data(data, sampler=sampler, progress=False)
    # the failed fit is cached, and allow_unconverged reuses it with the failure recorded
    result = fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True)
    assert result.from_cache and result.diagnostics["converged"] is False


def test_ppc_mid_p_value_and_misfit_wording():
    """Observed mean 2; replicate means 1, 2, 3, 4: p = (2 + 0.5 * 1) / 4 = 0.625."""
    observed = {q: np.array([1.0, 2.0, 3.0]) for q in ("contributors", "commits", "lines")}
    reps = [np.full(3, v) for v in (1.0, 2.0, 3.0, 4.0)]
    table = _p_value_table(observed, {q: reps for q in observed})
    assert table.loc[("commits", "mean"), "p_value"] == pytest.approx(0.625)
    # q99 of observed is 2.98: replicates 3 and 4 exceed it -> p = 0.5, no misfit
    assert table.loc[("lines", "q99"), "p_value"] == pytest.approx(0.5)
    far = {q: [np.full(3, 100.0)] * 4 for q in observed}
    words = misfits(_p_value_table(observed, far))
    assert len(words) == 9 and all("over-predicts" in w for w in words)


@pytest.mark.realdata
@pytest.mark.slow
def test_real_data_fit_converges_and_agrees_with_bootstrap(real_data_dir):
    """Clean sample, full configuration: converged, and each posterior median FTE of the long-run average (the bootstrap's estimand) inside the two-stage bootstrap's 90% interval (2,000 replicates: the interval ends move by ~2% between bootstrap seeds)."""
    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.data import load_sample

    sample = load_sample(mode="clean", data_dir=real_data_dir)
    fit = fit_cost_model(sample, progress=False, target_year="average")
    assert fit.diagnostics["converged"]
    boot = bootstrap_fte(sample, 2000, np.random.default_rng(0))
    lo, hi = np.quantile(boot, [0.05, 0.95], axis=0)
    median = np.median(fit.fte, axis=0)
    assert np.all((lo <= median) & (median <= hi)), pd.DataFrame({"lo": lo, "median": median, "hi": hi})
def test_table1_statistic_by_hand():
    """Repo 0 (other) 2 windows, pytorch 1, tensorflow 1; sync commits 6 in tensorflow's window.

    rows (window: commits, lines): w0: (1, 10), (3, 30); w1: none; w2 (pytorch): (2, 40), (4, 20);
    w3 (tensorflow): (5, 100).
    commits per period: other (4 + 0)/2 = 2, pytorch 6, tensorflow 5 + 6 = 11: total 19;
    lines per period: other 20, pytorch 60, tensorflow 100: total 180;
    contributors per period: other 1, pytorch 2, tensorflow 1: total 4.
    reference means: pytorch commits 3, lines 30; tensorflow commits 5, lines 100.
    """
    from mcvalue.costmodels.pymc.ppc import table1_statistic

    names = ("other/repo",) + REFS
    data = ModelData(names, names, np.array([0, 0, 1, 2]), np.array([2, 0, 2, 1]), np.full(4, 2020.0),
                         np.array([0, 0, 2, 2, 3]), np.array([1, 3, 2, 4, 5]), np.array([10.0, 30, 40, 20, 100]),
                         np.array([0.0, 0, 0, 6]), np.zeros(4))
    got = table1_statistic(data, data.period_contributors, data.contrib_period, data.contrib_commits, data.contrib_lines)
    np.testing.assert_allclose(got, [19 / 3, 4.0, 180 / 100, 180 / 30, 19 / 5], rtol=1e-12)


def test_table1_statistic_without_the_reference_repos():
    """One repo, no pytorch or tensorflow (a collected sample): contributors (1 + 2) / 2 = 1.5, the four reference methods NaN."""
    from mcvalue.costmodels.pymc.ppc import table1_statistic

    names = ("other/repo",)
    data = ModelData(names, names, np.array([0, 0]), np.array([1, 2]), np.full(2, 2025.0),
                         np.array([0, 1, 1]), np.array([1, 3, 2]), np.array([10.0, 30, 40]), np.zeros(2), np.zeros(2))
    got = table1_statistic(data, data.period_contributors, data.contrib_period, data.contrib_commits, data.contrib_lines)
    np.testing.assert_array_equal(np.isnan(got), [True, False, True, True, True])
    assert got[1] == 1.5


@pytest.mark.realdata
def test_table1_statistic_equals_table1_on_the_real_sample(real_data_dir):
    """The PPC's Table-1 statistic on the observed data is Table 1's FTE (mcvalue.costmodels.table1), computed independently."""
    from mcvalue.costmodels.pymc.ppc import table1_statistic
    from mcvalue.costmodels.table1 import method_fte
    from mcvalue.data import load_sample
    from mcvalue.vocab.paper import TABLE1_KEYS

    sample = load_sample(mode="clean", data_dir=real_data_dir)
    data = model_data_from_sample(sample)
    got = table1_statistic(data, data.period_contributors, data.contrib_period, data.contrib_commits, data.contrib_lines)
    np.testing.assert_allclose(got, [method_fte(sample)[k] for k in TABLE1_KEYS], rtol=1e-12)
