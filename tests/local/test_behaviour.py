"""Notion behaviour the bot relies on: content round trips, edits, queries, uploads."""

from __future__ import annotations

import httpx
from notion_client.helpers import collect_paginated_api

from bot.local import LocalWorkspace, serve

from .conftest import SCHEMA, make_client, para, raw, title_props


def rt(text):
    return [{"type": "text", "text": {"content": text}}]


def new_page(notion, ds, title="Page", slug=None, **props):
    return notion.pages.create(
        parent={"data_source_id": ds}, properties={**title_props(title, slug or title.lower()), **props}
    )


def test_1200_block_page_round_trip(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds, "Big")
    for start in range(0, 1200, 100):
        res = notion.blocks.children.append(
            page["id"], children=[para(f"block {i}") for i in range(start, start + 100)]
        )
        assert len(res["results"]) == 100
    blocks = collect_paginated_api(notion.blocks.children.list, block_id=page["id"])
    assert [b["paragraph"]["rich_text"][0]["plain_text"] for b in blocks] == [f"block {i}" for i in range(1200)]
    assert len({b["id"] for b in blocks}) == 1200


def test_150_row_table_round_trip(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds, "Table")
    rows = [{"table_row": {"cells": [rt(f"r{i}c{j}") for j in range(3)]}} for i in range(150)]
    res = notion.blocks.children.append(
        page["id"], children=[{"table": {"table_width": 3, "has_column_header": True, "children": rows[:100]}}]
    )
    table = res["results"][0]
    assert table["has_children"] is True and table["table"] == {
        "table_width": 3,
        "has_column_header": True,
        "has_row_header": False,
    }
    notion.blocks.children.append(table["id"], children=rows[100:])
    got = collect_paginated_api(notion.blocks.children.list, block_id=table["id"])
    cells = [[c[0]["plain_text"] for c in r["table_row"]["cells"]] for r in got]
    assert cells == [[f"r{i}c{j}" for j in range(3)] for i in range(150)]


def test_append_returns_new_first_level_children_only(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds)
    notion.blocks.children.append(page["id"], children=[para("old")])
    res = notion.blocks.children.append(
        page["id"], children=[{"toggle": {"rich_text": rt("t"), "children": [para("inner")]}}, para("new")]
    )
    assert [b["type"] for b in res["results"]] == ["toggle", "paragraph"]
    assert res["results"][0]["has_children"] is True and res["results"][1]["has_children"] is False
    assert res["has_more"] is False and res["next_cursor"] is None and res["type"] == "block"


def test_positions_start_end_after(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds)
    a = notion.blocks.children.append(page["id"], children=[para("a"), para("c")])["results"]
    notion.blocks.children.append(
        page["id"], children=[para("b")], position={"type": "after_block", "after_block": {"id": a[0]["id"]}}
    )
    notion.blocks.children.append(page["id"], children=[para("0")], position={"type": "start"})
    notion.blocks.children.append(page["id"], children=[para("d")], position={"type": "end"})
    notion.blocks.children.append(page["id"], children=[para("a2")], after=a[0]["id"])
    texts = [b["paragraph"]["rich_text"][0]["plain_text"] for b in notion.blocks.children.list(page["id"])["results"]]
    assert texts == ["0", "a", "a2", "b", "c", "d"]


def test_human_edit_is_attributed_and_touches_page(ws, ids, notion, clock):
    _, ds = ids
    human_id = ws.add_user("Editor", "human-token")
    human = make_client(ws, "human-token")
    bot_id = notion.users.me()["id"]
    page = new_page(notion, ds)
    block = notion.blocks.children.append(page["id"], children=[para("a")])["results"][0]
    clock.advance(120)
    edited = human.blocks.update(block["id"], paragraph={"rich_text": rt("human text")})
    assert edited["last_edited_by"] == {"object": "user", "id": human_id}
    assert edited["created_by"] == {"object": "user", "id": bot_id}
    after = notion.pages.retrieve(page["id"])
    assert after["last_edited_by"]["id"] == human_id
    assert after["last_edited_time"] > page["last_edited_time"]
    assert after["last_edited_time"].endswith(":00.000Z")  # minute precision like Notion
    assert human.users.me()["type"] == "person"
    assert notion.users.retrieve(human_id)["name"] == "Editor"


def test_block_update_replaces_only_given_fields(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds)
    b = notion.blocks.children.append(
        page["id"], children=[{"to_do": {"rich_text": rt("task"), "checked": False, "color": "red"}}]
    )["results"][0]
    u = notion.blocks.update(b["id"], to_do={"checked": True})
    assert (
        u["to_do"]["checked"] is True
        and u["to_do"]["color"] == "red"
        and u["to_do"]["rich_text"][0]["plain_text"] == "task"
    )
    c = notion.blocks.children.append(page["id"], children=[{"code": {"rich_text": rt("x"), "language": "python"}}])[
        "results"
    ][0]
    assert notion.blocks.update(c["id"], code={"language": "rust"})["code"]["rich_text"][0]["plain_text"] == "x"


def test_delete_hides_block_and_updates_has_children(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds)
    t = notion.blocks.children.append(
        page["id"], children=[{"toggle": {"rich_text": rt("t"), "children": [para("x")]}}]
    )["results"][0]
    child = notion.blocks.children.list(t["id"])["results"][0]
    deleted = notion.blocks.delete(child["id"])
    assert deleted["in_trash"] is True and deleted["archived"] is True
    assert notion.blocks.retrieve(t["id"])["has_children"] is False
    assert notion.blocks.children.list(t["id"])["results"] == []
    assert notion.blocks.retrieve(child["id"])["in_trash"] is True


def test_new_select_option_is_added_to_schema(ws, ids, notion):
    _, ds = ids
    new_page(
        notion, ds, status={"select": {"name": "Invisible"}}, tags={"multi_select": [{"name": "a"}, {"name": "b"}]}
    )
    schema = notion.data_sources.retrieve(ds)["properties"]
    assert [o["name"] for o in schema["status"]["select"]["options"]] == ["Published", "Draft", "Invisible"]
    assert {o["name"] for o in schema["tags"]["multi_select"]["options"]} == {"a", "b"}
    assert all(
        o["color"] in ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
        for o in schema["status"]["select"]["options"]
    )


def test_date_time_zone_is_converted_on_read(ws, ids, notion):
    _, ds = ids
    p = new_page(
        notion,
        ds,
        date={"date": {"start": "2026-07-01T09:30:00", "end": "2026-07-01T10:00:00", "time_zone": "Europe/Berlin"}},
    )
    assert p["properties"]["date"]["date"] == {
        "start": "2026-07-01T09:30:00.000+02:00",
        "end": "2026-07-01T10:00:00.000+02:00",
        "time_zone": None,
    }
    p2 = new_page(notion, ds, "D", date={"date": {"start": "2026-07-01"}})
    assert p2["properties"]["date"]["date"] == {"start": "2026-07-01", "end": None, "time_zone": None}


def test_query_filters_sorts_and_pagination(ws, ids, notion):
    _, ds = ids
    for i in range(5):
        new_page(
            notion,
            ds,
            f"Post {i}",
            f"post-{i}",
            priority={"number": i},
            status={"select": {"name": "Published" if i % 2 else "Draft"}},
            tags={"multi_select": [{"name": "even" if i % 2 == 0 else "odd"}]},
            date={"date": {"start": f"2026-06-0{i + 1}"}},
            done={"checkbox": i == 3},
        )

    def titles(**kw):
        res = collect_paginated_api(notion.data_sources.query, data_source_id=ds, **kw)
        return [p["properties"]["title"]["title"][0]["plain_text"] for p in res]

    assert titles(filter={"property": "slug", "rich_text": {"equals": "post-2"}}) == ["Post 2"]
    assert titles(
        filter={"property": "title", "title": {"starts_with": "post"}},
        sorts=[{"property": "priority", "direction": "descending"}],
    ) == [f"Post {i}" for i in (4, 3, 2, 1, 0)]
    assert titles(
        filter={
            "and": [
                {"property": "status", "select": {"equals": "Published"}},
                {"property": "priority", "number": {"greater_than": 1}},
            ]
        }
    ) == ["Post 3"]
    # without sorts, newest first (recorded, ultimate-notion 2026-03-11)
    assert titles(
        filter={
            "or": [
                {"property": "tags", "multi_select": {"contains": "odd"}},
                {"property": "done", "checkbox": {"equals": True}},
            ]
        }
    ) == ["Post 3", "Post 1"]
    assert titles(filter={"property": "date", "date": {"on_or_after": "2026-06-04"}}) == ["Post 4", "Post 3"]
    assert titles(filter={"property": "link", "url": {"is_empty": True}}, page_size=2) == [
        f"Post {i}" for i in range(4, -1, -1)
    ]
    assert (
        titles(
            filter={"timestamp": "created_time", "created_time": {"on_or_before": "2030-01-01"}},
            sorts=[{"timestamp": "created_time", "direction": "ascending"}],
        )[0]
        == "Post 0"
    )
    first = notion.data_sources.query(ds, page_size=2)
    assert first["has_more"] is True and len(first["results"]) == 2 and isinstance(first["next_cursor"], str)


def test_trashed_pages_excluded_from_query_and_restorable(ws, ids, notion):
    _, ds = ids
    p = new_page(notion, ds, "Gone")
    assert notion.pages.update(p["id"], in_trash=True)["in_trash"] is True
    assert notion.data_sources.query(ds)["results"] == []
    assert notion.pages.retrieve(p["id"])["in_trash"] is True
    notion.pages.update(p["id"], archived=False)
    assert len(notion.data_sources.query(ds)["results"]) == 1


def test_page_update_icon_and_partial_properties(ws, ids, notion):
    _, ds = ids
    p = new_page(notion, ds, "Icon", priority={"number": 5})
    u = notion.pages.update(
        p["id"], icon={"type": "emoji", "emoji": "✅"}, properties={"slug": {"rich_text": rt("new-slug")}}
    )
    assert u["icon"] == {"type": "emoji", "emoji": "✅"}
    assert u["properties"]["priority"]["number"] == 5
    assert u["properties"]["slug"]["rich_text"][0]["plain_text"] == "new-slug"


def test_data_source_update_adds_and_renames_properties(ws, ids, notion):
    _, ds = ids
    res = notion.data_sources.update(ds, properties={"summary": {"rich_text": {}}, "priority": {"name": "Priority"}})
    assert res["properties"]["summary"]["type"] == "rich_text"
    assert "Priority" in res["properties"] and "priority" not in res["properties"]
    again = ws.ensure_database("Newsletter", SCHEMA)
    assert again == ids


def test_database_and_data_source_shapes(ws, ids, notion):
    db, ds = ids
    d = notion.databases.retrieve(db)
    assert d["object"] == "database" and d["data_sources"] == [{"id": ds, "name": "Newsletter"}]
    s = notion.data_sources.retrieve(ds)
    assert s["object"] == "data_source" and s["parent"] == {"type": "database_id", "database_id": db}
    assert s["properties"]["title"] == {
        "id": "title",
        "name": "title",
        "description": None,
        "type": "title",
        "title": {},
    }
    assert s["properties"]["status"]["select"]["options"][0]["name"] == "Published"


def test_create_page_with_database_id_parent(ws, ids, notion):
    db, ds = ids
    p = notion.pages.create(parent={"database_id": db}, properties=title_props("Via db"))
    assert p["parent"] == {"type": "data_source_id", "data_source_id": ds, "database_id": db}


def test_file_upload_attach_and_download(ws, ids, notion):
    _, ds = ids
    page = new_page(notion, ds)
    up = notion.file_uploads.create(mode="single_part", filename="pic.png", content_type="image/png")
    assert up["status"] == "pending" and up["upload_url"].endswith(f"/v1/file_uploads/{up['id']}/send")
    sent = notion.file_uploads.send(up["id"], file=("pic.png", b"\x89PNG-bytes", "image/png"))
    assert sent["status"] == "uploaded" and sent["content_length"] == 10
    img = notion.blocks.children.append(
        page["id"],
        children=[
            {"type": "image", "image": {"type": "file_upload", "file_upload": {"id": up["id"]}, "caption": rt("cap")}}
        ],
    )["results"][0]
    assert img["image"]["type"] == "file"
    assert img["image"]["file"]["url"] == f"{ws.public_base_url}/files/{up['id']}/pic.png"
    assert img["image"]["caption"][0]["plain_text"] == "cap"
    assert "expiry_time" in img["image"]["file"]
    assert ws.file_bytes(up["id"]) == b"\x89PNG-bytes"
    # reusable once attached ("upload once, attach many times")
    notion.blocks.children.append(
        page["id"], children=[{"type": "file", "file": {"type": "file_upload", "file_upload": {"id": up["id"]}}}]
    )
    with serve(ws, port=0) as handle:
        assert httpx.get(f"{handle.url}/files/{up['id']}/pic.png").content == b"\x89PNG-bytes"


def test_pending_upload_expires_after_an_hour(ws, ids, notion, clock):
    up = notion.file_uploads.create(mode="single_part", filename="a.txt")
    clock.advance(3601)
    assert notion.file_uploads.retrieve(up["id"])["status"] == "expired"


def test_state_persists_in_sqlite_file(tmp_path, clock):
    path = tmp_path / "ws.sqlite3"
    ws = LocalWorkspace(path, clock=clock)
    db, ds = ws.ensure_database("Newsletter", SCHEMA)
    notion = make_client(ws)
    page = new_page(notion, ds, "Persist")
    notion.blocks.children.append(page["id"], children=[para("kept")])
    ws.close()
    ws2 = LocalWorkspace(path, clock=clock)
    n2 = make_client(ws2)
    assert n2.blocks.children.list(page["id"])["results"][0]["paragraph"]["rich_text"][0]["plain_text"] == "kept"
    assert ws2.ensure_database("Newsletter", SCHEMA) == (db, ds)
    ws2.reset()
    st, body, _ = raw(ws2, "GET", f"/v1/pages/{page['id']}")
    assert st == 404
    ws2.close()


def test_request_log_records_method_path_status(ws, ids, notion):
    notion.users.me()
    rec = ws.request_log[-1]
    assert (rec.method, rec.path, rec.status, rec.fault) == ("GET", "/v1/users/me", 200, None)
    assert rec.user_id == notion.users.me()["id"]


def test_thread_safety_concurrent_appends(ws, ids, notion):
    import threading

    _, ds = ids
    page = new_page(notion, ds)
    errors = []

    def worker(n):
        try:
            c = make_client(ws)
            for i in range(10):
                c.blocks.children.append(page["id"], children=[para(f"{n}-{i}")])
        except Exception as e:  # pragma: no cover - surfaced below
            errors.append(e)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert len(collect_paginated_api(notion.blocks.children.list, block_id=page["id"])) == 40
