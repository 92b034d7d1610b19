"""Run independent tasks on Dask distributed, or in this process, and hand each result back as it finishes.

Dask (``pip install 'mcvalue[distributed]'``) runs each task on a worker of a
``LocalCluster`` sized to this machine (one single-threaded worker process per core), or of
a running cluster given by its scheduler's address. A task whose worker dies is rerun on
another (the scheduler's ``distributed.scheduler.allowed-failures``, 3 by default); a task
that raises is retried :data:`RETRIES` times. Results do not depend on the workers: each
task is a function of its arguments alone.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from typing import Any

from mcvalue.errors import McValueError

#: Retries of a task that raised (a worker lost mid-task is rerun by the scheduler anyway).
RETRIES = 2

INSTALL_HINT = "pip install 'mcvalue[distributed]'"


class DaskMissingError(McValueError):
    """Dask distributed is needed (more than one worker, or a scheduler) and is not installed."""


def require_dask() -> None:
    """Raise :class:`DaskMissingError`, with the line that installs it, if ``dask.distributed`` cannot be imported."""
    try:
        import dask.distributed  # noqa: F401
    except ImportError:
        message = f"mcvalue calibrate runs its fits on Dask, which is not installed: {INSTALL_HINT} (or use {{workers}} 1)"
        raise DaskMissingError(message, parameters=("workers",)) from None


def default_workers() -> int:
    """One worker per core this process may use (each fit samples its chains on one core)."""
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
) -> None:
    """Call ``func(shared, item)`` for every item and ``on_result`` on each result, in the order they finish.

    With ``scheduler`` (an address such as ``tcp://10.0.0.1:8786``) the tasks go to that
    cluster; else with ``workers`` of 1 they run here, one after another; else on a
    ``LocalCluster`` of ``workers`` processes (default :func:`default_workers`). ``shared``
    (the design: ~120 kB pickled) goes with each task. ``name`` prefixes the task keys shown by Dask's dashboard.
    """
    items = list(items)
    workers = workers or default_workers()
    if scheduler is None and workers == 1:
        for item in items:
            on_result(func(shared, item))
        return
    require_dask()
    from dask.distributed import Client, LocalCluster, as_completed

    if scheduler is not None:
        try:
            client, cluster = Client(scheduler, timeout="20s"), None
        except (OSError, TimeoutError) as error:
            raise McValueError(f"{{scheduler}} {scheduler}: cannot connect to a Dask scheduler there ({error})", parameters=("scheduler",)) from None
    else:
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None)
        client = Client(cluster)
    try:
        # ``shared`` travels inside every task rather than scattered once: scattered data lost
        # with its workers cannot be recomputed, and the tasks needing it would be cancelled.
        futures = [client.submit(func, shared, item, key=f"{name}-{item}", pure=False, retries=RETRIES) for item in items]
        for future in as_completed(futures):
            on_result(future.result())
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
