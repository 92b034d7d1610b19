"""The trend structures' forecast check as a calibration output (``mcvalue calibrate --forecast``): :func:`forecast_trends`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcvalue.calibration.files import FORECAST_FILE, output_directory
from mcvalue.priors.settings import DEFAULT_MODE, Mode


def forecast_trends(
    *,
    out: Path | str = Path("results") / "calibration",
    cutoff: int = 2019,
    target_year: int = 2021,
    mode: Mode | None = None,
    sample: Path | None = None,
    data_dir: Path | None = None,
    progress: bool = False,
) -> dict[str, Any]:
    """Forecast check of the trend structures (``mcvalue calibrate --forecast``); writes ``forecast.json`` in ``out``.

    Each structure of :data:`mcvalue.costmodels.pymc.trends.STRUCTURES` is fitted to the
    windows before ``cutoff`` (Jan 1st) and scored on the later windows of the same repos;
    see :func:`mcvalue.calibration.forecast.forecast_check` for what is returned. Three
    training fits and three full fits, cached like ``mcvalue fit``'s (about a minute each
    on two cores).

    Examples
    --------
    >>> import mcvalue
    >>> record = mcvalue.forecast_trends(cutoff=2019)  # doctest: +SKIP
    >>> record["structures"]["repo trends"]["coverage_90"]  # doctest: +SKIP
    """
    from mcvalue.calibration.forecast import forecast_check
    from mcvalue.costmodels.pymc.model_data import model_data_from_sample
    from mcvalue.data import load_sample
    from mcvalue.io.files import write_atomic

    directory = output_directory(out)
    record = forecast_check(model_data_from_sample(load_sample(mode or DEFAULT_MODE, data_dir=data_dir, sample=sample)), cutoff=float(cutoff),
                            target_year=target_year, progress=progress)
    write_atomic(directory / FORECAST_FILE, (json.dumps(record, indent=2) + "\n").encode())
    return record
