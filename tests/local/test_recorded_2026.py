"""Behaviour taken from Notion's recorded 2026-03-11 answers (ultimate-notion's cassettes)."""

from __future__ import annotations

from .conftest import raw

V = "2026-03-11"


def _db(ws, body):
    st, db, _ = raw(
        ws, "POST", "/v1/databases", {"parent": {"type": "workspace", "workspace": True}, **body}, version=V
    )
    assert st == 200, db
    return db


def test_an_untitled_database_is_named_new_database_and_its_source_stays_untitled(ws):
    db = _db(ws, {"initial_data_source": {"properties": {"Name": {"title": {}}}}})
    assert db["title"][0]["plain_text"] == "New database" and db["data_sources"][0]["name"] == "New database"
    st, ds, _ = raw(ws, "GET", f"/v1/data_sources/{db['data_sources'][0]['id']}", version=V)
    assert ds["title"] == []


def test_the_database_description_shows_on_its_data_source(ws):
    db = _db(ws, {"title": [{"text": {"content": "D"}}]})
    raw(ws, "PATCH", f"/v1/databases/{db['id']}", {"description": [{"text": {"content": "My articles"}}]}, version=V)
    st, ds, _ = raw(ws, "GET", f"/v1/data_sources/{db['data_sources'][0]['id']}", version=V)
    assert [t["plain_text"] for t in ds["description"]] == ["My articles"]


def test_a_database_can_be_locked(ws):
    db = _db(ws, {"title": [{"text": {"content": "D"}}]})
    st, locked, _ = raw(ws, "PATCH", f"/v1/databases/{db['id']}", {"is_locked": True}, version=V)
    assert st == 200 and locked["is_locked"] is True


def test_a_two_way_relation_has_a_named_twin_listing_the_related_pages(ws):
    items = _db(ws, {"title": [{"text": {"content": "Items"}}]})
    items_ds = items["data_sources"][0]["id"]
    customers = _db(
        ws,
        {
            "title": [{"text": {"content": "Customers"}}],
            "initial_data_source": {
                "properties": {
                    "Name": {"title": {}},
                    "Bought": {"relation": {"data_source_id": items_ds, "type": "dual_property", "dual_property": {}}},
                }
            },
        },
    )
    cust_ds = customers["data_sources"][0]["id"]
    st, cs, _ = raw(ws, "GET", f"/v1/data_sources/{cust_ds}", version=V)
    rel = cs["properties"]["Bought"]["relation"]
    assert rel["database_id"] == items["id"] and rel["data_source_id"] == items_ds
    twin_id = rel["dual_property"]["synced_property_id"]
    st, its, _ = raw(ws, "GET", f"/v1/data_sources/{items_ds}", version=V)
    twin = its["properties"][rel["dual_property"]["synced_property_name"]]
    assert twin["id"] == twin_id and twin["name"] == "Related to Customers (Bought)"
    st, _, _ = raw(
        ws, "PATCH", f"/v1/data_sources/{items_ds}", {"properties": {twin_id: {"name": "Bought by"}}}, version=V
    )
    assert st == 200
    st, item, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"data_source_id": items_ds}, "properties": {"Name": {"title": [{"text": {"content": "Item"}}]}}},
        version=V,
    )
    st, customer, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": cust_ds},
            "properties": {"Bought": {"relation": [{"id": item["id"]}], "has_more": False}},
        },
        version=V,
    )  # has_more as read back: accepted
    assert st == 200, customer
    st, back, _ = raw(ws, "GET", f"/v1/pages/{item['id']}", version=V)
    assert back["properties"]["Bought by"]["relation"] == [{"id": customer["id"]}]


def test_search_matches_words_of_titles(ws):
    for title in ("Formula DB", "Task DB", "Tests"):
        _db(ws, {"title": [{"text": {"content": title}}]})
    ws.settle_search_index()
    st, found, _ = raw(
        ws,
        "POST",
        "/v1/search",
        {"query": "Contacts DB", "filter": {"property": "object", "value": "data_source"}},
        version=V,
    )
    assert sorted(r["title"][0]["plain_text"] for r in found["results"]) == ["Formula DB", "Task DB"]
    st, found, _ = raw(
        ws, "POST", "/v1/search", {"query": "Test", "filter": {"property": "object", "value": "data_source"}}, version=V
    )
    assert [r["title"][0]["plain_text"] for r in found["results"]] == ["Tests"]


def _page(ws):
    st, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"workspace": True}, "properties": {"title": [{"text": {"content": "P"}}]}},
        version=V,
    )
    return page


def test_blocks_notion_accepts(ws):
    page = _page(ws)
    st, body, _ = raw(
        ws,
        "PATCH",
        f"/v1/blocks/{page['id']}/children",
        {
            "position": {"type": "start"},
            "children": [
                {
                    "type": "paragraph",
                    "paragraph": {"rich_text": [{"text": {"content": "hi"}}], "icon": {"type": "emoji", "emoji": "👍"}},
                },
                {
                    "type": "column_list",
                    "column_list": {
                        "children": [
                            {"type": "column", "column": {"children": []}},
                            {
                                "type": "column",
                                "column": {"children": [{"type": "paragraph", "paragraph": {"rich_text": []}}]},
                            },
                        ]
                    },
                },
                {"type": "callout", "callout": {"rich_text": [{"text": {"content": "c"}}]}},
            ],
        },
        version=V,
    )
    assert st == 200, body
    assert body["results"][0]["paragraph"]["icon"] == {"type": "emoji", "emoji": "👍"}
    callout = body["results"][2]
    st, updated, _ = raw(
        ws,
        "PATCH",
        f"/v1/blocks/{callout['id']}",
        {"callout": {"rich_text": [{"text": {"content": "d"}}], "children": []}},
        version=V,
    )
    assert st == 200 and updated["callout"]["rich_text"][0]["plain_text"] == "d"


def test_user_mentions_and_people_values_are_full_users(ws):
    uid = ws.add_user("Adam", "adam-token", email="adam@example.com")
    st, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {
            "parent": {"workspace": True},
            "properties": {"title": [{"type": "mention", "mention": {"type": "user", "user": {"id": uid}}}]},
        },
        version=V,
    )
    user = page["properties"]["title"]["title"][0]["mention"]["user"]
    assert user == {
        "object": "user",
        "id": uid,
        "name": "Adam",
        "avatar_url": None,
        "type": "person",
        "person": {"email": "adam@example.com"},
    }


def test_date_values_are_kept_to_the_minute(ws, ids):
    st, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": ids[1]},
            "properties": {
                "title": {"title": [{"text": {"content": "d"}}]},
                "date": {"date": {"start": "2026-06-27T17:57:32.424Z"}},
            },
        },
        version=V,
    )
    assert page["properties"]["date"]["date"]["start"] == "2026-06-27T17:57:00.000+00:00"
    st, found, _ = raw(
        ws,
        "POST",
        f"/v1/data_sources/{ids[1]}/query",
        {"filter": {"property": "date", "date": {"equals": "2026-06-27T17:57:00Z"}}},
        version=V,
    )
    assert len(found["results"]) == 1


def test_an_append_after_a_block_answers_the_new_blocks_then_those_after_them(ws):
    page = _page(ws)
    para = lambda t: {"type": "paragraph", "paragraph": {"rich_text": [{"text": {"content": t}}]}}
    st, first, _ = raw(
        ws, "PATCH", f"/v1/blocks/{page['id']}/children", {"children": [para("a"), para("c"), para("d")]}, version=V
    )
    st, body, _ = raw(
        ws,
        "PATCH",
        f"/v1/blocks/{page['id']}/children",
        {
            "children": [para("b")],
            "position": {"type": "after_block", "after_block": {"id": first["results"][0]["id"]}},
        },
        version=V,
    )
    assert [r["paragraph"]["rich_text"][0]["plain_text"] for r in body["results"]] == ["b", "c", "d"]


def test_schema_options_without_a_color_are_default_and_2026_users_carry_no_email_verified(ws):
    db = _db(
        ws,
        {
            "title": [{"text": {"content": "S"}}],
            "initial_data_source": {
                "properties": {
                    "Name": {"title": {}},
                    "Select": {"select": {"options": [{"name": "Option1"}, {"name": "Option2", "color": "red"}]}},
                }
            },
        },
    )
    st, ds, _ = raw(ws, "GET", f"/v1/data_sources/{db['data_sources'][0]['id']}", version=V)
    assert [o["color"] for o in ds["properties"]["Select"]["select"]["options"]] == ["default", "red"]
    ws.add_user("Adam", "adam-token", email="adam@example.com")
    st, users, _ = raw(ws, "GET", "/v1/users", version=V)
    st, older, _ = raw(ws, "GET", "/v1/users", version="2025-09-03")
    assert [u["person"] for u in users["results"] if u["type"] == "person"] == [{"email": "adam@example.com"}]
    assert all("email_verified" in u["person"] for u in older["results"] if u["type"] == "person")


def test_numbers_in_a_title_do_not_match_pieces_of_an_id(ws):
    st, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"workspace": True}, "properties": {"title": [{"text": {"content": "Test 2024-12-30 18:21"}}]}},
        version=V,
    )
    st, found, _ = raw(ws, "POST", "/v1/search", {"query": "12345678-1234-4123-8123-123456789abc"}, version=V)
    assert found["results"] == []


def test_status_options_named_on_create_all_go_to_the_to_do_group(ws):
    named = ["Backlog", "Blocked", "In Progress", "Done"]
    db = _db(
        ws,
        {
            "title": [{"text": {"content": "Tasks"}}],
            "initial_data_source": {
                "properties": {"Task": {"title": {}}, "Status": {"status": {"options": [{"name": n} for n in named]}}}
            },
        },
    )
    st, ds, _ = raw(ws, "GET", f"/v1/data_sources/{db['data_sources'][0]['id']}", version=V)
    status = ds["properties"]["Status"]["status"]
    ids = [o["id"] for o in status["options"]]
    assert [(g["name"], g["option_ids"]) for g in status["groups"]] == [
        ("To-do", ids),
        ("In progress", []),
        ("Complete", []),
    ]
    db = _db(ws, {"initial_data_source": {"properties": {"Task": {"title": {}}, "Status": {"status": {}}}}})
    st, ds, _ = raw(ws, "GET", f"/v1/data_sources/{db['data_sources'][0]['id']}", version=V)
    assert [len(g["option_ids"]) for g in ds["properties"]["Status"]["status"]["groups"]] == [1, 1, 1]  # defaults


def _dated(ws, ids, start: str) -> None:
    body = {
        "parent": {"data_source_id": ids[1]},
        "properties": {"title": {"title": [{"text": {"content": start}}]}, "date": {"date": {"start": start}}},
    }
    assert raw(ws, "POST", "/v1/pages", body, version=V)[0] == 200


def _dates(ws, ids, condition: dict) -> list[str]:
    st, found, _ = raw(
        ws, "POST", f"/v1/data_sources/{ids[1]}/query", {"filter": {"property": "date", "date": condition}}, version=V
    )
    assert st == 200, found
    return sorted(p["properties"]["title"]["title"][0]["plain_text"] for p in found["results"])


def test_a_date_filter_value_is_cut_to_the_minute_too(ws, ids):
    _dated(ws, ids, "2026-06-27T17:01:15Z")  # kept as 17:01
    assert _dates(ws, ids, {"equals": "2026-06-27T18:01:15.377824+01:00"}) == ["2026-06-27T17:01:15Z"]
    assert _dates(ws, ids, {"before": "2026-06-27T18:01:15.377824+01:00"}) == []
    assert _dates(ws, ids, {"on_or_after": "2026-06-27T18:01:15+01:00"}) == ["2026-06-27T17:01:15Z"]


def test_relative_date_conditions_cover_whole_days_today_included(ws, ids, clock):
    # the virtual clock reads 2026-05-30T00:00Z; move to the afternoon
    clock.advance(17 * 3600)
    for start in ("2026-05-23T09:00:00Z", "2026-05-22T23:00:00Z", "2026-05-30T09:00:00Z", "2026-06-06T20:00:00Z"):
        _dated(ws, ids, start)
    assert _dates(ws, ids, {"past_week": {}}) == ["2026-05-23T09:00:00Z", "2026-05-30T09:00:00Z"]
    assert _dates(ws, ids, {"next_week": {}}) == ["2026-05-30T09:00:00Z", "2026-06-06T20:00:00Z"]


def test_naming_the_data_source_of_an_untitled_database_names_the_database(ws):
    db = _db(ws, {"initial_data_source": {"properties": {"Name": {"title": {}}}}})
    ds = db["data_sources"][0]["id"]
    st, _, _ = raw(ws, "PATCH", f"/v1/data_sources/{ds}", {"title": [{"text": {"content": "My DB"}}]}, version=V)
    st, got, _ = raw(ws, "GET", f"/v1/databases/{db['id']}", version=V)
    assert got["title"][0]["plain_text"] == "My DB"
    titled = _db(ws, {"title": [{"text": {"content": "Kept"}}]})
    other = titled["data_sources"][0]["id"]
    raw(ws, "PATCH", f"/v1/data_sources/{other}", {"title": [{"text": {"content": "Source"}}]}, version=V)
    st, got, _ = raw(ws, "GET", f"/v1/databases/{titled['id']}", version=V)
    assert got["title"][0]["plain_text"] == "Kept"


def test_a_unique_id_update_without_prefix_keeps_the_prefix(ws):
    db = _db(
        ws,
        {"initial_data_source": {"properties": {"Name": {"title": {}}, "ID": {"unique_id": {"prefix": "OLD"}}}}},
    )
    ds = db["data_sources"][0]["id"]
    st, got, _ = raw(ws, "PATCH", f"/v1/data_sources/{ds}", {"properties": {"ID": {"unique_id": {}}}}, version=V)
    assert st == 200 and got["properties"]["ID"]["unique_id"]["prefix"] == "OLD"
    st, got, _ = raw(
        ws, "PATCH", f"/v1/data_sources/{ds}", {"properties": {"ID": {"unique_id": {"prefix": None}}}}, version=V
    )
    assert got["properties"]["ID"]["unique_id"]["prefix"] is None


def test_users_are_listed_people_first_then_other_integrations_then_the_caller(ws):
    ws.add_user("Other integration", "other-bot-token", kind="bot")
    ws.add_user("Ann", "ann-token")
    st, users, _ = raw(ws, "GET", "/v1/users", version=V)
    assert [(u["type"], u["name"]) for u in users["results"]] == [
        ("person", "Ann"),
        ("bot", "Other integration"),
        ("bot", "Local bot"),
    ]
