"""Helpers for the security tests: a small week of content, the token to look for, and
checks that no traceback and no secret reaches a user."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

TOKEN = "ntn_SECRET0123456789abcdefTOKENxyz"  # a well-formed token that must never be printed or stored

FRONT = """---
title: "Tiny {lang}"
lang: {lang}
week: 2026-W22
series: rec-weekly
slug: rec-weekly-{lang}-2026-W22
status: Published
date: 2026-05-30 07:01
tags: [Weekly]
---
"""


def write_week(
    content: Path, en_body: str = "Hello.\n", zh_body: str = "你好。\n", *, en_front: str | None = None
) -> Path:
    week = content / "rec-weekly" / "2026-W22"
    week.mkdir(parents=True, exist_ok=True)
    (week / "en.md").write_text(
        (en_front if en_front is not None else FRONT.format(lang="en")) + en_body, encoding="utf-8"
    )
    (week / "zh.md").write_text(FRONT.format(lang="zh") + zh_body, encoding="utf-8")
    return week


@pytest.fixture
def mini(env, monkeypatch):
    """BOT_CONTENT_DIR holds one small week (fast to publish); returns the content dir."""
    content = env / "mini"
    write_week(content)
    monkeypatch.setenv("BOT_CONTENT_DIR", str(content))
    return content


def assert_clean(*outputs: str) -> None:
    """No traceback and no token in anything a user sees."""
    for text in outputs:
        assert "Traceback" not in text, text
        assert TOKEN not in text, text
        assert TOKEN.strip() not in text


def state_bytes(root: Path) -> bytes:
    """Every byte under a directory (state files, written content)."""
    return b"".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file())


def uploads(state: Path) -> int:
    db = state / "local-notion.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM file_uploads").fetchone()[0]


@pytest.fixture
def served(env, mini, monkeypatch):
    """A workspace served over HTTP (`bot local serve`'s server) that the bot reaches with
    NOTION_TOKEN/NOTION_BASE_URL, exactly as real Notion; returns (workspace, handle)."""
    from bot.local import LocalWorkspace, serve
    from bot.mapping import load_mapping
    from conftest import ROOT

    ws = LocalWorkspace(env / "remote.sqlite3", bot_token=TOKEN)
    database_id, _ = ws.ensure_database("Blog", load_mapping(ROOT / "mappings" / "rec-weekly.yaml").database_schema())
    handle = serve(ws, port=0)
    ws.public_base_url = handle.url  # file URLs point at the served workspace
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    monkeypatch.setenv("NOTION_BASE_URL", handle.url)
    monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
    yield ws, handle
    handle.shutdown()


@pytest.fixture
def faulty(served, monkeypatch):
    """The served workspace behind a FaultyProxy; NOTION_BASE_URL points at the proxy."""
    from .faulty import FaultyProxy

    ws, handle = served
    proxy = FaultyProxy(handle.url)
    monkeypatch.setenv("NOTION_BASE_URL", proxy.url)
    yield proxy
    proxy.shutdown()
