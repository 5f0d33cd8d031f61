"""The local path's default rate limit (Notion's 180 requests / 60 s per token) and the bot's own
pacing under it: a 52-week backfill with both sides on their defaults meets no 429 (virtual
clock: the pacing waits cost no real time). The 429 itself — status, code, Retry-After, body —
is a row of the contract suite, in-process and over HTTP (`test_documented_contract.py`)."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from bot.clock import VirtualClock
from bot.engine.publish import PublishOptions, Publisher, group_by_week
from bot.session import open_session
from bot.settings import Settings, load_settings
from bot.source import read_all

ROOT = Path(__file__).resolve().parents[2]


def _weeks(content: Path, weeks: int) -> Path:
    """`weeks` copies of the W22 issue in both languages (2025-W01 …)."""
    for n in range(1, weeks + 1):
        week = f"2025-W{n:02d}"
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        for lang in ("en", "zh"):
            text = (
                (ROOT / "content/rec-weekly/2026-W22" / f"{lang}.md")
                .read_text(encoding="utf-8")
                .replace("2026-W22", week)
            )
            text = re.sub(r"date: .*", f"date: 2025-01-{(n % 28) + 1:02d} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return content


def test_defaults_limit_the_local_path():
    assert Settings.model_fields["bot_local_rate_limit"].default == "180/60"
    assert load_settings(bot_local_rate_limit="600/60").local_rate_limit == (600, 60.0)
    assert load_settings(bot_local_rate_limit="off").local_rate_limit is None


def test_52_week_backfill_on_default_budgets_meets_no_429(env, monkeypatch):
    monkeypatch.delenv("BOT_RATE_LIMIT")  # the bot's own default pacing, not the tests' fast one
    monkeypatch.delenv("BOT_LOCAL_RATE_LIMIT", raising=False)
    monkeypatch.setenv("BOT_CONTENT_DIR", str(_weeks(env / "backfill", 52)))
    settings = load_settings()
    clock = VirtualClock()
    session = open_session(settings, clock=clock)
    try:
        workspace = session.workspace
        assert (workspace.rate_limit.requests, workspace.rate_limit.window_s) == (180, 60.0)
        variants = read_all(settings.bot_content_dir)
        # A backfill (one create per page) costs less than a budget; reading every tree again as a
        # fresh machine would (no page records) twice more takes the run past two budgets.
        for _ in range(3):
            shutil.rmtree(settings.state_dir / "published", ignore_errors=True)
            publisher = Publisher(session, variants, PublishOptions())
            for group in group_by_week(variants):
                publisher.publish_group(group)
        stats = session.api.stats
        log = workspace.request_log
    finally:
        session.close()
    assert len(variants) == 104
    assert stats.rate_limited == 0 and not [r for r in log if r.status == 429]
    assert len(log) > 2 * 180  # more than two budgets: the pacing was exercised
    assert clock.monotonic() >= (len(log) - 180) / 3.0 - 1  # and waited (virtually) as Notion requires


def test_a_session_closes_the_local_workspace_it_opened(env):
    """`bot schedule` opens a session per run: each must give back its SQLite connection."""
    import os

    def open_files() -> int:
        return len(os.listdir("/proc/self/fd"))

    settings = load_settings()
    open_session(settings).close()  # the workspace file exists from here on
    before = open_files()
    for _ in range(5):
        session = open_session(settings)
        session.target("en")  # a request: the workspace is in use
        session.close()
    assert open_files() == before
