"""Behaviour the SDK's recordings of real Notion show (see test_replay.py), checked through the SDK."""

from __future__ import annotations

import notion_client
import pytest

from .conftest import raw

TITLE = [{"text": {"content": "Child"}}]


def top_page(notion, title: str = "Root") -> dict:
    return notion.pages.create(parent={"workspace": True}, properties={"title": [{"text": {"content": title}}]})


def test_page_under_a_page_is_a_child_page_block_of_it(notion):
    root = top_page(notion)
    child = notion.pages.create(parent={"page_id": root["id"]}, properties={"title": TITLE}, children=[])
    assert child["parent"] == {"type": "page_id", "page_id": root["id"]}
    assert child["properties"] == {
        "title": {"id": "title", "type": "title", "title": child["properties"]["title"]["title"]}
    }
    assert child["properties"]["title"]["title"][0]["plain_text"] == "Child"
    listed = notion.blocks.children.list(root["id"])["results"]
    assert [(b["type"], b["id"], b["child_page"]["title"]) for b in listed] == [("child_page", child["id"], "Child")]
    assert notion.blocks.retrieve(root["id"])["has_children"] is True

    trashed = notion.blocks.delete(child["id"])
    assert trashed["type"] == "child_page" and trashed["in_trash"] is True
    assert trashed["parent"] == {"type": "page_id", "page_id": root["id"]}
    assert notion.blocks.children.list(root["id"])["results"] == []
    restored = notion.pages.update(child["id"], archived=False)
    assert restored["in_trash"] is False
    assert len(notion.blocks.children.list(root["id"])["results"]) == 1


def test_page_under_a_trashed_page_is_refused(notion):
    root = top_page(notion)
    notion.blocks.delete(root["id"])
    with pytest.raises(notion_client.APIResponseError) as e:
        notion.pages.create(parent={"page_id": root["id"]}, properties={"title": TITLE})
    assert e.value.code == "validation_error"


def test_database_created_under_a_page_and_trashed_through_the_blocks_endpoint(notion):
    root = top_page(notion)
    db = notion.databases.create(parent={"type": "page_id", "page_id": root["id"]}, title=[{"text": {"content": "DB"}}])
    assert db["parent"] == {"type": "page_id", "page_id": root["id"]}
    assert "created_by" not in db and len(db["data_sources"]) == 1
    ds = notion.data_sources.retrieve(db["data_sources"][0]["id"])
    assert ds["database_parent"] == {"type": "page_id", "page_id": root["id"]}
    assert ds["properties"]["Name"] == {
        "id": "title",
        "name": "Name",
        "description": None,
        "type": "title",
        "title": {},
    }

    second = notion.data_sources.create(
        parent={"type": "database_id", "database_id": db["id"]},
        properties={"Name": {"title": {}}},
        title=[{"text": {"content": "Two"}}],
        icon={"type": "emoji", "emoji": "⚙️"},
    )
    assert second["icon"] == {"type": "emoji", "emoji": "⚙️"}
    assert len(notion.databases.retrieve(db["id"])["data_sources"]) == 2
    archived = notion.data_sources.update(second["id"], archived=True)
    assert archived["in_trash"] is True and archived["archived"] is True

    block = notion.blocks.delete(db["id"])
    assert (
        block["type"] == "child_database" and block["child_database"] == {"title": "DB"} and block["in_trash"] is True
    )
    assert notion.databases.retrieve(db["id"])["in_trash"] is True
    assert notion.blocks.children.list(root["id"])["results"] == []
    restored = notion.blocks.update(db["id"], archived=False)
    assert restored["type"] == "child_database" and restored["in_trash"] is False
    assert [b["type"] for b in notion.blocks.children.list(root["id"])["results"]] == ["child_database"]


def test_paragraphs_carry_a_null_icon(notion):
    root = top_page(notion)
    out = notion.blocks.children.append(
        root["id"], children=[{"paragraph": {"rich_text": [{"text": {"content": "p"}}]}}]
    )
    assert list(out["results"][0]["paragraph"]) == ["rich_text", "icon", "color"]
    assert out["results"][0]["paragraph"]["icon"] is None


def test_external_url_upload_is_pending(notion):
    up = notion.file_uploads.create(mode="external_url", filename="doc.pdf", external_url="https://example.com/doc.pdf")
    assert (up["status"], up["content_type"], up["content_length"]) == ("pending", "application/pdf", None)


def test_unknown_url_is_refused_before_the_token_is_checked(ws):
    status, body, _ = raw(ws, "GET", "/v1/invalid", token="not-a-token")
    assert (status, body["code"], body["message"]) == (400, "invalid_request_url", "Invalid request URL.")


def test_person_users_say_whether_their_email_is_verified(ws, notion):
    ws.add_user("Ann Lee", "ann-token", email="ann@example.org", avatar_url="https://example.org/a.png")
    ws.add_user("Bo", "bo-token")
    people = {u["name"]: u for u in notion.users.list()["results"] if u["type"] == "person"}
    assert people["Ann Lee"]["person"] == {"email": "ann@example.org", "email_verified": True}
    assert people["Ann Lee"]["avatar_url"] == "https://example.org/a.png"
    assert people["Bo"]["person"]["email_verified"] is False


def test_relative_date_filters(ws, ids, notion, clock):
    _, ds = ids
    notion.pages.create(parent={"data_source_id": ds}, properties={"title": {"title": [{"text": {"content": "old"}}]}})
    clock.advance(10 * 86400)
    notion.pages.create(parent={"data_source_id": ds}, properties={"title": {"title": [{"text": {"content": "new"}}]}})

    def titles(flt):
        res = notion.data_sources.query(ds, filter=flt)["results"]
        return sorted(p["properties"]["title"]["title"][0]["plain_text"] for p in res)

    assert titles({"timestamp": "created_time", "created_time": {"past_week": {}}}) == ["new"]
    assert titles({"timestamp": "created_time", "created_time": {"past_month": {}}}) == ["new", "old"]
    # whole days, today included (recorded 2026-03-11, test_date_query)
    assert titles({"timestamp": "created_time", "created_time": {"next_week": {}}}) == ["new"]
    with pytest.raises(notion_client.APIResponseError) as e:
        notion.data_sources.query(ds, filter={"timestamp": "created_time", "created_time": {"past_week": True}})
    assert e.value.code == "validation_error"


def test_page_property_items(notion, ids):
    _, ds = ids
    page = notion.pages.create(
        parent={"data_source_id": ds},
        properties={
            "title": {"title": [{"text": {"content": "a"}}, {"text": {"content": "b"}}, {"text": {"content": "c"}}]},
            "priority": {"number": 3},
        },
    )
    first = notion.pages.properties.retrieve(page["id"], "title", page_size=2)
    assert [r["title"]["plain_text"] for r in first["results"]] == ["a", "b"] and first["has_more"] is True
    assert first["property_item"] == {"id": "title", "next_url": None, "type": "title", "title": {}}
    rest = notion.pages.properties.retrieve(page["id"], "title", start_cursor=first["next_cursor"])
    assert [r["title"]["plain_text"] for r in rest["results"]] == ["c"] and rest["has_more"] is False
    number_id = page["properties"]["priority"]["id"]
    item = notion.pages.properties.retrieve(page["id"], number_id)
    item.pop("request_id")
    assert item == {"object": "property_item", "id": number_id, "type": "number", "number": 3}


def test_2022_06_28_answers_with_that_version_shapes(ws, ids):
    db, ds = ids
    old = "2022-06-28"
    status, database, _ = raw(ws, "GET", f"/v1/databases/{db}", version=old)
    assert status == 200 and "data_sources" not in database and "created_by" in database
    assert database["properties"]["title"] == {"id": "title", "name": "title", "type": "title", "title": {}}
    status, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"database_id": db}, "properties": {"title": {"title": [{"text": {"content": "x"}}]}}},
        version=old,
    )
    assert status == 200 and page["parent"] == {"type": "database_id", "database_id": db}
    status, listed, _ = raw(ws, "POST", f"/v1/databases/{db}/query", {}, version=old)
    assert (
        status == 200 and listed["type"] == "page_or_database" and [p["id"] for p in listed["results"]] == [page["id"]]
    )
    status, found, _ = raw(
        ws, "POST", "/v1/search", {"filter": {"property": "object", "value": "database"}}, version=old
    )
    assert [r["object"] for r in found["results"]] == ["database"] and found["type"] == "page_or_database"
    status, body, _ = raw(ws, "GET", f"/v1/data_sources/{ds}", version=old)
    assert (status, body["code"]) == (400, "invalid_request_url")
    status, body, _ = raw(ws, "POST", f"/v1/databases/{db}/query", {}, version="2025-09-03")
    assert (status, body["code"]) == (400, "invalid_request_url")
