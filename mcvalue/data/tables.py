"""The tidy tables every later stage reads, and the options that produced them.

``Sample.contributions``: one row per contributor-period, columns
    tool (str), repo (str, GitHub "owner/name", lower case), period_start, period_end
    (datetime64, NaT where the source does not say), user (str), commits (int),
    lines_added (int), lines_deleted (int), lines (int, added + deleted: the paper's
    "lines modified"), sync (bool: a sync/export account publishing a company's work,
    set only by the ``exclude_bots`` cleaning; such a row is not one engineer).
``Sample.periods``: one row per sampled repo-period, *including* periods where nobody
    contributed (zeros, not missing), columns
    tool, repo, period_start, period_end, contributors (int: rows that are not sync),
    commits, lines_added, lines_deleted, lines (int sums over *all* the period's rows,
    sync included), sync_commits, sync_lines (int: the sync rows' part of those sums).

Per-contributor means (Table 1's reference means) exclude sync rows; repo totals include
them. Paper and corrected mode set no sync flag (all False, zeros in the sync columns).

In paper mode the flat CSV does not list empty periods; they are added as zero rows with
NaT dates so that every tool has the five periods the paper sampled.
"""

from dataclasses import dataclass
from typing import TYPE_CHECKING

from mcvalue.priors.settings import MODES, CleaningOptions, Mode

if TYPE_CHECKING:  # pandas only annotates here; importing it costs ~0.2 s on `mcvalue priors`
    import pandas as pd

__all__ = ["MODES", "CleaningOptions", "Mode", "Sample"]

@dataclass(frozen=True)
class Sample:
    """The sample in one mode: the two tidy tables plus how they were made."""

    contributions: "pd.DataFrame"
    periods: "pd.DataFrame"
    mode: Mode
    cleaning: CleaningOptions
    file_sha256: dict[str, str]
