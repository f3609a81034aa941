"""Worker processes for CPU-bound RDKit batches (descriptors, registration).

One place decides how a pool starts, because the choice decides how much of the machine the
batch gets: on Linux a forked worker starts in milliseconds with RDKit already imported; forking
a process that runs other threads can deadlock the child, so then ``forkserver``; elsewhere the
platform default.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor

__all__ = ["available_cpus", "process_pool"]


def available_cpus() -> int:
    """CPUs this process may run on (respects affinity masks and containers' cpusets)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0)) or 1
    return os.cpu_count() or 1


@contextmanager
def process_pool(workers: int) -> Iterator[ProcessPoolExecutor]:
    """A process pool of ``workers``, shut down (pending work cancelled) when the block ends.

    While the pool lives, the objects that existed before the fork sit in the garbage
    collector's permanent generation: a worker's collections then leave them alone instead of
    touching every inherited object and so copying its memory page.
    """
    # Deferred: multiprocessing and concurrent.futures cost every command ~20 ms at start-up,
    # and only a batch needs them.
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    method: str | None = None
    if sys.platform.startswith("linux"):
        method = "fork" if threading.active_count() == 1 else "forkserver"
    gc.freeze()
    try:
        pool = ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context(method))
        try:
            yield pool
        finally:
            pool.shutdown(wait=True, cancel_futures=True)
    finally:
        gc.unfreeze()
