"""Where the publish lock and the run ledger live: the state dir, or PostgreSQL.

Without BOT_DATABASE_URL (one host): a file lock and runs.sqlite3 in BOT_STATE_DIR. With it
(several hosts publishing one newsletter): an advisory lock and the ledger tables in that
PostgreSQL database (bot.ledger.postgres). Callers ask here and do not care which.
"""

from __future__ import annotations

from contextlib import contextmanager
from typing import Callable, Iterator

from ..clock import SYSTEM_CLOCK, Clock
from .runs import SqlLedger, log_warning
from .sqlite import Ledger
from ..settings import Settings


def open_ledger(
    settings: Settings,
    clock: Clock = SYSTEM_CLOCK,
    *,
    read_only: bool = False,
    warn: Callable[[str], None] | None = None,
) -> SqlLedger:
    """The run ledger. `read_only` (`bot runs`, `bot status`): never creates, migrates or
    writes anything. A writer's damaged SQLite ledger is set aside with a warning (`warn`,
    logged by default) rather than stopping a publish."""
    url = settings.database_url
    if url:
        from .postgres import PostgresLedger

        return PostgresLedger(url, clock, read_only=read_only)
    if read_only:
        return Ledger.for_state_dir(settings.state_dir, clock, read_only=True)
    return Ledger.for_state_dir(settings.state_dir, clock, warn=warn or log_warning)


def lock_scope(settings: Settings) -> str:
    """What one publish lock covers: the Notion workspace and databases being published to."""
    ids = sorted(
        filter(None, {settings.notion_database_id, settings.notion_database_id_en, settings.notion_database_id_zh})
    )
    return " ".join([settings.notion_base_url, *ids])


@contextmanager
def publish_lock(settings: Settings, wait: float) -> Iterator[object]:
    """One publisher at a time: on this host (file lock) or on every host sharing
    BOT_DATABASE_URL. Yields a guard whose `check()` raises LockLostError once the lock is
    no longer held (the run calls it before each write)."""
    url = settings.database_url
    if url:
        from .postgres import advisory_lock

        with advisory_lock(url, lock_scope(settings), wait) as guard:
            yield guard
        return
    from .lock import publish_lock as file_lock

    with file_lock(settings.state_dir, wait) as guard:
        yield guard
