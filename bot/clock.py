"""Time as a dependency.

Pacing, retries, the local workspace's simulated rate limit and the scheduler all ask a
``Clock`` for the time and for sleeping, so tests and benchmarks can run a virtual clock
(no real sleeping) while production uses the wall clock.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime, timezone
from typing import Protocol


class Clock(Protocol):
    def monotonic(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    def now(self) -> datetime:
        """Aware UTC datetime."""
        ...


class SystemClock:
    wall = True  # real time: other processes share it (bot.budget keeps shared state in it)

    def monotonic(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            time.sleep(seconds)

    def now(self) -> datetime:
        return datetime.now(timezone.utc)


class VirtualClock:
    """A clock that only moves when someone sleeps or calls ``advance``.

    Thread-safe so a local workspace served on another thread can share it.
    """

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._mono = 0.0
        self._start = start or datetime(2026, 5, 30, 0, 0, tzinfo=timezone.utc)
        self.slept: float = 0.0

    def monotonic(self) -> float:
        with self._lock:
            return self._mono

    def sleep(self, seconds: float) -> None:
        if seconds > 0:
            with self._lock:
                self._mono += seconds
                self.slept += seconds

    def advance(self, seconds: float) -> None:
        with self._lock:
            self._mono += seconds

    def now(self) -> datetime:
        from datetime import timedelta

        with self._lock:
            return self._start + timedelta(seconds=self._mono)


SYSTEM_CLOCK = SystemClock()
