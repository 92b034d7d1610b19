"""The public Python API: what a notebook imports, the README's example, and fast commands."""

import ast
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import mcvalue

ROOT = Path(__file__).resolve().parents[1]
HEAVY = ("scipy.optimize", "scipy.stats", "pandas", "pymc", "arviz", "matplotlib")


def test_every_public_name_resolves_and_is_documented_with_an_example():
    for name in mcvalue.__all__:
        value = getattr(mcvalue, name)
        if name == "__version__" or isinstance(value, type) and issubclass(value, Exception):
            continue
        doc = value.__doc__ or ""
        assert doc.strip(), f"mcvalue.{name} has no docstring"
        if callable(value) and name not in ("text",):
            assert "Examples" in doc or "Returns" in doc or "Parameters" in doc, f"mcvalue.{name}: no numpydoc sections"
    assert sorted(dir(mcvalue)) == sorted(mcvalue.__all__)
    with pytest.raises(AttributeError):
        mcvalue.no_such_name  # noqa: B018


def test_draws_table_has_one_row_per_draw_and_its_median_is_the_summary_median():
    scenario = mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=4001, mode="clean")
    result = mcvalue.run(scenario)
    draws = result.draws()
    assert len(draws) == 4001
    for column in ("method", "fte", "cost_usd", "benefit_usd", "bcr", *scenario.quantities):
        assert column in draws.columns, column
    # The cost is salary x FTE x coverage x fraction of the drawn method: recompute by hand.
    fraction = np.where(draws["method"] == "contributors_pytorch", draws["cost.fte_fraction_contributor"], draws["cost.fte_fraction_reference"])
    expected_cost = draws["cost.salary_usd"] * draws["fte"] * draws["cost.coverage"] * fraction
    np.testing.assert_allclose(draws["cost_usd"], expected_cost, rtol=1e-12)
    np.testing.assert_allclose(draws["bcr"], draws["benefit_usd"] / draws["cost_usd"], rtol=1e-12)
    # An odd draw count makes the median one draw exactly (summary.json rounds to 6 figures).
    assert float(draws["bcr"].median()) == pytest.approx(result.summary()["bcr"]["median"], rel=5e-6)
    assert result.posterior is None  # the published Table 1 cost side has no posterior


def test_summary_is_exactly_what_summary_json_holds(tmp_path):
    result = mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=1000))
    path = mcvalue.write_report(result, tmp_path / "run")
    assert json.loads((path / "summary.json").read_text()) == result.summary()
    versions = result.summary()["provenance"]["libraries"]
    assert set(versions) == {"python", "numpy", "scipy", "pandas", "pymc", "pytensor", "nutpie", "numba", "arviz"}
    assert versions["numpy"] == np.__version__


def test_plot_functions_take_a_result_and_an_axes_and_return_it():
    from matplotlib.figure import Figure

    result = mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=500))
    for plot in (mcvalue.plot_bcr, mcvalue.plot_cost_by_method, mcvalue.plot_benefit_chain, mcvalue.plot_tornado, mcvalue.plot_exceedance, mcvalue.plot_sobol, mcvalue.plot_evppi):
        ax = Figure().add_subplot()
        assert plot(result, ax=ax) is ax
    with pytest.raises(ValueError, match="no posterior predictive check"):
        mcvalue.plot_ppc(result, "commits")


def _readme_python_example() -> str:
    """Return the code block under the README's "Python API" heading."""
    text = (ROOT / "README.md").read_text()
    section = text.split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README's Python API section has no python code block"
    return match.group(1)


@pytest.mark.realdata
@pytest.mark.slow
def test_readme_python_api_example_runs(real_data_dir, tmp_path, monkeypatch):
    code = _readme_python_example()
    ast.parse(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCVALUE_DATA_DIR", str(real_data_dir))
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # noqa: S102 - the README's own example
    assert (tmp_path / "results").is_dir()


@pytest.mark.parametrize(
    "command",
    [["--help"], ["priors", "show"], ["priors", "show", "--json"], ["priors", "check", str(ROOT / "priors" / "default.toml")], ["priors", "new", "mine.toml"]],
)
def test_fast_commands_import_no_heavy_library(command, tmp_path):
    script = (
        "import sys, json\n"
        "from mcvalue.cli import app\n"
        f"status = app({command!r}, standalone_mode=False)\n"
        f"print(json.dumps([m for m in {HEAVY!r} if m in sys.modules]), file=sys.stderr)\n"
    )
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stderr.strip().splitlines()[-1]) == []


def test_a_rerun_and_its_report_import_neither_scipy_stats_nor_pandas(tmp_path):
    # A re-run after a prior edit reads the Sobol design from the cache (a first run makes it
    # with scipy.stats) and the figures read plain columns: ~1 s of imports a re-run does
    # not pay (docs/speed.md).
    script = (
        "import sys, json\n"
        "import mcvalue\n"
        "scenario = mcvalue.load_scenario('default').with_settings(cost_model='table1', draws=4000)\n"
        "mcvalue.write_report(mcvalue.run(scenario), mcvalue.report_directory('results'))\n"
        "print(json.dumps([m for m in ('scipy.stats', 'pandas') if m in sys.modules]), file=sys.stderr)\n"
    )
    env = {**os.environ, "MPLBACKEND": "Agg", "MCVALUE_CACHE_DIR": str(tmp_path / "cache")}
    imported = []
    for _ in range(2):
        proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
        assert proc.returncode == 0, proc.stderr
        imported.append(json.loads(proc.stderr.strip().splitlines()[-1]))
    assert imported == [["scipy.stats"], []]


def test_starting_python_in_the_clones_parent_imports_the_real_package(tmp_path):
    # A clone named like the package, Python started beside it: the data folder priors/ is
    # no package, so it cannot shadow mcvalue.priors.
    assert not (ROOT / "priors" / "__init__.py").exists()
    proc = subprocess.run(
        [sys.executable, "-c", "import mcvalue.priors.spec as s; print(s.__file__)"],
        capture_output=True, text=True, timeout=60, cwd=ROOT.parent,
    )
    assert proc.returncode == 0, proc.stderr
    assert Path(proc.stdout.strip()).resolve() == (ROOT / "mcvalue" / "priors" / "spec.py").resolve()


def test_the_cli_imports_only_the_public_api():
    for path in (ROOT / "mcvalue" / "cli").glob("*.py"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("mcvalue"):
                assert node.module in ("mcvalue", "mcvalue.cli", "mcvalue.cli.options") or node.module.startswith("mcvalue.cli"), (
                    f"{path.name} imports {node.module}"
                )
            if isinstance(node, ast.Import):
                for alias in node.names:
                    assert not alias.name.startswith("mcvalue.") or alias.name.startswith("mcvalue.cli"), f"{path.name} imports {alias.name}"


def test_type_checkers_see_every_public_name_from_the_module_that_defines_it():
    import ast

    tree = ast.parse((ROOT / "mcvalue" / "__init__.py").read_text())
    block = next(node for node in tree.body if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING")
    seen = {alias.asname: f"{node.module}.{alias.name}" if f"{node.module}.{alias.name}" == mcvalue._EXPORTS[alias.asname] else node.module
            for node in block.body for alias in node.names}
    assert seen == mcvalue._EXPORTS
