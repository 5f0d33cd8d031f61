"""The run ledger and the publish lock in PostgreSQL, shared by every host (BOT_DATABASE_URL).

* The ledger: the same tables as the SQLite ledger (bot.ledger.runs, bot.ledger.sqlite), created and upgraded by the
  numbered migrations below; `bot_schema` holds the version. Timestamps are `timestamptz`.
* The lock: a session-scoped advisory lock held on a connection of its own for the length of
  a publish. PostgreSQL releases it when that session ends, so a host that crashes or loses
  its network releases it too; nothing is left to clean up.
* Liveness: every run records the backend pid of its process's ledger connection
  (`runs.session`). A run still `running` whose session is gone was killed, whichever host
  it ran on, and is marked interrupted (`reap`).

Uses psycopg 3 (the `psycopg[binary]` dependency): the maintained PostgreSQL driver.
"""

from __future__ import annotations

import os
import re
import select
import socket
import threading
import time
import zlib
from contextlib import contextmanager
from datetime import datetime
from typing import Iterator

from ..clock import SYSTEM_CLOCK, Clock
from ..budget import BudgetUnavailable, SqlStore
from ..errors import ConfigError, LockBusyError, LockLostError
from .runs import LedgerError, SqlLedger

CONNECT_TIMEOUT_S = 10
LOCK_POLL_S = 0.2
LOCK_PING_S = 2.0  # the lock's session is pinged before a write at most this often
# TCP keepalives: a host cut off from the database notices within ~a minute, not hours.
KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
LOCK_NAMESPACE = 0x626F74  # "bot": the first key of every advisory lock this tool takes
MIGRATION_SCOPE = 1  # the second key while migrating the schema (publish locks use a hash)

# Numbered migrations: MIGRATIONS[n - 1] upgrades the schema from version n - 1 to n. Append
# new ones; never edit one that has shipped.
MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE runs (
        id BIGSERIAL PRIMARY KEY,
        trigger TEXT NOT NULL,
        scheduled_for TIMESTAMPTZ,
        started_at TIMESTAMPTZ NOT NULL,
        ended_at TIMESTAMPTZ,
        outcome TEXT NOT NULL DEFAULT 'running',
        error TEXT,
        reads INTEGER NOT NULL DEFAULT 0,
        writes INTEGER NOT NULL DEFAULT 0,
        retries INTEGER NOT NULL DEFAULT 0,
        rate_limited INTEGER NOT NULL DEFAULT 0,
        host TEXT,
        pid INTEGER,
        note TEXT,
        session INTEGER
    );
    CREATE TABLE run_variants (
        id BIGSERIAL PRIMARY KEY,
        run_id BIGINT NOT NULL REFERENCES runs(id),
        slug TEXT NOT NULL,
        week TEXT NOT NULL,
        lang TEXT NOT NULL,
        status TEXT,
        date TEXT,
        due_at TIMESTAMPTZ,
        action TEXT NOT NULL,
        page_id TEXT,
        url TEXT,
        writes INTEGER NOT NULL DEFAULT 0,
        content_sha256 TEXT,
        detail TEXT
    );
    CREATE INDEX run_variants_slug ON run_variants(slug, run_id);
    CREATE INDEX runs_trigger ON runs(trigger, id);
    CREATE INDEX runs_started ON runs(started_at)
    """,
    # 2: Notion's rate budget shared by every host (bot.budget): one row per token (a hash),
    # the send times of its sliding window.
    """
    CREATE TABLE notion_budget (
        key TEXT PRIMARY KEY,
        blocked_until DOUBLE PRECISION NOT NULL DEFAULT 0,
        blocked_since DOUBLE PRECISION NOT NULL DEFAULT 0,
        strikes INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE notion_budget_sends (
        id BIGSERIAL PRIMARY KEY,
        key TEXT NOT NULL,
        at DOUBLE PRECISION NOT NULL
    );
    CREATE INDEX notion_budget_sends_key_at ON notion_budget_sends(key, at)
    """,
    # 3: the series of each variant (rows written before it have none: read from their slug)
    """
    ALTER TABLE run_variants ADD COLUMN series TEXT
    """,
)


def _psycopg():
    try:
        import psycopg
    except ImportError:  # pragma: no cover - a declared dependency
        raise ConfigError("BOT_DATABASE_URL needs the psycopg package: pip install 'psycopg[binary]'") from None
    return psycopg


def display_url(url: str) -> str:
    """The URL without its password (for messages and logs)."""
    psycopg = _psycopg()
    try:
        parts = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        return "postgresql://(unparsable URL)"
    user = f"{parts['user']}@" if parts.get("user") else ""
    port = f":{parts['port']}" if parts.get("port") else ""
    return f"postgresql://{user}{parts.get('host', '')}{port}/{parts.get('dbname', '')}"


def connect(url: str, purpose: str):
    """An autocommit connection named after this process (`application_name`), so a busy lock
    can say who holds it."""
    psycopg = _psycopg()
    name = f"bot {purpose} {socket.gethostname()} pid {os.getpid()}"[:63]
    try:
        return psycopg.connect(
            url, autocommit=True, connect_timeout=CONNECT_TIMEOUT_S, application_name=name, **KEEPALIVES
        )
    except psycopg.Error as exc:
        raise LedgerError(f"cannot connect to BOT_DATABASE_URL {display_url(url)}: {_detail(exc, url)}") from None


def _detail(exc: Exception, url: str) -> str:
    """psycopg's message on one line, without the URL's password (a parse error quotes the URL)."""
    text = "; ".join(line.strip() for line in str(exc).splitlines() if line.strip()) or type(exc).__name__
    password = re.search(r"://[^/@:]*:([^@]*)@", url)
    return text.replace(password.group(1), "***") if password and password.group(1) else text


class _PgDb:
    """The connection handed to SqlLedger: `?` placeholders become psycopg's `%s`."""

    def __init__(self, conn):
        self.conn = conn

    def execute(self, sql: str, params: tuple = ()):
        return self.conn.execute(sql.replace("?", "%s"), params)

    def executemany(self, sql: str, rows: list[tuple]) -> None:
        with self.conn.cursor() as cur:
            cur.executemany(sql.replace("?", "%s"), rows)


def migrate(db: _PgDb, where: str) -> None:
    """Create or upgrade the schema (inside the caller's transaction)."""
    # One host migrates at a time; the others wait here and then find nothing to do.
    db.execute("SELECT pg_advisory_xact_lock(?, ?)", (LOCK_NAMESPACE, MIGRATION_SCOPE))
    db.execute("CREATE TABLE IF NOT EXISTS bot_schema (version INTEGER NOT NULL)")
    row = db.execute("SELECT version FROM bot_schema").fetchone()
    version = row[0] if row else 0
    check_version(version, where)
    for script in MIGRATIONS[version:]:
        for statement in filter(str.strip, script.split(";")):
            db.execute(statement)
    if row is None:
        db.execute("INSERT INTO bot_schema(version) VALUES (?)", (len(MIGRATIONS),))
    elif version < len(MIGRATIONS):
        db.execute("UPDATE bot_schema SET version=?", (len(MIGRATIONS),))


def check_version(version: int, where: str) -> None:
    if version > len(MIGRATIONS):
        raise LedgerError(
            f"the run ledger in {where} has schema version {version}, newer than this bot knows ({len(MIGRATIONS)}): upgrade bot on this host"
        )


def session_alive(conn) -> bool:
    """Whether an idle connection's session still exists, without a round trip when nothing
    happened: a session the server ended (pg_terminate_backend, a restart, an idle timeout)
    has sent its goodbye (or EOF), so the idle socket is readable. Then one ping decides."""
    if conn.closed or conn.broken:
        return False
    try:
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
    except (OSError, ValueError):
        return False
    return not readable or ping(conn)


def ping(conn) -> bool:
    psycopg = _psycopg()
    try:
        conn.execute("SELECT 1")
        return True
    except psycopg.Error:
        return False


class PostgresLedger(SqlLedger):
    """The run ledger in PostgreSQL. One connection per process, kept open: its backend pid
    tells other hosts whether a `running` run's process is still there."""

    variant_order = "id"

    def __init__(self, url: str, clock: Clock = SYSTEM_CLOCK, *, read_only: bool = False):
        self.url = url
        self.where = display_url(url)
        self.clock = clock
        self.read_only = read_only
        self._mutex = threading.RLock()
        self._conn = None
        self._pid: int | None = None
        if not read_only:
            self._migrate()

    # ------------------------------------------------------------------ connection
    def _connection(self):
        if self._conn is None or not session_alive(self._conn):
            # A session the server ended (restart, failover, idle timeout) is replaced, so a
            # run finishes and records its outcome instead of failing on a dead connection.
            previous = self._pid
            if self._conn is not None:
                self._conn.close()
            self._conn = connect(self.url, "ledger")
            self._pid = self._conn.info.backend_pid  # libpq forgets it once the session is gone
            if previous is not None and not self.read_only:
                # Runs of this process in flight now live in the new session.
                self._conn.execute(
                    "UPDATE runs SET session=%s WHERE session=%s AND outcome='running'",
                    (self._conn.info.backend_pid, previous),
                )
        return self._conn

    @contextmanager
    def _connect(self) -> Iterator[_PgDb]:
        psycopg = _psycopg()
        with self._mutex:
            try:
                conn = self._connection()
                with conn.transaction():
                    yield _PgDb(conn)
            except psycopg.Error as exc:
                raise LedgerError(
                    f"the run ledger in {self.where} cannot be {'read' if self.read_only else 'used'}: {_detail(exc, self.url)}"
                ) from None

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()

    def _migrate(self) -> None:
        with self._connect() as db:
            migrate(db, self.where)

    def _check_version(self, version: int) -> None:
        check_version(version, self.where)

    def _has_tables(self, db) -> bool:
        if db.execute("SELECT to_regclass('bot_schema') IS NOT NULL").fetchone()[0] is False:
            return False  # nothing recorded yet (a reader never creates the schema)
        row = db.execute("SELECT version FROM bot_schema").fetchone()
        self._check_version(row[0] if row else 0)
        return bool(row and row[0] >= 1)

    # ------------------------------------------------------------------ SqlLedger hooks
    def _ts(self, dt: datetime | None):
        return dt

    def _new_run_values(self, db) -> dict:
        return {**super()._new_run_values(db), "session": db.conn.info.backend_pid}

    def _dead(self, db, run_id: int, host: str | None, pid: int | None) -> bool:
        if super()._dead(db, run_id, host, pid):
            return True
        row = db.execute(
            "SELECT r.session IS NOT NULL AND NOT EXISTS (SELECT 1 FROM pg_stat_activity a WHERE a.pid = r.session) FROM runs r WHERE r.id = ?",
            (run_id,),
        ).fetchone()
        return bool(row and row[0])


# ---------------------------------------------------------------------- the publish lock
def lock_scope(name: str) -> int:
    """The second advisory-lock key: one lock per publishing target."""
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


class AdvisoryLockGuard:
    """What a run asks before each write: is the advisory lock still ours?

    The lock lives as long as its session. A session the server ended is noticed at once
    (its socket turns readable: see `session_alive`); a silent one (a network cut) by a
    ping at most every LOCK_PING_S seconds, and by TCP keepalives while idle."""

    def __init__(self, conn, where: str, ping_every: float = LOCK_PING_S):
        self.conn, self.where, self.ping_every = conn, where, ping_every
        self._pinged = time.monotonic()

    def check(self) -> None:
        now = time.monotonic()
        alive = session_alive(self.conn)
        if alive and now - self._pinged >= self.ping_every:
            alive = ping(self.conn)
        if not alive:
            raise LockLostError(
                f"lock lost: the publish lock's session in {self.where} ended (the database restarted or failed over, "
                "or the session was terminated or timed out); stopped before the next write"
            )
        self._pinged = now if now - self._pinged >= self.ping_every else self._pinged


@contextmanager
def advisory_lock(url: str, scope: str, wait: float) -> Iterator[AdvisoryLockGuard]:
    """Hold the publish lock for `scope` (waiting up to `wait` seconds) on a session of its
    own; yields the guard a run checks before each write."""
    key = (LOCK_NAMESPACE, lock_scope(scope))
    conn = connect(url, "publish")
    try:
        deadline = time.monotonic() + wait
        while not conn.execute("SELECT pg_try_advisory_lock(%s, %s)", key).fetchone()[0]:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise LockBusyError(
                    f"another bot process is publishing ({_holder(conn, key)} holds the lock in {display_url(url)} for more than {wait:.0f}s); "
                    "try again when it has finished"
                )
            time.sleep(min(LOCK_POLL_S, remaining))
        yield AdvisoryLockGuard(conn, display_url(url))
    finally:
        conn.close()  # ending the session releases the lock (so does a crash)


def _holder(conn, key: tuple[int, int]) -> str:
    row = conn.execute(
        "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = %s::oid AND l.objid = %s::oid AND l.objsubid = 2"
        " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())",  # locks are per database
        key,
    ).fetchone()
    return f"'{row[0]}'" if row and row[0] else "another session"


# ---------------------------------------------------------------------- the shared rate budget
class PostgresBudgetStore(SqlStore):
    """Notion's rate budget for every host (bot.budget), on a connection of its own. Time is
    the database server's clock, so hosts whose clocks differ still share one window."""

    _for_update = " FOR UPDATE"

    def __init__(self, url: str, key: str):
        super().__init__(key)
        self.url, self.where = url, display_url(url)
        self._conn = None
        self._mutex = threading.Lock()
        with self._tx() as (db, _):
            migrate(db, self.where)
            db.execute("INSERT INTO notion_budget(key) VALUES (?) ON CONFLICT DO NOTHING", (key,))

    @contextmanager
    def _tx(self):
        psycopg = _psycopg()
        with self._mutex:
            try:
                if self._conn is None or not session_alive(self._conn):  # e.g. the database restarted
                    if self._conn is not None:
                        self._conn.close()
                    self._conn = connect(self.url, "budget")
                with self._conn.transaction():
                    db = _PgDb(self._conn)
                    now = db.execute("SELECT extract(epoch FROM clock_timestamp())::float8").fetchone()[0]
                    yield db, now
            except (psycopg.Error, LedgerError) as exc:
                detail = _detail(exc, self.url) if isinstance(exc, psycopg.Error) else str(exc)
                raise BudgetUnavailable(f"the shared rate budget in {self.where} cannot be used: {detail}") from None

    def _again(self, operation):
        """A session that ended while in use (the server terminated it between our check and
        the query): one more try, on a new session."""
        try:
            return operation()
        except BudgetUnavailable:
            if self._conn is None or not (self._conn.closed or self._conn.broken):
                raise
            return operation()

    def reserve(self, capacity, window_s):
        return self._again(lambda: SqlStore.reserve(self, capacity, window_s))

    def confirm(self, slot):
        return self._again(lambda: SqlStore.confirm(self, slot))

    def cancel(self, slot):
        return self._again(lambda: SqlStore.cancel(self, slot))

    def penalize(self, sent_at, wait_for):
        return self._again(lambda: SqlStore.penalize(self, sent_at, wait_for))

    def clear_strikes(self):
        return self._again(lambda: SqlStore.clear_strikes(self))

    def close(self) -> None:
        with self._mutex:
            if self._conn is not None:
                self._conn.close()
