"""The documentation: generated pages hold what the code and the prior files say, links resolve, examples run.

The site itself is built by ``.ci/run`` (``mkdocs build --strict``); these tests check the
generators of ``docs/hooks/`` without building it.
"""

import ast
import importlib
import importlib.util
import logging
import re
import tomllib
from pathlib import Path

import pytest

import mcvalue

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _hook(name: str):
    spec = importlib.util.spec_from_file_location(name, DOCS / "hooks" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pages = _hook("mcvalue_pages")


def _table_rows(markdown: str) -> dict[str, list[str]]:
    """First cell (without backticks) -> the row's cells, for every table row of ``markdown``."""
    rows = {}
    for line in markdown.splitlines():
        if line.startswith("| `"):
            cells = [cell.strip() for cell in re.split(r"(?<!\\)\|", line)[1:-1]]
            rows[cells[0].strip("`")] = [cell.replace("\\|", "|") for cell in cells]
    return rows


def test_the_default_prior_table_lists_every_quantity_of_the_file_with_its_source():
    document = tomllib.loads((ROOT / "priors" / "default.toml").read_text())
    expected = {f"{section}.{key}": table for section in ("cost", "benefit") for key, table in document[section].items() if isinstance(table, dict) and "dist" in table}
    assert len(expected) == 17  # fifteen drawn under "flow" (the activity threshold and six benefit-method inputs among them), two stock rates
    rows = _table_rows(pages.priors_table("default"))
    for name, table in expected.items():
        assert name in rows, name
        assert rows[name][-1] == table["source"], name
        assert rows[name][1] == table["label"], name
    # The weights, by hand from the file: commits 0.2 each, contributors 0.3, lines 0.15 each.
    weights = document["cost"]["method_weights"]
    assert {key: float(rows[key][1]) for key in weights} == pytest.approx(weights)
    benefit_weights = document["benefit"]["method_weights"]
    assert {key: float(rows[key][1]) for key in benefit_weights} == pytest.approx(benefit_weights)
    assert rows["cost.salary_usd"][3:6] == ["$150K", "$245K", "$400K"]  # ci90 ends; median sqrt(150K x 400K)


def test_every_shipped_prior_file_has_a_table_and_paper_mode_has_no_stock_rates():
    paper = _table_rows(pages.priors_table("paper"))
    assert "cost.discount_rate" not in paper  # the paper's "average" estimand allows no stock
    assert paper["cost.salary_usd"][2] == "`point(300K)`"
    genai = _table_rows(pages.priors_table("genai2023"))
    assert set(genai) >= set(_table_rows(pages.priors_table("default"))) - {"commits_pytorch"}


def test_the_cli_reference_holds_every_command_and_option():
    text = pages.cli_reference()
    commands = re.findall(r"^### `mcvalue ([a-z ]+)`$", text, re.M)
    assert sorted(commands) == sorted(
        ["run", "sensitivity", "compare", "reproduce", "fit", "calibrate", "data fetch", "data audit", "data collect", "priors new", "priors check", "priors show"]
    )
    run = text.split("### `mcvalue run`", 1)[1].split("### ", 1)[0]
    for option in ("--priors", "--draws", "--seed", "--mode", "--cost-model", "--target-year", "--basis", "--swing", "--threshold", "--save-draws", "--sample"):
        assert f"`{option}" in run, option
    assert "`--help`" not in text


def test_the_api_reference_names_every_public_object_once():
    text = pages.api_reference()
    targets = re.findall(r"^::: (\S+)$", text, re.M)
    public = [name for name in mcvalue.__all__ if name != "__version__"]
    assert sorted(target.rsplit(".", 1)[-1] for target in targets) == sorted(public)
    for target in targets:
        name = target.rsplit(".", 1)[-1]
        assert getattr(mcvalue, name) is (importlib.import_module(target) if mcvalue._EXPORTS[name] == target else getattr(importlib.import_module(target.rpartition(".")[0]), name))


def test_markers_expand_alone_on_their_line_and_an_unknown_one_is_an_error(caplog):
    text = "a\n<!-- mcvalue:nosuch -->\nb `<!-- mcvalue:cli -->` c\n"
    with caplog.at_level(logging.ERROR, logger="mkdocs.hooks.mcvalue_pages"):
        assert pages.expand(text, "x.md") == text
    assert [r.getMessage() for r in caplog.records] == ["x.md: unknown marker mcvalue:nosuch (known: priors, cli, api)"]
    caplog.clear()
    with caplog.at_level(logging.ERROR, logger="mkdocs.hooks.mcvalue_pages"):
        pages.expand("<!-- mcvalue:priors nosuch -->\n", "y.md")
    assert len(caplog.records) == 1 and "nosuch" in caplog.records[0].getMessage()


def test_a_public_object_without_a_docstring_is_reported(tmp_path):
    griffe = pytest.importorskip("griffe")
    docstrings = _hook("griffe_docstrings")
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "__init__.py").write_text('"""A package."""\n')
    (package / "mod.py").write_text(
        '"""A module."""\n\n'
        "def bare():\n    return 1\n\n"
        'def _private():\n    return 2\n\n'
        'class Thing:\n    """A thing."""\n\n    def __init__(self):\n        pass\n\n    def method(self):\n        pass\n'
    )
    loaded = griffe.load("pkg", search_paths=[str(tmp_path)])
    assert docstrings.undocumented(loaded) == ["pkg.mod.bare", "pkg.mod.Thing.method"]
    assert docstrings.undocumented(griffe.load("mcvalue", search_paths=[str(ROOT)])) == []


def _relative_links(path: Path) -> list[str]:
    return [link for link in re.findall(r"\]\(([^)\s]+)\)", path.read_text()) if not re.match(r"[a-z]+:", link) and not link.startswith("#")]


def test_every_relative_link_of_the_readme_and_the_docs_names_a_file():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for link in _relative_links(page):
            target = (page.parent / link.split("#", 1)[0]).resolve()
            assert target.is_file(), f"{page.relative_to(ROOT)}: {link}"


def test_every_page_is_in_the_navigation():
    nav = (ROOT / "mkdocs.yml").read_text().split("\nnav:\n", 1)[1].split("\n\n", 1)[0]
    listed = set(re.findall(r": (\S+\.md)$", nav, re.M))
    assert listed == {page.name for page in DOCS.glob("*.md")}


def _api_page_example() -> str:
    match = re.search(r"```python\n(.*?)```", (DOCS / "api.md").read_text(), re.S)
    assert match, "docs/api.md has no python code block"
    return match.group(1)


@pytest.mark.realdata
@pytest.mark.slow
def test_the_api_page_example_runs(real_data_dir, tmp_path, monkeypatch):
    code = _api_page_example()
    ast.parse(code)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MCVALUE_DATA_DIR", str(real_data_dir))
    namespace: dict = {}
    exec(compile(code, "docs/api.md", "exec"), namespace)  # noqa: S102 - the page's own example
    assert (tmp_path / "results" / "narrow-haircut" / "summary.json").is_file()
    assert namespace["summary"]["bcr"]["median"] > 0
