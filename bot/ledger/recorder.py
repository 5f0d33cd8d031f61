"""Recording one run in the ledger: `record_run` opens the run's row, its body adds the
variants' entries, and how the body ends decides the outcome. Recording never stops a run.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Callable, Iterator

from ..clock import SYSTEM_CLOCK, Clock
from ..errors import BotError, LockBusyError, LockLostError, RunInterrupted
from .runs import LedgerError, RunRow, SqlLedger, VariantEntry, content_hash, log_warning
from .sqlite import Ledger


class RunRecorder:
    """Handle given to the body of ``record_run``.

    Recording never stops a run: when the ledger cannot be written (``id`` None when the run
    could not even be started in it), the problem is reported once through ``warn`` and the
    run goes on.
    """

    def __init__(self, ledger: SqlLedger | None, run_id: int | None, warn: Callable[[str], None] = log_warning):
        self.ledger = ledger
        self.id = run_id
        self.warn = warn
        self._session = None
        self.entries: list[VariantEntry] = []
        self.failure: str | None = None
        self.note: str | None = None
        self.done_by: RunRow | None = None  # set by `already_done`
        self._warned = False

    def attach(self, session) -> None:
        """Request counts are read from ``session.api.stats`` when the run ends."""
        self._session = session

    def add(self, entries: list[VariantEntry]) -> None:
        self.entries.extend(entries)
        self._write(lambda: self.ledger.add_variants(self.id, entries))

    def add_results(self, results) -> None:
        """Record the engine's ``VariantResult`` list (from ``Publisher.publish_group``)."""
        self.add([entry_for_result(r) for r in results])

    def fail(self, message: str) -> None:
        """Mark the run failed without raising (e.g. one week drifted, the others went out)."""
        self.failure = message if not self.failure else f"{self.failure}\n{message}"

    def already_done(self, row: RunRow) -> None:
        """Another run did this run's work (found under the lock): it ends ``already-done``."""
        self.done_by = row
        self.note = f"already done by run #{row.id} on {row.host or 'another host'} at {row.started_at.isoformat(timespec='seconds')}"

    def stats(self) -> dict:
        if self._session is not None:
            return self._session.api.stats.to_dict()
        return {}

    def finish(self, outcome: str, error: str | None = None) -> None:
        self._write(lambda: self.ledger.finish(self.id, outcome, error=error, stats=self.stats(), note=self.note))

    def _write(self, write: Callable[[], None]) -> None:
        if self.ledger is None or self.id is None:
            return
        try:
            write()
        except LedgerError as exc:
            if not self._warned:
                self.warn(f"{exc}; this run is not fully recorded")
                self._warned = True


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
        series=v.front.series,
    )


@contextmanager
def record_run(
    state_dir: Path,
    trigger: str,
    *,
    clock: Clock = SYSTEM_CLOCK,
    scheduled_for: datetime | None = None,
    note: str | None = None,
    ledger: SqlLedger | None = None,
    opener: Callable[[], SqlLedger] | None = None,
    warn: Callable[[str], None] = log_warning,
) -> Iterator[RunRecorder]:
    """Record one run in the ledger; the outcome follows from how the body ends.

    * normal exit → ``success`` (``failed`` if ``recorder.fail(...)`` was called,
      ``already-done`` if ``recorder.already_done(...)`` was)
    * ``LockBusyError`` → ``skipped-locked``
    * ``LockLostError`` → ``interrupted`` (error "lock lost: …")
    * ``RunInterrupted`` / ``KeyboardInterrupt`` / ``SystemExit`` → ``interrupted``
    * any other exception → ``failed`` with the error message

    Exceptions are re-raised, so wrapping existing code changes nothing else about it. A
    ledger that cannot be written does not stop the run (see ``RunRecorder``). Without
    `ledger`, `opener()` opens one (default: runs.sqlite3 in `state_dir`).
    """
    opener = opener or (lambda: Ledger.for_state_dir(state_dir, clock, warn=warn))
    recorder = _begin(trigger, scheduled_for, note, ledger, opener, warn)
    try:
        yield recorder
    except LockBusyError as exc:
        recorder.finish("skipped-locked", str(exc))
        raise
    except LockLostError as exc:
        recorder.finish("interrupted", str(exc))
        raise
    except (RunInterrupted, KeyboardInterrupt, SystemExit) as exc:
        recorder.finish("interrupted", str(exc) or type(exc).__name__)
        raise
    except BaseException as exc:
        recorder.finish("failed", _describe(exc))
        raise
    else:
        outcome = "failed" if recorder.failure else "already-done" if recorder.done_by else "success"
        recorder.finish(outcome, recorder.failure)


def _begin(trigger, scheduled_for, note, ledger, opener, warn) -> RunRecorder:
    try:
        ledger = ledger or opener()
        return RunRecorder(ledger, ledger.start(trigger, scheduled_for=scheduled_for, note=note), warn)
    except LedgerError as exc:
        warn(f"{exc}; this run is not recorded")
        return RunRecorder(None, None, warn)


def _describe(exc: BaseException) -> str:
    text = str(exc).strip()
    if isinstance(exc, BotError):
        return text or type(exc).__name__
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
