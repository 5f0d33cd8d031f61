"""Behaviour taken from Notion's recorded 2026-03-11 answers (ultimate-notion's cassettes)."""

from __future__ import annotations

from .conftest import raw

V = "2026-03-11"


def _db(ws, body):
    st, db, _ = raw(ws, "POST", "/v1/databases", {"parent": {"type": "workspace", "workspace": True}, **body}, version=V)
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
    customers = _db(ws, {"title": [{"text": {"content": "Customers"}}], "initial_data_source": {"properties": {
        "Name": {"title": {}}, "Bought": {"relation": {"data_source_id": items_ds, "type": "dual_property", "dual_property": {}}}}}})
    cust_ds = customers["data_sources"][0]["id"]
    st, cs, _ = raw(ws, "GET", f"/v1/data_sources/{cust_ds}", version=V)
    rel = cs["properties"]["Bought"]["relation"]
    assert rel["database_id"] == items["id"] and rel["data_source_id"] == items_ds
    twin_id = rel["dual_property"]["synced_property_id"]
    st, its, _ = raw(ws, "GET", f"/v1/data_sources/{items_ds}", version=V)
    twin = its["properties"][rel["dual_property"]["synced_property_name"]]
    assert twin["id"] == twin_id and twin["name"] == "Related to Customers (Bought)"
    st, _, _ = raw(ws, "PATCH", f"/v1/data_sources/{items_ds}", {"properties": {twin_id: {"name": "Bought by"}}}, version=V)
    assert st == 200
    st, item, _ = raw(ws, "POST", "/v1/pages", {"parent": {"data_source_id": items_ds}, "properties": {"Name": {"title": [{"text": {"content": "Item"}}]}}}, version=V)
    st, customer, _ = raw(ws, "POST", "/v1/pages", {"parent": {"data_source_id": cust_ds}, "properties": {
        "Bought": {"relation": [{"id": item["id"]}], "has_more": False}}}, version=V)  # has_more as read back: accepted
    assert st == 200, customer
    st, back, _ = raw(ws, "GET", f"/v1/pages/{item['id']}", version=V)
    assert back["properties"]["Bought by"]["relation"] == [{"id": customer["id"]}]


def test_search_matches_words_of_titles(ws):
    for title in ("Formula DB", "Task DB", "Tests"):
        _db(ws, {"title": [{"text": {"content": title}}]})
    st, found, _ = raw(ws, "POST", "/v1/search", {"query": "Contacts DB", "filter": {"property": "object", "value": "data_source"}}, version=V)
    assert sorted(r["title"][0]["plain_text"] for r in found["results"]) == ["Formula DB", "Task DB"]
    st, found, _ = raw(ws, "POST", "/v1/search", {"query": "Test", "filter": {"property": "object", "value": "data_source"}}, version=V)
    assert [r["title"][0]["plain_text"] for r in found["results"]] == ["Tests"]
