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
from mcvalue.errors import SamplerStartError, StepBudgetExceeded

#: The ``worst`` of a record whose fit the step budget stopped (:func:`stopped_record`).
STOPPED = "step budget"
#: The per-fit diagnostics a record carries (from :func:`convergence_diagnostics`).
DIAGNOSTICS: tuple[str, ...] = ("divergences", "max_rhat", "min_ess_bulk", "min_ess_tail", "min_bfmi", "max_treedepth_hits", "converged")


def dataset_digest(dataset: Dataset) -> str:
    """sha256 of a dataset's simulated data (with its design): what a resumed run checks a record against."""
    return dataset.data.digest()


def fit_dataset(design: ModelData, index: int, settings: CalibrationSettings) -> dict[str, Any]:
    """Simulate dataset ``index`` on ``design``, fit it, and return its record.

    The record: ``dataset``, ``settings`` (:meth:`CalibrationSettings.key`), ``digest`` of
    the simulated data, ``rows`` (contributor-periods), the true values, the fit's
    diagnostics, the worst parameter and figure, the ``attempts`` the fit took (1 to 3, another
    after each that failed a gate: :mod:`mcvalue.costmodels.pymc.attempts`), and the ``ranks`` of
    every quantity. A dataset the sampler cannot start on gets :func:`unstarted_record`, one
    whose chains pass the step budget :func:`stopped_record`.
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
    try:
        idata = sample_until_converged(
            dataset.data, settings.sampler(index), cores=1, progress=False, priors=settings.priors, step_budget=settings.step_budget
        )
    except SamplerStartError as error:
        return unstarted_record(design, dataset, settings, str(error)), time.perf_counter() - start
    except StepBudgetExceeded as error:
        return stopped_record(design, dataset, settings, error), time.perf_counter() - start
    checks = convergence_diagnostics(idata)
    seconds = time.perf_counter() - start
    post = posterior_draws(idata)
    fte = ranked_fte(fte_from_params(repo_params(post), dataset.data, settings.target_year))
    draws = {name: post[name] for name in HYPERPARAMETERS} | {f"fte.{key}": fte[:, j] for j, key in enumerate(METHOD_KEYS)}
    identity = _identity(design, dataset, settings)
    truth = identity["truth"]
    record = {
        **identity,
        **{name: _plain(checks[name]) for name in DIAGNOSTICS},
        "worst": f"{checks['worst']['parameter']} {checks['worst']['figure']}",
        "attempts": attempt_record(idata, settings.sampler(index))["attempts"],
        "ranks": ranks(draws, {name: truth[name] for name in quantities()}, settings.thinned),
    }
    return record, seconds


def unstarted_record(design: ModelData, dataset: Dataset, settings: CalibrationSettings, reason: str) -> dict[str, Any]:
    """Return the record of a dataset the sampler could not start on: a failed fit without draws, so without ranks.

    Its diagnostics are None (no chain ran), ``converged`` False, ``attempts`` 1 (a retry
    with longer chains starts from the same points), ``failure`` the sampler's reason and
    how many simulated observations are not finite, and ``ranks`` None: such a dataset
    counts as a fit failing its gates and is left out of the rank tests
    (:func:`mcvalue.calibration.summary.summarise` lists it).
    """
    failure = f"{reason}; {non_finite_observations(dataset.data)} simulated observations not finite"
    return _failure_record(design, dataset, settings, worst="no starting point", attempts=1, failure=failure)


def stopped_record(design: ModelData, dataset: Dataset, settings: CalibrationSettings, error: StepBudgetExceeded) -> dict[str, Any]:
    """Return the record of a fit stopped by the step budget: a failed fit without a finished trace, so without ranks.

    As :func:`unstarted_record`'s, but ``worst`` is "step budget", ``attempts`` the attempt
    that passed it, ``step_budget`` the budget, and ``failure`` the error's line (which
    attempt, its draws and maximum tree depth). Only the draws decide whether a chain passes
    the budget (:class:`mcvalue.costmodels.pymc.sampling.StepBudget`), so the record is the
    same on every machine.
    """
    return _failure_record(
        design, dataset, settings, worst=STOPPED, attempts=error.attempt, failure=f"stopped: {error}", step_budget=settings.step_budget
    )


def _failure_record(
    design: ModelData, dataset: Dataset, settings: CalibrationSettings, *, worst: str, attempts: int, failure: str, **extra: object
) -> dict[str, Any]:
    """Return a failed fit's record: its identity, no diagnostics, ``converged`` False, ``worst``, ``attempts``, ``extra``, ``failure``, no ranks."""
    return {
        **_identity(design, dataset, settings),
        **dict.fromkeys(DIAGNOSTICS),
        "converged": False,
        "worst": worst,
        "attempts": attempts,
        **extra,
        "failure": failure,
        "ranks": None,
    }


def non_finite_observations(data: ModelData) -> int:
    """How many of ``data``'s observations (contributors, commits, lines, sync commits and lines) are not finite.

    An extreme prior draw can simulate lines beyond float64 (a lines log-sd of e^7 overflows
    ``exp``): data that no finite parameters explain.
    """
    observed = (data.period_contributors, data.contrib_commits, data.contrib_lines, data.period_sync_commits, data.period_sync_lines)
    return int(sum(np.count_nonzero(~np.isfinite(np.asarray(values, dtype=float))) for values in observed))


def _identity(design: ModelData, dataset: Dataset, settings: CalibrationSettings) -> dict[str, Any]:
    """Return the fields that say which dataset a record is of: index, settings key, data digest, size, true values."""
    return {
        "dataset": dataset.index,
        "settings": settings.key(design),
        "digest": dataset_digest(dataset),
        "rows": int(dataset.data.contrib_commits.size),
        "truth": dataset.true_values(),
    }


def _plain(value: object) -> object:
    """Return a diagnostic as a JSON scalar (NumPy scalars to Python ones)."""
    return value.item() if isinstance(value, np.generic) else value
