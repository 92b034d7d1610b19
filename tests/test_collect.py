"""``mcvalue data collect``: counts from small git repositories built with known commits.

The main repository, acme/widget (default branch ``main``), holds these commits; every
expected number below is counted by hand from this list (author dates; "UTC day" is the
day the window test uses):

====  =====================  ===============================  ===============================  ============
id    author date (UTC day)  author                           change                           +added -del
====  =====================  ===============================  ===============================  ============
c1    2021-01-04             Alice <alice@example.com>        a.txt: 10 new lines              +10 -0
c2    2021-01-06             12345+bobby@users.noreply...     a.txt: 2 lines changed, 3 added  +5  -2
c3    2021-01-08             Alice Old <alice@old.example>    b.txt 4 lines, logo.bin binary   +4  -0
e     2021-01-09             Alice <alice@example.com>        empty commit (not counted)
c4    2021-01-10 23:30       carol@users.noreply...           c.txt 7 lines (branch feature,   +7  -0
                                                              committed 2021-02-03)
c5    2021-01-11             49699333+dependabot[bot]@...     a.txt: 1 line added              +1  -0
m     2021-01-12             Alice                            merge of feature (excluded)
c6    2021-01-20 (01-21+05)  bobby (noreply)                  a.txt: 3 lines deleted           +0  -3
c7    2021-01-24 (01-25+05)  Alice <alice@example.com>        b.txt: 1 line changed            +1  -1
c8    2021-03-01             Alice <alice@example.com>        .mailmap: old address -> Alice   +1  -0
====  =====================  ===============================  ===============================  ============

The clone also has a local branch ``scratch`` (checked out) with a commit by Mallory on
2021-01-05 and a work-tree ``.mailmap`` that maps Alice's old address to Eve: neither
may count, because the default branch is ``origin/HEAD`` = main and the ``.mailmap``
applied is main's.

Windows (14 days from start to end, as every window of a sample): W1 2020-12-27..2021-01-10,
W2 2021-01-11..2021-01-25, W3 2021-02-01..2021-02-15.

- W1: alice@example.com 2 commits +14 -0 (c1, c3 via .mailmap; e is empty); bobby 1 +5 -2; carol 1 +7 -0
  (c4, last day, end inclusive). Totals 3 contributors, 4 commits, +26 -2, 28 lines.
- W2: dependabot[bot] 1 +1 -0; bobby 1 +0 -3 (c6); alice@example.com 1 +1 -1 (c7).
  The merge is excluded. Totals 3, 3, +2 -4, 6 lines.
- W3: nobody (c4's committer date falls here, but author dates count): all zeros.
"""

import csv
import hashlib
import json
import os
import shutil
import zlib
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from collect_helpers import ISOLATED_GIT, Builder, git, numbered
from script_helpers import load_script

from mcvalue import __version__
from mcvalue.data import gitlog
from mcvalue.data.collect import collect, recollect
from mcvalue.data.collected_sample import load_collected
from mcvalue.data.manifest import Reading
from mcvalue.data.repos import RepoSpec, merge_duplicates, paper_repos, parse_repo_list, repo_spec
from mcvalue.data.tables import CleaningOptions
from mcvalue.data.windows import Design, Window, draw_disjoint_windows, parse_design, parse_windows
from mcvalue.errors import DataError, McValueError

ALICE = ("Alice", "alice@example.com")
ALICE_OLD = ("Alice Old", "alice@old.example.org")
BOB = ("Bob", "12345+bobby@users.noreply.github.com")
CAROL = ("Carol", "carol@users.noreply.github.com")
DEPENDABOT = ("dependabot[bot]", "49699333+dependabot[bot]@users.noreply.github.com")
MALLORY = ("Mallory", "mallory@example.com")

W1 = Window(date(2020, 12, 27), date(2021, 1, 10))
W2 = Window(date(2021, 1, 11), date(2021, 1, 25))
W3 = Window(date(2021, 2, 1), date(2021, 2, 15))
WIDGET = "acme/widget"

# (user, commits, added, deleted) per window, from the table in the module docstring.
W1_ROWS = [("alice@example.com", 2, 14, 0), ("bobby", 1, 5, 2), ("carol", 1, 7, 0)]
W2_ROWS = [("alice@example.com", 1, 1, 1), ("bobby", 1, 0, 3), ("dependabot[bot]", 1, 1, 0)]


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    """Hide the developer's git configuration from the code under test too."""
    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


def _build_widget(root: Path) -> dict[str, str]:
    """Build acme/widget's history in root/work; return the commit ids by name."""
    work = Builder(root / "work")
    ids = {}
    ids["c1"] = work.commit("2021-01-04T10:00:00+00:00", ALICE, {"a.txt": numbered("a", 10)})
    changed = numbered("a", 10).replace("a 3\n", "A 3\n").replace("a 4\n", "A 4\n") + numbered("n", 3)
    ids["c2"] = work.commit("2021-01-06T12:00:00+00:00", BOB, {"a.txt": changed})
    logo = bytes(range(256)) * 4  # contains NUL bytes: git treats it as binary
    ids["c3"] = work.commit("2021-01-08T09:00:00+00:00", ALICE_OLD, {"logo.bin": logo, "b.txt": numbered("b", 4)})
    ids["e"] = work.commit("2021-01-09T09:00:00+00:00", ALICE, {})
    work.checkout("feature", new=True)
    ids["c4"] = work.commit(
        "2021-01-10T23:30:00+00:00", CAROL, {"c.txt": numbered("c", 7)}, committed="2021-02-03T12:00:00+00:00"
    )
    work.checkout("main")
    ids["c5"] = work.commit("2021-01-11T09:00:00+00:00", DEPENDABOT, {"a.txt": changed + "dep\n"})
    ids["m"] = work.merge("feature", "2021-01-12T10:00:00+00:00", ALICE)
    without_n = changed.replace(numbered("n", 3), "")
    ids["c6"] = work.commit("2021-01-21T01:00:00+05:00", BOB, {"a.txt": without_n + "dep\n"})
    ids["c7"] = work.commit("2021-01-25T02:00:00+05:00", ALICE, {"b.txt": "B 1\n" + numbered("b", 4)[4:]})
    mailmap = "Alice <alice@example.com> <alice@old.example.org>\n"
    ids["c8"] = work.commit("2021-03-01T12:00:00+00:00", ALICE, {".mailmap": mailmap})
    return ids


def _build_gadget(root: Path) -> None:
    """acme/gadget: two commits in June 2021 (Alice +2, bobby +3)."""
    work = Builder(root / "gadget-work")
    work.commit("2021-06-01T10:00:00+00:00", ALICE, {"g.txt": numbered("g", 2)})
    work.commit("2021-06-03T10:00:00+00:00", BOB, {"h.txt": numbered("h", 3)})
    git(root, "clone", "-q", "--bare", str(work.path), str(root / "origin" / "acme" / "gadget.git"))


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> dict:
    """Origins (bare), clones of widget and gadget, and the widget's commit ids."""
    root = tmp_path_factory.mktemp("collect")
    ids = _build_widget(root)
    origin = root / "origin" / "acme" / "widget.git"
    git(root, "clone", "-q", "--bare", str(root / "work"), str(origin))
    _build_gadget(root)
    clones = root / "clones"
    clone = clones / "acme" / "widget"
    git(root, "clone", "-q", str(origin), str(clone))
    git(root, "clone", "-q", str(root / "origin" / "acme" / "gadget.git"), str(clones / "acme" / "gadget"))
    scratch = Builder.__new__(Builder)
    scratch.path = clone
    scratch.checkout("scratch", new=True)
    ids["scratch"] = scratch.commit("2021-01-05T10:00:00+00:00", MALLORY, {"m.txt": numbered("m", 50)})
    (clone / ".mailmap").write_text("Eve <eve@example.com> <alice@old.example.org>\n")
    return {"root": root, "clones": clones, "origin": root / "origin", "ids": ids}


def _windows_design(windows: dict[str, tuple[Window, ...]]) -> Design:
    return Design("windows", windows=windows)


def _widget_sample(world: dict, out: Path):
    collect([repo_spec(WIDGET, "Widget")], world["clones"], out, _windows_design({WIDGET: (W1, W2, W3)}))
    return load_collected(out)


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rows(frame, columns) -> list[tuple]:
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


def test_counts_follow_the_contributors_graph(world, tmp_path):
    """Per-author and per-window counts of W1-W3 equal the hand counts in the module docstring."""
    sample = _widget_sample(world, tmp_path / "out")
    got = _rows(sample.contributions, ["period_start", "user", "commits", "lines_added", "lines_deleted", "lines"])
    expected = [(W1.start, u, c, a, d, a + d) for u, c, a, d in W1_ROWS]
    expected += [(W2.start, u, c, a, d, a + d) for u, c, a, d in W2_ROWS]
    assert [(row[0].date(), *row[1:]) for row in got] == expected
    assert set(sample.contributions["tool"]) == {"Widget"} and set(sample.contributions["repo"]) == {WIDGET}
    periods = _rows(sample.periods, ["period_start", "period_end", "contributors", "commits", "lines_added",
                                     "lines_deleted", "lines"])
    assert [(s.date(), e.date(), *rest) for s, e, *rest in periods] == [
        (W1.start, W1.end, 3, 4, 26, 2, 28),
        (W2.start, W2.end, 3, 3, 2, 4, 6),
        (W3.start, W3.end, 0, 0, 0, 0, 0),
    ]
    assert sample.mode == "corrected" and sample.cleaning == CleaningOptions()
    assert str(sample.contributions["period_start"].dtype).startswith("datetime64")
    assert str(sample.periods["lines"].dtype) == "int64"


def test_mailmap_and_bots_are_options_with_the_stated_defaults(world, tmp_path):
    """Without .mailmap, c3 is Alice's old address (4 contributors in W1); dropping bots removes dependabot from W2.

    By default (.mailmap on, bots kept) W1 and W2 are as in the hand table; every
    window records its [bot] commits (W2: c5).
    """
    default = collect([repo_spec(WIDGET)], world["clones"], tmp_path / "default", _windows_design({WIDGET: (W1, W2)}))
    assert [w["bot_commits"] for w in default.repositories[0]["windows"]] == [0, 1]
    assert (default.bots, default.git_log_options) == ("keep", gitlog.NUMSTAT_OPTIONS)
    reading = Reading(mailmap=False, bots="drop")
    manifest = collect([repo_spec(WIDGET)], world["clones"], tmp_path / "out", _windows_design({WIDGET: (W1, W2)}),
                       reading=reading)
    assert "--no-mailmap" in manifest.git_log_options and manifest.bots == "drop"
    assert [w["bot_commits"] for w in manifest.repositories[0]["windows"]] == [0, 1]
    rows = _rows(load_collected(tmp_path / "out").contributions, ["period_start", "user", "commits", "lines_added", "lines_deleted"])
    assert [(start.date(), *rest) for start, *rest in rows] == [
        (W1.start, "alice@example.com", 1, 10, 0), (W1.start, "alice@old.example.org", 1, 4, 0),
        (W1.start, "bobby", 1, 5, 2), (W1.start, "carol", 1, 7, 0),
        (W2.start, "alice@example.com", 1, 1, 1), (W2.start, "bobby", 1, 0, 3),
    ]
    recollect(tmp_path / "out" / "manifest.json", world["clones"], tmp_path / "again")
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def test_tables_are_written_as_plain_csv(world, tmp_path):
    """The tables are plain CSV: ISO dates, integer counts, one line per row."""
    _widget_sample(world, tmp_path / "out")
    assert (tmp_path / "out" / "periods.csv").read_text() == (
        "tool,repo,period_start,period_end,contributors,commits,lines_added,lines_deleted,lines\n"
        "Widget,acme/widget,2020-12-27,2021-01-10,3,4,26,2,28\n"
        "Widget,acme/widget,2021-01-11,2021-01-25,3,3,2,4,6\n"
        "Widget,acme/widget,2021-02-01,2021-02-15,0,0,0,0,0\n"
    )
    lines = (tmp_path / "out" / "contributions.csv").read_text().splitlines()
    assert lines[0] == "tool,repo,period_start,period_end,user,commits,lines_added,lines_deleted,lines,active_days"
    # Alice's two commits of W1 are on two days (c1 on the 4th, c3 on the 8th): 2 active days.
    assert lines[1] == "Widget,acme/widget,2020-12-27,2021-01-10,alice@example.com,2,14,0,14,2"
    assert len(lines) == 1 + 6


def test_manifest_records_what_was_read(world, tmp_path):
    """The manifest names the branch and commit read (origin/HEAD, not the checkout) and the windows."""
    sample = _widget_sample(world, tmp_path / "out")
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    (record,) = manifest["repositories"]
    assert record["status"] == "ok" and record["problems"] == []
    assert record["default_branch"] == "main"
    assert record["commit"] == world["ids"]["c8"]  # origin/HEAD, not the checked-out scratch branch
    assert record["url"] == "https://github.com/acme/widget"
    # c1..c8 and e: nine non-merge commits, first and last author day.
    assert record["history"] == {"first": "2021-01-04", "last": "2021-03-01", "commits": 9}
    assert [(w["start"], w["end"], w["commits"], w["unread"]) for w in record["windows"]] == [
        ("2020-12-27", "2021-01-10", 4, []), ("2021-01-11", "2021-01-25", 3, []), ("2021-02-01", "2021-02-15", 0, []),
    ]
    assert [w["in_history"] for w in record["windows"]] == [True, True, True]
    assert (manifest["design"], manifest["seed"], manifest["per_repo"]) == ("windows", None, None)
    assert manifest["mcvalue_version"] == __version__
    digests = {name: _sha256(tmp_path / "out" / name) for name in ("contributions.csv", "periods.csv")}
    assert manifest["files"] == digests
    assert sample.file_sha256["manifest.json"] == _sha256(tmp_path / "out" / "manifest.json")
    # The sample's identity: sha256 of the manifest's canonical JSON without that key.
    content = {key: value for key, value in manifest.items() if key != "sample_sha256"}
    canonical = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert manifest["sample_sha256"] == sample.file_sha256["sample_sha256"] == hashlib.sha256(canonical).hexdigest()


def test_history_design_draws_seeded_windows_per_repository(world, tmp_path):
    """History windows come from SeedSequence(seed, crc32(repo)) over the repo's history only."""
    widget, gadget = repo_spec(WIDGET), repo_spec("acme/gadget")
    both = collect([widget, gadget], world["clones"], tmp_path / "both", Design("history"), per_repo=3, seed=7)
    alone = collect([widget], world["clones"], tmp_path / "alone", Design("history"), per_repo=3, seed=7)
    windows = {r["repo"]: [(w["start"], w["end"]) for w in r["windows"]] for r in both.repositories}
    assert [(w["start"], w["end"]) for w in alone.repositories[0]["windows"]] == windows[WIDGET]
    # Widget's history runs 2021-01-04..2021-03-01 (56 days): starts can be 0..42 days in.
    rng = np.random.default_rng(np.random.SeedSequence(7, spawn_key=(zlib.crc32(b"acme/widget"),)))
    starts = sorted(date(2021, 1, 4) + timedelta(int(o)) for o in rng.choice(43, size=3, replace=False))
    assert windows[WIDGET] == [(s.isoformat(), (s + timedelta(14)).isoformat()) for s in starts]
    # Gadget's history is 3 days long: room for one window only, from its first day.
    assert windows["acme/gadget"] == [("2021-06-01", "2021-06-15")]
    gadget_rows = load_collected(tmp_path / "both").periods.query("repo == 'acme/gadget'")
    assert _rows(gadget_rows, ["contributors", "commits", "lines_added", "lines_deleted"]) == [(2, 2, 5, 0)]
    assert (both.design, both.seed, both.per_repo) == ("history", 7, 3)


def test_year_design_keeps_windows_inside_the_year_and_the_history(world, tmp_path):
    """year:YYYY windows share no day and lie inside the year and the history; a year the history misses is skipped."""
    manifest = collect([repo_spec(WIDGET)], world["clones"], tmp_path / "out", parse_design("year:2021"), per_repo=3)
    windows = [(date.fromisoformat(w["start"]), date.fromisoformat(w["end"])) for w in manifest.repositories[0]["windows"]]
    # Widget's 2021 history is 2021-01-04..2021-03-01 (56 days): three 15-day windows fit without overlap.
    assert len(windows) == 3 and all((end - start).days == 14 for start, end in windows)
    assert all(date(2021, 1, 4) <= start and end <= date(2021, 3, 1) for start, end in windows)
    assert all(later[0] > earlier[1] for earlier, later in zip(windows, windows[1:], strict=False))
    # The draw: 3 distinct offsets of 56 - 14 + 1 - 2 * 14 = 15, sorted, plus 14 days per window before.
    rng = np.random.default_rng(np.random.SeedSequence(2022, spawn_key=(zlib.crc32(b"acme/widget"), 2021)))
    offsets = np.sort(rng.choice(15, size=3, replace=False))
    assert [start for start, _ in windows] == [date(2021, 1, 4) + timedelta(int(o) + 14 * i) for i, o in enumerate(offsets)]
    # Widget has no commits in 2020: skipped with its reason, no zero periods priced.
    old = collect([repo_spec(WIDGET)], world["clones"], tmp_path / "old", parse_design("year:2020"))
    assert old.problems() == [
        f"{WIDGET}: its history (2021-01-04..2021-03-01) does not cover year 2020: no window can be drawn"
    ]
    assert (tmp_path / "old" / "periods.csv").read_text().count("\n") == 1


def test_year_windows_differ_between_years_and_fewer_fit_a_short_span():
    """The calendar of each year is drawn afresh; a span with room for two disjoint windows gives two."""
    first, last = date(2021, 1, 1), date(2021, 12, 31)
    a = draw_disjoint_windows("acme/widget", 2022, 2021, 5, first, last)
    b = draw_disjoint_windows("acme/widget", 2022, 2023, 5, first.replace(year=2023), last.replace(year=2023))
    assert [w.start.timetuple().tm_yday for w in a] != [w.start.timetuple().tm_yday for w in b]
    # 30 days: starts 0..16 -> only two 15-day windows fit (0 and 15, 1 and 16, 0 and 16).
    two = draw_disjoint_windows("acme/widget", 1, 2021, 5, first, first + timedelta(30))
    assert len(two) == 2 and two[1].start > two[0].end


def test_unreadable_repositories_are_reported_and_the_rest_collected(world, tmp_path):
    """Missing, non-git and empty clones are skipped with one line each; the others are collected."""
    clones = tmp_path / "clones"
    shutil.copytree(world["clones"] / "acme" / "widget", clones / "acme" / "widget", symlinks=True)
    git(tmp_path, "init", "-q", str(clones))  # the clones directory is itself a repository
    (clones / "acme" / "notgit").mkdir()
    (clones / "acme" / "notgit" / "README").write_text("not a repository\n")
    git(tmp_path, "init", "-q", "-b", "main", str(clones / "acme" / "empty"))
    specs = [repo_spec(name) for name in (WIDGET, "acme/missing", "acme/notgit", "acme/empty")]
    manifest = collect(specs, clones, tmp_path / "out", _windows_design({s.repo: (W1,) for s in specs}))
    assert manifest.problems() == [
        f"acme/missing: no clone at {clones / 'acme' / 'missing'} (use --clone to clone it)",
        f"acme/notgit: {clones / 'acme' / 'notgit'} is not a git repository",
        "acme/empty: empty repository: branch 'main' has no commits",
    ]
    assert manifest.with_status("skipped") == ["acme/missing", "acme/notgit", "acme/empty"]
    assert manifest.with_status("ok") == [WIDGET]
    periods = load_collected(tmp_path / "out").periods
    assert _rows(periods, ["repo", "contributors", "commits", "lines"]) == [(WIDGET, 3, 4, 28)]


def test_partial_clone_lists_commits_whose_diff_is_missing(tmp_path):
    """A partial clone's commits without blobs are listed as unread; the readable one is counted."""
    # p1 adds p.txt (3 lines), p2 adds q.txt (2 lines), p3 appends a line to p.txt.
    work = Builder(tmp_path / "work")
    p1 = work.commit("2021-05-03T10:00:00+00:00", ALICE, {"p.txt": numbered("p", 3)})
    work.commit("2021-05-04T10:00:00+00:00", BOB, {"q.txt": numbered("q", 2)})
    p3 = work.commit("2021-05-05T10:00:00+00:00", ALICE, {"p.txt": numbered("p", 4)})
    source = tmp_path / "source.git"
    git(tmp_path, "clone", "-q", "--bare", str(work.path), str(source))
    git(source, "config", "uploadpack.allowFilter", "true")
    clone = tmp_path / "clones" / "acme" / "partial"
    git(tmp_path, "clone", "-q", "--filter=blob:none", source.as_uri(), str(clone))
    shutil.rmtree(source)  # the checkout fetched p3's blobs; p.txt's first version is nowhere
    window = Window(date(2021, 5, 1), date(2021, 5, 15))
    manifest = collect([repo_spec("acme/partial")], tmp_path / "clones", tmp_path / "out",
                       _windows_design({"acme/partial": (window,)}))
    (record,) = manifest.repositories
    assert record["status"] == "incomplete"
    assert record["windows"][0]["unread"] == [p3, p1]  # newest first, as git log lists them
    assert record["windows"][0]["commits"] == 1
    assert record["problems"][0].startswith("2 commit(s) whose diff could not be read (")
    rows = _rows(load_collected(tmp_path / "out").contributions, ["user", "commits", "lines_added", "lines_deleted"])
    assert rows == [("bobby", 1, 2, 0)]


def test_shallow_clone_does_not_count_its_cut_off_commit(world, tmp_path):
    """A shallow clone's boundary commit is unread (not its whole tree as added); the clone is incomplete."""
    clone = tmp_path / "clones" / "acme" / "widget"
    git(tmp_path, "clone", "-q", "--depth", "2", (world["origin"] / "acme" / "widget.git").as_uri(), str(clone))
    late = Window(date(2021, 2, 20), date(2021, 3, 6))
    design = _windows_design({WIDGET: (W2, late)})
    manifest = collect([repo_spec(WIDGET)], tmp_path / "clones", tmp_path / "out", design)
    (record,) = manifest.repositories
    assert record["status"] == "incomplete" and record["shallow"] is True
    assert record["problems"][0].startswith("shallow clone")
    # Depth 2 keeps c8 and c7; c7 (in W2) is the cut-off: its parent is missing.
    assert [(w["commits"], w["unread"]) for w in record["windows"]] == [(0, [world["ids"]["c7"]]), (1, [])]
    rows = _rows(load_collected(tmp_path / "out").contributions, ["user", "commits", "lines_added", "lines_deleted"])
    assert rows == [("alice@example.com", 1, 1, 0)]


def test_interrupted_collection_resumes_without_rereading(world, tmp_path, monkeypatch):
    """After an interruption only the unfinished repositories are read; the bytes equal a fresh run's."""
    specs = [repo_spec(WIDGET), repo_spec("acme/gadget")]

    def stop_after_first(done, total):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        collect(specs, world["clones"], tmp_path / "out", Design("history"), progress=stop_after_first)
    assert (tmp_path / "out" / ".repos" / "acme__widget.json").is_file()
    assert not (tmp_path / "out" / "manifest.json").exists()
    read = []
    original = gitlog.read_numstat
    monkeypatch.setattr(gitlog, "read_numstat", lambda clone, *args: read.append(clone.name) or original(clone, *args))
    collect(specs, world["clones"], tmp_path / "out", Design("history"))
    assert read == ["gadget"]
    monkeypatch.setattr(gitlog, "read_numstat", original)
    collect(specs, world["clones"], tmp_path / "fresh", Design("history"))
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()


def test_recollecting_a_manifest_gives_the_same_bytes(world, tmp_path):
    """Re-collecting reads the recorded commits and windows, even after the branch moved on."""
    clones = tmp_path / "clones"
    shutil.copytree(world["clones"], clones, symlinks=True)
    specs = [repo_spec(WIDGET), repo_spec("acme/gadget"), repo_spec("acme/missing")]
    collect(specs, clones, tmp_path / "first", Design("history"), per_repo=3, seed=11)
    # The default branch moves on: a new commit by Mallory on every day of widget's history.
    clone = clones / "acme" / "widget"
    tree = git(clone, "rev-parse", "origin/main^{tree}")
    when = {"GIT_AUTHOR_NAME": "Mallory", "GIT_AUTHOR_EMAIL": "mallory@example.com",
            "GIT_COMMITTER_NAME": "M", "GIT_COMMITTER_EMAIL": "m@example.com",
            "GIT_AUTHOR_DATE": "2021-01-15T00:00:00+00:00", "GIT_COMMITTER_DATE": "2021-03-02T00:00:00+00:00"}
    moved = git(clone, "commit-tree", tree, "-p", "origin/main", "-m", "later", env=when)
    git(clone, "update-ref", "refs/remotes/origin/main", moved)
    recollect(tmp_path / "first" / "manifest.json", clones, tmp_path / "again")
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()
    fresh = collect(specs, clones, tmp_path / "fresh", Design("history"), per_repo=3, seed=11)
    assert fresh.repositories[0]["commit"] == moved


def test_recollecting_finds_clones_spelled_in_mixed_case(world, tmp_path):
    """The manifest's repo is lower case; re-collecting finds clones/AcMe/WidGet as the list spelled it."""
    clones = tmp_path / "clones"
    shutil.copytree(world["clones"] / "acme" / "widget", clones / "AcMe" / "WidGet", symlinks=True)
    collect([repo_spec("AcMe/WidGet", "Widget")], clones, tmp_path / "first", _windows_design({WIDGET: (W1, W2)}))
    again = recollect(tmp_path / "first" / "manifest.json", clones, tmp_path / "again")
    assert again.with_status("ok") == [WIDGET]
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (tmp_path / "first" / name).read_bytes() == (tmp_path / "again" / name).read_bytes()


def _files(directory: Path) -> dict[str, bytes]:
    """Every file of a sample directory, resume cache entries included, by relative path."""
    return {str(path.relative_to(directory)): path.read_bytes() for path in sorted(directory.rglob("*")) if path.is_file()}


@pytest.mark.slow
def test_a_two_worker_dask_cluster_writes_the_bytes_of_one_process_and_resumes(world, tmp_path):
    """Two workers of a LocalCluster write the same bytes as one process (tables, manifest, cache), report (done, total) per repository, and resume.

    The clones hold a .mailmap, a second branch and two authors per window, so any worker-dependent reading would show.
    """
    specs = [repo_spec(WIDGET, "Widget"), repo_spec("acme/gadget")]
    calls = []
    collect(specs, world["clones"], tmp_path / "one", Design("history"), per_repo=4, seed=3, workers=1)
    collect(specs, world["clones"], tmp_path / "two", Design("history"), per_repo=4, seed=3, workers=2,
            progress=lambda *a: calls.append(a))
    assert calls == [(1, 2), (2, 2)]
    one = _files(tmp_path / "one")
    assert len(one) == 6  # two tables, the manifest, the marker and two cache entries
    assert _files(tmp_path / "two") == one
    # An interrupted collection (one repository cached, no tables yet) resumes on the cluster to the same bytes.
    for name in ("contributions.csv", "periods.csv", "manifest.json", ".repos/acme__gadget.json"):
        (tmp_path / "two" / name).unlink()
    collect(specs, world["clones"], tmp_path / "two", Design("history"), per_repo=4, seed=3, workers=2)
    assert _files(tmp_path / "two") == one


@pytest.mark.slow
def test_a_running_cluster_given_by_its_scheduler_writes_the_same_bytes_and_stays_up(world, tmp_path):
    """--scheduler ADDRESS: the tasks go to that cluster's workers, the files are one process's bytes, the cluster is left running."""
    from dask.distributed import Client, LocalCluster

    specs = [repo_spec(WIDGET, "Widget"), repo_spec("acme/gadget")]
    collect(specs, world["clones"], tmp_path / "one", Design("history"), per_repo=4, seed=3, workers=1)
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as cluster:
        collect(specs, world["clones"], tmp_path / "two", Design("history"), per_repo=4, seed=3,
                scheduler=cluster.scheduler_address)
        with Client(cluster.scheduler_address) as client:
            assert len(client.scheduler_info()["workers"]) == 2
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


@pytest.mark.slow
def test_a_repository_whose_worker_is_killed_is_read_again_on_another(world, tmp_path, monkeypatch):
    """A git that SIGKILLs its worker process the first time it runs: the task is rerun, the files are one process's bytes."""
    specs = [repo_spec(WIDGET, "Widget"), repo_spec("acme/gadget")]
    collect(specs, world["clones"], tmp_path / "one", Design("history"), per_repo=4, seed=3, workers=1)
    bin_dir, marker = tmp_path / "bin", tmp_path / "killed"
    bin_dir.mkdir()
    (bin_dir / "git").write_text(
        "#!/bin/sh\n"
        f'if mkdir "{marker}" 2>/dev/null; then kill -9 $PPID; sleep 5; fi\n'  # mkdir: one kill, whichever worker is first
        f'exec {shutil.which("git")} "$@"\n'
    )
    (bin_dir / "git").chmod(0o755)
    monkeypatch.setenv("PATH", f"{bin_dir}:{os.environ['PATH']}")  # the workers, started after this, inherit it
    collect(specs, world["clones"], tmp_path / "two", Design("history"), per_repo=4, seed=3, workers=2)
    assert marker.is_dir()  # a worker was killed
    assert _files(tmp_path / "two") == _files(tmp_path / "one")


def test_clone_missing_clones_from_the_url(world, tmp_path):
    """clone_missing clones from the spec's URL (a local file:// origin here) and collects it."""
    url = (world["origin"] / "acme" / "widget.git").as_uri()
    spec = repo_spec(url, "Widget")
    assert (spec.owner, spec.name, spec.url) == ("acme", "widget", url)
    manifest = collect([spec], tmp_path / "clones", tmp_path / "out", _windows_design({WIDGET: (W1,)}),
                       clone_missing=True)
    assert (tmp_path / "clones" / "acme" / "widget" / ".git").is_dir()
    assert manifest.repositories[0]["default_branch"] == "main"
    rows = _rows(load_collected(tmp_path / "out").contributions, ["user", "commits", "lines_added", "lines_deleted"])
    assert rows == W1_ROWS


def test_load_collected_applies_cleaning_and_checks_hashes(world, tmp_path):
    """Cleaning options apply the usual corrections; an edited table is refused."""
    _widget_sample(world, tmp_path / "out")
    clean = load_collected(tmp_path / "out", CleaningOptions(exclude_bots=True))
    assert clean.mode == "clean"
    assert "dependabot[bot]" not in set(clean.contributions["user"])
    # W2 without dependabot: bobby +0 -3, alice +1 -1.
    assert _rows(clean.periods, ["contributors", "commits", "lines_added", "lines_deleted", "lines"]) == [
        (3, 4, 26, 2, 28), (2, 2, 1, 4, 5), (0, 0, 0, 0, 0),
    ]
    with open(tmp_path / "out" / "periods.csv", "a") as handle:
        handle.write("Widget,acme/widget,2021-03-01,2021-03-15,1,1,1,0,1\n")
    with pytest.raises(DataError, match="periods.csv: sha256 differs"):
        load_collected(tmp_path / "out")


def test_parse_repo_list(tmp_path):
    """Repository lists take GitHub URLs, owner/name or other git URLs, each with an optional tool name."""
    path = tmp_path / "repos.txt"
    path.write_text(
        "# the sample\n\n"
        "https://github.com/PyTorch/pytorch PyTorch\n"
        "tensorflow/tensorflow, TensorFlow Core\n"
        "https://github.com/h2oai/h2o-3/graphs/contributors\n"
        "file:///srv/mirror/acme/widget.git Widget\n"
    )
    specs = parse_repo_list(path)
    assert [(s.repo, s.tool, s.url) for s in specs] == [
        ("pytorch/pytorch", "PyTorch", "https://github.com/PyTorch/pytorch"),
        ("tensorflow/tensorflow", "TensorFlow Core", "https://github.com/tensorflow/tensorflow"),
        ("h2oai/h2o-3", "h2oai/h2o-3", "https://github.com/h2oai/h2o-3"),
        ("acme/widget", "Widget", "file:///srv/mirror/acme/widget.git"),
    ]
    assert specs[0].clone_dir(Path("/c")) == Path("/c/PyTorch/pytorch")
    path.write_text("pytorch/pytorch\nnot-a-repo PyTorch\n")
    with pytest.raises(DataError, match=r"repos.txt line 2: .*'not-a-repo'"):
        parse_repo_list(path)
    path.write_text("pytorch/pytorch\n, PyTorch\n")  # a tool name without its repository
    with pytest.raises(DataError, match=r"repos.txt line 2: expected a repository first"):
        parse_repo_list(path)


def test_parse_windows_and_design(tmp_path):
    """Windows files and --design values parse, and bad ones fail naming the file, line or option."""
    path = tmp_path / "windows.csv"
    path.write_text("repo,start,end\nAcme/Widget,2021-01-11,2021-01-25\nacme/widget,2020-12-27,2021-01-10\n")
    design = parse_windows(path)
    assert design.label == "windows" and dict(design.windows) == {WIDGET: (W1, W2)}
    path.write_text("repo,start,end\nacme/widget,2021-01-10,2021-01-04\n")
    with pytest.raises(DataError, match="windows.csv line 2: window 2021-01-10..2021-01-04 is not 14 days"):
        parse_windows(path)
    path.write_text("repo,start,end\nacme/widget,1900-01-01,2100-12-31\n")
    with pytest.raises(DataError, match="windows.csv line 2: window 1900-01-01..2100-12-31 is not 14 days"):
        parse_windows(path)
    path.write_text("repo,start,end\nacme/widget,1999-12-25,2000-01-08\n")
    with pytest.raises(DataError, match=r"line 2: window 1999-12-25..2000-01-08 is outside 2000-01-01.."):
        parse_windows(path)
    for bad in ("10000-01-01", "2021-1-4", "2021-02-30", " "):
        path.write_text(f"repo,start,end\nacme/widget,{bad},2021-01-10\n")
        with pytest.raises(DataError, match="line 2: start and end must be YYYY-MM-DD dates"):
            parse_windows(path)
    path.write_text("repo,from,to\n")
    with pytest.raises(DataError, match="expected the header repo,start,end"):
        parse_windows(path)
    assert parse_design("year:2021") == Design("year", year=2021)
    for future in ("year:2999", "year:99999", "year:1999"):
        with pytest.raises(McValueError, match=f"--design '{future}': the year must be from 2000 to "):
            parse_design(future)
    with pytest.raises(McValueError, match="--design 'decade'"):
        parse_design("decade")


def test_windows_and_repository_list_must_match(world, tmp_path):
    """Every listed repository needs windows in an explicit-windows design."""
    with pytest.raises(DataError, match=r"no windows for \['acme/gadget'\]"):
        collect([repo_spec(WIDGET), repo_spec("acme/gadget")], world["clones"], tmp_path / "out",
                _windows_design({WIDGET: (W1,)}))


def test_a_repository_listed_under_two_tools_is_read_once():
    """Duplicate repositories merge into one spec with both tool names."""
    specs = merge_duplicates([repo_spec(WIDGET, "Widget"), repo_spec("acme/other"), repo_spec("Acme/Widget", "Gizmo")])
    assert [(s.repo, s.tool) for s in specs] == [(WIDGET, "Widget / Gizmo"), ("acme/other", "acme/other")]


def test_author_key_reads_github_logins():
    """Noreply addresses give the GitHub login; other addresses are lower-cased."""
    assert gitlog.author_key("12345+Bobby@users.noreply.github.com", "Bob") == "Bobby"
    assert gitlog.author_key("carol@users.noreply.github.com", "Carol") == "carol"
    assert gitlog.author_key("49699333+dependabot[bot]@users.noreply.github.com", "x") == "dependabot[bot]"
    assert gitlog.author_key("Alice@Example.com", "Alice") == "alice@example.com"
    assert gitlog.author_key("", "Nobody") == "Nobody"


@pytest.mark.realdata
def test_paper_repos_are_the_scraped_tools(real_data_dir):
    """The default list is the tool list's 139 GitHub tools (137 repositories), as in the scrape."""
    specs = paper_repos(real_data_dir)
    assert len(specs) == 139 and len(merge_duplicates(specs)) == 137
    assert (specs[0].tool, specs[0].repo, specs[0].url) == ("H2O", "h2oai/h2o-3", "https://github.com/h2oai/h2o-3")
    assert isinstance(specs[0], RepoSpec)


def _validate_collect():
    return load_script("validate_collect")


def _fake_scrape(path: Path) -> Path:
    """Write a raw scrape of acme/widget for three windows of its own (6, 13 and 13 days, a measurement design).

    Its 01-04..01-10 window holds c1-c4 (as W1); its 01-11..01-24 window lacks dependabot
    and has 2 commits, 5 lines (git: c5-c7); 02-01..02-14 is empty.
    """
    base = "https://github.com/acme/widget/graphs/contributors"
    info = {
        f"{base}?from=2021-01-04&to=2021-01-10&type=c": {
            "alice": ("2 commits", "14 ++", "0 --"), "bobby": ("1 commit", "5 ++", "2 --"),
            "carol": ("1 commit", "7 ++", "0 --"),
        },
        f"{base}?from=2021-01-11&to=2021-01-24&type=c": {
            "bobby": ("1 commit", "0 ++", "3 --"), "alice": ("1 commit", "1 ++", "1 --"),
        },
        f"{base}?from=2021-02-01&to=2021-02-14&type=c": {},
    }
    with open(path, "w", newline="") as handle:
        csv.writer(handle).writerows([["", "repo", "repo_url", "contrib_info"], ["0", "Widget", base, repr(info)]])
    return path


def test_validate_collect_measures_agreement_with_the_scrape(world, tmp_path):
    """Agreement per window and overall, as counted by hand from the scrape and the table above."""
    validate = _validate_collect()
    raw = _fake_scrape(tmp_path / "raw.csv")
    table, manifest = validate.validate(raw, world["clones"], tmp_path / "out")
    assert manifest.with_status("ok") == [WIDGET]
    # git W1: 3 authors, 4 commits, 28 lines = scrape; W2: 3, 3, 6 vs 2, 2, 5; W3: zeros both.
    counts = table[["contributors_git", "commits_git", "lines_git"]].to_numpy().tolist()
    assert counts == [[3, 4, 28], [3, 3, 6], [0, 0, 0]]
    summary = validate.summary(table).loc["ALL"]
    assert summary["windows"] == 3
    for measure in ("contributors", "commits", "lines"):  # W2 is off by more than 10% on every measure
        assert summary[f"{measure} exact"] == pytest.approx(2 / 3)
        assert summary[f"{measure} 10%"] == pytest.approx(2 / 3)
    # Logins git knows: W1 bobby and carol of 3 (alice has no noreply address), W2 bobby of 2.
    assert summary["logins found"] == pytest.approx((2 / 3 + 1 / 2) / 2)
    assert summary["commits git/scrape"] == pytest.approx(7 / 6)
    assert summary["lines git/scrape"] == pytest.approx(34 / 33)
    non_empty = validate.summary(table).loc["ALL non-empty"]  # W3 (zeros both) left out: W1 agrees, W2 does not
    assert non_empty["windows"] == 2 and non_empty["commits exact"] == pytest.approx(1 / 2)
    assert table["unread"].tolist() == [0, 0, 0] and validate.summary(table).loc["ALL non-empty, fully read", "windows"] == 2
    # Read half-open, W1 ends on 2021-01-09: carol's commit of the 10th drops out.
    table, _ = validate.validate(raw, world["clones"], tmp_path / "half-open", convention="half-open")
    assert table[["period_end", "contributors_git", "commits_git", "lines_git"]].iloc[0].tolist() == [
        pd.Timestamp("2021-01-10"), 2, 3, 21,
    ]
    # Read weekly, W1 (Monday 4th to Sunday 10th) holds one Sunday, the 10th: git reads 10th-16th,
    # carol's commit of the 10th (+7) and dependabot's of the 11th (+1); the merge of the 12th does not count.
    table, _ = validate.validate(raw, world["clones"], tmp_path / "weekly", convention="weekly")
    assert table[["period_start", "contributors_git", "commits_git", "lines_git"]].iloc[0].tolist() == [
        pd.Timestamp("2021-01-04"), 2, 2, 8,
    ]


def test_weekly_reading_takes_the_whole_weeks_of_the_sundays_in_a_window():
    """2020-03-09 (Monday) to 2020-03-23 (Monday) holds Sundays 15th and 22nd: weeks 15th-28th; a Sunday start is its own first week."""
    git_window = _validate_collect().git_window
    assert git_window(date(2020, 3, 9), date(2020, 3, 23), "weekly") == Window(date(2020, 3, 15), date(2020, 3, 28))
    assert git_window(date(2020, 3, 15), date(2020, 3, 29), "weekly") == Window(date(2020, 3, 15), date(2020, 4, 4))
    assert git_window(date(2020, 3, 9), date(2020, 3, 23), "half-open") == Window(date(2020, 3, 9), date(2020, 3, 22))
