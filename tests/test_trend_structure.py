"""``[cost] trend_structure``: parsing and refusals, the resolved record, the clamped FTE by hand, the structure reaching the fit."""

import sys
from types import SimpleNamespace

import numpy as np
import pytest
from test_pymc_model import _params

import mcvalue
from mcvalue.costmodels.pymc import fit as fit_module
from mcvalue.costmodels.pymc.model import TIME_ORIGIN, ModelPriors
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.costmodels.pymc.trends import STRUCTURES, structure, structure_fte
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.settings import DEFAULT_TREND_STRUCTURE, TREND_STRUCTURES
from mcvalue.vocab.paper import METHOD_KEYS


def _file(tmp_path, body, name="mine.toml"):
    path = tmp_path / name
    path.write_text(f'extends = "default"\n{body}')
    return str(path)


def test_the_setting_names_exactly_the_structures_a_run_can_fit():
    assert tuple(s.name for s in STRUCTURES) == TREND_STRUCTURES
    assert structure() == STRUCTURES[0] and structure().priors == ModelPriors() and not structure().clamp
    assert mcvalue.load_scenario("default").run.trend_structure == DEFAULT_TREND_STRUCTURE == "repo trends"


def test_with_settings_writes_the_structure_into_the_resolved_file_and_it_loads_back(tmp_path):
    default = mcvalue.load_scenario("default")
    assert 'trend_structure = "repo trends"' in default.resolved_toml.splitlines()
    chosen = default.with_settings(trend_structure="global trend")
    assert chosen.run.trend_structure == "global trend"
    assert 'trend_structure = "global trend"' in chosen.resolved_toml.splitlines()
    (tmp_path / "resolved.toml").write_text(chosen.resolved_toml)
    again = mcvalue.load_scenario(str(tmp_path / "resolved.toml"))
    assert again.run == chosen.run and again.document.to_dict() == chosen.document.to_dict()
    assert mcvalue.load_scenario(_file(tmp_path, '[cost]\ntrend_structure = "no extrapolation"\n')).run.trend_structure == "no extrapolation"


def test_an_unknown_structure_is_one_line_with_the_closest_name(tmp_path):
    with pytest.raises(McValueError) as raised:
        mcvalue.load_scenario("default").with_settings(trend_structure="global trends")
    assert str(raised.value) == (
        "trend_structure: unknown trend structure 'global trends' (did you mean 'global trend'?); "
        "choose one of repo trends, global trend, pooled slopes, no extrapolation"
    )
    path = _file(tmp_path, '[cost]\ntrend_structure = "global_trend"\n')
    with pytest.raises(PriorFileError) as in_file:
        mcvalue.load_scenario(path)
    (problem,) = in_file.value.problems
    assert problem.startswith(f"{path}: cost.trend_structure: expected 'repo trends'") and problem.endswith("(did you mean 'global trend'?)")


@pytest.mark.parametrize("cost_model", ["table1", "bootstrap"])
def test_a_structure_other_than_the_default_needs_the_pymc_cost_model(tmp_path, cost_model):
    default = mcvalue.load_scenario("default")
    with pytest.raises(McValueError, match=rf"^\[cost\] trend_structure = 'pooled slopes' applies to .* the {cost_model} cost model has none"):
        default.with_settings(cost_model=cost_model, trend_structure="pooled slopes")
    with pytest.raises(McValueError, match="trend_structure"):
        default.with_settings(trend_structure="pooled slopes").with_settings(cost_model=cost_model)
    assert default.with_settings(cost_model=cost_model, trend_structure="repo trends").run.cost_model == cost_model
    path = _file(tmp_path, f'[cost]\ntrend_structure = "pooled slopes"\n[run]\ncost_model = "{cost_model}"\n')
    with pytest.raises(PriorFileError) as in_file:
        mcvalue.load_scenario(path)
    (problem,) = in_file.value.problems
    assert problem.startswith(f"{path}: cost.trend_structure: ")


@pytest.mark.parametrize(
    ("args", "code", "says"),
    [
        (["--trend-structure", "pooled slope"], 1, "trend_structure: unknown trend structure 'pooled slope' (did you mean 'pooled slopes'?)"),
        (["--trend-structure", "global trend", "--cost-model", "table1"], 1, "the table1 cost model has none"),
        (["--priors", "BAD"], 2, "cost.trend_structure: expected"),
    ],
)
def test_the_command_line_refuses_with_the_documented_exit_code_in_one_line(args, code, says, tmp_path, monkeypatch, capsys):
    from mcvalue.cli import main

    args = [_file(tmp_path, '[cost]\ntrend_structure = "Global trend"\n') if a == "BAD" else a for a in args]
    results = tmp_path / "results"
    results.mkdir()
    monkeypatch.setattr(sys, "argv", ["mcvalue", "run", "--results-dir", str(results), "--draws", "100", *args])
    with pytest.raises(SystemExit) as exited:
        main()
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == code
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0]
    assert not any(results.iterdir())


def _two_repos() -> ModelData:
    """"other/repo" sampled 2016.5-2018.5 and pytorch 2016.5-2020.5; no contributor-periods (the FTE needs none)."""
    names = ("other/repo", "pytorch/pytorch")
    empty = np.zeros(0, dtype=np.int64)
    period_repo = np.array([0, 0, 1, 1, 1])
    times = np.array([2016.5, 2018.5, 2016.5, 2018.5, 2020.5])
    return ModelData(names, names, period_repo, np.zeros(5, dtype=np.int64), times, empty, empty, empty.astype(float), np.zeros(5), np.zeros(5))


def test_no_extrapolation_holds_each_repo_at_the_end_of_its_own_span_by_hand():
    """Target 2021 (t = 2021.5): other/repo is counted at 2018.5, pytorch at 2020.5; the repo trends count both at 2021.5."""
    data = _two_repos()
    slopes = (0.1, -0.2, 0.0)
    p = _params([3.0, 5.0], [2.0, 4.0], [50.0, 80.0], [1.0, 1.0], 0.1, slopes=slopes)
    contributors, commits = METHOD_KEYS.index("contributors_pytorch"), METHOD_KEYS.index("commits_pytorch")

    def by_hand(t_other, t_torch):
        mu = np.array([3.0 * np.exp(0.1 * (t_other - TIME_ORIGIN)), 5.0 * np.exp(0.1 * (t_torch - TIME_ORIGIN))])
        per_contributor = np.array([1 + 2.0 * np.exp(-0.2 * (t_other - TIME_ORIGIN)), 1 + 4.0 * np.exp(-0.2 * (t_torch - TIME_ORIGIN))])
        return mu.sum(), (mu * per_contributor).sum() / per_contributor[1]

    clamped = structure_fte(p, data, 2021, clamp=True)[0]
    assert (clamped[contributors], clamped[commits]) == pytest.approx(by_hand(2018.5, 2020.5), rel=1e-12)
    free = structure_fte(p, data, 2021, clamp=False)[0]
    assert (free[contributors], free[commits]) == pytest.approx(by_hand(2021.5, 2021.5), rel=1e-12)
    assert np.isnan(clamped[METHOD_KEYS.index("commits_tensorflow")])  # no tensorflow in the sample
    # inside both spans (2017: t = 2017.5) nothing is clamped; under "average" clamping changes nothing
    np.testing.assert_allclose(structure_fte(p, data, 2017, clamp=True), structure_fte(p, data, 2017), rtol=1e-12)
    np.testing.assert_array_equal(structure_fte(p, data, "average", clamp=True), structure_fte(p, data, "average"))
    # the stock's years are clamped too
    by_year = fit_module.fte_by_year(p, data, (2019, 2021), clamp=True)
    assert by_year[0, 1, contributors] == pytest.approx(by_hand(2018.5, 2020.5)[0], rel=1e-12)
    assert by_year[0, 0, contributors] == pytest.approx(by_hand(2018.5, 2019.5)[0], rel=1e-12)


def test_a_structure_refits_under_its_own_priors_and_reuses_its_cache(monkeypatch, tmp_path):
    """The sampler is faked (as tests/test_attempts.py does): what is checked is which priors it is given and which fits the cache serves."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    data = _two_repos()
    stored, sampled = {}, []
    monkeypatch.setattr(fit_module, "model_data_from_sample", lambda sample: data)
    monkeypatch.setattr(fit_module, "load_posterior", lambda path, key: stored.get(path))
    monkeypatch.setattr(fit_module, "save_posterior", lambda idata, path, key: stored.setdefault(path, idata) and None)

    def sample(data, sampler, cores, progress, priors):
        sampled.append(priors)
        return SimpleNamespace(priors=priors)

    monkeypatch.setattr(fit_module, "sample_until_converged", sample)
    monkeypatch.setattr(fit_module, "attempts_settled", lambda idata, requested: True)  # the stand-in posteriors have no diagnostics
    monkeypatch.setattr(fit_module, "assess_posterior", lambda idata, *args, **kwargs: SimpleNamespace(priors=idata.priors, clamp=kwargs["clamp_trends"]))
    fits = {name: fit_module.fit_cost_model(None, trend_structure=name, progress=False) for name in TREND_STRUCTURES}
    assert sampled == [structure(n).priors for n in ("repo trends", "global trend", "pooled slopes")]  # no extrapolation reused the default's
    assert {n: f.clamp for n, f in fits.items()} == {n: n == "no extrapolation" for n in TREND_STRUCTURES}
    again = fit_module.fit_cost_model(None, trend_structure="global trend", progress=False)
    assert len(sampled) == 3 and again.priors == ModelPriors(trend_sd_median=0.001, trend_sd_log_sigma=0.1)


def test_the_cost_side_cache_and_the_report_tell_the_structures_apart():
    from mcvalue.costmodels import cache
    from mcvalue.priors.settings import CleaningOptions
    from mcvalue.report.result_sections import estimand_sentence

    keys = {cache.key("pymc", "clean", CleaningOptions(), {}, None, 2021, (), name) for name in TREND_STRUCTURES}
    assert len(keys) == len(TREND_STRUCTURES)
    sentence = estimand_sentence({"provenance": {"cost_model": "pymc", "target_year": 2021, "trend_structure": "global trend"}})
    assert sentence.endswith("Its time trends follow the structure 'global trend' (not the default; [cost] trend_structure, the structures compared in docs/calibrate.md).")
    assert "trend_structure" not in estimand_sentence({"provenance": {"cost_model": "bootstrap", "target_year": "average", "trend_structure": None}})


@pytest.mark.realdata
@pytest.mark.slow
def test_a_real_global_trend_fit_gives_the_forecast_checks_2021_contributors_fte(real_data_dir, tmp_path, monkeypatch):
    """Clean sample, "global trend", 2 x 500 draws: the 2021 contributors FTE is forecast.json's.

    results/calibration/forecast.json (full fit, 4 x 1,000 draws) gives the global trend's
    contributors FTE at 2021 as 839 [773, 913] and the repo trends' as 996 [897, 1,125]. The
    posterior sd is about (913 - 773) / 3.3 = 42 FTE, so the median of ~500 effective draws
    lies within 1.25 x 42 / sqrt(500) = 2.4 FTE (one MCSE) of the long run's: 839 +- 20
    allows eight MCSEs and the rounding of a figure measured at another commit; it excludes
    the repo trends' median, 157 FTE away.
    """
    from mcvalue.data import load_sample

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    sample = load_sample(mode="clean", data_dir=real_data_dir)
    fit = fit_module.fit_cost_model(sample, draws=500, tune=500, chains=2, progress=False, allow_unconverged=True, trend_structure="global trend")
    median = float(np.median(fit.fte[:, METHOD_KEYS.index("contributors_pytorch")]))
    assert median == pytest.approx(839, abs=20)


def test_fit_refuses_an_unknown_structure_before_any_work_in_one_line(monkeypatch, capsys, tmp_path):
    from mcvalue.cli import main

    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    monkeypatch.setattr(sys, "argv", ["mcvalue", "fit", "--trend-structure", "global trends", "--quiet"])
    with pytest.raises(SystemExit) as exited:
        main()
    lines = capsys.readouterr().err.strip().splitlines()
    assert exited.value.code == 1
    assert lines == ["error: trend_structure: unknown trend structure 'global trends' (did you mean 'global trend'?); choose one of "
                     + ", ".join(TREND_STRUCTURES)]
    assert not any(tmp_path.iterdir())
