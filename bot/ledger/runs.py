"""The run ledger: one row per publishing run (manual or scheduled) — its rows, and the SQL
both stores share (`SqlLedger`): SQLite in BOT_STATE_DIR/runs.sqlite3 (bot.ledger.sqlite) and
PostgreSQL (bot.ledger.postgres). Recording a run: bot.ledger.recorder.

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
import logging
import os
import socket
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from ..clock import SYSTEM_CLOCK, Clock
from ..errors import BotError
from ..errors import RunInterrupted  # noqa: F401  (defined with the other errors; re-exported: a CLI imports it without sqlite3)

log = logging.getLogger("bot.runs")

TRIGGERS = ("schedule", "catch-up", "due", "retry", "run-due", "manual")
# Runs that check every variant for being due (a manual `bot publish` publishes a selection).
DUE_CHECK_TRIGGERS = ("schedule", "catch-up", "due", "retry", "run-due")
OUTCOMES = ("running", "success", "failed", "interrupted", "skipped-locked", "already-done")
# Outcomes that count as the work done: "already-done" is a run that found, under the lock,
# that another run (on any host sharing the ledger) had published what it was started for.
SUCCESSFUL = ("success", "already-done")
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


def _parse(value) -> datetime | None:
    """ISO text (SQLite) or a datetime (PostgreSQL's timestamptz) -> an aware datetime."""
    if not value:
        return None
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def log_warning(message: str) -> None:
    log.warning("%s", message)


def content_hash(path: Path) -> str | None:
    try:
        return hashlib.sha256(Path(path).read_bytes()).hexdigest()
    except OSError:
        return None


def series_of_slug(slug: str, lang: str) -> str | None:
    """The series of a series-lang-week slug (what a ledger row from before the series column says)."""
    head, found, _ = slug.rpartition(f"-{lang}-")
    return head if found and head else None


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
    series: str | None = None  # recorded since series have mappings of their own; older rows: from the slug

    def __post_init__(self) -> None:
        if self.series is None:
            self.series = series_of_slug(self.slug, self.lang)

    def to_dict(self) -> dict:
        return {
            "series": self.series,
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

    @property
    def series(self) -> list[str]:
        """The series of the run's variants."""
        return sorted({v.series for v in self.variants if v.series})

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
            "series": self.series,
            "requests": {
                "reads": self.reads,
                "writes": self.writes,
                "retries": self.retries,
                "rate_limited": self.rate_limited,
            },
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


DEAD_RUN = "the process ended without recording an outcome (killed?)"
RUN_COLUMNS = "id, trigger, scheduled_for, started_at, ended_at, outcome, error, reads, writes, retries, rate_limited, host, pid, note"
VARIANT_COLUMNS = "slug, week, lang, status, date, due_at, action, page_id, url, writes, content_sha256, detail, series"


def _variant_entry(v, started_at) -> "VariantEntry":
    """A `run_id, VARIANT_COLUMNS…` row as the entry the ledger reads back."""
    return VariantEntry(
        v[1], v[2], v[3], v[7], v[4], v[5], _parse(v[6]), v[8], v[9], v[10], v[11], v[12], v[0], started_at, v[13]
    )


class LedgerError(BotError):
    """The run ledger cannot be read or written (the message says where and why)."""


class LedgerCorruptError(LedgerError):
    """The ledger file is not a (whole) SQLite database any more."""

    hint = "the next publishing run moves the damaged file aside and starts a new ledger; or move it away yourself"


class SqlLedger:
    """The run ledger's SQL, shared by both stores: SQLite in the state dir (`Ledger`) and
    PostgreSQL shared by every host (`bot.ledger.postgres.PostgresLedger`, BOT_DATABASE_URL).

    A store provides `_connect()` (a connection inside one transaction whose `execute` takes
    `?` placeholders), how it stores timestamps, and how it orders run_variants rows.
    """

    where: str = "?"  # shown to users: a file path or a database URL without its password
    read_only: bool = False
    variant_order = "rowid"
    clock: Clock = SYSTEM_CLOCK

    def _connect(self):  # pragma: no cover - every store implements it
        raise NotImplementedError

    def _ts(self, dt: datetime | None):
        return _iso(dt) if dt else None

    def _new_run_values(self, db) -> dict:
        return {"host": socket.gethostname(), "pid": os.getpid()}

    def _has_tables(self, db) -> bool:
        return True

    # ------------------------------------------------------------------ writing
    def start(
        self,
        trigger: str,
        *,
        scheduled_for: datetime | None = None,
        note: str | None = None,
        started_at: datetime | None = None,
    ) -> int:
        if trigger not in TRIGGERS:
            raise ValueError(f"unknown trigger {trigger!r}; expected one of {TRIGGERS}")
        from ..progress import scrub

        started = started_at or self.clock.now()
        with self._connect() as db:
            values = {
                "trigger": trigger,
                "scheduled_for": self._ts(scheduled_for),
                "started_at": self._ts(started),
                "outcome": "running",
                "note": scrub(note),
                **self._new_run_values(db),
            }
            names = ", ".join(values)
            marks = ", ".join("?" * len(values))
            return int(
                db.execute(
                    f"INSERT INTO runs({names}) VALUES ({marks}) RETURNING id", tuple(values.values())
                ).fetchone()[0]
            )

    def add_variants(self, run_id: int, entries: list[VariantEntry]) -> None:
        from ..progress import scrub

        if not entries:
            return
        with self._connect() as db:
            db.executemany(
                f"INSERT INTO run_variants(run_id, {VARIANT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    (
                        run_id,
                        e.slug,
                        e.week,
                        e.lang,
                        e.status,
                        e.date,
                        self._ts(e.due_at),
                        e.action,
                        e.page_id,
                        scrub(e.url),
                        e.writes,
                        e.content_sha256,
                        scrub(e.detail),
                        e.series,
                    )
                    for e in entries
                ],
            )

    def finish(
        self,
        run_id: int,
        outcome: str,
        *,
        error: str | None = None,
        stats: dict | None = None,
        note: str | None = None,
        ended_at: datetime | None = None,
    ) -> None:
        from ..progress import scrub

        error, note = (
            scrub(error),
            scrub(note),
        )  # the ledger is cached by CI and shown by `bot runs`: never a secret in it
        if outcome not in OUTCOMES or outcome == "running":
            raise ValueError(f"unknown final outcome {outcome!r}")
        stats = stats or {}
        with self._connect() as db:
            db.execute(
                "UPDATE runs SET outcome=?, ended_at=?, error=?, reads=?, writes=?, retries=?, rate_limited=?, note=COALESCE(?, note) WHERE id=?",
                (
                    outcome,
                    self._ts(ended_at or self.clock.now()),
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
        """Mark runs left 'running' by a process that no longer exists as interrupted.
        A read-only ledger writes nothing: readers show such runs as interrupted instead."""
        if self.read_only:
            return 0
        with self._connect() as db:
            rows = db.execute("SELECT id, host, pid FROM runs WHERE outcome='running'").fetchall()
            dead = [run_id for run_id, host, pid in rows if self._dead(db, run_id, host, pid)]
            for run_id in dead:
                db.execute(
                    "UPDATE runs SET outcome='interrupted', error=COALESCE(error, ?) WHERE id=?", (DEAD_RUN, run_id)
                )
        return len(dead)

    def _dead(self, db, run_id: int, host: str | None, pid: int | None) -> bool:
        """Only this host can tell whether one of its processes is gone."""
        return host == socket.gethostname() and not _pid_alive(pid)

    # ------------------------------------------------------------------ reading
    def _rows(
        self,
        where: str = "",
        params: tuple = (),
        limit: int | None = None,
        with_variants: bool = True,
        order: str = "id DESC",
    ) -> list[RunRow]:
        sql = f"SELECT {RUN_COLUMNS} FROM runs"
        if where:
            sql += " WHERE " + where
        sql += f" ORDER BY {order}"
        if limit is not None:
            sql += f" LIMIT {int(limit)}"
        with self._connect() as db:
            if not self._has_tables(db):
                return []
            rows = [
                RunRow(
                    r[0],
                    r[1],
                    _parse(r[2]),
                    _parse(r[3]),
                    _parse(r[4]),
                    r[5],
                    r[6],
                    r[7],
                    r[8],
                    r[9],
                    r[10],
                    r[11],
                    r[12],
                    r[13],
                )
                for r in db.execute(sql, params).fetchall()
            ]
            for row in rows:
                if row.outcome == "running" and self._dead(db, row.id, row.host, row.pid):
                    row.outcome, row.error = "interrupted", row.error or DEAD_RUN  # as reap() would record it
            if with_variants and rows:
                ids = [r.id for r in rows]
                marks = ",".join("?" * len(ids))
                by_id = {r.id: r for r in rows}
                for v in db.execute(
                    f"SELECT run_id, {VARIANT_COLUMNS} FROM run_variants WHERE run_id IN ({marks}) ORDER BY {self.variant_order}",
                    tuple(ids),
                ):
                    row = by_id[v[0]]
                    row.variants.append(_variant_entry(v, row.started_at))
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
        rows = self._rows(
            f"trigger IN ({marks}) AND outcome != 'running'", DUE_CHECK_TRIGGERS, limit=1, with_variants=False
        )
        return rows[0] if rows else None

    def done_since(self, moment: datetime) -> RunRow | None:
        """The first due-check run that started at or after `moment` and succeeded, on any
        host sharing this ledger: the work due at `moment` is done (it published what
        content/ held then or later)."""
        marks = ",".join("?" * len(DUE_CHECK_TRIGGERS))
        rows = self._rows(
            f"trigger IN ({marks}) AND outcome = 'success' AND started_at >= ?",
            (*DUE_CHECK_TRIGGERS, self._ts(moment)),
            limit=1,
            with_variants=False,
            order="started_at, id",
        )
        return rows[0] if rows else None

    def consecutive_failures(self) -> int:
        """How many of the newest finished due-check runs in a row did not succeed."""
        marks = ",".join("?" * len(DUE_CHECK_TRIGGERS))
        count = 0
        for row in self._rows(
            f"trigger IN ({marks}) AND outcome != 'running'", DUE_CHECK_TRIGGERS, limit=100, with_variants=False
        ):
            if row.outcome in SUCCESSFUL:
                break
            count += 1
        return count

    def last_published(self) -> dict[str, VariantEntry]:
        """slug -> the newest entry where the variant was published (created/updated/unchanged)."""
        marks = ",".join("?" * len(PUBLISH_ACTIONS))
        out: dict[str, VariantEntry] = {}
        columns = ", ".join(f"rv.{c}" for c in VARIANT_COLUMNS.split(", "))
        with self._connect() as db:
            if not self._has_tables(db):
                return out
            for v in db.execute(
                f"SELECT rv.run_id, {columns}, r.started_at"
                f" FROM run_variants rv JOIN runs r ON r.id = rv.run_id WHERE rv.action IN ({marks}) ORDER BY rv.run_id, rv.{self.variant_order}",
                PUBLISH_ACTIONS,
            ):
                out[v[1]] = _variant_entry(v, _parse(v[14]))
        return out


def dumps(rows: list[RunRow]) -> str:
    return json.dumps([r.to_dict() for r in rows], ensure_ascii=False, indent=2)
