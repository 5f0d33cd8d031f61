"""The run ledger in the state dir: runs.sqlite3 (bot.ledger.runs has the SQL both stores share).

A damaged file is moved aside and a new ledger started (a writer's `warn` says so); a missing
file reads as empty for readers, which never create, migrate or write it.
"""

from __future__ import annotations

import sqlite3
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, Iterator, TypeVar

from ..clock import SYSTEM_CLOCK, Clock
from ..state import state_dir as _state
from .runs import SCHEMA, LedgerCorruptError, LedgerError, SqlLedger

T = TypeVar("T")
# SQLite schema versions (PRAGMA user_version). Version 1 is the schema every ledger created
# before versioning already has (CREATE … IF NOT EXISTS makes it a no-op there).
SQLITE_MIGRATIONS: tuple[str, ...] = (
    SCHEMA,
    # 2: the series of each variant (rows written before it have none: read from their slug)
    "ALTER TABLE run_variants ADD COLUMN series TEXT",
)
SQLITE_CORRUPT_CODES = {11, 26}  # SQLITE_CORRUPT, SQLITE_NOTADB


class _SqliteDb:
    """The connection handed to SqlLedger (sqlite3 already takes `?` placeholders)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql, params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        self.conn.executemany(sql, rows)


class Ledger(SqlLedger):
    """The run ledger in the state dir: runs.sqlite3, thread- and process-safe (short transactions).

    `read_only=True` (`bot runs`, `bot status`) never creates, migrates or writes the file:
    a missing ledger reads as empty, and a read-only state dir works.
    """

    def __init__(
        self,
        path: Path,
        clock: Clock = SYSTEM_CLOCK,
        *,
        read_only: bool = False,
        warn: Callable[[str], None] | None = None,
    ):
        self.path = Path(path)
        self.where = str(self.path)
        self.clock = clock
        self.read_only = read_only
        self.warn = warn  # a writer given `warn` sets a damaged ledger aside instead of failing
        self._local = threading.Lock()
        if not read_only:
            self._recovering(self._migrate)

    @classmethod
    def for_state_dir(
        cls,
        state_dir: Path,
        clock: Clock = SYSTEM_CLOCK,
        *,
        read_only: bool = False,
        warn: Callable[[str], None] | None = None,
    ) -> "Ledger":
        return cls(_state(state_dir).ledger, clock, read_only=read_only, warn=warn)

    def start(self, *args, **kwargs) -> int:
        return self._recovering(lambda: SqlLedger.start(self, *args, **kwargs))

    def _recovering(self, action: Callable[[], T]) -> T:
        """Run `action`; if the file turns out damaged and this ledger may recover (`warn`),
        move the file aside, start a new ledger and run `action` again."""
        try:
            return action()
        except LedgerCorruptError as exc:
            if self.warn is None:
                raise
            self._set_aside(exc)
            return action()

    def _set_aside(self, exc: LedgerCorruptError) -> None:
        stamp = datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
        damaged = self.path.with_name(f"{self.path.name}.damaged-{stamp}")
        try:
            self.path.rename(damaged)
        except OSError as err:
            raise LedgerError(f"{exc}; it could not be moved aside ({err.strerror}): move it away by hand") from None
        self.warn(f"{exc}: moved it to {damaged.name} and started a new ledger (the older runs are in that file)")
        self._migrate()

    def _migrate(self) -> None:
        with self._errors():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(self.path, timeout=30, isolation_level=None)
            try:
                db.execute("BEGIN IMMEDIATE")  # one process migrates; the others wait, then find it done
                version = db.execute("PRAGMA user_version").fetchone()[0]
                for number, script in enumerate(SQLITE_MIGRATIONS[version:], start=version + 1):
                    for statement in filter(str.strip, script.split(";")):
                        db.execute(statement)
                    db.execute(f"PRAGMA user_version = {number}")
                db.execute("COMMIT")
            finally:
                db.close()

    @contextmanager
    def _errors(self) -> Iterator[None]:
        from ..errors import StateShapeError
        from ..state import expect_file

        try:
            expect_file(
                self.path,
                "the run ledger",
                f"move it away (`mv {self.path} {self.path}.old`): the next run starts a new ledger",
            )
        except StateShapeError as exc:
            error = LedgerError(f"the run ledger cannot be {'read' if self.read_only else 'used'}: {exc}")
            error.hint = exc.hint
            raise error from None
        try:
            yield
        except sqlite3.DatabaseError as exc:
            if getattr(exc, "sqlite_errorcode", None) in SQLITE_CORRUPT_CODES:
                raise LedgerCorruptError(f"the run ledger {self.path} is damaged ({exc})") from None
            raise LedgerError(
                f"the run ledger {self.path} cannot be {'read' if self.read_only else 'used'}: {exc}"
            ) from None
        except OSError as exc:
            raise LedgerError(f"the run ledger {self.path} cannot be created: {exc.strerror or exc}") from None

    @contextmanager
    def _connect(self) -> Iterator[_SqliteDb]:
        if self.read_only and not self.path.exists():
            yield _EMPTY
            return
        with self._local, self._errors():
            # Rollback journal + a 30 s busy timeout: runs write a handful of short
            # transactions, so concurrent processes simply queue (WAL's mode switch itself
            # can fail with "database is locked" when two processes open a new ledger).
            if self.read_only:
                db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
            else:
                db = sqlite3.connect(self.path, timeout=30)
            try:
                with db:
                    yield _SqliteDb(db)
            finally:
                db.close()

    def _has_tables(self, db) -> bool:
        if db is _EMPTY:
            return False
        return db.execute("SELECT 1 FROM sqlite_master WHERE type='table' AND name='runs'").fetchone() is not None


class _Empty:
    """Stands for a ledger file that does not exist (read-only: nothing recorded yet)."""


_EMPTY = _Empty()
