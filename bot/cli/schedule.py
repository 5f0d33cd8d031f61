"""`bot schedule`, `bot run-due`, `bot runs`, `bot status`."""

from __future__ import annotations

import json
from datetime import datetime

from ..errors import ExitStatus, UsageError
from .common import (
    StopOnSignal,
    add_json_flag,
    add_on_drift_flag,
    add_output_flags,
    add_series_flag,
    load_settings,
    require_sources,
    requested_series,
    series_registry,
    stderr as _stderr,
)


def _clock(args, settings):
    """The system clock, or a virtual one pinned at --now (rehearsals and tests)."""
    from ..clock import SYSTEM_CLOCK, VirtualClock

    text = getattr(args, "now", None)
    if not text:
        return SYSTEM_CLOCK
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise UsageError(
            f"--now {text!r}: expected an ISO date-time such as 2026-05-30T07:01 (BOT_TIMEZONE unless an offset is given)"
        ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=settings.zone)
    return VirtualClock(start=moment)


def _chosen(settings, args) -> list[str] | None:
    """The series --series names (checked: an unknown one is a usage error); None: all of them."""
    if not requested_series(args):
        return None
    return series_registry(settings, args)[1]


def _stamped(zone):
    def say(message: str) -> None:
        stamp = datetime.now(zone).isoformat(timespec="seconds")
        for line in message.splitlines() or [""]:
            _stderr(f"[{stamp}] {line}")

    return say


def cmd_schedule(args) -> int:
    from ..schedule.due_check import DueRunner
    from ..schedule.service import ScheduleService

    settings = load_settings()
    require_sources(settings)
    say = _stamped(settings.zone) if not args.quiet else (lambda message: None)
    if settings.uses_local_workspace:
        say(f"No NOTION_TOKEN: publishing to the embedded local workspace in {settings.state_dir}/")
    runner = DueRunner(
        settings, lock_wait=args.lock_wait, on_drift=args.on_drift, progress=say, series=_chosen(settings, args)
    )
    service = ScheduleService(settings, runner=runner, say=say, catch_up=not args.no_catch_up)
    return service.start()


def cmd_run_due(args) -> int:
    from ..schedule.due_check import DueRunner

    settings = load_settings()
    clock = _clock(args, settings)
    require_sources(settings)
    if args.now or args.dry_run:  # --dry-run: the rehearsal at the present moment
        return _rehearse(args, settings, clock)
    progress = (lambda message: None) if args.quiet else _stderr
    target = f"the embedded local workspace in {settings.state_dir}/" if settings.uses_local_workspace else "Notion"
    progress(
        f"run-due: publishing to {target} every variant due now ({clock.now().astimezone(settings.zone).isoformat(timespec='minutes')}); "
        "`bot run-due --dry-run` shows the plan without writing"
    )
    runner = DueRunner(
        settings,
        clock=clock,
        lock_wait=args.lock_wait,
        on_drift=args.on_drift,
        progress=progress,
        series=_chosen(settings, args),
    )
    stop = StopOnSignal(runner.stop)
    with stop.installed():
        result = runner.run("run-due")
    from .links import PageLinks

    print = PageLinks(settings, quiet=args.quiet).print  # noqa: A001 - page links where they open
    if args.json:
        row = runner.ledger.get(result.run_id)
        print(
            json.dumps(
                row.to_dict() if row else {"outcome": result.outcome, "error": result.error},
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(f"run #{result.run_id} {result.outcome}: {result.summary()}")
        for entry in result.entries:
            where = f"  {entry.url}" if entry.url else ""
            detail = (
                f"  ({entry.detail})"
                if entry.detail and entry.action in ("waiting", "failed", "interrupted", "not-started")
                else ""
            )
            print(f"  {entry.action:9} {entry.slug}{where}{detail}")
        if result.error:
            _stderr(f"error: {result.error}")
    if result.outcome == "interrupted" and stop.signum is not None:
        return stop.exit_status
    return result.exit_code


def _rehearse(args, settings, clock) -> int:
    """`run-due --now T`: what would go out at T — a dry-run plan of every variant due then,
    and the ones still waiting. Nothing is written: not to Notion, not to the ledger."""
    from ..due_rule import is_due, waiting_until
    from ..editor.validate import preflight
    from ..engine.publish import PublishOptions, group_by_week
    from ..engine.observer import Observer
    from ..engine.run import PublishRequest, run_publish
    from .common import with_diagnostics
    from ..series_registry import read_content
    from .render import plan_text, waiting_json

    chosen = _chosen(settings, args)
    variants = with_diagnostics(settings, lambda: read_content(settings))
    if chosen is not None:
        variants = [v for v in variants if v.front.series in chosen]
    now = clock.now().astimezone(settings.zone)
    waiting = waiting_until(variants, now, settings.zone)
    due = [v for v in variants if is_due(v, now, settings.zone)]
    preflight(settings, due)  # a scheduled run would not publish a week with errors
    progress = (lambda message: None) if args.quiet else _stderr
    progress(f"rehearsal at {now.isoformat(timespec='minutes')}: nothing is written to Notion or the run ledger")

    class Rehearsing(Observer):
        def on_progress(self, message: str) -> None:
            progress(message)

    run = run_publish(
        settings,
        PublishRequest(lambda _variants, _rec: group_by_week(due), variants=variants),
        PublishOptions(dry_run=True, on_drift=args.on_drift),
        Rehearsing(),
    )
    if args.json:
        payload = {
            "rehearsal": True,
            "now": now.isoformat(),
            "variants": [r.to_dict() for r in run.results],
            "waiting": waiting_json(waiting),
            "requests": run.stats,
        }
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(plan_text(run.results, waiting=waiting))
    return ExitStatus.SUCCESS


def cmd_runs(args) -> int:
    from ..ledger.backend import open_ledger
    from ..ledger.runs import dumps
    from ..schedule.status import runs_text

    settings = load_settings()
    from .links import PageLinks

    chosen = _chosen(settings, args)
    rows = open_ledger(settings, read_only=True).runs(limit=args.limit)  # reading writes nothing
    if chosen is not None:  # the runs that touched these series
        rows = [r for r in rows if set(r.series) & set(chosen)]
    PageLinks(settings, quiet=args.quiet).print(dumps(rows) if args.json else runs_text(rows, settings.zone))
    return ExitStatus.SUCCESS


def cmd_status(args) -> int:
    from ..schedule.status import collect_status, status_text

    settings = load_settings()
    data = collect_status(
        settings,
        clock=_clock(args, settings),
        remote=not args.no_remote,
        runs=args.runs,
        series=_chosen(settings, args),
    )
    from .links import PageLinks

    PageLinks(settings, quiet=args.quiet).print(
        json.dumps(data, ensure_ascii=False, indent=2) if args.json else status_text(data)
    )
    return ExitStatus.SUCCESS


def register(subparsers) -> None:
    from ..ledger.lock import SCHEDULED_LOCK_WAIT as DEFAULT_LOCK_WAIT

    def run_options(p):
        p.add_argument(
            "--lock-wait",
            type=float,
            default=DEFAULT_LOCK_WAIT,
            metavar="S",
            help=f"seconds to wait for a manual publish to finish before recording skipped-locked (default {DEFAULT_LOCK_WAIT:.0f})",
        )
        add_on_drift_flag(
            p, "a page edited in Notion since the bot wrote it (default: fail that week, publish the others)"
        )

    quiet_help = "no progress on stderr"
    p = subparsers.add_parser(
        "schedule",
        help="run the publishing schedule in the foreground (BOT_SCHEDULE, BOT_TIMEZONE)",
        description="Foreground service: publishes what is due at every BOT_SCHEDULE slot, catches up missed slots from the run ledger, retries failed runs; SIGTERM/SIGINT stop it cleanly.",
    )
    run_options(p)
    add_series_flag(p, "only this series (repeatable, or a comma list; default: every series)")
    p.add_argument("--no-catch-up", action="store_true", help="do not run at start even if a slot was missed")
    add_output_flags(p, quiet_help=quiet_help)
    p.set_defaults(func=cmd_schedule)

    p = subparsers.add_parser(
        "run-due",
        help="publish what is due now, once, and exit (for cron, systemd timers, CI)",
        description="One due-check run: every Published variant whose date has come, and every Draft/Invisible one, is created or updated; future-dated ones wait; it says on stderr what it will do first (--dry-run shows the plan without writing). Exit 0 success, 1 failed, 3 lock busy, 64 usage error, 130/143 interrupted.",
    )
    run_options(p)
    add_series_flag(p, "only this series (repeatable, or a comma list; default: every series)")
    add_json_flag(p, "the ledger entry of this run on stdout")
    p.add_argument(
        "--now",
        metavar="ISO",
        help="rehearsal: show the plan of what would go out at this time (BOT_TIMEZONE unless an offset is given); writes nothing to Notion or the ledger",
    )
    p.add_argument(
        "--dry-run",
        action="store_true",
        help="rehearsal now: the plan of what a run would publish at this moment (as --now with the present time); writes nothing",
    )
    add_output_flags(p, quiet_help=quiet_help)
    p.set_defaults(func=cmd_run_due)

    p = subparsers.add_parser(
        "runs",
        help="list recorded publishing runs (the run ledger)",
        description="The run ledger in BOT_STATE_DIR/runs.sqlite3, newest first.",
    )
    add_json_flag(p)
    p.add_argument("--limit", type=int, default=20, metavar="N", help="at most N runs (default 20)")
    add_series_flag(p, "only runs that touched this series (repeatable, or a comma list)")
    add_output_flags(p, quiet_help=quiet_help)
    p.set_defaults(func=cmd_runs)

    p = subparsers.add_parser(
        "status",
        help="per week and language: source, last published, Notion, next run, last runs",
        description="What is due or waiting, what was last published (ledger), what Notion holds (a dry-run plan: reads only), the next scheduled run and the last runs' outcomes.",
    )
    add_json_flag(p)
    p.add_argument("--no-remote", action="store_true", help="do not ask Notion (ledger and content only)")
    p.add_argument("--runs", type=int, default=5, metavar="N", help="how many recent runs to show (default 5)")
    p.add_argument("--now", metavar="ISO", help="pretend it is this time")
    add_series_flag(p, "only this series (repeatable, or a comma list; default: every series)")
    add_output_flags(p, quiet_help=quiet_help)
    p.set_defaults(func=cmd_status)
