"""The same scenario in-process and over real HTTP must give identical results."""

from __future__ import annotations

import logging
import re

import notion_client
from notion_client.helpers import collect_paginated_api

from bot.clock import VirtualClock
from bot.local import LocalTransport, LocalWorkspace, serve

from .conftest import SCHEMA, para, title_props

_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}")


def normalize(obj, mapping=None):
    """Replace ids by their order of first appearance and drop request ids."""
    mapping = {} if mapping is None else mapping

    def sub_ids(s: str) -> str:
        def repl(m):
            key = m.group(0).replace("-", "")
            mapping.setdefault(key, f"<id{len(mapping)}>")
            return mapping[key]

        return _UUID.sub(repl, s)

    if isinstance(obj, dict):
        return {k: normalize(v, mapping) for k, v in obj.items() if k != "request_id"}
    if isinstance(obj, list):
        return [normalize(v, mapping) for v in obj]
    if isinstance(obj, str):
        return sub_ids(obj)
    return obj


def scenario(notion: notion_client.Client, ds_id: str) -> list:
    out = []
    out.append(notion.users.me())
    page = notion.pages.create(
        parent={"type": "data_source_id", "data_source_id": ds_id},
        properties={
            **title_props("Issue 1", "issue-1"),
            "status": {"select": {"name": "Draft"}},
            "tags": {"multi_select": [{"name": "news"}]},
        },
        icon={"type": "emoji", "emoji": "📰"},
        children=[
            {"heading_2": {"rich_text": [{"text": {"content": "Intro"}}]}},
            {
                "toggle": {
                    "rich_text": [{"text": {"content": "More"}}],
                    "children": [
                        {"bulleted_list_item": {"rich_text": [{"text": {"content": "a"}}], "children": [para("deep")]}},
                    ],
                }
            },
            {"code": {"rich_text": [{"text": {"content": "print(1)"}}], "language": "python"}},
        ],
    )
    out.append(page)
    out.append(notion.data_sources.query(ds_id, filter={"property": "slug", "rich_text": {"equals": "issue-1"}}))
    first = notion.blocks.children.list(page["id"])
    out.append(first)
    head_id = first["results"][0]["id"]
    out.append(notion.blocks.children.append(page["id"], children=[para("after heading")], after=head_id))
    out.append(notion.blocks.children.append(page["id"], children=[para("at start")], position={"type": "start"}))
    out.append(notion.blocks.update(head_id, heading_2={"rich_text": [{"text": {"content": "Intro!"}}]}))
    out.append(notion.blocks.delete(first["results"][2]["id"]))
    out.append(
        notion.pages.update(
            page["id"], properties={"status": {"select": {"name": "Published"}}, "priority": {"number": 2}}
        )
    )
    out.append(notion.blocks.children.list(page["id"]))
    long_page = notion.pages.create(parent={"data_source_id": ds_id}, properties=title_props("Long", "long"))
    for start in range(0, 250, 100):
        notion.blocks.children.append(
            long_page["id"], children=[para(f"p{i}") for i in range(start, min(start + 100, 250))]
        )
    blocks = collect_paginated_api(notion.blocks.children.list, block_id=long_page["id"], page_size=100)
    out.append([b["paragraph"]["rich_text"][0]["plain_text"] for b in blocks])
    out.append(notion.data_sources.query(ds_id, sorts=[{"property": "title", "direction": "ascending"}]))
    out.append(notion.pages.retrieve(page["id"]))
    out.append(notion.data_sources.retrieve(ds_id))
    return out


def _run_in_process() -> list:
    ws = LocalWorkspace(":memory:", clock=VirtualClock())
    _, ds_id = ws.ensure_database("Newsletter", SCHEMA)
    import httpx

    notion = notion_client.Client(
        auth=ws.bot_token,
        base_url="http://local",
        log_level=logging.CRITICAL,
        client=httpx.Client(transport=LocalTransport(ws)),
    )
    return scenario(notion, ds_id)


def _run_over_http() -> list:
    ws = LocalWorkspace(":memory:", clock=VirtualClock())
    _, ds_id = ws.ensure_database("Newsletter", SCHEMA)
    with serve(ws, port=0) as handle:
        notion = notion_client.Client(auth=ws.bot_token, base_url=handle.url, log_level=logging.CRITICAL)
        return scenario(notion, ds_id)


def _strip_option_noise(results: list) -> list:
    return normalize(results)


def test_in_process_and_http_give_identical_results():
    a = _run_in_process()
    b = _run_over_http()
    # property ids are random per workspace; normalise them by name
    na, nb = normalize(a), normalize(b)
    assert _prop_ids_removed(na) == _prop_ids_removed(nb)
    assert na[10] == [f"p{i}" for i in range(250)]
    texts = [blk["type"] for blk in na[9]["results"]]
    assert texts == ["paragraph", "heading_2", "paragraph", "toggle"]


def _prop_ids_removed(obj):
    if isinstance(obj, dict):
        return {
            k: (None if k == "id" and isinstance(v, str) and not v.startswith("<id") else _prop_ids_removed(v))
            for k, v in obj.items()
        }
    if isinstance(obj, list):
        return [_prop_ids_removed(v) for v in obj]
    return obj


def test_scenario_shapes_in_process():
    a = _run_in_process()
    me, page, query = a[0], a[1], a[2]
    assert me["type"] == "bot" and me["bot"]["owner"] == {"type": "workspace", "workspace": True}
    assert page["object"] == "page" and page["parent"]["type"] == "data_source_id"
    assert page["icon"] == {"type": "emoji", "emoji": "📰"}
    assert page["url"].endswith(page["id"].replace("-", ""))
    assert page["public_url"] is None
    assert [r["id"] for r in query["results"]] == [page["id"]]
    appended = a[4]
    assert appended["object"] == "list" and len(appended["results"]) == 1
    deleted = a[7]
    assert deleted["in_trash"] is True and deleted["archived"] is True
    final = a[12]
    assert final["properties"]["status"]["select"]["name"] == "Published"
    assert final["properties"]["priority"]["number"] == 2
