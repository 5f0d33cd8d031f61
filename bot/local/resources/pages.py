"""Pages: property values, `POST /v1/pages`, `GET|PATCH /v1/pages/{id}`."""

from __future__ import annotations

import math
from typing import Any

from .. import model as M
from ..common import Ctx, b64, new_id, norm_id
from ..errors import ARCHIVED_EDIT, body_failed, not_defined, not_found, shown, validation
from .. import common
from . import blocks, computed, databases, file_uploads, mentions, relations, rows, users
from .file_uploads import render_icon
from .rows import get_page, page_title, page_url, render_parent, save_page, schema_of, trash_flag  # noqa: F401  (pages.* names)


def property_value(ws, ctx: Ctx, ds: dict, prop: dict, value: Any, path: str, label: str) -> Any:
    kind = prop["type"]
    if not isinstance(value, dict):
        raise body_failed(path, "should be an object", value)
    keys = [k for k in value if k in M.PROPERTY_TYPES]
    vtype = value.get("type") or (keys[0] if len(keys) == 1 else None)
    if vtype is not None and vtype != kind:
        raise validation(f"{label} is expected to be {kind}.")
    if kind not in M.WRITABLE_TYPES:
        raise validation(f"{label} is a {kind} property and cannot be set through the API.")
    if kind not in value:
        raise not_defined(f"{path}.{kind}")
    # a relation value read back carries `has_more`; clients send it again (recorded: accepted)
    M.allowed_keys(value, (kind, "type", "id", "name") + (("has_more",) if kind == "relation" else ()), path)
    v = value[kind]
    p = f"{path}.{kind}"
    if kind in ("title", "rich_text"):
        return M.rich_text(v, p, mentions.mention_resolver(ws, ctx))
    if kind == "number":
        if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)):
            raise body_failed(p, "should be a number or `null`", v)
        return v
    if kind in ("select", "status"):
        if v is None:
            return None
        M.check_obj(v, p)
        return option_for(ws, ds, prop, v, p, create=(kind == "select"))
    if kind == "multi_select":
        M.check_array(v, p)
        ids = []
        for i, item in enumerate(v):
            oid = option_for(ws, ds, prop, M.check_obj(item, f"{p}[{i}]"), f"{p}[{i}]", create=True)
            if oid not in ids:
                ids.append(oid)
        return ids
    if kind == "date":
        return M.normalize_date(v, p)
    if kind in ("url", "email", "phone_number"):
        if v is None:
            return None
        v = M.check_text(v, p, M.MAX_URL if kind == "url" else M.MAX_EMAIL)
        return v or None
    if kind == "checkbox":
        return M.check_bool(v, p)
    if kind == "people":
        return _referenced_ids(
            ws,
            v,
            p,
            "users",
            lambda i, ref: validation(
                f"body failed validation: {p}[{i}].id should be the id of a user in this workspace."
            ),
        )
    if kind == "relation":
        return _referenced_ids(ws, v, p, "pages", lambda i, ref: not_found("page", str(ref.get("id"))))
    if kind == "files":
        M.check_array(v, p)
        out = []
        for i, f in enumerate(v):
            M.check_obj(f, f"{p}[{i}]")
            name = f.get("name")
            if "external" in f:
                ref = {
                    "type": "external",
                    "external": {"url": M.check_str(f["external"].get("url"), f"{p}[{i}].external.url")},
                }
            elif "file_upload" in f:
                ref = file_uploads.attach_upload(ws, f["file_upload"], f"{p}[{i}].file_upload")
                name = name or ref.pop("_filename", None)
                ref.pop("_filename", None)
            else:
                raise not_defined(f"{p}[{i}].external")
            out.append({"name": name or "file", **ref})
        return out
    raise validation(f"{label} cannot be set.")  # pragma: no cover


def _referenced_ids(ws, v: Any, p: str, table: str, missing) -> list[str]:
    """The ids of a people / relation value: `[{"id": …}, …]`, each one a row of `table`;
    `missing(index, reference)` is the error for one that is not."""
    M.check_array(v, p)
    out = []
    for i, ref in enumerate(v):
        rid = norm_id(M.check_str(M.check_obj(ref, f"{p}[{i}]").get("id"), f"{p}[{i}].id"))
        if rid is None or ws.store.get(table, rid) is None:
            raise missing(i, ref)
        out.append(rid)
    return out


def option_for(ws, ds: dict, prop: dict, v: dict, path: str, *, create: bool) -> str:
    opts = prop["config"].setdefault("options", [])
    if "id" in v and v["id"] is not None:
        for o in opts:
            if o["id"] == v["id"]:
                return o["id"]
        raise validation(
            f"body failed validation: {path}.id does not match an option of property {prop['name']}, instead was `{shown(v['id'])}`."
        )
    if "name" not in v:
        raise not_defined(f"{path}.name")
    name = M.check_option_name(v["name"], f"{path}.name")
    for o in opts:
        if o["name"] == name:
            return o["id"]
    if not create:
        raise validation(f'Invalid status option. Status option "{name}" does not exist".')
    if v.get("color") is not None:
        M.check_color(v["color"], f"{path}.color", M.OPTION_COLORS)
    o = {"id": new_id(), "name": name, "color": v.get("color") or databases.next_color(ws, ds), "description": None}
    opts.append(o)
    ds["_dirty"] = True
    return o["id"]


def set_properties(ws, ctx: Ctx, ds: dict, page: dict, props: Any) -> None:
    M.check_obj(props, "body.properties")
    for key, value in props.items():
        prop = databases.find_property(ws, ds, key)
        if prop is None:
            raise validation(f"{key} is not a property that exists.")
        if isinstance(value, list) and prop["type"] == "title":
            value = {"title": value}  # documented shorthand: "properties": {"title": [rich text…]}
        old = page["props"].get(prop["id"])
        page["props"][prop["id"]] = property_value(ws, ctx, ds, prop, value, f"body.properties.{key}", key)
        if prop["type"] == "relation":
            relations.sync_values(ws, prop, page, old or [], page["props"][prop["id"]])
    if ds.pop("_dirty", False):
        ws.store.update_data("data_sources", ds["id"], ds)


def render_property(ws, ds: dict, prop: dict, page: dict) -> dict:
    kind, pid = prop["type"], prop["id"]
    v = page["props"].get(pid)
    if kind in ("title", "rich_text", "multi_select", "people", "relation", "files") and v is None:
        v = []
    if kind in ("select", "status"):
        o = next((o for o in prop["config"].get("options", []) if o["id"] == v), None)
        v = {"id": o["id"], "name": o["name"], "color": o["color"]} if o else None
    elif kind == "multi_select":
        byid = {o["id"]: o for o in prop["config"].get("options", [])}
        v = [{"id": byid[i]["id"], "name": byid[i]["name"], "color": byid[i]["color"]} for i in v if i in byid]
    elif kind == "checkbox":
        v = bool(v)
    elif kind == "people":
        v = [users.user_value(ws, u) for u in v]
    elif kind == "relation":
        return {"id": pid, "type": "relation", "relation": [{"id": r} for r in v], "has_more": False}
    elif kind == "created_time":
        v = page["created_time"]
    elif kind == "last_edited_time":
        v = page["last_edited_time"]
    elif kind == "created_by":
        v = users.user_value(ws, page["created_by"])
    elif kind == "last_edited_by":
        v = users.user_value(ws, page["last_edited_by"])
    elif kind == "formula":
        v = computed.render_formula(ws, ds, prop, page)
    elif kind == "rollup":
        v = computed.rollup_value(ws, ds, prop, page, render_property)
    elif kind == "unique_id":
        v = {"prefix": prop["config"].get("prefix"), "number": page.get("seq")}
    elif kind == "files":
        v = [file_uploads.render_file_ref(ws, f) for f in v]
    elif kind == "button":
        v = {}  # a button has no value: recorded `"button": {}` on every page (2026-03-11)
    return {"id": pid, "type": kind, kind: v}


def render_page(ws, ctx: Ctx, page: dict, only: set[str] | None = None) -> dict:
    """The page object; `only` (lists: `common.listed_properties`) keeps the properties named
    by id or name, "title" standing for the title property whatever its name."""
    ds = schema_of(ws, page)
    props = {}
    for pid in ds["order"]:
        prop = ds["props"][pid]
        if only is not None and not ({pid, prop["name"]} & only or (prop["type"] == "title" and "title" in only)):
            continue
        props[prop["name"]] = render_property(ws, ds, prop, page)
    return {
        "object": "page",
        "id": page["id"],
        "created_time": page["created_time"],
        "last_edited_time": page["last_edited_time"],
        "created_by": common.uref(page["created_by"]),
        "last_edited_by": common.uref(page["last_edited_by"]),
        "cover": render_icon(ws, page.get("cover")),
        "icon": render_icon(ws, page.get("icon")),
        "parent": render_parent(ws, page, ctx.legacy),
        **common.trash_fields(ctx, page["in_trash"]),
        "is_archived": page.get("is_archived", False),
        "is_locked": page.get("is_locked", False),
        "properties": props,
        "url": page_url(ws, page["id"]),
        "public_url": None,
    }


def create_page(ws, ctx, params, query, body):
    M.allowed_keys(body, ("parent", "properties", "icon", "cover", "children", "content", "position", "template"))
    if "parent" not in body:
        raise not_defined("body.parent")
    parent = M.check_obj(body["parent"], "body.parent")
    ds, parent_page = _creation_parent(ws, parent)
    if (ds or parent_page or {}).get("in_trash"):
        raise validation(ARCHIVED_EDIT)
    children = body.get("children", body.get("content"))
    if "children" in body and "content" in body:
        raise validation("body failed validation: body.children should be not present when body.content is provided.")
    if children is not None:
        blocks.check_children_request(ws, children, "body.children")
    page_id = new_id()
    page = {
        "id": page_id,
        "data_source_id": ds["id"] if ds else None,
        "props": {},
        "icon": None,
        "cover": None,
        "in_trash": False,
        "is_locked": False,
        "seq": ws.store.next_seq("pages"),
        **ws.stamp_new(ctx),
    }
    if ds is None:
        page["parent"] = (
            {"type": "page_id", "page_id": parent_page["id"]}
            if parent_page
            else {"type": "workspace", "workspace": True}
        )
    if body.get("properties") is not None:
        set_properties(ws, ctx, ds or schema_of(ws, page), page, body["properties"])
    if "icon" in body:
        page["icon"] = M.icon(body["icon"], "body.icon", lambda r, p: file_uploads.attach_upload(ws, r, p))
    if "cover" in body:
        page["cover"] = (
            M.icon(body["cover"], "body.cover", lambda r, p: file_uploads.attach_upload(ws, r, p))
            if body["cover"] is not None
            else None
        )
    save_page(ws, page)
    if parent_page is not None:
        rows.add_child_object(ws, ctx, "child_page", page_id, parent_page["id"])
    if children:
        blocks.insert_children(ws, ctx, page_id, page_id, None, children, "body.children", 1, {"type": "end"})
    ctx.committed = {"committed_resource_id": page_id}
    return 200, render_page(ws, ctx, page)


def _creation_parent(ws, parent: dict) -> tuple[dict | None, dict | None]:
    """(data source, parent page) a new page goes under; both None for a workspace-level page."""
    kind = parent.get("type") or next(
        (k for k in ("data_source_id", "database_id", "page_id", "workspace") if k in parent), None
    )
    if kind == "workspace":
        if parent.get("workspace") is not True:
            raise body_failed("body.parent.workspace", "should be `true`", parent.get("workspace"))
        return None, None
    if kind not in ("data_source_id", "database_id", "page_id"):
        raise not_defined("body.parent.data_source_id")
    raw = parent.get(kind)
    oid = norm_id(str(raw))
    if oid is None:
        raise body_failed(f"body.parent.{kind}", "should be a valid uuid", raw)
    if kind == "data_source_id":
        return databases.get_data_source(ws, oid), None
    if kind == "page_id":
        return None, get_page(ws, oid)
    if ws.store.get("databases", oid) is None:
        raise not_found("database", oid)
    sources = ws.store.data_sources_of(oid)
    if len(sources) != 1:
        raise validation("Databases with multiple data sources are not supported in this API version.")
    return sources[0], None


# Property types answered as a paginated list of property items (docs: Retrieve a page property item).
PAGINATED_PROPERTIES = ("title", "rich_text", "people", "relation")


def retrieve_page_property(ws, ctx, params, query, body):
    M.allowed_keys(query, ("start_cursor", "page_size"), "query")
    page = get_page(ws, params["id"])
    ds = schema_of(ws, page)
    prop = databases.find_property(ws, ds, params["property_id"])
    if prop is None:
        raise not_found("property", params["property_id"])
    kind, pid = prop["type"], prop["id"]
    value = render_property(ws, ds, prop, page)[kind]
    if kind not in PAGINATED_PROPERTIES:
        return 200, {"object": "property_item", "id": pid, "type": kind, kind: value}
    size = common.page_size(query.get("page_size"), "query.page_size", from_query=True)
    cur = common.cursor(query.get("start_cursor"), "property", "query.start_cursor", from_query=True)
    start = int(cur.get("o", 0)) if cur else 0
    chunk = value[start : start + size]
    more = start + size < len(value)
    return 200, {
        "object": "list",
        "results": [{"object": "property_item", "type": kind, "id": pid, kind: item} for item in chunk],
        "next_cursor": b64({"k": "property", "o": start + size}) if more else None,
        "has_more": more,
        "type": "property_item",
        "property_item": {"id": pid, "next_url": None, "type": kind, kind: {}},
    }


def retrieve_page(ws, ctx, params, query, body):
    return 200, render_page(ws, ctx, get_page(ws, params["id"]))


def update_page(ws, ctx, params, query, body):
    page = get_page(ws, params["id"])
    M.allowed_keys(
        body,
        (
            "properties",
            "icon",
            "cover",
            "in_trash",
            "archived",
            "is_locked",
            "is_archived",
            "erase_content",
            "template",
        ),
    )
    flag = trash_flag(ws, ctx, body)
    edits = [k for k in body if k not in ("in_trash", "archived")]
    if page["in_trash"] and flag is not False and edits:
        raise validation(ARCHIVED_EDIT)
    ds = schema_of(ws, page)
    if flag is not None:
        page["in_trash"] = flag
    if body.get("properties") is not None:
        set_properties(ws, ctx, ds, page, body["properties"])
    if "icon" in body:
        page["icon"] = M.icon(body["icon"], "body.icon", lambda r, p: file_uploads.attach_upload(ws, r, p))
    if "cover" in body:
        page["cover"] = (
            M.icon(body["cover"], "body.cover", lambda r, p: file_uploads.attach_upload(ws, r, p))
            if body["cover"] is not None
            else None
        )
    if "is_locked" in body:
        page["is_locked"] = M.check_bool(body["is_locked"], "body.is_locked")
    if "is_archived" in body:  # a page state apart from the trash (notion-api.md §1.6)
        page["is_archived"] = M.check_bool(body["is_archived"], "body.is_archived")
    if body.get("erase_content"):
        for child, _ in ws.store.children(page["id"]):
            ws.store.set_block_trash(child["id"], True)
    ws.touch(page, ctx)
    save_page(ws, page)
    ctx.committed = {"committed_resource_id": page["id"]}
    return 200, render_page(ws, ctx, page)
