"""The paper's GitHub sample: fetching, parsing, auditing and cleaning it.

Public entry point: :func:`load_sample`, the one call every later stage makes. Importing
this package (or :mod:`mcvalue.data.tables`) does not import pandas.
"""

from pathlib import Path

from mcvalue.data.tables import MODES, CleaningOptions, Mode, Sample
from mcvalue.errors import McValueError
from mcvalue.priors.settings import DEFAULT_MODE

__all__ = ["load_sample", "verify_files", "CleaningOptions", "Mode", "Sample"]


def verify_files(mode: Mode = DEFAULT_MODE, data_dir: Path | None = None, sample: Path | None = None) -> dict[str, str]:
    """Locate the data files a mode reads and check their sha256; cheap, done on every run.

    Parameters
    ----------
    mode : str
        ``paper`` reads the flat CSV and the raw scrape, the other modes the raw scrape.
    data_dir : pathlib.Path, optional
        Where the files are (else ``$MCVALUE_DATA_DIR``, the cache, a download).
    sample : pathlib.Path, optional
        A collected sample (``mcvalue data collect``) to check instead: its tables
        against the sha256 its manifest records.

    Returns
    -------
    dict
        File name -> sha256 of each file the mode reads (the pinned digests; for a
        collected sample its two tables and manifest.json, and ``sample_sha256``, the
        sample's identity, once its tables passed their schema checks).

    Raises
    ------
    DataError
        A file is missing, unreadable or not the pinned bytes (the message names it).
    """
    from mcvalue.data.fetch import FLAT_FILE, RAW_FILE, locate, provenance

    if mode not in MODES:
        raise McValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if sample is not None:
        from mcvalue.data.collected_sample import collected_files

        return collected_files(sample)
    names = (FLAT_FILE, RAW_FILE) if mode == "paper" else (RAW_FILE,)
    for name in names:
        locate(name, data_dir)
    return provenance(names)


def load_sample(
    mode: Mode = DEFAULT_MODE, data_dir: Path | None = None, cleaning: CleaningOptions | None = None, sample: Path | None = None
) -> Sample:
    """Return the sample in one mode, with the options and file hashes that produced it.

    - ``paper``: the authors' flat CSV as published (truncated numbers and all), plus
      zero rows for the sampled periods it omits; no cleaning.
    - ``corrected``: the raw scrape parsed correctly; no cleaning.
    - ``clean``: the raw scrape with every correction on.

    ``cleaning`` overrides the mode's options (``None``: :meth:`CleaningOptions.for_mode`);
    paper mode accepts no cleaning. ``data_dir`` is where the files are (else
    ``$MCVALUE_DATA_DIR``, the cache, a download; see :mod:`mcvalue.data.fetch`).
    ``sample`` is a directory written by ``mcvalue data collect`` to read instead of the
    paper's scrape (:func:`mcvalue.data.collected_sample.load_collected`; no paper mode).
    """
    # Imported here, not at module level: the prior commands import mcvalue.data.tables
    # (hence this package) and must not pay for pandas.
    from mcvalue.data.clean import apply_cleaning
    from mcvalue.data.fetch import FLAT_FILE, RAW_FILE, locate, provenance
    from mcvalue.data.parse import read_flat, read_raw, roster

    if mode not in MODES:
        raise McValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if cleaning is None:
        cleaning = CleaningOptions.for_mode(mode)
    if sample is not None:
        from mcvalue.data.collected_sample import load_collected

        if mode == "paper":
            raise McValueError("a collected sample has no paper mode (the authors' flat CSV); use {mode} corrected or clean", parameters=("mode",))
        return load_collected(sample, cleaning)
    raw_contributions, raw_periods = read_raw(locate(RAW_FILE, data_dir))
    if mode == "paper":
        if cleaning != CleaningOptions():
            raise McValueError("paper mode reproduces the published flat CSV and takes no cleaning options")
        contributions, periods = read_flat(locate(FLAT_FILE, data_dir), roster(raw_periods))
        files: tuple[str, ...] = (FLAT_FILE, RAW_FILE)
    else:
        contributions, periods = apply_cleaning(raw_contributions, raw_periods, cleaning)
        files = (RAW_FILE,)
    return Sample(contributions, periods, mode, cleaning, provenance(files))
