"""Pages in lists (query, search): `filter_properties`, and 2026-12-01's title-only default."""

from __future__ import annotations

import httpx
import pytest

from bot.local import serve

from .conftest import raw, title_props


@pytest.fixture
def page(ws, ids):
    _, ds = ids
    st, body, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"data_source_id": ds}, "properties": {**title_props("Hello", "hello"), "priority": {"number": 3}}},
    )
    assert st == 200
    return body


@pytest.mark.parametrize("version", ["2025-09-03", "2026-03-11"])
def test_before_2026_12_01_a_listed_page_carries_every_property(ws, ids, page, version):
    st, body, _ = raw(ws, "POST", f"/v1/data_sources/{ids[1]}/query", {}, version=version)
    assert st == 200 and {"title", "slug", "priority", "status"} <= set(body["results"][0]["properties"])


def test_on_2026_12_01_a_listed_page_carries_only_its_title(ws, ids, page):
    st, body, _ = raw(ws, "POST", f"/v1/data_sources/{ids[1]}/query", {}, version="2026-12-01")
    assert st == 200 and list(body["results"][0]["properties"]) == ["title"]
    ws.settle_search_index()  # search finds a page once the index caught up (test_search_index.py)
    st, found, _ = raw(ws, "POST", "/v1/search", {"query": "Hello"}, version="2026-12-01")
    assert [list(r["properties"]) for r in found["results"] if r["object"] == "page"] == [["title"]]
    st, whole, _ = raw(ws, "GET", f"/v1/pages/{page['id']}", version="2026-12-01")  # one page: all of them
    assert "priority" in whole["properties"]


@pytest.mark.parametrize("version", ["2025-09-03", "2026-03-11", "2026-12-01"])
def test_filter_properties_names_them_by_id(ws, ids, page, version):
    slug_id = page["properties"]["slug"]["id"]
    st, body, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{ids[1]}/query",
        {},
        version=version,
        query={"filter_properties": ["title", slug_id]},
    )
    assert st == 200 and sorted(body["results"][0]["properties"]) == ["slug", "title"]


def test_filter_properties_repeated_in_the_url_over_http(ws, ids, page):
    slug_id = page["properties"]["slug"]["id"]
    with serve(ws, port=0) as handle:
        r = httpx.post(
            f"{handle.url}/v1/data_sources/{ids[1]}/query",
            json={},
            params=[("filter_properties", "title"), ("filter_properties", slug_id)],
            headers={"Authorization": f"Bearer {ws.bot_token}", "Notion-Version": "2026-12-01"},
        )
    assert r.status_code == 200 and sorted(r.json()["results"][0]["properties"]) == ["slug", "title"]
