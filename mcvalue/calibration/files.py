"""What a calibration writes besides its records: the output directory, ``summary.json`` and the rank histograms.

The records themselves (``ranks.jsonl``, ``timings.jsonl``) are :mod:`mcvalue.calibration.store`'s.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from mcvalue.calibration.design import CalibrationSettings

SUMMARY_FILE = "summary.json"
FORECAST_FILE = "forecast.json"
PLOT_FILE = "ranks.png"


def output_directory(out: Path | str) -> Path:
    """Create the output directory ``out`` if missing; a McValueError names it if that fails."""
    from mcvalue.errors import McValueError

    directory = Path(out)
    try:
        directory.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise McValueError(f"{directory}: cannot create the calibration directory ({error.strerror or error})") from None
    return directory


def write_summary(directory: Path, records: list[dict[str, Any]], settings: CalibrationSettings, design_rows: int) -> dict[str, Any]:
    """Write ``summary.json`` and the rank histograms ``ranks.png`` of ``records`` (atomically); return the summary."""
    import matplotlib

    matplotlib.use("Agg")
    import io

    import matplotlib.pyplot as plt

    from mcvalue.calibration.plots import plot_rank_histogram
    from mcvalue.calibration.summary import summarise
    from mcvalue.io.files import write_atomic

    summary = summarise(records, settings, design_rows)
    write_atomic(directory / SUMMARY_FILE, (json.dumps(summary, indent=2) + "\n").encode())
    table = summary["all_fits"]
    if table is None:
        return summary
    names = list(table["quantities"])
    cols = 6
    fig, axes = plt.subplots(-(-len(names) // cols), cols, figsize=(18, 10), squeeze=False)
    for ax, name in zip(axes.ravel(), names, strict=False):
        plot_rank_histogram(table["quantities"][name]["counts"], name, table["quantities"][name]["p_value"], ax)
    for ax in axes.ravel()[len(names):]:
        ax.axis("off")
    fig.suptitle(f"SBC rank histograms ({table['datasets']} datasets, {table['bins']} bins; band: 99% range of a uniform bin count)")
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=90, metadata={"Software": None})
    plt.close(fig)
    write_atomic(directory / PLOT_FILE, buffer.getvalue())
    return summary
