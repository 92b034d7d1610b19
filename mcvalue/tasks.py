"""Run independent tasks on Dask distributed, or in this process, and hand each result back as it finishes.

Shared by ``mcvalue calibrate`` (one task per fit) and ``mcvalue data collect`` (one task per
repository). Dask (``pip install 'mcvalue[distributed]'``) runs each task on a worker of a
``LocalCluster`` sized to this machine (one single-threaded worker process per core), or of
a running cluster given by its scheduler's address. A task whose worker dies is rerun on
another (the scheduler's ``distributed.scheduler.allowed-failures``, 3 by default); a task
that raises is retried :data:`RETRIES` times. Results do not depend on the workers: each
task is a function of its arguments alone, and only this process writes files.

A local worker's memory grows with every fit it runs: numba keeps the machine code of each
model it compiles (~200 MB a fit) for the life of the process, and nothing can free it.
Dask's default would *pause* a worker at 80% of its memory limit until its memory falls,
which this memory never does: a long calibration would stop making progress. So a local
worker never pauses; its nanny restarts it at 95% of its limit (:func:`local_memory_limit`),
and the fit it was running starts again on a fresh worker.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Callable, Iterable
from typing import Any

from mcvalue.errors import McValueError

#: Retries of a task that raised (a worker lost mid-task is rerun by the scheduler anyway).
RETRIES = 2

INSTALL_HINT = "pip install 'mcvalue[distributed]'"


class DaskMissingError(McValueError):
    """Dask distributed is needed (more than one worker, or a scheduler) and is not installed."""


def dask_installed() -> bool:
    """Whether ``dask.distributed`` can be imported (the ``distributed`` extra)."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        return False
    return True


def require_dask(what: str = "mcvalue calibrate runs its fits") -> None:
    """Raise :class:`DaskMissingError`, saying ``what`` needs it and the line that installs it, if Dask is missing."""
    if not dask_installed():
        raise DaskMissingError(f"{what} on Dask, which is not installed: {INSTALL_HINT} (or use {{workers}} 1)", parameters=("workers",))


def check_workers(workers: int | None) -> None:
    """Raise McValueError naming ``workers`` unless it is unset or at least 1."""
    if workers is not None and workers < 1:
        raise McValueError(f"{{workers}} ({workers}) must be >= 1", parameters=("workers",))


def default_workers() -> int:
    """One worker per core this process may use (each task uses one core)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def run_tasks(
    func: Callable[..., Any],
    shared: Any,
    items: Iterable[Any],
    *,
    on_result: Callable[[Any], None],
    workers: int | None = None,
    scheduler: str | None = None,
    name: str = "task",
    label: Callable[[Any], str] = str,
    stop: Callable[[], None] | None = None,
) -> None:
    """Call ``func(shared, item)`` for every item and ``on_result`` on each result, in the order they finish.

    Parameters
    ----------
    func : callable
        A module-level function (the workers import it by name); its result must depend on
        its arguments alone.
    shared : object
        Sent with every task (e.g. the calibration's design, ~120 kB pickled).
    items : iterable
        One task each.
    on_result : callable
        Called here, in this process, with each result as it arrives: the only place that
        may write files.
    workers : int, optional
        With ``scheduler`` unset: 1 (or a single item) runs the tasks here, one after
        another, without Dask; more start a ``LocalCluster`` of that many single-threaded
        processes (never more than the items). Default :func:`default_workers`.
    scheduler : str, optional
        Address of a running Dask scheduler (``tcp://10.0.0.1:8786``) to send the tasks to.
    name, label : str, callable
        Task keys are ``f"{name}-{label(item)}"`` (what Dask's dashboard shows); a key
        must name the same computation wherever it is submitted.
    stop : callable, optional
        Called on an interrupt (KeyboardInterrupt, or any exception out of ``on_result``)
        here and on every worker, after the pending tasks are cancelled: ends what the
        running tasks started (git processes), so nothing outlives the command.
    """
    items = list(items)
    count = min(workers or default_workers(), len(items))
    if scheduler is None and count <= 1:
        try:
            for item in items:
                on_result(func(shared, item))
        except BaseException:
            if stop is not None:
                stop()
            raise
        return
    require_dask()
    from dask.distributed import Client, as_completed

    if scheduler is not None:
        try:
            client, cluster = Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as error:
            raise McValueError(f"{{scheduler}} {scheduler}: cannot connect to a Dask scheduler there ({error})", parameters=("scheduler",)) from None
    else:
        cluster = _local_cluster(count)
        client = Client(cluster)
    pending: dict[Any, Any] = {}  # by task key
    try:
        # ``shared`` travels inside every task rather than scattered once: scattered data lost
        # with its workers cannot be recomputed, and the tasks needing it would be cancelled.
        for item in items:
            future = client.submit(func, shared, item, key=f"{name}-{label(item)}", pure=False, retries=RETRIES)
            pending[future.key] = future
        for future in as_completed(list(pending.values())):
            result = future.result()
            # Released once received: a finished task's result held on a worker that then
            # dies (or is restarted when full) would be computed again, for nothing.
            del pending[future.key]
            future.release()
            on_result(result)
    except BaseException:
        _stop_workers(client, list(pending.values()), stop)
        raise
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def local_memory_limit(count: int) -> int:
    """Bytes each of ``count`` local workers may hold: together three quarters of this machine's memory.

    Dask's own default gives each worker an equal share of all of it; the quarter kept back
    is for this process (the scheduler, the results) and the system, since a worker here
    grows until its nanny restarts it at 95% of its limit.
    """
    from distributed.system import MEMORY_LIMIT  # the machine's memory, or its cgroup's limit

    return int(MEMORY_LIMIT * 3 // (4 * count))


def _local_cluster(count: int) -> Any:
    """Start a ``LocalCluster`` of ``count`` single-threaded worker processes that restart, never pause, when full."""
    import dask
    from dask.distributed import LocalCluster

    # The nanny keeps the configuration it was started with, and gives it to each worker it
    # (re)starts. Dask's own log lines (a worker closing or restarted, a task cancelled) would
    # break the CLI's one-line promise; the dashboard takes any free port (None means 8787,
    # and a warning when that is taken).
    with dask.config.set({"distributed.worker.memory.pause": False}):
        return LocalCluster(
            n_workers=count,
            threads_per_worker=1,
            processes=True,
            memory_limit=local_memory_limit(count),
            dashboard_address=":0",
            silence_logs=logging.CRITICAL,
            preload=[__name__],  # dask_setup below: Ctrl-C is this process's to handle
        )


def dask_setup(worker: Any) -> None:
    """Dask's preload hook, run in each worker process of a ``LocalCluster`` at its start: ignore SIGINT.

    Ctrl-C on a terminal signals the whole process group, the local workers included;
    this process handles it (cancels the tasks, stops the workers, exit 130) and a worker
    interrupted on its own would only print a traceback.
    """
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def _stop_workers(client: Any, futures: list[Any], stop: Callable[[], None] | None) -> None:
    """Cancel the pending tasks (no retry, no queued task starts), then run ``stop`` here and on every worker."""
    try:
        client.cancel(futures)
        if stop is not None:
            stop()
            client.run(stop, on_error="ignore")
    except Exception:  # noqa: BLE001 - the interrupt, not a failure to clean up after it, is what the user must see
        logging.getLogger(__name__).debug("stopping the workers failed", exc_info=True)
