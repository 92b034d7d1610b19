"""The Bayesian cost model: exact likelihood, derived FTE by hand, parameter recovery, convergence checks, posterior cache, posterior predictive p-values, one real-data fit."""


import numpy as np
import pandas as pd
import pytest
from scipy import stats

from mcvalue.costmodels.pymc import model as pmm
from mcvalue.costmodels.pymc.fit import SamplerSettings, convergence_diagnostics, fit_model_data, load_posterior
from mcvalue.costmodels.pymc.ppc import misfits
from mcvalue.costmodels.pymc.ppc import p_value_table as _p_value_table
from mcvalue.errors import ConvergenceError

REFS = ("pytorch/pytorch", "tensorflow/tensorflow")

#: Hyperparameters near the real-data posterior (clean mode), used to simulate data.
TRUTH = {
    "contrib_intercept": 1.2,
    "contrib_sd": 1.0,
    "contrib_inv_sqrt_alpha": 0.5,
    "commit_intercept": 1.3,
    "commit_sd": 0.85,
    "commit_inv_sqrt_alpha": 1.4,
    "line_intercept": 5.0,
    "line_sd": 0.75,
    "line_log_sigma_intercept": 0.8,
    "line_log_sigma_sd": 0.15,
    "line_zero_prob": 0.02,
}


def simulated_data(n_repos: int, rng: np.random.Generator) -> tuple[pmm.ModelData, dict]:
    """Return a dataset of the real shape (n_repos units x 5 periods) from TRUTH; also the repo params."""
    draw = {k: np.array([v]) for k, v in TRUTH.items()}
    draw["contrib_log_mean"] = rng.normal(TRUTH["contrib_intercept"], TRUTH["contrib_sd"], (1, n_repos))
    draw["commit_log_mean"] = rng.normal(TRUTH["commit_intercept"], TRUTH["commit_sd"], (1, n_repos))
    draw["line_log_mean"] = rng.normal(TRUTH["line_intercept"], TRUTH["line_sd"], (1, n_repos))
    draw["line_log_sigma_z"] = rng.normal(0.0, 1.0, (1, n_repos))
    params = {k: v[0] for k, v in pmm.repo_params(draw).items()}
    # the reference repos must be active for the FTE to exist: give them the real ones' size
    params["mu"][:2] = [13.0, 55.0]
    period_repo = np.repeat(np.arange(n_repos), 5)
    n, contrib_repo, commits, lines = pmm.simulate_data(params, period_repo, rng)
    names = REFS + tuple(f"org{i}/tool{i}" for i in range(n_repos - 2))
    data = pmm.ModelData(names, names, period_repo, n, contrib_repo, commits, lines)
    return data, params


def test_fte_matches_hand_calculation():
    """Three repos with round expected units: FTE per method worked out by hand below."""
    # expected contributors per period mu = 2, 4, 10; commits per contributor 1 + m = 2, 4, 10;
    # lines per contributor (1 - 0.2) * exp(lam + s^2/2) = 0.8 * (100, 50, 200) = 80, 40, 160.
    s = np.array([1.0, 0.5, 2.0])
    draw = {
        "contrib_log_mean": np.log([[2.0, 4.0, 10.0]]),
        "commit_log_mean": np.log([[1.0, 3.0, 9.0]]),
        "line_log_mean": np.log([[100.0, 50.0, 200.0]]) - s**2 / 2,
        "line_log_sigma_intercept": np.array([0.0]),
        "line_log_sigma_sd": np.array([1.0]),
        "line_log_sigma_z": np.log(s)[None, :],
        "contrib_inv_sqrt_alpha": np.array([0.5]),
        "commit_inv_sqrt_alpha": np.array([0.5]),
        "line_zero_prob": np.array([0.2]),
    }
    fte = pmm.fte_from_params(pmm.repo_params(draw), ("other/repo",) + REFS)
    # contributors: 2+4+10 = 16; commits/period: 4+16+100 = 120; lines/period: 160+160+1600 = 1920
    # commits_pytorch 120/4, contributors 16, lines_tf 1920/160, lines_pytorch 1920/40, commits_tf 120/10
    np.testing.assert_allclose(fte[0], [30.0, 16.0, 12.0, 48.0, 12.0], rtol=1e-12)


def test_sufficient_statistics_likelihood_is_exact():
    """The model's likelihood differs from the row-by-row scipy one only by a constant."""
    data, _ = simulated_data(12, np.random.default_rng(3))
    data = pmm.ModelData(data.repos, data.unit_repos, data.period_repo, data.period_contributors,
                         data.contrib_repo, data.contrib_commits, np.where(np.arange(data.contrib_lines.size) % 17 == 0, 0.0, data.contrib_lines))
    model = pmm.build_model(data)
    loglik = model.compile_logp(vars=model.potentials, jacobian=False)
    rng = np.random.default_rng(4)
    diffs = []
    for _ in range(3):
        point = {v.name: rng.normal(0, 0.3, size=model.initial_point()[v.name].shape) for v in model.value_vars}
        draw = {}
        for name in pmm.HYPERPARAMETERS + pmm.REPO_EFFECTS:
            rv = model[name]
            value = point[model.rvs_to_values[rv].name]
            transform = model.rvs_to_transforms[rv]
            constrained = transform.backward(value, *rv.owner.inputs).eval() if transform else value
            draw[name] = np.asarray(constrained, dtype=float)[None, ...]
        p = {k: v[0] for k, v in pmm.repo_params(draw).items()}
        nb = lambda y, mean, alpha: stats.nbinom.logpmf(y, alpha, alpha / (alpha + mean))  # noqa: E731
        pos = data.contrib_lines > 0
        reference = (
            nb(data.period_contributors, p["mu"][data.period_repo], p["contrib_alpha"]).sum()
            + nb(data.contrib_commits - 1, p["m"][data.contrib_repo], p["commit_alpha"]).sum()
            + stats.norm.logpdf(np.log(data.contrib_lines[pos]), p["lam"][data.contrib_repo[pos]], p["s"][data.contrib_repo[pos]]).sum()
            + np.log(p["line_zero_prob"]) * (~pos).sum() + np.log1p(-p["line_zero_prob"]) * pos.sum()
        )
        diffs.append(float(loglik(point)) - reference)
    # the dropped constant is +n_pos/2 log(2 pi); everything parameter-dependent must agree
    n_pos = int((data.contrib_lines > 0).sum())
    np.testing.assert_allclose(diffs, n_pos / 2 * np.log(2 * np.pi), rtol=0, atol=1e-6)


def test_parameter_recovery_hyperparameters_in_90_percent_intervals():
    """Simulate 90 repos x 5 periods from TRUTH, fit 2 x 300 draws, compare with the truth.

    A calibrated posterior's 90% interval misses each of the 11 hyperparameters with
    probability 0.1, so "all 11 inside" would fail for 1 - 0.9^11 = 69% of seeds even for a
    perfect model. We assert instead: at most 3 misses (binomial(11, 0.1): P(>= 4) = 1.9%)
    and no truth more than 4 posterior sds from the posterior mean (P ~ 11 * 6e-5). Seeds
    are fixed, so the test is deterministic; calibration over many datasets is
    benchmarks/sbc.py's job.
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
    assert len(misses) <= 3, misses
    assert not far, far


def _synthetic_idata(rng: np.random.Generator, chains: int = 4, draws: int = 500, n_repos: int = 3):
    """Return an InferenceData of iid draws for every model parameter (a perfectly mixed sampler)."""
    import arviz as az

    posterior = {name: rng.normal(size=(chains, draws)) for name in pmm.HYPERPARAMETERS}
    posterior |= {name: rng.normal(size=(chains, draws, n_repos)) for name in pmm.REPO_EFFECTS}
    sample_stats = {
        "diverging": np.zeros((chains, draws), dtype=bool),
        "reached_max_treedepth": np.zeros((chains, draws), dtype=bool),
        "energy": rng.normal(size=(chains, draws)),
    }
    return az.from_dict({"posterior": posterior, "sample_stats": sample_stats}, dims={n: ["repo"] for n in pmm.REPO_EFFECTS},
                        coords={"repo": ["a", "b", "c"][:n_repos]})


def test_convergence_checks_pass_iid_draws_and_name_the_worst_failure():
    """Iid draws pass (ESS ~ 2000, E-BFMI ~ 2); a shifted chain, a NaN, a divergence fail."""
    rng = np.random.default_rng(0)
    idata = _synthetic_idata(rng)
    assert convergence_diagnostics(idata)["converged"]

    idata.posterior["commit_sd"].values[0] += 1.0  # one chain sits elsewhere: R-hat >> 1.01
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["max_rhat"] > 1.01
    assert d["worst"]["parameter"] == "commit_sd"  # its R-hat and ESS both fail

    idata = _synthetic_idata(rng)
    idata.posterior["line_log_mean"].values[..., 1] = 3.0  # constant: R-hat NaN, must fail
    d = convergence_diagnostics(idata)
    assert not d["converged"] and np.isnan(d["max_rhat"])
    assert d["worst"]["parameter"] == "line_log_mean[b]"

    idata = _synthetic_idata(rng)
    idata.sample_stats["diverging"].values[2, 7] = True
    d = convergence_diagnostics(idata)
    assert not d["converged"] and d["divergences"] == 1


@pytest.fixture
def tiny():
    """Return a small dataset and a fast (unconverged) sampler configuration for cache tests."""
    data, _ = simulated_data(10, np.random.default_rng(5))
    return data, SamplerSettings(draws=30, tune=30, chains=2, seed=1)


def test_cache_reuses_then_refits_corrupt_and_mismatched_files(tiny):
    data, sampler = tiny
    first = fit_model_data(data, sampler=sampler, progress=False, allow_unconverged=True)
    assert not first.from_cache and first.cache_path.is_file()
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
def test_real_data_fit_converges_and_agrees_with_bootstrap(real_data_dir):
    """Clean sample, full configuration: converged, and each posterior median FTE inside the two-stage bootstrap's 90% interval (2,000 replicates: the interval ends move by ~2% between bootstrap seeds, far less than the distance of the medians from them)."""
    from mcvalue.costmodels.bootstrap import bootstrap_fte
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.data import load_sample

    sample = load_sample(mode="clean", data_dir=real_data_dir)
    fit = fit_cost_model(sample, progress=False)
    assert fit.diagnostics["converged"]
    boot = bootstrap_fte(sample, 2000, np.random.default_rng(0))
    lo, hi = np.quantile(boot, [0.05, 0.95], axis=0)
    median = np.median(fit.fte, axis=0)
    assert np.all((lo <= median) & (median <= hi)), pd.DataFrame({"lo": lo, "median": median, "hi": hi})
