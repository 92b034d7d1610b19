"""References are a choice (issue 25 point 1): the sample's own, the paper's scrape, or a separately collected sample.

Two collected samples, built here from hand-made repositories, every count by hand:

=====================  ======================  ======================  ======================
sample                 repository              window                  commits (author, lines)
=====================  ======================  ======================  ======================
``refs``               pytorch/pytorch         2021-03-01..2021-03-15  ann +4, ann +6, ben +2
``refs``               tensorflow/tensorflow   2021-03-01..2021-03-15  cy +8
``tiny``               acme/tiny               2021-03-01..2021-03-15  ann +7, ben +3
``tiny``               acme/tiny               2021-05-01..2021-05-15  ann +5
=====================  ======================  ======================  ======================

Reference means per contributor-period (from ``refs``): pytorch 3/2 commits and 12/2 lines,
tensorflow 1 commit and 8 lines. ``tiny``'s units per period (its mean over two windows):
contributors (2 + 1)/2 = 1.5, commits (2 + 1)/2 = 1.5, lines (10 + 5)/2 = 7.5. So with
``references = refs`` the FTE are commits/pytorch 1.5/1.5 = 1, contributors 1.5,
lines/tensorflow 7.5/8, lines/pytorch 7.5/6 = 1.25, commits/tensorflow 1.5/1 = 1.5: the
reference repositories price ``tiny``'s units and add none of their own.
"""

from datetime import date
from pathlib import Path

import numpy as np
import pytest
from collect_helpers import ISOLATED_GIT, build_repo, drawn_from

import mcvalue
from mcvalue.costmodels import cost_side
from mcvalue.costmodels.bootstrap import fte_from_indices, identity_indices, period_arrays
from mcvalue.costmodels.references import REFERENCE_TOOL, ReferenceSource, attach_references, load_references
from mcvalue.data import load_sample
from mcvalue.data.collect import collect
from mcvalue.data.repos import repo_spec
from mcvalue.data.windows import Design, Window
from mcvalue.vocab.paper import TABLE1_KEYS

ANN = ("Ann", "1+ann@users.noreply.github.com")
BEN = ("Ben", "ben@example.com")
CY = ("Cy", "cy@example.com")
MARCH = Window(date(2021, 3, 1), date(2021, 3, 15))
MAY = Window(date(2021, 5, 1), date(2021, 5, 15))
#: The module docstring's FTE of ``tiny`` priced by ``refs``, in TABLE1_KEYS order.
HAND_FTE = {"commits_pytorch": 1.0, "contributors_pytorch": 1.5, "lines_tensorflow": 7.5 / 8, "lines_pytorch": 1.25, "commits_tensorflow": 1.5}


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> dict[str, Path]:
    """Collect ``refs`` and ``tiny`` of the module docstring."""
    root = tmp_path_factory.mktemp("refs")
    clones = root / "clones"
    build_repo(clones / "pytorch" / "pytorch", [("2021-03-02", ANN, 4), ("2021-03-04", ANN, 6), ("2021-03-09", BEN, 2)])
    build_repo(clones / "tensorflow" / "tensorflow", [("2021-02-01", CY, 50), ("2021-03-15", CY, 8)])
    build_repo(clones / "acme" / "tiny", [("2021-03-01", ANN, 7), ("2021-03-03", BEN, 3), ("2021-05-10", ANN, 5), ("2021-06-01", ANN, 40)])
    refs = {"pytorch/pytorch": (MARCH,), "tensorflow/tensorflow": (MARCH,)}
    collect([repo_spec(name) for name in refs], clones, root / "refs", Design("windows", windows=refs))
    collect([repo_spec("acme/tiny")], clones, root / "tiny", Design("windows", windows={"acme/tiny": (MARCH, MAY)}))
    return {"refs": root / "refs", "tiny": root / "tiny"}


def _identity_fte(sample) -> np.ndarray:
    """Return the bootstrap's identity replicate: the sample's own five Table 1 FTE."""
    arrays = period_arrays(sample)
    return fte_from_indices(arrays, *identity_indices(arrays))[0, : len(TABLE1_KEYS)]


def test_the_setting_parses_into_a_source():
    assert ReferenceSource.parse("sample").kind == "sample"
    assert ReferenceSource.parse("paper").kind == "paper"
    assert ReferenceSource.parse("refs/torch") == ReferenceSource("collected", Path("refs/torch"))


def test_separately_collected_references_price_the_sample_by_hand(samples):
    """``tiny`` priced by ``refs``: the hand FTE of the module docstring, in the bootstrap, Table 1 and the pymc statistic."""
    tiny = load_sample("clean", sample=samples["tiny"])
    priced, record = load_references(str(samples["refs"]), tiny, "clean", None, None, collected=True)
    assert record["source"] == "collected" and record["contributor_periods"] == {"pytorch": 2, "tensorflow": 1}
    assert "collected separately" in record["measured"]
    assert set(priced.periods.loc[priced.periods["tool"] == REFERENCE_TOOL, "repo"]) == {"pytorch/pytorch", "tensorflow/tensorflow"}
    np.testing.assert_allclose(_identity_fte(priced), [HAND_FTE[k] for k in TABLE1_KEYS], rtol=1e-12)
    from mcvalue.costmodels.pymc.model_data import model_data_from_sample
    from mcvalue.costmodels.pymc.ppc import table1_statistic
    from mcvalue.costmodels.table1 import method_fte

    assert method_fte(priced) == pytest.approx(HAND_FTE, rel=1e-12)
    data = model_data_from_sample(priced)
    assert data.reference_only.sum() == 2
    got = table1_statistic(data, data.period_contributors, data.contrib_period, data.contrib_commits, data.contrib_lines)
    np.testing.assert_allclose(got, [HAND_FTE[k] for k in TABLE1_KEYS], rtol=1e-12)


def test_a_reference_also_in_the_sample_stays_in_its_sums(samples):
    """References attached to a sample that holds the same repository: its own windows are summed, the attached ones price.

    ``refs`` priced by itself through a separate copy: units per period contributors 2 + 1 = 3,
    commits 3 + 1 = 4, lines 12 + 8 = 20; FTE commits/pytorch 4/1.5, lines/tensorflow 20/8.
    """
    refs = load_sample("clean", sample=samples["refs"])
    fte = _identity_fte(attach_references(refs, refs))
    np.testing.assert_allclose(fte, [4 / 1.5, 3.0, 20 / 8, 20 / 6, 4.0], rtol=1e-12)


def test_a_sample_without_references_prices_what_it_can_and_names_the_rest(samples):
    """``tiny`` with its own references (none): contributors and the threshold run, the four unit methods are named once."""
    scenario = mcvalue.load_scenario("default").with_settings(
        draws=400, cost_model="bootstrap", sample=samples["tiny"], population=drawn_from(samples["tiny"])
    )
    result = mcvalue.run(scenario)
    fte = result.cost.fte
    assert np.isnan(fte[:, [0, 2, 3, 4]]).all() and np.isfinite(fte[:, 1]).all()
    # Each replicate's contributors FTE is the mean over resampled windows of 2 and 1 contributors.
    assert set(np.unique(fte[:, 1])) <= {1.0, 1.5, 2.0}
    lines = [w for w in result.warnings if "cannot price" in w]
    assert len(lines) == 1
    for key in ("commits_pytorch", "lines_tensorflow", "lines_pytorch", "commits_tensorflow"):
        assert key in lines[0]
    assert "[cost] references = 'sample'" in lines[0]
    weights = result.scenario.method_weights
    assert weights["commits_pytorch"] == 0 and weights["contributors_pytorch"] + weights["activity_threshold"] == pytest.approx(1.0)
    assert result.summary()["data"]["references"]["contributor_periods"] == {"pytorch": 0, "tensorflow": 0}


def test_references_on_the_command_line_reach_the_cost_side_and_its_cache_key(samples):
    """``references`` names the refs directory: every method priced (identity = hand FTE); the cache keys on the references."""
    base = mcvalue.load_scenario("default").with_settings(draws=400, cost_model="bootstrap", sample=samples["tiny"])
    scenario = base.with_settings(references=samples["refs"])
    assert scenario.run.references == str(samples["refs"]) and f"references = \"{samples['refs']}\"" in scenario.resolved_toml
    cost, _ = cost_side(scenario)
    assert np.isfinite(cost.fte[:, :5]).all()
    assert cost.data["references"]["source"] == "collected"
    # The bootstrap's references are resampled on their own: commits/tensorflow's reference has one
    # contributor-period (1 commit), so its FTE is tiny's resampled commits per period: 1, 1.5 or 2.
    assert set(np.unique(cost.fte[:, 4])) <= {1.0, 1.5, 2.0}
    log: list[str] = []
    cost_side(base, log=log.append)
    assert not any("using the cached" in line for line in log)


def test_a_references_directory_without_reference_repos_is_refused_in_one_line(samples):
    scenario = mcvalue.load_scenario("default").with_settings(draws=100, cost_model="bootstrap", sample=samples["tiny"], references=samples["tiny"])
    with pytest.raises(mcvalue.DataError, match=r"^\[cost\] references = .*: the collected sample holds neither pytorch/pytorch nor tensorflow/tensorflow"):
        cost_side(scenario)


def test_table1_with_a_sample_is_refused(samples):
    """``--cost-model table1 --sample``: Table 1 cannot price a collected sample; refused, never silently ignored."""
    scenario = mcvalue.load_scenario("default").with_settings(
        draws=100, cost_model="table1", sample=samples["tiny"], population=drawn_from(samples["tiny"])
    )
    with pytest.raises(mcvalue.DataError, match="--cost-model table1 is the paper's published Table 1 and cannot price the collected sample"):
        mcvalue.run(scenario)


def test_a_prior_file_states_the_references(tmp_path):
    """``[cost] references`` in a prior file becomes the run setting; an empty one is refused naming the key."""
    good = tmp_path / "good.toml"
    good.write_text('extends = "default"\n[cost]\nreferences = "paper"\n')
    assert mcvalue.load_scenario(str(good)).run.references == "paper"
    bad = tmp_path / "bad.toml"
    bad.write_text('extends = "default"\n[cost]\nreferences = " "\n')
    with pytest.raises(mcvalue.PriorFileError, match="references"):
        mcvalue.load_scenario(str(bad))


# --- the population coverage is about (issue 25 point 2) -----------------------------------------------


def test_a_sample_records_the_population_it_was_drawn_from(samples, tmp_path):
    """The manifest holds the list's name, its size and the sha256 of its sorted lower-case repositories, one per line."""
    import hashlib
    import json

    from mcvalue.data.manifest import Manifest, population_record

    record = json.loads((samples["refs"] / "manifest.json").read_text())["population"]
    digest = hashlib.sha256(b"pytorch/pytorch\ntensorflow/tensorflow").hexdigest()
    assert record == {"name": f"list-{digest[:12]}", "size": 2, "repositories_sha256": digest}
    clones = samples["tiny"].parent / "clones"
    named = collect([repo_spec("acme/tiny")], clones, tmp_path / "named", Design("windows", windows={"acme/tiny": (MARCH,)}), population="tools-2025")
    assert named.population["name"] == "tools-2025" and named.population["size"] == 1
    assert Manifest.read(tmp_path / "named" / "manifest.json").drawn_from() == named.population
    # A manifest written before samples recorded their population: its own repository list's.
    old = Manifest.read(samples["tiny"] / "manifest.json")
    from dataclasses import replace

    assert replace(old, population=None).drawn_from() == population_record(["acme/tiny"])


def test_a_sample_from_another_population_is_refused_naming_cost_coverage(samples):
    """The default prior's coverage is about paper-139; a 1-repository list is another population: refused before any work."""
    scenario = mcvalue.load_scenario("default").with_settings(draws=100, cost_model="bootstrap", sample=samples["tiny"])
    name, _ = drawn_from(samples["tiny"])
    with pytest.raises(mcvalue.McValueError, match=rf"^cost\.coverage: the coverage prior is about population 'paper-139' \(139 tools\), but the sample .* was drawn from '{name}' \(1 tools\)"):
        mcvalue.run(scenario)
    # The paper's own sample with a prior about another population: refused the same way.
    mine = mcvalue.load_scenario("default").with_settings(draws=100, cost_model="table1", population=("mine", 12))
    with pytest.raises(mcvalue.McValueError, match=r"^cost\.coverage: .*'mine' \(12 tools\), but the paper's sample was drawn from 'paper-139'"):
        mcvalue.run(mine)


def test_a_stated_population_runs_and_the_report_says_what_the_bcr_is_about(samples, tmp_path, monkeypatch, capsys):
    """A prior file stating the sample's population and a coverage for it: the run goes, summary.json and report.md name it."""
    import json
    import sys

    import mcvalue.cli as cli

    name, size = drawn_from(samples["tiny"])
    priors = tmp_path / "tiny.toml"
    priors.write_text(
        f'extends = "default"\n[cost]\npopulation = "{name}"\npopulation_size = {size}\n'
        '[cost.coverage]\ndist = "point"\nvalue = 1000\nsource = "test: all MLOSS costs 1000 times this one repository"\n'
    )
    argv = ["mcvalue", "run", "--priors", str(priors), "--sample", str(samples["tiny"]), "--references", str(samples["refs"]),
            "--cost-model", "bootstrap", "--draws", "400", "--quiet", "--results-dir", str(tmp_path / "results"), "--name", "tiny"]
    monkeypatch.setattr(sys, "argv", argv)
    with pytest.raises(SystemExit) as stop:
        cli.main()
    assert stop.value.code == 0, capsys.readouterr().err
    run = tmp_path / "results" / "tiny"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["population"] == {"name": name, "size": 1}
    assert summary["data"]["references"]["contributor_periods"] == {"pytorch": 2, "tensorflow": 1}
    report = (run / "report.md").read_text()
    assert f"The BCR is about the population `{name}` (1 tools)" in report
    assert "collected separately with mcvalue data collect" in report
    # Without the statement: one line naming cost.coverage and exit code 1.
    monkeypatch.setattr(sys, "argv", [a if a != str(priors) else "default" for a in argv[:-2]] + ["--name", "again"])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    err = capsys.readouterr().err.strip().splitlines()
    assert stop.value.code == 1 and len(err) == 1 and err[0].startswith("error: cost.coverage: ")


@pytest.mark.realdata
def test_the_paper_references_price_a_collected_sample(samples):
    """``references = paper``: the scrape's clean pytorch windows price tiny's 1.5 commits per period.

    The expected FTE is computed here from the scrape's own rows: tiny's commits per period
    over the mean commits of pytorch/pytorch's non-sync contributor-periods in clean mode.
    """
    clean = load_sample("clean")
    people = clean.contributions[(clean.contributions["repo"] == "pytorch/pytorch") & ~clean.contributions["sync"]]
    tiny = load_sample("clean", sample=samples["tiny"])
    priced, record = load_references("paper", tiny, "clean", None, None, collected=True)
    assert record["source"] == "paper" and record["contributor_periods"]["pytorch"] == len(people)
    assert "top 100 contributors of all time" in record["measured"]
    fte = _identity_fte(priced)
    assert fte[0] == pytest.approx(1.5 / people["commits"].mean(), rel=1e-12)
    assert fte[1] == pytest.approx(1.5, rel=1e-12)


def _params(log_mu: list[float], log_extra: list[float], lam: list[float]) -> dict[str, np.ndarray]:
    """One draw of per-repo parameters with no trend, no window effect, no zero lines and lines sd 0 (closed forms)."""
    r = len(log_mu)
    row = lambda values: np.array([values], dtype=float)  # noqa: E731
    zeros = np.zeros((1, r))
    return {
        "contrib_log_mean": row(log_mu), "contrib_slope": zeros, "commit_log_mean": row(log_extra), "commit_slope": zeros,
        "lam": row(lam), "line_slope": zeros, "s": zeros, "commit_window_sd": np.zeros(1), "line_window_sd": np.zeros(1),
        "line_zero_prob": np.zeros(1), "commit_alpha": np.full(1, 2.0), "contrib_alpha": np.full(1, 2.0),
    }


def test_the_bayesian_fte_divides_by_a_reference_only_unit_and_leaves_it_out_of_the_sums():
    """Closed form: other/repo has mu 2 contributors, 1 + 1 = 2 commits and 10 lines each; reference-only pytorch mu 3, 1 + 3 commits, 5 lines.

    FTE contributors 2 (pytorch's 3 not summed), commits/pytorch 2 x 2 / 4 = 1, lines/pytorch
    2 x 10 / 5 = 4; the tensorflow methods have no reference (NaN). The threshold curve is
    other/repo's alone: the same as for a model of other/repo without the reference unit.
    """
    from mcvalue.costmodels.pymc.derived import fte_from_params
    from mcvalue.costmodels.pymc.model_data import ModelData

    names = ("other/repo", "pytorch/pytorch")
    data = ModelData(names, names, np.array([0, 1]), np.array([2, 3]), np.full(2, 2020.5), np.array([0, 1]),
                         np.array([1, 1]), np.array([1.0, 1.0]), np.zeros(2), np.zeros(2), np.array([False, True]))
    params = _params([np.log(2), np.log(3)], [0.0, np.log(3)], [np.log(10), np.log(5)])
    fte = fte_from_params(params, data, 2021)[0]
    np.testing.assert_allclose(fte[:5], [1.0, 2.0, np.nan, 4.0, np.nan], rtol=1e-12)
    alone = ModelData(names[:1], names[:1], np.array([0]), np.array([2]), np.full(1, 2020.5), np.array([0]),
                          np.array([1]), np.array([1.0]), np.zeros(1), np.zeros(1))
    single = {k: (v[:, :1] if v.ndim == 2 else v) for k, v in params.items()}
    np.testing.assert_allclose(fte[5:], fte_from_params(single, alone, 2021)[0, 5:], rtol=1e-12)
