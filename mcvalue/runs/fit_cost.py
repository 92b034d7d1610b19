"""The entry point that fits the cost model alone (:func:`mcvalue.fit`) and saves its posterior on request.

Separate from :func:`mcvalue.run` because a fit reads the data and samples the posterior
without simulating, and may write a NetCDF file the run never writes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.errors import McValueError

if TYPE_CHECKING:

    from mcvalue.priors.spec import Mode
    from mcvalue.runs.result import FitResult


def fit(
    mode: Mode | None = None,
    *,
    target_year: int | str | None = None,
    data_dir: Path | None = None,
    refit: bool = False,
    allow_unconverged: bool = False,
    progress: bool = False,
    sample: Path | None = None,
    save: Path | str | None = None,
    references: str | Path = "sample",
    trend_structure: str | None = None,
) -> FitResult:
    """Fit the Bayesian cost model to the sample in ``mode`` and summarise it (``mcvalue fit``).

    Parameters
    ----------
    mode : str, optional
        The sample's data mode (None: ``"clean"``, :data:`mcvalue.priors.settings.DEFAULT_MODE`).
    data_dir : pathlib.Path, optional
        Where the paper's data files are (default: the usual search).
    refit, allow_unconverged, progress : bool
        Ignore the posterior cache; carry on past failed convergence checks; show progress.
    sample : pathlib.Path, optional
        A directory written by :func:`collect_sample` to fit instead of the paper's sample
        (mode ``corrected`` or ``clean``); the posterior cache keys on its data.
    save : pathlib.Path or str, optional
        Also write the posterior (ArviZ 1 ``DataTree``, NetCDF) to this file, atomically
        (an existing file is replaced); read it back with ``arviz.from_netcdf``.
    target_year : int or str, optional
        The year the FTE is predicted for (a year, a string of digits, or "average";
        None: 2021); it changes the derived FTE only, never the posterior.
    references : str or pathlib.Path
        Where the reference repositories' windows come from (``--references``): "sample",
        "paper" or a collected sample's directory (:mod:`mcvalue.costmodels.references`).
        A method whose reference is in none of them has no FTE (NaN, named in the warnings).
    trend_structure : str, optional
        How the time trends carry the FTE to the target year, one of
        :data:`mcvalue.priors.settings.TREND_STRUCTURES` (None: "repo trends"), as a prior
        file's ``[cost] trend_structure`` (:mod:`mcvalue.costmodels.pymc.trends`); recorded
        as ``trend_structure`` in the result.

    Returns
    -------
    FitResult
        The ``--json`` record (diagnostics, posterior FTE per method beside the paper,
        the point figures and the bootstrap, hyperparameters, PPC p-values and misfits;
        ``.to_dict()``, ``.to_df()``: one row per method) and ``.posterior``, the
        posterior it made (ArviZ 1 ``DataTree``).

    Examples
    --------
    >>> import mcvalue
    >>> record = mcvalue.fit("clean")  # doctest: +SKIP
    >>> print(mcvalue.text.render_fit(record))  # doctest: +SKIP
    >>> record.to_df()  # doctest: +SKIP
    >>> record.posterior["posterior"]  # doctest: +SKIP
    """
    import numpy as np

    from mcvalue.config import DEFAULT_SEED
    from mcvalue.costmodels import priced_methods
    from mcvalue.costmodels.pymc.fit import fit_cost_model
    from mcvalue.costmodels.pymc.summary import fit_summary
    from mcvalue.costmodels.references import load_references, unpriced_line
    from mcvalue.data import load_sample
    from mcvalue.priors.edit import check_choice, parse_target_year
    from mcvalue.priors.settings import DEFAULT_MODE, DEFAULT_TREND_STRUCTURE, TREND_STRUCTURES
    from mcvalue.priors.spec import DEFAULT_TARGET_YEAR
    from mcvalue.vocab.paper import TABLE1_KEYS

    year = DEFAULT_TARGET_YEAR if target_year is None else parse_target_year(target_year)
    trends = check_choice("trend_structure", trend_structure or DEFAULT_TREND_STRUCTURE, TREND_STRUCTURES, "trend structure")
    target = None if save is None else _save_target(Path(save))
    loaded = load_sample(mode=mode or DEFAULT_MODE, data_dir=data_dir, sample=sample)
    loaded, record = load_references(str(references), loaded, mode or DEFAULT_MODE, data_dir, None, sample is not None)
    result = fit_cost_model(loaded, refit=refit, progress=progress, allow_unconverged=allow_unconverged, target_year=year,
                            trend_structure=trends)
    if target is not None:
        _write_netcdf(result.idata, target)
    summary = fit_summary(loaded, result, np.random.default_rng(DEFAULT_SEED))
    unpriced = [key for key in TABLE1_KEYS if key not in priced_methods(np.asarray(result.fte, dtype=float))]
    if unpriced:
        summary["warnings"] = [*summary.get("warnings", []), unpriced_line(unpriced, record)]
    from mcvalue.runs.result import FitResult

    return FitResult({**summary, "references": record, "trend_structure": trends}, posterior=result.idata)


def _save_target(path: Path) -> Path:
    """Check, before any work, that ``save`` names a file in an existing directory."""
    if path.is_dir():
        raise McValueError(f"{{save}}: {path} is a directory; give a file name, e.g. {path / 'posterior.nc'}", parameters=("save",))
    if not path.parent.is_dir():
        raise McValueError(f"{{save}}: directory {path.parent} does not exist", parameters=("save",))
    return path


def _write_netcdf(idata: Any, path: Path) -> None:
    """Write a posterior to ``path`` through a temporary file renamed into place."""
    import os

    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        idata.to_netcdf(str(tmp), engine="h5netcdf")
        os.replace(tmp, path)
    except OSError as error:
        raise McValueError(f"{{save}}: cannot write {path}: {error.strerror or error}", parameters=("save",)) from None
    finally:
        tmp.unlink(missing_ok=True)
