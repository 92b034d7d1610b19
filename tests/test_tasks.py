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
