"""The real-Notion code path: NOTION_TOKEN + NOTION_BASE_URL pointing at `bot local serve`.

Nothing here uses the in-process transport: the bot talks HTTP to a served workspace exactly
as it would to api.notion.com.
"""

from __future__ import annotations

import json

import pytest

from bot.local import FaultPlan, LocalWorkspace, serve
from bot.mapping import load_mapping
from conftest import ROOT


@pytest.fixture
def served(env, monkeypatch):
    ws = LocalWorkspace(env / "remote.sqlite3", bot_token="ntn_test_secret_0123456789")
    mapping = load_mapping(ROOT / "mappings" / "rec-weekly.yaml")
    database_id, _ = ws.ensure_database("Blog", mapping.database_schema())
    handle = serve(ws, port=0)
    monkeypatch.setenv("NOTION_TOKEN", ws.bot_token)
    monkeypatch.setenv("NOTION_BASE_URL", handle.url)
    monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
    yield ws
    handle.shutdown()


def test_publish_over_http_then_nothing_to_do(served, cli):
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert "embedded local workspace" not in err
    data = json.loads(out)
    assert [v["action"] for v in data["variants"]] == ["created", "created"]
    # database, data source, one series query; two creates, the first page's language link and
    # its reveal (it went up hidden until the link was in)
    assert data["requests"] == {"reads": 4, "writes": 4, "retries": 0, "rate_limited": 0}  # the 4th: the twin check
    assert served.bot_token not in out + err
    code, out, err = cli("publish", "--week", "W22", "--json")
    data = json.loads(out)
    assert [v["action"] for v in data["variants"]] == ["unchanged", "unchanged"]
    assert data["requests"] == {"reads": 3, "writes": 0, "retries": 0, "rate_limited": 0}  # no tree read


def test_publish_over_http_survives_rate_limits_and_5xx(served, cli, monkeypatch):
    monkeypatch.setenv("BOT_MAX_RETRY_WAIT", "5")
    served.faults = FaultPlan(
        [{"at": 2, "kind": "rate_limited", "retry_after": 1}, {"at": 4, "kind": "status", "status": 502}]
    )
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["requests"]["retries"] >= 1 and data["requests"]["rate_limited"] == 1
    served.faults = FaultPlan([])
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert json.loads(out)["requests"]["writes"] == 0


def test_wrong_token_says_what_to_do(served, cli, monkeypatch):
    monkeypatch.setenv("NOTION_TOKEN", "ntn_wrong_token_value")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1
    assert "401" in err and "NOTION_TOKEN" in err
    assert "ntn_wrong_token_value" not in out + err


def test_missing_column_is_named(env, cli, monkeypatch):
    ws = LocalWorkspace(env / "remote.sqlite3", bot_token="ntn_x")
    database_id, _ = ws.ensure_database("Blog", {"Name": {"title": {}}, "slug": {"rich_text": {}}})
    handle = serve(ws, port=0)
    try:
        monkeypatch.setenv("NOTION_TOKEN", "ntn_x")
        monkeypatch.setenv("NOTION_BASE_URL", handle.url)
        monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
        code, _, err = cli("publish", "--week", "W22")
    finally:
        handle.shutdown()
    assert code == 1
    assert "database has no property 'status' (select)" in err
    assert ws.request_log and not any(r.method in ("POST", "PATCH") and "query" not in r.path for r in ws.request_log)


def test_one_database_per_language(env, cli, monkeypatch):
    ws = LocalWorkspace(env / "remote.sqlite3", bot_token="ntn_two_dbs")
    mapping = load_mapping(ROOT / "mappings" / "rec-weekly.yaml")
    en_db, en_ds = ws.ensure_database("Blog EN", mapping.database_schema())
    zh_db, zh_ds = ws.ensure_database("Blog ZH", mapping.database_schema())
    handle = serve(ws, port=0)
    try:
        monkeypatch.setenv("NOTION_TOKEN", "ntn_two_dbs")
        monkeypatch.setenv("NOTION_BASE_URL", handle.url)
        monkeypatch.setenv("NOTION_DATABASE_ID", "ignored-when-per-language-ids-are-set")
        monkeypatch.setenv("NOTION_DATABASE_ID_EN", en_db)
        monkeypatch.setenv("NOTION_DATABASE_ID_ZH", zh_db)
        code, out, err = cli("publish", "--week", "W22", "--json")
        assert code == 0, err
        variants = json.loads(out)["variants"]
        from bot.notion import NotionAPI
        from bot.clock import VirtualClock

        api = NotionAPI(auth="ntn_two_dbs", base_url=handle.url, rate=1e6, clock=VirtualClock())
        assert [p["id"] for p in api.query(en_ds, {})] == [variants[0]["page_id"]]
        assert [p["id"] for p in api.query(zh_ds, {})] == [variants[1]["page_id"]]
        code, out, _ = cli("publish", "--week", "W22", "--json")
        assert json.loads(out)["requests"]["writes"] == 0
    finally:
        handle.shutdown()


def test_served_page_urls_show_the_page_in_a_browser(env, cli):
    """The `url` the local workspace gives a page is a real page when `bot local serve` runs."""
    import httpx

    from bot.editor.preview import render_live_page

    assert cli("publish", "--week", "W22")[0] == 0
    ws = LocalWorkspace(env / "state" / "local-notion.sqlite3")
    handle = serve(ws, port=0, page_renderer=render_live_page)
    try:
        ws.public_base_url = handle.url
        from helpers import session

        s, _ = session(ws)
        page = s.api.find_pages(s.target("zh").data_source_id, "slug", "rich_text", "rec-weekly-zh-2026-W22")[0]
        response = httpx.get(f"{handle.url}/p/{page['id'].replace('-', '')}")
        assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
        text = response.text
        assert "推荐技术周报 · 2026-W22" in text and "<strong>要点：</strong>" in text
        assert "2026-05-30 07:01:00+08:00" in text
        assert httpx.get(f"{handle.url}/p/{'0' * 32}").status_code == 404
    finally:
        handle.shutdown()
