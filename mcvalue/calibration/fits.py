"""One calibration task: simulate dataset ``index``, fit it with the production sampler, rank the truth.

:func:`fit_dataset` is what a Dask worker (or this process) runs; it needs nothing but its
arguments, so a task retried on another worker gives the same record. The record holds
only what the seeds determine (no timing), so a calibration's files are the same bytes
whatever ran it; :func:`fit_dataset_timed` adds the seconds the fit took, kept apart.
"""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from mcvalue.calibration.design import CalibrationSettings, Dataset, quantities, ranked_fte, simulate_dataset
from mcvalue.calibration.ranks import ranks
from mcvalue.costmodels.pymc.model import HYPERPARAMETERS
from mcvalue.costmodels.pymc.model_data import ModelData

#: The per-fit diagnostics a record carries (from :func:`convergence_diagnostics`).
DIAGNOSTICS: tuple[str, ...] = ("divergences", "max_rhat", "min_ess_bulk", "min_ess_tail", "min_bfmi", "max_treedepth_hits", "converged")


def dataset_digest(dataset: Dataset) -> str:
    """sha256 of a dataset's simulated data (with its design): what a resumed run checks a record against."""
    return dataset.data.digest()


def fit_dataset(design: ModelData, index: int, settings: CalibrationSettings) -> dict[str, Any]:
    """Simulate dataset ``index`` on ``design``, fit it, and return its record.

    The record: ``dataset``, ``settings`` (:meth:`CalibrationSettings.key`), ``digest`` of
    the simulated data, ``rows`` (contributor-periods), the true values, the fit's
    diagnostics, the worst parameter and figure, the ``attempts`` the fit took (1, or 2 when
    the first failed a gate: :mod:`mcvalue.costmodels.pymc.attempts`), and the ``ranks`` of
    every quantity.
    """
    return fit_dataset_timed(design, index, settings)[0]


def fit_dataset_timed(design: ModelData, index: int, settings: CalibrationSettings) -> tuple[dict[str, Any], float]:
    """:func:`fit_dataset` and the seconds its fit took (sampling and diagnostics)."""
    from mcvalue.costmodels.pymc.attempts import attempt_record, sample_until_converged
    from mcvalue.costmodels.pymc.derived import fte_from_params, repo_params
    from mcvalue.costmodels.pymc.diagnostics import convergence_diagnostics
    from mcvalue.costmodels.pymc.fit import posterior_draws
    from mcvalue.vocab.paper import METHOD_KEYS

    dataset = simulate_dataset(design, index, settings)
    start = time.perf_counter()
    idata = sample_until_converged(dataset.data, settings.sampler(index), cores=1, progress=False, priors=settings.priors)
    checks = convergence_diagnostics(idata)
    seconds = time.perf_counter() - start
    post = posterior_draws(idata)
    fte = ranked_fte(fte_from_params(repo_params(post), dataset.data, settings.target_year))
    draws = {name: post[name] for name in HYPERPARAMETERS} | {f"fte.{key}": fte[:, j] for j, key in enumerate(METHOD_KEYS)}
    truth = dataset.true_values()
    record = {
        "dataset": index,
        "settings": settings.key(design),
        "digest": dataset_digest(dataset),
        "rows": int(dataset.data.contrib_commits.size),
        "truth": truth,
        **{name: _plain(checks[name]) for name in DIAGNOSTICS},
        "worst": f"{checks['worst']['parameter']} {checks['worst']['figure']}",
        "attempts": attempt_record(idata, settings.sampler(index))["attempts"],
        "ranks": ranks(draws, {name: truth[name] for name in quantities()}, settings.thinned),
    }
    return record, seconds


def _plain(value: object) -> object:
    """Return a diagnostic as a JSON scalar (NumPy scalars to Python ones)."""
    return value.item() if isinstance(value, np.generic) else value
