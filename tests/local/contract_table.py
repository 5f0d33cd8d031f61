"""Documented behaviour of Notion's API as a table: one row per case, each citing its source.

Sources are written as: `ref §n` (shared/reference/notion-api.md, section n), `openapi`
(shared/reference/notion-openapi.json), `cassette <file>` (shared/cassettes/notion-sdk-py, real
recorded answers), a docs URL, or a public issue quoting a real Notion answer (`owner/repo#n`).
Rows marked `ours:` are behaviour with no source: our choice, explained in bot/local/MESSAGES.md.

`test_documented_contract.py` runs every row in-process and over HTTP. A row's `request` gets
the ids of the row's own objects (a data source, a database and a page made for it, so rows never
see each other) and returns (method, path, body); the answer must have `status`, `code` (for
errors), and contain `message` (a fragment); `check(answer, headers)` may check more.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

V2025 = "2025-09-03"
V2022 = "2022-06-28"
V2026 = "2026-03-11"
MISSING_ID = "0f0e0d0c-0b0a-4908-8706-050403020100"


@dataclass(frozen=True)
class Ids:
    db: str
    ds: str
    page: str
    slug: str  # the page's own slug: a query for it sees this row's page only


Request = tuple[str, str, Any]


@dataclass(frozen=True)
class Case:
    name: str
    source: str
    request: Callable[[Ids], Request]
    status: int
    code: str | None = None
    message: str | None = None
    version: str | None = V2025  # None: no Notion-Version header
    auth: str | None = "Bearer {token}"  # None: no Authorization header
    raw_body: bytes | None = None  # sent as is instead of JSON
    before: Callable[[Any, Ids], None] | None = None  # (client, ids): requests that set the scene
    check: Callable[[dict, dict], None] | None = None
    limit: tuple[int, float] | None = None  # a rate limit for this row's token


def text(content: str, **extra) -> dict:
    return {"type": "text", "text": {"content": content}, **extra}


def para(*items: dict) -> dict:
    return {"type": "paragraph", "paragraph": {"rich_text": list(items) or [text("x")]}}


def append(*children: dict, **extra) -> Callable[[Ids], Request]:
    return lambda ids: ("PATCH", f"/v1/blocks/{ids.page}/children", {"children": list(children), **extra})


def set_page(**body) -> Callable[[Ids], Request]:
    return lambda ids: ("PATCH", f"/v1/pages/{ids.page}", body)


def query(body: dict) -> Callable[[Ids], Request]:
    return lambda ids: ("POST", f"/v1/data_sources/{ids.ds}/query", body)


def query_own(body: dict) -> Callable[[Ids], Request]:
    """A query that can only find this row's page (by its slug)."""
    return lambda ids: (
        "POST",
        f"/v1/data_sources/{ids.ds}/query",
        {**body, "filter": {"property": "slug", "rich_text": {"equals": ids.slug}}},
    )


def nested(depth: int) -> dict:
    """A toggle with `depth` levels of children below it."""
    block = para()
    for _ in range(depth):
        block = {"type": "toggle", "toggle": {"rich_text": [text("t")], "children": [block]}}
    return block


def compound(levels: int) -> dict:
    leaf = {"property": "slug", "rich_text": {"equals": "x"}}
    for i in range(levels):
        leaf = {("and" if i % 2 else "or"): [leaf]}
    return leaf


def search(flt: dict) -> Callable[[Ids], Request]:
    return lambda ids: ("POST", "/v1/search", {"filter": flt})


def _has(*keys: str) -> Callable[[dict, dict], None]:
    def check(answer: dict, headers: dict) -> None:
        for key in keys:
            assert key in answer, (key, answer)

    return check


def _page_listed(answer: dict, headers: dict) -> None:
    assert answer["object"] == "list" and len(answer["results"]) == 1, answer


def _nothing_listed(answer: dict, headers: dict) -> None:
    assert answer["object"] == "list" and answer["results"] == [], answer


def _rate_limited(answer: dict, headers: dict) -> None:
    wait = headers["retry-after"]
    assert wait.isdigit() and 1 <= int(wait) <= 60, wait  # "an integer number of seconds", "at most 60"
    assert answer["additional_data"] == {"rate_limit_reason": "public_api_request_rate_limit", "retry_after": wait}


def _integration_named(answer: dict, headers: dict) -> None:
    assert set(answer["additional_data"]) == {"integration_id"}
    assert 'shared with your integration "' in answer["message"]


def _paginated(answer: dict, headers: dict) -> None:
    assert answer["object"] == "list" and len(answer["results"]) == 2 and answer["has_more"] is True
    assert isinstance(answer["next_cursor"], str) and answer["type"] == "block" and answer["block"] == {}


def _fill_children(client, ids: Ids) -> None:
    client.call("PATCH", f"/v1/blocks/{ids.page}/children", {"children": [para(text(str(i))) for i in range(3)]})


def _archive_page(client, ids: Ids) -> None:
    client.call("PATCH", f"/v1/pages/{ids.page}", {"is_archived": True})


def _trash_page(client, ids: Ids) -> None:
    client.call("PATCH", f"/v1/pages/{ids.page}", {"in_trash": True})


def _spend_budget(n: int) -> Callable[[Any, Ids], None]:
    """Make `n` requests in the window in all, counting the one that made the row's page."""

    def spend(client, ids: Ids) -> None:
        for _ in range(n - 1):
            client.call("GET", "/v1/users/me", None)

    return spend


LONG = "x" * 2001
CASES: list[Case] = [
    # ------------------------------------------------------------ limits (ref §2, "Request limits")
    Case(
        "text content over 2000",
        "ref §2; message: Myastr0/mk-notes#10",
        append(para(text(LONG))),
        400,
        "validation_error",
        "body.children[0].paragraph.rich_text[0].text.content.length should be ≤ `2000`, instead was `2001`.",
    ),
    Case(
        "text content counts UTF-16 units",
        "ref §2 (JavaScript string length)",
        append(para(text("😀" * 1001))),
        400,
        "validation_error",
        "instead was `2002`",
    ),
    Case("text content of exactly 2000", "ref §2", append(para(text("x" * 2000))), 200),
    Case(
        "rich_text array over 100",
        "ref §2; PipedreamHQ/pipedream#9094",
        append(para(*[text("a")] * 101)),
        400,
        "validation_error",
        "rich_text.length should be ≤ `100`, instead was `101`.",
    ),
    Case(
        "children array over 100",
        "ref §2; JoshStern/push-md-to-notion#3",
        append(*[para()] * 101),
        400,
        "validation_error",
        "body.children.length should be ≤ `100`, instead was `101`.",
    ),
    Case(
        "link url over 2000",
        "ref §2",
        append(para({"type": "text", "text": {"content": "a", "link": {"url": "https://e.com/" + LONG}}})),
        400,
        "validation_error",
        "text.link.url.length should be ≤ `2000`",
    ),
    Case(
        "equation over 1000",
        "ref §2",
        append({"type": "equation", "equation": {"expression": "x" * 1001}}),
        400,
        "validation_error",
        "equation.expression.length should be ≤ `1000`",
    ),
    Case("two levels of nesting", "ref §2 (Append block children)", append(nested(2)), 200),
    Case(
        "three levels of nesting",
        "ref §2; recorded '…children should be not present'",
        append(nested(3)),
        400,
        "validation_error",
        "should be not present",
    ),
    Case(
        "more than 1000 blocks",
        "ref §2",
        append(
            *[
                {
                    "type": "toggle",
                    "toggle": {
                        "rich_text": [],
                        "children": [{"type": "toggle", "toggle": {"rich_text": [], "children": [para()] * 10}}] * 10,
                    },
                }
            ]
            * 10
        ),
        400,
        "validation_error",
        "maximum size of 1000 block elements",
    ),
    Case(
        "body over 500 KB",
        "ref §2",
        lambda ids: ("PATCH", f"/v1/blocks/{ids.page}/children", None),
        400,
        "validation_error",
        "Request body too large",
        raw_body=b'{"children": [], "pad": "' + b"x" * 500_001 + b'"}',
    ),
    Case(
        "multi_select over 100",
        "ref §2",
        set_page(properties={"tags": {"multi_select": [{"name": f"t{i}"} for i in range(101)]}}),
        400,
        "validation_error",
        "multi_select.length should be ≤ `100`",
    ),
    # ------------------------------------------------------------ rich text and URLs
    Case(
        "link next to text in a rich text item",
        "md2notion#15 (recorded 'Fix one' message)",
        append(para(text("a"), text("b", link={"url": "https://e.com"}))),
        400,
        "validation_error",
        "body failed validation. Fix one:\nbody.children[0].paragraph.rich_text[1].link should be not present, instead was "
        '`{"url":"https://e.com"}`.\nbody.children[0].paragraph.rich_text[1].mention should be defined, instead was '
        "`undefined`.\nbody.children[0].paragraph.rich_text[1].equation should be defined, instead was `undefined`.",
    ),
    Case(
        "unknown key inside text",
        "openapi (text: content, link); wording: pattern",
        append(para({"type": "text", "text": {"content": "a", "bold": True}})),
        400,
        "validation_error",
        "rich_text[0].text.bold should be not present",
    ),
    Case(
        "response fields sent back in rich text",
        "ours: plain_text/href ignored (MESSAGES.md)",
        append(para(text("a", plain_text="a", href=None))),
        200,
    ),
    Case(
        "javascript: link",
        "tryfabric/martian#41 (message); dvanoni/notero#459 (http/https only)",
        append(para({"type": "text", "text": {"content": "a", "link": {"url": "javascript:alert(1)"}}})),
        400,
        "validation_error",
        "Invalid URL for link.",
    ),
    Case(
        "mailto: link",
        "dvanoni/notero#459 (http/https only)",
        append(para({"type": "text", "text": {"content": "a", "link": {"url": "mailto:a@b.c"}}})),
        400,
        "validation_error",
        "Invalid URL for link.",
    ),
    Case(
        "javascript: bookmark",
        "security issue item 5; wording as images (makenotion/notion-sdk-js#211)",
        append({"type": "bookmark", "bookmark": {"url": "javascript:alert(1)"}}),
        400,
        "validation_error",
        "Invalid bookmark url.",
    ),
    Case(
        "javascript: embed",
        "security issue item 5; wording as images",
        append({"type": "embed", "embed": {"url": "javascript:x"}}),
        400,
        "validation_error",
        "Invalid embed url.",
    ),
    Case(
        "data: image",
        "makenotion/notion-sdk-js#211 ('Invalid image url.')",
        append({"type": "image", "image": {"type": "external", "external": {"url": "data:image/png;base64,AAAA"}}}),
        400,
        "validation_error",
        "Content creation Failed. Fix the following: \nInvalid image url.",
    ),
    Case(
        "https bookmark",
        "ref §4.1",
        append({"type": "bookmark", "bookmark": {"url": "https://example.com/a?b=c"}}),
        200,
    ),
    # ------------------------------------------------------------ icons
    Case(
        "icon emoji that is a word",
        "ref §1.4 (icon types); openapi emoji object; wording: pattern",
        set_page(icon={"type": "emoji", "emoji": "books"}),
        400,
        "validation_error",
        "body.icon.emoji should be a single emoji",
    ),
    Case(
        "icon of two emoji",
        "openapi emoji object",
        set_page(icon={"emoji": "📚📚"}),
        400,
        "validation_error",
        "body.icon.emoji",
    ),
    Case("icon emoji", "openapi emoji object", set_page(icon={"emoji": "📚"}), 200),
    Case(
        "icon data: URL",
        "makenotion/notion-sdk-js#193 ('Invalid page icon URL.')",
        set_page(icon={"type": "external", "external": {"url": "data:image/png;base64,AAAA"}}),
        400,
        "validation_error",
        "Invalid page icon URL.",
    ),
    # ------------------------------------------------------------ blocks
    Case(
        "unknown code language",
        "ref §4.1 (language list)",
        append({"type": "code", "code": {"rich_text": [text("x")], "language": "klingon"}}),
        400,
        "validation_error",
        'code.language should be `"abap"`',
    ),
    Case(
        "column list of one column",
        "ref §4.1 (older changelog, UNVERIFIED)",
        append(
            {"type": "column_list", "column_list": {"children": [{"type": "column", "column": {"children": [para()]}}]}}
        ),
        400,
        "validation_error",
        "at least 2 columns",
    ),
    Case(
        "table row width mismatch",
        "recorded message quoted by several projects (MESSAGES.md)",
        append(
            {
                "type": "table",
                "table": {"table_width": 2, "children": [{"type": "table_row", "table_row": {"cells": [[text("a")]]}}]},
            }
        ),
        400,
        "validation_error",
        "Number of cells in table row must match the table width",
    ),
    Case(
        "link_preview cannot be created",
        "ref §4.1",
        append({"type": "link_preview", "link_preview": {"url": "https://e.com"}}),
        400,
        "validation_error",
        "link_preview",
    ),
    Case(
        "after and position together",
        "ref §1.3 (upgrade guide 2026-03-11)",
        append(para(), after=MISSING_ID, position={"type": "start"}),
        400,
        "validation_error",
        "You cannot specify both `after` and `position`",
    ),
    # ------------------------------------------------------------ properties and dates
    Case(
        "unknown property",
        "seratch/notion-sdk-jvm#75; docs error example",
        set_page(properties={"Nope": {"rich_text": []}}),
        400,
        "validation_error",
        "Nope is not a property that exists.",
    ),
    Case(
        "comma in a select option",
        "egordm/notionsci#13",
        set_page(properties={"status": {"select": {"name": "a,b"}}}),
        400,
        "validation_error",
        "commas not allowed",
    ),
    Case(
        "date with time_zone and an offset (accepted: the recordings win over the docs)",
        "recorded ultimate-notion test_db_advanced#50 (docs Page properties say no offset)",
        set_page(properties={"date": {"date": {"start": "2026-05-30T07:00:00+08:00", "time_zone": "Asia/Shanghai"}}}),
        200,
    ),
    Case(
        "date-only start with time_zone",
        "changelog time-zone-support (notion-dotnet/notion-sdk-net#236); raycast/extensions#10687",
        set_page(properties={"date": {"date": {"start": "2026-05-30", "time_zone": "Asia/Shanghai"}}}),
        400,
        "validation_error",
        "date has an invalid date. If time zone is explicitly provided, start and end must contain date and time",
    ),
    Case(
        "datetime with time_zone",
        "changelog time-zone-support",
        set_page(properties={"date": {"date": {"start": "2026-05-30T07:00:00", "time_zone": "Asia/Shanghai"}}}),
        200,
    ),
    Case(
        "date range ending before it starts",
        "ours: no source (MESSAGES.md)",
        set_page(properties={"date": {"date": {"start": "2026-05-30", "end": "2026-05-29"}}}),
        400,
        "validation_error",
        "end should be after start",
    ),
    # ------------------------------------------------------------ queries and search
    Case(
        "compound filter two levels deep",
        "docs Filter data source entries ('up to two levels deep')",
        query({"filter": compound(2)}),
        200,
    ),
    Case(
        "compound filter three levels deep",
        "docs Filter data source entries; seratch/notion-sdk-jvm#77",
        query({"filter": compound(3)}),
        400,
        "validation_error",
        "body.filter.or[0].and[0].or should be not present",
    ),
    Case(
        "search filter value database on 2025-09-03",
        "openapi (search filter: page or data_source); makenotion/notion-sdk-js#602",
        search({"property": "object", "value": "database"}),
        400,
        "validation_error",
        'body.filter.value should be `"page"` or `"data_source"`, instead was `"database"`.',
    ),
    Case("search filter value data_source", "openapi", search({"property": "object", "value": "data_source"}), 200),
    Case(
        "search filter value database on 2022-06-28",
        "cassette notion-sdk-py-2022-06-28 (databases are searched)",
        search({"property": "object", "value": "database"}),
        200,
        version=V2022,
    ),
    Case(
        "archived page hidden from the default query",
        "ref §1.6 (Query a data source)",
        query_own({}),
        200,
        before=_archive_page,
        check=_nothing_listed,
    ),
    Case(
        "is_archived: true lists archived pages",
        "ref §1.6",
        query_own({"is_archived": True}),
        200,
        before=_archive_page,
        check=_page_listed,
    ),
    Case(
        "in_trash: true in a query body lists nothing trashed",
        "ref §1.6 ('in_trash is not a supported query body parameter')",
        query_own({"in_trash": True}),
        200,
        before=_trash_page,
        check=_nothing_listed,
    ),
    # ------------------------------------------------------------ pagination (ref §2, Pagination)
    Case(
        "page_size over 100",
        "ref §2 (max 100)",
        query({"page_size": 101}),
        400,
        "validation_error",
        "page_size should be ≤ `100`",
    ),
    Case("page_size 0", "ref §2", query({"page_size": 0}), 400, "validation_error", "page_size should be ≥ `1`"),
    Case(
        "page_size 2 of 3 children",
        "ref §2 (object list, has_more, next_cursor, type)",
        lambda ids: ("GET", f"/v1/blocks/{ids.page}/children?page_size=2", None),
        200,
        before=_fill_children,
        check=_paginated,
    ),
    Case(
        "start_cursor not from a response",
        "ref §2 (opaque cursors)",
        query({"start_cursor": "nope"}),
        400,
        "validation_error",
        "start_cursor",
    ),
    # ------------------------------------------------------------ errors and protocol (ref §3.2, §3.3)
    Case(
        "missing Notion-Version",
        "ref §3.3; mgmarlow/notion-sdk-ruby#4",
        lambda ids: ("GET", "/v1/users/me", None),
        400,
        "missing_version",
        "Notion-Version header should be defined",
        version=None,
    ),
    Case(
        "unknown Notion-Version",
        "ref §1.1; wording: pattern",
        lambda ids: ("GET", "/v1/users/me", None),
        400,
        "validation_error",
        "Notion-Version header failed validation",
        version="2021-01-01",
    ),
    Case(
        "Notion-Version checked before the token",
        "ours: no source (MESSAGES.md)",
        lambda ids: ("GET", "/v1/users/me", None),
        400,
        "missing_version",
        version=None,
        auth="Bearer wrong",
    ),
    Case(
        "invalid token",
        "cassette test_api_response_error.yaml",
        lambda ids: ("GET", "/v1/users", None),
        401,
        "unauthorized",
        "API token is invalid.",
        auth="Bearer wrong",
    ),
    Case("no Authorization header", "ref §3.3", lambda ids: ("GET", "/v1/users", None), 401, "unauthorized", auth=None),
    Case(
        "lowercase bearer",
        "ours: RFC 9110 §11.1 (auth scheme is case-insensitive)",
        lambda ids: ("GET", "/v1/users/me", None),
        200,
        auth="bearer {token}",
    ),
    Case(
        "unknown URL",
        "cassette test_api_response_error.yaml",
        lambda ids: ("GET", "/v1/invalid", None),
        400,
        "invalid_request_url",
        "Invalid request URL.",
    ),
    Case(
        "unknown URL with a bad token",
        "cassette test_api_response_error.yaml",
        lambda ids: ("GET", "/v1/invalid", None),
        400,
        "invalid_request_url",
        auth="Bearer wrong",
    ),
    Case(
        "unknown page",
        "cassette test_build_request_error_integration.yaml",
        lambda ids: ("GET", f"/v1/pages/{MISSING_ID}", None),
        404,
        "object_not_found",
        f"Could not find page with ID: {MISSING_ID}.",
        check=_integration_named,
    ),
    Case(
        "malformed JSON",
        "ref §3.3 (invalid_json)",
        lambda ids: ("PATCH", f"/v1/pages/{ids.page}", None),
        400,
        "invalid_json",
        raw_body=b"{nope",
    ),
    Case(
        "malformed id in the path",
        "ref §3.3 (validation_error); wording: pattern",
        lambda ids: ("GET", "/v1/pages/x", None),
        400,
        "validation_error",
        "path.page_id should be a valid uuid",
    ),
    # ------------------------------------------------------------ versions (ref §1)
    Case(
        "data sources do not exist on 2022-06-28",
        "ref §1.2; answer: ours (MESSAGES.md § Notion-Version)",
        lambda ids: ("GET", f"/v1/data_sources/{ids.ds}", None),
        400,
        "invalid_request_url",
        version=V2022,
    ),
    Case(
        "databases carry their schema on 2022-06-28",
        "cassette notion-sdk-py-2022-06-28/test_databases_retrieve.yaml",
        lambda ids: ("GET", f"/v1/databases/{ids.db}", None),
        200,
        version=V2022,
        check=_has("properties", "created_by"),
    ),
    Case(
        "databases list their data sources on 2025-09-03",
        "ref §1.2; cassette test_databases_retrieve.yaml",
        lambda ids: ("GET", f"/v1/databases/{ids.db}", None),
        200,
        check=_has("data_sources"),
    ),
    Case(
        "archived is refused on 2026-03-11",
        "ref §1.3",
        set_page(archived=True),
        400,
        "validation_error",
        "body.archived should be not present",
        version=V2026,
    ),
    Case(
        "after is refused on 2026-03-11",
        "ref §1.3",
        append(para(), after=MISSING_ID),
        400,
        "validation_error",
        "body.after should be not present",
        version=V2026,
    ),
    # ------------------------------------------------------------ rate limit (ref §3.1; docs request-limits)
    Case(
        "the request past the budget",
        "ref §3.1; https://developers.notion.com/reference/request-limits",
        lambda ids: ("GET", "/v1/users/me", None),
        429,
        "rate_limited",
        "You have been rate limited.",
        limit=(180, 60.0),
        before=_spend_budget(180),
        check=_rate_limited,
    ),
    Case(
        "the last request within the budget",
        "ref §3.1 ('at any pace within the window')",
        lambda ids: ("GET", "/v1/users/me", None),
        200,
        limit=(180, 60.0),
        before=_spend_budget(179),
    ),
    Case(
        "Business budget",
        "ref §3.1 (600 per minute)",
        lambda ids: ("GET", "/v1/users/me", None),
        200,
        limit=(600, 60.0),
        before=_spend_budget(180),
    ),
]
