"""Decision analysis (mcvalue.decision's methods) against closed forms and hand calculations.

Tolerances come from Monte Carlo error: 4 standard errors computed from the draws (or
from the estimator's own bootstrap / batch-means standard error), never guessed.
"""

import re

import numpy as np
import pytest
from scipy import stats
from scipy.special import ndtri

from mcvalue import decision as d


class LogNormal:
    """A lognormal prior with median ``median`` and log-sd ``s`` (only ``ppf`` is needed)."""

    def __init__(self, median: float, s: float):
        self.median, self.s = median, s

    def ppf(self, q):
        """Quantile function."""
        return self.median * np.exp(self.s * ndtri(np.asarray(q, dtype=float)))

    def draws(self, rng, n):
        """``n`` draws from ``rng``."""
        return self.median * np.exp(self.s * rng.standard_normal(n))


class Point:
    """A point mass (only ``ppf``)."""

    def __init__(self, value: float):
        self.value = value

    def ppf(self, q):
        """Quantile function."""
        return np.full(np.shape(q), self.value, dtype=float)


def unrounded(voi: d.ValueOfInformation) -> dict:
    """Return the value-of-information table as dicts at full precision (``to_dict`` rounds as summary.json does)."""
    return {"thresholds": [t.to_dict() for t in voi.thresholds]}


def normal_evpi(m: float, s: float) -> float:
    """E[max(X, 0)] - max(E X, 0) for X ~ N(m, s^2).

    E[max(X, 0)] = m Phi(m/s) + s phi(m/s), so for m >= 0 the difference is
    s phi(m/s) - m (1 - Phi(m/s)) = s phi(m/s) - m Phi(-m/s), and for m < 0 it is
    s phi(m/s) + m Phi(m/s) = s phi(|m|/s) - |m| Phi(-|m|/s): both s phi(m/s) - |m| Phi(-|m|/s).
    """
    return s * stats.norm.pdf(m / s) - abs(m) * stats.norm.cdf(-abs(m) / s)


# --------------------------------------------------------------------------- exceedance


def test_default_grid_is_log_spaced_with_exact_decades_and_merges_user_thresholds():
    """Default grid is log spaced with exact decades and merges user thresholds."""
    grid = d.default_thresholds()
    assert len(grid) >= 25 and grid[0] == 1.0 and grid[-1] == 1000.0
    for decade in (1.0, 10.0, 100.0, 1000.0):
        assert decade in grid.tolist()  # exactly, not 99.99999999999997
    np.testing.assert_allclose(np.diff(np.log10(grid)), 1 / 9, rtol=1e-12)
    merged = d.default_thresholds([30.0, 100.0, 5000.0])
    assert merged.tolist() == sorted(set(grid.tolist()) | {30.0, 5000.0})


def test_exceedance_matches_lognormal_survival_within_4_mcse():
    """Exceedance matches lognormal survival within 4 mcse."""
    rng = np.random.default_rng(1)
    n, mu, sigma = 100_000, np.log(150.0), 1.2
    bcr = np.exp(mu + sigma * rng.standard_normal(n))
    curve = d.exceedance(bcr).rows()
    for row in curve:
        truth = stats.norm.sf((np.log(row["k"]) - mu) / sigma)
        # iid MCSE by hand: sd (ddof 1) of the 0/1 indicator over sqrt(n)
        p = row["p"]
        assert row["mcse"] == pytest.approx(np.sqrt(p * (1 - p) * n / (n - 1) / n), rel=1e-9)
        assert abs(p - truth) <= 4 * np.sqrt(truth * (1 - truth) / n) + 1e-12


def test_exceedance_mcse_is_batch_means_by_hand():
    """Exceedance MCSE is batch means, by hand.

    Batches {0.5, 2} and {20, 200}: at k = 1 the batch sums 1 and 2 against 2 x 0.75, so
    MCSE = sqrt(2 / 1 x (0.5^2 + 0.5^2)) / 4 = 0.25; at k = 100 the sums 0 and 1 against 0.5 give 0.25 too.
    """
    bcr = np.array([0.5, 2.0, 20.0, 200.0])
    rows = d.exceedance(bcr, ks=[1, 100], batches=np.array([0, 0, 1, 1])).rows()
    assert rows == [{"k": 1.0, "p": 0.75, "mcse": 0.25}, {"k": 100.0, "p": 0.25, "mcse": 0.25}]


def test_exceedance_mcse_equals_mcse_of_mean_of_each_indicator():
    """The vectorised MCSEs equal mcvalue.engine.mcse.mcse_of_mean of each curve's per-draw values."""
    from mcvalue.engine.mcse import mcse_of_mean

    rng = np.random.default_rng(21)
    n = 30_000
    bcr = np.exp(4 + rng.standard_normal(n))
    method = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    batches = rng.integers(0, 50, n)
    ks = [10.0, 55.0, 300.0]
    curves = d.exceedance(bcr, ks, method_index=method, method_keys=["a", "b", "c"], batches=batches)
    for i, k in enumerate(ks):
        above = (bcr > k).astype(float)
        assert curves.mcse["mixture"][i] == pytest.approx(mcse_of_mean(above, batches), rel=1e-9)
        for j, key in enumerate("abc"):
            g = (method == j).astype(float)
            p = curves.p[key][i]
            assert p == (g * above).sum() / g.sum()
            assert curves.mcse[key][i] == pytest.approx(mcse_of_mean(g * (above - p) / g.mean(), batches), rel=1e-9)


def test_per_method_curves_match_their_lognormals_and_mix_to_the_mixture():
    """Per method curves match their lognormals and mix to the mixture."""
    rng = np.random.default_rng(2)
    n, sigma = 120_000, 1.0
    medians = np.array([30.0, 100.0, 400.0])
    weights = np.array([0.2, 0.5, 0.3])
    method = rng.choice(3, size=n, p=weights)
    bcr = medians[method] * np.exp(sigma * rng.standard_normal(n))
    keys = ["a", "b", "c", "never drawn"]
    table = d.exceedance(bcr, ks=[1, 10, 100, 1000], method_index=method, method_keys=keys)
    curves = {name: table.rows(name) for name in table.p}
    assert list(curves) == ["mixture", "a", "b", "c"]
    counts = np.bincount(method, minlength=3)
    for j, key in enumerate(keys[:3]):
        for row in curves[key]:
            truth = stats.norm.sf(np.log(row["k"] / medians[j]) / sigma)
            # delta-method MCSE of the ratio estimator equals sqrt(p (1 - p) / n_m) for iid draws
            assert row["mcse"] == pytest.approx(np.sqrt(row["p"] * (1 - row["p"]) / counts[j]), rel=1e-3)
            assert abs(row["p"] - truth) <= 4 * np.sqrt(truth * (1 - truth) / counts[j]) + 1e-12
    for i, row in enumerate(curves["mixture"]):
        mixed = sum(counts[j] * curves[key][i]["p"] for j, key in enumerate(keys[:3])) / n
        assert row["p"] == pytest.approx(mixed, abs=1e-12)


# --------------------------------------------------------------------------- model for break-even / tornado


def product_model(inputs, fte, method_index):
    """BCR = a * h / (c * fte of the drawn method): benefit inputs a, h; cost input c."""
    per_method = np.asarray(fte, dtype=float)[np.arange(len(method_index)), method_index]
    return inputs["a"] * inputs["h"] / (inputs["c"] * per_method)


PRIORS = {"a": LogNormal(4.0, 0.3), "h": LogNormal(0.1, 0.8), "c": LogNormal(0.002, 0.5)}


def product_draws(n, seed, pool_sd=0.4, pool_rows=2000):
    """Product draws."""
    rng = np.random.default_rng(seed)
    inputs = {name: prior.draws(rng, n) for name, prior in PRIORS.items()}
    # FTE pool: stratified lognormal column 0 (median 1, log-sd pool_sd), other columns unused
    g = np.exp(pool_sd * ndtri((np.arange(pool_rows) + 0.5) / pool_rows))
    pool = np.column_stack([g, 2 * g, 3 * g])
    rows = rng.integers(0, pool_rows, n)
    return inputs, pool, pool[rows], np.zeros(n, dtype=int)


def test_break_even_matches_closed_form_for_a_product_of_lognormals():
    """Break even matches closed form for a product of lognormals.

    Fixing h = v: BCR = v * R with R = a / (c * fte) lognormal, median(R) = 4 / 0.002 = 2000
    and log-sd s_R = sqrt(0.3^2 + 0.5^2 + 0.4^2). So median(BCR | h = v) = 2000 v: the
    break-even for k is v = k / 2000, at prior quantile Phi(log(v / 0.1) / 0.8). For c
    (a cost): median = 4 * 0.1 / (v * 1) -> v = 0.4 / k.
    """
    n = 40_000
    inputs, pool, fte, method = product_draws(n, seed=3)
    cond = d.ConditionalRuns(product_model, inputs, fte, method, ["m0", "m1", "m2"])
    rows = {(r.input, r.threshold): r.to_dict() for r in d.break_even(cond, PRIORS, ks=(100.0, 1e7)).rows}
    s_rest = {"a": np.sqrt(0.8**2 + 0.5**2 + 0.4**2), "h": np.sqrt(0.3**2 + 0.5**2 + 0.4**2)}
    s_rest["c"] = np.sqrt(0.3**2 + 0.8**2 + 0.4**2)
    expected = {"a": 100 * 0.002 / 0.1, "h": 100 / 2000, "c": 0.4 / 100}
    for name, v in expected.items():
        row = rows[(name, 100.0)]
        # sd of a sample median of a lognormal in the log scale: sqrt(pi / 2) s / sqrt(n)
        tol = 4 * np.sqrt(np.pi / 2) * s_rest[name] / np.sqrt(n)
        assert abs(np.log(row["value"] / v)) <= tol
        z = np.log(v / PRIORS[name].median) / PRIORS[name].s
        assert abs(row["prior_quantile"] - stats.norm.cdf(z)) <= stats.norm.pdf(z) * tol / PRIORS[name].s + 1e-4
        assert row["direction"] == ("above" if name == "c" else "below")
        # 1e7:1 is beyond every input's p99.9 here
        assert rows[(name, 1e7)]["value"] is None and rows[(name, 1e7)]["note"] == "none in [p0.1, p99.9]"


def test_fragility_sentence_names_the_break_even_closest_to_its_prior_median():
    """Fragility sentence names the break even closest to its prior median.

    Closed-form quantiles at k = 100 (see above): a at Phi(log(2/4)/0.3) = p1.0,
    h at Phi(log(0.05/0.1)/0.8) = p19.4, c at Phi(log(0.004/0.002)/0.5) = p91.7: h wins.
    """
    inputs, pool, fte, method = product_draws(40_000, seed=4)
    cond = d.ConditionalRuns(product_model, inputs, fte, method, ["m0", "m1", "m2"])
    rows = d.break_even(cond, PRIORS, ks=(100.0,))
    assert rows.most_fragile(100.0).input == "h"
    text = rows.fragility(run_median=200.0, labels={"h": "the haircut"})
    match = re.fullmatch(r"the median falls below 100:1 if the haircut is below (\S+), its p(\d+) value", text)
    assert match and float(match[1]) == pytest.approx(0.05, rel=0.03) and match[2] in {"18", "19", "20", "21"}
    raised = rows.fragility(run_median=50.0, labels={"h": "the haircut"})
    assert raised.startswith("the median rises above 100:1 if the haircut is above ")
    assert d.BreakEven(()).fragility(1.0).startswith("no single input")


# --------------------------------------------------------------------------- tornado


def test_tornado_bars_are_conditional_medians_in_closed_form():
    """Tornado bars are conditional medians in closed form."""
    n = 40_000
    inputs, pool, fte, method = product_draws(n, seed=5)
    bcr = product_model(inputs, fte, method)
    priors = {**PRIORS, "fixed": Point(3.0)}
    cond = d.ConditionalRuns(
        lambda i, f, m: product_model(i, f, m) * i["fixed"] / 3.0,
        {**inputs, "fixed": np.full(n, 3.0)},
        fte,
        method,
        ["m0", "m1", "m2"],
    )
    table = d.tornado(cond, priors, bcr, fte_pool=pool)
    bars = {b.input: b for b in table.bars}
    z10, z90 = ndtri(0.1), ndtri(0.9)
    # median(BCR | x = x_q) = median of the product with x at its quantile, the rest lognormal
    base = 4.0 * 0.1 / 0.002  # median of a * h / c with fte median 1
    s = {"a": 0.3, "h": 0.8, "c": -0.5, d.FTE_INPUT: -0.4}
    s_rest = {name: np.sqrt(0.3**2 + 0.8**2 + 0.5**2 + 0.4**2 - s[name] ** 2) for name in s}
    for name, sign_s in s.items():
        tol = 4 * np.sqrt(np.pi / 2) * s_rest[name] / np.sqrt(n)
        assert abs(np.log(bars[name].median_low / (base * np.exp(sign_s * z10)))) <= tol + 2e-3
        assert abs(np.log(bars[name].median_high / (base * np.exp(sign_s * z90)))) <= tol + 2e-3
    # the 2e-3 above covers the stratified pool's p10 / p90 being sample quantiles of 2000 rows
    assert bars["fixed"].width == 0.0  # every input gets a bar, a point mass a zero-width one
    assert [b.input for b in table.bars][:2] == ["h", "c"]  # widest first: log-sd 0.8, then 0.5
    assert table.median == np.median(bcr)


def test_tornado_method_bar_spans_the_methods_with_lowest_and_highest_median():
    """Tornado method bar spans the methods with lowest and highest median.

    With the same draws under each method, BCR under method m is BCR under m0 divided
    by the pool's column ratio (1, 2, 3), so the medians are exactly median0 / (1, 2, 3).
    """
    inputs, pool, fte, method = product_draws(20_000, seed=6)
    keys = ["m0", "m1", "m2"]
    cond = d.ConditionalRuns(product_model, inputs, fte, method, keys)
    table = d.tornado(cond, {}, np.ones(3), method_keys=keys, labels={d.METHOD_INPUT: "method"})
    (bar,) = table.bars
    median0 = np.median(product_model(inputs, fte, np.zeros(20_000, dtype=int)))
    assert table.method_medians == pytest.approx({"m0": median0, "m1": median0 / 2, "m2": median0 / 3}, rel=1e-12)
    assert (bar.value_low, bar.value_high, bar.label) == ("m2", "m0", "method")
    assert bar.width == pytest.approx(np.log10(3.0), rel=1e-12)


# --------------------------------------------------------------------------- Sobol


def product_sobol(moments):
    """Closed-form Sobol indices of Y = prod X_i (independent) from rho_i = E[X_i^2] / E[X_i]^2.

    Var(E[Y | X_i]) / E[Y]^2 = rho_i - 1, Var(Y) / E[Y]^2 = prod rho - 1, and
    E[Var(Y | X_~i)] / E[Y]^2 = (rho_i - 1) prod_{j != i} rho_j. For lognormals rho = exp(s^2),
    which gives (exp(s_i^2) - 1) / (exp(S) - 1) and 1 - (exp(S - s_i^2) - 1) / (exp(S) - 1).
    """
    rho = {name: np.mean(x**2 * w) / np.mean(x * w) ** 2 * np.mean(w) for name, (x, w) in moments.items()}
    total = np.prod(list(rho.values()))
    first = {name: (r - 1) / (total - 1) for name, r in rho.items()}
    tot = {name: (r - 1) * total / r / (total - 1) for name, r in rho.items()}
    return first, tot


def test_sobol_indices_match_closed_forms_for_independent_factors():
    """Sobol indices match closed forms for independent factors.

    Y = x1 * x2 * x3 / (g_row * c_method): five independent factors, one of them the FTE
    pool row (uniform over 64 rows) and one the method (weights 0.5, 0.3, 0.2).
    """
    s = {"x1": 0.2, "x2": 0.4, "x3": 0.6}
    priors = {name: LogNormal(1.0, v) for name, v in s.items()} | {"const": Point(2.0)}
    rows = 64
    g = np.exp(0.5 * ndtri((np.arange(rows) + 0.5) / rows))
    c = np.array([1.0, 1.5, 3.0])
    pool = g[:, None] * c[None, :]
    weights = [0.5, 0.3, 0.2]

    def model(inputs, fte_rows, method_index):
        """BCR of the product model."""
        per = fte_rows[np.arange(len(method_index)), method_index]
        return inputs["x1"] * inputs["x2"] * inputs["x3"] * inputs["const"] / 2.0 / per

    result = d.sobol(model, priors, pool, weights, n_base=2**12, seed=7)
    out = {output: {i["input"]: i for i in table.rows()} for output, table in result.indices.items()}
    # exact moments of each factor as the design samples it
    grid = stats.norm.ppf((np.arange(4000) + 0.5) / 4000)
    moments = {name: (np.exp(v * grid), np.ones_like(grid)) for name, v in s.items()}
    moments[d.FTE_INPUT] = (1 / g, np.ones(rows))
    moments[d.METHOD_INPUT] = (1 / c, np.array(weights) * 3)
    first, total = product_sobol(moments)
    logvar = {name: v**2 for name, v in s.items()}
    logvar[d.FTE_INPUT] = np.var(np.log(g))
    logc = np.log(c)
    logvar[d.METHOD_INPUT] = np.dot(weights, logc**2) - np.dot(weights, logc) ** 2
    log_total = sum(logvar.values())
    for name in first:
        share = logvar[name] / log_total  # log BCR is additive: first = total = its variance share
        for output, s1, st in (("bcr", first[name], total[name]), ("log_bcr", share, share)):
            row = out[output][name]
            # the CI half-width is z_0.975 * se: 4 se = 4 * ci / 1.96
            assert row["first_ci"] < 0.12 and row["total_ci"] < 0.12  # informative against indices up to 0.5
            assert abs(row["first"] - s1) <= 4 * row["first_ci"] / 1.96, (output, name, row, s1)
            assert abs(row["total"] - st) <= 4 * row["total_ci"] / 1.96, (output, name, row, st)
    for output in out:
        assert out[output]["const"] == {"input": "const", "first": 0.0, "first_ci": 0.0, "total": 0.0, "total_ci": 0.0}


# --------------------------------------------------------------------------- value of information


@pytest.mark.parametrize("m_over_s", [-1.0, 0.0, 0.5, 2.0])
def test_evpi_of_a_normal_net_benefit(m_over_s):
    """Evpi of a normal net benefit."""
    rng = np.random.default_rng(8)
    n, s, k = 100_000, 3e9, 100.0
    cost = np.full(n, 1e8)
    nb = m_over_s * s + s * rng.standard_normal(n)
    result = unrounded(d.value_of_information(nb + k * cost, cost, {}, ks=[k]))
    (entry,) = result["thresholds"]
    truth = normal_evpi(m_over_s * s, s)
    # delta-method MCSE by hand: sd of max(NB, 0) - NB 1[mean NB > 0]
    linear = np.maximum(nb, 0) - (nb if nb.mean() > 0 else 0)
    assert entry["evpi_se"] == pytest.approx(np.std(linear, ddof=1) / np.sqrt(n), rel=1e-9)
    assert abs(entry["evpi"] - truth) <= 4 * entry["evpi_se"]
    assert entry["expected_nb"] == pytest.approx(nb.mean(), rel=1e-9, abs=1.0)


def test_evppi_of_two_normal_inputs_and_of_an_irrelevant_one():
    """Evppi of two normal inputs and of an irrelevant one.

    NB = X1 + X2, X1 ~ N(m, s1), X2 ~ N(0, s2): E[NB | X1] = X1 ~ N(m, s1), so
    EVPPI(X1) = normal_evpi(m, s1); E[NB | X2] = m + X2, so EVPPI(X2) = normal_evpi(m, s2).
    """
    rng = np.random.default_rng(9)
    n, m, s1, s2 = 100_000, 0.3, 1.0, 0.6
    x1 = m + s1 * rng.standard_normal(n)
    x2 = s2 * rng.standard_normal(n)
    x3 = np.exp(rng.standard_normal(n))  # independent of NB
    result = unrounded(d.value_of_information(x1 + x2, np.zeros(n), {"x1": x1, "x2": x2, "x3": x3}, ks=[1.0], subsample=None))
    (entry,) = result["thresholds"]
    rows = {r["input"]: r for r in entry["evppi"]}
    assert entry["evpi"] == pytest.approx(normal_evpi(m, np.hypot(s1, s2)), abs=4 * entry["evpi_se"])
    for name, truth in (("x1", normal_evpi(m, s1)), ("x2", normal_evpi(m, s2)), ("x3", 0.0)):
        row = rows[name]
        assert 0 < row["se"] < 0.05 * entry["evpi"]
        assert abs(row["value"] - truth) <= 4 * row["se"] + row["bias"], (name, row, truth)


def test_regression_bias_on_an_irrelevant_input_with_zero_expected_net_benefit():
    """Regression bias on an irrelevant input with zero expected net benefit.

    The worst case for the regression estimator's upward bias: E[NB] = 0 and an input
    independent of NB. The fitted values are noise of average variance sigma^2 p / n
    (p = 5 parameters of the 5-knot restricted cubic spline), so
    E[mean max(g_hat, 0)] <= sigma sqrt(p / (2 pi n)) and E[max(mean g_hat, 0)] = sigma / sqrt(2 pi n):
    the estimate's expectation is about sigma (sqrt(p) - 1) / sqrt(2 pi n). The plug-in bias
    the function reports must be of that size (within a factor 1.5 either way: measured 0.0046 against
    0.0062 +- 0.0004 over 100 replications at n = 20k), and the estimate must stay below
    the upper bound plus 4 se.
    """
    rng = np.random.default_rng(13)
    n, sigma = 100_000, 2.0
    nb = sigma * rng.standard_normal(n)
    x = np.exp(rng.standard_normal(n))
    (entry,) = unrounded(d.value_of_information(nb, np.zeros(n), {"x": x}, ks=[1.0], subsample=None))["thresholds"]
    (row,) = entry["evppi"]
    approx = sigma * (np.sqrt(5) - 1) / np.sqrt(2 * np.pi * n)
    assert 0.5 * approx <= row["bias"] <= 1.5 * approx
    assert 0 <= row["value"] <= sigma * np.sqrt(5 / (2 * np.pi * n)) + 4 * row["se"]
    assert row["bias"] + 4 * row["se"] < 0.02 * entry["evpi"]


def test_single_uncertain_input_has_evppi_equal_to_evpi():
    """Single uncertain input has evppi equal to evpi.

    Benefit lognormal in x alone, cost fixed: E[NB | x] = NB, linear in x, which the
    spline represents exactly, so EVPPI(x) = EVPI to rounding; other inputs ~ 0.
    """
    rng = np.random.default_rng(10)
    n = 80_000
    x = np.exp(0.7 * rng.standard_normal(n))
    noise = {f"z{i}": rng.standard_normal(n) for i in range(2)}
    result = unrounded(d.value_of_information(3e9 * x, np.full(n, 3e7), {"x": x, **noise}, ks=[100.0], subsample=None))
    (entry,) = result["thresholds"]
    rows = {r["input"]: r for r in entry["evppi"]}
    assert entry["evpi"] > 0
    assert rows["x"]["value"] == pytest.approx(entry["evpi"], rel=1e-9)
    for name in noise:
        assert 0 <= rows[name]["value"] <= 4 * rows[name]["se"] + rows[name]["bias"] + 1e-9 * entry["evpi"]


def test_evppi_of_a_categorical_input_is_by_group_means():
    """Evppi of a categorical input is by group means.

    NB = c_g + N(0, 1), P(g) = (0.5, 0.3, 0.2), c = (-2, 1, 3):
    EVPPI = sum_g P(g) max(c_g, 0) - max(sum_g P(g) c_g, 0) = 0.9 - max(-0.1, 0) = 0.9.
    """
    rng = np.random.default_rng(11)
    n = 100_000
    g = rng.choice(3, size=n, p=[0.5, 0.3, 0.2])
    nb = np.array([-2.0, 1.0, 3.0])[g] + rng.standard_normal(n)
    result = unrounded(d.value_of_information(nb, np.zeros(n), {d.METHOD_INPUT: g}, ks=[5.0], subsample=None))
    (row,) = result["thresholds"][0]["evppi"]
    assert abs(row["value"] - 0.9) <= 4 * row["se"] + row["bias"]
    assert row["bias"] == pytest.approx(0.0, abs=1e-12)  # no group mean is near zero


def test_evppi_of_the_fte_group_by_columns_and_by_pool_row_agree_with_hand_calculation():
    """Evppi of the fte group by columns and by pool row agree with hand calculation.

    Cost = salary * FTE of the drawn method, method independent (weights w): given the pool
    row r, E[NB | r] = E[benefit] - k E[salary] sum_m w_m pool[r, m] =: L_r, so
    EVPPI = mean_r max(L_r, 0) - max(mean_r L_r, 0) over the (uniform) pool rows.
    """
    rng = np.random.default_rng(12)
    n, rows, k = 100_000, 50, 100.0
    pool = np.exp(rng.normal(np.log([1000.0, 600.0, 400.0]), 0.3, size=(rows, 3)))
    w = np.array([0.3, 0.3, 0.4])
    row = rng.integers(0, rows, n)
    method = rng.choice(3, size=n, p=w)
    salary = 2.5e5 * np.exp(0.2 * rng.standard_normal(n))
    benefit = 1.4e10 * np.exp(0.3 * rng.standard_normal(n) - 0.045)  # mean 1.4e10
    fte = pool[row]
    cost = salary * fte[np.arange(n), method]
    mean_salary = 2.5e5 * np.exp(0.02)
    level = 1.4e10 - k * mean_salary * pool @ w
    truth = np.mean(np.maximum(level, 0)) - max(np.mean(level), 0)
    assert truth > 1e8  # the row matters for the decision here
    result = unrounded(d.value_of_information(
        benefit, cost, {d.FTE_INPUT: fte, "row": row}, ks=[k], categorical=("row",), subsample=None
    ))
    rows_out = {r["input"]: r for r in result["thresholds"][0]["evppi"]}
    for name in (d.FTE_INPUT, "row"):
        r = rows_out[name]
        assert abs(r["value"] - truth) <= 4 * r["se"] + r["bias"], (name, r, truth)


def test_evppi_regressions_use_the_first_subsample_draws_and_the_evpi_all():
    """Subsample = m: the EVPPI equals that of the first m draws alone; the EVPI stays that of all draws."""
    rng = np.random.default_rng(14)
    n, m = 20_000, 8_000
    x = rng.standard_normal(n)
    nb = 0.2 + x + 0.5 * rng.standard_normal(n)
    part = unrounded(d.value_of_information(nb, np.zeros(n), {"x": x}, ks=[1.0], subsample=m))["thresholds"][0]
    first = unrounded(d.value_of_information(nb[:m], np.zeros(m), {"x": x[:m]}, ks=[1.0], subsample=None))["thresholds"][0]
    full = unrounded(d.value_of_information(nb, np.zeros(n), {}, ks=[1.0], subsample=None))["thresholds"][0]
    assert part["evppi"] == first["evppi"]
    assert part["evpi"] == full["evpi"]


# --------------------------------------------------------------------------- Sobol on the Ishigami function


class Uniform:
    """Uniform on [lo, hi] (only ``ppf``)."""

    def __init__(self, lo: float, hi: float):
        self.lo, self.hi = lo, hi

    def ppf(self, q):
        """Quantile function."""
        return self.lo + (self.hi - self.lo) * np.asarray(q, dtype=float)


def test_sobol_indices_of_the_ishigami_function_match_the_analytic_ones():
    """Ishigami (a = 7, b = 0.1) on [-pi, pi]^3, shifted by +11 to stay positive (a shift leaves indices unchanged).

    V = a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2, V1 = (1 + b pi^4/5)^2 / 2, V2 = a^2/8, V3 = 0,
    VT1 = V1 + 8 b^2 pi^8/225, VT3 = 8 b^2 pi^8/225 (Ishigami & Homma 1990; Sobol' & Levitan 1999).
    The estimates must lie within 4 of their own standard errors (the CI half-width / 1.96).
    """
    a, b = 7.0, 0.1
    priors = {name: Uniform(-np.pi, np.pi) for name in ("x1", "x2", "x3")}

    def model(inputs, fte_rows, method_index):
        """Ishigami + 11."""
        x1, x2, x3 = inputs["x1"], inputs["x2"], inputs["x3"]
        return np.sin(x1) + a * np.sin(x2) ** 2 + b * x3**4 * np.sin(x1) + 11.0

    variance = a**2 / 8 + b * np.pi**4 / 5 + b**2 * np.pi**8 / 18 + 0.5
    v1, v2, vt3 = 0.5 * (1 + b * np.pi**4 / 5) ** 2, a**2 / 8, 8 * b**2 * np.pi**8 / 225
    first = {"x1": v1 / variance, "x2": v2 / variance, "x3": 0.0}
    total = {"x1": (v1 + vt3) / variance, "x2": v2 / variance, "x3": vt3 / variance}
    result = d.sobol(model, priors, np.ones((1, 1)), [1.0], n_base=2**12, seed=11)
    rows = {r["input"]: r for r in result.indices["bcr"].rows()}
    assert result.model_runs == 2**12 * 5
    for name in priors:
        row = rows[name]
        assert 0 < row["first_ci"] < 0.05 and 0 < row["total_ci"] < 0.05
        assert abs(row["first"] - first[name]) <= 4 * row["first_ci"] / 1.96, (name, row)
        assert abs(row["total"] - total[name]) <= 4 * row["total_ci"] / 1.96, (name, row)
    assert rows[d.METHOD_INPUT]["total"] == 0.0 and rows[d.FTE_INPUT]["total"] == 0.0


# --------------------------------------------------------------------------- conditional runs


def test_union_median_equals_numpy_median():
    """The bisection median of a fixed set and a scaled set equals numpy's median of their union."""
    from mcvalue.decision.conditional import union_median

    rng = np.random.default_rng(15)
    for size_fixed, size_moving in ((0, 7), (5, 0), (1000, 999), (2, 3000)):
        fixed, moving = np.sort(rng.lognormal(size=size_fixed)), np.sort(rng.lognormal(size=size_moving))
        for scale in (0.01, 1.0, 37.0):
            assert union_median(fixed, moving, scale) == pytest.approx(np.median(np.concatenate([fixed, scale * moving])), rel=1e-15)


def test_power_inputs_give_the_median_of_the_rerun_model():
    """Conditional medians through ``powers`` equal those of re-running the model: a power in every draw, in some, in none."""
    n = 20_001
    inputs, pool, fte, _ = product_draws(n, seed=16)
    method = np.random.default_rng(17).integers(0, 3, n)
    inputs["f"] = np.random.default_rng(18).uniform(0.2, 0.9, n)

    def model(i, f, m):
        """Return the product model divided by ``f`` in the draws of method 1 only."""
        return product_model(i, f, m) / np.where(m == 1, i["f"], 1.0)

    keys = ["m0", "m1", "m2"]
    inputs["unread"] = np.full(n, 2.0)
    powers = {"h": 1.0, "c": -1.0, "f": np.where(method == 1, -1.0, 0.0), "unread": np.zeros(n)}
    fast = d.ConditionalRuns(model, inputs, fte, method, keys, powers=powers)
    slow = d.ConditionalRuns(model, inputs, fte, method, keys)
    for name, value in (("h", 0.03), ("h", 0.4), ("c", 0.001), ("f", 0.25), ("f", 0.8), ("unread", 7.0)):
        assert fast.median(name, value) == pytest.approx(slow.median(name, value), rel=1e-12)


def test_sobol_point_estimates_are_salibs_on_the_same_design():
    """The design and estimators are SALib's: the indices equal ``SALib.analyze.sobol`` on ``SALib.sample.sobol``'s design.

    The confidence intervals differ in method (delta method against SALib's bootstrap of
    100 resamples, whose own relative error is about 7%): they must agree within 25%.
    """
    from SALib.analyze import sobol as sobol_analyze
    from SALib.sample import sobol as sobol_sample

    priors = {name: LogNormal(1.0, s) for name, s in (("x1", 0.3), ("x2", 0.5), ("x3", 0.4))}

    def model(inputs, fte_rows, method_index):
        """Return a non-additive positive model of three inputs."""
        return inputs["x1"] * inputs["x2"] + inputs["x3"] ** 2

    ours = d.sobol(model, priors, np.ones((1, 1)), [1.0], n_base=2**10, seed=3)
    problem = {"num_vars": 3, "names": list(priors), "bounds": [[0.0, 1.0]] * 3}
    u = np.clip(sobol_sample.sample(problem, 2**10, calc_second_order=False, seed=3), 1e-12, 1 - 1e-12)
    y = model({name: priors[name].ppf(u[:, j]) for j, name in enumerate(priors)}, None, None)
    for output, values in (("bcr", y), ("log_bcr", np.log(y))):
        theirs = sobol_analyze.analyze(problem, values, calc_second_order=False, num_resamples=400, seed=4)
        table = ours.indices[output]
        np.testing.assert_allclose(table.first[:3], theirs["S1"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(table.total[:3], theirs["ST"], rtol=1e-9, atol=1e-12)
        np.testing.assert_allclose(table.first_ci[:3], theirs["S1_conf"], rtol=0.25)
        np.testing.assert_allclose(table.total_ci[:3], theirs["ST_conf"], rtol=0.25)
