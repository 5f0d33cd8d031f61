"""Helpers for the editor tests: content edits and a publish that counts writes."""

from __future__ import annotations

from pathlib import Path

import pytest

W22 = Path("content/rec-weekly/2026-W22")


@pytest.fixture
def content(env):
    """The test's copy of the content directory."""
    return env / "content" / "rec-weekly"


@pytest.fixture
def counted(env, monkeypatch):
    """Every session the CLI opens goes through one CountingTransport on the test's workspace.

    Returns a dict: {"transport": CountingTransport | None, "opened": int}.
    """
    from bot import session as session_module
    from bot.local import LocalTransport, LocalWorkspace
    from helpers import CountingTransport

    record = {"transport": None, "opened": 0, "workspace": None}
    real_open = session_module.open_session

    def open_counted(settings, **kwargs):
        if record["workspace"] is None:
            path = Path(settings.state_dir) / "local-notion.sqlite3"
            path.parent.mkdir(parents=True, exist_ok=True)
            record["workspace"] = LocalWorkspace(path, bot_token=settings.bot_local_token)
            record["transport"] = CountingTransport(LocalTransport(record["workspace"]))
        record["opened"] += 1
        kwargs.setdefault("transport", record["transport"])
        kwargs.setdefault("workspace", record["workspace"])
        return real_open(settings, **kwargs)

    monkeypatch.setattr(session_module, "open_session", open_counted)
    return record


def page_count(env) -> int:
    """Pages in the test's local workspace (0 when it was never even created)."""
    path = env / "state" / "local-notion.sqlite3"
    if not path.exists():
        return 0
    from bot.clock import SYSTEM_CLOCK
    from bot.local import LocalWorkspace
    from helpers import open_test_session

    ws = LocalWorkspace(path)
    session, _ = open_test_session(ws, clock=SYSTEM_CLOCK)
    try:
        target = session.target("en")
        return sum(1 for _ in session.api.query(target.data_source_id, {}))
    finally:
        session.close()
