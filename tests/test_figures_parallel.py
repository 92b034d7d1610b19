"""A report's figures drawn in two processes are the bytes one process draws, and a failed fork loses none."""

import os

import pytest

import mcvalue
from mcvalue.report import figures


@pytest.fixture(scope="module")
def result():
    return mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=3000))


def _single_process_bytes(result, tmp_path):
    """Return each figure's PNG bytes as one process draws and saves them, one after the other."""
    alone = tmp_path / "alone"
    alone.mkdir()
    for stem, ax in figures.draw_figures(result).items():
        figures.save_png(ax, alone / f"{stem}.png")
    return {p.name: p.read_bytes() for p in alone.iterdir()}


@pytest.mark.skipif(not figures.can_fork_writer(), reason="figures are drawn in one process here (one core, or other threads alive)")
def test_figures_written_by_two_processes_equal_one_process_bytes(result, tmp_path):
    out = tmp_path / "forked"
    out.mkdir()
    stems = figures.write_figures(result, out)
    assert stems == list(figures.figure_makers(result))
    assert {p.name: p.read_bytes() for p in out.iterdir()} == _single_process_bytes(result, tmp_path)


def test_no_child_is_forked_while_another_python_thread_is_alive(monkeypatch):
    """A child forked beside a Dask event loop deadlocked on a lock that thread held (a slow-tier run waited for it for ever)."""
    import threading

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert not figures.can_fork_writer()
    finally:
        release.set()
        other.join()
    monkeypatch.setattr(threading, "active_count", lambda: 1)
    assert figures.can_fork_writer() == hasattr(os, "fork")


def test_a_fork_that_cannot_start_leaves_every_figure_to_this_process(result, tmp_path, monkeypatch):
    def no_fork():
        raise OSError("no more processes")

    monkeypatch.setattr(os, "fork", no_fork)
    out = tmp_path / "unforked"
    out.mkdir()
    figures.write_figures(result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == _single_process_bytes(result, tmp_path)


def test_a_child_that_fails_has_its_share_drawn_here(result, tmp_path, monkeypatch):
    parent = os.getpid()
    real_save = figures.save_png

    def save_failing_in_child(ax, path):
        if os.getpid() != parent:
            raise RuntimeError("the child dies")
        real_save(ax, path)

    monkeypatch.setattr(figures, "save_png", save_failing_in_child)
    out = tmp_path / "child_failed"
    out.mkdir()
    figures.write_figures(result, out)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == _single_process_bytes(result, tmp_path)


def test_a_run_leaves_no_thread_behind():
    """mcvalue.run summarises the draws in a second thread beside the decision analysis; it must be gone when run returns, or no figure could be forked."""
    import threading

    before = threading.active_count()
    mcvalue.run(mcvalue.load_scenario("paper").with_settings(cost_model="table1", draws=3000))
    assert threading.active_count() == before
    assert not [t.name for t in threading.enumerate() if t.name.startswith("mcvalue-summaries")]


def test_the_childs_share_names_figures_a_report_has(result):
    """A renamed figure left out of ``_CHILD_FIGURES`` would silently leave all the drawing to one process."""
    from mcvalue.costmodels.pymc.ppc import QUANTITIES

    stems = set(figures.figure_makers(result)) | {f"ppc_{quantity}" for quantity in QUANTITIES}  # the table1 run has no PPC panels
    assert figures._CHILD_FIGURES <= stems
    assert 0 < len(figures._CHILD_FIGURES) < len(stems)
