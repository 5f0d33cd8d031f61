"""The run ledger: one SQLite row per publishing run (manual or scheduled), in BOT_STATE_DIR/runs.sqlite3.

Every run — scheduled, caught up, retried, started by `bot run-due` or by a manual
`bot publish` — records its trigger, start, end, outcome, the action taken for each variant,
the request counts and the error. The scheduler decides about catch-up from this ledger (not
from APScheduler's in-memory job store), and `bot runs` / `bot status` show it to operators.

Outcomes: ``running`` (in progress, or the process died: shown as ``interrupted`` once its
process is gone), ``success``, ``failed``, ``interrupted``, ``skipped-locked``.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Iterator

from .clock import SYSTEM_CLOCK, Clock
from .errors import BotError, LockBusyError
from .state import state_dir as _state

TRIGGERS = ("schedule", "catch-up", "due", "retry", "run-due", "manual")
# Runs that check every variant for being due (a manual `bot publish` publishes a selection).
DUE_CHECK_TRIGGERS = ("schedule", "catch-up", "due", "retry", "run-due")
OUTCOMES = ("running", "success", "failed", "interrupted", "skipped-locked")
PUBLISH_ACTIONS = ("created", "updated", "unchanged")

SCHEMA = """
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    trigger TEXT NOT NULL,
    scheduled_for TEXT,
    started_at TEXT NOT NULL,
    ended_at TEXT,
    outcome TEXT NOT NULL DEFAULT 'running',
    error TEXT,
    reads INTEGER NOT NULL DEFAULT 0,
    writes INTEGER NOT NULL DEFAULT 0,
    retries INTEGER NOT NULL DEFAULT 0,
    rate_limited INTEGER NOT NULL DEFAULT 0,
    host TEXT,
    pid INTEGER,
    note TEXT
);
CREATE TABLE IF NOT EXISTS run_variants (
    run_id INTEGER NOT NULL REFERENCES runs(id),
    slug TEXT NOT NULL,
    week TEXT NOT NULL,
    lang TEXT NOT NULL,
    status TEXT,
    date TEXT,
    due_at TEXT,
    action TEXT NOT NULL,
    page_id TEXT,
    url TEXT,
    writes INTEGER NOT NULL DEFAULT 0,
    content_sha256 TEXT,
    detail TEXT
);
CREATE INDEX IF NOT EXISTS run_variants_slug ON run_variants(slug, run_id);
CREATE INDEX IF NOT EXISTS runs_trigger ON runs(trigger, id);
"""


def _iso(dt: datetime) -> str:
    return dt.astimezone(timezone.utc).isoformat(timespec="seconds")


def _parse(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def content_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


@dataclass
class VariantEntry:
    """What one run did with one variant."""

    slug: str
    week: str
    lang: str
    action: str  # created / updated / unchanged / waiting / failed / planned
    status: str | None = None
    date: str | None = None
    due_at: datetime | None = None
    page_id: str | None = None
    url: str | None = None
    writes: int = 0
    content_sha256: str | None = None
    detail: str | None = None
    run_id: int | None = None
    run_started_at: datetime | None = None

    def to_dict(self) -> dict:
        return {
            "slug": self.slug,
            "week": self.week,
            "lang": self.lang,
            "action": self.action,
            "status": self.status,
            "date": self.date,
            "due_at": self.due_at.isoformat() if self.due_at else None,
            "page_id": self.page_id,
            "url": self.url,
            "writes": self.writes,
            "content_sha256": self.content_sha256,
            "detail": self.detail,
        }


@dataclass
class RunRow:
    id: int
    trigger: str
    scheduled_for: datetime | None
    started_at: datetime
    ended_at: datetime | None
    outcome: str
    error: str | None
    reads: int
    writes: int
    retries: int
    rate_limited: int
    host: str | None
    pid: int | None
    note: str | None
    variants: list[VariantEntry] = field(default_factory=list)

    @property
    def duration(self) -> float | None:
        return (self.ended_at - self.started_at).total_seconds() if self.ended_at else None

    def actions(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for v in self.variants:
            counts[v.action] = counts.get(v.action, 0) + 1
        return counts

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "trigger": self.trigger,
            "scheduled_for": self.scheduled_for.isoformat() if self.scheduled_for else None,
            "started_at": self.started_at.isoformat(),
            "ended_at": self.ended_at.isoformat() if self.ended_at else None,
            "duration_s": self.duration,
            "outcome": self.outcome,
            "error": self.error,
            "requests": {"reads": self.reads, "writes": self.writes, "retries": self.retries, "rate_limited": self.rate_limited},
            "host": self.host,
            "pid": self.pid,
            "note": self.note,
            "variants": [v.to_dict() for v in self.variants],
        }


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Ledger:
    """Thread- and process-safe access to runs.sqlite3 (short transactions)."""

    def __init__(self, path: Path, clock: Clock = SYSTEM_CLOCK):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.clock = clock
        self._local = threading.Lock()
        with self._connect() as db:
            db.executescript(SCHEMA)

    @classmethod
    def for_state_dir(cls, state_dir: Path, clock: Clock = SYSTEM_CLOCK) -> "Ledger":
        return cls(_state(state_dir).ledger, clock)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        with self._local:
            # Rollback journal + a 30 s busy timeout: runs write a handful of short
            # transactions, so concurrent processes simply queue (WAL's mode switch itself
            # can fail with "database is locked" when two processes open a new ledger).
            db = sqlite3.connect(self.path, timeout=30)
            try:
                with db:
                    yield db
            finally:
                db.close()

    # ------------------------------------------------------------------ writing
    def start(self, trigger: str, *, scheduled_for: datetime | None = None, note: str | None = None, started_at: datetime | None = None) -> int:
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}; expected one of {TRIGGERS}")
        started = started_at or self.clock.now()
        with self._connect() as db:
            cur = db.execute(
                "INSERT INTO runs(trigger, scheduled_for, started_at, outcome, host, pid, note) VALUES (?, ?, ?, 'running', ?, ?, ?)",
                (trigger, _iso(scheduled_for) if scheduled_for else None, _iso(started), socket.gethostname(), os.getpid(), note),
            )
            return int(cur.lastrowid)

    def add_variants(self, run_id: int, entries: list[VariantEntry]) -> None:
        with self._connect() as db:
            db.executemany(
                "INSERT INTO run_variants(run_id, slug, week, lang, status, date, due_at, action, page_id, url, writes, content_sha256, detail)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (run_id, e.slug, e.week, e.lang, e.status, e.date, _iso(e.due_at) if e.due_at else None, e.action, e.page_id, e.url, e.writes, e.content_sha256, e.detail)
                    for e in entries
                ],
            )

    def finish(self, run_id: int, outcome: str, *, error: str | None = None, stats: dict | None = None, note: str | None = None, ended_at: datetime | None = None) -> None:
        from .progress import scrub

        error = scrub(error)  # the ledger is cached by CI and shown by `bot runs`: never a secret in it
        if outcome not in OUTCOMES or outcome == "running":
            raise ValueError(f"unknown final outcome {outcome!r}")
        stats = stats or {}
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET outcome=?, ended_at=?, error=?, reads=?, writes=?, retries=?, rate_limited=?, note=COALESCE(?, note) WHERE id=?",
                (
                    outcome,
                    _iso(ended_at or self.clock.now()),
                    error,
                    int(stats.get("reads", 0)),
                    int(stats.get("writes", 0)),
                    int(stats.get("retries", 0)),
                    int(stats.get("rate_limited", 0)),
                    note,
                    run_id,
                ),
            )

    def reap(self) -> int:
        """Mark runs left 'running' by a process that no longer exists as interrupted."""
        host = socket.gethostname()
        reaped = 0
        with self._connect() as db:
            rows = db.execute("SELECT id, host, pid FROM runs WHERE outcome='running'").fetchall()
            for run_id, run_host, pid in rows:
                if run_host == host and not _pid_alive(pid):
                    db.execute(
                        "UPDATE runs SET outcome='interrupted', error=COALESCE(error, 'the process ended without recording an outcome (killed?)') WHERE id=?",
                        (run_id,),
                    )
                    reaped += 1
        return reaped

    # ------------------------------------------------------------------ reading
    def _rows(self, where: str = "", params: tuple = (), limit: int | None = None, with_variants: bool = True) -> list[RunRow]:
        sql = "SELECT id, trigger, scheduled_for, started_at, ended_at, outcome, error, reads, writes, retries, rate_limited, host, pid, note FROM runs"
        if where:
            sql += " WHERE " + where
        sql += " ORDER BY id DESC"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as db:
            rows = [
                RunRow(r[0], r[1], _parse(r[2]), _parse(r[3]), _parse(r[4]), r[5], r[6], r[7], r[8], r[9], r[10], r[11], r[12], r[13])
                for r in db.execute(sql, params).fetchall()
            ]
            if with_variants and rows:
                ids = [r.id for r in rows]
                marks = ",".join("?" * len(ids))
                by_id = {r.id: r for r in rows}
                for v in db.execute(
                    "SELECT run_id, slug, week, lang, status, date, due_at, action, page_id, url, writes, content_sha256, detail"
                    f" FROM run_variants WHERE run_id IN ({marks}) ORDER BY rowid",
                    ids,
                ):
                    row = by_id[v[0]]
                    row.variants.append(VariantEntry(v[1], v[2], v[3], v[7], v[4], v[5], _parse(v[6]), v[8], v[9], v[10], v[11], v[12], v[0], row.started_at))
        return rows

    def runs(self, limit: int | None = 20) -> list[RunRow]:
        """Newest first."""
        return self._rows(limit=limit)

    def get(self, run_id: int) -> RunRow | None:
        rows = self._rows("id=?", (run_id,))
        return rows[0] if rows else None

    def last_due_check(self) -> RunRow | None:
        """The newest run that checked every variant (any outcome but still-running)."""
        marks = ",".join("?" * len(DUE_CHECK_TRIGGERS))
        rows = self._rows(f"trigger IN ({marks}) AND outcome != 'running'", DUE_CHECK_TRIGGERS, limit=1, with_variants=False)
        return rows[0] if rows else None

    def consecutive_failures(self) -> int:
        """How many of the newest finished due-check runs in a row did not succeed."""
        marks = ",".join("?" * len(DUE_CHECK_TRIGGERS))
        count = 0
        for row in self._rows(f"trigger IN ({marks}) AND outcome != 'running'", DUE_CHECK_TRIGGERS, limit=100, with_variants=False):
            if row.outcome == "success":
                break
            count += 1
        return count

    def last_published(self) -> dict[str, VariantEntry]:
        """slug -> the newest entry where the variant was published (created/updated/unchanged)."""
        marks = ",".join("?" * len(PUBLISH_ACTIONS))
        out: dict[str, VariantEntry] = {}
        with self._connect() as db:
            for v in db.execute(
                "SELECT rv.run_id, rv.slug, rv.week, rv.lang, rv.status, rv.date, rv.due_at, rv.action, rv.page_id, rv.url, rv.writes, rv.content_sha256, rv.detail, r.started_at"
                f" FROM run_variants rv JOIN runs r ON r.id = rv.run_id WHERE rv.action IN ({marks}) ORDER BY rv.run_id, rv.rowid",
                PUBLISH_ACTIONS,
            ):
                out[v[1]] = VariantEntry(v[1], v[2], v[3], v[7], v[4], v[5], _parse(v[6]), v[8], v[9], v[10], v[11], v[12], v[0], _parse(v[13]))
        return out


# ---------------------------------------------------------------------- recording a run
class RunInterrupted(BaseException):
    """Raised inside a run when SIGTERM/SIGINT asked it to stop.

    A BaseException (like KeyboardInterrupt) so that no ``except Exception`` in the engine
    swallows it; the lock's and the ledger's ``finally`` blocks still run.
    """


class RunRecorder:
    """Handle given to the body of ``record_run``."""

    def __init__(self, ledger: Ledger, run_id: int):
        self.ledger = ledger
        self.id = run_id
        self._session = None
        self._stats: dict | None = None
        self.entries: list[VariantEntry] = []
        self.failure: str | None = None
        self.note: str | None = None

    def attach(self, session) -> None:
        """Request counts are read from ``session.api.stats`` when the run ends."""
        self._session = session

    def set_stats(self, stats: dict) -> None:
        self._stats = dict(stats)

    def add(self, entries: list[VariantEntry]) -> None:
        self.entries.extend(entries)
        self.ledger.add_variants(self.id, entries)

    def add_results(self, results) -> None:
        """Record the engine's ``VariantResult`` list (from ``Publisher.publish_group``)."""
        self.add([entry_for_result(r) for r in results])

    def fail(self, message: str) -> None:
        """Mark the run failed without raising (e.g. one week drifted, the others went out)."""
        self.failure = message if not self.failure else f"{self.failure}\n{message}"

    def stats(self) -> dict:
        if self._session is not None:
            return self._session.api.stats.to_dict()
        return self._stats or {}


def entry_for_result(result) -> VariantEntry:
    v = result.variant
    return VariantEntry(
        slug=v.slug,
        week=v.week,
        lang=v.lang,
        action=result.action,
        status=v.front.status,
        date=str(v.front.date),
        page_id=result.plan.page_id,
        url=result.plan.url,
        writes=result.writes,
        content_sha256=content_hash(v.path),
    )


@contextmanager
def record_run(
    state_dir: Path,
    trigger: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    scheduled_for: datetime | None = None,
    note: str | None = None,
    ledger: Ledger | None = None,
) -> Iterator[RunRecorder]:
    """Record one run in the ledger; the outcome follows from how the body ends.

    * normal exit → ``success`` (``failed`` if ``recorder.fail(...)`` was called)
    * ``LockBusyError`` → ``skipped-locked``
    * ``RunInterrupted`` / ``KeyboardInterrupt`` / ``SystemExit`` → ``interrupted``
    * any other exception → ``failed`` with the error message

    Exceptions are re-raised, so wrapping existing code changes nothing else about it.
    """
    ledger = ledger or Ledger.for_state_dir(state_dir, clock)
    recorder = RunRecorder(ledger, ledger.start(trigger, scheduled_for=scheduled_for, note=note))
    try:
        yield recorder
    except LockBusyError as exc:
        ledger.finish(recorder.id, "skipped-locked", error=str(exc), stats=recorder.stats(), note=recorder.note)
        raise
    except (RunInterrupted, KeyboardInterrupt, SystemExit) as exc:
        ledger.finish(recorder.id, "interrupted", error=str(exc) or type(exc).__name__, stats=recorder.stats(), note=recorder.note)
        raise
    except BaseException as exc:
        ledger.finish(recorder.id, "failed", error=_describe(exc), stats=recorder.stats(), note=recorder.note)
        raise
    else:
        outcome = "failed" if recorder.failure else "success"
        ledger.finish(recorder.id, outcome, error=recorder.failure, stats=recorder.stats(), note=recorder.note)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, BotError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def dumps(rows: list[RunRow]) -> str:
    return json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2)
