"""Named corrections to the raw parse (:class:`~mcvalue.data.tables.CleaningOptions`).

Each correction removes one way the sample overstates human engineering effort:

- ``exclude_bots``: separate the two kinds of account that are not one engineer
  (:func:`account_kind`). Automation accounts (dependency, CI and release bots) do no
  engineering work: their contributor-periods are dropped, and a period whose only
  contributor was a bot becomes a zero. Sync/export accounts (``tensorflower-gardener``,
  ``tfx-copybara``) publish work that engineers did inside a company: their rows stay,
  flagged ``sync``, so their commits and lines count in the repo totals, but they are
  neither contributors nor part of any per-contributor mean.
- ``merge_duplicate_repos``: one GitHub repository sampled under several tool names
  becomes one repo (tool names joined by " / ") with the union of its windows, so the
  sum over repos counts it once.
- ``drop_overlapping_windows``: when two sampled windows of one repo overlap, the later
  one is dropped, so no activity is counted twice. Windows are half-open
  ``[period_start, period_end)``: GitHub's two-week windows span exactly 14 days from
  ``from`` to ``to``, so windows that only touch (one ends the day the other starts)
  do not overlap.

Corrections apply in that order (bots, merge, overlaps), so overlaps are judged on the
merged repos.
"""

import re
from typing import Literal

import pandas as pd

from mcvalue.data.parse import period_totals
from mcvalue.data.tables import CleaningOptions

#: Name patterns of sync/export accounts (a company's internal work published by one
#: account), matched case-insensitively. In the paper's sample: tensorflower-gardener
#: (TensorFlow, TensorFlow Lite) and tfx-copybara (TensorFlow Extended).
SYNC_PATTERNS: tuple[str, ...] = (r"copybara", r"gardener")
#: Name patterns of automation accounts, matched case-insensitively against user names.
#: Found by reading the paper's sample: facebook-github-bot, flyte-bot, renovate-bot,
#: greenkeeper[bot], milvus-ci-robot, mlflow-automation, h2o-ops, elementl-devtools.
AUTOMATION_PATTERNS: tuple[str, ...] = (
    r"\[bot\]$",
    r"(^|[-_])bot($|[-_])",
    r"bot$",
    r"robot",
    r"automation",
    r"(^|[-_])ops$",
    r"(^|[-_])ci($|[-_])",
    r"devtools",
    r"jenkins",
    r"butler",
)
#: Name patterns of team accounts (several people behind one login, e.g. MNNTeam): flagged
#: by the audit, kept by cleaning (their work is real; only their count as one is doubtful).
TEAM_PATTERNS: tuple[str, ...] = (r"(?-i:Team)$", r"(^|[-_])team([-_]|$)")


def _pattern(patterns: tuple[str, ...]) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_SYNC_RE, _AUTOMATION_RE, _TEAM_RE = _pattern(SYNC_PATTERNS), _pattern(AUTOMATION_PATTERNS), _pattern(TEAM_PATTERNS)
AccountKind = Literal["sync", "automation"]


def account_kind(user: str, extra_bots: tuple[str, ...] = ()) -> AccountKind | None:
    """Return "sync", "automation" or None (a person) for a user name.

    Sync patterns are tried first, so a name such as ``tfx-copybara`` is never read as a
    bot by a broader automation pattern. ``extra_bots`` entries match whole user names,
    case-insensitively, and are automation.
    """
    if user.lower() in {name.lower() for name in extra_bots}:
        return "automation"
    if _SYNC_RE.search(user):
        return "sync"
    return "automation" if _AUTOMATION_RE.search(user) else None


def is_bot(user: str, extra_bots: tuple[str, ...] = ()) -> bool:
    """Whether a user name is not one engineer: a sync or an automation account."""
    return account_kind(user, extra_bots) is not None


def is_team(user: str) -> bool:
    """Whether a user name looks like a team account (several people behind one login)."""
    return _TEAM_RE.search(user) is not None and not is_bot(user)


def kind_series(users: pd.Series, extra_bots: tuple[str, ...] = ()) -> pd.Series:
    """Series of :func:`account_kind` per row (None for people)."""
    return users.map(lambda user: account_kind(user, extra_bots))


def duplicate_repos(periods: pd.DataFrame) -> dict[str, list[str]]:
    """GitHub repos sampled under more than one tool name -> those tool names (file order)."""
    tools = periods.drop_duplicates(["repo", "tool"]).groupby("repo", sort=False)["tool"].agg(list)
    return {repo: names for repo, names in tools.items() if len(names) > 1}


def overlapping_pairs(windows: pd.DataFrame, by: list[str]) -> list[tuple[int, int]]:
    """Index pairs (earlier, later) of windows sharing ``by`` keys whose spans overlap.

    Spans are half-open ``[period_start, period_end)``; windows without dates are skipped.
    """
    dated = windows.dropna(subset=["period_start", "period_end"])
    pairs = []
    for _, group in dated.groupby(by, sort=False):
        ordered = group.sort_values(["period_start", "period_end"], kind="stable")
        rows = list(ordered[["period_start", "period_end"]].itertuples())
        for i, first in enumerate(rows):
            pairs += [(first.Index, later.Index) for later in rows[i + 1:] if later.period_start < first.period_end]
    return pairs


def later_overlapping(windows: pd.DataFrame, by: list[str]) -> pd.Index:
    """Index of windows to drop so that no two kept windows (per ``by`` group) overlap.

    Windows are visited in start order; a window is kept unless it overlaps one already
    kept, i.e. the later window of each overlapping pair goes.
    """
    dated = windows.dropna(subset=["period_start", "period_end"])
    dropped = []
    for _, group in dated.groupby(by, sort=False):
        kept_ends: list[pd.Timestamp] = []
        for row in group.sort_values(["period_start", "period_end"], kind="stable").itertuples():
            if any(row.period_start < end for end in kept_ends):
                dropped.append(row.Index)
            else:
                kept_ends.append(row.period_end)
    return pd.Index(dropped)


def _merge_duplicates(contributions: pd.DataFrame, periods: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    names = {repo: " / ".join(tools) for repo, tools in duplicate_repos(periods).items()}

    def relabel(frame: pd.DataFrame) -> pd.DataFrame:
        frame = frame.copy()
        frame["tool"] = [names.get(repo, tool) for repo, tool in zip(frame["repo"], frame["tool"], strict=True)]
        return frame

    return relabel(contributions), relabel(periods)


def _drop_overlaps(contributions: pd.DataFrame, periods: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = ["tool", "repo", "period_start", "period_end"]
    dropped = periods.loc[later_overlapping(periods, ["tool", "repo"]), keys]
    periods = periods.drop(index=dropped.index)
    marker = contributions[keys].merge(dropped.assign(_drop=True), on=keys, how="left")["_drop"]
    return contributions[marker.isna().to_numpy()], periods


def apply_cleaning(
    contributions: pd.DataFrame, periods: pd.DataFrame, options: CleaningOptions
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Contributions and periods tables after the corrections ``options`` turns on."""
    contributions = contributions.assign(sync=False)
    if options.exclude_bots:
        kinds = kind_series(contributions["user"], options.extra_bots).to_numpy()
        contributions = contributions.assign(sync=kinds == "sync")[kinds != "automation"]
    if options.merge_duplicate_repos:
        contributions, periods = _merge_duplicates(contributions, periods)
    if options.drop_overlapping_windows:
        contributions, periods = _drop_overlaps(contributions, periods)
    contributions = contributions.reset_index(drop=True)
    return contributions, period_totals(contributions, periods.reset_index(drop=True))
