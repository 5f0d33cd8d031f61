"""The schedule itself: cron fire times across DST, APScheduler job settings, catch-up from the
ledger after downtime, the due-watch, retries — all on a virtual clock (nothing sleeps)."""

from __future__ import annotations

import json
from datetime import timedelta, timezone
from zoneinfo import ZoneInfo


from _sched_support import at, rig  # noqa: F401  (fixture)

NY = ZoneInfo("America/New_York")
BERLIN = ZoneInfo("Europe/Berlin")


def iso(moments):
    return [m.isoformat() for m in moments]


def elapsed(a, b):
    """Real time between two instants (same-zone subtraction in Python is wall-clock time)."""
    return b.astimezone(timezone.utc) - a.astimezone(timezone.utc)


# --------------------------------------------------------------------------- DST
def test_weekly_slot_keeps_local_wall_time_across_spring_forward():
    from bot.schedule import next_fire_times

    fires = next_fire_times("0 7 * * sat", BERLIN, at("2026-03-20 12:00", BERLIN), 3)
    # Europe/Berlin switches to summer time on Sunday 2026-03-29: 07:00 stays 07:00 local,
    # so the UTC instant moves one hour earlier.
    assert iso(fires) == ["2026-03-21T07:00:00+01:00", "2026-03-28T07:00:00+01:00", "2026-04-04T07:00:00+02:00"]
    assert elapsed(fires[1], fires[2]) == timedelta(days=7, hours=-1)


def test_slot_in_the_skipped_hour_fires_once_an_hour_later():
    from bot.schedule import next_fire_times

    # 2026-03-08 02:00 EST → 03:00 EDT in New York: 02:30 does not exist that day.
    fires = next_fire_times("30 2 * * *", NY, at("2026-03-07 02:30", NY), 3)
    assert iso(fires) == ["2026-03-08T03:30:00-04:00", "2026-03-09T02:30:00-04:00", "2026-03-10T02:30:00-04:00"]


def test_slot_in_the_repeated_hour_fires_at_both_instants():
    from bot.schedule import next_fire_times

    # 2026-11-01 02:00 EDT → 01:00 EST: 01:30 happens twice, one hour apart.
    fires = next_fire_times("30 1 * * *", NY, at("2026-10-31 01:30", NY), 3)
    assert iso(fires) == ["2026-11-01T01:30:00-04:00", "2026-11-01T01:30:00-05:00", "2026-11-02T01:30:00-05:00"]
    assert elapsed(fires[0], fires[1]) == timedelta(hours=1)


def test_status_shows_next_run_in_the_configured_zone(cli, monkeypatch):
    monkeypatch.setenv("BOT_TIMEZONE", "America/New_York")
    monkeypatch.setenv("BOT_SCHEDULE", "0 7 * * sat")
    code, out, err = cli("status", "--json", "--no-remote", "--now", "2026-03-07T07:00")
    assert code == 0, err
    data = json.loads(out)
    # strictly after "now"; the first Saturday after the switch to EDT
    assert data["schedule"]["next_run"] == "2026-03-14T07:00:00-04:00"
    assert data["schedule"]["timezone"] == "America/New_York"


def test_invalid_cron_is_a_config_error(cli, monkeypatch):
    monkeypatch.setenv("BOT_SCHEDULE", "every saturday")
    code, _, err = cli("schedule")
    assert code == 1 and "BOT_SCHEDULE" in err and "cron" in err


# --------------------------------------------------------------------------- APScheduler jobs
def test_jobs_never_drop_a_late_run_and_coalesce_a_backlog(rig):
    service = rig.service("0 7 * * sat")
    scheduler = service.build_scheduler()
    jobs = {job.id: job for job in scheduler.get_jobs()}
    assert set(jobs) == {"schedule", "due-watch"}
    for job in jobs.values():
        assert job.misfire_grace_time is None  # not APScheduler's 1 s default
        assert job.coalesce is True
        assert job.max_instances == 1
    assert str(jobs["schedule"].trigger.timezone) == "Asia/Shanghai"
    assert scheduler._executors["default"]._pool._max_workers == 1  # runs of one process never overlap


# --------------------------------------------------------------------------- catch-up
def test_catch_up_after_downtime_runs_once_and_is_recorded(rig):
    service = rig.service("0 7 * * sat")
    # The service ran the 2026-05-16 slot, then the machine was off for two Saturdays.
    rig.clock = type(rig.clock)(start=at("2026-05-16 07:00"))
    service = rig.service("0 7 * * sat")
    first = service.run_job("schedule")
    assert first.outcome == "success"

    rig.set_time(at("2026-05-30 09:30"))
    decision = service.catch_up_needed()
    assert decision is not None
    assert "missed 2 scheduled run(s)" in decision.reason
    assert decision.scheduled_for == at("2026-05-30 07:00")

    result = service.run_job("catch-up", decision.scheduled_for)
    assert result.outcome == "success"
    assert {e.slug: e.action for e in result.entries} == {
        "rec-weekly-en-2026-W14": "unchanged",
        "rec-weekly-zh-2026-W14": "unchanged",
        "rec-weekly-en-2026-W22": "created",
        "rec-weekly-zh-2026-W22": "created",
    }
    row = rig.ledger().get(result.run_id)
    assert (row.trigger, row.outcome, row.scheduled_for) == ("catch-up", "success", at("2026-05-30 07:00"))
    # caught up: a restart now has nothing to catch up (coalesced into that one run)
    assert service.catch_up_needed() is None


def test_no_catch_up_when_nothing_was_missed_or_never_ran(rig):
    service = rig.service("0 7 * * sat")
    assert service.catch_up_needed() is None  # empty ledger: the service never ran here
    rig.set_time(at("2026-05-30 07:05"))  # after the slot and after W22's date (07:01)
    service.run_job("schedule")
    rig.set_time(at("2026-06-05 23:59"))  # before the next Saturday slot
    assert service.catch_up_needed() is None


def test_catch_up_when_the_last_run_failed(rig, env):
    service = rig.service("0 7 * * sat")
    path = env / "content" / "rec-weekly" / "2026-W14" / "en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: Published", "status: Live"), encoding="utf-8")
    assert service.run_job("schedule").outcome == "failed"
    rig.set_time(at("2026-05-30 06:30"))
    decision = service.catch_up_needed()
    assert decision is not None and "ended failed" in decision.reason


def test_catch_up_when_a_date_arrived_while_down(rig):
    service = rig.service("0 7 * * sun")  # no slot between 06:00 and 07:05 on Saturday
    assert service.run_job("schedule").outcome == "success"  # 06:00: W22 waits
    rig.set_time(at("2026-05-30 07:05"))
    decision = service.catch_up_needed()
    assert decision is not None and "rec-weekly-zh-2026-W22 became due" in decision.reason


def test_started_service_queues_the_catch_up_job(rig, monkeypatch):
    """start() decides from the ledger and adds a one-off catch-up job before blocking."""
    service = rig.service("0 7 * * sat")
    service.run_job("schedule")
    rig.set_time(at("2026-06-13 08:00"))
    started = {}

    def fake_start(self, *args, **kwargs):  # instead of blocking: look at what was scheduled
        started["jobs"] = {job.id: job for job in self.get_jobs()}

    from apscheduler.schedulers.blocking import BlockingScheduler

    monkeypatch.setattr(BlockingScheduler, "start", fake_start)
    lines = []
    service.say = lines.append
    assert service.start() == 0
    assert set(started["jobs"]) == {"schedule", "due-watch", "catch-up"}
    assert started["jobs"]["catch-up"].args == ("catch-up", at("2026-06-13 07:00"))
    assert any("missed 3 scheduled run(s)" in line for line in lines)  # 05-30, 06-06, 06-13


# --------------------------------------------------------------------------- due-watch
def test_due_watch_publishes_on_the_date_not_before(rig):
    service = rig.service("0 7 * * sat")  # the 07:00 slot comes one minute too early for W22
    service._watch_from = rig.clock.now()
    rig.set_time(at("2026-05-30 07:00"))
    slot = service.run_job("schedule")
    assert {e.slug for e in slot.entries if e.action == "waiting"} == {
        "rec-weekly-en-2026-W22",
        "rec-weekly-zh-2026-W22",
    }
    assert slot.next_due == at("2026-05-30 07:01")
    assert rig.pages("rec-weekly-en-2026-W22") == []

    rig.set_time(at("2026-05-30 07:00:59"))
    assert service.run_job("due") is None  # the watch at 07:00:59 finds nothing new
    rig.set_time(at("2026-05-30 07:01"))
    result = service.run_job("due")
    assert result is not None and result.outcome == "success"
    assert {e.slug: e.action for e in result.entries if "W22" in e.slug} == {
        "rec-weekly-en-2026-W22": "created",
        "rec-weekly-zh-2026-W22": "created",
    }
    assert len(rig.pages("rec-weekly-en-2026-W22")) == 1
    rig.set_time(at("2026-05-30 07:02"))
    assert service.run_job("due") is None  # handled: no second run


# --------------------------------------------------------------------------- failure and retry
def test_failed_run_is_retried_with_back_off_and_a_good_run_clears_it(rig, cli):
    from bot.local import FaultPlan

    from apscheduler.schedulers.background import BackgroundScheduler

    service = rig.service("0 7 * * sat")
    scheduler = service.build_scheduler(BackgroundScheduler)
    scheduler.start(paused=True)  # a real scheduler whose jobs we fire by hand
    rig.workspace.faults = FaultPlan.from_spec("status:503@every=1")  # Notion is down
    rig.settings = rig.settings.model_copy(update={"bot_max_attempts": 2})
    service.runner.settings = rig.settings
    first = service.run_job("schedule")
    assert first.outcome == "failed" and "503" in first.error
    retry = scheduler.get_job("retry")
    assert retry is not None and retry.trigger.run_date == rig.clock.now() + timedelta(minutes=5)

    rig.set_time(retry.trigger.run_date)
    second = service.run_job("retry")
    assert second.outcome == "failed"
    assert scheduler.get_job("retry").trigger.run_date == rig.clock.now() + timedelta(minutes=10)

    code, out, _ = cli("status", "--json", "--no-remote")
    health = json.loads(out)["health"]
    assert health["consecutive_failures"] == 2 and "503" in health["last_error"]

    rig.workspace.faults = None  # Notion is back
    rig.set_time(scheduler.get_job("retry").trigger.run_date)
    third = service.run_job("retry")
    assert third.outcome == "success"
    assert scheduler.get_job("retry") is None
    assert rig.ledger().consecutive_failures() == 0
    assert [r.outcome for r in rig.ledger().runs()] == ["success", "failed", "failed"]
    assert [r.trigger for r in rig.ledger().runs()] == ["retry", "retry", "schedule"]
    scheduler.shutdown(wait=False)
