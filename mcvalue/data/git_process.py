"""Run git on one clone: the repository fixed, one-line errors, every process ended by an interrupt.

Every git call runs with the repository fixed to the clone (``GIT_CEILING_DIRECTORIES``
stops git from climbing into an enclosing repository, repository-selecting ``GIT_*``
variables are removed), English messages, no prompts and, on git >= 2.44, no lazy fetch
of missing objects in partial clones. Every process started here is registered so that
:func:`cancel` can end them all at once. Separate from :mod:`mcvalue.data.gitlog`
(what is read and how it is counted) because this is how git is run, whatever is read.
"""

import os
import shutil
import subprocess
import tempfile
import threading
from collections.abc import Iterator, Sequence
from datetime import date
from pathlib import Path
from typing import IO

#: ``git -c`` settings that could otherwise change what ``log`` prints or counts.
GIT_CONFIG: tuple[str, ...] = (
    "core.quotepath=off",
    "log.showRoot=true",
    "log.showSignature=false",
    "diff.renames=false",
)
# Variables that would point git at another repository than the one given with -C.
_REPO_ENV = (
    "GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR", "GIT_NAMESPACE", "GIT_CONFIG", "GIT_CONFIG_PARAMETERS", "GIT_CONFIG_COUNT",
    "GIT_GRAFT_FILE", "GIT_REPLACE_REF_BASE", "GIT_SHALLOW_FILE",
)


class GitError(Exception):
    """A clone cannot be read as asked; the message is one line saying why."""


class Cancelled(Exception):  # noqa: N818 - not an error: the collection was interrupted
    """Reading was stopped by :func:`cancel` (an interrupt); nothing read since may be kept."""


# Every git process running now, so that an interrupt can end them all at once.
_LIVE: set[subprocess.Popen[bytes]] = set()
_LIVE_LOCK = threading.Lock()
_CANCELLED = threading.Event()


def cancel() -> None:
    """End every running git process and refuse to start new ones until :func:`resume`.

    Called on an interrupt: git killed mid-output looks like a failed read, so the
    readers check :func:`cancelled` before trusting or caching anything.
    """
    _CANCELLED.set()
    with _LIVE_LOCK:
        for process in _LIVE:
            if process.poll() is None:
                process.kill()


def resume() -> None:
    """Allow git processes again (a new collection after an interrupted one in the same process)."""
    _CANCELLED.clear()


def cancelled() -> bool:
    """Whether :func:`cancel` was called since the last :func:`resume`."""
    return _CANCELLED.is_set()


def _spawn(command: list[str], env: dict[str, str], stdin: bool) -> tuple[subprocess.Popen[bytes], IO[bytes]]:
    """Start git with stdout a pipe and stderr a temporary file, registered for :func:`cancel`.

    stderr goes to a file, not a pipe: a process writing to two pipes deadlocks when its
    reader waits on one while it blocks on the other full one.
    """
    if _CANCELLED.is_set():
        raise Cancelled
    errors = tempfile.TemporaryFile()
    try:
        process = subprocess.Popen(
            command, env=env, stdin=subprocess.PIPE if stdin else subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=errors,
        )
    except FileNotFoundError:
        errors.close()
        raise GitError("git is not installed or not on PATH") from None
    with _LIVE_LOCK:
        _LIVE.add(process)
    if _CANCELLED.is_set():  # cancelled while starting: cancel() may have missed it
        process.kill()
    return process, errors


def _reap(process: subprocess.Popen[bytes], errors: IO[bytes], abort: bool = False) -> tuple[int, str]:
    """Wait for a process, then return its exit code and last stderr line.

    ``abort`` (its reader stopped on an exception, e.g. an interrupt): a process still
    running is killed at once, not waited for.
    """
    if process.poll() is None and abort:
        process.kill()
    if process.poll() is None and process.stdout is not None and not process.stdout.closed:
        process.stdout.close()  # git gets SIGPIPE if it is still writing
    try:
        returncode = process.wait(timeout=5)
    except subprocess.TimeoutExpired:
        process.kill()
        returncode = process.wait()
    finally:
        with _LIVE_LOCK:
            _LIVE.discard(process)
    size = errors.seek(0, os.SEEK_END)
    errors.seek(max(size - 65536, 0))  # git's last lines say why it failed
    message = _last_line(errors.read())
    errors.close()
    return returncode, message



def _environment(clone: Path) -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if key not in _REPO_ENV}
    env.update(
        GIT_CEILING_DIRECTORIES=str(clone.resolve().parent),
        GIT_NO_LAZY_FETCH="1",
        GIT_TERMINAL_PROMPT="0",
        GIT_OPTIONAL_LOCKS="0",
        LC_ALL="C",
        LANGUAGE="C",
    )
    return env


def _command(clone: Path, args: Sequence[str], config: Sequence[str] = ()) -> list[str]:
    config = [item for setting in (*GIT_CONFIG, *config) for item in ("-c", setting)]
    return ["git", *config, "-C", str(clone), *args]


def _last_line(stderr: bytes) -> str:
    lines = [line.strip() for line in stderr.decode("utf-8", "replace").splitlines() if line.strip()]
    return lines[-1] if lines else "git failed without a message"


def git(clone: Path, *args: str) -> str:
    """Stdout of one short git command in ``clone`` (raises GitError with git's last message line)."""
    process, errors = _spawn(_command(clone, args), _environment(clone), stdin=False)
    assert process.stdout is not None  # stdout=PIPE (_spawn): never None; narrows the Optional of the type
    try:
        out = process.stdout.read()
    except BaseException:
        _reap(process, errors, abort=True)
        raise
    returncode, message = _reap(process, errors)
    if _CANCELLED.is_set():
        raise Cancelled
    if returncode != 0:
        raise GitError(message)
    return out.decode("utf-8", "replace").strip()


def git_version() -> str:
    """Return the installed git's version, e.g. ``2.39.5``."""
    try:
        out = subprocess.run(["git", "--version"], capture_output=True, check=True).stdout.decode()
    except (FileNotFoundError, subprocess.CalledProcessError):
        raise GitError("git is not installed or not on PATH") from None
    return out.strip().removeprefix("git version ")


class GitStream:
    """A long git command: its stdout lines as git writes them, ended and reaped on exit.

    Used as a context manager; on leaving, a process still writing is stopped (its pipe
    closed, so it ends on SIGPIPE) and reaped, so an interrupt never waits on git.
    """

    def __init__(self, clone: Path, args: Sequence[str], stdin: bytes | None = None, config: Sequence[str] = ()):
        self.process, self._errors = _spawn(_command(clone, args, config), _environment(clone), stdin is not None)
        self.returncode, self.message = -1, ""
        if stdin is not None:
            assert self.process.stdin is not None  # stdin=PIPE when given (_spawn); narrows the Optional of the type
            try:
                # `--stdin` makes git read every revision before it writes anything, so
                # writing all of it first cannot deadlock.
                self.process.stdin.write(stdin)
                self.process.stdin.close()
            except BrokenPipeError:  # git died before reading it all: its exit code says why
                pass
            except BaseException:
                _reap(self.process, self._errors, abort=True)
                raise

    def lines(self) -> Iterator[str]:
        """Yield stdout's lines without their newline."""
        assert self.process.stdout is not None  # stdout=PIPE (_spawn): never None; narrows the Optional of the type
        return (raw.decode("utf-8", "replace").rstrip("\n") for raw in self.process.stdout)

    def __enter__(self) -> "GitStream":
        return self

    def __exit__(self, kind: type | None, *_: object) -> None:
        self.returncode, self.message = _reap(self.process, self._errors, abort=kind is not None)
        if kind is None and _CANCELLED.is_set():
            raise Cancelled


def _run_quiet(command: list[str], env: dict[str, str], staging: Path, what: str) -> None:
    """Run a git command that prints nothing we need; on failure or interrupt remove ``staging`` and raise."""
    process, errors = _spawn(command, env, stdin=False)
    assert process.stdout is not None  # stdout=PIPE (_spawn): never None; narrows the Optional of the type
    try:
        process.stdout.read()
    except BaseException:
        _reap(process, errors, abort=True)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    returncode, message = _reap(process, errors)
    if returncode != 0 or _CANCELLED.is_set():
        shutil.rmtree(staging, ignore_errors=True)
        if _CANCELLED.is_set():
            raise Cancelled
        raise GitError(f"{what}: {message}")


def clone_repository(url: str, destination: Path, shallow_since: date | None = None) -> None:
    """``git clone --no-checkout url destination``, atomically: a half-done clone never stays.

    ``shallow_since``: fetch only the commits since that day (``--shallow-since``), then
    one more generation (``git fetch --deepen=1``), so that every commit since the day
    has its parent and its diff can be read; the history before is cut off.

    Clones into a new hidden sibling directory of a name only this function makes
    (``.name.mcvalue-clone-XXXX``), removed on failure or interrupt, then renames it into
    place; no existing directory is ever removed.
    """
    destination.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{destination.name}.mcvalue-clone-", dir=destination.parent))
    shallow = [] if shallow_since is None else [f"--shallow-since={shallow_since.isoformat()}"]
    command = ["git", "clone", "--quiet", "--no-checkout", *shallow, "--", url, str(staging)]
    _run_quiet(command, _environment(staging), staging, f"cannot clone {url}")
    if shallow_since is not None:
        deepen = _command(staging, ["fetch", "--quiet", "--deepen=1", "origin"])
        _run_quiet(deepen, _environment(staging), staging, f"cannot fetch the parents of {url}'s cut-off commits")
    os.replace(staging, destination)
