"""The hostile-input corpus (issue 10, point 6): every class of bad input or fault ends in one line.

Each case asserts the exit code the README defines (1 data/usage, 2 invalid prior file),
exactly one ``error: WHERE: ...`` line naming the file, key, option or directory, no
traceback anywhere on stderr, and no partial output. Big cases are generated here.
Cases needing the paper's data (the cost-side cache) are marked ``realdata``.
"""

from __future__ import annotations

import json
import os
import re
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hostile_helpers import assert_one_error
from trace_helpers import iid_trace

import mcvalue
import mcvalue.costmodels.pymc.fit as fit
from mcvalue.costmodels.pymc.attempts import ATTEMPTS_ATTR, MAX_ATTEMPTS
from mcvalue.costmodels.pymc.posterior_cache import checksum_path, save_posterior
from mcvalue.costmodels.pymc.sampling import SamplerSettings
from mcvalue.engine.memory import bytes_per_draw, check_memory

RAW = "scraped_contributor_information_for_repos.csv"
FAST = ("--cost-model", "table1", "--draws", "2000", "--quiet")


def _entries(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --- compare on damaged runs ------------------------------------------------------------


@pytest.fixture(scope="module")
def good_run(tmp_path_factory) -> Path:
    """Write a real (small, table1) run directory to compare against."""
    results = tmp_path_factory.mktemp("results")
    result = mcvalue.run(mcvalue.load_scenario("default").with_settings(draws=2000, cost_model="table1"))
    return mcvalue.write_report(result, results / "good")


def _summary_edit(edit):
    def write(path: Path, good: dict) -> None:
        summary = json.loads(json.dumps(good))
        edit(summary)
        path.write_text(json.dumps(summary))
    return write


DAMAGED_SUMMARIES = {
    "a-list": (lambda p, _g: p.write_text("[1, 2]"), r"missing bcr, cost_usd, benefit_usd, methods"),
    "empty-object": (lambda p, _g: p.write_text("{}"), r"missing bcr, cost_usd, benefit_usd, methods"),
    "missing-bcr": (_summary_edit(lambda s: s.pop("bcr")), r"missing bcr\)"),
    "not-utf8": (lambda p, _g: p.write_bytes(b"\xff\xfe{}"), r"not UTF-8"),
    "nested-100000": (lambda p, _g: p.write_text("[" * 100_000 + "]" * 100_000), r"nested too deeply"),
    "not-json": (lambda p, _g: p.write_text('{"bcr": '), r"not valid JSON"),
    "intervals-a-number": (_summary_edit(lambda s: s["bcr"].__setitem__("intervals", 5)), r"not a run's summary"),
    "median-a-string": (_summary_edit(lambda s: s["bcr"].__setitem__("median", "big")), r"BCR median: 'big' is not a finite number"),
    "p-above-missing": (_summary_edit(lambda s: s["bcr"].pop("p_above")), r"missing 'p_above'"),
    "inputs-a-list": (_summary_edit(lambda s: s.__setitem__("inputs", [1])), r"inputs: not a table"),
}


@pytest.mark.parametrize("case", list(DAMAGED_SUMMARIES))
def test_compare_refuses_a_damaged_summary(case, good_run, tmp_path, cli):
    damage, message = DAMAGED_SUMMARIES[case]
    bad = tmp_path / "bad"
    bad.mkdir()
    damage(bad / "summary.json", json.loads((good_run / "summary.json").read_text()))
    code, out, err = cli("compare", good_run, bad)
    assert code == 1 and out == ""
    line = assert_one_error(err, message)
    assert str(bad / "summary.json") in line


@pytest.mark.parametrize("case", ["unreadable", "staging-leftover", "missing"])
def test_compare_refuses_what_is_not_a_run(case, good_run, tmp_path, cli):
    """A summary.json that cannot be read (a directory), a killed run's staging directory, nothing at all."""
    side = tmp_path / {"unreadable": "run", "staging-leftover": ".run.x1y2.partial", "missing": "nothing"}[case]
    if case != "missing":
        side.mkdir()
        if case == "unreadable":
            (side / "summary.json").mkdir()
        else:
            (side / "summary.json").write_text((good_run / "summary.json").read_text())
    code, out, err = cli("compare", good_run, side)
    assert code == 1 and out == ""
    assert_one_error(err, {"unreadable": r"not a run directory", "staging-leftover": r"an unfinished run",
                           "missing": r"no such run directory, run name in \S+ or prior file"}[case])


# --- command-line values ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--name", "a" * 300), r"^error: --name: "),
        (("--name", "abc\n"), r"^error: --name: 'abc\\n' is not a valid run name"),
        (("--name", ".hidden"), r"^error: --name: "),
        (("--name", "../escape"), r"^error: --name: "),
        (("--swing", "50,50"), r"--swing"),
        (("--swing", "ten,ninety"), r"--swing"),
        (("--threshold", "-1"), r"--threshold"),
        (("--threshold", "nan"), r"--threshold"),
        (("--draws", "many"), r"--draws"),
        (("--draws", "10000000000"), r"^error: --draws: 10,000,000,000 draws need about [\d,.]+ GiB .* at most [\d,]+ draws fit$"),
        (("--bogus",), r"No such option: --bogus"),
        (("--mode", "fancy"), r"mode: unknown mode 'fancy'"),
        (("--cost-model", "oracle"), r"oracle"),
    ],
    ids=["name-too-long", "name-newline", "name-hidden", "name-path", "swing-empty", "swing-words", "threshold-negative",
         "threshold-nan", "draws-word", "draws-10e9", "unknown-option", "mode-unknown", "cost-model-unknown"],
)
def test_bad_command_line_values_exit_1_and_write_nothing(args, message, tmp_path, cli):
    results = tmp_path / "results"
    code, out, err = cli("run", *FAST, "--results-dir", results, *args)
    assert code == 1 and out == ""
    assert_one_error(err, message)
    assert [n for n in _entries(results) if not n.startswith(".")] == []


def test_narrow_swing_still_draws_a_finite_tornado(tmp_path, cli):
    """A swing 1e-6 percentiles wide: the tornado's bars are (almost) empty but its axis limits finite."""
    code, _out, err = cli("run", *FAST, "--results-dir", tmp_path, "--name", "narrow", "--swing", "50,50.000001")
    assert code == 0 and "Traceback" not in err
    assert (tmp_path / "narrow" / "figures" / "tornado.png").stat().st_size > 1000


def test_draw_limit_is_the_memory_over_the_bytes_each_draw_keeps():
    """Hand calculation: 15 quantities, a 25-column FTE pool row, 2 x 6 method and 3 benefit-method columns, 6 arrays; x 8 x 3."""
    scenario = mcvalue.load_scenario("default").with_settings(draws=1_000_001)
    assert len(scenario.quantities) == 15 and bytes_per_draw(scenario) == 8 * 61 * 3 == 1464
    check_memory(scenario, available=1464 * 1_000_001)  # exactly fits
    with pytest.raises(mcvalue.McValueError, match=r"^--draws: 1,000,001 draws .* at most 1,000,000 draws fit$"):
        check_memory(scenario, available=1464 * 1_000_001 - 1)


# --- prior files that are not prior files, and extreme priors ---------------------------


def _prior_case(tmp_path: Path, case: str) -> Path:
    """Build one hostile prior file (or not-a-file) under tmp_path and return the path to pass."""
    path = tmp_path / "p.toml"
    if case == "fifo":
        os.mkfifo(path)
    elif case == "dev-zero":
        return Path("/dev/zero")
    elif case == "nested-arrays":
        path.write_text("x = " + "[" * 50_000 + "]" * 50_000 + "\n")
    elif case == "nested-tables":
        path.write_text("x = " + "{a = " * 5_000 + "1" + "}" * 5_000 + "\n")
    elif case == "extends-nul":
        path.write_text('extends = "de\\u0000fault"\n')
    elif case == "extends-dev-zero":
        path.write_text('extends = "/dev/zero"\n')
    elif case == "symlink-loop":
        (tmp_path / "q.toml").symlink_to(path)
        path.symlink_to(tmp_path / "q.toml")
    elif case == "not-utf8":
        path.write_bytes(b"extends = \"default\"\n# \xff\xfe\n")
    elif case == "huge":
        path.write_text("# " + "x" * (3 * 2**20) + "\n")
    else:
        path.write_text(f'extends = "default"\n{EXTREME_PRIORS[case][0]}\n')
    return path


EXTREME_PRIORS = {
    "ci90-1e307-1e308": ('[benefit.ai_value_usd]\ndist = "lognormal"\nci90 = [1e307, 1e308]', r"benefit\.ai_value_usd"),
    "ci90-subnormal": ('[cost.salary_usd]\ndist = "lognormal"\nci90 = [1e-320, 4e5]', r"cost\.salary_usd"),
    "normal-1e308": ('[benefit.ai_value_usd]\ndist = "normal"\nmean = 1e308\nsd = 1e308\nlower = 0', r"benefit\.ai_value_usd"),
    "lognormal-sigma-700": ('[benefit.ai_value_usd]\ndist = "lognormal"\nmu = 0\nsigma = 700', r"benefit\.ai_value_usd"),
    "gamma-extreme": ('[benefit.ai_value_usd]\ndist = "gamma"\nshape = 1e-300\nscale = 1e300', r"benefit\.ai_value_usd"),
    "point-tiny-money": ('[cost.salary_usd]\ndist = "point"\nvalue = 1e-300', r"cost\.salary_usd"),
}


@pytest.mark.parametrize(
    "case",
    ["fifo", "dev-zero", "nested-arrays", "nested-tables", "extends-nul", "extends-dev-zero", "symlink-loop", "not-utf8", "huge",
     *EXTREME_PRIORS],
)
def test_hostile_prior_files_exit_2_naming_the_file(case, tmp_path, cli):
    path = _prior_case(tmp_path, case)
    results = tmp_path / "results"
    started = time.monotonic()
    code, out, err = cli("run", *FAST, "--priors", path, "--results-dir", results)
    assert time.monotonic() - started < 30  # a FIFO or /dev/zero is never read to the end
    assert code == 2 and out == ""
    assert "Traceback" not in err
    first = err.splitlines()[0]
    assert first.startswith(f"error: {path}") or first.startswith(f"error: {path.name}"), err
    if case in EXTREME_PRIORS:
        assert_one_error(err, EXTREME_PRIORS[case][1])
    assert not results.exists() or _entries(results) == []


def test_a_directory_as_prior_file_is_a_usage_error(tmp_path, cli):
    code, out, err = cli("run", *FAST, "--priors", tmp_path)
    assert code == 1 and out == ""
    assert_one_error(err, r"--priors")


# --- data files ---------------------------------------------------------------------------


@pytest.mark.parametrize("case", ["empty", "directory", "fifo", "missing", "garbage"])
def test_bad_data_files_exit_1_naming_the_file(case, tmp_path, cli):
    """The data are located and checked before anything is read: a FIFO never blocks, an empty file never parses."""
    data = tmp_path / "data"
    data.mkdir()
    raw = data / RAW
    {"empty": lambda: raw.write_bytes(b""), "directory": raw.mkdir, "fifo": lambda: os.mkfifo(raw),
     "missing": lambda: None, "garbage": lambda: raw.write_bytes(os.urandom(4096))}[case]()
    code, out, err = cli("run", "--cost-model", "bootstrap", "--draws", "2000", "--quiet", "--data-dir", data,
                         "--results-dir", tmp_path / "results")
    assert code == 1 and out == ""
    assert_one_error(err, re.escape(RAW) if case != "missing" else r"--data-dir")
    assert _entries(tmp_path / "results") == []


# --- unwritable places --------------------------------------------------------------------


def test_results_dir_on_a_full_disk_leaves_nothing(tiny_fs, cli):
    code, out, err = cli("run", *FAST, "--results-dir", tiny_fs, "--name", "full")
    assert code == 1 and out == ""
    assert_one_error(err, rf"cannot write run directory {re.escape(str(tiny_fs))}/full \(No space left on device\); nothing was saved")
    assert _entries(tiny_fs) == []


def test_results_dir_read_only_is_one_line(read_only_fs, cli):
    code, out, err = cli("run", *FAST, "--results-dir", read_only_fs / "results")
    assert code == 1 and out == ""
    assert_one_error(err, rf"^error: --results-dir: cannot create {re.escape(str(read_only_fs))}/results \(Read-only file system\)")


# --- the posterior cache (a stand-in sampler: no PyMC run) ---------------------------------


def _trace(chains: int = 2, draws: int = 40):
    """Return a posterior of iid draws with ``chains`` x ``draws`` for every model parameter."""
    return iid_trace(np.random.default_rng(1), chains=chains, draws=draws, n_repos=2)


@pytest.fixture
def counted_sampler(monkeypatch):
    """``sample_until_converged`` replaced by a stand-in that counts its calls."""
    calls = []

    def sample(_data, _sampler, **_kwargs):
        calls.append(1)
        idata = _trace()  # too short to pass its gates: recorded, as sample_until_converged does, as having taken every attempt
        idata.posterior.attrs[ATTEMPTS_ATTR] = json.dumps({"attempts": MAX_ATTEMPTS, "sampler": {}, "first_attempt": None})
        return idata

    monkeypatch.setattr(fit, "sample_until_converged", sample)
    return calls


def _fit_once(monkeypatch, cache: Path):
    """``fit_model_data`` up to the cache: sampled or loaded? (summarising is not what is tested here)."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(cache))
    monkeypatch.setattr(fit, "assess_posterior", lambda idata, data, sampler, path, from_cache, *_args, **_kwargs: SimpleNamespace(
        idata=idata, cache_path=path, from_cache=from_cache))
    sampler = SamplerSettings(draws=40, tune=10, chains=2, seed=3)
    return fit.fit_model_data(SimpleNamespace(digest=lambda: "stand-in"), sampler=sampler, progress=False)


@pytest.mark.parametrize("damage", ["bit-flip-middle", "truncated", "zeroed-block", "directory", "sidecar-missing"])
def test_damaged_posterior_is_refitted_never_read(damage, counted_sampler, monkeypatch, tmp_path):
    first = _fit_once(monkeypatch, tmp_path)
    path = first.cache_path
    assert counted_sampler == [1] and _fit_once(monkeypatch, tmp_path).from_cache
    blob = bytearray(path.read_bytes())
    if damage == "bit-flip-middle":
        blob[len(blob) // 2] ^= 0x10
        path.write_bytes(blob)
    elif damage == "truncated":
        path.write_bytes(blob[: len(blob) // 3])
    elif damage == "zeroed-block":
        path.write_bytes(blob[:4096] + bytes(4096) + blob[8192:])
    elif damage == "directory":
        path.unlink()
        path.mkdir()
    else:
        checksum_path(path).unlink()
    again = _fit_once(monkeypatch, tmp_path)
    assert not again.from_cache and counted_sampler == [1, 1]


def test_posterior_cache_on_a_full_disk_is_a_warning_and_leaves_nothing(tiny_fs):
    """Writing the NetCDF straight to a full disk crashed HDF5 (signal 11); now it is one warning."""
    idata = _trace(chains=4, draws=500)  # ~0.5 MB: more than the 64 KiB disk
    warning = save_posterior(idata, tiny_fs / "posteriors" / "k.nc", "k")
    assert warning == f"posterior cache {tiny_fs / 'posteriors'}: cannot be written (No space left on device); the fit is not cached"
    assert _entries(tiny_fs / "posteriors") == []


def test_posterior_cache_read_only_is_a_warning(read_only_fs):
    warning = save_posterior(_trace(), read_only_fs / "posteriors" / "k.nc", "k")
    assert warning is not None and "Read-only file system" in warning and "the fit is not cached" in warning


# --- leftovers ----------------------------------------------------------------------------


def test_unnamed_runs_in_the_same_second_take_the_next_name(tmp_path, monkeypatch):
    """The clock name is taken (by a run that finished this second): the next is suffixed, never overwritten."""
    from mcvalue.report import rundir

    monkeypatch.setattr(rundir, "default_name", lambda now=None: "20260101-000000")
    (tmp_path / "20260101-000000").mkdir()
    (tmp_path / "20260101-000000-2").mkdir()
    assert rundir.unused_name(tmp_path) == "20260101-000000-3"


def test_stale_staging_directories_are_removed_fresh_ones_kept(tmp_path, cli):
    """A killed run's staging directory older than a day goes at the next run; a fresh one (a run in progress) stays.

    Only directories with mcvalue's staging name and marker are ours: a user's old
    ``.mydownload.partial`` (or one of ours renamed, or named like ours without the marker) survives.
    """
    from mcvalue.report.rundir import STAGING_MARKER

    old, fresh = tmp_path / ".old.abc.mcvalue.partial", tmp_path / ".fresh.def.mcvalue.partial"
    users, unmarked = tmp_path / ".mydownload.partial", tmp_path / ".lookalike.x.mcvalue.partial"
    for leftover in (old, fresh, users, unmarked):
        leftover.mkdir()
        (leftover / "data.txt").write_text("mine")
    for ours in (old, fresh):
        (ours / STAGING_MARKER).write_bytes(b"")
    day_ago = time.time() - 25 * 3600
    for leftover in (old, users, unmarked):
        os.utime(leftover, (day_ago, day_ago))
    code, _out, err = cli("run", *FAST, "--results-dir", tmp_path, "--name", "next")
    assert code == 0, err
    assert _entries(tmp_path) == [".fresh.def.mcvalue.partial", ".lookalike.x.mcvalue.partial", ".mydownload.partial", "next"]
    assert (users / "data.txt").read_text() == "mine" and (unmarked / "data.txt").read_text() == "mine"
    assert not (tmp_path / "next" / STAGING_MARKER).exists()


# --- damaged cost-side cache (the bootstrap cost side of the real sample) -----------------


def _flip(path: Path) -> None:
    blob = bytearray(path.read_bytes())
    blob[len(blob) // 2] ^= 0x01
    path.write_bytes(blob)


COST_SIDE_DAMAGE = {
    "fte-bit-flip": _flip,
    "fte-times-1000": lambda p: np.save(p, np.load(p) * 1000),
    "fte-3x5": lambda p: np.save(p, np.ones((3, 5))),
    "fte-negative": lambda p: np.save(p, -np.load(p)),
    "fte-a-directory": lambda p: (p.unlink(), p.mkdir()),
    "entry-json-garbage": lambda p: (p.parent / "entry.json").write_text("["),
    "entry-json-bit-flip": lambda p: _flip(p.parent / "entry.json"),
    "fte-truncated": lambda p: p.write_bytes(p.read_bytes()[:-800]),
    "entry-forged-consistently": lambda p: _forge(p),
}


def _forge(fte: Path) -> None:
    """FTE x1000 with its sha256 in entry.json updated and a plain sha256 of the new record as its seal."""
    import hashlib

    np.save(fte, np.load(fte) * 1000)
    record = json.loads((fte.parent / "entry.json").read_text())
    record["files"]["fte.npy"] = hashlib.sha256(fte.read_bytes()).hexdigest()
    text = json.dumps(record).encode()
    (fte.parent / "entry.json").write_bytes(text)
    (fte.parent / "entry.seal").write_text(hashlib.sha256(text).hexdigest())


@pytest.mark.slow
@pytest.mark.realdata
def test_damaged_cost_side_cache_is_rebuilt_with_one_warning(real_data_dir, tmp_path, monkeypatch, cli):
    """Each damage: exit 0, one warning naming the entry, and the very numbers of an undamaged run."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path / "cache"))
    args = ("run", "--cost-model", "bootstrap", "--draws", "3000", "--quiet", "--json", "--data-dir", real_data_dir,
            "--results-dir", tmp_path / "results")
    code, out, err = cli(*args)
    assert code == 0, err
    median = json.loads(out)["bcr"]["median"]
    (entry,) = (tmp_path / "cache" / "cost_sides").iterdir()
    for name, damage in COST_SIDE_DAMAGE.items():
        damage(entry / "fte.npy")
        code, out, err = cli(*args)
        assert code == 0 and "Traceback" not in err, (name, err)
        warnings = [line for line in err.splitlines() if line.startswith("warning:")]
        assert len(warnings) == 1 and f"cost-side cache entry {entry} was damaged" in warnings[0], (name, err)
        assert json.loads(out)["bcr"]["median"] == median, name
    # the cost side is cached now, yet the data are still checked: a corrupt copy is refused
    corrupt = tmp_path / "corrupt"
    corrupt.mkdir()
    for source in Path(real_data_dir).glob("*.csv"):
        (corrupt / source.name).write_bytes(source.read_bytes())
    _flip(corrupt / RAW)
    code, out, err = cli(*args[:-3], corrupt, *args[-2:])
    assert code == 1 and out == ""
    assert_one_error(err, rf"{re.escape(RAW)}: sha256 [0-9a-f]{{64}} does not match the pinned sha256")


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("where", ["read-only", "full"])
def test_unwritable_cost_side_cache_runs_without_it(where, real_data_dir, tmp_path, monkeypatch, cli, request):
    """A read-only or full cache directory: the run completes, with one warning naming the cache."""
    mount = request.getfixturevalue("read_only_fs" if where == "read-only" else "tiny_fs")
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(mount / "cache"))
    code, _out, err = cli("run", "--cost-model", "bootstrap", "--draws", "3000", "--quiet", "--data-dir", real_data_dir,
                          "--results-dir", tmp_path, "--name", "nocache")
    assert code == 0 and "Traceback" not in err, err
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(warnings) == 1 and "cache" in warnings[0] and "running without it" in warnings[0], err
    assert (tmp_path / "nocache" / "summary.json").is_file()


# --- numeric sanity downstream ------------------------------------------------------------


def test_non_finite_draws_are_refused_naming_the_quantity():
    """A zero in the FTE pool makes cost 0 and BCR infinite; a NaN input names its prior."""
    from mcvalue.costmodels.threshold import POOL_WIDTH
    from mcvalue.engine.simulate import check_finite, simulate
    from mcvalue.errors import PriorFileError

    scenario = mcvalue.load_scenario("default")
    fte = np.full((10, POOL_WIDTH), 500.0)  # every method's FTE 500, the threshold curve flat
    fte[3] = 0.0
    simulation = simulate(scenario, fte, seed=1, n=2000)
    expected_bad = np.count_nonzero(simulation.fte_row == 3)  # every draw that took row 3
    assert expected_bad > 0
    with pytest.raises(mcvalue.McValueError, match=rf"^bcr: {expected_bad:,} of 2,000 Monte Carlo draws are not finite"):
        check_finite(simulation, scenario)
    simulation = simulate(scenario, np.full((10, POOL_WIDTH), 500.0), seed=1, n=2000)
    simulation.inputs["benefit.haircut"][7] = np.nan
    with pytest.raises(PriorFileError, match=r"benefit\.haircut: 1 of 2,000 draws are not finite numbers"):
        check_finite(simulation, scenario)
