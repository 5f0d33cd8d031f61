"""The engine's scenarios on every Notion-Version the bot speaks, against the embedded workspace.

2026-03-11 is the default; 2025-09-03 is still selectable (NOTION_VERSION); 2026-12-01 is ready:
list requests name the properties they read (`filter_properties`: on 2026-12-01 a page in a
query's results otherwise carries only its title), nothing relies on a user's name, no request
carries `archived` or a flat `after`.
"""

from __future__ import annotations

import json
import struct
import zlib

import httpx
import pytest

from bot.errors import DriftError
from bot.local import LocalTransport
from bot.engine.publish import PublishOptions, Publisher
from bot.session import open_session
from bot.settings import DEFAULT_NOTION_VERSION, NOTION_VERSIONS, load_settings
from bot.source import read_all, select_week
from helpers import CountingTransport, edit, human_api

EN = "rec-weekly-en-2026-W22"
VERSIONS = pytest.mark.parametrize("version", NOTION_VERSIONS)


class Recorder(httpx.BaseTransport):
    """Every request as sent: method, path, query pairs, Notion-Version, JSON body."""

    def __init__(self, inner: httpx.BaseTransport):
        self.inner = inner
        self.sent: list[dict] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        is_json = body[:1] == b"{"
        self.sent.append(
            {
                "method": request.method,
                "path": request.url.path,
                "query": list(request.url.params.multi_items()),
                "version": request.headers.get("notion-version"),
                "body": json.loads(body) if is_json else None,
            }
        )
        return self.inner.handle_request(request)


def _publish(workspace, week="W22", **options):
    recorder = Recorder(LocalTransport(workspace))
    counting = CountingTransport(recorder)
    s = open_session(load_settings(), transport=counting, workspace=workspace)
    variants = read_all(s.settings.bot_content_dir)
    results = Publisher(s, variants, PublishOptions(**options)).publish_group(select_week(variants, week))
    return results, counting, recorder


@pytest.fixture
def at_version(env, monkeypatch):
    def use(version: str) -> None:
        monkeypatch.setenv("NOTION_VERSION", version)

    return use


def _keys(value, found: set) -> set:
    if isinstance(value, dict):
        for k, v in value.items():
            found.add(k)
            _keys(v, found)
    elif isinstance(value, list):
        for v in value:
            _keys(v, found)
    return found


def test_the_default_is_2026_03_11(env, monkeypatch):
    monkeypatch.delenv("NOTION_VERSION", raising=False)
    assert DEFAULT_NOTION_VERSION == "2026-03-11" == load_settings().notion_version


def test_an_unsupported_version_is_refused_with_the_supported_ones(cli, monkeypatch):
    monkeypatch.setenv("NOTION_VERSION", "2022-06-28")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and "2025-09-03, 2026-03-11, 2026-12-01" in err and "Traceback" not in err


@VERSIONS
def test_fresh_then_no_op_then_one_property(version, at_version, workspace, en_path):
    at_version(version)
    results, counting, recorder = _publish(workspace)
    assert [r.action for r in results] == ["created", "created"]
    assert {r["version"] for r in recorder.sent} == {version}
    queries = [r for r in recorder.sent if r["path"].endswith("/query")]
    assert queries and all(any(k == "filter_properties" for k, _ in r["query"]) for r in queries)
    sent_keys = set().union(*(_keys(r["body"], set()) for r in recorder.sent))
    assert "archived" not in sent_keys and "after" not in sent_keys

    again, counting, _ = _publish(workspace)  # every mapped property came back: nothing to write
    assert [r.action for r in again] == ["unchanged", "unchanged"] and counting.writes == 0

    edit(en_path, "status: Published", "status: Invisible")
    edited, counting, _ = _publish(workspace)
    assert counting.writes == 1 and list(edited[0].plan.properties) == ["status"]


@VERSIONS
def test_an_edited_paragraph_is_one_write(version, at_version, workspace, en_path):
    at_version(version)
    _publish(workspace)
    edit(
        en_path, "This week's recommendation system research clusters around three technical threads.", "Three threads."
    )
    results, counting, _ = _publish(workspace)
    assert [r.action for r in results] == ["updated", "unchanged"] and counting.writes == 1


@VERSIONS
def test_drift_stops_the_run(version, at_version, workspace):
    at_version(version)
    _publish(workspace)
    human = human_api(workspace)
    s = open_session(load_settings(), transport=LocalTransport(workspace), workspace=workspace)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN)[0]
    paragraph = next(b for b in s.api.list_children(page["id"]) if b["type"] == "paragraph")
    human.update_block(
        paragraph["id"],
        {
            "type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Edited by a person."}}]},
        },
    )
    with pytest.raises(DriftError) as err:
        _publish(workspace)
    assert EN in str(err.value)


@VERSIONS
def test_twins_are_healed(version, at_version, workspace):
    at_version(version)
    _publish(workspace)
    s = open_session(load_settings(), transport=LocalTransport(workspace), workspace=workspace)
    ds = s.target("en").data_source_id
    first = s.api.find_pages(ds, "slug", "rich_text", EN)
    s.api.update_page(first[0]["id"], in_trash=True)
    _publish(workspace)  # a second page for the slug
    s.api.update_page(first[0]["id"], in_trash=False)
    twins = s.api.find_pages(ds, "slug", "rich_text", EN)
    assert len(twins) == 2
    oldest = min(twins, key=lambda p: (p["created_time"], p["id"]))  # the rule: the oldest stays, the id breaks ties
    _publish(workspace)
    assert [p["id"] for p in s.api.find_pages(ds, "slug", "rich_text", EN)] == [oldest["id"]]


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


@VERSIONS
def test_an_image_is_uploaded_once(version, at_version, workspace, env):
    at_version(version)
    folder = env / "content" / "rec-weekly" / "2026-W05"
    folder.mkdir(parents=True)
    (folder / "chart.png").write_bytes(_png())
    front = (
        "---\ntitle: Charts\nlang: en\nweek: 2026-W05\nseries: rec-weekly\nslug: rec-weekly-en-2026-W05\n"
        "type: Post\nstatus: Draft\ndate: 2026-01-31 08:00\n---\n\n"
    )
    (folder / "en.md").write_text(front + "Before.\n\n![A chart](chart.png)\n\nAfter.\n", encoding="utf-8")
    _, _, recorder = _publish(workspace, "2026-W05")
    assert any(r["path"].endswith("/send") for r in recorder.sent)
    _, counting, _ = _publish(workspace, "2026-W05")
    assert counting.writes == 0
