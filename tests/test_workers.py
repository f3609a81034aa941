"""The worker pool shared by descriptor and registration batches."""

from __future__ import annotations

import gc
import os
import sys
import threading
from concurrent.futures import ProcessPoolExecutor

import pytest

from registry.chem.workers import available_cpus, process_pool


def _pid(_: int) -> int:
    return os.getpid()


def _start_method(pool: ProcessPoolExecutor) -> str:
    return str(pool._mp_context.get_start_method())  # type: ignore[union-attr]


def test_available_cpus_is_what_this_process_may_use() -> None:
    cpus = available_cpus()
    assert 1 <= cpus <= (os.cpu_count() or 1)
    if hasattr(os, "sched_getaffinity"):
        assert cpus == len(os.sched_getaffinity(0))


def test_pool_runs_work_elsewhere_and_freezes_the_heap_only_while_it_lives() -> None:
    gc.unfreeze()
    with process_pool(2) as pool:
        assert gc.get_freeze_count() > 0
        pids = set(pool.map(_pid, range(4)))
        assert pids
        assert os.getpid() not in pids
        assert list(pool.map(abs, [-3, 4, -5])) == [3, 4, 5]
    assert gc.get_freeze_count() == 0


def test_pool_unfreezes_when_the_block_fails() -> None:
    def fail_inside() -> None:
        with process_pool(2) as pool:
            assert pool.submit(abs, -1).result() == 1
            raise RuntimeError("stop")

    with pytest.raises(RuntimeError, match="stop"):
        fail_inside()
    assert gc.get_freeze_count() == 0


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="start methods chosen on Linux")
def test_pool_does_not_fork_a_process_running_other_threads() -> None:
    stop = threading.Event()
    thread = threading.Thread(target=stop.wait)
    thread.start()
    try:
        with process_pool(1) as pool:
            assert _start_method(pool) == "forkserver"
            assert pool.submit(abs, -2).result() == 2
    finally:
        stop.set()
        thread.join()
    # without other threads it forks (earlier tests in the session may have left threads running)
    with process_pool(1) as pool:
        assert _start_method(pool) == ("fork" if threading.active_count() == 1 else "forkserver")
