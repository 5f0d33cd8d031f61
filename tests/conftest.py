"""Shared fixtures: every test gets its own state directory and local workspace."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEEDS = Path(__file__).resolve().parent / "fixtures" / "seeds"  # copies of ../shared/seeds, so a clone tests alone


@pytest.fixture
def env(tmp_path, monkeypatch):
    """Isolated settings: local workspace in tmp, the repository's content and mapping."""
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    monkeypatch.chdir(tmp_path)  # no stray .env from the developer's checkout
    values = {
        "NOTION_TOKEN": "",
        "BOT_STATE_DIR": str(tmp_path / "state"),
        "BOT_CONTENT_DIR": str(content),
        "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
        "BOT_RATE_LIMIT": "100000",
        "BOT_TIMEZONE": "Asia/Shanghai",
        # Notion's shared rate budget (bot.budget) lives in the user's cache dir: one per test.
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    for key in (
        "NOTION_DATABASE_ID",
        "NOTION_DATABASE_ID_EN",
        "NOTION_DATABASE_ID_ZH",
        "BOT_LOCAL_FAULTS",
        "NOTION_BASE_URL",
    ):
        monkeypatch.delenv(key, raising=False)
    return tmp_path


@pytest.fixture
def cli(env, capsys):
    """Run the CLI in-process: returns (exit code, stdout, stderr)."""
    from bot.cli import main

    def run(*args: str):
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out, captured.err

    return run


@pytest.fixture
def workspace(env):
    from bot.local import LocalWorkspace

    return LocalWorkspace(env / "state" / "local-notion.sqlite3")


@pytest.fixture
def session_factory(env, workspace):
    """Library-API sessions against the test's workspace, with a counting transport."""
    from bot.clock import SYSTEM_CLOCK
    from helpers import open_test_session

    def make(**overrides):
        return open_test_session(workspace, clock=SYSTEM_CLOCK, **overrides)

    return make


def seed_export(name: str) -> tuple[dict[str, list[str]], list[str]]:
    """Parse a flattened Notion export: (property name -> values, body lines).

    Empty values have no line at all; the last property (priority) has a value only when
    the line after it is a number.
    """
    lines = (SEEDS / name).read_text(encoding="utf-8").splitlines()
    order = ["type", "status", "date", "slug", "summary", "tags", "category", "icon", "password", "priority"]
    props: dict[str, list[str]] = {}
    i = 0
    for pos, key in enumerate(order):
        assert lines[i] == key, (i, lines[i])
        i += 1
        following = order[pos + 1] if pos + 1 < len(order) else None
        values: list[str] = []
        if following is None:
            if i < len(lines) and lines[i].replace(".", "", 1).isdigit():
                values.append(lines[i])
                i += 1
        else:
            while lines[i] != following:
                values.append(lines[i])
                i += 1
        props[key] = values
    return props, lines[i:]


def dumps(obj) -> str:
    return json.dumps(obj, ensure_ascii=False, sort_keys=True)


@pytest.fixture
def database_url():
    """A new, empty PostgreSQL database (tests/pg_server.py: TEST_POSTGRES_URL or a
    throwaway server); skips when there is none — fails instead under CI=true."""
    import os

    from pg_server import fresh_database, server_url, why_not

    admin = server_url()
    if admin is None:
        if os.environ.get("CI") == "true":
            pytest.fail(why_not())
        pytest.skip(why_not())
    url, drop = fresh_database(admin)
    yield url
    drop()


@pytest.fixture
def shared_env(env, database_url, monkeypatch):
    """`env` with BOT_DATABASE_URL: the ledger and the lock in PostgreSQL."""
    monkeypatch.setenv("BOT_DATABASE_URL", database_url)
    return env


@pytest.fixture
def en_path(env):
    """The W22 English content file of the test's content copy."""
    return env / "content" / "rec-weekly" / "2026-W22" / "en.md"


@pytest.fixture
def published(workspace):
    """The test's workspace with W22 published once (both pages created)."""
    from helpers import publish

    results, _ = publish(workspace)
    assert [r.action for r in results] == ["created", "created"]
    return workspace
