"""The activity-threshold costing method: hand calculations, its upper bound, the interpolation of its curve.

Hand sample (each period its own two-week window, commits of each contributor)::

    repo a/a   window 1: 1, 3      window 2: 6
    repo b/b   window 3: 2         window 4: (nobody)

At a threshold of 2 per window: a's windows count 1/2 + 1 = 1.5 and 1 (mean 1.25), b's 1
and 0 (mean 0.5): 1.75 FTE. At 2.5: a 0.4 + 1 = 1.4 and 1 (1.2), b 0.8 and 0 (0.4): 1.6.
"""

import numpy as np
import pytest
from montecarlo_helpers import PAPER_POINTS, PointMass, make_sample
from scipy import integrate, stats

from mcvalue.costmodels.bootstrap import bootstrap_fte, fte_from_indices, identity_indices, period_arrays, period_threshold_sums
from mcvalue.costmodels.pymc.derived import expected_units, fte_from_params, threshold_curve
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.threshold import GRID, POOL_WIDTH, QUANTITY, WINDOW_PER_SIX_MONTHS, curve_at, expected_fraction, per_window
from mcvalue.engine.simulate import simulate
from mcvalue.priors.spec import DataSettings, RunSettings, Scenario
from mcvalue.vocab.paper import METHOD_KEYS, THRESHOLD_KEY

CONTRIBUTORS = METHOD_KEYS.index("contributors_pytorch")
THRESHOLD = METHOD_KEYS.index(THRESHOLD_KEY)


def _hand_sample(extra_rows=()):
    return make_sample([
        {"tool": "a", "repo": "a/a", "rows": [(1, 10), (3, 10)]},
        {"tool": "a", "repo": "a/a", "rows": [(6, 10)]},
        {"tool": "b", "repo": "b/b", "rows": [(2, 10), *extra_rows]},
        {"tool": "b", "repo": "b/b", "rows": []},
    ])


def _identity_row(sample) -> np.ndarray:
    arrays = period_arrays(sample)
    return fte_from_indices(arrays, *identity_indices(arrays))[0]


def _scenario(threshold_per_window: float) -> Scenario:
    """Return a scenario of the paper's point values, the threshold method alone, at a point threshold given per window."""
    quantities = {name: PointMass(value) for name, value in PAPER_POINTS.items()}
    quantities[QUANTITY] = PointMass(threshold_per_window / WINDOW_PER_SIX_MONTHS)
    weights = {key: float(key == THRESHOLD_KEY) for key in METHOD_KEYS}
    return Scenario(quantities, weights, {}, DataSettings(), RunSettings(draws=100, seed=1, cost_model="bootstrap"))


def test_thresholds_per_six_months_become_per_window_pro_rata():
    """12 and 75 per six months (the issue's 90% interval) are 12 x 14 / 182.625 = 0.92 and 5.75 per window."""
    np.testing.assert_allclose(per_window(np.array([12.0, 75.0])), [12 * 14 / 182.625, 75 * 14 / 182.625], rtol=1e-15)


@pytest.mark.parametrize(("t", "fte"), [(2.0, 1.75), (2.5, 1.6), (0.5, 2.0), (100.0, ((1 + 3 + 6) / 2 + (2 + 0) / 2) / 100)])
def test_cost_and_bcr_by_hand_with_point_priors(t, fte):
    """The module docstring's sample: salary $300K x FTE, BCR = $30B / cost; below 1 every contributor counts 1.

    At t = 100 (beyond the grid) every contributor-period is below t: a's mean commits per
    window (1 + 3 + 6) / 2 plus b's (2 + 0) / 2, over t.
    """
    pool = _identity_row(_hand_sample())[None, :]
    sim = simulate(_scenario(t), pool, seed=1, n=50)
    np.testing.assert_allclose(sim.fte_by_method[:, THRESHOLD], fte, rtol=1e-12)
    np.testing.assert_allclose(sim.cost, 300e3 * fte, rtol=1e-12)
    np.testing.assert_allclose(sim.bcr, 30e9 / (300e3 * fte), rtol=1e-12)


def test_active_days_are_the_activity_where_the_sample_has_them():
    """With an active_days column the sums count days, not commits: at t = 2, a's windows 1 + 1 and 1, b's 0.5."""
    sample = _hand_sample()
    sample.contributions["active_days"] = [2, 2, 3, 1]  # rows in make_sample order: a 1, a 3, a 6, b 2
    sums = period_threshold_sums(sample)[:, list(GRID).index(2.0)]
    np.testing.assert_allclose(sums, [2.0, 1.0, 0.5, 0.0], rtol=1e-15)


def test_bootstrap_curve_is_bounded_by_the_contributors_method_and_reaches_it_below_one():
    """Every replicate: FTE(t) <= contributors FTE, equal at t = 1 (every commit count is >= 1), decreasing in t."""
    rng = np.random.default_rng(3)
    sample = make_sample([
        {"tool": f"t{r}", "repo": f"o/r{r}", "rows": [(int(c), 5) for c in rng.integers(1, 30, rng.integers(0, 6))]}
        for r in range(6) for _ in range(3)
    ])
    pool = bootstrap_fte(sample, 200, rng)
    curve = pool[:, POOL_WIDTH - GRID.size:]
    np.testing.assert_allclose(curve[:, 0], pool[:, CONTRIBUTORS], rtol=1e-12)
    assert np.all(curve <= pool[:, [CONTRIBUTORS]] * (1 + 1e-12))
    assert np.all(np.diff(curve, axis=1) <= 1e-12)


def _model_params(draws: int, repos: int, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Draws of repo_params of plausible size (the real posterior's scale: ~2-3 commits per contributor)."""
    shape = (draws, repos)
    return {
        "contrib_log_mean": rng.normal(1.0, 1.0, shape), "contrib_slope": rng.normal(0.0, 0.1, shape),
        "commit_log_mean": rng.normal(0.5, 0.8, shape), "commit_slope": rng.normal(0.0, 0.1, shape),
        "lam": rng.normal(5.0, 1.0, shape), "line_slope": np.zeros(shape), "s": np.full(shape, 1.5),
        "commit_alpha": rng.uniform(0.5, 2.0, draws), "commit_window_sd": rng.uniform(0.1, 0.6, draws),
        "line_zero_prob": np.full(draws, 0.05), "line_window_sd": np.full(draws, 0.5), "contrib_alpha": np.full(draws, 2.0),
    }


def _model_data(repos: int) -> ModelData:
    names = ("pytorch/pytorch", "tensorflow/tensorflow", *(f"o/r{r}" for r in range(repos - 2)))
    period_repo = np.repeat(np.arange(repos), 2)
    empty = np.zeros(0, dtype=np.int64)
    return ModelData(names, names, period_repo, np.zeros(period_repo.size, dtype=np.int64), np.linspace(2016, 2022, period_repo.size),
                         empty, empty, empty.astype(float))


@pytest.mark.parametrize("target", [2021, "average"])
def test_model_curve_is_bounded_by_the_contributors_method(target):
    """Posterior-like draws: the threshold FTE never exceeds the contributors FTE, equals it at t = 1, and falls as E[C] / t."""
    rng = np.random.default_rng(7)
    params, data = _model_params(40, 6, rng), _model_data(6)
    pool = fte_from_params(params, data, target)
    curve = pool[:, POOL_WIDTH - GRID.size:]
    np.testing.assert_allclose(curve[:, 0], pool[:, CONTRIBUTORS], rtol=1e-12)
    assert np.all(curve <= pool[:, [CONTRIBUTORS]] * (1 + 1e-12)) and np.all(np.diff(curve, axis=1) < 0)
    # far above every likely count, FTE x t -> expected commits per period (sync-free): within 2% at t = 10,000
    far = threshold_curve(params, data, target, grid=np.array([1e4]))[:, 0] * 1e4
    commits = expected_units(params, data.period_repo, data.period_time, target)["per_period"]["commits"].sum(axis=1)
    np.testing.assert_allclose(far, commits, rtol=0.02)


def test_one_commit_each_gives_contributors_over_t_by_hand():
    """Commit means ~0 (every contributor-period has exactly 1 commit): FTE(t) = sum of expected contributors x min(1/t, 1)."""
    params = _model_params(3, 4, np.random.default_rng(1))
    params["commit_log_mean"][:] = -60.0
    params["contrib_slope"][:] = 0.0
    data = _model_data(4)
    grid = np.array([0.5, 1.0, 2.0, 3.7])
    curve = threshold_curve(params, data, 2020, grid=grid)
    expected = np.exp(params["contrib_log_mean"]).sum(axis=1)[:, None] * np.minimum(1.0 / grid, 1.0)
    np.testing.assert_allclose(curve, expected, rtol=1e-12)


def test_expected_fraction_matches_a_direct_integral():
    """E[min(C/g, 1)], C = 1 + NB(m e^eps, alpha), eps ~ N(0, sd^2): scipy's NB pmf integrated by adaptive quadrature."""
    m, alpha, sd = 2.7, 0.8, 0.45
    grid = np.array([1.0, 2.5, 6.0, 17.0, 40.0])

    def direct(g: float) -> float:
        def given(eps: float) -> float:
            mu = m * np.exp(eps)
            c = np.arange(1, int(np.ceil(g)))
            pmf = stats.nbinom.pmf(c - 1, alpha, alpha / (alpha + mu))
            return (1.0 - np.sum((1.0 - c / g) * pmf)) * stats.norm.pdf(eps, 0.0, sd)

        return integrate.quad(given, -8 * sd, 8 * sd, epsabs=1e-12)[0]

    got = expected_fraction(np.array([[m]]), np.array([alpha]), np.array([sd]), grid)[0, 0]
    np.testing.assert_allclose(got, [direct(g) for g in grid], rtol=2e-6)


def test_interpolated_curve_matches_a_direct_computation():
    """The curve on GRID at thresholds off the grid, against the expected fraction computed at those thresholds.

    Between integers the FTE is exactly A + B / t, so up to 16 the interpolation is exact
    (to rounding); between the tail's grid points (16-48) linear-in-1/t interpolation
    errs by < 0.5% on posterior-like draws; above 48 (~626 per six months, beyond the
    default prior's 99.99th percentile) the extrapolation F(48) 48 / t errs by about the
    share of effort in contributor-periods of 48 or more commits (< 2.5% here).
    """
    rng = np.random.default_rng(11)
    params, data = _model_params(30, 8, rng), _model_data(8)
    curve = threshold_curve(params, data, 2021)
    exact_region = np.array([0.3, 1.0, 1.37, 2.5, 3.9, 5.75, 9.1, 15.99])
    tail = np.array([17.3, 22.0, 28.0, 41.0, 47.9])
    beyond = np.array([60.0, 90.0])
    for ts, rtol in ((exact_region, 1e-10), (tail, 5e-3), (beyond, 2.5e-2)):
        direct = threshold_curve(params, data, 2021, grid=ts)
        for j, t in enumerate(ts):
            np.testing.assert_allclose(curve_at(curve, t), direct[:, j], rtol=rtol, err_msg=f"t = {t}")


ANN = ("Ann", "ann@example.com")
BEN = ("Ben", "ben@example.com")


@pytest.fixture
def _isolated_git(monkeypatch):
    from collect_helpers import ISOLATED_GIT

    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


def test_a_collected_sample_without_reference_repos_gives_a_cost_and_a_bcr(tmp_path, _isolated_git):
    """acme/tiny alone (no PyTorch, no TensorFlow), threshold method only, threshold 2 per window.

    March: ann 3 commits, ben 1 -> min(3/2, 1) + 1/2 = 1.5; May: ann 1 -> 0.5. The
    bootstrap resamples the two windows: a replicate's FTE is 1.5, 1 or 0.5 with
    probabilities 1/4, 1/2, 1/4 (mean 1, the sample's FTE). Salary $300K, coverage 1
    (point priors), so cost = $300K x FTE and BCR = $30B / cost. Under the default weights
    the reference methods cannot be priced: one warning names them (their weight moves).
    """
    from datetime import date

    from collect_helpers import Builder, drawn_from

    import mcvalue
    from mcvalue.data.collect import collect
    from mcvalue.data.repos import repo_spec
    from mcvalue.data.windows import Design, Window

    repo = Builder(tmp_path / "clones" / "acme" / "tiny")
    for number, (day, author) in enumerate([("2021-03-01", ANN), ("2021-03-02", ANN), ("2021-03-03", BEN), ("2021-03-04", ANN), ("2021-05-03", ANN)]):
        repo.commit(f"{day}T10:00:00+00:00", author, {f"f{number}.txt": "x\n"})
    windows = {"acme/tiny": (Window(date(2021, 3, 1), date(2021, 3, 15)), Window(date(2021, 5, 1), date(2021, 5, 15)))}
    collect([repo_spec("acme/tiny")], tmp_path / "clones", tmp_path / "s", Design("windows", windows=windows))

    default = mcvalue.load_scenario("default").with_settings(
        draws=2000, cost_model="bootstrap", sample=tmp_path / "s", population=drawn_from(tmp_path / "s")
    )
    warned = [w for w in mcvalue.run(default).warnings if "cannot price" in w]
    assert len(warned) == 1 and "commits_pytorch (weight" in warned[0] and "commits_tensorflow (weight" in warned[0]

    weights = {key: float(key == THRESHOLD_KEY) for key in METHOD_KEYS}
    scenario = default.with_prior("cost.method_weights", weights).with_prior("benefit.method_weights", {"chain": 1.0})
    for name, value in {**PAPER_POINTS, QUANTITY: 2.0 / WINDOW_PER_SIX_MONTHS}.items():
        scenario = scenario.with_prior(name, {"dist": "point", "value": value, "source": "test"})
    result = mcvalue.run(scenario.with_settings(sample=tmp_path / "s"))  # with_prior keeps no collected sample
    fte = result.simulation.fte_by_method[:, THRESHOLD]
    assert set(np.round(fte, 12)) <= {0.5, 1.0, 1.5}
    assert abs(fte.mean() - 1.0) < 4 * np.sqrt(0.125 / fte.size)  # variance of the replicate FTE: 1/8
    np.testing.assert_allclose(result.simulation.cost, 300e3 * fte, rtol=1e-12)
    summary = result.summary()
    assert set(summary["methods"]) == {"contributors_pytorch", THRESHOLD_KEY}  # the others have no reference to price by
    np.testing.assert_allclose(summary["methods"][THRESHOLD_KEY]["bcr"]["median"], 30e9 / 300e3, rtol=1e-6)


def test_the_report_names_the_activity_the_method_counted():
    """Commits on the paper's sample (no sample sha256); active days on a collected one, through the ratio under pymc."""
    from mcvalue.report.result_sections import threshold_activity

    assert threshold_activity({"sample_sha256": None, "cost_model": "pymc"}).startswith("Activity here is commits, the only measure")
    collected = threshold_activity({"sample_sha256": "ab" * 32, "cost_model": "bootstrap"})
    assert collected == "Activity here is each contributor's distinct active days in the window, the calibration's sense."
    assert "ratio of the two" in threshold_activity({"sample_sha256": "ab" * 32, "cost_model": "pymc"})
