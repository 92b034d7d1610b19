"""``mcvalue fit`` end to end on the real sample, with a sampler too small to converge.

One tiny fit (2 chains x 100 draws after 50 tuning steps, clean mode) is shared through a
module-wide cache directory: the console entry point fails on it with exit code 3, then
``--allow-unconverged`` reuses the cached (failed) posterior for the JSON and text output.
200 draws in all cannot give a bulk ESS of 400 for every one of the ~170 parameters, so
the failure is certain, not a matter of seed.
"""

import json
import re
import subprocess
import sys
from functools import partial

import pytest
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS, REPO_EFFECTS, WINDOW_EFFECTS
from mcvalue.vocab.paper import TABLE1_KEYS

TINY = {"draws": 100, "tune": 50, "chains": 2}

#: The paper's Table 1 cost per year / $300k salary, worked out by hand from the paper.
PAPER_FTE = {
    "commits_pytorch": 300.48e6 / 3e5,  # 1001.6
    "contributors_pytorch": 233.70e6 / 3e5,  # 779.0
    "lines_tensorflow": 187.09e6 / 3e5,  # 623.63
    "lines_pytorch": 187.06e6 / 3e5,  # 623.53
    "commits_tensorflow": 122.17e6 / 3e5,  # 407.23
}

#: The console entry point with the fit's sampler settings shrunk to TINY.
_ENTRY = (
    "import functools, sys; import mcvalue.costmodels.pymc.fit as f; "
    f"f.fit_cost_model = functools.partial(f.fit_cost_model, **{TINY!r}); "
    "from mcvalue.cli import main; sys.argv[0] = 'mcvalue'; main()"
)
_ERROR = re.compile(
    r"^error: the cost model did not converge: (?P<parameter>.+?) has "
    r"(?P<figure>r_hat|ess_bulk|ess_tail|e_bfmi|divergences|max_treedepth_hits) = \S+ \(threshold [\d.]+\); "
)


@pytest.fixture(scope="module")
def shared_cache(tmp_path_factory):
    """One cache directory for the whole module, so the tiny fit runs once."""
    return tmp_path_factory.mktemp("fit-cli-cache")


@pytest.fixture(scope="module")
def failed_fit(shared_cache, real_data_dir):
    """``mcvalue fit --quiet`` through the console entry point: (exit code, stdout, stderr)."""
    import os

    env = os.environ | {"MCVALUE_CACHE_DIR": str(shared_cache)}
    proc = subprocess.run(
        [sys.executable, "-c", _ENTRY, "fit", "--quiet", "--data-dir", str(real_data_dir)],
        capture_output=True, text=True, env=env, timeout=600,
    )
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture
def tiny_fit_cli(failed_fit, shared_cache, monkeypatch):
    """In-process CLI runner on the shared cache with the TINY sampler settings."""
    import mcvalue.costmodels.pymc.fit as fit

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(shared_cache))
    monkeypatch.setattr(fit, "fit_cost_model", partial(fit.fit_cost_model, **TINY))
    return CliRunner()


def test_unconverged_fit_exits_3_with_one_line_naming_parameter_and_figure(failed_fit):
    code, stdout, stderr = failed_fit
    assert code == 3, stderr
    assert stdout == ""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    match = _ERROR.match(lines[0])
    assert match, lines[0]
    parameter = match["parameter"].split("[")[0]
    assert parameter in HYPERPARAMETERS + REPO_EFFECTS + WINDOW_EFFECTS or re.fullmatch(r"chain \d+|sampler", parameter)
    assert "--allow-unconverged" in lines[0]


def test_allow_unconverged_json_has_the_issue_shape_and_reuses_the_failed_fit(tiny_fit_cli, failed_fit, real_data_dir):
    result = tiny_fit_cli.invoke(app, ["fit", "--json", "--allow-unconverged", "--data-dir", str(real_data_dir)])
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout, parse_constant=lambda c: pytest.fail(f"non-JSON constant {c}"))
    d = out["diagnostics"]
    assert {"max_rhat", "min_ess_bulk", "min_ess_tail", "divergences", "converged"} <= d.keys()
    assert d["converged"] is False
    assert d["min_ess_bulk"] < 400  # 2 x 400 draws of the third attempt do not reach 400 for every one of ~1,500 parameters
    assert isinstance(d["divergences"], int) and d["divergences"] >= 0
    # the worst parameter and figure in the JSON are the ones the failing run named
    match = _ERROR.match(failed_fit[2].strip())
    assert (d["worst"]["parameter"], d["worst"]["figure"]) == (match["parameter"], match["figure"])
    assert out["from_cache"] is True  # the failed fit was cached, not sampled again
    # every attempt failed, so the fit was sampled twice more, each time with twice the draws (and the third posterior cached)
    assert out["draws"] == 4 * TINY["draws"] * TINY["chains"]
    assert d["attempts"] == 3 and d["first_attempt"]["sampler"]["draws"] == TINY["draws"]
    assert list(out["fte"]) == list(TABLE1_KEYS)  # the fit reports Table 1; the threshold method needs its prior
    for key, f in out["fte"].items():
        lo, hi = f["ci90"]
        assert 0 < lo <= f["median"] <= hi
        assert f["paper"] == pytest.approx(PAPER_FTE[key], abs=1e-3)
    assert out["target_year"] == 2021 and "2021" in out["estimand"]
    assert list(out["trend"]) == ["contributors", "commits", "lines"]
    for t in out["trend"].values():
        assert 0 < t["ci90"][0] <= t["median"] <= t["ci90"][1]
    assert list(out["ppc"]["table1"]) == list(TABLE1_KEYS)
    assert all(0 <= p <= 1 for p in out["ppc"]["table1"].values())


def test_target_year_changes_only_the_derived_fte(tiny_fit_cli, failed_fit, real_data_dir):
    """--target-year average reuses the cached posterior; with contributors growing, the 2021 FTE exceeds the average's."""
    runs = {}
    for year in ("average", "2021"):
        result = tiny_fit_cli.invoke(app, ["fit", "--json", "--allow-unconverged", "--target-year", year, "--data-dir", str(real_data_dir)])
        assert result.exit_code == 0, result.output
        runs[year] = json.loads(result.stdout)
    assert runs["average"]["from_cache"] and runs["average"]["target_year"] == "average"
    assert "long-run average" in runs["average"]["estimand"]
    assert runs["average"]["fte"]["contributors_pytorch"]["median"] != runs["2021"]["fte"]["contributors_pytorch"]["median"]
    bad = tiny_fit_cli.invoke(app, ["fit", "--target-year", "someday", "--data-dir", str(real_data_dir)])
    assert bad.exit_code != 0 and str(bad.exception).startswith("target_year: expected a year")


def test_allow_unconverged_text_says_not_converged_beside_the_paper(tiny_fit_cli, real_data_dir):
    result = tiny_fit_cli.invoke(app, ["fit", "--quiet", "--allow-unconverged", "--data-dir", str(real_data_dir)])
    assert result.exit_code == 0, result.output
    text = result.stdout
    assert "loaded from cache" in text
    assert "NOT CONVERGED: results from this fit are unreliable" in text
    assert "at the activity level the cost model's time trends predict for 2021" in text
    for name in HYPERPARAMETERS:
        assert re.search(rf"^  {name} ", text, re.M), name
    for key in TABLE1_KEYS:
        row = re.search(rf"^  {key} .*$", text, re.M)
        assert row and f"{PAPER_FTE[key]:.1f}" in row[0].split(), (key, row)


def test_save_writes_the_posterior_arviz_reads_back(tiny_fit_cli, real_data_dir, tmp_path):
    import arviz as az

    target = tmp_path / "posterior.nc"
    result = tiny_fit_cli.invoke(app, ["fit", "--quiet", "--allow-unconverged", "--data-dir", str(real_data_dir), "--save", str(target)])
    assert result.exit_code == 0, result.output
    posterior = az.from_netcdf(target).posterior
    # the tiny fit fails its first two attempts, so the posterior kept is the third, four times as long
    assert (posterior.sizes["chain"], posterior.sizes["draw"]) == (TINY["chains"], 4 * TINY["draws"])
    assert set(HYPERPARAMETERS) <= set(posterior.data_vars)
    assert [p.name for p in tmp_path.iterdir()] == ["posterior.nc"]  # no temporary file left


def test_save_into_a_missing_directory_is_refused_before_any_work(tmp_path):
    result = CliRunner().invoke(app, ["fit", "--save", str(tmp_path / "nowhere" / "posterior.nc")])
    assert result.exit_code != 0
    assert f"directory {tmp_path / 'nowhere'} does not exist" in str(result.exception)


def test_fit_returns_the_posterior_it_made_and_a_table_of_its_record(tiny_fit_cli, real_data_dir):
    import mcvalue

    fit = mcvalue.fit(data_dir=real_data_dir, allow_unconverged=True)
    posterior = fit.posterior.posterior
    # the tiny fit fails its first two attempts, so the posterior kept is the third, four times as long
    assert (posterior.sizes["chain"], posterior.sizes["draw"]) == (TINY["chains"], 4 * TINY["draws"])
    assert set(HYPERPARAMETERS) <= set(posterior.data_vars)
    table = fit.to_df()
    assert list(table.index) == list(TABLE1_KEYS)
    for key in TABLE1_KEYS:
        assert table.loc[key, "paper"] == pytest.approx(PAPER_FTE[key], rel=5e-4)  # the published figure, by hand
        assert table.loc[key, "ci90_low"] <= table.loc[key, "median"] <= table.loc[key, "ci90_high"]
    assert json.loads(mcvalue.to_json(fit)) == json.loads(mcvalue.to_json(fit.to_dict()))
    assert type(fit.to_dict()) is dict and "posterior" not in fit.to_dict()
