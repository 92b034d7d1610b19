"""Hostile and damaged inputs of ``mcvalue data collect`` and of a ``--sample`` (issue 22; issue 25 points 4-5).

Every case asserts the exact outcome: refused with its one-line message naming the file,
or the same bytes as a clean run. The repositories are built here (``collect_helpers``):

acme/tiny (branch ``main``):

====  ==========================  =========================  ======================  ==========
id    author date                 author                     change                  +add -del
====  ==========================  =========================  ======================  ==========
t1    2021-03-02 10:00 +00:00     Ann <ann@users.noreply..>  a.txt 6 lines           +6 -0
t2    2021-03-02 15:00 +00:00     Ann                        a.txt 1 line added      +1 -0
t3    2021-03-05 23:30 -05:00     Ben <ben@example.com>      b.txt 2 lines           +2 -0
      (UTC day 2021-03-06, the author's local day 2021-03-05)
t4    2021-07-01 12:00 +00:00     Ann                        c.txt 3 lines           +3 -0
====  ==========================  =========================  ======================  ==========

Window 2021-02-20..2021-03-06 (UTC days): ann 2 commits +7 on one day (1 active day),
ben 1 commit +2; read by local days, ben's commit is on the 5th, still inside.
Window 2021-02-19..2021-03-05: ben's commit is in it by local day only.
"""

import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from collect_helpers import ISOLATED_GIT, Builder, git, numbered

import mcvalue
from mcvalue.cli import INTERRUPTED
from mcvalue.data import git_process, gitlog
from mcvalue.data.collect import collect, recollect
from mcvalue.data.collected_sample import load_collected
from mcvalue.data.manifest import Manifest, Reading
from mcvalue.data.repos import RepoSpec, parse_repo_list, repo_spec
from mcvalue.data.resume_cache import CACHE_MARKER, entry_bytes
from mcvalue.data.windows import Design, Window, parse_design, parse_windows, select_commits
from mcvalue.errors import DataError, McValueError

ANN = ("Ann", "ann@users.noreply.github.com")
BEN = ("Ben", "ben@example.com")
TINY = "acme/tiny"
WINDOW = Window(date(2021, 2, 20), date(2021, 3, 6))
EARLY = Window(date(2021, 2, 19), date(2021, 3, 5))
REPO_ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def clones(tmp_path_factory) -> Path:
    """``clones/acme/tiny`` as in the module docstring."""
    root = tmp_path_factory.mktemp("clones")
    with pytest.MonkeyPatch.context() as patch:
        for key, value in ISOLATED_GIT.items():
            patch.setenv(key, value)
        tiny = Builder(root / "acme" / "tiny")
        tiny.commit("2021-03-02T10:00:00+00:00", ANN, {"a.txt": numbered("a", 6)})
        tiny.commit("2021-03-02T15:00:00+00:00", ANN, {"a.txt": numbered("a", 7)})
        tiny.commit("2021-03-05T23:30:00-05:00", BEN, {"b.txt": numbered("b", 2)})
        tiny.commit("2021-07-01T12:00:00+00:00", ANN, {"c.txt": numbered("c", 3)})
    return root


def _design(*windows: Window, repo: str = TINY) -> Design:
    return Design("windows", windows={repo: tuple(windows)})


@pytest.fixture
def sample(clones, tmp_path) -> Path:
    """Collect a clean sample of acme/tiny over WINDOW."""
    collect([repo_spec(TINY)], clones, tmp_path / "sample", _design(WINDOW))
    return tmp_path / "sample"


def _rows(frame, columns) -> list[tuple]:
    return [tuple(row) for row in frame[columns].itertuples(index=False)]


# --- counting: active days, local days -------------------------------------------------------------


def test_active_days_and_the_day_basis(clones, tmp_path):
    """Ann's two commits of one day are 1 active day; ben's commit moves a day earlier read by the author's clock."""
    collect([repo_spec(TINY)], clones, tmp_path / "utc", _design(EARLY, WINDOW))
    rows = _rows(load_collected(tmp_path / "utc").contributions, ["period_start", "user", "commits", "lines", "active_days"])
    assert [(str(start.date()), *rest) for start, *rest in rows] == [
        ("2021-02-19", "ann", 2, 7, 1),  # EARLY by UTC day: ben's commit (6th UTC) is outside
        ("2021-02-20", "ann", 2, 7, 1),
        ("2021-02-20", "ben@example.com", 1, 2, 1),
    ]
    manifest = collect([repo_spec(TINY)], clones, tmp_path / "local", _design(EARLY, WINDOW), reading=Reading(day="local"))
    assert manifest.day_basis == "local" and json.loads((tmp_path / "local" / "manifest.json").read_text())["day_basis"] == "local"
    users = _rows(load_collected(tmp_path / "local").contributions, ["period_start", "user"])
    assert [(str(start.date()), user) for start, user in users] == [
        ("2021-02-19", "ann"), ("2021-02-19", "ben@example.com"), ("2021-02-20", "ann"), ("2021-02-20", "ben@example.com"),
    ]


def test_author_day_reads_offsets_and_refuses_what_no_date_can_hold():
    """2021-03-06 04:30 UTC is the 5th at -05:00; a year past 9999 or a malformed date or offset has no day."""
    stamp = str(int(datetime(2021, 3, 6, 4, 30, tzinfo=UTC).timestamp()))
    assert gitlog.author_day(stamp, "-0500", "utc") == date(2021, 3, 6)
    assert gitlog.author_day(stamp, "-0500", "local") == date(2021, 3, 5)
    assert gitlog.author_day(stamp, "+1400", "local") == date(2021, 3, 6)
    assert gitlog.author_day("253402300800", "+0000") is None  # 10000-01-01
    assert gitlog.author_day("soon", "+0000") is None
    assert gitlog.author_day(stamp, "EST", "local") is None


# --- dates outside a history or outside 2000..today ------------------------------------------------


def _raw_commit(repo: Path, parent: str, author_line: str, tree_file: str) -> str:
    """Write a commit object by hand (author date as given, even one git would refuse) on top of ``parent``."""
    (repo / tree_file).write_text("late\n")
    git(repo, "add", "-A")
    tree = git(repo, "write-tree")
    body = f"tree {tree}\nparent {parent}\nauthor {author_line}\ncommitter C <c@example.com> 1615000000 +0000\n\nraw\n"
    sha = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"], cwd=repo, input=body.encode(),
        capture_output=True, check=True, env={**os.environ, **ISOLATED_GIT},
    ).stdout.decode().strip()
    git(repo, "update-ref", "refs/heads/main", sha)
    git(repo, "reset", "-q", "--hard", sha)
    return sha


def test_commits_dated_in_the_future_or_past_9999_place_no_window(tmp_path):
    """A commit of 2099 and one of year ~33658 are counted nowhere and named; windows stay in the real history."""
    repo = Builder(tmp_path / "clones" / "acme" / "odd")
    first = repo.commit("2021-03-02T10:00:00+00:00", ANN, {"a.txt": numbered("a", 6)})
    second = repo.commit("2021-04-20T10:00:00+00:00", BEN, {"b.txt": numbered("b", 2)})
    future = _raw_commit(repo.path, second, "Eve <eve@example.com> 4070908800 +0000", "f.txt")  # 2099-01-01
    _raw_commit(repo.path, future, "Eve <eve@example.com> 999999999999 +0000", "g.txt")  # year 33658
    manifest = collect([repo_spec("acme/odd")], tmp_path / "clones", tmp_path / "out", Design("history"), per_repo=3)
    (record,) = manifest.repositories
    assert record["history"] == {"first": "2021-03-02", "last": "2021-04-20", "commits": 2}
    assert record["status"] == "incomplete"
    assert record["problems"] == ["2 commit(s) dated before 2000-01-01, in the future or undatable: counted in no window"]
    assert all("2021-03-02" <= w["start"] and w["end"] <= "2021-05-04" for w in record["windows"])
    # Counted by explicit windows: the real commits count, the 2099 one in no window (none may reach it).
    late = Window(date(2021, 4, 10), date(2021, 4, 24))
    counted = collect([repo_spec("acme/odd")], tmp_path / "clones", tmp_path / "late", _design(late, repo="acme/odd"))
    assert [(w["commits"], w["unread"]) for w in counted.repositories[0]["windows"]] == [(1, [])] and first


def test_a_window_outside_the_history_is_flagged_not_priced(clones, tmp_path):
    """A window after the last commit is in the manifest with in_history false, in the audit, and in no table."""
    late = Window(date(2022, 1, 1), date(2022, 1, 15))
    manifest = collect([repo_spec(TINY)], clones, tmp_path / "out", _design(WINDOW, late))
    (record,) = manifest.repositories
    assert [(w["start"], w["in_history"]) for w in record["windows"]] == [("2021-02-20", True), ("2022-01-01", False)]
    assert record["problems"] == ["1 window(s) outside the history (2021-03-02..2021-07-01): flagged, not priced"]
    assert len(load_collected(tmp_path / "out").periods) == 1
    report = mcvalue.audit(sample=tmp_path / "out")
    assert report["sample"]["windows_outside_history"] == [{"repo": TINY, "start": "2022-01-01", "end": "2022-01-15"}]


def test_explicit_windows_must_have_the_design_length_and_dates(clones, tmp_path):
    """The API refuses what the windows file would: any other length, or days outside 2000..today."""
    for window in (Window(date(1900, 1, 1), date(2100, 12, 31)), Window(date(2021, 3, 1), date(2021, 3, 10)),
                   Window(date(1999, 12, 20), date(2000, 1, 3))):
        with pytest.raises(DataError, match=f"window {window.start}..{window.end} of acme/tiny: windows must be 14 days"):
            collect([repo_spec(TINY)], clones, tmp_path / "out", _design(window))
    assert not (tmp_path / "out").exists()


def test_malformed_and_huge_dates_in_a_windows_file_end_in_one_line(clones, tmp_path, cli):
    """Years past 9999 and malformed dates: exit 1 naming the file and line, never exit 4."""
    for start, end in (("99999-01-01", "99999-01-15"), ("2021-02-30", "2021-03-14"), ("2021-03-01T00", "2021-03-15")):
        windows = tmp_path / "w.csv"
        windows.write_text(f"repo,start,end\n{TINY},{start},{end}\n")
        code, out, err = cli("data", "collect", "--clones", clones, "--windows", windows, "--out", tmp_path / "s")
        assert (code, out) == (1, "") and err == f"error: {windows} line 2: start and end must be YYYY-MM-DD dates\n"
    code, _, err = cli("data", "collect", "--clones", clones, "--repos", tmp_path / "w.csv", "--design", "year:2030",
                       "--out", tmp_path / "s")
    assert code == 1 and err.startswith("error: --design 'year:2030': the year must be from 2000 to ")


# --- --out: never overwrite what mcvalue did not write ---------------------------------------------


@pytest.mark.parametrize(
    "files",
    [{"manifest.json": '{"name": "my-web-app"}\n'}, {"notes.txt": "mine\n"}, {".repos/data.json": "{}"},
     {"contributions.csv": "a,b\n"}],
    ids=["web-manifest", "other-file", "foreign-.repos", "foreign-table"],
)
def test_out_that_mcvalue_did_not_write_is_refused_and_untouched(clones, tmp_path, cli, files):
    """One line, exit 1, every file byte-identical, nothing added."""
    out = tmp_path / "project"
    for name, text in files.items():
        (out / name).parent.mkdir(parents=True, exist_ok=True)
        (out / name).write_text(text)
    before = {path: path.read_bytes() for path in out.rglob("*") if path.is_file()}
    windows = tmp_path / "w.csv"
    windows.write_text(f"repo,start,end\n{TINY},2021-02-20,2021-03-06\n")
    code, out_text, err = cli("data", "collect", "--clones", clones, "--windows", windows, "--out", out)
    assert (code, out_text) == (1, "")
    assert err == (f"error: --out {out}: holds files mcvalue did not write (no mcvalue manifest.json); "
                   "choose a new or empty directory, nothing was changed\n")
    assert {path: path.read_bytes() for path in out.rglob("*") if path.is_file()} == before


def test_out_may_be_empty_a_sample_or_an_interrupted_collection(clones, tmp_path):
    """An empty directory, a sample mcvalue wrote and a resume cache alone are all written to."""
    out = tmp_path / "out"
    out.mkdir()
    collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    first = (out / "periods.csv").read_bytes()
    collect([repo_spec(TINY)], clones, out, _design(WINDOW))  # over its own sample
    for name in ("manifest.json", "contributions.csv", "periods.csv"):
        (out / name).unlink()  # as after an interruption: only .repos is left
    collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    assert (out / "periods.csv").read_bytes() == first


# --- a sample is verified, not trusted -------------------------------------------------------------


def _forge(directory: Path, edit_tables=None, edit_manifest=None) -> None:
    """Change a sample and make every hash agree again: what only the schema checks can catch."""
    tables = {name: (directory / name).read_text() for name in ("contributions.csv", "periods.csv")}
    if edit_tables:
        tables = edit_tables(tables)
    for name, text in tables.items():
        (directory / name).write_text(text)
    manifest = Manifest.read(directory / "manifest.json")
    files = {name: hashlib.sha256(text.encode()).hexdigest() for name, text in tables.items()}
    manifest = replace(manifest, files=files)
    if edit_manifest:
        manifest = edit_manifest(manifest)
    (directory / "manifest.json").write_bytes(manifest.to_bytes())


def _times_1000(tables):
    contributions = tables["contributions.csv"].replace("ann,2,7,0,7,1", "ann,2000,7000,0,7000,1")
    periods = tables["periods.csv"].replace(",2,3,9,0,9", ",2,2001,7002,0,7002")
    return {"contributions.csv": contributions, "periods.csv": periods}


def _append_line(name: str, line: str):
    return lambda tables: {**tables, name: tables[name] + line + "\n"}


def _replace(name: str, old: str, new: str):
    def edit(tables):
        assert old in tables[name], tables[name]
        return {**tables, name: tables[name].replace(old, new)}
    return edit


CONTRIBUTION = "acme/tiny,acme/tiny,2021-02-20,2021-03-06,ann,2,7,0,7,1"
PERIOD = "acme/tiny,acme/tiny,2021-02-20,2021-03-06,2,3,9,0,9"


@pytest.mark.parametrize(
    ("edit_tables", "edit_manifest", "message"),
    [
        (_times_1000, None, "periods.csv: its windows or commits differ from the windows manifest.json records"),
        (_replace("contributions.csv", CONTRIBUTION, CONTRIBUTION.replace(",2,7,0,7,", ",-2,7,0,7,")), None,
         "contributions.csv line 2: commits '-2' is not a non-negative count"),
        (_append_line("contributions.csv", CONTRIBUTION), None, "contributions.csv line 4: repo/period_start/period_end/user listed twice"),
        (_replace("periods.csv", PERIOD, PERIOD.replace("2021-03-06", "2022-02-19")), None,
         "periods.csv line 2: window is not 14 days from start to end"),
        (_replace("periods.csv", PERIOD, PERIOD.replace(",2,3,9,0,9", ",3,3,9,0,9")), None,
         "periods.csv line 2: contributors differs from the sum over contributions.csv"),
        (_append_line("contributions.csv", "acme/tiny,acme/tiny,2021-05-01,2021-05-15,eve,1,1,0,1,1"), None,
         "contributions.csv line 4: contribution outside every window of periods.csv"),
        (_replace("contributions.csv", CONTRIBUTION, CONTRIBUTION.replace(",7,1", ",7,3")), None,
         "contributions.csv line 2: needs commits >= 1 and 1 <= active_days <= min(commits, 15)"),
        (_replace("contributions.csv", CONTRIBUTION, CONTRIBUTION.replace(",7,0,7,", ",7,0,70,")), None,
         "contributions.csv line 2: lines is not lines_added + lines_deleted"),
        (None, lambda m: replace(m, files={}), "manifest.json: files must list the sha256 of contributions.csv and periods.csv, and only them"),
        (None, lambda m: replace(m, repositories=(*m.repositories, m.repositories[0])),
         "periods.csv: its windows or commits differ from the windows manifest.json records"),
    ],
    ids=["x1000", "negative", "duplicate", "year-long", "periods-disagree", "outside-window", "active-days",
         "lines", "empty-files", "manifest-disagrees"],
)
def test_consistently_forged_samples_are_refused_by_the_schema(sample, edit_tables, edit_manifest, message):
    """Hashes re-computed after the edit: the tables' schema and their agreement with the manifest refuse it."""
    _forge(sample, edit_tables, edit_manifest)
    with pytest.raises(DataError) as refused:
        load_collected(sample)
    assert str(refused.value) == f"{sample}/{message}"


def test_edits_without_rehashing_are_refused_naming_the_file(sample, cli):
    """A table or the manifest changed after collection: one line naming the file, exit 1 (no report)."""
    original = {name: (sample / name).read_bytes() for name in ("contributions.csv", "periods.csv", "manifest.json")}
    (sample / "contributions.csv").write_bytes(original["contributions.csv"].replace(b",2,7,0,7,1", b",2000,7,0,7,1"))
    code, out, err = cli("reproduce", "--sample", sample)
    assert (code, out) == (1, "")
    assert err == f"error: {sample / 'contributions.csv'}: sha256 differs from manifest.json's (changed after collection)\n"
    (sample / "contributions.csv").write_bytes(original["contributions.csv"])
    record = json.loads(original["manifest.json"])
    record["repositories"][0]["windows"][0]["commits"] = 3000
    (sample / "manifest.json").write_text(json.dumps(record))
    with pytest.raises(DataError, match=r"manifest.json: sample_sha256 does not match its content \(changed after collection\)$"):
        load_collected(sample)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[1, 2]", "not a collection manifest (not a JSON object)"),
        ('{"design": 1}', "not a collection manifest (no key 'mcvalue_version')"),
        ("[" * 100000, "not a readable collection manifest"),
        ("\xff", "not a readable collection manifest"),
    ],
    ids=["list", "keys", "deep", "binary"],
)
def test_hostile_manifests_end_in_one_line(sample, text, message):
    """Not JSON, JSON of another shape, nesting deep enough to break a recursive parser: a DataError naming manifest.json."""
    (sample / "manifest.json").write_bytes(text.encode("latin-1"))
    with pytest.raises(DataError, match=re.escape(f"{sample / 'manifest.json'}: {message}")):
        load_collected(sample)


def test_hostile_repository_records_are_named(sample):
    """A record whose windows are not windows is refused before anything uses it."""
    record = json.loads((sample / "manifest.json").read_text())
    record["repositories"][0]["windows"] = [{"start": "2021-02-20", "end": 7}]
    (sample / "manifest.json").write_text(json.dumps(record))
    with pytest.raises(DataError, match="not a collection manifest \\(acme/tiny: a window without YYYY-MM-DD start and end\\)"):
        load_collected(sample)


def test_a_sample_of_the_older_layout_is_refused_with_the_way_out(sample):
    """No sample_sha256 (mcvalue before layout 2): refused, naming the re-collection command."""
    record = json.loads((sample / "manifest.json").read_text())
    del record["sample_sha256"], record["format"]
    (sample / "manifest.json").write_text(json.dumps(record))
    with pytest.raises(DataError, match=r"a sample of layout 1, .* re-collect it \(mcvalue data collect --manifest "):
        load_collected(sample)


def test_a_fifo_in_a_sample_is_refused_not_read(sample):
    """A FIFO where a table should be: refused at once (reading it would block forever)."""
    (sample / "periods.csv").unlink()
    os.mkfifo(sample / "periods.csv")
    with pytest.raises(DataError, match=f"^{sample / 'periods.csv'}: not a regular file"):
        load_collected(sample)


def test_the_sample_identity_reaches_the_cost_side(sample):
    """verify_files gives the cost side's cache key the sample_sha256 the manifest records."""
    hashes = mcvalue.data.verify_files("corrected", sample=sample)
    assert hashes["sample_sha256"] == json.loads((sample / "manifest.json").read_text())["sample_sha256"]


# --- the resume cache --------------------------------------------------------------------------------


def test_a_damaged_resume_cache_entry_is_read_again_with_one_warning(clones, tmp_path):
    """A flipped digit in the record: one warning naming the entry; the sample equals a fresh one."""
    fresh = collect([repo_spec(TINY)], clones, tmp_path / "fresh", _design(WINDOW))
    out = tmp_path / "out"
    collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    entry = out / ".repos" / "acme__tiny.json"
    digest, payload = entry.read_bytes().split(b"\n", 1)
    assert digest.decode() == hashlib.sha256(payload).hexdigest()
    entry.write_bytes(digest + b"\n" + payload.replace(b'"commits": 3', b'"commits": 4'))
    again = collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    assert again.warnings == (f"{entry}: damaged resume cache entry (sha256 differs); read again",)
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (out / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes()
    assert fresh.warnings == () and collect([repo_spec(TINY)], clones, out, _design(WINDOW)).warnings == ()


def test_a_forged_resume_cache_entry_with_a_valid_digest_is_checked_too(clones, tmp_path, monkeypatch):
    """Re-hashed but not a record (negative counts): one warning, read again; an entry of another request is no damage."""
    out = tmp_path / "out"
    collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    entry = out / ".repos" / "acme__tiny.json"
    stored = json.loads(entry.read_bytes().split(b"\n", 1)[1])
    stored["record"]["windows"][0]["authors"]["ann"] = [-5, 0, 0, 1]
    entry.write_bytes(entry_bytes(stored["key"], stored["record"]))
    again = collect([repo_spec(TINY)], clones, out, _design(WINDOW))
    assert again.warnings == (
        f"{entry}: damaged resume cache entry (acme/tiny: window 2021-02-20: authors must map a user to four counts); read again",
    )
    reads = []
    monkeypatch.setattr(gitlog, "read_numstat", lambda *args: reads.append(1) or ({}, {}))
    assert collect([repo_spec(TINY)], clones, out, _design(WINDOW)).warnings == () and reads == []  # now intact: re-used
    assert collect([repo_spec(TINY)], clones, out, _design(EARLY)).warnings == () and reads == [1]


# --- names and clones --------------------------------------------------------------------------------


def test_owner_and_name_spelled_in_another_case_find_the_clone(clones, tmp_path):
    """Acme/Tiny and acme/TINY are one repository, read from clones/acme/tiny."""
    manifest = collect([repo_spec("Acme/Tiny"), repo_spec("acme/TINY", "tiny tool")], clones, tmp_path / "out", _design(WINDOW))
    (record,) = manifest.repositories
    assert (record["repo"], record["status"], record["tool"]) == (TINY, "ok", "acme/tiny / tiny tool")


def test_windows_are_matched_by_bisection_like_a_scan():
    """select_commits gives, per window, exactly the commits a scan finds, in git's order."""
    days = [(f"c{i}", date(2021, 1, 1) + timedelta(days=(i * 7919) % 97)) for i in range(300)]
    windows = [Window(date(2021, 1, 1) + timedelta(s), date(2021, 1, 1) + timedelta(s + 14)) for s in range(0, 120, 3)]
    scan = [[sha for sha, day in days if w.start <= day <= w.end] for w in windows]
    assert select_commits(windows, days) == scan


# --- the missing-blob bug (issue 25 point 4) -------------------------------------------------------


def test_a_removed_blob_marks_its_own_commit_unread_not_the_next(tmp_path):
    """b2 adds x.txt whose blob is removed: b2 is unread; b1 and b3 are counted in full."""
    repo = Builder(tmp_path / "clones" / "acme" / "blob")
    b1 = repo.commit("2021-05-03T10:00:00+00:00", ANN, {"a.txt": numbered("a", 3)})
    b2 = repo.commit("2021-05-04T10:00:00+00:00", BEN, {"x.txt": "only here\n" * 5})
    b3 = repo.commit("2021-05-05T10:00:00+00:00", ANN, {"a.txt": numbered("a", 4)})
    blob = git(repo.path, "rev-parse", f"{b2}:x.txt")
    (repo.path / ".git" / "objects" / blob[:2] / blob[2:]).unlink()
    manifest = collect([repo_spec("acme/blob")], tmp_path / "clones", tmp_path / "out",
                       _design(Window(date(2021, 5, 1), date(2021, 5, 15)), repo="acme/blob"))
    (record,) = manifest.repositories
    assert record["windows"][0]["unread"] == [b2] and record["windows"][0]["commits"] == 2
    assert record["problems"][0].startswith("1 commit(s) whose diff could not be read (")
    rows = _rows(load_collected(tmp_path / "out").contributions, ["user", "commits", "lines_added", "active_days"])
    assert rows == [("ann", 2, 4, 2)] and b1 and b3


# --- signals to the pid alone ------------------------------------------------------------------------


def _fake_git(directory: Path, real_git: str) -> Path:
    """Write a ``git`` that passes everything to git except the history listing: that writes 1 MB to stderr and sleeps."""
    directory.mkdir()
    script = directory / "git"
    script.write_text(
        "#!/bin/sh\n"
        'for arg in "$@"; do\n'
        '  if [ "$arg" = "--no-merges" ]; then\n'
        '    head -c 1000000 /dev/zero | tr "\\0" e >&2\n'
        '    echo $$ >> "$FAKE_GIT_PID"\n'
        "    exec sleep 300\n"
        "  fi\n"
        "done\n"
        f'exec {real_git} "$@"\n'
    )
    script.chmod(0o755)
    return directory


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.slow
@pytest.mark.parametrize(("sig", "workers"), [(signal.SIGTERM, 1), (signal.SIGINT, 1), (signal.SIGTERM, 2), (signal.SIGINT, 2)])
def test_a_signal_to_the_pid_alone_ends_collect_and_its_git(clones, tmp_path, sig, workers):
    """Send ``kill PID`` while git is blocked: exit 130, one line, every git child gone (on the Dask workers too); nothing half-written.

    Two repositories: with ``--workers 2`` each is read by a worker of a LocalCluster, and both gits block.
    """
    real_git = shutil.which("git")
    fake = _fake_git(tmp_path / "bin", real_git)
    pid_file = tmp_path / "git.pid"
    shutil.copytree(clones, tmp_path / "clones", symlinks=True)
    shutil.copytree(clones / "acme" / "tiny", tmp_path / "clones" / "acme" / "twin", symlinks=True)
    windows = tmp_path / "w.csv"
    windows.write_text(f"repo,start,end\n{TINY},2021-02-20,2021-03-06\nacme/twin,2021-02-20,2021-03-06\n")
    env = {**os.environ, **ISOLATED_GIT, "PATH": f"{fake}{os.pathsep}{os.environ['PATH']}", "FAKE_GIT_PID": str(pid_file),
           "PYTHONPATH": str(REPO_ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "mcvalue", "data", "collect", "--quiet", "--clones", str(tmp_path / "clones"), "--windows", str(windows),
         "--out", str(tmp_path / "out"), "--workers", str(workers)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env, start_new_session=True,
        # as from a terminal: a test runner started in the background (`cmd &` in a script) ignores
        # SIGINT, and Python then installs no KeyboardInterrupt handler in a child that inherits that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    try:
        deadline = time.monotonic() + 120
        while (not pid_file.is_file() or len(pid_file.read_text().split()) < workers) and time.monotonic() < deadline:
            time.sleep(0.05)
        git_pids = [int(pid) for pid in pid_file.read_text().split()]
        assert len(git_pids) == workers and all(map(_alive, git_pids)) and proc.poll() is None
        proc.send_signal(sig)
        _, stderr = proc.communicate(timeout=60)  # a deadlock would last until the sleep's 300 s
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130 and stderr == INTERRUPTED + "\n"
    assert not any(map(_alive, git_pids))
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".repos"]
    assert [p.name for p in (tmp_path / "out" / ".repos").iterdir()] == [CACHE_MARKER]


def test_cancel_ends_running_git_and_refuses_new_ones(clones):
    """After cancel() no git starts (Cancelled, not a GitError that would skip the repository); resume() allows them again."""
    git_process.cancel()
    try:
        with pytest.raises(git_process.Cancelled):
            git_process.git(clones / "acme" / "tiny", "rev-parse", "HEAD")
    finally:
        git_process.resume()
    assert len(git_process.git(clones / "acme" / "tiny", "rev-parse", "HEAD")) == 40


def test_recollecting_keeps_the_day_basis(clones, tmp_path):
    """A local-day sample re-collected from its manifest gives the same bytes."""
    collect([repo_spec(TINY)], clones, tmp_path / "a", _design(EARLY), reading=Reading("local", False, "drop"))
    recollect(tmp_path / "a" / "manifest.json", clones, tmp_path / "b")
    for name in ("contributions.csv", "periods.csv", "manifest.json"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    with pytest.raises(McValueError, match=re.escape("--day 'utc+1': choose one of utc, local")):
        collect([repo_spec(TINY)], clones, tmp_path / "c", _design(EARLY), reading=Reading(day="utc+1"))


def test_lists_with_a_byte_order_mark_are_read_and_fifos_refused(tmp_path):
    """A UTF-8 BOM (a spreadsheet's export) is not part of the first column; a FIFO is refused, not waited on."""
    windows = tmp_path / "w.csv"
    windows.write_bytes(b"\xef\xbb\xbfrepo,start,end\nacme/tiny,2021-02-20,2021-03-06\n")
    assert dict(parse_windows(windows).windows) == {TINY: (WINDOW,)}
    repos = tmp_path / "repos.txt"
    repos.write_bytes(b"\xef\xbb\xbfacme/tiny Tiny\n")
    assert parse_repo_list(repos) == [RepoSpec("acme", "tiny", "Tiny", "https://github.com/acme/tiny")]
    os.mkfifo(tmp_path / "fifo.csv")
    with pytest.raises(DataError, match=re.escape(f"{tmp_path / 'fifo.csv'}: not a regular file (a windows file must be one)")):
        parse_windows(tmp_path / "fifo.csv")


def test_names_that_would_leave_the_clones_directory_are_refused(sample, tmp_path):
    """``acme/..`` is no repository: refused in a list, a windows file and a manifest."""
    with pytest.raises(ValueError, match="not a GitHub URL"):
        repo_spec("acme/..")
    windows = tmp_path / "w.csv"
    windows.write_text("repo,start,end\nacme/..,2021-02-20,2021-03-06\n")
    with pytest.raises(DataError, match="line 2: repo 'acme/..' is not owner/name"):
        parse_windows(windows)
    record = json.loads((sample / "manifest.json").read_text())
    record["repositories"][0]["repo"] = "acme/.."
    (sample / "manifest.json").write_text(json.dumps(record))
    with pytest.raises(DataError, match=re.escape("not a collection manifest (a repository record without repo (owner/name)")):
        recollect(sample / "manifest.json", tmp_path, tmp_path / "again")


def test_a_clone_never_removes_an_existing_directory(tmp_path):
    """A user's ``.tiny.cloning`` beside the clone survives; a failed clone leaves nothing of its own."""
    clones = tmp_path / "clones" / "acme"
    (clones / ".tiny.cloning").mkdir(parents=True)
    (clones / ".tiny.cloning" / "mine.txt").write_text("mine\n")
    with pytest.raises(git_process.GitError, match="cannot clone"):
        git_process.clone_repository((tmp_path / "no-such-remote").as_uri(), clones / "tiny")
    assert sorted(p.name for p in clones.iterdir()) == [".tiny.cloning"]
    assert (clones / ".tiny.cloning" / "mine.txt").read_text() == "mine\n"


# --- --clone --shallow-since (issue 25 point 5) ------------------------------------------------------


def test_a_shallow_clone_since_the_year_gives_the_full_clones_tables(tmp_path):
    """year:2021 from a clone since 2021-01-01: the same tables as from the full clone, from 3 of its 7 commits.

    Commits: four in 2020 (s1..s4), three in 2021 (s5 on 01-10, s6 on 02-01, s7 on 03-15).
    The shallow clone holds s5..s7 and s4 (s5's parent, fetched by --deepen=1), so s5's diff
    is read; the span of 2021 starts on 2021-01-01 in both clones.
    """
    work = Builder(tmp_path / "work")
    for number, when in enumerate(("2020-02-01", "2020-05-01", "2020-08-01", "2020-11-01", "2021-01-10", "2021-02-01",
                                   "2021-03-15"), 1):
        work.commit(f"{when}T12:00:00+00:00", ANN if number % 2 else BEN, {f"s{number}.txt": numbered("s", number)})
    source = tmp_path / "acme" / "shal.git"
    git(tmp_path, "clone", "-q", "--bare", str(work.path), str(source))
    spec = repo_spec(source.as_uri())
    year = parse_design("year:2021")
    full = collect([spec], tmp_path / "full", tmp_path / "out-full", year, per_repo=3, clone_missing=True)
    shallow = collect([spec], tmp_path / "shallow", tmp_path / "out-shallow", year, per_repo=3, clone_missing=True,
                      shallow_since=date(2021, 1, 1))
    for name in ("contributions.csv", "periods.csv"):
        assert (tmp_path / "out-full" / name).read_bytes() == (tmp_path / "out-shallow" / name).read_bytes()
    assert (full.repositories[0]["shallow"], shallow.repositories[0]["shallow"]) == (False, True)
    assert shallow.repositories[0]["status"] == "ok" and shallow.repositories[0]["history"]["commits"] == 4
    assert full.repositories[0]["history"]["commits"] == 7
    assert [w["start"] for w in shallow.repositories[0]["windows"]] == [w["start"] for w in full.repositories[0]["windows"]]
    # Each window counts the 2021 commits on its days (s5, s6, s7: one each), so the comparison is not of zeros.
    days = ("2021-01-10", "2021-02-01", "2021-03-15")
    counted = [w["commits"] for w in shallow.repositories[0]["windows"]]
    assert counted == [sum(w["start"] <= d <= w["end"] for d in days) for w in shallow.repositories[0]["windows"]]
    assert sum(counted) >= 1
    with pytest.raises(McValueError, match="--shallow-since 2021-01-02: after the design's first day 2021-01-01"):
        collect([spec], tmp_path / "x", tmp_path / "out-x", year, clone_missing=True, shallow_since=date(2021, 1, 2))
    with pytest.raises(McValueError, match="the history design draws windows over the whole history"):
        collect([spec], tmp_path / "x", tmp_path / "out-x", Design("history"), clone_missing=True, shallow_since=date(2021, 1, 1))
    with pytest.raises(McValueError, match="--shallow-since says how much history --clone fetches; add --clone"):
        collect([spec], tmp_path / "x", tmp_path / "out-x", year, shallow_since=date(2021, 1, 1))


def test_a_resume_cache_that_is_a_symlink_is_refused(clones, tmp_path):
    """``OUT/.repos`` pointing elsewhere: refused, the target untouched."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / ".repos").symlink_to(elsewhere)
    with pytest.raises(McValueError, match="holds files mcvalue did not write"):
        collect([repo_spec(TINY)], clones, tmp_path / "out", _design(WINDOW))
    assert list(elsewhere.iterdir()) == []
