"""Drift as a conflict of content over HTTP: the bot and a colleague both talk to a served
workspace (`bot local serve`), as they would to api.notion.com."""

from __future__ import annotations

import json

import pytest

from bot.clock import VirtualClock
from bot.local import LocalWorkspace, serve
from bot.mapping import load_mapping
from bot.notion import NotionAPI
from conftest import ROOT
from helpers import edit

EN = "rec-weekly-en-2026-W22"
FIRST = "This week's recommendation system research clusters around three technical threads."


@pytest.fixture
def served(env, monkeypatch):
    ws = LocalWorkspace(env / "remote.sqlite3", bot_token="ntn_test_secret_0123456789")
    database_id, _ = ws.ensure_database("Blog", load_mapping(ROOT / "mappings" / "rec-weekly.yaml").database_schema())
    handle = serve(ws, port=0)
    monkeypatch.setenv("NOTION_TOKEN", ws.bot_token)
    monkeypatch.setenv("NOTION_BASE_URL", handle.url)
    monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
    ws.add_user("Ada Editor", "ada-http-token")
    yield NotionAPI(auth="ada-http-token", base_url=handle.url, rate=1e6, clock=VirtualClock())
    handle.shutdown()


def test_an_edit_pulled_over_http_is_no_drift_and_a_new_one_is(served, cli, content):
    ada = served
    assert cli("publish", "--week", "W22")[0] == 0
    pid = json.loads(cli("pull", EN, "--out", "-", "--json")[1])["pulled"][0]["page_id"]

    def paragraph(start: str) -> dict:
        return next(
            b
            for b in ada.list_children(pid)
            if b["type"] == "paragraph"
            and "".join(t["plain_text"] for t in b["paragraph"]["rich_text"]).startswith(start)
        )

    def rewrite(start: str, text: str) -> dict:
        return ada.update_block(
            paragraph(start)["id"],
            {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}},
        )

    rewrite(FIRST, "Ada's first sentence, over HTTP.")
    code, out, err = cli("pull", EN, "--edited")
    assert code == 0 and out.startswith("updated"), err
    path = content / "2026-W22" / "en.md"
    edit(path, "Ada's first sentence, over HTTP.", "The editor's first sentence.")  # changed again: no conflict
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "updated     1 writes" in out

    coda = rewrite("Coda:", "Ada's coda.")
    edit(path, "**Coda:** All four papers", "**Coda:** The four papers")
    code, out, err = cli("publish", "--week", "W22", "--dry-run", "--json")
    drift = json.loads(out)["variants"][0]["plan"]["drift"]
    assert [(b["block_id"], b["notion"]) for b in drift["blocks"]] == [(coda["id"], "Ada's coda.")]
    assert drift["blocks"][0]["file"].startswith("**Coda:** The four papers")
