"""`bot schedule`: the foreground publishing service on APScheduler 3 (BlockingScheduler).

Jobs (all run on ONE worker thread, so runs of this process never overlap; the publish lock
keeps them from overlapping with a manual `bot publish` or another process):

* ``schedule`` — BOT_SCHEDULE (cron) in BOT_TIMEZONE: a due-check run.
* ``due-watch`` — every minute at second 0: reads content/ only (no Notion request) and
  starts a ``due`` run when a waiting variant's date has arrived, so a future-dated issue goes
  live within the minute of its date, not at the next cron slot.
* ``catch-up`` — once at start, when the ledger shows a slot missed while the service was
  down, or a last run that did not succeed, or a date that arrived meanwhile.
* ``retry`` — after a failed or lock-skipped run: back-off 5, 10, 20, 40, 60, 60 … minutes
  (by consecutive failures in the ledger) until a run succeeds.

Every decision uses the injected ``Clock`` and the ledger, never APScheduler's memory, so the
logic is tested with a virtual clock; APScheduler only provides the wake-ups.
"""

from __future__ import annotations

import logging
import signal
import threading
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Callable

from apscheduler.triggers.cron import CronTrigger

from ..clock import SYSTEM_CLOCK, Clock
from ..errors import ConfigError, ContentError
from ..settings import Settings
from ..due_rule import became_due, waiting_until
from .due_check import DueRunner, RunResult
from ..ledger.runs import SUCCESSFUL, SqlLedger

log = logging.getLogger("bot.schedule")

# APScheduler's default misfire_grace_time is 1 s: a wake-up that comes later than that (the
# machine was suspended, the clock was stepped, the worker was busy with a long run) is
# silently dropped. A late publish is always better than none — a run converges on whatever
# content/ holds at that moment — so we allow any lateness (None = no limit) and coalesce a
# backlog of missed fire times into ONE run (coalesce=True); max_instances=1 for each job.
# Downtime of the whole process is not APScheduler's business: catch-up reads the ledger.
MISFIRE_GRACE_TIME: int | None = None
COALESCE = True
RETRY_DELAYS = (300.0, 600.0, 1200.0, 2400.0, 3600.0)  # seconds, by consecutive failures; the last repeats
MAX_SLOTS_COUNTED = 10_000


def cron_trigger(expr: str, zone) -> CronTrigger:
    try:
        return CronTrigger.from_crontab(expr, timezone=zone)
    except ValueError as exc:
        raise ConfigError(
            f"setting BOT_SCHEDULE: {expr!r} is not a cron expression ({exc}); expected e.g. '0 7 * * sat'"
        ) from None


def _fire_times(trigger: CronTrigger, after: datetime):
    """Fire times strictly after ``after``, the way APScheduler's loop computes them (each one
    from the previous fire time), as aware datetimes in the trigger's zone. Across DST: a time
    in the skipped hour fires once, an hour later in wall time (same elapsed time); a time in
    the repeated hour fires at both of its instants."""
    previous, now = None, after + timedelta(microseconds=1)
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None:
            return
        if previous is not None and nxt <= previous:  # never yield the same instant twice
            now = previous + timedelta(seconds=1)
            previous = None
            continue
        yield nxt.astimezone(timezone.utc).astimezone(trigger.timezone)  # normalise wall time in a DST gap
        previous = now = nxt


def next_fire_times(expr: str, zone, after: datetime, count: int = 1) -> list[datetime]:
    """The next ``count`` fire times strictly after ``after``, aware in ``zone``."""
    out: list[datetime] = []
    for moment in _fire_times(cron_trigger(expr, zone), after):
        if len(out) >= count:
            break
        out.append(moment)
    return out


def slots_between(expr: str, zone, after: datetime, until: datetime) -> tuple[int, datetime | None]:
    """(how many fire times fall in (after, until], the newest of them)."""
    count, last = 0, None
    for moment in _fire_times(cron_trigger(expr, zone), after):
        if moment > until or count >= MAX_SLOTS_COUNTED:
            break
        count, last = count + 1, moment
    return count, last


@dataclass
class CatchUp:
    reason: str
    scheduled_for: datetime | None = None


def retry_delay(failures: int, delays: tuple[float, ...] = RETRY_DELAYS) -> float:
    return delays[min(max(failures, 1), len(delays)) - 1]


class ScheduleService:
    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock = SYSTEM_CLOCK,
        runner: DueRunner | None = None,
        say: Callable[[str], None] | None = None,
        retry_delays: tuple[float, ...] = RETRY_DELAYS,
        catch_up: bool = True,
    ):
        self.settings = settings
        self.clock = clock
        self.zone = settings.zone
        self.expr = settings.bot_schedule
        self.trigger = cron_trigger(self.expr, self.zone)
        self.say = say or (lambda message: None)
        self.stop = threading.Event()
        self.runner = runner or DueRunner(settings, clock=clock, stop=self.stop, progress=self.say)
        self.runner.stop = self.stop
        self.ledger: SqlLedger = self.runner.ledger
        self.retry_delays = retry_delays
        self.catch_up_enabled = catch_up
        self.scheduler = None
        self._run_mutex = threading.Lock()
        self._watch_from: datetime | None = None

    # ------------------------------------------------------------------ decisions (pure, clock-driven)
    def next_run(self, after: datetime | None = None) -> datetime | None:
        found = next_fire_times(self.expr, self.zone, after or self.clock.now(), 1)
        return found[0] if found else None

    def catch_up_needed(self, now: datetime | None = None) -> CatchUp | None:
        """Per the ledger: should a run happen right now because of downtime?"""
        now = now or self.clock.now()
        self.ledger.reap()
        last = self.ledger.last_due_check()
        if last is None:
            return None  # the service never ran here: nothing was missed
        since = last.started_at
        count, newest = slots_between(self.expr, self.zone, since, now)
        if count:
            return CatchUp(
                f"missed {count} scheduled run(s) since run #{last.id} at {self._fmt(since)} (latest slot {self._fmt(newest)})",
                newest,
            )
        if last.outcome not in SUCCESSFUL:
            return CatchUp(f"the last run #{last.id} ended {last.outcome}: retrying now")
        arrived = self._became_due(since, now)
        if arrived:
            moment, variant = arrived[-1]
            return CatchUp(f"{variant.slug} became due at {self._fmt(moment)} while the service was down", moment)
        return None

    def due_pending(self, now: datetime | None = None) -> list:
        """Variants whose date arrived since the last due-check run (or since the service started)."""
        now = now or self.clock.now()
        last = self.ledger.last_due_check()
        since = max(filter(None, [last.started_at if last else None, self._watch_from]), default=None)
        if since is None:
            return []
        return self._became_due(since, now)

    def _became_due(self, since: datetime, now: datetime) -> list:
        from ..series_registry import read_content

        try:
            variants = read_content(self.settings)  # every series, each file with its series' field names
        except ContentError:
            return []  # the next scheduled run records the problem
        return became_due(variants, since, now, self.zone)

    def _fmt(self, dt: datetime | None) -> str:
        return dt.astimezone(self.zone).isoformat(timespec="seconds") if dt else "-"

    # ------------------------------------------------------------------ running
    def run_job(self, trigger: str, scheduled_for: datetime | None = None) -> RunResult | None:
        """Body of every job. Runs of this process are serialised; a stop request wins."""
        if self.stop.is_set():
            return None
        with self._run_mutex:
            if self.stop.is_set():
                return None
            if trigger == "due":
                pending = self.due_pending()
                if not pending:
                    return None
                scheduled_for = pending[-1][0]  # the date that arrived: another replica may have published it
            if trigger == "schedule" and scheduled_for is None:
                _, scheduled_for = slots_between(
                    self.expr, self.zone, self.clock.now() - timedelta(days=1), self.clock.now()
                )
            result = self.runner.run(trigger, scheduled_for=scheduled_for)
            self._report(result)
            self._after_run(result)
            if not self.stop.is_set():
                self._announce_next(self.clock.now())
            return result

    def _report(self, result: RunResult) -> None:
        line = f"run #{result.run_id} ({result.trigger}) {result.outcome}: {result.summary()}"
        if result.error:
            line += f"\n  error: {result.error}"
        self.say(line)

    def _after_run(self, result: RunResult) -> None:
        if self.stop.is_set() or self.scheduler is None:
            return
        if result.outcome in ("failed", "skipped-locked") or result.lock_lost:  # a lost lock left the slot unfinished
            failures = self.ledger.consecutive_failures()
            delay = retry_delay(failures, self.retry_delays)
            when = self.clock.now() + timedelta(seconds=delay)
            self._add_date_job("retry", when, ("retry",))
            self.say(f"{failures} failed run(s) in a row; retrying at {self._fmt(when)}")
        elif result.outcome in SUCCESSFUL and self.scheduler.get_job("retry"):
            self.scheduler.remove_job("retry")

    def _add_date_job(self, job_id: str, when: datetime, args: tuple) -> None:
        from apscheduler.triggers.date import DateTrigger

        if self.scheduler.get_job(job_id):
            self.scheduler.remove_job(job_id)
        self.scheduler.add_job(
            self.run_job,
            DateTrigger(run_date=when, timezone=self.zone),
            args=args,
            id=job_id,
            name=job_id,
            replace_existing=True,
            misfire_grace_time=MISFIRE_GRACE_TIME,
            coalesce=COALESCE,
            max_instances=1,
        )

    def build_scheduler(self, scheduler_class=None):
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.schedulers.blocking import BlockingScheduler

        cls = scheduler_class or BlockingScheduler
        scheduler = cls(
            timezone=self.zone,
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults={"misfire_grace_time": MISFIRE_GRACE_TIME, "coalesce": COALESCE, "max_instances": 1},
        )
        explicit = {"misfire_grace_time": MISFIRE_GRACE_TIME, "coalesce": COALESCE, "max_instances": 1}
        scheduler.add_job(
            self.run_job, self.trigger, args=("schedule",), id="schedule", name=f"publish ({self.expr})", **explicit
        )
        scheduler.add_job(
            self.run_job,
            CronTrigger(second=0, timezone=self.zone),
            args=("due",),
            id="due-watch",
            name="due-watch",
            **explicit,
        )
        self.scheduler = scheduler
        return scheduler

    def start(self) -> int:
        """Run in the foreground until SIGTERM/SIGINT. Returns the exit code."""
        now = self.clock.now()
        self._watch_from = now
        scheduler = self.build_scheduler()
        self.say(
            f"bot schedule: '{self.expr}' in {self.zone.key}; state in {self.settings.state_dir}/ (ledger {self.ledger.where})"
        )
        catch_up = self.catch_up_needed(now) if self.catch_up_enabled else None
        if catch_up:
            self.say(f"catch-up: {catch_up.reason}; running once now")
            self._add_date_job("catch-up", now, ("catch-up", catch_up.scheduled_for))
        self._announce_next(now)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            scheduler.start()  # blocks until shutdown
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
        # shutdown(wait=False) returned at once; wait for a run in flight to record itself.
        with self._run_mutex:
            pass
        self.say("stopped; the publish lock is free")
        return 0

    def _announce_next(self, now: datetime) -> None:
        nxt = self.next_run(now)
        text = f"next scheduled run: {self._fmt(nxt)}"
        try:
            from ..series_registry import read_content

            waiting = waiting_until(read_content(self.settings), now, self.zone)
        except ContentError:
            waiting = []
        if waiting:
            moment, variant = waiting[0]
            text += f"; {variant.slug} waits until {self._fmt(moment)}"
        self.say(text)

    def _on_signal(self, signum, frame) -> None:
        name = signal.Signals(signum).name
        if self.stop.is_set():
            self.say(f"{name} again: still waiting for the request in flight to finish")
            return
        self.stop.set()
        busy = self._run_mutex.locked()
        self.say(
            f"{name}: stopping" + (" after the request in flight (the run is recorded as interrupted)" if busy else "")
        )
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)
