"""Drift names who edited and when, and `bot pull --edited` keeps exactly their blocks."""

from __future__ import annotations

import difflib
import json
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from bot.clock import VirtualClock
from bot.local import LocalTransport
from bot.notion import NotionAPI
from helpers import edit

EN = "rec-weekly-en-2026-W22"


def person(workspace, name="Ada Editor", token="ada-token") -> NotionAPI:
    workspace.add_user(name, token)
    return NotionAPI(
        auth=token, base_url="http://local", transport=LocalTransport(workspace), rate=1e6, clock=VirtualClock()
    )


def page_id(cli, slug=EN) -> str:
    return json.loads(cli("pull", slug, "--out", "-", "--json")[1])["pulled"][0]["page_id"]


def edit_first_paragraph(api, pid: str, text: str) -> dict:
    block = next(
        b for b in api.list_children(pid) if b["type"] == "paragraph" and len(b["paragraph"]["rich_text"]) == 1
    )
    return api.update_block(
        block["id"], {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}
    )


def shanghai(iso: str) -> str:
    return (
        datetime.fromisoformat(iso.replace("Z", "+00:00"))
        .astimezone(ZoneInfo("Asia/Shanghai"))
        .strftime("%Y-%m-%d %H:%M")
    )


@pytest.fixture
def drifted(cli, workspace):
    assert cli("publish", "--week", "W22")[0] == 0
    return edit_first_paragraph(person(workspace), page_id(cli), "A sentence Ada wrote in Notion.")


def test_drift_names_the_editor_and_when(cli, drifted):
    when = shanghai(drifted["last_edited_time"])
    code, _, err = cli("publish", "--week", "W22")
    assert code == 1
    assert f"{EN}: 1 block(s) edited by Ada Editor (last edit {when} Asia/Shanghai)" in err
    assert "user " not in err.split("hint:")[0]  # a name, not a UUID
    assert f"hint: to keep those edits instead, take them into the files: bot pull {EN} --edited" in err

    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0
    assert f"! drift: 1 block(s) edited by Ada Editor (last edit {when} Asia/Shanghai)" in out
    assert f"keep Notion's version of the edited blocks instead: bot pull {EN} --edited" in out

    code, out, _ = cli("publish", "--week", "W22", "--dry-run", "--json")
    drift = json.loads(out)["variants"][0]["plan"]["drift"]
    assert drift["editors"][0]["name"] == "Ada Editor" and drift["edited_local"] == f"{when} Asia/Shanghai"


def test_editors_are_looked_up_once_per_run(cli, workspace, counted):
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    for slug in (EN, "rec-weekly-zh-2026-W22"):
        edit_first_paragraph(ada, page_id(cli, slug), "Ada was here.")
    counted["transport"].reset()
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert out.count("edited by Ada Editor") == 2
    user_reads = [
        path for method, path in counted["transport"].requests if re.fullmatch(r"/v1/users/[0-9a-f-]{36}", path)
    ]
    assert len(user_reads) == 1


def test_an_editor_the_integration_may_not_read_is_named_by_id(cli, drifted, monkeypatch):
    # Notion answers 403 restricted_resource without the "read user information" capability;
    # any refusal of the users API leaves the id.
    monkeypatch.setenv(
        "BOT_LOCAL_FAULTS",
        json.dumps([{"kind": "status", "status": 503, "method": "GET", "path": "/v1/users/[0-9a-f]{8}-"}]),
    )
    monkeypatch.setenv("BOT_MAX_ATTEMPTS", "1")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    editor = drifted["last_edited_by"]["id"]
    assert f"1 block(s) edited by user {editor} (last edit" in out


def test_pull_edited_takes_exactly_the_edited_blocks_then_publish_has_no_drift(cli, content, drifted, counted):
    path = content / "2026-W22" / "en.md"
    edit(
        path,
        "Four industrial distillation papers this week",
        "Four industrial distillation papers (edited locally) this week",
    )
    before = path.read_text(encoding="utf-8")
    zh_before = (content / "2026-W22" / "zh.md").read_text(encoding="utf-8")

    code, out, err = cli("pull", "--week", "W22", "--edited")
    assert code == 0, err
    assert f"updated   {path}  ({EN}: 1 block(s) edited in Notion)" in out
    after = path.read_text(encoding="utf-8")
    diff = [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and line[:3] not in ("+++", "---")
    ]
    assert len(diff) == 2 and diff[1] == "+A sentence Ada wrote in Notion.", diff
    assert "(edited locally)" in after  # the file's own pending change stays
    assert (content / "2026-W22" / "zh.md").read_text(encoding="utf-8") == zh_before

    counted["transport"].reset()
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err  # the kept edit is no longer drift
    variants = {v["slug"]: v for v in json.loads(out)["variants"]}
    assert variants[EN]["action"] == "updated" and variants[EN]["writes"] == 1  # only the local change
    code, out, _ = cli("pull", EN, "--out", "-")
    assert "A sentence Ada wrote in Notion." in out and "(edited locally)" in out


def test_pull_edited_needs_the_file(cli, content, drifted):
    (content / "2026-W22" / "en.md").unlink()
    code, _, err = cli("pull", EN, "--edited")
    assert code == 1 and "--edited takes edits into existing files" in err
