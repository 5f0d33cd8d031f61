"""What is due, and one due-check run: publish every due variant with the usual engine.

The due rule (documented in README → Scheduled publishing):

* ``status: Published`` with a ``date`` in the future (in BOT_TIMEZONE) **waits**: its page is
  neither created nor updated before that moment, so a finished issue can sit in content/
  and go live on its date. A date without a time means midnight. The scheduler looks at
  every minute boundary, so a page goes live within the minute of its date.
* ``status: Published`` dated now or in the past is **due**: created or updated.
* ``Draft`` and ``Invisible`` are **due** whatever their date: they are synced as they are
  (the blog hides them), so editors can preview them in Notion.

A due variant whose page is already up to date costs only reads: the engine writes nothing
when nothing differs. A waiting variant is not touched even if its page exists already
(e.g. its date was moved to the future after it went out): the engine never unpublishes.
"""

from __future__ import annotations

import logging
import threading
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import date, datetime, time, timezone
from typing import Callable
from zoneinfo import ZoneInfo

from ..clock import SYSTEM_CLOCK, Clock, SystemClock
from ..errors import BotError, ContentError, DriftError, DuplicatePagesError, LockBusyError
from ..settings import Settings
from ..source import Variant
from .ledger import Ledger, RunInterrupted, VariantEntry, content_hash, entry_for_result, record_run

log = logging.getLogger("bot.schedule")

DEFAULT_LOCK_WAIT = 60.0  # seconds a scheduled run waits for a manual `bot publish` to finish


def due_at(variant: Variant, zone: ZoneInfo) -> datetime | None:
    """When the variant may go live; None when it never waits (Draft, Invisible)."""
    if variant.front.status != "Published":
        return None
    value = variant.front.date
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), zone)
    return None


def is_due(variant: Variant, now: datetime, zone: ZoneInfo) -> bool:
    moment = due_at(variant, zone)
    return moment is None or moment <= now


def waiting_until(variants: list[Variant], now: datetime, zone: ZoneInfo) -> list[tuple[datetime, Variant]]:
    """Variants that wait, soonest first."""
    out = [(due_at(v, zone), v) for v in variants if not is_due(v, now, zone)]
    return sorted(out, key=lambda pair: (pair[0], pair[1].slug))


def became_due(variants: list[Variant], after: datetime, now: datetime, zone: ZoneInfo) -> list[tuple[datetime, Variant]]:
    """Variants whose date fell in (after, now]."""
    out = []
    for v in variants:
        moment = due_at(v, zone)
        if moment is not None and after < moment <= now:
            out.append((moment, v))
    return sorted(out, key=lambda pair: (pair[0], pair[1].slug))


class StoppableClock:
    """Wraps a clock so that sleeping (pacing, Retry-After, back-off) ends at once on stop."""

    def __init__(self, base: Clock, stop: threading.Event):
        self.base = base
        self.stop = stop

    def monotonic(self) -> float:
        return self.base.monotonic()

    def now(self) -> datetime:
        return self.base.now()

    def sleep(self, seconds: float) -> None:
        self.check()
        if isinstance(self.base, SystemClock):
            if seconds > 0 and self.stop.wait(seconds):
                raise RunInterrupted("stop requested while waiting")
        else:
            self.base.sleep(seconds)
        self.check()

    def check(self) -> None:
        if self.stop.is_set():
            raise RunInterrupted("stop requested")


@dataclass
class RunResult:
    run_id: int
    trigger: str
    outcome: str  # success / failed / interrupted / skipped-locked
    error: str | None = None
    entries: list[VariantEntry] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    next_due: datetime | None = None  # the soonest waiting variant, if any

    @property
    def ok(self) -> bool:
        return self.outcome == "success"

    def summary(self) -> str:
        counts: dict[str, int] = {}
        for e in self.entries:
            counts[e.action] = counts.get(e.action, 0) + 1
        parts = [f"{n} {action}" for action, n in sorted(counts.items())] or ["nothing to do" if self.outcome == "success" else "no variant finished"]
        req = self.stats
        text = f"{', '.join(parts)}; {req.get('reads', 0)} reads, {req.get('writes', 0)} writes, {req.get('retries', 0)} retries"
        return text

    @property
    def exit_code(self) -> int:
        return {"success": 0, "failed": 1, "skipped-locked": 3, "interrupted": 130}[self.outcome]


SessionFactory = Callable[[Settings, Clock], object]


def _default_session(settings: Settings, clock: Clock):
    from ..session import open_session

    return open_session(settings, clock=clock)


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
        ledger: Ledger | None = None,
        session_factory: SessionFactory | None = None,
        lock_wait: float = DEFAULT_LOCK_WAIT,
        on_drift: str = "fail",
        stop: threading.Event | None = None,
        progress: Callable[[str], None] | None = None,
    ):
        self.settings = settings
        self.clock = clock
        self.ledger = ledger or Ledger.for_state_dir(settings.state_dir, clock)
        self.session_factory = session_factory or _default_session
        self.lock_wait = lock_wait
        self.on_drift = on_drift
        self.stop = stop or threading.Event()
        self.progress = progress or (lambda message: None)

    @property
    def zone(self) -> ZoneInfo:
        return self.settings.zone

    def run(self, trigger: str, *, scheduled_for: datetime | None = None, note: str | None = None) -> RunResult:
        """Never raises for a failed run: the outcome is in the result and in the ledger."""
        self.ledger.reap()
        result = RunResult(0, trigger, "running")
        try:
            with record_run(self.settings.state_dir, trigger, clock=self.clock, scheduled_for=scheduled_for, note=note, ledger=self.ledger) as rec:
                result.run_id = rec.id
                self.progress(f"run #{rec.id} ({trigger}) started")
                try:
                    self._run(rec, result)
                finally:
                    result.entries = list(rec.entries)
                    result.stats = rec.stats()
            result.outcome = "failed" if rec.failure else "success"
            result.error = rec.failure
        except LockBusyError as exc:
            result.outcome, result.error = "skipped-locked", str(exc)
        except (RunInterrupted, KeyboardInterrupt) as exc:
            result.outcome, result.error = "interrupted", str(exc) or type(exc).__name__
        except ContentError as exc:
            result.outcome, result.error = "failed", str(exc)
        except BotError as exc:
            result.outcome, result.error = "failed", str(exc)
        except Exception as exc:  # a bug or an unexpected failure: recorded, the service lives on
            log.exception("run #%s failed unexpectedly", result.run_id)
            result.outcome, result.error = "failed", f"{type(exc).__name__}: {exc}"
        return result

    def _acquire_lock(self, stack: ExitStack) -> None:
        """The publish lock, polled in short slices so a stop request is not held up."""
        from ..lock import publish_lock

        waited = 0.0
        while True:
            StoppableClock(self.clock, self.stop).check()
            slice_ = min(1.0, max(0.0, self.lock_wait - waited))
            try:
                stack.enter_context(publish_lock(self.settings.state_dir, wait=slice_))
                return
            except LockBusyError:
                waited += slice_
                if waited >= self.lock_wait:
                    raise

    def _run(self, rec, result: RunResult) -> None:
        from ..publish import PublishOptions, Publisher, group_by_week
        from ..source import read_all

        clock = StoppableClock(self.clock, self.stop)
        with ExitStack() as stack:
            self._acquire_lock(stack)
            now = self.clock.now()
            variants = read_all(self.settings.bot_content_dir)
            due = [v for v in variants if is_due(v, now, self.zone)]
            waiting = waiting_until(variants, now, self.zone)
            result.next_due = waiting[0][0] if waiting else None
            if waiting:
                rec.add([_waiting_entry(v, moment) for moment, v in waiting])
                for moment, v in waiting:
                    self.progress(f"{v.slug}: waiting until {moment.isoformat(timespec='minutes')}")
            if not due:
                return
            session = self.session_factory(self.settings, clock)
            stack.callback(session.close)
            rec.attach(session)
            previous_hook = session.api.on_request

            def after_request(method, path, status):
                if previous_hook:
                    previous_hook(method, path, status)
                clock.check()  # the request completed; stop before sending the next one

            session.api.on_request = after_request
            publisher = Publisher(session, variants, PublishOptions(on_drift=self.on_drift), progress=self.progress)
            for group in group_by_week(due):
                clock.check()
                try:
                    results = publisher.publish_group(group)
                except (DriftError, DuplicatePagesError, ContentError) as exc:
                    # This week needs a person; the other weeks still go out.
                    rec.add([_failed_entry(v, str(exc)) for v in group])
                    rec.fail(f"{group[0].week}: {exc}")
                    self.progress(f"{group[0].week}: failed: {exc}")
                    continue
                rec.add([entry_for_result(r) for r in results])
            for warning in getattr(session, "warnings", []):
                self.progress(f"warning: {warning}")


def _waiting_entry(v: Variant, moment: datetime) -> VariantEntry:
    return VariantEntry(v.slug, v.week, v.lang, "waiting", v.front.status, str(v.front.date), moment, content_sha256=content_hash(v.path), detail=f"waiting until {moment.isoformat()}")


def _failed_entry(v: Variant, message: str) -> VariantEntry:
    return VariantEntry(v.slug, v.week, v.lang, "failed", v.front.status, str(v.front.date), content_sha256=content_hash(v.path), detail=message)


def utc(dt: datetime) -> datetime:
    return dt.astimezone(timezone.utc)
