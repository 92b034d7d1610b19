"""Every figure of a report, drawn from a :class:`mcvalue.RunResult` and saved as PNG.

The figures themselves are drawn by :mod:`mcvalue.plots` (Axes in, Axes out); this module
only chooses which and saves them, deterministically (no version-dependent metadata).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

if TYPE_CHECKING:
    import numpy as np
    from matplotlib.axes import Axes

    from mcvalue.priors.spec import Scenario
    from mcvalue.runs.comparison import Comparison
    from mcvalue.runs.result import RunResult


def figure_makers(result: RunResult) -> dict[str, Callable[[], Axes]]:
    """Return, by file stem in report order, a function drawing each figure of a report.

    The PPC panels draw the fit's own replicates (those its p-values came from).
    """
    from mcvalue import plots
    from mcvalue.costmodels.pymc.ppc import QUANTITIES

    makers: dict[str, Callable[[], Axes]] = {
        "bcr": partial(plots.plot_bcr, result),
        "cost_by_method": partial(plots.plot_cost_by_method, result),
        "benefit_chain": partial(plots.plot_benefit_chain, result),
        "exceedance": partial(plots.plot_exceedance, result),
        "tornado": partial(plots.plot_tornado, result),
        "sobol": partial(plots.plot_sobol, result),
        "evppi": partial(plots.plot_evppi, result),
    }
    if result.cost.ppc is not None:
        for quantity in QUANTITIES:
            makers[f"ppc_{quantity}"] = partial(plots.plot_ppc, result, quantity)
    return makers


def draw_figures(result: RunResult) -> dict[str, Axes]:
    """Return every figure of a report by file stem, as Axes (not yet saved)."""
    return {stem: make() for stem, make in figure_makers(result).items()}


def save_png(ax: Axes, path: Path | BinaryIO) -> None:
    """Save an Axes' figure as PNG without the (version-dependent) Software tag.

    A label in a script the default font lacks (CJK, say) is drawn as boxes; matplotlib's
    warning about each missing glyph would be a Python warning on stderr of a successful run.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        ax.figure.figure.savefig(path, format="png", dpi=110, metadata={"Software": None})  # the root figure: ax.figure may be a subfigure


def png_bytes(ax: Axes) -> bytes:
    """Return the PNG bytes :func:`save_png` writes for an Axes' figure."""
    import io

    buffer = io.BytesIO()
    save_png(ax, buffer)
    return buffer.getvalue()


def _cache_inputs(result: RunResult, stem: str) -> list[np.ndarray] | None:
    """Return the arrays figure ``stem`` is drawn from when no prior edit can change them, else None (drawn every run).

    The PPC panels draw the fit's observed and replicated arrays; the cost forest draws
    the cost quantiles by method (:func:`mcvalue.plots.cost_by_method_columns`), which a
    benefit prior's edit leaves as they are. Every other figure depends on the benefit
    draws or the decision analysis.
    """
    import numpy as np

    if stem == "cost_by_method":
        from mcvalue.plots import cost_by_method_columns

        columns = cost_by_method_columns(result)
        return [np.asarray(columns["method"], dtype=str), *(np.asarray(columns[name], dtype=float) for name in sorted(columns) if name != "method")]
    ppc = result.cost.ppc
    quantity = stem.removeprefix("ppc_")
    if not stem.startswith("ppc_") or ppc is None or quantity not in ppc.observed:
        return None
    return [ppc.observed[quantity], *ppc.replicated[quantity]]


def _write_figure(result: RunResult, stem: str, make: Callable[[], Axes], directory: Path) -> None:
    """Save one figure as ``directory/<stem>.png``, from the figure cache when its inputs are those of an earlier run (:func:`_cache_inputs`)."""
    path = directory / f"{stem}.png"
    inputs = _cache_inputs(result, stem)
    if inputs is None:
        save_png(make(), path)
        return
    from mcvalue.report.figure_cache import cached_png, figure_key

    path.write_bytes(cached_png(figure_key(stem, inputs), lambda: png_bytes(make())))


def _plot_target(path: Path | str) -> Path:
    """Return ``path`` as a Path, refusing (``--plot``) one whose directory does not exist."""
    from mcvalue.errors import McValueError

    path = Path(path)
    if not path.parent.is_dir():
        raise McValueError(f"--plot: directory {path.parent} does not exist")
    return path


def write_figures(result: RunResult, directory: Path) -> list[str]:
    """Save every figure into ``directory`` as ``<stem>.png``; return the stems in report order.

    Drawing and rasterising ten figures takes ~2.5 s of CPU, most of a re-run's time. On a
    machine with more than one core, in a process without other Python threads
    (:func:`can_fork_writer`), a forked child draws the figures of ``_CHILD_FIGURES`` while
    this process draws the rest (each figure is drawn alone, so the bytes are those a single
    process writes); if the child fails, this process draws its share too. The figures no
    prior edit of the benefit side changes (the PPC panels and the cost forest) come from
    the figure cache when a run before drew them from the same arrays
    (:mod:`mcvalue.report.figure_cache`).
    """
    import matplotlib.figure  # noqa: F401 - loaded before the fork, so the child need not import it

    makers = figure_makers(result)
    stems = list(makers)
    child_share = [stem for stem in stems if stem in _CHILD_FIGURES] if can_fork_writer() else []
    child = _fork_writer(result, makers, child_share, directory) if child_share else None
    for stem in stems:
        if child is None or stem not in child_share:
            _write_figure(result, stem, makers[stem], directory)
    if child is not None and os.waitstatus_to_exitcode(os.waitpid(child, 0)[1]) != 0:
        for stem in child_share:
            _write_figure(result, stem, makers[stem], directory)
    return stems


#: The figures a forked child draws (:func:`write_figures`): about half the drawing both in a
#: first run (the child ~1.1 s of CPU, this process ~1.1 s) and in a re-run after a benefit
#: prior's edit, when the PPC panels and the cost forest come from the figure cache (the child
#: ~0.7 s, this process ~0.6 s). Measured per figure on 2 cores: bcr 0.33 s, ppc_lines 0.4 s,
#: every other figure 0.15-0.22 s.
_CHILD_FIGURES = frozenset({"bcr", "exceedance", "sobol", "ppc_lines"})


def can_fork_writer() -> bool:
    """Whether a forked child may draw figures: fork exists, more than one core, and no Python thread but this one.

    A forked child has only the thread that forked; a lock another thread held at that
    moment stays held in the child for ever. With a Dask client, an event loop or any
    worker thread alive (a notebook, a test session after a Dask test) a child drawing
    figures has deadlocked on such a lock, and this process waited for it for ever; so
    those processes draw every figure themselves. ``mcvalue run`` has no other Python thread.
    """
    import threading

    return hasattr(os, "fork") and (os.cpu_count() or 1) > 1 and threading.active_count() == 1


def _fork_writer(result: RunResult, makers: dict[str, Callable[[], Axes]], stems: list[str], directory: Path) -> int | None:
    """Fork a child that saves the figures ``stems`` and exits (0 when all were written); return its pid, or None.

    The child only draws with matplotlib and writes PNG files, then leaves by ``os._exit``
    (no atexit handlers, no flushing of the parent's buffers). Python warns that forking a
    process with threads may deadlock a child that takes a lock one of them held; it is
    called only without other Python threads (:func:`can_fork_writer`), and the native
    threads left (OpenBLAS's idle workers) hold none while idle, so the warning is silenced.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        try:
            pid = os.fork()
        except OSError:
            return None
    if pid:
        return pid
    code = 1
    try:
        for stem in stems:
            _write_figure(result, stem, makers[stem], directory)
        code = 0
    finally:
        os._exit(code)


def write_comparison_plot(comparison: Comparison, path: Path | str) -> Path:
    """Save the overlay of a comparison's runs (P(BCR > k) for each) as PNG at ``path``; return the path.

    Parameters
    ----------
    comparison : Comparison
        From :func:`mcvalue.compare`.
    path : pathlib.Path or str
        The PNG to write (its directory must exist).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.write_comparison_plot(mcvalue.compare("reference", "paper"), "compare.png")  # doctest: +SKIP
    PosixPath('compare.png')
    """
    from mcvalue.plots.charts import exceedance_overlay

    path = _plot_target(path)
    save_png(exceedance_overlay(dict(zip(comparison.runs, comparison.exceedance, strict=True))), path)
    return path


def write_prior_plot(scenario: Scenario, path: Path | str) -> Path:
    """Save every prior quantity's density (p5 / median / p95 marked, source beneath) as PNG at ``path``.

    Parameters
    ----------
    scenario : Scenario
        From :func:`mcvalue.load_scenario`.
    path : pathlib.Path or str
        The PNG to write (its directory must exist).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.write_prior_plot(mcvalue.load_scenario("default"), "priors.png")  # doctest: +SKIP
    PosixPath('priors.png')
    """
    from mcvalue.plots.charts import prior_densities

    path = _plot_target(path)
    save_png(prior_densities(scenario), path)
    return path
