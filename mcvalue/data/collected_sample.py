"""A collected sample read back: verified, not trusted (``--sample DIR``).

A sample is loaded only after :func:`verify_sample` (the manifest's ``sample_sha256``
matches its content, which holds both tables' sha256, and each table's bytes match) and
:func:`check_tables` (the tables agree with each other and with the manifest). Every byte
used is a byte hashed.
"""

import hashlib
import io
import re
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from mcvalue.data.manifest import CONTRIBUTIONS_FILE, MANIFEST_FILE, MAX_MANIFEST_BYTES, PERIODS_FILE, SAMPLE_FORMAT, Manifest
from mcvalue.data.tables import CleaningOptions, Mode, Sample
from mcvalue.data.windows import EARLIEST_DAY, ISO_DAY, WINDOW_DAYS, today
from mcvalue.errors import DataError
from mcvalue.io.files import read_bounded

if TYPE_CHECKING:
    import pandas as pd

# Same column lists as mcvalue.data.parse (not imported: that module loads pandas).
# A collected sample adds ``active_days``: distinct author days of the contributor in the window.
CONTRIBUTION_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "user", "commits", "lines_added", "lines_deleted", "lines",
    "active_days",
]
PERIOD_COLUMNS = [
    "tool", "repo", "period_start", "period_end", "contributors", "commits", "lines_added", "lines_deleted", "lines",
]

_COUNT = re.compile(r"\d{1,15}")


@dataclass(frozen=True)
class VerifiedSample:
    """A sample's manifest and table bytes, checked against each other (:func:`verify_sample`)."""

    manifest: Manifest
    tables: dict[str, bytes]
    file_sha256: dict[str, str]


def verify_sample(directory: Path) -> VerifiedSample:
    """Read a collected sample once and check its identity: every byte used is a byte hashed.

    The manifest must be of the current layout (:data:`~mcvalue.data.manifest.SAMPLE_FORMAT`), list the sha256
    of both tables (an empty or partial ``files`` is refused), and carry the
    ``sample_sha256`` its own canonical content gives; each table's bytes must have the
    sha256 listed. Any mismatch is a DataError naming the file.
    """
    directory = Path(directory)
    manifest_path = directory / MANIFEST_FILE
    if not manifest_path.exists():
        raise DataError(f"{directory}: not a sample written by 'mcvalue data collect' (no {MANIFEST_FILE})")
    manifest_bytes = read_bounded(manifest_path, MAX_MANIFEST_BYTES, "collection manifest")
    manifest = Manifest.from_bytes(manifest_bytes, manifest_path)
    if manifest.format != SAMPLE_FORMAT or manifest.recorded_sha256 is None:
        raise DataError(
            f"{manifest_path}: a sample of layout {manifest.format}, written before samples carried a sha256 and "
            f"active days; re-collect it (mcvalue data collect --manifest {manifest_path} --out NEW_DIR)"
        )
    if set(manifest.files) != {CONTRIBUTIONS_FILE, PERIODS_FILE}:
        raise DataError(f"{manifest_path}: files must list the sha256 of {CONTRIBUTIONS_FILE} and {PERIODS_FILE}, and only them")
    if manifest.recorded_sha256 != manifest.sample_sha256:
        raise DataError(f"{manifest_path}: sample_sha256 does not match its content (changed after collection)")
    from mcvalue.data.parse import MAX_DATA_BYTES

    tables = {name: read_bounded(directory / name, MAX_DATA_BYTES, "sample table") for name in manifest.files}
    hashes = {name: hashlib.sha256(data).hexdigest() for name, data in tables.items()}
    for name, expected in manifest.files.items():
        if hashes[name] != expected:
            raise DataError(f"{directory / name}: sha256 differs from manifest.json's (changed after collection)")
    hashes[MANIFEST_FILE] = hashlib.sha256(manifest_bytes).hexdigest()
    hashes["sample_sha256"] = manifest.sample_sha256
    return VerifiedSample(manifest, tables, hashes)


def collected_files(directory: Path) -> dict[str, str]:
    """Return the sha256 of a collected sample's tables and manifest, and its ``sample_sha256``, once verified.

    What a cache key of anything computed from the sample needs; the tables are checked
    against the manifest (:func:`verify_sample`) and by :func:`check_tables`.
    """
    verified = verify_sample(directory)
    check_tables(*_tables(directory, verified), verified.manifest, directory)
    return verified.file_sha256


def _parse_table(data: bytes, path: Path, columns: list[str]) -> "pd.DataFrame":
    """Parse a table's bytes with its columns typed; DataError naming the file, line and column for any bad cell."""
    import pandas as pd

    try:
        table = pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False, encoding="utf-8")
    except (ValueError, pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as error:
        raise DataError(f"{path}: not a readable CSV table ({error})") from None
    if list(table.columns) != columns:
        raise DataError(f"{path}: expected columns {','.join(columns)}")
    counts = columns[5:] if "user" in columns else columns[4:]
    texts = ["tool", "repo", "user"] if "user" in columns else ["tool", "repo"]
    for column in texts:
        empty = table.index[table[column].str.strip() == ""]
        if len(empty):
            raise DataError(f"{path} line {empty[0] + 2}: empty {column}")
    for column in ("period_start", "period_end"):
        bad = table.index[~table[column].str.fullmatch(ISO_DAY.pattern)]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} {table[column].iloc[bad[0]]!r} is not a YYYY-MM-DD date")
        table[column] = pd.to_datetime(table[column], format="%Y-%m-%d", errors="coerce")
        bad = table.index[table[column].isna()]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} is not a calendar date")
    for column in counts:
        bad = table.index[~table[column].str.fullmatch(_COUNT.pattern)]
        if len(bad):
            raise DataError(f"{path} line {bad[0] + 2}: {column} {table[column].iloc[bad[0]]!r} is not a non-negative count")
    table[counts] = table[counts].astype("int64")
    return table


def _tables(directory: Path, verified: VerifiedSample) -> tuple["pd.DataFrame", "pd.DataFrame"]:
    contributions = _parse_table(verified.tables[CONTRIBUTIONS_FILE], directory / CONTRIBUTIONS_FILE, CONTRIBUTION_COLUMNS)
    periods = _parse_table(verified.tables[PERIODS_FILE], directory / PERIODS_FILE, PERIOD_COLUMNS)
    return contributions, periods


def _first_row(mask: "pd.Series | np.ndarray") -> int:
    """Return the file line of the first row where ``mask`` holds (line 1 is the header)."""
    return int(np.asarray(mask).nonzero()[0][0]) + 2


def check_tables(contributions: "pd.DataFrame", periods: "pd.DataFrame", manifest: Manifest, directory: Path) -> None:
    """Check a sample's tables against each other and its manifest; DataError naming the file and line.

    Holds for every sample :func:`~mcvalue.data.collect.collect` writes: unique keys (repo, window, user) and
    (repo, window); every window ``WINDOW_DAYS`` long and inside ``[2000-01-01, today]``;
    ``lines`` = added + deleted; a contributor has at least one commit, and from one to
    15 active days, at most its commits; every contribution inside a listed period;
    each period's contributors and sums equal to its contributions'; the periods are
    exactly the manifest's windows inside a history, with the commits it records.
    """
    import pandas as pd

    where_c, where_p = directory / CONTRIBUTIONS_FILE, directory / PERIODS_FILE
    window_key = ["repo", "period_start", "period_end"]
    for table, where, key in ((contributions, where_c, [*window_key, "user"]), (periods, where_p, window_key)):
        duplicated = table.duplicated(key)
        if duplicated.any():
            raise DataError(f"{where} line {_first_row(duplicated)}: {'/'.join(key)} listed twice")
        days = (table["period_end"] - table["period_start"]).dt.days
        length = days != manifest.window_days if manifest.window_days is not None else days < 0
        if length.any():
            raise DataError(f"{where} line {_first_row(length)}: window is not {manifest.window_days} days from start to end")
        early = (table["period_start"] < pd.Timestamp(EARLIEST_DAY)) | (table["period_end"] > pd.Timestamp(today()))
        if early.any():
            raise DataError(f"{where} line {_first_row(early)}: window outside {EARLIEST_DAY}..today")
        lines = table["lines"] != table["lines_added"] + table["lines_deleted"]
        if lines.any():
            raise DataError(f"{where} line {_first_row(lines)}: lines is not lines_added + lines_deleted")
    bad = (contributions["commits"] < 1) | (contributions["active_days"] < 1) | (
        contributions["active_days"] > contributions["commits"].clip(upper=WINDOW_DAYS + 1)
    )
    if bad.any():
        raise DataError(f"{where_c} line {_first_row(bad)}: needs commits >= 1 and 1 <= active_days <= min(commits, {WINDOW_DAYS + 1})")
    listed = pd.MultiIndex.from_frame(periods[["tool", *window_key]])
    unlisted = ~pd.MultiIndex.from_frame(contributions[["tool", *window_key]]).isin(listed)
    if unlisted.any():
        raise DataError(f"{where_c} line {_first_row(unlisted)}: contribution outside every window of {PERIODS_FILE}")
    sums = contributions.groupby(["tool", *window_key]).agg(
        contributors=("user", "size"), commits=("commits", "sum"), lines_added=("lines_added", "sum"),
        lines_deleted=("lines_deleted", "sum"),
    )
    joined = periods.merge(sums.reset_index(), on=["tool", *window_key], how="left", suffixes=("", "_rows"))
    for column in ("contributors", "commits", "lines_added", "lines_deleted"):
        differs = joined[column] != joined[f"{column}_rows"].fillna(0).astype("int64")
        if differs.any():
            raise DataError(f"{where_p} line {_first_row(differs)}: {column} differs from the sum over {CONTRIBUTIONS_FILE}")
    expected = sorted(
        (record["tool"], record["repo"], window["start"], window["end"], window["commits"])
        for record in manifest.repositories if record["status"] != "skipped"
        for window in record["windows"] if window.get("in_history", True)
    )
    found = sorted(
        zip(periods["tool"], periods["repo"], periods["period_start"].dt.strftime("%Y-%m-%d"),
            periods["period_end"].dt.strftime("%Y-%m-%d"), periods["commits"].tolist(), strict=True)
    )
    if found != expected:
        raise DataError(f"{where_p}: its windows or commits differ from the windows {MANIFEST_FILE} records")


def load_collected(directory: Path, cleaning: CleaningOptions | None = None, priced: bool = True) -> Sample:
    """Load a collected sample as the :class:`~mcvalue.data.tables.Sample` every later step reads.

    Parameters
    ----------
    directory
        The ``--out`` directory of a collection.
    cleaning
        Corrections to apply (:func:`mcvalue.data.clean.apply_cleaning`); ``None`` or all
        off gives mode ``corrected`` (the counts as read), anything on gives mode ``clean``.
    priced
        The sample will be priced (every window one two-week period): refuse one whose
        windows may have any length (``window_days`` null, a measurement sample).

    Returns
    -------
    Sample
        ``file_sha256`` holds the sha256 of both tables and the manifest, and the
        sample's identity ``sample_sha256``. A sample that fails :func:`verify_sample`
        or :func:`check_tables` is a DataError naming the file.

    """
    directory = Path(directory)
    verified = verify_sample(directory)
    if priced and verified.manifest.window_days != WINDOW_DAYS:
        raise DataError(
            f"{directory / MANIFEST_FILE}: its windows may have any length (a measurement sample); "
            f"only {WINDOW_DAYS}-day windows are priced as two-week periods"
        )
    contributions, periods = _tables(directory, verified)
    check_tables(contributions, periods, verified.manifest, directory)
    cleaning = cleaning or CleaningOptions()
    from mcvalue.data.clean import apply_cleaning  # adds the sync columns even with every option off

    contributions, periods = apply_cleaning(contributions, periods, cleaning)
    mode: Mode = "corrected" if cleaning == CleaningOptions() else "clean"
    return Sample(contributions, periods, mode, cleaning, verified.file_sha256)
