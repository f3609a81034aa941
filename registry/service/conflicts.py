"""Running a unit of work again when it lost a race with another writer."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from registry.store import Conflict

__all__ = ["RETRIES", "retrying"]

#: How many times a unit of work runs at most before its Conflict reaches the caller.
RETRIES = 5
_T = TypeVar("_T")


def retrying(work: Callable[[], _T]) -> _T:
    """``work()``, run again (after a short pause) each time it raises Conflict.

    A Conflict means another writer inserted the same row between this one's check and its
    insert (PostgreSQL without the advisory lock, or a unique index not checked first). The
    transaction was rolled back, so ``work`` must be a whole transaction: run again, it sees
    the other writer's row and decides anew.
    """
    for attempt in range(RETRIES):
        try:
            return work()
        except Conflict:
            if attempt == RETRIES - 1:
                raise
            time.sleep(0.05 * (attempt + 1))
    raise AssertionError("unreachable")
