"""One way to run a publish: lock → read content → session → Publisher → record.

`bot publish`, the scheduler's due-check runs (`bot run-due`, `bot schedule`) and `bot status`
(a dry-run plan) all publish through `run_publish`; they differ only in the options they pass:
which weeks to take from the content, whether the run is recorded in the ledger and holds the
publish lock, and whether one week's drift or duplicates stop the others.
"""

from __future__ import annotations

import threading
from datetime import datetime
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from typing import Callable, ContextManager, Iterator

from ..clock import SYSTEM_CLOCK, Clock, SystemClock
from ..errors import BotError
from .observer import Observer, Relay
from .publish import PublishOptions, Publisher, VariantResult
from ..ledger.recorder import RunRecorder, entry_for_result, record_run
from ..ledger.runs import RunInterrupted, SqlLedger, VariantEntry, content_hash
from ..series_registry import read_content
from ..settings import Settings
from ..source import Variant

# select(all variants read from content, the run's recorder or None) -> the weeks to publish
Select = Callable[[list[Variant], "RunRecorder | None"], list[list[Variant]]]
SessionFactory = Callable[[Settings, Clock], object]


def default_session(settings: Settings, clock: Clock):
    from ..session import open_session

    return open_session(settings, clock=clock)


class StoppableClock:
    """Wraps a clock so that sleeping (pacing, Retry-After, back-off) ends at once on stop."""

    def __init__(self, base: Clock, stop: threading.Event, reason: str = "stop requested"):
        self.base = base
        self.stop = stop
        self.reason = reason  # recorded in the ledger, e.g. "SIGTERM: stop requested"

    def monotonic(self) -> float:
        return self.base.monotonic()

    def now(self) -> datetime:
        return self.base.now()

    def sleep(self, seconds: float) -> None:
        self.check()
        if isinstance(self.base, SystemClock):
            if seconds > 0 and self.stop.wait(seconds):
                raise RunInterrupted(f"{self.reason} while waiting")
        else:
            self.base.sleep(seconds)
        self.check()

    @property
    def wall(self) -> bool:
        """Whether this is real time, shared with other processes (see bot.budget)."""
        return getattr(self.base, "wall", False)

    def check(self) -> None:
        if self.stop.is_set():
            raise RunInterrupted(self.reason)


def stop_between_requests(clock: StoppableClock) -> Callable[[object], None]:
    """A session hook: once a stop was asked for, the request in flight completes and no
    other is sent."""

    def hook(session) -> None:
        previous_hook = session.api.on_request

        def after_request(method, path, status):
            if previous_hook:
                previous_hook(method, path, status)
            clock.check()

        session.api.on_request = after_request

    return hook


@dataclass
class WeekFailure:
    """A week that could not be published while the others went on (`isolate` errors)."""

    group: list[Variant]
    error: BotError


@dataclass
class RunSteps:
    """Where a run is, for the report of an interrupted one: the phase, the pages finished
    (not yet handed to the ledger), the page being written, and every variant selected."""

    phase: str = "reading"
    finished: list[VariantResult] = field(default_factory=list)
    current: Variant | None = None
    selected: list[Variant] = field(default_factory=list)
    reported: set[str] = field(default_factory=set)  # slugs already in the run's results

    def not_started(self) -> list[Variant]:
        begun = (
            self.reported | {r.variant.slug for r in self.finished} | ({self.current.slug} if self.current else set())
        )
        return [v for v in self.selected if v.slug not in begun]


class _Tracking(Relay):
    """Follows the engine's events into the run's `RunSteps`, and passes them on."""

    def __init__(self, inner: Observer | None, steps: RunSteps):
        super().__init__(inner)
        self.steps = steps

    def on_phase(self, name: str, total: int) -> None:
        self.steps.phase = name
        super().on_phase(name, total)

    def on_variant_start(self, variant) -> None:
        self.steps.current = variant
        super().on_variant_start(variant)

    def on_variant_applied(self, result) -> None:
        self.steps.finished.append(result)
        self.steps.current = None
        super().on_variant_applied(result)


def interrupted_entry(v: Variant, phase: str) -> VariantEntry:
    detail = (
        "stopped while writing this page; the next run reads Notion again and completes it (never duplicated)"
        if phase == "applying"
        else "stopped while planning it; nothing was written"
    )
    return entry_without_page(v, "interrupted", detail)


def not_started_entry(v: Variant, phase: str) -> VariantEntry:
    detail = "the run stopped before this page" + (
        "" if phase == "applying" else " (while planning: nothing was written)"
    )
    return entry_without_page(v, "not-started", detail)


@dataclass
class PublishRun:
    """What a publish did: per-variant results, weeks that failed, request counts, warnings."""

    run_id: int | None = None
    results: list[VariantResult] = field(default_factory=list)
    failures: list[WeekFailure] = field(default_factory=list)
    stats: dict = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)  # the content as read for this run
    steps: RunSteps = field(default_factory=RunSteps)


@dataclass
class PublishRequest:
    """What to publish and how the run is held.

    * `select(all variants read from content, the run's recorder or None)` -> the weeks.
    * `variants` given: the content was already read (and validated) by the caller.
    * `trigger` set: the run is recorded in the ledger (`ledger`, or the settings' one); its
      outcome follows from how it ends. `note`, `scheduled_for`: recorded with it.
    * `lock` set: the content is read, and everything is written, while holding it.
    * `details`: slug -> a note recorded with that variant in the ledger (e.g. `published
      early: …`) when the run wrote its page.
    * `isolate`: those errors stop only the week they come from (recorded as failed); any
      other error stops the run. Without `isolate`, every week is planned before any is
      written, so drift or duplicates anywhere leave Notion untouched.
    * `clock`, `session_factory`: how time passes and how the Notion session is opened.
    """

    select: Select
    variants: list[Variant] | None = None
    trigger: str | None = None
    note: str | None = None
    scheduled_for: datetime | None = None
    ledger: SqlLedger | None = None
    lock: Callable[[], ContextManager] | None = None
    isolate: tuple[type[BotError], ...] = ()
    details: dict[str, str] = field(default_factory=dict)
    clock: Clock = SYSTEM_CLOCK
    session_factory: SessionFactory | None = None


def run_publish(
    settings: Settings, request: PublishRequest, options: PublishOptions, observer: Observer | None = None
) -> PublishRun:
    """Publish the weeks `request.select` picks, telling `observer` what happens."""
    from ..ledger.backend import open_ledger

    req, observer_ = request, observer or Observer()
    clock = req.clock
    run = PublishRun()
    opener = lambda: open_ledger(settings, clock, warn=observer_.on_warning)  # noqa: E731
    recording = (
        record_run(
            settings.state_dir,
            req.trigger,
            clock=clock,
            scheduled_for=req.scheduled_for,
            note=req.note,
            ledger=req.ledger,
            opener=opener,
            warn=observer_.on_warning,
        )
        if req.trigger
        else _no_record()
    )
    # The lock is released only after the run's outcome is recorded: whoever takes it next
    # (another process, another host) finds this run finished in the ledger.
    with ExitStack() as held, recording as rec, ExitStack() as stack:
        run.run_id = rec.id if rec else None
        if rec:
            observer_.on_run_started(rec)
        guard = held.enter_context(req.lock()) if req.lock is not None else None
        run.variants = req.variants if req.variants is not None else read_content(settings)
        groups = req.select(run.variants, rec)
        if not groups:
            return run
        session = (req.session_factory or default_session)(settings, clock)
        stack.callback(session.close)
        if guard is not None and hasattr(guard, "check"):
            session.api.before_write = guard.check  # no write without the lock: checked before each one
        if rec:
            rec.attach(session)
        observer_.on_session(session)
        steps = run.steps
        steps.selected = [v for group in groups for v in group]
        from ..series_registry import publishing_units

        # Each series with its own mapping is published by an engine of its own (its database,
        # its pages); one mapping for all (BOT_MAPPING) publishes them together, as before.
        for unit_session, unit_variants, unit_groups in publishing_units(settings, session, run.variants, groups):
            publisher = Publisher(unit_session, unit_variants, options, _Tracking(observer_, steps))
            _publish_unit(run, rec, publisher, unit_groups, req.isolate, req.details)
        run.warnings = list(getattr(session, "warnings", []))
        run.stats = session.api.stats.to_dict()
    return run


def _publish_unit(run, rec, publisher, groups, isolate, details) -> None:
    """Publish `groups` with one engine (one series, or every series of one mapping)."""
    steps = run.steps
    try:
        if isolate:
            for group in groups:
                try:
                    results = publisher.publish_groups([group])
                except isolate as exc:  # this week needs a person; the other weeks still go out
                    run.failures.append(WeekFailure(group, exc))
                    steps.finished.clear()
                    steps.reported |= {v.slug for v in group}
                    if rec:
                        rec.add([failed_entry(v, str(exc)) for v in group])
                        rec.fail(f"{group[0].week}: {exc}")
                    continue
                _collect(run, rec, results, details)
        else:
            _collect(run, rec, publisher.publish_groups(groups), details)
    except (RunInterrupted, KeyboardInterrupt) as exc:
        _record_interruption(run, rec, details)
        exc.run = run  # what the caller reports: run.results finished, run.steps.current it was in
        raise


def _record_interruption(run: PublishRun, rec: RunRecorder | None, details: dict[str, str] | None) -> None:
    """A stopped run still says what it did: the pages it finished, the one it was in, the
    ones it never reached — in its results and in the ledger (`bot runs`)."""
    steps = run.steps
    finished = [r for r in steps.finished if r.variant.slug not in steps.reported]
    _collect(run, rec, finished, details)
    rest = ([interrupted_entry(steps.current, steps.phase)] if steps.current else []) + [
        not_started_entry(v, steps.phase) for v in steps.not_started()
    ]
    if rec and rest:
        rec.add(rest)


def _collect(
    run: PublishRun, rec: RunRecorder | None, results: list[VariantResult], details: dict[str, str] | None = None
) -> None:
    run.results.extend(results)
    run.steps.reported |= {r.variant.slug for r in results}
    run.steps.finished = [r for r in run.steps.finished if r.variant.slug not in run.steps.reported]
    if rec:
        entries = [entry_for_result(r) for r in results]
        for entry in entries:
            if details and entry.slug in details and entry.action in ("created", "updated"):
                entry.detail = details[entry.slug]
        rec.add(entries)


def entry_without_page(v: Variant, action: str, detail: str) -> VariantEntry:
    """The ledger entry of a variant the run did not finish (failed, interrupted, not started)."""
    return VariantEntry(
        v.slug,
        v.week,
        v.lang,
        action,
        v.front.status,
        str(v.front.date),
        content_sha256=content_hash(v.path),
        detail=detail,
        series=v.front.series,
    )


def failed_entry(v: Variant, message: str) -> VariantEntry:
    return entry_without_page(v, "failed", message)


@contextmanager
def _no_record() -> Iterator[None]:
    yield None
