"""Priors stated by three or more quantiles (issue 12, point 6): fitted, misfit shown, refused above the tolerance."""

import numpy as np
import pytest
from scipy import stats

from mcvalue.errors import PriorFileError
from mcvalue.priors.load import load_scenario
from mcvalue.priors.quantiles import MAX_QUANTILE_MISFIT, fit_quantiles


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
    law, misfit = fit_quantiles(dist, {str(p): float(truth.ppf(p)) for p in probs})
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
