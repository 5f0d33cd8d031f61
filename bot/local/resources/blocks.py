"""Blocks: `GET|PATCH|DELETE /v1/blocks/{id}`, `GET|PATCH /v1/blocks/{id}/children`."""

from __future__ import annotations

from typing import Any

from .. import model as M
from ..common import Ctx, b64, new_id, norm_id
from ..errors import (
    ARCHIVED_ANCESTOR,
    ARCHIVED_EDIT,
    body_failed,
    not_defined,
    not_found,
    not_present,
    shown,
    validation,
)
from .. import common
from . import file_uploads, mentions, rows


def check_children_request(ws, children: Any, path: str) -> None:
    M.check_array(children, path)
    n = M.count_blocks(children)
    if n > M.MAX_BLOCKS_PER_REQUEST:
        raise validation(
            f"body failed validation: the request contains {n} blocks; payloads have a maximum size of 1000 block elements."
        )


class _StoreBlockContext(M.BlockContext):
    """What block normalisation needs from the store: uploads to attach, mentions to resolve."""

    def __init__(self, ws, ctx: Ctx) -> None:
        self.ws, self.ctx = ws, ctx

    def file_ref(self, ref, path, *, for_block):
        return file_uploads.attach_upload(self.ws, ref, path)

    def mention(self, m, path):
        return mentions.mention_resolver(self.ws, self.ctx)(m, path)


def block_context(ws, ctx: Ctx) -> M.BlockContext:
    return _StoreBlockContext(ws, ctx)


def insert_children(
    ws,
    ctx: Ctx,
    parent_id: str,
    page_id: str,
    parent_block: dict | None,
    children: list,
    path: str,
    depth: int,
    position: dict,
) -> list[str]:
    bctx = block_context(ws, ctx)
    n = len(children)
    lo, hi = ws.store.pos_bounds(parent_id)
    kind = position.get("type")
    if kind == "start":
        base = (lo if lo is not None else 0) - n
    elif kind == "after_block":
        after_id = position["after_block"]["id"]
        row = ws.store.block_row(after_id)
        if row is None or row[1] != parent_id or row[4]:
            raise validation(
                f"body failed validation: the block {after_id} to insert after is not a child of {parent_id}."
            )
        ws.store.shift_after(parent_id, row[3], n)
        base = row[3] + 1
    else:
        base = (hi + 1) if hi is not None else 0
    width = parent_block["payload"]["table_width"] if parent_block and parent_block["type"] == "table" else None
    ids = []
    for i, req in enumerate(children):
        p = f"{path}[{i}]"
        btype, payload, grand = M.normalize_local_block(req, p, depth, bctx, parent_table_width=width)
        if width is not None and btype != "table_row":
            raise validation(
                f"body failed validation: {p} should be a table_row block: tables can only contain table rows."
            )
        if btype == "table_row" and width is None:
            raise validation(f"body failed validation: {p}: table_row blocks can only be children of a table block.")
        if btype == "table":
            for j, row in enumerate(grand):
                _, rp, _ = M.normalize_local_block(
                    row, f"{p}.table.children[{j}]", depth + 1, bctx, parent_table_width=payload["table_width"]
                )
        bid = new_id()
        data = {
            "id": bid,
            "type": btype,
            "payload": payload,
            "parent": {"type": "page_id", "page_id": parent_id}
            if parent_id == page_id
            else {"type": "block_id", "block_id": parent_id},
            **ws.stamp_new(ctx),
        }
        ws.store.put_block(data, parent_id, page_id, base + i)
        if grand:
            insert_children(ws, ctx, bid, page_id, data, grand, f"{p}.{btype}.children", depth + 1, {"type": "end"})
        ids.append(bid)
    return ids


def render_block(ws, ctx: Ctx, data: dict, has_children: bool, in_trash: bool) -> dict:
    if data["type"] == "child_page":
        return page_as_block(ws, ctx, rows.get_page(ws, data["id"]))
    if data["type"] == "child_database":
        return database_as_block(ws, ctx, ws.store.get("databases", data["id"]))
    payload = data["payload"]
    if data["type"] in M.MEDIA and payload.get("type") == "file":
        payload = file_uploads.render_file_ref(ws, payload)
    if data["type"] == "callout" and payload.get("icon", {}) and payload["icon"].get("type") == "file":
        payload = dict(payload, icon=file_uploads.render_file_ref(ws, payload["icon"]))
    return {
        "object": "block",
        "id": data["id"],
        "parent": data["parent"],
        "created_time": data["created_time"],
        "last_edited_time": data["last_edited_time"],
        "created_by": common.uref(data["created_by"]),
        "last_edited_by": common.uref(data["last_edited_by"]),
        "has_children": has_children,
        **common.trash_fields(ctx, in_trash),
        "type": data["type"],
        data["type"]: payload,
    }


def page_as_block(ws, ctx: Ctx, page: dict) -> dict:
    parent = rows.render_parent(ws, page)
    if parent["type"] == "data_source_id":  # a block's parent names the database (recorded answers)
        parent = {"type": "database_id", "database_id": parent["database_id"]}
    return {
        "object": "block",
        "id": page["id"],
        "parent": parent,
        "created_time": page["created_time"],
        "last_edited_time": page["last_edited_time"],
        "created_by": common.uref(page["created_by"]),
        "last_edited_by": common.uref(page["last_edited_by"]),
        "has_children": ws.store.has_children(page["id"]),
        **common.trash_fields(ctx, page["in_trash"]),
        "type": "child_page",
        "child_page": {"title": rows.page_title(ws, page)},
    }


def ancestor_trashed(ws, parent_id: str, page_id: str) -> bool:
    cur = parent_id
    seen = 0
    while cur != page_id and seen < 10_000:
        row = ws.store.block_row(cur)
        if row is None:
            break
        if row[4]:
            return True
        cur = row[1]
        seen += 1
    page = ws.store.get("pages", page_id)
    return bool(page and page["in_trash"])


def touch_page(ws, ctx: Ctx, page_id: str) -> None:
    page = ws.store.get("pages", page_id)
    if page is not None:
        ws.touch(page, ctx)
        ws.store.update_data("pages", page_id, page)


def resolve_container(ws, block_id: str) -> tuple[str, dict | None, bool]:
    """Return (page_id, block data or None for a page, trashed-or-ancestor-trashed)."""
    page = ws.store.get("pages", block_id)
    if page is not None:
        return page["id"], None, bool(page["in_trash"])
    row = ws.store.block_row(block_id)
    if row is None:
        raise not_found("block", block_id)
    data, parent_id, page_id, _, trashed = row
    return page_id, data, trashed or ancestor_trashed(ws, parent_id, page_id)


def retrieve_block(ws, ctx, params, query, body):
    page = ws.store.get("pages", params["id"])
    if page is not None:
        return 200, page_as_block(ws, ctx, page)
    row = ws.store.block_row(params["id"])
    if row is None:
        raise not_found("block", params["id"])
    data, _, _, _, trashed = row
    return 200, render_block(ws, ctx, data, ws.store.has_children(data["id"]), trashed)


def update_block(ws, ctx, params, query, body):
    if ws.store.get("pages", params["id"]) is not None:
        if any(k not in ("in_trash", "archived") for k in body):
            raise validation(
                "body failed validation: child_page blocks can only be updated with the Update page endpoint."
            )
        return trash_page_via_block(ws, ctx, params["id"], rows.trash_flag(ws, ctx, body))
    db = ws.store.get("databases", params["id"])
    if db is not None:
        if any(k not in ("in_trash", "archived") for k in body):
            raise validation(
                "body failed validation: child_database blocks can only be updated with the Update database endpoint."
            )
        flag = rows.trash_flag(ws, ctx, body)
        return 200, trash_database(ws, ctx, db, flag) if flag is not None else database_as_block(ws, ctx, db)
    row = ws.store.block_row(params["id"])
    if row is None:
        raise not_found("block", params["id"])
    data, parent_id, page_id, _, trashed = row
    kind = data["type"]
    flag = rows.trash_flag(ws, ctx, body)
    M.allowed_keys(body, ("in_trash", "archived", "type", kind))
    if "type" in body and body["type"] != kind:
        raise body_failed("body.type", f"should be `{shown(kind)}` (the block's type cannot be changed)", body["type"])
    edits = kind in body
    if trashed and flag is not False:
        raise validation(ARCHIVED_EDIT)
    if ancestor_trashed(ws, parent_id, page_id):
        raise validation(ARCHIVED_ANCESTOR)
    if edits:
        payload = M.check_obj(body[kind], f"body.{kind}")
        if "children" in payload and payload["children"] != []:
            raise not_present(f"body.{kind}.children", payload["children"])
        # `children: []` (what a client read back) is accepted and changes nothing (recorded 2026-03-11)
        payload = {k: v for k, v in payload.items() if k != "children"}
        new_payload = M.normalize_payload(
            kind, payload, f"body.{kind}", block_context(ws, ctx), creating=False, existing=data["payload"]
        )
        if kind == "table_row":
            parent = ws.store.block_row(parent_id)
            if parent is not None and parent[0]["type"] == "table":
                M.check_row_width(new_payload, parent[0]["payload"]["table_width"])
        data["payload"] = new_payload
    if flag is not None:
        ws.store.set_block_trash(data["id"], flag)
        trashed = flag
    ws.touch(data, ctx)
    ws.store.update_data("blocks", data["id"], data)
    touch_page(ws, ctx, page_id)
    ctx.committed = {"committed_resource_id": data["id"]}
    return 200, render_block(ws, ctx, data, ws.store.has_children(data["id"]), trashed)


def trash_page_via_block(ws, ctx, page_id: str, flag: bool | None):
    page = rows.get_page(ws, page_id)
    if flag is not None:
        page["in_trash"] = flag
        ws.touch(page, ctx)
        rows.save_page(ws, page)
        ctx.committed = {"committed_resource_id": page["id"]}
    return 200, page_as_block(ws, ctx, page)


def delete_block(ws, ctx, params, query, body):
    page = ws.store.get("pages", params["id"])
    if page is not None:
        if page["in_trash"]:
            raise validation(ARCHIVED_EDIT)
        return trash_page_via_block(ws, ctx, page["id"], True)
    db = ws.store.get("databases", params["id"])
    if db is not None:  # Notion trashes the database (recorded: DELETE /v1/blocks/{database_id})
        if db["in_trash"]:
            raise validation(ARCHIVED_EDIT)
        return 200, trash_database(ws, ctx, db)
    row = ws.store.block_row(params["id"])
    if row is None:
        raise not_found("block", params["id"])
    data, parent_id, page_id, _, trashed = row
    if trashed:
        raise validation(ARCHIVED_EDIT)
    ws.store.set_block_trash(data["id"], True)
    ws.touch(data, ctx)
    ws.store.update_data("blocks", data["id"], data)
    touch_page(ws, ctx, page_id)
    ctx.committed = {"committed_resource_id": data["id"]}
    return 200, render_block(ws, ctx, data, ws.store.has_children(data["id"]), True)


def list_children(ws, ctx, params, query, body):
    M.allowed_keys(query, ("start_cursor", "page_size"), "query")
    size = common.page_size(query.get("page_size"), "query.page_size", from_query=True)
    cur = common.cursor(query.get("start_cursor"), "blocks", "query.start_cursor", from_query=True)
    resolve_container(ws, params["id"])
    after_pos = None
    if cur is not None:
        row = ws.store.block_row(str(cur.get("id")))
        if row is None or row[1] != params["id"]:
            raise validation(
                f"query failed validation: query.start_cursor should be a valid cursor returned by a previous response, instead was `{shown(query['start_cursor'])}`."
            )
        after_pos = row[3]
    rows = ws.store.children(params["id"], after_pos=after_pos, limit=size + 1)
    more = len(rows) > size
    rows = rows[:size]
    flags = ws.store.children_flags([d["id"] for d, _ in rows])
    results = [render_block(ws, ctx, d, d["id"] in flags, False) for d, _ in rows]
    nxt = None
    if more:
        nxt_row = ws.store.children(params["id"], after_pos=rows[-1][1] + 1, limit=1)
        nxt = b64({"k": "blocks", "id": nxt_row[0][0]["id"]}) if nxt_row else None
    return 200, {
        "object": "list",
        "results": results,
        "next_cursor": nxt,
        "has_more": nxt is not None,
        "type": "block",
        "block": {},
    }


def append_children(ws, ctx, params, query, body):
    M.allowed_keys(body, ("children", "after", "position"))
    if "children" not in body:
        raise not_defined("body.children")
    check_children_request(ws, body["children"], "body.children")
    page_id, parent, trashed = resolve_container(ws, params["id"])
    if trashed:
        raise validation(ARCHIVED_EDIT)
    if parent is not None and parent["type"] not in M.CONTAINERS:
        raise validation(f"Block type {parent['type']} does not support children.")
    if "after" in body and "position" in body:
        raise validation("You cannot specify both `after` and `position` in the same request.")
    position: dict = {"type": "end"}
    if "after" in body:
        if ctx.new_api:
            raise not_present("body.after", body["after"])
        aid = norm_id(M.check_str(body["after"], "body.after"))
        if aid is None:
            raise body_failed("body.after", "should be a valid uuid", body["after"])
        position = {"type": "after_block", "after_block": {"id": aid}}
    elif "position" in body:
        pos = M.check_obj(body["position"], "body.position")
        t = pos.get("type")
        if t not in ("start", "end", "after_block"):
            raise body_failed("body.position.type", 'should be `"after_block"`, `"start"`, or `"end"`', t)
        if t == "after_block":
            ab = M.check_obj(pos.get("after_block"), "body.position.after_block")
            aid = norm_id(M.check_str(ab.get("id"), "body.position.after_block.id"))
            if aid is None:
                raise body_failed("body.position.after_block.id", "should be a valid uuid", ab.get("id"))
            position = {"type": "after_block", "after_block": {"id": aid}}
        else:
            position = {"type": t}
    ids = insert_children(ws, ctx, params["id"], page_id, parent, body["children"], "body.children", 1, position)
    if parent is not None:
        ws.touch(parent, ctx)
        ws.store.update_data("blocks", parent["id"], parent)
    touch_page(ws, ctx, page_id)
    ctx.committed = {"committed_resource_id": params["id"], "committed_child_ids": ids}
    results = []
    for bid in ids:
        data = ws.store.block_row(bid)[0]
        results.append(render_block(ws, ctx, data, ws.store.has_children(bid), False))
    if position["type"] == "after_block" and "position" in body and ids:
        # Recorded (2026-03-11): an append after a block answers the new blocks followed by the
        # blocks after them (up to 100 results in all).
        last = ws.store.block_row(ids[-1])[3]
        for data, _ in ws.store.children(params["id"], after_pos=last + 1, limit=max(0, 100 - len(results))):
            results.append(render_block(ws, ctx, data, ws.store.has_children(data["id"]), False))
    return 200, {
        "object": "list",
        "results": results,
        "next_cursor": None,
        "has_more": False,
        "type": "block",
        "block": {},
    }


def database_as_block(ws, ctx: Ctx, db: dict) -> dict:
    return {
        "object": "block",
        "id": db["id"],
        "parent": db.get("parent", rows.WORKSPACE_PARENT),
        "created_time": db["created_time"],
        "last_edited_time": db["last_edited_time"],
        "created_by": common.uref(db["created_by"]),
        "last_edited_by": common.uref(db["last_edited_by"]),
        "has_children": False,
        **common.trash_fields(ctx, db["in_trash"]),
        "type": "child_database",
        "child_database": {"title": M.rich_text_plain(db["title"])},
    }


def trash_database(ws, ctx: Ctx, db: dict, flag: bool = True) -> dict:
    db["in_trash"] = flag
    ws.touch(db, ctx)
    ws.store.update_data("databases", db["id"], db)
    ws.store.set_block_trash(db["id"], flag)
    ctx.committed = {"committed_resource_id": db["id"]}
    return database_as_block(ws, ctx, db)
