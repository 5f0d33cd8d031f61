"""One publisher at a time: manual and scheduled runs share a lock in BOT_STATE_DIR."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from ..errors import ConfigError, LockBusyError, LockLostError
from ..state import expect_file
from ..state import state_dir as _state

SCHEDULED_LOCK_WAIT = 60.0  # seconds a scheduled run waits for a manual `bot publish` to finish


class FileLockGuard:
    """What a run asks before each write: is the lock file still the one we hold?

    The lock is an flock on an open file. Should someone delete the state dir (or the lock
    file) mid-run, another process creates a new file and locks that one: two publishers.
    One `stat` per write notices (the path no longer names the file we hold)."""

    def __init__(self, path: Path):
        self.path = path
        self.held = os.stat(path)  # the file just locked (filelock keeps it open until released)

    def check(self) -> None:
        try:
            ours = os.path.samestat(self.held, os.stat(self.path))
        except OSError:
            ours = False
        if not ours:
            raise LockLostError(
                f"lock lost: the lock file {self.path} was removed or replaced while this run held it; stopped before the next write"
            )


@contextmanager
def publish_lock(state_dir: Path, wait: float = 10.0) -> Iterator[FileLockGuard]:
    from filelock import FileLock, Timeout  # imported when a lock is taken: `bot --help` reads SCHEDULED_LOCK_WAIT

    path = expect_file(
        _state(state_dir).ensure().lock,
        "the publish lock",
        f"remove it (`rm -r {_state(state_dir).lock}`) when no bot process is running: the next run creates a new lock",
    )
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=wait)
    except Timeout:  # an OSError too: caught first
        raise LockBusyError(
            f"another bot process is publishing (lock {path} held for more than {wait:.0f}s); try again when it has finished"
        ) from None
    except OSError as exc:  # e.g. it became a directory meanwhile, or the state dir is read-only
        raise ConfigError(f"cannot take the publish lock {path}: {exc.strerror or exc}") from None
    try:
        yield FileLockGuard(path)
    finally:
        lock.release()
