"""One due-check run: publish every due variant with the usual engine.

The due rule itself lives in `bot.due_rule` (shared with `bot publish`); the scheduler looks at
every minute boundary, so a page goes live within the minute of its date.

A due variant whose page is already up to date costs only reads: the engine writes nothing
when nothing differs. A waiting variant is not touched even if its page exists already
(e.g. its date was moved to the future after it went out): the engine never unpublishes.
"""

from __future__ import annotations

import logging
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Callable, Iterator
from zoneinfo import ZoneInfo

from ..due_rule import became_due, due_at, is_due, waiting_until  # noqa: F401 - re-exported
from ..clock import SYSTEM_CLOCK, Clock
from ..engine.observer import Observer
from ..errors import BotError, ContentError, DriftError, DuplicatePagesError, ExitStatus, LockBusyError, LockLostError
from ..ledger.lock import SCHEDULED_LOCK_WAIT
from ..settings import Settings
from ..source import Variant
from ..ledger.backend import open_ledger
from ..engine.run import StoppableClock, failed_entry, stop_between_requests
from ..ledger.recorder import RunRecorder
from ..ledger.runs import SqlLedger, RunInterrupted, VariantEntry, content_hash

log = logging.getLogger("bot.schedule")

DEFAULT_LOCK_WAIT = SCHEDULED_LOCK_WAIT


@dataclass
class RunResult:
    run_id: int
    trigger: str
    outcome: str  # success / failed / interrupted / skipped-locked
    error: str | None = None
    entries: list[VariantEntry] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    next_due: datetime | None = None  # the soonest waiting variant, if any
    note: str | None = None
    lock_lost: bool = False  # interrupted because the publish lock was lost (exit 3)

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.action] = counts.get(e.action, 0) + 1
        if self.outcome == "already-done":
            return self.note or "already done by another run"
        parts = [f"{n} {action}" for action, n in sorted(counts.items())] or [
            "nothing to do" if self.outcome == "success" else "no variant finished"
        ]
        req = self.stats
        text = f"{', '.join(parts)}; {req.get('reads', 0)} reads, {req.get('writes', 0)} writes, {req.get('retries', 0)} retries"
        return text

    @property
    def exit_code(self) -> int:
        if self.lock_lost:
            return ExitStatus.LOCK_BUSY
        return {
            "success": ExitStatus.SUCCESS,
            "already-done": ExitStatus.SUCCESS,
            "failed": ExitStatus.ERROR,
            "skipped-locked": ExitStatus.LOCK_BUSY,
            "interrupted": ExitStatus.INTERRUPTED,
        }[self.outcome]


class DueRunner:
    """One due-check run at a time: lock, read content, publish what is due, record it all.

    ``stop`` (a ``threading.Event``) asks a run in progress to stop: the request in flight
    completes, waits are cut short, nothing more is sent; the lock is released and the run
    is recorded as ``interrupted``. The next run re-reads Notion and converges.
    """

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        ledger: SqlLedger | None = None,
        session_factory: Callable[[Settings, Clock], object] | None = None,
        lock_wait: float = DEFAULT_LOCK_WAIT,
        on_drift: str = "fail",
        stop: threading.Event | None = None,
        progress: Callable[[str], None] | None = None,
        series: list[str] | None = None,
    ):
        self.settings = settings
        self.series = set(series) if series else None  # None: every series
        self.clock = clock
        self.progress = progress or (lambda message: None)
        self.ledger = ledger or open_ledger(settings, clock, warn=self._warn)
        self.session_factory = session_factory
        self.lock_wait = lock_wait
        self.on_drift = on_drift
        self.stop = stop or threading.Event()

    def _warn(self, message: str) -> None:
        self.progress(f"warning: {message}")

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def run(self, trigger: str, *, scheduled_for: datetime | None = None, note: str | None = None) -> RunResult:
        """Never raises for a failed run: the outcome is in the result and in the ledger."""
        result = RunResult(0, trigger, "running")
        recorder: list[RunRecorder] = []

        def started(rec: RunRecorder) -> None:
            recorder.append(rec)
            result.run_id = rec.id
            self.progress(f"run #{rec.id} ({trigger}) started")

        try:
            self.ledger.reap()
            run = self._publish_due(trigger, scheduled_for, note, started, result)
            for failure in run.failures:
                self.progress(f"{failure.group[0].week}: failed: {failure.error}")
            for warning in run.warnings:
                self.progress(f"warning: {warning}")
            rec = recorder[0]
            result.outcome = "failed" if rec.failure else "already-done" if rec.done_by else "success"
            result.error, result.note = rec.failure, rec.note
        except LockBusyError as exc:
            result.outcome, result.error = "skipped-locked", str(exc)
        except LockLostError as exc:
            result.outcome, result.error, result.lock_lost = "interrupted", str(exc), True
        except (RunInterrupted, KeyboardInterrupt) as exc:
            result.outcome, result.error = "interrupted", str(exc) or type(exc).__name__
        except BotError as exc:
            result.outcome, result.error = "failed", str(exc)
        except Exception as exc:  # a bug or an unexpected failure: recorded, the service lives on
            log.exception("run #%s failed unexpectedly", result.run_id)
            result.outcome, result.error = "failed", f"{type(exc).__name__}: {exc}"
        finally:
            if recorder:
                result.entries = list(recorder[0].entries)
                result.stats = recorder[0].stats()
        return result

    @contextmanager
    def _lock(self) -> Iterator[object]:
        """The publish lock, polled in short slices so a stop request is not held up."""
        from ..ledger.backend import publish_lock

        waited = 0.0
        while True:
            StoppableClock(self.clock, self.stop).check()
            slice_ = min(1.0, max(0.0, self.lock_wait - waited))
            try:
                held = publish_lock(self.settings, wait=slice_)
                guard = held.__enter__()
                break
            except LockBusyError:
                waited += slice_
                if waited >= self.lock_wait:
                    raise
        try:
            yield guard
        finally:
            held.__exit__(None, None, None)

    def _publish_due(self, trigger, scheduled_for, note, started, result: RunResult):
        from ..engine.publish import PublishOptions, group_by_week
        from ..engine.run import PublishRequest, run_publish

        clock = StoppableClock(self.clock, self.stop)

        def select(variants: list[Variant], rec: RunRecorder) -> list[list[Variant]]:
            """Read under the lock: what is due now; what waits is recorded as waiting.
            Work another run (another replica) did meanwhile is not done twice."""
            done = self._done_by(trigger, scheduled_for)
            if done is not None:
                rec.already_done(done)
                self.progress(f"{_slot(trigger)} {scheduled_for.isoformat(timespec='minutes')}: {rec.note}")
                return []
            now = self.clock.now()
            if self.series is not None:
                variants = [v for v in variants if v.front.series in self.series]
            waiting = waiting_until(variants, now, self.zone)
            result.next_due = waiting[0][0] if waiting else None
            due = [v for v in variants if is_due(v, now, self.zone)]
            self.progress(
                f"due now: {len(due)} variant(s)"
                + (f" ({', '.join(v.slug for v in due)})" if due else "")
                + f"; waiting: {len(waiting)}"
            )
            if waiting:
                rec.add([_waiting_entry(v, moment) for moment, v in waiting])
                for moment, v in waiting:
                    self.progress(f"{v.slug}: waiting until {moment.isoformat(timespec='minutes')}")
            return self._valid_weeks(group_by_week([v for v in variants if is_due(v, now, self.zone)]), rec)

        return run_publish(
            self.settings,
            PublishRequest(
                select,
                trigger=trigger,
                scheduled_for=scheduled_for,
                note=note,
                ledger=self.ledger,
                lock=self._lock,
                clock=clock,
                session_factory=self.session_factory,
                isolate=(DriftError, DuplicatePagesError, ContentError),
            ),
            PublishOptions(on_drift=self.on_drift),
            _DueRunWatch(self, started, stop_between_requests(clock)),
        )

    def _valid_weeks(self, groups: list[list[Variant]], rec: RunRecorder) -> list[list[Variant]]:
        """The rule table holds for scheduled runs too: a week `bot validate` finds errors in is
        not published (recorded failed); the other weeks go out."""
        from ..editor.validate import preflight

        ready = []
        for group in groups:
            try:
                preflight(self.settings, group)
            except ContentError as exc:
                first = exc.problems[0]
                message = f"{len(exc.problems)} problem(s) in content (`bot validate`), first: {first}"
                rec.add([failed_entry(v, message) for v in group])
                rec.fail(f"{group[0].week}: {message}")
                self.progress(f"{group[0].week}: not published: {message}")
                continue
            ready.append(group)
        return ready

    def _done_by(self, trigger: str, scheduled_for: datetime | None):
        """The run that already did what this one was started for, if any: for a slot (or a
        date that arrived) at `scheduled_for`, any due-check run that started at or after it
        and succeeded, on any host sharing the ledger. Asked under the publish lock, after
        the previous holder recorded its outcome, so replicas publish each slot once."""
        if trigger not in SLOT_TRIGGERS or scheduled_for is None:
            return None
        return self.ledger.done_since(scheduled_for)


SLOT_TRIGGERS = ("schedule", "catch-up", "due")  # runs started for a moment (retry, run-due: always run)


class _DueRunWatch(Observer):
    """A due-check run's events: its progress in the scheduler's log, ledger trouble as its
    warnings, the run's number once recorded (`started`), no request once a stop was asked
    for, and a longer wait for Notion's budget (no one waits at a terminal)."""

    def __init__(self, runner: DueRunner, started: Callable, stop_hook: Callable):
        self.runner, self.started, self.stop_hook = runner, started, stop_hook

    def on_run_started(self, recorder) -> None:
        self.started(recorder)

    def on_session(self, session) -> None:
        self.stop_hook(session)
        settings, retry = self.runner.settings, session.api.retry
        if settings.bot_scheduled_max_retry_wait > retry.max_wait:
            retry.max_wait, retry.max_wait_setting = (
                settings.bot_scheduled_max_retry_wait,
                "BOT_SCHEDULED_MAX_RETRY_WAIT",
            )

    def on_progress(self, message: str) -> None:
        self.runner.progress(message)

    def on_warning(self, message: str) -> None:
        self.runner._warn(message)


def _slot(trigger: str) -> str:
    return {"due": "date"}.get(trigger, "slot")


def _waiting_entry(v: Variant, moment: datetime) -> VariantEntry:
    return VariantEntry(
        v.slug,
        v.week,
        v.lang,
        "waiting",
        v.front.status,
        str(v.front.date),
        moment,
        content_sha256=content_hash(v.path),
        detail=f"waiting until {moment.isoformat()}",
        series=v.front.series,
    )


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
