"""Page rows: lookup, URL, title, schema, parent, saving, the trash flag of an update, and the
child_page/child_database block row of an object under a page — what blocks, databases and
mentions need of pages without importing the pages resource (which imports them).

Resources import downwards only: query -> pages -> blocks, databases -> mentions -> rows,
file_uploads."""

from __future__ import annotations

from .. import model as M
from ..common import Ctx
from ..errors import not_found, not_present, validation

WORKSPACE_PARENT = {"type": "workspace", "workspace": True}


def get_page(ws, page_id: str) -> dict:
    p = ws.store.get("pages", page_id)
    if p is None:
        raise not_found("page", page_id)
    return p


def page_url(ws, page_id: str) -> str:
    return f"{ws.public_base_url}/p/{page_id.replace('-', '')}"


def page_title(ws, page: dict) -> str:
    return M.rich_text_plain(page["props"].get("title") or [])


def trash_flag(ws, ctx: Ctx, body: dict) -> bool | None:
    flag = None
    if "archived" in body:
        if ctx.new_api:
            raise not_present("body.archived", body["archived"])
        flag = M.check_bool(body["archived"], "body.archived")
    if "in_trash" in body:
        t = M.check_bool(body["in_trash"], "body.in_trash")
        if flag is not None and flag != t:
            raise validation(
                "body failed validation: body.archived and body.in_trash must match when both are provided."
            )
        flag = t
    return flag


# A page outside a database has one property, its title, keyed "title" (recorded answers).
STANDALONE_SCHEMA = {
    "id": None,
    "props": {"title": {"id": "title", "name": "title", "type": "title", "config": {}}},
    "order": ["title"],
}


def schema_of(ws, page: dict) -> dict:
    """The data source a page's properties follow, or the title-only schema of a standalone page."""
    if page.get("data_source_id"):
        return ws.store.get("data_sources", page["data_source_id"])
    return {**STANDALONE_SCHEMA, "props": dict(STANDALONE_SCHEMA["props"])}


def render_parent(ws, page: dict, legacy: bool = False) -> dict:
    if page.get("data_source_id"):
        ds = ws.store.get("data_sources", page["data_source_id"])
        if legacy:
            return {"type": "database_id", "database_id": ds["database_id"]}
        return {"type": "data_source_id", "data_source_id": ds["id"], "database_id": ds["database_id"]}
    return dict(page["parent"])


def save_page(ws, page: dict) -> None:
    ws.store.put(
        "pages",
        page["id"],
        page,
        data_source_id=page.get("data_source_id") or "",
        seq=page["seq"],
        in_trash=int(page["in_trash"]),
    )
    # a page under a page is also a child_page block of its parent: keep that row's trash flag in step
    ws.store.set_block_trash(page["id"], bool(page["in_trash"]))


def add_child_object(ws, ctx: Ctx, kind: str, object_id: str, parent_page_id: str) -> None:
    """A page or database under a page is also a `child_page`/`child_database` block of that page."""
    _, hi = ws.store.pos_bounds(parent_page_id)
    data = {
        "id": object_id,
        "type": kind,
        "payload": {},
        "parent": {"type": "page_id", "page_id": parent_page_id},
        **ws.stamp_new(ctx),
    }
    ws.store.put_block(data, parent_page_id, parent_page_id, (hi + 1) if hi is not None else 0)
