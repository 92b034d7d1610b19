"""Every example in mcvalue's docstrings runs and prints what it says (doctest).

Examples that need a real fit or the paper's data are marked ``# doctest: +SKIP`` where
they stand; everything else runs here, in the default tier, in an empty working
directory with the suite's isolated cache.
"""

import doctest
import importlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "mcvalue"
MODULES = sorted(
    ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
    if path.name != "__main__.py" and "_priors" not in path.parts
)


def test_the_walk_finds_the_package_and_a_failing_example_fails():
    assert "mcvalue.priors.families.quantiles" in MODULES and "mcvalue" in MODULES
    wrong = doctest.DocTestParser().get_doctest(">>> 1 + 1\n3\n", {}, "wrong", None, 0)
    runner = doctest.DocTestRunner()
    runner.run(wrong, out=lambda text: None)
    assert runner.summarize(verbose=False).failed == 1


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    module = importlib.import_module(name)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    for test in doctest.DocTestFinder().find(module):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see the captured output)"
