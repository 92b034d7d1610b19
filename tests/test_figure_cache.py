"""The figure cache: a PPC panel drawn once is reused only while its seal holds; the cache never changes a report."""

import numpy as np
import pytest

from mcvalue.config import CACHE_DIR_ENV
from mcvalue.report.figure_cache import cached_png, figure_key


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    return tmp_path / "cache"


def _drawer(png: bytes, calls: list):
    def draw():
        calls.append(1)
        return png

    return draw


def test_second_request_reuses_the_stored_png(cache):
    calls = []
    key = figure_key("ppc_commits", [np.arange(5.0)])
    assert cached_png(key, _drawer(b"\x89PNG one", calls)) == b"\x89PNG one"
    assert cached_png(key, _drawer(b"\x89PNG two", calls)) == b"\x89PNG one"
    assert len(calls) == 1


def test_key_changes_with_the_arrays_their_shape_and_the_figure():
    base = figure_key("ppc_commits", [np.arange(6.0)])
    assert base == figure_key("ppc_commits", [np.arange(6.0)])
    assert base != figure_key("ppc_commits", [np.arange(6.0) + 1e-12])
    assert base != figure_key("ppc_commits", [np.arange(6.0).reshape(2, 3)])
    assert base != figure_key("ppc_lines", [np.arange(6.0)])


def test_edited_entry_is_drawn_again(cache):
    calls = []
    key = figure_key("ppc_lines", [np.ones(3)])
    cached_png(key, _drawer(b"\x89PNG real", calls))
    (entry,) = (cache / "figures").glob("*.png")
    mark, _, _png = entry.read_bytes().partition(b"\n")
    entry.write_bytes(mark + b"\n\x89PNG forged")
    assert cached_png(key, _drawer(b"\x89PNG real", calls)) == b"\x89PNG real"
    assert len(calls) == 2


def test_unwritable_cache_still_gives_the_figure(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(CACHE_DIR_ENV, str(blocker / "cache"))
    calls = []
    assert cached_png(figure_key("ppc_lines", [np.ones(2)]), _drawer(b"\x89PNG x", calls)) == b"\x89PNG x"
    assert cached_png(figure_key("ppc_lines", [np.ones(2)]), _drawer(b"\x89PNG x", calls)) == b"\x89PNG x"
    assert len(calls) == 2


def _run_with(tmp_path, name, extra):
    import mcvalue

    prior = tmp_path / f"{name}.toml"
    prior.write_text('extends = "paper"\n' + extra)
    return mcvalue.run(mcvalue.load_scenario(prior).with_settings(cost_model="table1", draws=3000))


def test_the_cost_forest_is_reused_after_a_benefit_edit_and_drawn_again_after_a_cost_edit(tmp_path):
    """The cost forest draws the cost quantiles by method: a benefit prior's edit leaves its key, a salary's changes it."""
    from mcvalue.report.figures import _cache_inputs

    def key(result, stem="cost_by_method"):
        return figure_key(stem, _cache_inputs(result, stem))

    base = _run_with(tmp_path, "base", "")
    benefit_edit = _run_with(tmp_path, "benefit", '[benefit.ai_value_usd]\ndist = "lognormal"\nci90 = [2e12, 4e12]\nsource = "test"\n')
    cost_edit = _run_with(tmp_path, "cost", '[cost.salary_usd]\ndist = "point"\nvalue = 250_000\nsource = "test"\n')
    assert key(base) == key(benefit_edit)
    assert key(base) != key(cost_edit)
    assert _cache_inputs(base, "bcr") is None  # the BCR, benefit and decision figures are drawn every run
