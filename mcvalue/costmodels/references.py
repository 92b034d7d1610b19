"""Where the reference repositories' windows come from: a choice (``[cost] references``, ``--references``).

The commits and lines methods turn units into FTE by the mean units per contributor-period
of a reference repository (:data:`mcvalue.vocab.paper.REFERENCE_REPOS`: pytorch/pytorch for the
``*_pytorch`` methods, tensorflow/tensorflow for the ``*_tensorflow`` ones). Those
contributor-periods may come from

* ``sample``: the sample's own windows of the reference repositories (the paper's set-up;
  for the paper's sample these are the shipped scrape's windows);
* ``paper``: the paper's reference windows from the shipped scrape, read in the run's data
  mode and cleaning, whatever the sample (for the paper's sample the same as ``sample``);
* a directory: a sample written by ``mcvalue data collect`` holding the reference
  repositories, collected separately from the sample being priced.

References from another source are attached to the sample as *reference-only units*: their
periods carry ``reference_only = True`` and the tool label :data:`REFERENCE_TOOL`, so the
cost models fit or resample them like any repository but leave them out of the sums that
the FTE is (the sample's own windows of the same repository, if any, stay in those sums).
A method whose reference is in no source cannot be priced: its FTE is NaN and
:func:`mcvalue.costmodels.drop_unpriced_methods` moves its weight, with one line naming it.
The contributors and activity-threshold methods need no reference units.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mcvalue.errors import DataError

if TYPE_CHECKING:
    from mcvalue.data.tables import Sample
    from mcvalue.priors.settings import CleaningOptions, Mode

#: Tool label of a reference-only unit (a tool name a repository list cannot give: it has brackets and spaces).
REFERENCE_TOOL = "[reference only]"
#: Periods column marking reference-only units (absent: none).
REFERENCE_COLUMN = "reference_only"
#: How the shipped scrape's reference windows were measured, for the report.
SCRAPE_MEASUREMENT = (
    "read from GitHub's contributors page on 2022-02-18 by the paper's scrape: five random two-week windows per repository, "
    "only the top 100 contributors of all time and only addresses linked to an account, [bot] accounts hidden; for "
    "pytorch/pytorch and tensorflow/tensorflow, with thousands of authors, every window is a lower bound of the activity and "
    "its mean units per contributor-period is biased upward (the cut removes the least active authors; docs/topcut.md)"
)


@dataclass(frozen=True)
class ReferenceSource:
    """A parsed ``[cost] references`` setting.

    Attributes
    ----------
    kind : str
        ``sample``, ``paper`` or ``collected``.
    path : pathlib.Path or None
        The collected sample's directory (``collected`` only).
    """

    kind: str
    path: Path | None = None

    @classmethod
    def parse(cls, setting: str) -> ReferenceSource:
        """Read a setting: ``sample``, ``paper``, or any other text as a directory.

        Examples
        --------
        >>> ReferenceSource.parse("paper").kind, ReferenceSource.parse("refs/torch").path
        ('paper', PosixPath('refs/torch'))
        """
        if setting in ("sample", "paper"):
            return cls(setting)
        return cls("collected", Path(setting).expanduser())


def reference_units(sample: Sample) -> dict[str, int]:
    """Return, per reference name (``pytorch``, ``tensorflow``), the contributor-periods pricing it in ``sample``.

    A reference-only unit of the repository takes precedence over the sample's own windows
    of it; 0 when the sample has neither.
    """
    from mcvalue.vocab.paper import REFERENCE_REPOS

    people = sample.contributions
    if "sync" in people.columns:
        people = people[~people["sync"].to_numpy(dtype=bool)]
    return {name: len(reference_rows(people, repo)) for name, repo in REFERENCE_REPOS.items()}


def summed_periods(periods: Any) -> Any:
    """Return the periods the FTE sums: all but reference-only units' (:data:`REFERENCE_COLUMN`)."""
    if REFERENCE_COLUMN not in periods.columns:
        return periods
    return periods[~periods[REFERENCE_COLUMN].to_numpy(dtype=bool)]


def reference_rows(people: Any, repo: str) -> Any:
    """Return the contributor-periods pricing reference ``repo``: its reference-only unit's if any, else the sample's own."""
    rows = people[people["repo"] == repo]
    only = rows[rows["tool"] == REFERENCE_TOOL]
    return only if len(only) else rows


def attach_references(sample: Sample, references: Sample) -> Sample:
    """Return ``sample`` with the reference repositories of ``references`` added as reference-only units.

    Only the windows of :data:`mcvalue.vocab.paper.REFERENCE_REPOS` are taken; their tool becomes
    :data:`REFERENCE_TOOL` and their periods are marked in :data:`REFERENCE_COLUMN`. Columns
    the sample lacks are dropped, columns the references lack are zero (sync units) or False.
    """
    import pandas as pd

    from mcvalue.vocab.paper import REFERENCE_REPOS

    repos = set(REFERENCE_REPOS.values())
    periods = references.periods[references.periods["repo"].isin(repos)].assign(tool=REFERENCE_TOOL)
    people = references.contributions[references.contributions["repo"].isin(repos)].assign(tool=REFERENCE_TOOL)
    own = sample.periods if REFERENCE_COLUMN in sample.periods.columns else sample.periods.assign(**{REFERENCE_COLUMN: False})
    periods = _aligned(periods.assign(**{REFERENCE_COLUMN: True}), own)
    people = _aligned(people, sample.contributions)
    return replace(
        sample,
        periods=pd.concat([own, periods], ignore_index=True),
        contributions=pd.concat([sample.contributions, people], ignore_index=True),
    )


def _aligned(frame: Any, like: Any) -> Any:
    """``frame`` with exactly ``like``'s columns: a missing boolean column False, any other missing column 0."""
    from pandas.api.types import is_bool_dtype

    missing = {column: (False if is_bool_dtype(dtype) else 0) for column, dtype in like.dtypes.items() if column not in frame.columns}
    return frame.assign(**missing)[list(like.columns)]


def load_references(
    setting: str, sample: Sample, mode: Mode, data_dir: Path | None, cleaning: CleaningOptions | None, collected: bool
) -> tuple[Sample, dict[str, Any]]:
    """Return the sample with its references attached as the setting says, and the record the report gives.

    Parameters
    ----------
    setting : str
        ``[cost] references``: ``sample``, ``paper`` or a collected sample's directory.
    sample : Sample
        The sample being priced.
    mode, data_dir, cleaning
        How the shipped scrape is read for ``paper`` (the run's own mode and cleaning).
    collected : bool
        True when ``sample`` is a collected sample (then ``paper`` reads the scrape; for the
        paper's own sample ``paper`` and ``sample`` are the same windows).

    Returns
    -------
    (Sample, dict)
        The sample to price, and ``{"setting", "source", "measured", "contributor_periods"}``:
        where the references come from, how they were measured, and how many
        contributor-periods price each reference (0: that reference's methods cannot be priced).

    Raises
    ------
    DataError
        A references directory that is not a readable collected sample, or that holds
        neither reference repository (naming ``[cost] references``).
    """
    from mcvalue.data import load_sample

    source = ReferenceSource.parse(setting)
    if source.kind == "collected":
        try:
            references = load_sample(mode, None, cleaning, source.path)
        except DataError as error:
            raise DataError(f"[cost] references = {setting!r}: {error}") from None
        attached = attach_references(sample, references)
        if len(attached.periods) == len(sample.periods):
            raise DataError(
                f"[cost] references = {setting!r}: the collected sample holds neither pytorch/pytorch nor tensorflow/tensorflow; "
                "collect them (mcvalue data collect --repos FILE naming them) or use references = \"paper\""
            )
        measured = f"collected separately with mcvalue data collect into {source.path} (sample_sha256 {references.file_sha256.get('sample_sha256', '?')})"
        record_source = "collected"
    elif source.kind == "paper" and collected:
        attached = attach_references(sample, load_sample(mode, data_dir, cleaning))
        corrected = cleaning is not None and cleaning.correct_top100
        measured = f"{SCRAPE_MEASUREMENT}; {'their mean per contributor corrected for the cut' if corrected else 'not corrected for the cut'} (correct_top100)"
        record_source = "paper"
    else:
        attached = sample
        record_source = "paper" if not collected else "sample"
        corrected = cleaning is not None and cleaning.correct_top100
        measured = (
            f"{SCRAPE_MEASUREMENT}; {'corrected for the cut by clean mode' if corrected else 'not corrected for the cut'} (correct_top100)"
            if not collected
            else "the sample's own windows of the reference repositories (mcvalue data collect)"
        )
    return attached, {
        "setting": setting,
        "source": record_source,
        "measured": measured,
        "contributor_periods": reference_units(attached),
    }


def reference_identity(setting: str, mode: Mode, data_dir: Path | None, collected: bool) -> dict[str, str]:
    """Return what identifies the references in a cost-side cache key: the setting and the sha256 of the files read.

    Cheap (the files' pinned or recorded digests, as :func:`mcvalue.data.verify_files`).
    """
    from mcvalue.data import verify_files

    source = ReferenceSource.parse(setting)
    if source.kind == "collected":
        try:
            files = verify_files(mode, None, source.path)
        except DataError as error:
            raise DataError(f"[cost] references = {setting!r}: {error}") from None
    elif source.kind == "paper" and collected:
        files = verify_files(mode, data_dir)
    else:
        files = {}
    return {f"references:{name}": digest for name, digest in {"setting": source.kind, **files}.items()}


def unpriced_line(methods: list[str], record: dict[str, Any]) -> str:
    """One line naming the costing methods the references cannot price, and why (for ``mcvalue fit``)."""
    missing = [name for name, n in record["contributor_periods"].items() if n == 0]
    return (
        f"no FTE for {', '.join(methods)}: the references ([cost] references = {record['setting']!r}) have no contributor-period "
        f"of {', '.join(missing)} (choose --references paper or a collected sample holding them)"
    )
