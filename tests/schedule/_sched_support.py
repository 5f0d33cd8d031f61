"""Helpers for the scheduling tests: a virtual clock, runners and services wired to the test's
local workspace (through the same open_session path as production)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from helpers import CountingTransport, open_test_session
import pytest

ZONE = ZoneInfo("Asia/Shanghai")


def at(text: str, zone: ZoneInfo = ZONE) -> datetime:
    """'2026-05-30 07:01' in the given zone (BOT_TIMEZONE of the tests by default)."""
    return datetime.fromisoformat(text).replace(tzinfo=zone)


class Rig:
    """One test's scheduling world: settings, a virtual clock, the shared local workspace."""

    def __init__(self, env, workspace, start: datetime):
        from bot.clock import VirtualClock
        from bot.settings import load_settings

        self.env = env
        self.workspace = workspace
        self.clock = VirtualClock(start=start)
        self.settings = load_settings()
        self.transports: list[CountingTransport] = []
        self.after_request = None  # set by a test: called as after(n, request)

    def set_time(self, when: datetime) -> None:
        delta = (when - self.clock.now()).total_seconds()
        assert delta >= 0, "the virtual clock only moves forward"
        self.clock.advance(delta)

    def session_factory(self, settings, clock):
        session, transport = open_test_session(self.workspace, settings=settings, clock=clock, after=self.after_request)
        self.transports.append(transport)
        return session

    def runner(self, **kwargs):
        from bot.schedule import DueRunner

        kwargs.setdefault("lock_wait", 0)
        return DueRunner(self.settings, clock=self.clock, session_factory=self.session_factory, **kwargs)

    def service(self, expr: str | None = None, **kwargs):
        from bot.schedule import ScheduleService

        settings = self.settings.model_copy(update={"bot_schedule": expr}) if expr else self.settings
        runner = self.runner()
        runner.settings = settings
        return ScheduleService(settings, clock=self.clock, runner=runner, **kwargs)

    def ledger(self):
        from bot.ledger.sqlite import Ledger

        return Ledger.for_state_dir(self.settings.state_dir, self.clock)

    def pages(self, slug: str) -> list[dict]:
        session = self.session_factory(self.settings, self.clock)
        try:
            target = session.target("zh" if "-zh-" in slug else "en")
            return session.api.find_pages(target.data_source_id, "slug", "rich_text", slug)
        finally:
            session.close()


@pytest.fixture
def rig(env, workspace):
    # W22 is dated 2026-05-30 07:01 (Asia/Shanghai); W14 2026-04-05 16:47.
    return Rig(env, workspace, at("2026-05-30 06:00"))


def set_front(path, **fields) -> None:
    """Rewrite front-matter fields of a content file."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    for key, value in fields.items():
        for i, line in enumerate(lines):
            if line.startswith(f"{key}:"):
                lines[i] = f"{key}: {value}\n"
                break
        else:
            raise AssertionError(f"{key} not in {path}")
    path.write_text("".join(lines), encoding="utf-8")


def hold_lock(state_dir: str, ready, release) -> None:
    """In another process: hold the publish lock until told to release it."""
    from pathlib import Path

    from bot.ledger.lock import publish_lock

    with publish_lock(Path(state_dir), wait=5):
        ready.set()
        release.wait(60)
