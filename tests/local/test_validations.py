"""One test per validation: each asserts Notion's status, code and a message fragment."""

from __future__ import annotations

import json

import pytest

from .conftest import para, raw, title_props


@pytest.fixture
def page_id(ws, ids):
    _, ds = ids
    status, page, _ = raw(
        ws, "POST", "/v1/pages", {"parent": {"data_source_id": ds}, "properties": title_props("P", "p")}
    )
    assert status == 200, page
    return page["id"]


def err(resp, status, code, fragment):
    st, body, _ = resp
    assert st == status, body
    assert body["object"] == "error" and body["status"] == status
    assert body["code"] == code, body
    assert fragment in body["message"], body["message"]
    assert body["request_id"]
    return body


def append(ws, parent, children, **extra):
    return raw(ws, "PATCH", f"/v1/blocks/{parent}/children", {"children": children, **extra})


def rt(content):
    return [{"type": "text", "text": {"content": content}}]


# ---------------------------------------------------------------- protocol


def test_missing_version_header(ws):
    err(
        raw(ws, "GET", "/v1/users/me", version=None),
        400,
        "missing_version",
        "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
    )


def test_unknown_version_header(ws):
    err(
        raw(ws, "GET", "/v1/users/me", version="2021-01-01"),
        400,
        "validation_error",
        "Notion-Version header failed validation",
    )


def test_missing_token(ws):
    err(raw(ws, "GET", "/v1/users/me", token=None), 401, "unauthorized", "API token is invalid.")


def test_invalid_token(ws):
    err(raw(ws, "GET", "/v1/users/me", token="nope"), 401, "unauthorized", "API token is invalid.")


def test_unknown_page_id(ws):
    pid = "0f0e0d0c-0b0a-4908-8706-050403020100"
    body = err(raw(ws, "GET", f"/v1/pages/{pid}"), 404, "object_not_found", f"Could not find page with ID: {pid}.")
    # Notion names the integration and adds its id (recorded answer in the SDK's cassettes)
    assert body["message"].endswith(
        'Make sure the relevant pages and databases are shared with your integration "Local bot".'
    )
    assert body["additional_data"] == {"integration_id": ws.bot_user_id}


def test_unknown_block_and_data_source_ids(ws):
    bid = "0f0e0d0c0b0a49088706050403020100"
    err(raw(ws, "GET", f"/v1/blocks/{bid}/children"), 404, "object_not_found", "Could not find block with ID")
    err(
        raw(ws, "POST", f"/v1/data_sources/{bid}/query", {}),
        404,
        "object_not_found",
        "Could not find data source with ID",
    )
    err(raw(ws, "GET", f"/v1/databases/{bid}"), 404, "object_not_found", "Could not find database with ID")


def test_malformed_id_in_path(ws):
    err(raw(ws, "GET", "/v1/pages/not-a-uuid"), 400, "validation_error", "path.page_id should be a valid uuid")


def test_invalid_json(ws, page_id):
    err(
        raw(
            ws,
            "PATCH",
            f"/v1/blocks/{page_id}/children",
            data=b'{"children": [',
            headers={"Content-Type": "application/json"},
        ),
        400,
        "invalid_json",
        "Error parsing JSON body.",
    )


def test_unknown_path(ws):
    err(raw(ws, "GET", "/v1/nope"), 400, "invalid_request_url", "Invalid request URL.")
    err(raw(ws, "POST", "/v1/users/me", {}), 400, "invalid_request_url", "Invalid request URL.")


# ---------------------------------------------------------------- size limits


def test_text_content_over_2000(ws, page_id):
    err(
        append(ws, page_id, [{"paragraph": {"rich_text": rt("x" * 2001)}}]),
        400,
        "validation_error",
        "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
    )
    assert append(ws, page_id, [{"paragraph": {"rich_text": rt("x" * 2000)}}])[0] == 200


def test_text_content_counts_utf16_units(ws, page_id):
    # 1000 emoji are 2000 UTF-16 units: fine; one more ASCII char is 2001 although len() is 1001.
    assert append(ws, page_id, [{"paragraph": {"rich_text": rt("😀" * 1000)}}])[0] == 200
    err(
        append(ws, page_id, [{"paragraph": {"rich_text": rt("😀" * 1000 + "x")}}]),
        400,
        "validation_error",
        "should be ≤ `2000`, instead was `2001`",
    )


def test_title_property_text_over_2000(ws, ids):
    _, ds = ids
    err(
        raw(
            ws,
            "POST",
            "/v1/pages",
            {"parent": {"data_source_id": ds}, "properties": {"title": {"title": rt("y" * 2001)}}},
        ),
        400,
        "validation_error",
        "body.properties.title.title[0].text.content.length should be ≤ `2000`, instead was `2001`.",
    )


def test_link_url_over_2000(ws, page_id):
    url = "https://example.com/" + "a" * 1981
    item = {"type": "text", "text": {"content": "l", "link": {"url": url}}}
    err(
        append(ws, page_id, [{"paragraph": {"rich_text": [item]}}]),
        400,
        "validation_error",
        "rich_text[0].text.link.url.length should be ≤ `2000`, instead was `2001`.",
    )


def test_equation_expression_over_1000(ws, page_id):
    err(
        append(ws, page_id, [{"equation": {"expression": "x" * 1001}}]),
        400,
        "validation_error",
        "body.children[0].equation.expression.length should be ≤ `1000`, instead was `1001`.",
    )
    inline = {"type": "equation", "equation": {"expression": "y" * 1001}}
    err(
        append(ws, page_id, [{"paragraph": {"rich_text": [inline]}}]),
        400,
        "validation_error",
        "rich_text[0].equation.expression.length should be ≤ `1000`",
    )


def test_rich_text_array_over_100(ws, page_id):
    err(
        append(ws, page_id, [{"paragraph": {"rich_text": rt("a") * 101}}]),
        400,
        "validation_error",
        "body.children[0].paragraph.rich_text.length should be ≤ `100`, instead was `101`.",
    )


def test_children_array_over_100(ws, page_id):
    err(
        append(ws, page_id, [para()] * 101),
        400,
        "validation_error",
        "body failed validation: body.children.length should be ≤ `100`, instead was `101`.",
    )


def test_multi_select_over_100(ws, ids, page_id):
    tags = [{"name": f"t{i}"} for i in range(101)]
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"tags": {"multi_select": tags}}}),
        400,
        "validation_error",
        "body.properties.tags.multi_select.length should be ≤ `100`, instead was `101`.",
    )


def test_table_cells_over_100(ws, page_id):
    row = {"table_row": {"cells": [rt("c")] * 101}}
    err(
        append(ws, page_id, [{"table": {"table_width": 101, "children": [row]}}]),
        400,
        "validation_error",
        "table_row.cells.length should be ≤ `100`, instead was `101`.",
    )


def test_nesting_deeper_than_two_levels(ws, page_id):
    level3 = {"paragraph": {"rich_text": [], "children": [para("too deep")]}}
    level2 = {"toggle": {"rich_text": [], "children": [level3]}}
    level1 = {"toggle": {"rich_text": [], "children": [level2]}}
    err(
        append(ws, page_id, [level1]),
        400,
        "validation_error",
        "body.children[0].toggle.children[0].toggle.children[0].paragraph.children should be not present",
    )
    ok2 = {"toggle": {"rich_text": [], "children": [{"toggle": {"rich_text": [], "children": [para()]}}]}}
    assert append(ws, page_id, [ok2])[0] == 200


def test_top_level_children_key_rejected(ws, page_id):
    err(
        append(ws, page_id, [{"type": "paragraph", "paragraph": {"rich_text": []}, "children": [para()]}]),
        400,
        "validation_error",
        "body.children[0].children should be not present",
    )


def test_more_than_1000_blocks_per_request(ws, page_id):
    block = {"toggle": {"rich_text": [], "children": [para()] * 10}}
    err(append(ws, page_id, [block] * 91), 400, "validation_error", "maximum size of 1000 block elements")
    assert append(ws, page_id, [{"toggle": {"rich_text": [], "children": [para()] * 9}}] * 100)[0] == 200


def test_body_over_500kb(ws, page_id):
    big = [{"paragraph": {"rich_text": rt("z" * 2000) * 3}}] * 90
    body = json.dumps({"children": big}).encode()
    assert len(body) > 500_000
    err(
        raw(ws, "PATCH", f"/v1/blocks/{page_id}/children", data=body, headers={"Content-Type": "application/json"}),
        400,
        "validation_error",
        "maximum request size is 500KB",
    )


# ---------------------------------------------------------------- properties


def test_unknown_property_name(ws, ids):
    _, ds = ids
    err(
        raw(
            ws, "POST", "/v1/pages", {"parent": {"data_source_id": ds}, "properties": {"Nope": {"rich_text": rt("x")}}}
        ),
        400,
        "validation_error",
        "Nope is not a property that exists.",
    )


def test_property_value_of_wrong_type(ws, page_id):
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"priority": {"rich_text": rt("1")}}}),
        400,
        "validation_error",
        "priority is expected to be number.",
    )
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"priority": {"number": "1"}}}),
        400,
        "validation_error",
        'body.properties.priority.number should be a number or `null`, instead was `"1"`.',
    )
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"done": {"checkbox": "yes"}}}),
        400,
        "validation_error",
        "body.properties.done.checkbox should be a boolean",
    )


def test_commas_in_select_options(ws, page_id):
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"status": {"select": {"name": "a,b"}}}}),
        400,
        "validation_error",
        "Invalid select option, commas not allowed: a,b",
    )
    err(
        raw(ws, "PATCH", f"/v1/pages/{page_id}", {"properties": {"tags": {"multi_select": [{"name": "x, y"}]}}}),
        400,
        "validation_error",
        "Invalid select option, commas not allowed: x, y",
    )


def test_commas_in_schema_options(ws):
    with pytest.raises(Exception) as e:
        ws.ensure_database("Other", {"title": {"title": {}}, "s": {"select": {"options": [{"name": "a,b"}]}}})
    assert "commas not allowed" in str(e.value)


def test_date_with_time_zone_and_offset_keeps_the_instant_to_the_minute(ws, page_id):
    """Recorded (2026-03-11): "…16:57:28.513Z" with time_zone "UTC" -> "…16:57:00.000+00:00"."""
    st, page, _ = raw(
        ws,
        "PATCH",
        f"/v1/pages/{page_id}",
        {"properties": {"date": {"date": {"start": "2026-05-30T09:00:28.5+02:00", "time_zone": "Europe/Berlin"}}}},
    )
    assert st == 200 and page["properties"]["date"]["date"]["start"].startswith("2026-05-30T09:00:00.000+02:00")
    err(
        raw(
            ws,
            "PATCH",
            f"/v1/pages/{page_id}",
            {"properties": {"date": {"date": {"start": "2026-05-30T09:00:00", "time_zone": "Mars/Base"}}}},
        ),
        400,
        "validation_error",
        "time_zone should be a valid IANA time zone",
    )


# ---------------------------------------------------------------- blocks


@pytest.mark.parametrize(
    "url", ["/relative/path", "mailto:someone@example.com", "javascript:alert(1)", "example.com", "https://"]
)
def test_invalid_link_urls(ws, page_id, url):
    item = {"type": "text", "text": {"content": "l", "link": {"url": url}}}
    err(append(ws, page_id, [{"paragraph": {"rich_text": [item]}}]), 400, "validation_error", "Invalid URL for link.")


def test_valid_link_urls_accepted(ws, page_id):
    for url in ("https://example.com", "http://example.com/a?b=c#d"):
        item = {"type": "text", "text": {"content": "l", "link": {"url": url}}}
        assert append(ws, page_id, [{"paragraph": {"rich_text": [item]}}])[0] == 200


def test_unknown_code_language(ws, page_id):
    body = err(
        append(ws, page_id, [{"code": {"rich_text": rt("x"), "language": "klingon"}}]),
        400,
        "validation_error",
        'body.children[0].code.language should be `"abap"`',
    )
    assert body["message"].endswith('instead was `"klingon"`.')
    assert append(ws, page_id, [{"code": {"rich_text": rt("x"), "language": "java/c/c++/c#"}}])[0] == 200


def test_unknown_block_type(ws, page_id):
    err(
        append(ws, page_id, [{"type": "blink", "blink": {}}]),
        400,
        "validation_error",
        "body.children[0].blink is not a supported block type",
    )


@pytest.mark.parametrize("kind", ["child_page", "link_preview", "unsupported", "child_database"])
def test_block_types_that_cannot_be_created(ws, page_id, kind):
    fragment = (
        "can only be returned as part of a response"
        if kind == "link_preview"
        else "is not a block type that can be created"
    )
    err(
        append(ws, page_id, [{"type": kind, kind: {"title": "x"} if kind == "child_page" else {}}]),
        400,
        "validation_error",
        "body.children[0]",
    )
    err(append(ws, page_id, [{"type": kind, kind: {}}]), 400, "validation_error", fragment)


def test_table_row_cell_count_must_match_width(ws, page_id):
    rows = [{"table_row": {"cells": [rt("a"), rt("b")]}}, {"table_row": {"cells": [rt("a")]}}]
    err(
        append(ws, page_id, [{"table": {"table_width": 2, "children": rows}}]),
        400,
        "validation_error",
        "Number of cells in table row must match the table width of the parent table",
    )
    st, res, _ = append(ws, page_id, [{"table": {"table_width": 2, "children": rows[:1]}}])
    table_id = res["results"][0]["id"]
    err(append(ws, table_id, [rows[1]]), 400, "validation_error", "Number of cells in table row must match")


def test_after_and_position_together(ws, page_id):
    st, res, _ = append(ws, page_id, [para("a")])
    bid = res["results"][0]["id"]
    err(
        append(ws, page_id, [para("b")], after=bid, position={"type": "end"}),
        400,
        "validation_error",
        "You cannot specify both `after` and `position` in the same request.",
    )


def test_2026_version_rejects_after_and_archived(ws, page_id):
    st, res, _ = append(ws, page_id, [para("a")])
    bid = res["results"][0]["id"]
    st, body, _ = raw(
        ws, "PATCH", f"/v1/blocks/{page_id}/children", {"children": [para()], "after": bid}, version="2026-03-11"
    )
    assert (st, body["code"]) == (400, "validation_error") and "body.after should be not present" in body["message"]
    st, body, _ = raw(ws, "PATCH", f"/v1/pages/{page_id}", {"archived": True}, version="2026-03-11")
    assert (st, body["code"]) == (400, "validation_error") and "body.archived should be not present" in body["message"]
    st, body, _ = raw(ws, "GET", f"/v1/blocks/{bid}", version="2026-03-11")
    assert st == 200 and "archived" not in body and body["in_trash"] is False


def test_trashed_parent_cannot_get_children(ws, page_id):
    st, res, _ = append(ws, page_id, [{"toggle": {"rich_text": []}}])
    toggle = res["results"][0]["id"]
    assert raw(ws, "DELETE", f"/v1/blocks/{toggle}")[0] == 200
    err(
        append(ws, toggle, [para()]),
        400,
        "validation_error",
        "Can't edit block that is archived. You must unarchive the block before editing.",
    )
    assert raw(ws, "PATCH", f"/v1/pages/{page_id}", {"in_trash": True})[0] == 200
    err(append(ws, page_id, [para()]), 400, "validation_error", "Can't edit block that is archived.")


def test_block_update_cannot_change_type_or_send_children(ws, page_id):
    st, res, _ = append(ws, page_id, [para("a")])
    bid = res["results"][0]["id"]
    err(
        raw(ws, "PATCH", f"/v1/blocks/{bid}", {"heading_1": {"rich_text": rt("h")}}),
        400,
        "validation_error",
        "body.heading_1 should be not present",
    )
    err(
        raw(ws, "PATCH", f"/v1/blocks/{bid}", {"paragraph": {"rich_text": rt("h"), "children": [para()]}}),
        400,
        "validation_error",
        "body.paragraph.children should be not present",
    )


def test_editing_trashed_block(ws, page_id):
    st, res, _ = append(ws, page_id, [para("a")])
    bid = res["results"][0]["id"]
    raw(ws, "DELETE", f"/v1/blocks/{bid}")
    err(
        raw(ws, "PATCH", f"/v1/blocks/{bid}", {"paragraph": {"rich_text": rt("b")}}),
        400,
        "validation_error",
        "Can't edit block that is archived.",
    )
    err(raw(ws, "DELETE", f"/v1/blocks/{bid}"), 400, "validation_error", "Can't edit block that is archived.")
    st, body, _ = raw(ws, "PATCH", f"/v1/blocks/{bid}", {"in_trash": False, "paragraph": {"rich_text": rt("b")}})
    assert st == 200 and body["in_trash"] is False


# ---------------------------------------------------------------- pagination


def test_page_size_bounds(ws, ids, page_id):
    _, ds = ids
    err(
        raw(ws, "GET", f"/v1/blocks/{page_id}/children", query={"page_size": "101"}),
        400,
        "validation_error",
        "query failed validation: query.page_size should be ≤ `100`, instead was `101`.",
    )
    err(
        raw(ws, "GET", f"/v1/blocks/{page_id}/children", query={"page_size": "0"}),
        400,
        "validation_error",
        "query.page_size should be ≥ `1`, instead was `0`.",
    )
    err(
        raw(ws, "POST", f"/v1/data_sources/{ds}/query", {"page_size": 101}),
        400,
        "validation_error",
        "body failed validation: body.page_size should be ≤ `100`, instead was `101`.",
    )
    err(
        raw(ws, "POST", f"/v1/data_sources/{ds}/query", {"page_size": 0}),
        400,
        "validation_error",
        "body.page_size should be ≥ `1`",
    )


def test_malformed_start_cursor(ws, ids, page_id):
    _, ds = ids
    err(
        raw(ws, "GET", f"/v1/blocks/{page_id}/children", query={"start_cursor": "garbage!"}),
        400,
        "validation_error",
        "query.start_cursor should be a valid cursor",
    )
    err(
        raw(ws, "POST", f"/v1/data_sources/{ds}/query", {"start_cursor": "garbage"}),
        400,
        "validation_error",
        "body.start_cursor should be a valid cursor",
    )


# ---------------------------------------------------------------- file uploads


def test_attach_requires_uploaded_status(ws, page_id):
    st, up, _ = raw(
        ws, "POST", "/v1/file_uploads", {"mode": "single_part", "filename": "a.png", "content_type": "image/png"}
    )
    assert st == 200 and up["status"] == "pending"
    block = {"type": "image", "image": {"type": "file_upload", "file_upload": {"id": up["id"]}}}
    err(append(ws, page_id, [block]), 400, "validation_error", "must be `uploaded` before it can be attached")
    err(
        append(
            ws,
            page_id,
            [
                {
                    "type": "image",
                    "image": {"type": "file_upload", "file_upload": {"id": "5d7c4a3e-0000-4000-8000-000000000000"}},
                }
            ],
        ),
        400,
        "validation_error",
        "Could not find file upload with ID",
    )


def test_filter_on_unknown_property_and_wrong_filter_type(ws, ids):
    _, ds = ids
    err(
        raw(ws, "POST", f"/v1/data_sources/{ds}/query", {"filter": {"property": "Nope", "rich_text": {"equals": "x"}}}),
        400,
        "validation_error",
        "Could not find property with name or id: Nope",
    )
    err(
        raw(
            ws, "POST", f"/v1/data_sources/{ds}/query", {"filter": {"property": "status", "rich_text": {"equals": "x"}}}
        ),
        400,
        "validation_error",
        "database property select does not match filter rich_text",
    )
    err(
        raw(
            ws,
            "POST",
            f"/v1/data_sources/{ds}/query",
            {"filter": {"property": "slug", "rich_text": {"resembles": "x"}}},
        ),
        400,
        "validation_error",
        "body.filter.rich_text",
    )
