"""Interrupted and killed fits and runs (issue 10, point 5).

Fast tests drive :func:`sample_posterior` with a stand-in for ``nutpie.sample`` that
behaves as nutpie does on Ctrl-C (it swallows the KeyboardInterrupt and returns the draws
so far). Slow tests send SIGINT, SIGTERM and SIGKILL to real ``mcvalue
fit`` and ``mcvalue run`` processes at several moments and check the four promises: the
exit code and one line, no stray worker processes, no complete-looking run directory or
cached posterior, and a next run that succeeds.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from hostile_helpers import assert_one_error, cli_env, run_cli, session_processes
from trace_helpers import iid_trace

import mcvalue.costmodels.pymc.attempts as attempts
import mcvalue.costmodels.pymc.posterior_cache as posterior_cache
import mcvalue.costmodels.pymc.sampling as sampling
from mcvalue.cli import INTERRUPTED
from mcvalue.costmodels.pymc.fit import fit_model_data
from mcvalue.costmodels.pymc.posterior_cache import remove_orphaned_temporaries
from mcvalue.costmodels.pymc.sampling import SamplerSettings

SAMPLER = SamplerSettings(draws=40, tune=10, chains=2, seed=3)


def _trace(chains: int, draws: int):
    """Return a posterior of iid draws with ``chains`` x ``draws`` for every model parameter."""
    return iid_trace(np.random.default_rng(0), chains=chains, draws=draws, n_repos=2)


@pytest.fixture
def fake_pymc(monkeypatch):
    """Replace the compiled model and ``nutpie.sample``; the returned dict sets what the stand-in does."""
    import nutpie
    import pymc.backends.arviz

    behaviour = {"chains": SAMPLER.chains, "draws": SAMPLER.draws, "signal": None, "then_fail": False}

    def sample(*_args, **_kwargs):
        if behaviour["signal"] is not None:
            with contextlib.suppress(KeyboardInterrupt):  # nutpie swallows it and returns the draws so far
                os.kill(os.getpid(), behaviour["signal"])
                time.sleep(5)
        if behaviour["then_fail"]:
            raise RuntimeError("cannot convert a trace cut short")
        return _trace(behaviour["chains"], behaviour["draws"])

    monkeypatch.setattr(nutpie, "sample", sample)
    monkeypatch.setattr(pymc.backends.arviz, "patch_nutpie_idata", lambda *_a, **_k: None)
    monkeypatch.setattr(attempts, "compile_posterior", lambda *_a: sampling.CompiledPosterior(None, None))
    return behaviour


def _cached_files(cache: Path) -> list[str]:
    return sorted(p.name for p in (cache / "posteriors").glob("*")) if (cache / "posteriors").exists() else []


@pytest.mark.parametrize(
    ("chains", "draws", "sig"),
    [(2, 17, None), (1, 40, None), (2, 40, signal.SIGINT), (2, 40, signal.SIGTERM)],
    ids=["draws-cut-short", "chain-missing", "ctrl-c-swallowed", "sigterm-swallowed"],
)
def test_interrupted_sampling_raises_and_caches_nothing(fake_pymc, chains, draws, sig, tmp_path, monkeypatch):
    """A trace with fewer draws or chains than asked, or one the sampler returned after a signal, is refused."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    fake_pymc.update(chains=chains, draws=draws, signal=sig)
    before = signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)
    with pytest.raises(KeyboardInterrupt):
        fit_model_data(_model_data(), sampler=SAMPLER, progress=False, allow_unconverged=True)
    assert _cached_files(tmp_path) == []
    assert (signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)) == before  # handlers restored


def test_a_sampler_failing_after_a_signal_is_an_interrupt(fake_pymc):
    """A trace the sampler could not convert after Ctrl-C ends as an interrupt, not as the sampler's error; without a signal the error stands."""
    fake_pymc.update(signal=signal.SIGINT, then_fail=True)
    with pytest.raises(KeyboardInterrupt):
        sampling.sample_posterior(sampling.CompiledPosterior(None, None), SAMPLER, cores=1, progress=False)
    fake_pymc.update(signal=None)
    with pytest.raises(RuntimeError, match="cannot convert"):
        sampling.sample_posterior(sampling.CompiledPosterior(None, None), SAMPLER, cores=1, progress=False)


def test_complete_trace_is_cached(fake_pymc, tmp_path, monkeypatch):
    """The control: the same stand-in with every draw present is saved under its key."""
    monkeypatch.setenv("MCVALUE_CACHE_DIR", str(tmp_path))
    idata = sampling.sample_posterior(sampling.CompiledPosterior(None, None), SAMPLER, cores=1, progress=False)
    assert idata.posterior.sizes["draw"] == 40
    path = tmp_path / "posteriors" / "k.nc"
    assert posterior_cache.save_posterior(idata, path, "k") is None
    assert _cached_files(tmp_path) == [".lock", "k.nc", "k.nc.sha256"]


def test_settings_naming_another_sampler_are_refused_before_sampling(fake_pymc):
    """Draws from nutpie under settings that say ``pymc`` would be cached and reported as PyMC's."""
    from dataclasses import replace

    with pytest.raises(ValueError, match="sampler settings name 'pymc'; only 'nutpie' samples here"):
        sampling.sample_posterior(sampling.CompiledPosterior(None, None), replace(SAMPLER, nuts="pymc"), cores=1, progress=False)


def _model_data() -> SimpleNamespace:
    """Stand-in model data: the stand-in sampler never looks at it; only the cache key reads its digest."""
    return SimpleNamespace(digest=lambda: "stand-in data")


def test_orphaned_temporary_files_are_removed_and_live_ones_kept(tmp_path):
    """``.nc.tmp-PID`` files of a dead writer go; those of a live process (here our parent) stay."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    live = str(os.getppid())
    names = [f"a.nc.tmp-{dead}", f"a.nc.tmp-{dead}.sha256", f"b.nc.tmp-{live}", "c.nc", "c.nc.sha256"]
    for name in names:
        (tmp_path / name).write_bytes(b"x")
    removed = remove_orphaned_temporaries(tmp_path)
    assert sorted(p.name for p in removed) == sorted(names[:2])
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[2:])


# --- real processes (slow): signals at several moments of ``mcvalue fit`` and ``mcvalue run`` ---

#: ``mcvalue fit`` with a sampler long enough to be interrupted mid-way (2 chains on 2 cores).
_LONG_FIT = (
    "import functools, sys; import mcvalue.costmodels.pymc.fit as f; "
    "f.fit_cost_model = functools.partial(f.fit_cost_model, draws={draws}, tune={tune}, chains=2); "
    "from mcvalue.cli import main; sys.argv[0] = 'mcvalue'; main()"
)


def _sampler_threads(pid: int) -> list[str]:
    """Return the names of ``pid``'s nutpie chain threads (``nutpie-worker-N``): they exist while it samples."""
    names = []
    for comm in Path(f"/proc/{pid}/task").glob("*/comm"):
        with contextlib.suppress(OSError):
            names.append(comm.read_text().strip())
    return [name for name in names if name.startswith("nutpie-worker")]


def _wait_until(condition, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return condition()


def _send(proc: subprocess.Popen, sig: int, group: bool) -> None:
    """Send ``sig`` to the process (``kill PID``) or its whole group (Ctrl-C in a terminal)."""
    if group:
        os.killpg(proc.pid, sig)
    else:
        proc.send_signal(sig)


def _check_killed(proc: subprocess.Popen, sig: int) -> str:
    """Wait for the end; check the exit code, the one line and that no process of the session is left."""
    try:
        stderr = proc.stderr.read()  # not communicate(): it bypasses lines already buffered by iteration
        proc.wait(timeout=60)
        if sig == signal.SIGKILL:
            assert proc.returncode == -signal.SIGKILL
        else:
            assert proc.returncode == 130, stderr
            assert_one_error(stderr, rf"^{re.escape(INTERRUPTED)}$")
        assert _wait_until(lambda: not session_processes(proc.pid), 15), "stray worker processes"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    return stderr


@pytest.fixture(scope="module")
def kill_cache(tmp_path_factory):
    """One cache shared by the kill tests, so each later process meets what the earlier kills left."""
    return tmp_path_factory.mktemp("kill-cache")


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize(
    ("command", "sig", "group", "after_s"),
    [
        ("fit", signal.SIGINT, True, 0.5),
        ("fit", signal.SIGINT, True, 8.0),
        ("fit", signal.SIGTERM, False, 4.0),
        ("fit", signal.SIGKILL, False, 4.0),
        ("run", signal.SIGTERM, False, 4.0),
        ("run", signal.SIGKILL, False, 4.0),
    ],
    ids=["fit-ctrl-c-tuning", "fit-ctrl-c-sampling", "fit-sigterm", "fit-sigkill", "run-sigterm-fitting", "run-sigkill-fitting"],
)
def test_killed_fit_caches_nothing_and_leaves_no_workers(command, sig, group, after_s, kill_cache, tmp_path, real_data_dir):
    """A fit (alone or in a run) interrupted while nutpie samples: 130 (or killed), no process left, nothing cached or written."""
    code = _LONG_FIT.format(draws=100_000, tune=300)
    extra = ["--results-dir", str(tmp_path)] if command == "run" else []
    proc = subprocess.Popen([sys.executable, "-c", code, command, "--quiet", "--data-dir", str(real_data_dir), *extra],
                            stderr=subprocess.PIPE, text=True, env=cli_env(kill_cache), start_new_session=True)
    try:
        assert _wait_until(lambda: bool(_sampler_threads(proc.pid)), 240), "sampling never started"
        time.sleep(after_s)
        assert proc.poll() is None, "the fit ended before the signal"
        _send(proc, sig, group)
    finally:
        _check_killed(proc, sig)
    assert not list((kill_cache / "posteriors").glob("*.nc")), "an interrupted fit was cached"
    assert [p.name for p in tmp_path.iterdir() if not p.name.startswith(".")] == []


@pytest.mark.slow
@pytest.mark.realdata
def test_fit_after_kills_succeeds_and_removes_leftovers(kill_cache, real_data_dir):
    """After the kills above (and a temporary file of a dead writer), the next fit runs and is cached."""
    posteriors = kill_cache / "posteriors"
    posteriors.mkdir(exist_ok=True)
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout.strip()
    (posteriors / f"x.nc.tmp-{dead}").write_bytes(b"half a posterior")
    code = _LONG_FIT.format(draws=60, tune=30)
    done = subprocess.run([sys.executable, "-c", code, "fit", "--quiet", "--allow-unconverged", "--json", "--data-dir", str(real_data_dir)],
                          capture_output=True, text=True, env=cli_env(kill_cache), timeout=600)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    from mcvalue.costmodels.pymc.posterior_cache import LOCK_FILE

    names = sorted(p.name for p in posteriors.iterdir() if p.name != LOCK_FILE)  # the lock file stays, empty
    assert len(names) == 2 and names[0].endswith(".nc") and names[1] == names[0] + ".sha256", names


@pytest.fixture(scope="module")
def kill_results(tmp_path_factory):
    """One results directory shared by the run kill tests and the run that follows them."""
    return tmp_path_factory.mktemp("kill-results")


@pytest.mark.slow
@pytest.mark.realdata
@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "sigkill"])
@pytest.mark.parametrize("moment", ["simulating", "writing the report"])
def test_killed_run_leaves_no_run_directory(sig, moment, kill_cache, kill_results, real_data_dir):
    """A run killed while simulating or writing its report leaves no directory that looks like a run."""
    args = ["run", "--cost-model", "bootstrap", "--draws", "300000", "--data-dir", real_data_dir, "--results-dir", kill_results]
    proc = subprocess.Popen([sys.executable, "-m", "mcvalue", *map(str, args)], stderr=subprocess.PIPE, text=True,
                            env=cli_env(kill_cache), start_new_session=True)
    seen = []
    try:
        for line in proc.stderr:
            seen.append(line)
            if line.startswith(moment):
                _send(proc, sig, group=False)
                break
        assert seen and seen[-1].startswith(moment), "".join(seen)
    finally:
        _check_killed(proc, sig)
    assert [p.name for p in kill_results.iterdir() if not p.name.startswith(".")] == []
    if sig == signal.SIGTERM:
        assert list(kill_results.iterdir()) == []  # the staging directory was removed too


@pytest.mark.slow
@pytest.mark.realdata
def test_run_after_kills_succeeds_and_partial_is_no_run(kill_cache, kill_results, real_data_dir):
    """The next run writes one complete directory; ``compare`` refuses a staging leftover in one line."""
    done = run_cli(["run", "--cost-model", "bootstrap", "--draws", "20000", "--quiet", "--data-dir", real_data_dir,
                    "--results-dir", kill_results, "--name", "after"], kill_cache)
    assert done.returncode == 0, done.stderr
    assert sorted(p.name for p in (kill_results / "after").iterdir()) == ["figures", "priors.toml", "report.html", "report.md", "run.json", "summary.json"]
    leftover = kill_results / ".killed.abc123.partial"
    leftover.mkdir()
    (leftover / "summary.json").write_text("{}")
    refused = run_cli(["compare", kill_results / "after", leftover], kill_cache)
    assert refused.returncode == 1
    assert_one_error(refused.stderr, r"\.killed\.abc123\.partial: an unfinished run")


def test_concurrent_saves_wait_for_the_cache_lock(tmp_path):
    """A save renames its file and sidecar only while holding the cache's lock (here held by the test)."""
    import fcntl
    import threading

    directory = tmp_path / "posteriors"
    directory.mkdir()
    path = directory / "k.nc"
    with open(directory / posterior_cache.LOCK_FILE, "a") as lock:
        fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
        saver = threading.Thread(target=posterior_cache.save_posterior, args=(_trace(2, 40), path, "k"))
        saver.start()
        saver.join(timeout=3)
        assert saver.is_alive() and not path.exists()  # written to its temporary name, waiting to rename
        fcntl.flock(lock.fileno(), fcntl.LOCK_UN)
    saver.join(timeout=30)
    assert not saver.is_alive()
    assert sorted(p.name for p in directory.iterdir()) == [posterior_cache.LOCK_FILE, "k.nc", "k.nc.sha256"]
    assert posterior_cache.load_posterior(path, "k") is not None
