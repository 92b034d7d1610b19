"""Every figure of a report, drawn from a :class:`mcvalue.RunResult` and saved as PNG.

The figures themselves are drawn by :mod:`mcvalue.plots` (Axes in, Axes out); this module
only chooses which and saves them, deterministically (no version-dependent metadata).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from matplotlib.axes import Axes

    from mcvalue.priors.spec import Scenario
    from mcvalue.result import RunResult


def draw_figures(result: RunResult) -> dict[str, Axes]:
    """Return every figure of a report by file stem, as Axes (not yet saved).

    The PPC panels draw the fit's own replicates (those its p-values came from).
    """
    from mcvalue import plots
    from mcvalue.costmodels.pymc.ppc import QUANTITIES

    figures = {
        "bcr": plots.plot_bcr(result),
        "cost_by_method": plots.plot_cost_by_method(result),
        "benefit_chain": plots.plot_benefit_chain(result),
        "exceedance": plots.plot_exceedance(result),
        "tornado": plots.plot_tornado(result),
        "sobol": plots.plot_sobol(result),
        "evppi": plots.plot_evppi(result),
    }
    if result.cost.ppc is not None:
        for quantity in QUANTITIES:
            figures[f"ppc_{quantity}"] = plots.plot_ppc(result, quantity)
    return figures


def save_png(ax: Axes, path: Path) -> None:
    """Save an Axes' figure as PNG without the (version-dependent) Software tag.

    A label in a script the default font lacks (CJK, say) is drawn as boxes; matplotlib's
    warning about each missing glyph would be a Python warning on stderr of a successful run.
    """
    import warnings

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r"Glyph \d+ .* missing from font", category=UserWarning)
        ax.figure.savefig(path, format="png", dpi=110, metadata={"Software": None})


def _plot_target(path: Path | str) -> Path:
    """Return ``path`` as a Path, refusing (``--plot``) one whose directory does not exist."""
    from mcvalue.errors import McValueError

    path = Path(path)
    if not path.parent.is_dir():
        raise McValueError(f"--plot: directory {path.parent} does not exist")
    return path


def write_figures(result: RunResult, directory: Path) -> list[str]:
    """Save every figure into ``directory`` as ``<stem>.png``; return the stems in report order."""
    figures = draw_figures(result)
    for stem, ax in figures.items():
        save_png(ax, directory / f"{stem}.png")
    return list(figures)


def write_comparison_plot(comparison: dict, path: Path | str) -> Path:
    """Save the overlay of a comparison's runs (P(BCR > k) for each) as PNG at ``path``; return the path.

    Parameters
    ----------
    comparison : dict
        From :func:`mcvalue.compare`.
    path : pathlib.Path or str
        The PNG to write (its directory must exist).

    Examples
    --------
    >>> import mcvalue
    >>> mcvalue.write_comparison_plot(mcvalue.compare("reference", "paper"), "compare.png")  # doctest: +SKIP
    PosixPath('compare.png')
    """
    from mcvalue.plots import exceedance_overlay

    path = _plot_target(path)
    save_png(exceedance_overlay(dict(zip(comparison["runs"], comparison["exceedance"], strict=True))), path)
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
    from mcvalue.plots import prior_densities

    path = _plot_target(path)
    save_png(prior_densities(scenario), path)
    return path
