"""``mcvalue data collect`` on the command line and ``mcvalue.collect_sample``: counts, warnings, one-line errors.

acme/tiny (branch ``main``) holds, counted by hand:

==========  =======================================  ==================  ==========
author day  author                                   change              +added -del
==========  =======================================  ==================  ==========
2021-03-02  ``7+ann@users.noreply.github.com``       t.txt: 6 lines      +6 -0
2021-03-05  ``ben@example.com``                      t.txt: 2 of 6 lines  +2 -2
            changed
2021-07-01  ``ann`` (noreply)                        u.txt: 3 lines      +3 -0
==========  =======================================  ==================  ==========

so the window 2021-03-01..2021-03-15 has 2 contributors, 2 commits, 10 lines, and
2021-05-01..2021-05-15 none.
"""

import sys
from pathlib import Path

import pytest
from collect_helpers import ISOLATED_GIT, Builder, numbered

import mcvalue
import mcvalue.cli as cli

ANN = ("Ann", "7+ann@users.noreply.github.com")
BEN = ("Ben", "ben@example.com")


@pytest.fixture(autouse=True)
def _isolated_git(monkeypatch):
    for key, value in ISOLATED_GIT.items():
        monkeypatch.setenv(key, value)


@pytest.fixture(scope="module")
def clones(tmp_path_factory) -> Path:
    """Build a clones directory holding acme/tiny (a work tree)."""
    root = tmp_path_factory.mktemp("clones")
    tiny = Builder(root / "acme" / "tiny")
    tiny.commit("2021-03-02T10:00:00+00:00", ANN, {"t.txt": numbered("t", 6)})
    tiny.commit("2021-03-05T10:00:00+00:00", BEN, {"t.txt": numbered("t", 6).replace("t 1\n", "T 1\n").replace("t 2\n", "T 2\n")})
    tiny.commit("2021-07-01T10:00:00+00:00", ANN, {"u.txt": numbered("u", 3)})
    return root


def _mcvalue(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    """Run the ``mcvalue`` entry point in this process; return exit code, stdout, stderr."""
    monkeypatch.setattr(sys, "argv", ["mcvalue", *map(str, args)])
    with pytest.raises(SystemExit) as stop:
        cli.main()
    captured = capsys.readouterr()
    return stop.value.code, captured.out, captured.err


def _windows_file(path: Path, rows: list[str]) -> Path:
    path.write_text("repo,start,end\n" + "".join(f"{row}\n" for row in rows))
    return path


def test_collect_command_counts_windows_and_warns_about_a_missing_clone(clones, tmp_path, monkeypatch, capsys):
    """Hand counts per window; the missing repository is one warning line; the rest is collected (exit 0)."""
    windows = _windows_file(tmp_path / "w.csv", ["acme/tiny,2021-03-01,2021-03-15", "acme/tiny,2021-05-01,2021-05-15",
                                                  "acme/gone,2021-03-01,2021-03-15"])
    code, out, err = _mcvalue(monkeypatch, capsys, "data", "collect", "--clones", clones, "--windows", windows, "--out", tmp_path / "s")
    assert code == 0
    assert out.strip() == (
        "collected 1 of 2 repositories (0 incomplete, 1 skipped), 2 windows, 2 commits, design windows: "
        f"{tmp_path / 's' / 'manifest.json'}"
    )
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert warnings == [f"warning: acme/gone: no clone at {clones / 'acme' / 'gone'} (use --clone to clone it)"]
    assert (tmp_path / "s" / "periods.csv").read_text().splitlines()[1:] == [
        "acme/tiny,acme/tiny,2021-03-01,2021-03-15,2,2,8,2,10",
        "acme/tiny,acme/tiny,2021-05-01,2021-05-15,0,0,0,0,0",
    ]
    assert (tmp_path / "s" / "contributions.csv").read_text().splitlines()[1:] == [
        "acme/tiny,acme/tiny,2021-03-01,2021-03-15,ann,1,6,0,6,1",
        "acme/tiny,acme/tiny,2021-03-01,2021-03-15,ben@example.com,1,2,2,4,1",
    ]


def test_year_design_from_a_repository_list(clones, tmp_path):
    """year:2021 asking 30 windows: as many disjoint 15-day windows as fit in the history's part of 2021, seeded; the tool name from the list."""
    repos = tmp_path / "repos.txt"
    repos.write_text("# one repository\nhttps://github.com/acme/tiny Tiny Tool\n")
    first = mcvalue.collect_sample(tmp_path / "a", clones=clones, repos=repos, design="year:2021", per_repo=30, seed=4)
    again = mcvalue.collect_sample(tmp_path / "b", clones=clones, repos=repos, design="year:2021", per_repo=30, seed=4)
    (record,) = first.repositories
    # The history is 2021-03-02..2021-07-01: 108 possible starts; k disjoint windows need
    # 108 - 14 (k - 1) >= k, so k <= 122 / 15: 8 windows.
    assert record["tool"] == "Tiny Tool" and len(record["windows"]) == 8
    assert all("2021-03-02" <= w["start"] and w["end"] <= "2021-07-01" for w in record["windows"])
    assert [w["start"] for w in record["windows"]] == [w["start"] for w in again.repositories[0]["windows"]]
    # A window holds a commit exactly when it covers 2021-03-02, 2021-03-05 or 2021-07-01 (both ends included).
    days = ("2021-03-02", "2021-03-05", "2021-07-01")
    assert [w["commits"] for w in record["windows"]] == [
        sum(w["start"] <= day <= w["end"] for day in days) for w in record["windows"]
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--design", "year:21"], "--design 'year:21': use 'history' or 'year:YYYY'"),
        (["--design", "history", "--windows", "{w}"], "--design and --windows exclude each other"),
        (["--windows", "{w}", "--seed", "3"], "--per-repo and --seed draw windows"),
        (["--repos", "{tmp}/none.txt"], "none.txt: cannot read the repository list"),
        (["--repos", "{tmp}/bad.txt"], "bad.txt line 1: not a GitHub URL"),
        (["--repos", "{tmp}/ok.txt", "--per-repo", "0"], "--per-repo (0) must be >= 1"),
        (["--repos", "{tmp}/ok.txt", "--workers", "0"], "--workers (0) must be >= 1"),
        (["--repos", "{tmp}/ok.txt", "--seed", "-1"], "--seed (-1) >= 0"),
        (["--repos", "{tmp}/ok.txt", "--windows", "{tmp}/bad.csv"], "bad.csv: expected the header repo,start,end"),
        (["--repos", "{tmp}/ok.txt", "--manifest", "{tmp}/m.json"], "--manifest re-collects what the manifest says; drop --repos"),
        (["--manifest", "{tmp}/m.json"], "m.json: not a collection manifest (no key 'mcvalue_version')"),
        (["--manifest", "{tmp}/m.json", "--clone"], "--manifest re-collects what the manifest says; drop --clone"),
        (["--manifest", "{tmp}/m.json", "--day", "local"], "--manifest re-collects what the manifest says; drop --day"),
        (["--repos", "{tmp}/ok.txt", "--bots", "hide"], "--bots 'hide': choose one of keep, drop"),
        (["--repos", "{tmp}/ok.txt", "--clone", "--design", "year:2021", "--shallow-since", "2021-1-1"],
         "--shallow-since '2021-1-1': use a YYYY-MM-DD date"),
        (["--manifest", "{tmp}/m.json", "--shallow-since", "2021-01-01"], "re-collects what the manifest says; drop --shallow-since"),
        (["--repos", "{tmp}/ok.txt", "--day", "tz"], "--day 'tz': choose one of utc, local"),
        (["--repos", "{tmp}/ok.txt", "--design", "year:2999"], "--design 'year:2999': the year must be from 2000 to"),
        (["--repos", "{tmp}/gone.txt"], "no repository could be read (1 skipped; acme/gone: no clone at"),
        (["--repos", "{tmp}/ok.txt", "--clones", "{tmp}/no-such-dir"], "no-such-dir: no such directory (--clone creates it)"),
    ],
)
def test_bad_input_is_one_line_and_exit_1(clones, tmp_path, monkeypatch, capsys, args, message):
    """Every bad option or file ends in one ``error:`` line naming it, exit code 1."""
    (tmp_path / "bad.txt").write_text("not a repo at all\n")
    (tmp_path / "ok.txt").write_text("acme/tiny\n")
    (tmp_path / "gone.txt").write_text("acme/gone\n")
    (tmp_path / "bad.csv").write_text("name,from,to\n")
    (tmp_path / "m.json").write_text("{}")
    _windows_file(tmp_path / "w.csv", ["acme/tiny,2021-03-01,2021-03-15"])
    filled = [arg.format(w=tmp_path / "w.csv", tmp=tmp_path) for arg in args]
    if "--clones" not in filled:
        filled += ["--clones", str(clones)]
    code, out, err = _mcvalue(monkeypatch, capsys, "data", "collect", "--out", tmp_path / "s", *filled)
    lines = [line for line in err.strip().splitlines() if not line.startswith("collecting [")]  # the progress bar's last state
    assert code == 1 and out == ""
    assert len(lines) == 1 and lines[0].startswith("error: ") and message in lines[0], lines


def test_without_dask_the_default_reads_here_and_more_workers_are_refused(clones, tmp_path, monkeypatch, capsys):
    """Dask is an extra: absent, the default reads in this process; --workers 2 names the install line (exit 1)."""
    import mcvalue.tasks

    monkeypatch.setattr(mcvalue.tasks, "dask_installed", lambda: False)
    (tmp_path / "two.txt").write_text("acme/tiny\nacme/gone\n")
    code, out, err = _mcvalue(monkeypatch, capsys, "data", "collect", "--quiet", "--clones", clones, "--repos", tmp_path / "two.txt",
                              "--out", tmp_path / "here")
    assert code == 0 and "collected 1 of 2 repositories" in out
    code, out, err = _mcvalue(monkeypatch, capsys, "data", "collect", "--clones", clones, "--repos", tmp_path / "two.txt",
                              "--out", tmp_path / "dask", "--workers", "2")
    assert code == 1 and out == ""
    assert err == ("error: mcvalue data collect reads its repositories on Dask, which is not installed: "
                   "pip install 'mcvalue[distributed]' (or use --workers 1)\n")
    assert not (tmp_path / "dask").exists()  # refused before anything was written
