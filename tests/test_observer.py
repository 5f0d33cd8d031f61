"""One observer hears a publish (bot.engine.observer): run_publish tells it, in order, that the
run is recorded, the session is open, what is planned and what each page became — the events
the command line's progress bar, the --json plan of a failed run and the scheduler's log use."""

from __future__ import annotations

from bot.engine.observer import Observer
from bot.engine.publish import PublishOptions, group_by_week
from bot.engine.run import PublishRequest, run_publish
from bot.settings import load_settings
from bot.source import select_week
from helpers import open_test_session


class Heard(Observer):
    def __init__(self):
        self.events: list[tuple] = []

    def on_run_started(self, recorder):
        self.events.append(("run", recorder.id is not None))

    def on_session(self, session):
        self.events.append(("session",))

    def on_phase(self, name, total):
        self.events.append(("phase", name, total))

    def on_variant_done(self, slug):
        self.events.append(("done", slug))

    def on_planned(self, results):
        self.events.append(("planned", [r.action for r in results]))

    def on_variant_start(self, variant):
        self.events.append(("start", variant.slug))

    def on_variant_applied(self, result):
        self.events.append(("applied", result.variant.slug, result.action))


def run(workspace, *, dry_run=False, trigger=None):
    settings = load_settings()
    heard = Heard()

    def factory(settings, clock):
        return open_test_session(workspace, settings=settings, clock=clock)[0]

    request = PublishRequest(
        lambda variants, rec: group_by_week(select_week(variants, "W22")), trigger=trigger, session_factory=factory
    )
    result = run_publish(settings, request, PublishOptions(dry_run=dry_run), heard)
    return result, heard.events


def test_a_recorded_run_tells_its_observer_every_stage_in_order(workspace):
    result, events = run(workspace, trigger="manual")
    en, zh = "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"
    assert [r.action for r in result.results] == ["created", "created"]
    assert events[:2] == [("run", True), ("session",)]
    assert events[2:6] == [("phase", "planning", 2), ("done", en), ("done", zh), ("planned", ["create", "create"])]
    assert events[6] == ("phase", "applying", 2)
    applied = [e for e in events[7:] if e[0] == "applied"]
    assert sorted(applied) == [("applied", en, "created"), ("applied", zh, "created")]
    for slug in (en, zh):  # each page: started, then applied and counted done
        mine = [e[0] for e in events[7:] if slug in e]
        assert mine[0] == "start" and sorted(mine[1:]) == ["applied", "done"]
    assert result.run_id is not None


def test_a_dry_run_that_is_not_recorded_plans_and_writes_nothing(workspace):
    result, events = run(workspace, dry_run=True)
    assert [e[0] for e in events] == ["session", "phase", "done", "done", "planned"]
    assert result.run_id is None and result.stats.get("writes", 0) == 0
