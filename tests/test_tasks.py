"""mcvalue.tasks: the runner shared by ``calibrate`` and ``data collect`` (tasks here or on Dask workers)."""

import pytest

from mcvalue.errors import McValueError
from mcvalue.tasks import check_workers, run_tasks


def _square(offset, item):
    return offset + item * item


def test_one_worker_runs_the_tasks_here_in_order():
    results = []
    run_tasks(_square, 10, [3, 1, 2], on_result=results.append, workers=1)
    assert results == [19, 11, 14]


def test_an_interrupt_here_runs_stop_and_propagates():
    """KeyboardInterrupt out of on_result (a Ctrl-C between tasks) calls stop once, and no later task runs."""
    stopped, seen = [], []

    def interrupted(result):
        seen.append(result)
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        run_tasks(_square, 0, [1, 2, 3], on_result=interrupted, workers=1, stop=lambda: stopped.append(True))
    assert seen == [1] and stopped == [True]


@pytest.mark.parametrize("workers", [0, -2])
def test_workers_below_one_are_refused_naming_the_option(workers):
    with pytest.raises(McValueError, match=rf"^workers \({workers}\) must be >= 1") as raised:
        check_workers(workers)
    assert raised.value.parameters == ("workers",)  # the CLI names it --workers


def _dies_once(marker_dir, item):
    """Kill this worker process the first time item 1 runs (the marker file says it has); else return item squared."""
    import os
    import signal
    from pathlib import Path

    marker = Path(marker_dir) / f"died-{item}"
    if item == 1 and not marker.exists():
        marker.write_text("")
        os.kill(os.getpid(), signal.SIGKILL)
    return item * item


@pytest.mark.slow
def test_a_task_whose_worker_is_killed_is_rerun_on_another(tmp_path):
    import cloudpickle
    import test_tasks

    cloudpickle.register_pickle_by_value(test_tasks)  # the workers cannot import the tests
    results = []
    run_tasks(_dies_once, str(tmp_path), [0, 1, 2], on_result=results.append, workers=2)
    assert sorted(results) == [0, 1, 4]
    assert (tmp_path / "died-1").exists()  # the worker did die once


def _keeps_memory(shared, item):
    """Keep ``shared[0]`` MB of written memory in this worker for good (as numba keeps each model it compiles); return (item, pid).

    Each run that finishes leaves a file ``done-<item>-<pid>`` in the directory ``shared[1]``.
    """
    import os
    import time
    from pathlib import Path

    from distributed import get_worker

    megabytes, directory = shared
    worker = get_worker()  # lives as long as the worker process, unlike anything pickled with the task
    worker.kept_by_test = [*getattr(worker, "kept_by_test", []), bytearray(b"\x01") * (megabytes * 2**20)]
    time.sleep(0.3)  # the nanny checks memory every 100 ms
    (Path(directory) / f"done-{item}-{os.getpid()}").write_text("")
    return item, os.getpid()


@pytest.mark.slow
def test_a_local_worker_whose_memory_only_grows_is_restarted_not_paused(tmp_path, monkeypatch):
    """Workers that keep 60 MB a task reach their limit: every result arrives, from restarted workers, none computed again.

    With Dask's default a worker pauses at 80% of its limit and, since this memory is never
    freed, stays paused: 60 MB steps cannot jump the window from 80% to 95% of 600 MB, so
    without the fix both workers pause and the run never ends (the thread's timeout). A
    result still held on a worker when it restarts would be computed again.
    """
    import threading
    from collections import Counter

    import cloudpickle
    import test_tasks

    import mcvalue.tasks

    cloudpickle.register_pickle_by_value(test_tasks)  # the workers cannot import the tests
    monkeypatch.setattr(mcvalue.tasks, "local_memory_limit", lambda count: 600 * 2**20)
    results = []
    runner = threading.Thread(
        target=run_tasks, args=(_keeps_memory, (60, str(tmp_path)), range(24)), kwargs={"on_result": results.append, "workers": 2}, daemon=True
    )
    runner.start()
    runner.join(timeout=240)
    assert not runner.is_alive(), f"stalled after {len(results)} of 24 tasks"
    assert sorted(item for item, _ in results) == list(range(24))
    restarts = len({pid for _, pid in results}) - 2
    assert restarts > 0  # 24 x 60 MB cannot fit in two workers
    finished = Counter(path.name.split("-")[1] for path in tmp_path.glob("done-*"))
    # A restart may catch a task that finished a moment before its result left (or was released):
    # at most one task a restart; results held on the worker would have all been computed again.
    assert sum(count - 1 for count in finished.values()) <= restarts, finished
