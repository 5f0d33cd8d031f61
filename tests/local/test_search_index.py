"""Search reads an index that lags behind writes (recorded 2026-03-11), newest edits first (docs)."""

from __future__ import annotations

from bot.local import LocalWorkspace
from bot.local.search_index import SEARCH_INDEX_LAG

from .conftest import raw

V = "2026-03-11"


def _page(ws, title: str, version: str = V) -> dict:
    st, page, _ = raw(
        ws,
        "POST",
        "/v1/pages",
        {"parent": {"workspace": True}, "properties": {"title": [{"text": {"content": title}}]}},
        version=version,
    )
    assert st == 200, page
    return page


def _found(ws, query: str = "", version: str = V, **body) -> list[tuple[str, bool]]:
    st, found, _ = raw(ws, "POST", "/v1/search", {"query": query, **body}, version=version)
    assert st == 200, found
    return [(r["id"], r["in_trash"]) for r in found["results"]]


def _wait(ws, requests: int) -> None:
    for _ in range(requests):
        assert raw(ws, "GET", "/v1/users/me", version=V)[0] == 200


def test_a_new_page_is_found_from_the_tenth_request_after_its_create(ws):
    page = _page(ws, "Fresh page")
    for _ in range(SEARCH_INDEX_LAG - 1):  # each search is a request too
        assert _found(ws, "Fresh") == []
    assert _found(ws, "Fresh") == [(page["id"], False)]


def test_a_trashed_page_is_still_found_marked_trashed_then_gone(ws):
    page = _page(ws, "Old page")
    _wait(ws, SEARCH_INDEX_LAG)
    assert raw(ws, "PATCH", f"/v1/pages/{page['id']}", {"in_trash": True}, version=V)[0] == 200
    assert _found(ws, "Old") == [(page["id"], True)]  # as recorded: in_trash true, still listed
    # the trash itself (filter.in_trash) is read as it is now
    assert _found(ws, "Old", filter={"property": "object", "value": "page", "in_trash": True}) == [(page["id"], True)]
    _wait(ws, SEARCH_INDEX_LAG)
    assert _found(ws, "Old") == []


def test_2022_06_28_finds_a_page_at_once_as_recorded_then(ws):
    page = _page(ws, "Legacy page", version="2022-06-28")
    assert [i for i, _ in _found(ws, "Legacy", version="2022-06-28")] == [page["id"]]


def test_settling_the_index_is_what_a_long_wait_does(ws):
    page = _page(ws, "Settled page")
    ws.settle_search_index([page["id"]])
    assert _found(ws, "Settled") == [(page["id"], False)]


def test_a_workspace_opened_again_has_every_earlier_write_indexed(tmp_path):
    path = tmp_path / "ws.sqlite3"
    first = LocalWorkspace(path)
    page = _page(first, "Before restart")
    first.close()
    again = LocalWorkspace(path)
    try:
        assert _found(again, "restart") == [(page["id"], False)]
    finally:
        again.close()


def test_without_sort_the_most_recently_edited_come_first(ws, clock):
    a = _page(ws, "Note A")
    clock.advance(120)
    b = _page(ws, "Note B")
    c = _page(ws, "Note C")  # the same minute as B: the later write first
    ws.settle_search_index()
    assert [i for i, _ in _found(ws, "Note")] == [c["id"], b["id"], a["id"]]
    assert raw(ws, "PATCH", f"/v1/pages/{a['id']}", {"icon": {"emoji": "📚"}}, version=V)[0] == 200
    assert [i for i, _ in _found(ws, "Note")][0] == a["id"]
    oldest_first = _found(ws, "Note", sort={"direction": "ascending", "timestamp": "last_edited_time"})
    assert [i for i, _ in oldest_first] == [b["id"], c["id"], a["id"]]


def test_a_search_sort_other_than_last_edited_time_is_refused(ws):
    st, err, _ = raw(
        ws, "POST", "/v1/search", {"sort": {"direction": "up", "timestamp": "last_edited_time"}}, version=V
    )
    assert st == 400 and err["code"] == "validation_error" and "body.sort.direction" in err["message"]
    st, err, _ = raw(ws, "POST", "/v1/search", {"sort": {"direction": "ascending", "timestamp": "x"}}, version=V)
    assert st == 400 and "body.sort.timestamp" in err["message"]


def test_the_page_index_of_serve_lists_a_page_at_once(ws):
    from bot.local.server import page_index

    _page(ws, "Just written")
    assert b"Just written" in page_index(ws)


def _database(ws, title: str) -> dict:
    st, db, _ = raw(
        ws, "POST", "/v1/databases", {"parent": {"workspace": True}, "title": [{"text": {"content": title}}]}, version=V
    )
    assert st == 200, db
    return db


def _sources(ws, query: str) -> list[tuple[str, bool]]:
    return _found(ws, query, filter={"property": "object", "value": "data_source"})


def test_a_data_source_trashed_on_its_own_stays_listed_marked_trashed(ws):
    ds = _database(ws, "Kept DB")["data_sources"][0]["id"]
    _wait(ws, SEARCH_INDEX_LAG)
    assert raw(ws, "PATCH", f"/v1/data_sources/{ds}", {"in_trash": True}, version=V)[0] == 200
    _wait(ws, 3 * SEARCH_INDEX_LAG)
    assert _sources(ws, "Kept") == [(ds, True)]


def test_a_data_source_trashed_with_its_database_leaves_the_index_after_the_lag(ws):
    db = _database(ws, "Gone DB")
    ds = db["data_sources"][0]["id"]
    _wait(ws, SEARCH_INDEX_LAG)
    assert raw(ws, "DELETE", f"/v1/blocks/{db['id']}", version=V)[0] == 200
    assert _sources(ws, "Gone") == [(ds, True)]  # answered in the trash with its database
    st, got, _ = raw(ws, "GET", f"/v1/data_sources/{ds}", version=V)
    assert got["in_trash"] is True
    _wait(ws, SEARCH_INDEX_LAG)
    assert _sources(ws, "Gone") == []
