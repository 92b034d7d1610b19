"""The calibration directory: records appended as fits finish, verified when a run resumes, rewritten in order at the end.

Files (one directory, default ``results/calibration/``):

- ``ranks.jsonl``: one JSON record per fitted dataset (:func:`mcvalue.calibration.fits.fit_dataset`).
  A record is appended and flushed to disk as soon as its fit returns, so a run cut short
  keeps every finished fit. At the end of a run the file is rewritten, atomically, with
  the records sorted by dataset: its bytes then depend on the seeds alone, not on which
  worker finished first. Records of other settings (another design, model version,
  sampler) are kept, first and unchanged, as history; they are never counted.
- ``timings.jsonl``: each fit's seconds (these alone vary between runs).
- ``summary.json`` and ``ranks.png``: see :mod:`mcvalue.calibration.summary`.

Resuming verifies rather than trusts: a record counts only if it parses, names the current
settings, holds a rank in ``0..thinned`` for every quantity and every diagnostic (or, for a
dataset the sampler could not start on, the reason and no ranks), and its
``digest`` equals the digest of the dataset re-simulated from its index (milliseconds each,
once the prior draw has compiled, ~10 s); any other record of the current settings is
dropped and its dataset refitted.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mcvalue.calibration.design import CalibrationSettings, quantities, simulate_dataset
from mcvalue.calibration.fits import DIAGNOSTICS, STOPPED, dataset_digest
from mcvalue.costmodels.pymc.model_data import ModelData
from mcvalue.errors import McValueError
from mcvalue.io.files import write_atomic

RANKS_FILE = "ranks.jsonl"
TIMINGS_FILE = "timings.jsonl"


@dataclass
class Records:
    """The records of a calibration directory, split by what a resumed run makes of them."""

    current: dict[int, dict[str, Any]] = field(default_factory=dict)  # dataset index -> verified record
    history: list[str] = field(default_factory=list)  # lines of other settings, kept as they are
    rejected: list[str] = field(default_factory=list)  # why each dropped line was dropped


def dumps(record: dict[str, Any]) -> str:
    """One record as one JSON line (keys in the record's order, full float precision)."""
    return json.dumps(record, allow_nan=True)


def structurally_valid(record: dict[str, Any], settings: CalibrationSettings) -> str | None:
    """Why ``record`` is not a complete record of a fit (None if it is): ranks, diagnostics, fields.

    A record with a ``failure`` (the sampler could not start, or the step budget stopped the
    fit) is complete with its reason, ``converged`` False and no ranks; one the step budget
    stopped is a record of these settings only if it names their budget.
    """
    names = quantities()
    ranks = record.get("ranks")
    if not isinstance(record.get("dataset"), int) or record["dataset"] < 0:
        return "no dataset index"
    if "failure" in record:  # a failed fit without a trace (fits.unstarted_record, fits.stopped_record)
        if not (isinstance(record["failure"], str) and ranks is None and record.get("converged") is False):
            return "a failure record with ranks or without its reason"
        if record.get("worst") == STOPPED and record.get("step_budget") != settings.step_budget:
            return f"a fit stopped at a step budget of {record.get('step_budget')}, not {settings.step_budget}"
    elif not isinstance(ranks, dict) or set(ranks) != set(names):
        return "ranks missing or of other quantities"
    elif not all(isinstance(ranks[n], int) and 0 <= ranks[n] <= settings.thinned for n in names):
        return f"a rank outside 0..{settings.thinned}"
    missing = [name for name in (*DIAGNOSTICS, "digest", "rows", "truth", "attempts") if name not in record]
    return f"missing {', '.join(missing)}" if missing else None


def read_records(directory: Path, design: ModelData, settings: CalibrationSettings) -> Records:
    """Read ``ranks.jsonl`` in ``directory`` and verify the current settings' records (see module docstring).

    Raises McValueError (naming the file) if it cannot be read.
    """
    path = Path(directory) / RANKS_FILE
    out = Records()
    try:
        lines = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
    except (OSError, UnicodeDecodeError) as error:
        raise McValueError(f"{path}: cannot be read ({error})") from None
    key = settings.key(design)
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError:
            out.rejected.append(f"{path.name} line {number}: not a JSON record (a write cut short)")
            continue
        if not isinstance(record, dict) or record.get("settings") != key:
            out.history.append(line)
            continue
        problem = structurally_valid(record, settings)
        if problem is None and record["dataset"] in out.current:
            problem = "a second record of the same dataset"
        if problem is None and record["digest"] != dataset_digest(simulate_dataset(design, record["dataset"], settings)):
            problem = "its data are not what its index simulates"
        if problem is None:
            out.current[record["dataset"]] = record
        else:
            out.rejected.append(f"{path.name} line {number}: {problem}")
    return out


def append_line(path: Path, line: str) -> None:
    """Append one line to ``path`` and flush it to disk (a kill loses at most the line being written)."""
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(line + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def write_records(directory: Path, records: Records) -> None:
    """Rewrite ``ranks.jsonl`` atomically: history lines, then the current records by dataset."""
    lines = [*records.history, *(dumps(records.current[i]) for i in sorted(records.current))]
    write_atomic(Path(directory) / RANKS_FILE, "".join(line + "\n" for line in lines).encode())
