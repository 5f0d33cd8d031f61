"""Notion's rate budget, shared by every process that uses one token.

Notion counts requests per integration (token), not per process: 180 requests in any 60-s
window on most plans. An editor's laptop, CI's `bot run-due` and two `bot schedule` replicas
spend that one budget. So the pacing state lives where all of them see it:

* with BOT_DATABASE_URL: a table in that PostgreSQL database (every host);
* otherwise: a small SQLite file in the per-user cache directory
  (`$XDG_CACHE_HOME/bot/budget/`, by default `~/.cache/bot/budget/`), one per token and
  Notion URL, so several state dirs (checkouts, replicas) of one user on one host share it;
* the embedded local workspace (no token, in this process) and virtual clocks: in memory.

The state is a sliding window of send times and a shared block after a 429. Every request
*reserves* the earliest slot the window allows (first come, first served: a waiting process
is never overtaken forever), sleeps until then, and sends. A 429 blocks every process until
Retry-After has passed (at least), longer — exponential with jitter — when 429s repeat.
Keys are a SHA-256 of the token and URL: the token itself is never stored.
"""

from __future__ import annotations

import hashlib
import math
import os
import sqlite3
import threading
import time
from collections import deque
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .clock import Clock


class BudgetUnavailable(Exception):
    """The shared store cannot be used (its database is gone): pace in this process instead."""


BACKOFF_BASE_S = 1.0
BACKOFF_CAP_S = 60.0  # Notion's per-connection Retry-After is at most 60 s
SQLITE_BUSY_TIMEOUT_S = 30.0


def budget_key(base_url: str, token: str) -> str:
    """One budget per token and Notion endpoint; a hash, so the token is never written."""
    return hashlib.sha256(f"{base_url.rstrip('/')}\n{token}".encode()).hexdigest()


def backoff(strikes: int, retry_after: float | None, rng) -> float:
    """How long every process waits after the `strikes`-th 429 in a row: Retry-After is the
    minimum; from the second 429 on, exponential (1, 2, 4 … 60 s) with jitter, because a
    server whose window is full may keep answering "Retry-After: 1"."""
    floor = retry_after if retry_after is not None else 0.0
    if strikes <= 1 and retry_after is not None:
        return floor
    ceiling = min(
        BACKOFF_CAP_S, BACKOFF_BASE_S * 2 ** min(max(0, strikes - 1), 16)
    )  # capped exponent: any count of 429s
    return max(floor, ceiling / 2 + rng.random() * ceiling / 2)


@dataclass
class Slot:
    """A reserved send: `delay` seconds from now; `token`/`at` identify it in the store."""

    token: object
    at: float
    delay: float
    strikes: int


class MemoryStore:
    """The budget of one process (the embedded workspace, tests on a virtual clock)."""

    def __init__(self, clock: Clock):
        self.clock = clock
        self._sent: deque[float] = deque()
        self._blocked_until = 0.0
        self._blocked_since = -math.inf
        self._strikes = 0
        self._lock = threading.Lock()

    def reserve(self, capacity: int, window_s: float) -> Slot:
        with self._lock:
            now = self.clock.monotonic()
            while self._sent and self._sent[0] <= now - window_s:
                self._sent.popleft()
            at = max(now, self._blocked_until)
            if len(self._sent) >= capacity:
                at = max(at, self._sent[-capacity] + window_s)
            self._sent.append(at)
            return Slot(at, at, at - now, self._strikes)

    def confirm(self, slot: Slot) -> float:
        with self._lock:
            if self._blocked_until <= slot.at:
                return 0.0
            if slot.at in self._sent:
                self._sent.remove(slot.at)
            return self._blocked_until - self.clock.monotonic()

    def cancel(self, slot: Slot) -> None:
        with self._lock:
            if slot.at in self._sent:
                self._sent.remove(slot.at)

    def penalize(self, sent_at: float, wait_for: Callable[[int], float]) -> tuple[float, int]:
        with self._lock:
            now = self.clock.monotonic()
            if sent_at >= self._blocked_since:  # not a sibling of the 429 that set the block
                self._strikes += 1
                self._blocked_since = now
                self._blocked_until = max(self._blocked_until, now + wait_for(self._strikes))
            return max(0.0, self._blocked_until - now), self._strikes

    def clear_strikes(self) -> None:
        with self._lock:
            self._strikes = 0

    def close(self) -> None:
        pass


# SQLite's tables; PostgreSQL's are created by bot.ledger.postgres's migrations (the same columns).
SQL_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS notion_budget (key TEXT PRIMARY KEY, blocked_until DOUBLE PRECISION NOT NULL DEFAULT 0,"
    " blocked_since DOUBLE PRECISION NOT NULL DEFAULT 0, strikes INTEGER NOT NULL DEFAULT 0)",
    "CREATE TABLE IF NOT EXISTS notion_budget_sends (id INTEGER PRIMARY KEY, key TEXT NOT NULL, at DOUBLE PRECISION NOT NULL)",
    "CREATE INDEX IF NOT EXISTS notion_budget_sends_key_at ON notion_budget_sends(key, at)",
)


class SqlStore:
    """The window and the block as rows (SQLite or PostgreSQL: the same SQL, `?` placeholders).

    Every operation is one short transaction that first locks the budget's row, so
    concurrent processes see each other's reservations. Subclasses provide the transaction
    and the time (the PostgreSQL server's clock: one time base for every host)."""

    def __init__(self, key: str):
        self.key = key

    @contextmanager
    def _tx(self) -> Iterator[tuple[object, float]]:  # pragma: no cover - every store implements it
        raise NotImplementedError

    def _state(self, db) -> tuple[float, float, int]:
        return db.execute(
            f"SELECT blocked_until, blocked_since, strikes FROM notion_budget WHERE key = ?{self._for_update}",
            (self.key,),
        ).fetchone()

    _for_update = ""

    def reserve(self, capacity: int, window_s: float) -> Slot:
        with self._tx() as (db, now):
            blocked_until, _, strikes = self._state(db)
            db.execute("DELETE FROM notion_budget_sends WHERE key = ? AND at <= ?", (self.key, now - window_s))
            row = db.execute(
                "SELECT at FROM notion_budget_sends WHERE key = ? ORDER BY at DESC LIMIT 1 OFFSET ?",
                (self.key, capacity - 1),
            ).fetchone()
            at = max(now, blocked_until, row[0] + window_s if row else now)
            token = db.execute(
                "INSERT INTO notion_budget_sends(key, at) VALUES (?, ?) RETURNING id", (self.key, at)
            ).fetchone()[0]
            return Slot(token, at, at - now, strikes)

    def confirm(self, slot: Slot) -> float:
        with self._tx() as (db, now):
            blocked_until, _, _ = self._state(db)
            if blocked_until <= slot.at:
                return 0.0
            db.execute("DELETE FROM notion_budget_sends WHERE id = ?", (slot.token,))
            return blocked_until - now

    def cancel(self, slot: Slot) -> None:
        with self._tx() as (db, _):
            db.execute("DELETE FROM notion_budget_sends WHERE id = ?", (slot.token,))

    def penalize(self, sent_at: float, wait_for: Callable[[int], float]) -> tuple[float, int]:
        with self._tx() as (db, now):
            blocked_until, blocked_since, strikes = self._state(db)
            if sent_at >= blocked_since:
                strikes += 1
                blocked_until = max(blocked_until, now + wait_for(strikes))
                db.execute(
                    "UPDATE notion_budget SET blocked_until = ?, blocked_since = ?, strikes = ? WHERE key = ?",
                    (blocked_until, now, strikes, self.key),
                )
            return max(0.0, blocked_until - now), strikes

    def clear_strikes(self) -> None:
        with self._tx() as (db, _):
            db.execute("UPDATE notion_budget SET strikes = 0 WHERE key = ? AND strikes > 0", (self.key,))


class SqliteStore(SqlStore):
    """One host: a SQLite file every process of the user opens (WAL; BEGIN IMMEDIATE
    serializes the short transactions). Time: the wall clock, which all processes share."""

    def __init__(self, path: Path, key: str):
        super().__init__(key)
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self.conn = sqlite3.connect(
            str(path), timeout=SQLITE_BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False
        )
        self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        for statement in SQL_SCHEMA:
            self.conn.execute(statement)
        self.conn.execute("INSERT OR IGNORE INTO notion_budget(key) VALUES (?)", (key,))
        self._mutex = threading.Lock()

    @contextmanager
    def _tx(self):
        with self._mutex:
            self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn, time.time()
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def close(self) -> None:
        self.conn.close()


def default_budget_dir() -> Path:
    """Per user, shared by every state dir of that user on this host."""
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "bot" / "budget"


def sqlite_store(key: str, fallback_dir: Path) -> SqliteStore:
    """The host's budget file; in the state dir when the cache dir cannot be written."""
    try:
        return SqliteStore(default_budget_dir() / f"{key[:32]}.sqlite3", key)
    except (OSError, sqlite3.Error):
        return SqliteStore(Path(fallback_dir) / "budget" / f"{key[:32]}.sqlite3", key)
