"""One publisher at a time: manual and scheduled runs share a lock in BOT_STATE_DIR."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from .errors import LockBusyError
from .state import state_dir as _state

SCHEDULED_LOCK_WAIT = 60.0  # seconds a scheduled run waits for a manual `bot publish` to finish


@contextmanager
def publish_lock(state_dir: Path, wait: float = 10.0) -> Iterator[None]:
    from filelock import FileLock, Timeout  # imported when a lock is taken: `bot --help` reads SCHEDULED_LOCK_WAIT

    path = _state(state_dir).ensure().lock
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:
        raise LockBusyError(
            f"another bot process is publishing (lock {path} held for more than {wait:.0f}s); try again when it has finished"
        ) from None
    try:
        yield
    finally:
        lock.release()
