"""Simulation-based calibration of the Bayesian cost model on the design of a sample (``mcvalue calibrate``).

Talts et al. (2018, arXiv:1804.06788): draw parameters from the model's priors, simulate
a sample of the same design (repos, windows, dates) from them, fit it with the production
sampler, and rank each true value among the posterior draws. If the fit computes the
posterior, every rank is uniform. Each fit also records its convergence diagnostics, so a
calibration says how often a plausible sample makes the fit fail a gate.

Modules, in the order data flows: :mod:`~mcvalue.calibration.design` (settings, prior draws
from the PyMC model, simulated datasets), :mod:`~mcvalue.calibration.fits` (one task),
:mod:`mcvalue.tasks` (Dask or this process), :mod:`~mcvalue.calibration.store`
(records, resume), :mod:`~mcvalue.calibration.ranks` and :mod:`~mcvalue.calibration.summary`
(statistics), :mod:`~mcvalue.calibration.plots`, :mod:`~mcvalue.calibration.files` (the
summary and the plot written) and :mod:`~mcvalue.calibration.run`, which chains them
(:func:`calibrate`). :mod:`~mcvalue.calibration.forecast_run` writes the trend structures'
forecast check (:func:`forecast_trends`). This module only re-exports the public names.
ArviZ's ``simuk`` was not used: see ``docs/calibrate.md``.
"""

from mcvalue.calibration.design import CalibrationSettings
from mcvalue.calibration.forecast_run import forecast_trends
from mcvalue.calibration.run import CalibrationResult, calibrate, calibrate_design

__all__ = ["CalibrationResult", "CalibrationSettings", "calibrate", "calibrate_design", "forecast_trends"]
