"""What is wrong with a sample in the paper's format: the findings behind clean mode.

:func:`audit_tables` works on any raw scrape in this format (parsed by
:func:`mcvalue.data.parse.read_raw`) and, optionally, the flat CSV derived from it.
Every finding is ``{"count": int, "cases": [...]}``; cases are plain JSON values.
"""

from pathlib import Path
from typing import Any

import pandas as pd

from mcvalue.data.clean import duplicate_repos, is_team, kind_series, overlapping_pairs
from mcvalue.data.fetch import FLAT_FILE, RAW_FILE, locate, provenance
from mcvalue.data.parse import read_flat_contributions, read_raw
from mcvalue.vocab.paper import REFERENCE_REPOS

FINDINGS = ("truncated_numbers", "bots", "team_accounts", "duplicate_repos", "overlapping_windows", "empty_periods",
            "empty_tools", "heaviest")
_NUMBER_FIELDS = ("commits", "lines_added", "lines_deleted")
_KEYS = ["tool", "repo", "period_start", "period_end", "user"]


def _day(value: pd.Timestamp) -> str | None:
    return None if pd.isna(value) else value.strftime("%Y-%m-%d")


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts: dates as YYYY-MM-DD, numpy scalars as Python numbers."""
    out = []
    for row in frame.to_dict(orient="records"):
        out.append({k: _day(v) if isinstance(v, pd.Timestamp) or v is pd.NaT else (v.item() if hasattr(v, "item") else v)
                    for k, v in row.items()})
    return out


def counts(contributions: pd.DataFrame, periods: pd.DataFrame) -> dict[str, int]:
    """Size of the sample: tools, distinct GitHub repos, repo-periods, contributor-periods."""
    return {
        "tools": int(periods["tool"].nunique()),
        "repos": int(periods["repo"].nunique()),
        "periods": len(periods),
        "contributor_periods": len(contributions),
        "users": int(contributions["user"].nunique()),
    }


def truncated_numbers(raw: pd.DataFrame, flat: pd.DataFrame, top: int) -> dict[str, Any]:
    """Numbers the flat CSV holds smaller than the raw scrape (e.g. "5,485" read as 5).

    Rows are matched on tool, period and user. Cases (largest loss first, at most
    ``top``) give the field and both values; ``lost`` sums raw - flat per field, and
    ``unmatched_rows`` counts rows present in only one of the files.
    """
    merged = flat[_KEYS + list(_NUMBER_FIELDS)].merge(
        raw[_KEYS + list(_NUMBER_FIELDS)], on=_KEYS, how="outer", suffixes=("_flat", "_raw"), indicator=True
    )
    both = merged[merged["_merge"] == "both"]
    cases = []
    for field in _NUMBER_FIELDS:
        differ = both[both[f"{field}_flat"] != both[f"{field}_raw"]]
        for row in differ.itertuples(index=False):
            cases.append({
                "tool": row.tool, "repo": row.repo, "period_start": _day(row.period_start),
                "period_end": _day(row.period_end), "user": row.user, "field": field,
                "raw": int(getattr(row, f"{field}_raw")), "flat": int(getattr(row, f"{field}_flat")),
            })
    cases.sort(key=lambda c: c["raw"] - c["flat"], reverse=True)
    lost = {field: int((both[f"{field}_raw"] - both[f"{field}_flat"]).sum()) for field in _NUMBER_FIELDS}
    return {"count": len(cases), "lost": lost, "unmatched_rows": int((merged["_merge"] != "both").sum()),
            "cases": cases[:top]}


def _account_cases(contributions: pd.DataFrame, flagged: pd.DataFrame) -> list[dict[str, Any]]:
    """One case per (account, tool) of ``flagged`` rows, with shares of that tool's sampled commits and lines."""
    totals = contributions.groupby(["tool", "repo"], sort=False)[["commits", "lines"]].sum()
    per = flagged.groupby(["user", "tool", "repo"], sort=False).agg(
        periods=("commits", "size"), commits=("commits", "sum"), lines=("lines", "sum"))
    cases = []
    for (user, tool, repo), row in per.iterrows():
        total = totals.loc[(tool, repo)]
        cases.append({
            "user": user, "tool": tool, "repo": repo, "contributor_periods": int(row["periods"]),
            "commits": int(row["commits"]), "lines": int(row["lines"]),
            "share_of_repo_commits": float(row["commits"] / total["commits"]) if total["commits"] else 0.0,
            "share_of_repo_lines": float(row["lines"] / total["lines"]) if total["lines"] else 0.0,
        })
    cases.sort(key=lambda c: c["lines"], reverse=True)
    return cases


def bots(contributions: pd.DataFrame, extra_bots: tuple[str, ...] = ()) -> dict[str, Any]:
    """Accounts that are not one engineer, by kind, and their share of each repo's commits and lines.

    ``kind`` is "sync" (a company's work published by one account: clean mode keeps its
    units in the repo totals but not in per-contributor means or contributor counts) or
    "automation" (dependency, CI, release bots: clean mode drops its rows). One case per
    (account, tool); shares are of that tool's sampled commits and lines.
    """
    kinds = kind_series(contributions["user"], extra_bots)
    cases = _account_cases(contributions, contributions[kinds.notna().to_numpy()])
    for case in cases:
        case["kind"] = kinds[contributions["user"] == case["user"]].iloc[0]
    accounts = sorted({c["user"] for c in cases}, key=str.lower)
    return {"count": len(cases), "accounts": accounts,
            "sync_accounts": [a for a in accounts if any(c["user"] == a and c["kind"] == "sync" for c in cases)],
            "cases": cases}


def team_accounts(contributions: pd.DataFrame) -> dict[str, Any]:
    """Accounts named like a team (e.g. ``MNNTeam``): several people behind one login.

    Flagged, not cleaned: their units are real work, but counting the account as one
    contributor understates the people behind it (and inflates the per-contributor mean
    if it is in a reference repo).
    """
    cases = _account_cases(contributions, contributions[contributions["user"].map(is_team).to_numpy(dtype=bool)])
    return {"count": len(cases), "cases": cases}


def duplicates(periods: pd.DataFrame) -> dict[str, Any]:
    """GitHub repositories sampled under more than one tool name."""
    cases = [{"repo": repo, "tools": tools} for repo, tools in duplicate_repos(periods).items()]
    return {"count": len(cases), "cases": cases}


def overlapping_windows(periods: pd.DataFrame) -> dict[str, Any]:
    """Pairs of sampled windows of one GitHub repo (under any tool name) that overlap.

    Windows are half-open [start, end); see :mod:`mcvalue.data.clean`.
    """
    cases = []
    for first, later in overlapping_pairs(periods, ["repo"]):
        a, b = periods.loc[first], periods.loc[later]
        cases.append({
            "repo": a["repo"], "tools": [a["tool"], b["tool"]],
            "first": [_day(a["period_start"]), _day(a["period_end"])],
            "later": [_day(b["period_start"]), _day(b["period_end"])],
            "overlap_days": int((min(a["period_end"], b["period_end"]) - b["period_start"]).days),
        })
    return {"count": len(cases), "cases": cases}


def empty_periods(periods: pd.DataFrame) -> dict[str, Any]:
    """Return sampled repo-periods in which nobody contributed (zeros, kept as zeros)."""
    empty = periods.loc[periods["contributors"] == 0, ["tool", "repo", "period_start", "period_end"]]
    return {"count": len(empty), "cases": _records(empty)}


def empty_tools(periods: pd.DataFrame) -> dict[str, Any]:
    """Tools none of whose sampled windows has a contributor: a likely wrong or moved repository URL.

    GitHub's contributors graph shows nothing for a repository that moved or was renamed
    after the URL was recorded (e.g. ``allegro-ai/trains``, now ``allegroai/clearml``), so
    such a tool contributes zeros that may not be real; a project that was dormant in all
    its windows looks the same, so each case needs a look at the repository.
    """
    grouped = periods.groupby(["tool", "repo"], sort=False)["contributors"].agg(["size", "sum"])
    empty = grouped[grouped["sum"] == 0]
    cases = [{"tool": tool, "repo": repo, "periods": int(row["size"])} for (tool, repo), row in empty.iterrows()]
    return {"count": len(cases), "cases": cases}


def _heaviest_cases(contributions: pd.DataFrame, rows: pd.DataFrame) -> list[dict[str, Any]]:
    """``rows`` as audit cases with their share of all lines and of their repo's lines."""
    total = contributions["lines"].sum()
    by_repo = contributions.groupby(["tool", "repo"], sort=False)["lines"].sum()
    cases = _records(rows[_KEYS + ["commits", "lines_added", "lines_deleted", "lines"]])
    for case in cases:
        repo_total = by_repo[(case["tool"], case["repo"])]
        case["share_of_sample_lines"] = case["lines"] / total if total else 0.0
        case["share_of_repo_lines"] = float(case["lines"] / repo_total) if repo_total else 0.0
    return cases


def heaviest(contributions: pd.DataFrame, top: int, extra_bots: tuple[str, ...] = ()) -> dict[str, Any]:
    """Return the ``top`` contributor-periods by lines modified, and the heaviest one of each reference repo.

    Each case carries its share of all lines and of its repo's lines: a row holding most
    of its repo's lines decides that repo's mean lines per contributor-period, which is
    Table 1's reference mean when the repo is a reference (``references``: one case per
    reference repo in :data:`mcvalue.vocab.paper.REFERENCE_REPOS`, if sampled, among the people's
    rows: clean mode keeps sync and automation accounts out of the reference mean).
    """
    total = contributions["lines"].sum()
    rows = contributions.nlargest(top, "lines", keep="first")
    people = contributions[kind_series(contributions["user"], extra_bots).isna().to_numpy()]
    references = [people[people["repo"] == repo].nlargest(1, "lines", keep="first") for repo in REFERENCE_REPOS.values()]
    cases = _heaviest_cases(contributions, rows)
    return {"count": len(cases), "share_of_sample_lines": float(rows["lines"].sum() / total) if total else 0.0,
            "cases": cases, "references": _heaviest_cases(contributions, pd.concat(references))}


def audit_tables(
    contributions: pd.DataFrame,
    periods: pd.DataFrame,
    flat: pd.DataFrame | None = None,
    extra_bots: tuple[str, ...] = (),
    top: int = 10,
) -> dict[str, Any]:
    """All findings for a parsed raw sample (and, if given, its flat CSV's contributions)."""
    report = {"counts": counts(contributions, periods)}
    if flat is not None:
        report["truncated_numbers"] = truncated_numbers(contributions, flat, top)
    report["bots"] = bots(contributions, extra_bots)
    report["team_accounts"] = team_accounts(contributions)
    report["duplicate_repos"] = duplicates(periods)
    report["overlapping_windows"] = overlapping_windows(periods)
    report["empty_periods"] = empty_periods(periods)
    report["empty_tools"] = empty_tools(periods)
    report["heaviest"] = heaviest(contributions, top, extra_bots)
    return report


def audit(data_dir: Path | None = None, extra_bots: tuple[str, ...] = (), top: int = 10) -> dict[str, Any]:
    """Audit the paper's sample (raw scrape against its flat CSV); the ``mcvalue data audit`` report."""
    contributions, periods = read_raw(locate(RAW_FILE, data_dir))
    flat = read_flat_contributions(locate(FLAT_FILE, data_dir))
    report = audit_tables(contributions, periods, flat, extra_bots, top)
    report["extra_bots"] = list(extra_bots)
    report["data_sha256"] = provenance((RAW_FILE, FLAT_FILE))
    return report


def _section(title: str, finding: dict[str, Any], columns: list[str] | None = None) -> list[str]:
    """Title line with the count, then the cases as an aligned table."""
    lines = ["", f"{title}: {finding['count']}"]
    if finding["cases"]:
        frame = pd.DataFrame(finding["cases"])
        lines.append(frame[columns or list(frame.columns)].to_string(index=False))
    return lines


def _empty_by_tool(finding: dict[str, Any], top: int = 15) -> list[str]:
    """Empty repo-periods per tool, most first: one row per tool, not per period (128 in the paper's sample)."""
    lines = ["", f"empty repo-periods (nobody contributed; counted as zeros): {finding['count']}"]
    if not finding["cases"]:
        return lines
    frame = pd.DataFrame(finding["cases"])
    grouped = frame.groupby(["tool", "repo"], sort=False).agg(
        empty_periods=("period_start", "size"), starts=("period_start", lambda s: ", ".join(sorted(map(str, s)))))
    grouped = grouped.reset_index().sort_values("empty_periods", ascending=False, kind="stable")
    lines.append(grouped.head(top).to_string(index=False))
    if len(grouped) > top:
        rest = grouped.iloc[top:]
        lines.append(f"  ... and {len(rest)} more tools with {int(rest['empty_periods'].sum())} empty periods (all in --json)")
    return lines


def render(report: dict[str, Any]) -> str:
    """Plain aligned text for an :func:`audit` report."""
    c = report["counts"]
    collected = report.get("sample")
    lines = [
        f"Audit of the sample collected from git at {collected['path']} (design {collected['design']})"
        if collected else "Audit of the paper's GitHub sample (raw scrape; flat CSV compared where given)",
        *(f"  problem: {problem}" for problem in (collected or {}).get("problems", [])),
        "  data: " + ", ".join(f"{n}{'' if n.endswith('sha256') else ' sha256'} {h[:12]}" for n, h in report.get("data_sha256", {}).items()),
        f"  bot list: name patterns + extra_bots={report.get('extra_bots', [])}",
        f"  {c['tools']} tools, {c['repos']} distinct GitHub repos, {c['periods']} repo-periods, "
        f"{c['contributor_periods']} contributor-periods, {c['users']} users",
    ]
    if "truncated_numbers" in report:
        t = report["truncated_numbers"]
        lost = ", ".join(f"{field} {n:,}" for field, n in t["lost"].items())
        lines += _section("numbers the flat CSV truncated (worst shown)", t)
        lines.append(f"  total lost by truncation: {lost}; rows in only one file: {t['unmatched_rows']}")
    b = report["bots"]
    lines += _section("accounts that are not one engineer (account x tool; clean mode: sync kept in repo totals "
                      "only, automation dropped)", b,
                      ["user", "kind", "tool", "contributor_periods", "commits", "lines",
                       "share_of_repo_commits", "share_of_repo_lines"])
    lines += _section("team accounts (several people behind one login; flagged, kept)", report["team_accounts"],
                      ["user", "tool", "contributor_periods", "commits", "lines", "share_of_repo_lines"])
    lines += _section("GitHub repos sampled under several tool names", report["duplicate_repos"])
    overlaps = report["overlapping_windows"]
    lines += _section("overlapping sampled windows of one repo (the later one is dropped in clean mode)", {
        "count": overlaps["count"],
        "cases": [{"repo": c["repo"], "tools": " / ".join(dict.fromkeys(c["tools"])),
                   "first": "..".join(c["first"]), "later": "..".join(c["later"]), "overlap_days": c["overlap_days"]}
                  for c in overlaps["cases"]],
    })
    lines += _empty_by_tool(report["empty_periods"])
    lines += _section("tools with every sampled window empty (likely a wrong or moved repository URL, else a dormant project)",
                      report["empty_tools"])
    h = report["heaviest"]
    lines += _section(f"heaviest contributor-periods by lines ({h['share_of_sample_lines']:.1%} of all lines)", h,
                      ["tool", "period_start", "user", "commits", "lines_added", "lines_deleted", "lines", "share_of_repo_lines"])
    lines += _section("heaviest contributor-period of each reference repo (decides Table 1's lines reference mean)",
                      {"count": len(h["references"]), "cases": h["references"]},
                      ["tool", "period_start", "user", "commits", "lines", "share_of_repo_lines"])
    return "\n".join(lines)
