"""Priors stated by three or more quantiles (issue 12, point 6): fitted, misfit shown, refused above the tolerance."""

import numpy as np
import pytest
from scipy import stats
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.errors import PriorFileError
from mcvalue.priors.families.quantiles import MAX_QUANTILE_MISFIT, fit_quantiles
from mcvalue.priors.families.registry import DIST_MODELS
from mcvalue.priors.families.triangular import TriangularLaw
from mcvalue.priors.families.uniform import UniformLaw
from mcvalue.priors.load import load_scenario


def _file(tmp_path, body: str):
    path = tmp_path / "q.toml"
    path.write_text(f'extends = "default"\n{body}')
    return path


@pytest.mark.parametrize(
    ("dist", "truth"),
    [
        ("normal", stats.norm(3.0, 2.0)),
        ("lognormal", stats.lognorm(s=0.6, scale=np.exp(12.0))),
        ("beta", stats.beta(2.0, 5.0)),
        ("gamma", stats.gamma(3.0, scale=0.5)),
    ],
)
def test_exact_quantiles_of_a_family_recover_it(dist, truth):
    probs = [0.05, 0.25, 0.5, 0.9]
    law, misfit = fit_quantiles(dist, DIST_MODELS[dist].quantile_start, {str(p): float(truth.ppf(p)) for p in probs})
    assert misfit < 1e-6
    grid = np.array([0.01, 0.1, 0.5, 0.9, 0.99])
    assert np.allclose(law.ppf(grid), truth.ppf(grid), rtol=1e-5)


def test_a_prior_file_with_quantiles_shows_its_misfit(tmp_path):
    # 150K / 240K / 400K is not exactly lognormal (log-midpoint of the ends is 245K), so the median misses a little:
    # the least-squares fit puts the three points within 1 percentile point of their probabilities.
    path = _file(tmp_path, '[cost.salary_usd]\ndist = "lognormal"\nquantiles = {"0.05" = 150_000, "0.5" = 240_000, "0.95" = 400_000}\n')
    salary = load_scenario(path).quantities["cost.salary_usd"]
    text = salary.describe()
    assert text.startswith("lognormal(quantiles={0.05: 150K, 0.5: 240K, 0.95: 400K}, misfit=0.0")
    misfit = float(text.split("misfit=")[1].rstrip(")"))
    gaps = np.abs(salary.cdf(np.array([150_000, 240_000, 400_000])) - np.array([0.05, 0.5, 0.95]))
    assert misfit == pytest.approx(gaps.max(), abs=5e-4) and 0 < misfit < MAX_QUANTILE_MISFIT


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ('{"0.05" = 0.01, "0.5" = 0.02, "0.95" = 0.3}', "no normal matches these quantiles"),
        ('{"0.05" = 0.1, "0.95" = 0.3}', "at least 3"),
        ('{"0.05" = 0.1, "0.5" = 0.3, "1.5" = 0.4}', "strictly between 0 and 1"),
        ('{"0.05" = 0.3, "0.5" = 0.2, "0.95" = 0.4}', "must increase"),
        ('{"low" = 0.3, "0.5" = 0.2, "0.95" = 0.4}', "is not a probability"),
    ],
)
def test_bad_quantiles_are_refused_naming_the_key(tmp_path, table, message):
    path = _file(tmp_path, f'[benefit.haircut]\ndist = "normal"\nquantiles = {table}\nlower = 0\nupper = 1\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    (problem,) = raised.value.problems
    assert "benefit.haircut" in problem and message in problem
    if message.startswith("no normal"):
        assert f"tolerance {MAX_QUANTILE_MISFIT:g}" in problem


def test_quantiles_and_another_parametrisation_are_refused_together(tmp_path):
    path = _file(tmp_path, '[benefit.haircut]\ndist = "beta"\nci90 = [0.03, 0.3]\nquantiles = {"0.05" = 0.03, "0.5" = 0.1, "0.95" = 0.3}\n')
    with pytest.raises(PriorFileError, match="give only one parametrisation"):
        load_scenario(path)


def _pert(low: float, mode: float, high: float, lam: float = 4.0):
    """Return scipy's beta on [low, high] with PERT's shapes 1 + lam (mode - low) / range and 1 + lam (high - mode) / range."""
    span = high - low
    return stats.beta(1 + lam * (mode - low) / span, 1 + lam * (high - mode) / span, loc=low, scale=span)


def _parameters(law, lam: float = 4.0) -> tuple[float, ...]:
    """Return (min, max) of a fitted uniform, (min, mode, max) of a triangular or PERT (its mode from the beta's a)."""
    if isinstance(law, UniformLaw):
        return law.low, law.high
    if isinstance(law, TriangularLaw):
        return law.low, law.mode, law.high
    return law.loc, law.loc + law.scale * (law.a - 1) / lam, law.loc + law.scale


@pytest.mark.parametrize(
    ("dist", "parameters", "truth", "probs", "lam"),
    [
        ("uniform", (2.0, 7.0), stats.uniform(2.0, 5.0), (0.05, 0.5, 0.95), 4.0),
        ("uniform", (-1e5, 2e5), stats.uniform(-1e5, 3e5), (0.1, 0.2, 0.4, 0.9), 4.0),
        ("triangular", (1.0, 1.8, 5.0), stats.triang(0.2, loc=1.0, scale=4.0), (0.05, 0.5, 0.95), 4.0),
        ("triangular", (0.0, 0.5, 1.0), stats.triang(0.5), (0.05, 0.5, 0.95), 4.0),
        ("triangular", (150e3, 220e3, 450e3), stats.triang(70 / 300, loc=150e3, scale=300e3), (0.05, 0.25, 0.5, 0.75, 0.95), 4.0),
        ("pert", (1.0, 1.8, 5.0), _pert(1.0, 1.8, 5.0), (0.05, 0.5, 0.95), 4.0),
        ("pert", (0.0, 0.95, 1.0), _pert(0.0, 0.95, 1.0), (0.1, 0.3, 0.9), 4.0),
        ("pert", (150e3, 200e3, 600e3), _pert(150e3, 200e3, 600e3, lam=2.0), (0.05, 0.5, 0.95), 2.0),
    ],
)
def test_exact_quantiles_of_a_bounded_family_recover_its_parameters(dist, parameters, truth, probs, lam):
    """Quantiles from scipy's uniform / triang / scaled beta give back min (mode) max; three fix a triangular or PERT."""
    values = truth.ppf(probs)
    law, misfit = fit_quantiles(dist, DIST_MODELS[dist].quantile_start, {str(p): float(x) for p, x in zip(probs, values, strict=True)}, lam)
    span = parameters[-1] - parameters[0]
    np.testing.assert_allclose(_parameters(law, lam), parameters, rtol=0, atol=1e-6 * span)
    np.testing.assert_allclose(law.cdf(values), probs, rtol=0, atol=1e-9)
    assert misfit < 1e-9


def test_quantiles_all_past_a_triangulars_mode_are_matched():
    """The quantile function's kink at the mode traps a fit started with the mode among the values (misfit 0.005)."""
    probs = (0.21, 0.38, 0.42)
    values = stats.triang(0.0986, loc=10.0, scale=20.0).ppf(probs)  # F(mode) = 0.0986: every value is past the mode
    law, misfit = fit_quantiles("triangular", DIST_MODELS["triangular"].quantile_start, {str(p): float(x) for p, x in zip(probs, values, strict=True)})
    np.testing.assert_allclose(law.cdf(values), probs, rtol=0, atol=1e-9)
    assert misfit < 1e-9


def test_a_skewed_uniform_is_refused_naming_the_misfit_and_the_tolerance(tmp_path):
    # 180K / 220K / 400K: the median is far below the middle. Every value falls inside the best uniform, so it is the
    # least-squares line of the probabilities on the values, which misses the median by 0.168.
    values, probs = np.array([180e3, 220e3, 400e3]), np.array([0.05, 0.5, 0.95])
    slope, intercept = np.polyfit(values, probs, 1)
    best = np.abs(slope * values + intercept - probs).max()
    path = _file(tmp_path, '[cost.salary_usd]\ndist = "uniform"\nquantiles = {"0.05" = 180_000, "0.5" = 220_000, "0.95" = 400_000}\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    (problem,) = raised.value.problems
    assert problem.startswith(f"{path}: cost.salary_usd: no uniform matches these quantiles: the best puts 220K at its p33.2, not p50")
    assert f"(misfit {best:.3f} above the tolerance {MAX_QUANTILE_MISFIT:g})" in problem and best > MAX_QUANTILE_MISFIT


def test_priors_show_gives_the_misfit_of_a_triangular_by_five_quantiles(tmp_path):
    # Rounded quantiles of no exact triangular: the three fitted parameters cannot meet all five points.
    table = {"0.05": 180e3, "0.25": 220e3, "0.5": 260e3, "0.75": 310e3, "0.95": 380e3}
    path = _file(tmp_path, '[cost.salary_usd]\ndist = "triangular"\nquantiles = {"0.05" = 180_000, "0.25" = 220_000, '
                 '"0.5" = 260_000, "0.75" = 310_000, "0.95" = 380_000}\n')
    shown = CliRunner().invoke(app, ["priors", "show", str(path)])
    assert shown.exit_code == 0, shown.output
    described = "triangular(quantiles={0.05: 180K, 0.25: 220K, 0.5: 260K, 0.75: 310K, 0.95: 380K}, misfit="
    (line,) = [line for line in shown.stdout.splitlines() if line.startswith("cost.salary_usd")]
    misfit = float(line.split(described)[1].split(")")[0])
    salary = load_scenario(path).quantities["cost.salary_usd"]
    gaps = np.abs(salary.cdf(np.array(list(table.values()))) - np.array([float(p) for p in table]))
    assert misfit == pytest.approx(gaps.max(), abs=5e-4) and 0 < misfit < MAX_QUANTILE_MISFIT


def test_a_pert_by_quantiles_keeps_its_lambda(tmp_path):
    path = _file(tmp_path, '[cost.coverage]\ndist = "pert"\nlambda = 2\nquantiles = {"0.05" = 1.5, "0.5" = 2.5, "0.95" = 4}\n')
    coverage = load_scenario(path).quantities["cost.coverage"]
    assert coverage.describe().startswith("pert(quantiles={0.05: 1.5, 0.5: 2.5, 0.95: 4}, lambda=2, misfit=0.000")
    assert coverage.law.a + coverage.law.b == pytest.approx(2.0 + 2.0)  # PERT's shapes sum to 2 + lambda, whatever min, mode, max


@pytest.mark.parametrize(
    ("dist", "keys", "said"),
    [
        ("uniform", "min = 0.01\nmax = 0.3\n", "(got min, max, quantiles); one of: min + max; quantiles"),
        ("triangular", "min = 0.01\nmode = 0.1\nmax = 0.3\n", "(got min, mode, max, quantiles); one of: min + mode + max; quantiles"),
        ("pert", "mode = 0.1\n", "(got mode, quantiles); one of: min + mode + max; quantiles"),
    ],
)
def test_quantiles_and_the_ends_of_a_bounded_family_are_refused_together(tmp_path, dist, keys, said):
    quantiles = 'quantiles = {"0.05" = 0.03, "0.5" = 0.1, "0.95" = 0.3}\n'
    path = _file(tmp_path, f'[benefit.haircut]\ndist = "{dist}"\n{keys}{quantiles}')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(path)
    assert raised.value.problems == [f"{path}: benefit.haircut: give only one parametrisation of {dist} {said}"]


@pytest.mark.parametrize("dist", ["uniform", "triangular", "pert"])
def test_unsorted_quantiles_of_a_bounded_family_are_refused(tmp_path, dist):
    path = _file(tmp_path, f'[benefit.haircut]\ndist = "{dist}"\nquantiles = {{"0.05" = 0.3, "0.5" = 0.2, "0.95" = 0.4}}\n')
    with pytest.raises(PriorFileError, match=r"benefit\.haircut: quantiles values must increase with their probabilities"):
        load_scenario(path)


def test_a_triangular_missing_its_mode_says_which_keys_go_together(tmp_path):
    path = _file(tmp_path, '[benefit.haircut]\ndist = "triangular"\nmin = 0.01\nmax = 0.3\n')
    with pytest.raises(PriorFileError, match=r"benefit\.haircut: mode missing \(min \+ mode \+ max go together\)"):
        load_scenario(path)
