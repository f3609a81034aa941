"""The PubChem rate limit: sliding windows per second and per minute.

One limiter per pair of limits serves the whole process (every thread, every client), and it
spaces requests further while PubChem's ``X-Throttling-Control`` header reports load.
"""

from __future__ import annotations

import math
import re
import threading
import time
from collections.abc import Callable

from registry.config import Settings
from registry.errors import PubChemUnavailable

__all__ = ["RateLimiter", "Slot", "rate_limiter"]

_THROTTLE_STATUS = re.compile(r"status:\s*(Green|Yellow|Red|Black)", re.IGNORECASE)
# Extra spacing between requests while PubChem reports load (seconds).
_THROTTLE_PAUSE = {"green": 0.0, "yellow": 0.5, "red": 2.0, "black": 10.0}


class Slot:
    """One request's place in the limiter's window: in flight (``time`` is inf) until released."""

    __slots__ = ("time",)

    def __init__(self) -> None:
        self.time = math.inf


class RateLimiter:
    """A thread-safe sliding-window limiter over two windows (per second and per minute).

    A request counts from the moment it starts until one window length after it completes, so
    that however long the network holds it, the server never sees more than the limit in any
    window: PubChem receives a request somewhere between its start and its completion, and a
    new request starts only when fewer than the limit completed (or are still in flight)
    within the window before it. Use ``release(acquire())`` around every request.
    """

    def __init__(
        self,
        per_second: float = 5.0,
        per_minute: float = 400.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = 0.02,
    ) -> None:
        self.per_second = max(1, int(per_second))
        self.per_minute = max(1, int(per_minute))
        self._clock = clock
        self._sleep = sleep
        self._margin = margin
        self._lock = threading.Lock()
        self._slots: list[Slot] = []
        self._last_start = -math.inf
        self._pause = 0.0  # from X-Throttling-Control
        self.level = "green"

    def _wait_needed(self, now: float) -> float:
        horizon = now - 60.0 - self._margin
        self._slots = [slot for slot in self._slots if slot.time > horizon]
        times = sorted(slot.time for slot in self._slots)
        waits = [0.0, self._last_start + self._pause - now]
        for limit, window in ((self.per_second, 1.0), (self.per_minute, 60.0)):
            if len(times) >= limit:
                oldest = times[-limit]
                # All of the last `limit` still in flight: look again shortly.
                waits.append(0.01 if oldest == math.inf else oldest + window + self._margin - now)
        return max(waits)

    def acquire(self, deadline: float | None = None) -> Slot:
        """Block until a request may start; raise PubChemUnavailable past ``deadline``."""
        while True:
            with self._lock:
                now = self._clock()
                wait = self._wait_needed(now)
                if wait <= 0:
                    slot = Slot()
                    self._slots.append(slot)
                    self._last_start = now
                    return slot
            if deadline is not None and now + wait > deadline:
                raise PubChemUnavailable(
                    "PubChem request budget exhausted while waiting for the rate limit"
                )
            self._sleep(wait)

    def release(self, slot: Slot) -> None:
        """Mark a request complete (answered, failed or timed out)."""
        with self._lock:
            slot.time = self._clock()

    def observe(self, header: str | None) -> None:
        """Adapt to PubChem's ``X-Throttling-Control`` header (absent: no change)."""
        if not header:
            return
        levels = [m.lower() for m in _THROTTLE_STATUS.findall(header)]
        if not levels:
            return
        worst = max(levels, key=lambda level: _THROTTLE_PAUSE.get(level, 0.0))
        with self._lock:
            self.level = worst
            self._pause = _THROTTLE_PAUSE.get(worst, 0.0)


_LIMITERS: dict[tuple[int, int], RateLimiter] = {}
_LIMITERS_LOCK = threading.Lock()


def rate_limiter(settings: Settings) -> RateLimiter:
    """The process-wide limiter for these limits (one per distinct pair of limits)."""
    key = (int(settings.pubchem_rate_per_second), int(settings.pubchem_rate_per_minute))
    with _LIMITERS_LOCK:
        limiter = _LIMITERS.get(key)
        if limiter is None:
            limiter = _LIMITERS[key] = RateLimiter(*key)
        return limiter
