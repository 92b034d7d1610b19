"""Loading prior files: shipped files, extends and overrides, settings, correlations, commands."""

import hashlib
import json
import math
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import numpy as np
import pytest
from montecarlo_helpers import PAPER_POINTS
from scipy import stats
from typer.testing import CliRunner

from mcvalue.cli import app
from mcvalue.errors import McValueError, PriorFileError
from mcvalue.priors.load import load_scenario, new_prior_file, shipped_path
from mcvalue.priors.show import show_table
from mcvalue.priors.spec import OPTIONAL_QUANTITIES, QUANTITIES
from mcvalue.vocab.paper import METHOD_KEYS, TABLE1_KEYS, THRESHOLD_KEY

Q = np.array([0.05, 0.5, 0.95])


def _write(path: Path, text: str) -> Path:
    path.write_text(text)
    return path


def test_default_describes_every_quantity_and_the_run():
    scenario = load_scenario()
    assert list(scenario.quantities) == [*QUANTITIES, *OPTIONAL_QUANTITIES]
    assert list(scenario.method_weights) == list(METHOD_KEYS)
    assert math.fsum(scenario.method_weights.values()) == pytest.approx(1.0, abs=1e-12)
    assert (scenario.run.seed, scenario.run.draws, scenario.run.cost_model) == (20220218, 200_000, "pymc")
    assert scenario.data.mode == "clean" and scenario.data.cleaning.exclude_bots
    assert scenario.correlations == {}
    assert scenario.sha256 == hashlib.sha256(shipped_path("default").read_bytes()).hexdigest()


def test_default_starting_points_from_the_issue():
    q = load_scenario().quantities
    np.testing.assert_allclose(q["cost.salary_usd"].ppf(Q[[0, 2]]), [150e3, 400e3], rtol=1e-9)
    # haircut: lognormal ci90 [0.03, 0.3] truncated at 1, so its q-quantile is the untruncated
    # quantile at q x Phi((ln 1 - mu) / sigma), with mu, sigma from the interval by hand
    mu, sigma = math.log(math.sqrt(0.03 * 0.3)), math.log(10) / (2 * 1.6448536269514722)
    kept = stats.norm.cdf(-mu / sigma)
    expected = [math.exp(mu + sigma * stats.norm.ppf(p * kept)) for p in (0.05, 0.95)]
    np.testing.assert_allclose(q["benefit.haircut"].ppf(Q[[0, 2]]), expected, rtol=1e-9)
    assert expected[1] == pytest.approx(0.3, rel=3e-3)
    np.testing.assert_allclose(q["benefit.attribution_share"].ppf(Q[[0, 2]]), [0.05, 0.2], atol=1e-9)


def test_every_default_quantity_has_a_comment_with_meaning_and_source():
    text = shipped_path("default").read_text()
    for name in QUANTITIES + OPTIONAL_QUANTITIES:
        block = text.split(f"[{name}]", 1)[1].split("\n[", 1)[0]
        assert "# Meaning:" in block and "# Sources:" in block and "# Why this shape:" in block, name
        assert "source = " in block, name


def test_paper_gives_the_papers_exact_values():
    scenario = load_scenario(shipped_path("paper"))
    values = {name: scenario.quantities[name].ppf(Q) for name in QUANTITIES}
    for name, value in PAPER_POINTS.items():
        assert np.all(values[name] == value), name
    benefit = values["benefit.ai_value_usd"] * values["benefit.haircut"] * values["benefit.attribution_share"] * values["benefit.mloss_share"]
    assert np.all(benefit == 30e9)
    assert scenario.method_weights == {**{k: 0.2 for k in TABLE1_KEYS}, THRESHOLD_KEY: 0.0}
    assert "cost.activity_threshold" not in scenario.quantities
    assert scenario.data.mode == "paper" and not scenario.data.cleaning.exclude_bots


def test_extends_default_overrides_only_what_it_names(tmp_path):
    mine = _write(
        tmp_path / "mine.toml",
        'extends = "default"\n[benefit.haircut]\ndist = "beta"\nci90 = [0.01, 0.1]\n[run]\ndraws = 1000\n',
    )
    scenario, default = load_scenario(mine), load_scenario()
    np.testing.assert_allclose(scenario.quantities["benefit.haircut"].ppf(Q[[0, 2]]), [0.01, 0.1], atol=1e-9)
    for name in QUANTITIES:
        if name != "benefit.haircut":
            np.testing.assert_array_equal(scenario.quantities[name].ppf(Q), default.quantities[name].ppf(Q))
    # [run] merges key by key: draws from the file, seed and cost model from the default
    assert (scenario.run.draws, scenario.run.seed, scenario.run.cost_model) == (1000, 20220218, "pymc")
    assert scenario.method_weights == default.method_weights


def test_quantity_tables_replace_whole(tmp_path):
    """Overriding a quantity must not inherit the base's keys: the default's ``upper = 1`` and ``ci90`` are gone, so this untruncated lognormal share is refused (and not a mix of ci90 with mu/sigma)."""
    mine = _write(tmp_path / "mine.toml", 'extends = "default"\n[benefit.haircut]\ndist = "lognormal"\nmu = -2.3\nsigma = 0.1\n')
    with pytest.raises(PriorFileError) as raised:
        load_scenario(mine)
    assert raised.value.problems == [
        f"{mine}: benefit.haircut: lognormal(mu=-2.3, sigma=0.1) has support [0, inf], outside [0, 1]: "
        "a share or fraction is a probability-like number in [0, 1]; choose a bounded family or add lower/upper truncation"
    ]


def test_extends_a_relative_path_through_a_chain(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path / "base.toml", 'extends = "paper"\n[benefit.haircut]\ndist = "point"\nvalue = 0.2\n[data]\nexclude_bots = true\n')
    child = _write(tmp_path / "sub" / "child.toml", 'extends = "../base.toml"\n[cost.salary_usd]\ndist = "point"\nvalue = 150000\n')
    scenario = load_scenario(child)
    assert scenario.quantities["benefit.haircut"].ppf(Q)[1] == 0.2
    assert scenario.quantities["cost.salary_usd"].ppf(Q)[1] == 150_000
    assert scenario.quantities["benefit.ai_value_usd"].ppf(Q)[1] == 3e12
    # paper mode from paper.toml, with one cleaning option switched on by base.toml
    assert scenario.data.mode == "paper"
    assert scenario.data.cleaning.exclude_bots and not scenario.data.cleaning.merge_duplicate_repos
    # the hash is of the file named, not of a base it extends
    assert scenario.sha256 == hashlib.sha256(child.read_bytes()).hexdigest()


def test_resolved_toml_reloads_to_the_same_scenario(tmp_path):
    mine = _write(
        tmp_path / "mine.toml",
        'extends = "default"\n[[correlations]]\nbetween = ["cost.salary_usd", "cost.fte_fraction_contributor"]\nrho = -0.3\n',
    )
    scenario = load_scenario(mine)
    resolved = tomllib.loads(scenario.resolved_toml)
    assert "extends" not in resolved
    again = load_scenario(_write(tmp_path / "resolved.toml", scenario.resolved_toml))
    for name in QUANTITIES:
        np.testing.assert_array_equal(again.quantities[name].ppf(Q), scenario.quantities[name].ppf(Q))
    assert (again.correlations, again.method_weights, again.data, again.run) == (
        scenario.correlations,
        scenario.method_weights,
        scenario.data,
        scenario.run,
    )


def test_correlations_merge_by_pair(tmp_path):
    _write(
        tmp_path / "base.toml",
        'extends = "default"\n'
        '[[correlations]]\nbetween = ["cost.salary_usd", "cost.fte_fraction_contributor"]\nrho = 0.3\n'
        '[[correlations]]\nbetween = ["benefit.haircut", "benefit.attribution_share"]\nrho = 0.2\n',
    )
    child = _write(
        tmp_path / "child.toml",
        'extends = "base.toml"\n[[correlations]]\nbetween = ["cost.fte_fraction_contributor", "cost.salary_usd"]\nrho = -0.5\n',
    )
    assert load_scenario(child).correlations == {
        ("benefit.haircut", "benefit.attribution_share"): 0.2,
        ("cost.fte_fraction_contributor", "cost.salary_usd"): -0.5,
    }


def test_a_consistent_correlation_matrix_is_accepted(tmp_path):
    # all three pairs at 0.5: eigenvalues 2, 0.5, 0.5, positive definite
    pairs = [("benefit.haircut", "benefit.attribution_share"), ("benefit.haircut", "benefit.mloss_share"), ("benefit.attribution_share", "benefit.mloss_share")]
    text = 'extends = "default"\n' + "".join(f'[[correlations]]\nbetween = ["{a}", "{b}"]\nrho = 0.5\n' for a, b in pairs)
    assert load_scenario(_write(tmp_path / "ok.toml", text)).correlations == {p: 0.5 for p in pairs}


@pytest.mark.parametrize(
    ("rhos", "culprit"),
    [
        # -0.5 three ways: smallest eigenvalue 1 - 2 x 0.5 = 0, singular
        ((-0.5, -0.5, -0.5), 2),
        # 0.7 and 0.7 make the third pair's rho at least 2 x 0.49 - 1 = -0.02: -0.1 is impossible
        ((0.7, 0.7, -0.1), 2),
        # 0.9 and 0.9 with the unlisted third pair at 0: already impossible at the second pair
        ((0.9, 0.9), 1),
        # -0.499 three ways: the rank matrix is positive definite (smallest eigenvalue 0.002)
        # but the normal scores' Pearson matrix, 2 sin(pi r / 6) = -0.517, is not (1 - 1.034 < 0)
        ((-0.499, -0.499, -0.499), 2),
    ],
)
def test_an_impossible_correlation_matrix_names_the_pair(tmp_path, rhos, culprit):
    pairs = [("benefit.haircut", "benefit.attribution_share"), ("benefit.haircut", "benefit.mloss_share"), ("benefit.attribution_share", "benefit.mloss_share")]
    text = 'extends = "default"\n' + "".join(f'[[correlations]]\nbetween = ["{a}", "{b}"]\nrho = {r}\n' for (a, b), r in zip(pairs, rhos, strict=False))
    with pytest.raises(PriorFileError) as raised:
        load_scenario(_write(tmp_path / "bad.toml", text))
    a, b = pairs[culprit]
    assert raised.value.problems == [
        f"{tmp_path / 'bad.toml'}: correlations: the correlation matrix is not positive definite once ({a}, {b}) "
        f"rho = {rhos[culprit]:g} is added to the pairs before it (pairs not listed count as 0); weaken or remove that pair"
    ]


def test_show_table_rows_against_the_interval_definition():
    rows = {row["quantity"]: row for row in show_table(load_scenario())}
    salary = rows["cost.salary_usd"]
    assert (salary["p5"], salary["p95"]) == pytest.approx((150e3, 400e3), rel=1e-9)
    # lognormal by hand: mu = ln sqrt(150e3 x 400e3), sigma = ln(400/150) / (2 x 1.644854)
    mu, sigma = math.log(math.sqrt(150e3 * 400e3)), math.log(400 / 150) / (2 * 1.6448536269514722)
    assert salary["median"] == pytest.approx(math.exp(mu), rel=1e-9)
    assert salary["mean"] == pytest.approx(math.exp(mu + sigma**2 / 2), rel=1e-9)
    assert salary["distribution"] == "lognormal(ci90=[150K, 400K])"
    assert "levels.fyi" in salary["source"]


def test_new_prior_file_extends_default_and_refuses_to_overwrite(tmp_path):
    path = new_prior_file(tmp_path / "mine.toml")
    text = path.read_text()
    assert 'extends = "default"' in text
    scenario, default = load_scenario(path), load_scenario()
    for name in QUANTITIES:
        np.testing.assert_array_equal(scenario.quantities[name].ppf(Q), default.quantities[name].ppf(Q))
    path.write_text(text + "# edited\n")
    with pytest.raises(McValueError, match="already exists"):
        new_prior_file(path)
    assert path.read_text().endswith("# edited\n")


def test_new_template_examples_are_valid_when_uncommented(tmp_path):
    """Uncommenting every example table of the template gives a valid file."""
    text = new_prior_file(tmp_path / "t.toml").read_text()
    head, examples = text.split('extends = "default"\n', 1)
    example = re.compile(r"^# (\[.*\]|[a-z_0-9]+ = .*)$")
    lines = [line[2:] if example.match(line) else line for line in examples.splitlines()]
    lines.insert(0, 'extends = "default"')
    uncommented = _write(tmp_path / "u.toml", "\n".join(lines))
    scenario = load_scenario(uncommented)
    assert scenario.correlations == {("cost.salary_usd", "cost.fte_fraction_contributor"): -0.3}


def test_cli_show_json_and_check():
    runner = CliRunner()
    shown = runner.invoke(app, ["priors", "show", str(shipped_path("paper")), "--json"])
    assert shown.exit_code == 0
    record = json.loads(shown.stdout)
    assert [row["quantity"] for row in record["quantities"]] == list(QUANTITIES)
    assert record["quantities"][4]["median"] == 3e12 and record["data"]["mode"] == "paper"
    checked = runner.invoke(app, ["priors", "check", str(shipped_path("default"))])
    assert checked.exit_code == 0 and checked.stdout.startswith("ok  ")
    table = runner.invoke(app, ["priors", "show"])
    assert table.exit_code == 0 and "cost.salary_usd" in table.stdout and "$245K" in table.stdout and "e+0" not in table.stdout


def test_cli_new_writes_a_file(tmp_path):
    result = CliRunner().invoke(app, ["priors", "new", str(tmp_path / "n.toml")])
    assert result.exit_code == 0 and (tmp_path / "n.toml").is_file()
    # every override is commented out, so the new file resolves to the default priors
    written, default = load_scenario(tmp_path / "n.toml"), load_scenario()
    for name in QUANTITIES:
        np.testing.assert_array_equal(written.quantities[name].ppf(Q), default.quantities[name].ppf(Q))
    assert written.method_weights == default.method_weights and written.run == default.run


def test_genai2023_raises_the_2018_range_by_15_to_40_percent():
    scenario, default = load_scenario(shipped_path("genai2023")), load_scenario()
    value = scenario.quantities["benefit.ai_value_usd"]
    np.testing.assert_allclose(value.ppf(Q[[0, 2]]), [3.5e12 * 1.15, 5.8e12 * 1.40], rtol=0.01)
    for name in QUANTITIES:
        if name != "benefit.ai_value_usd":
            np.testing.assert_array_equal(scenario.quantities[name].ppf(Q), default.quantities[name].ppf(Q))


def test_priors_show_and_help_do_not_import_pandas_or_the_fitting_stack():
    """`mcvalue priors show` / `--help` must stay fast: pandas, pymc, arviz, matplotlib stay unloaded."""
    code = (
        "import sys\n"
        "from typer.testing import CliRunner\n"
        "from mcvalue.cli import app\n"
        "runner = CliRunner()\n"
        "assert runner.invoke(app, ['--help']).exit_code == 0\n"
        "assert runner.invoke(app, ['priors', 'show']).exit_code == 0\n"
        "print(sorted(m for m in ('pandas', 'pymc', 'arviz', 'matplotlib') if m in sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "[]"


def test_resolved_priors_do_not_depend_on_where_the_files_live(tmp_path):
    """summary.json hashes the resolved priors: moving a checkout or a user's file must not change them, so they name files, never directories."""
    text = 'extends = "default"\n\n[benefit.haircut]\ndist = "point"\nvalue = 0.1\n'
    first, second = tmp_path / "a" / "mine.toml", tmp_path / "b" / "c" / "mine.toml"
    for path in (first, second):
        path.parent.mkdir(parents=True)
        path.write_text(text)
    resolved = load_scenario(first).resolved_toml
    assert resolved == load_scenario(second).resolved_toml
    assert str(tmp_path) not in resolved
    assert resolved.startswith("# resolved from default.toml\n# resolved from mine.toml\n")


def test_defaults_pass_the_checks_a_prior_file_value_must_pass():
    from mcvalue.priors.settings import DEFAULT_MODE, RunSettings, defaults_problem

    assert DEFAULT_MODE == "clean" and defaults_problem() is None
    assert defaults_problem(mode="tidy") == "DEFAULT_MODE: 'tidy' is not one of ('paper', 'corrected', 'clean')"
    assert defaults_problem(RunSettings(target_year=1999)) == "DEFAULT_TARGET_YEAR: expected a year from 2005 to 2030 or 'average', got 1999"
    assert defaults_problem(RunSettings(stock_start=2025)).startswith("DEFAULT_STOCK_START: [cost] stock_start = 2025 is after")


def test_the_template_holds_every_default_table_as_shipped(tmp_path):
    """Uncommenting every table of the template but the correlation example gives exactly the default.

    So no default table is missing from the template (a missing one cannot be uncommented)
    and none has gone stale (a value, label or source that differs shows as a difference).
    """
    import tomllib

    from mcvalue.runs.comparison import differences, flatten

    text = new_prior_file(tmp_path / "t.toml").read_text()
    head, examples = text.split('extends = "default"\n', 1)
    examples = examples.split("# [[correlations]]", 1)[0]
    example = re.compile(r"^# (\[.*\]|[a-z_0-9]+ = .*)$")
    uncommented = "\n".join(['extends = "default"', *(line[2:] if example.match(line) else line for line in examples.splitlines())])
    document = tomllib.loads(uncommented)
    shipped = tomllib.loads(shipped_path("default").read_text())
    for section in ("cost", "benefit"):
        tables = {key for key, value in shipped[section].items() if isinstance(value, dict)}
        assert tables <= set(document[section]), tables - set(document[section])
    mine, default = load_scenario(_write(tmp_path / "u.toml", uncommented)), load_scenario("default")
    assert differences([flatten(tomllib.loads(s.resolved_toml)) for s in (default, mine)]) == []
