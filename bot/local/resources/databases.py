"""Databases and data sources: schema storage, `POST /v1/databases`, `GET /v1/databases/{id}`,
`POST /v1/data_sources`, `GET|PATCH /v1/data_sources/{id}`."""

from __future__ import annotations

import string
from typing import Any
from urllib.parse import quote, unquote

from .. import model as M
from ..common import Ctx, new_id, norm_id
from ..errors import ARCHIVED_EDIT, body_failed, not_defined, not_found, validation
from .. import common
from . import file_uploads, relations, rows
from .rows import WORKSPACE_PARENT


UNTITLED_DATABASE = "New database"


def create_database(
    ws,
    ctx: Ctx,
    title: str,
    properties: dict,
    *,
    title_rt: list | None = None,
    parent: dict | None = None,
    icon: dict | None = None,
    path: str = "properties",
) -> tuple[str, str]:
    db_id = new_id()
    title_rt = (
        title_rt if title_rt is not None else M.rich_text([{"type": "text", "text": {"content": title}}], "title")
    )
    db = {
        "id": db_id,
        "title": title_rt,
        "description": [],
        "icon": icon,
        "cover": None,
        "in_trash": False,
        "parent": parent or WORKSPACE_PARENT,
        **ws.stamp_new(ctx),
    }
    ws.store.put("databases", db_id, db, title=title)
    ds_id = add_data_source(ws, ctx, db_id, title_rt, properties, path=path)
    return db_id, ds_id


def add_data_source(
    ws, ctx: Ctx, db_id: str, title_rt: list, properties: dict, *, icon: dict | None = None, path: str = "properties"
) -> str:
    ds = {
        "id": new_id(),
        "database_id": db_id,
        "title": title_rt,
        "description": [],
        "props": {},
        "order": [],
        "in_trash": False,
        "icon": icon,
        "color_seq": 0,
        **ws.stamp_new(ctx),
    }
    for name, cfg in properties.items():
        add_property(ws, ds, name, cfg, f"{path}.{name}")
    if not any(p["type"] == "title" for p in ds["props"].values()):
        add_property(ws, ds, "Name", {"title": {}}, f"{path}.Name")
    ws.store.put("data_sources", ds["id"], ds, database_id=db_id)
    return ds["id"]


def new_property_id(ws, ds: dict) -> str:
    alphabet = string.ascii_letters + string.digits + "!#$&;=?@[]^_`{|}~"
    while True:
        pid = quote("".join(ws.rng.choice(alphabet) for _ in range(4)), safe="")
        if pid not in ds["props"] and pid != "title":
            return pid


def next_color(ws, ds: dict) -> str:
    c = M.OPTION_COLORS[1 + ds.get("color_seq", 0) % (len(M.OPTION_COLORS) - 1)]
    ds["color_seq"] = ds.get("color_seq", 0) + 1
    return c


def parse_options(ws, ds: dict, raw: Any, path: str, existing: list | None = None) -> list[dict]:
    raw = M.check_array(raw, path, max_items=10_000)
    out = []
    by_name = {o["name"]: o for o in (existing or [])}
    for i, o in enumerate(raw):
        M.check_obj(o, f"{path}[{i}]")
        name = M.check_option_name(o.get("name"), f"{path}[{i}].name")
        color = o.get("color")
        if color is not None:
            M.check_color(color, f"{path}[{i}].color", M.OPTION_COLORS)
        prev = by_name.get(name)
        out.append(
            {
                "id": prev["id"] if prev else new_id(),
                "name": name,
                # a schema option without a color is "default" (recorded 2026-03-11)
                "color": color or (prev["color"] if prev else "default"),
                "description": o.get("description"),
            }
        )
    return out


def property_config(ws, ds: dict, kind: str, cfg: Any, path: str, existing: dict | None) -> dict:
    cfg = {} if cfg is None else M.check_obj(cfg, f"{path}.{kind}")
    if kind in ("select", "multi_select"):
        return {
            "options": parse_options(
                ws, ds, cfg.get("options", []), f"{path}.{kind}.options", (existing or {}).get("options")
            )
        }
    if kind == "status":
        if "options" in cfg:
            opts = parse_options(ws, ds, cfg["options"], f"{path}.status.options", (existing or {}).get("options"))
        elif existing:
            return existing
        else:
            opts = [
                {"id": new_id(), "name": n, "color": c, "description": None} for n, c, _ in M.STATUS_DEFAULT_OPTIONS
            ]
        # the default options go to their groups; options a request names all go to "To-do"
        # (recorded: Task DB's Backlog, Blocked, In Progress, Done are all in To-do)
        given = "options" in cfg
        groups = []
        for gname, gcolor, gid in (
            ("To-do", "gray", "to_do"),
            ("In progress", "blue", "in_progress"),
            ("Complete", "green", "complete"),
        ):
            members = [
                o["id"]
                for o, (_, _, g) in zip(opts, M.STATUS_DEFAULT_OPTIONS + [("", "", "to_do")] * len(opts))
                if (gid == "to_do" if given else g == gid)
            ]
            groups.append({"id": new_id(), "name": gname, "color": gcolor, "option_ids": members})
        return {"options": opts, "groups": groups}
    if kind == "number":
        fmt = cfg.get("format", "number")
        if fmt not in M.NUMBER_FORMATS:
            raise body_failed(f"{path}.number.format", "should be a supported number format", fmt)
        return {"format": fmt}
    if kind == "relation":
        return relations.config(ws, ds, cfg, path) if existing is None else existing
    if kind == "formula":
        return {"expression": cfg.get("expression", "")}
    if kind == "rollup":
        return rollup_config(ws, ds, cfg, f"{path}.rollup") if existing is None or cfg else existing
    if kind == "unique_id":  # an update without `prefix` keeps it (recorded: `"unique_id": {}` twice)
        return {"prefix": cfg["prefix"] if "prefix" in cfg else (existing or {}).get("prefix")}
    return {}


def _description(cfg: dict, path: str) -> str | None:
    """A property's description: a plain string (recorded configs), or null."""
    value = cfg.get("description")
    return None if value is None else M.check_str(value, f"{path}.description")


def rollup_config(ws, ds: dict, cfg: dict, path: str) -> dict:
    """A rollup names a relation of `ds` and a property of the related data source, by name or
    id, and a function; the answer names both ways (recorded 2026-03-11 configs)."""
    relation = find_property(ws, ds, str(cfg.get("relation_property_id") or cfg.get("relation_property_name") or ""))
    if relation is None or relation["type"] != "relation":
        raise validation(
            f"body failed validation: {path}.relation_property_name should name a relation property of this data source."
        )
    tid = relation["config"].get("data_source_id")
    target = ds if tid == ds["id"] else ws.store.get("data_sources", tid or "")
    rolled = (
        find_property(ws, target, str(cfg.get("rollup_property_id") or cfg.get("rollup_property_name") or ""))
        if target
        else None
    )
    if rolled is None:
        raise validation(
            f"body failed validation: {path}.rollup_property_name should name a property of the related data source."
        )
    function = cfg.get("function", "show_original")
    if not isinstance(function, str):
        raise body_failed(f"{path}.function", "should be a string", function)
    return {
        "function": function,
        "relation_property_id": relation["id"],
        "relation_property_name": relation["name"],
        "rollup_property_id": rolled["id"],
        "rollup_property_name": rolled["name"],
    }


def add_property(ws, ds: dict, name: str, cfg: Any, path: str) -> None:
    cfg = M.check_obj(cfg, path)
    kind = M.property_type_of(cfg, path)
    if kind == "title" and any(p["type"] == "title" for p in ds["props"].values()):
        raise validation("Cannot create new title property. A data source can only have one title property.")
    pid = "title" if kind == "title" else new_property_id(ws, ds)
    prop = {
        "id": pid,
        "name": cfg.get("name", name),
        "type": kind,
        "config": property_config(ws, ds, kind, cfg.get(kind), path, None),
        "description": _description(cfg, path),
    }
    ds["props"][pid] = prop
    ds["order"].append(pid)
    if kind == "relation":
        relations.link_twin(ws, ds, prop, new_property_id)


def find_property(ws, ds: dict, key: str) -> dict | None:
    if key in ds["props"]:
        return ds["props"][key]
    for p in ds["props"].values():
        if p["name"] == key:
            return p
    dec = unquote(key)
    for p in ds["props"].values():
        if unquote(p["id"]) == dec:
            return p
    return None


def render_schema(ws, ds: dict) -> dict:
    out = {}
    for pid in ds["order"]:
        p = ds["props"][pid]
        cfg = p["config"]
        if p["type"] in ("select", "multi_select", "status"):
            cfg = dict(cfg)
            cfg["options"] = [dict(o) for o in cfg["options"]]
        out[p["name"]] = {
            "id": p["id"],
            "name": p["name"],
            "description": p.get("description"),
            "type": p["type"],
            p["type"]: cfg,
        }
    return out


def get_data_source(ws, ds_id: str) -> dict:
    ds = ws.store.get("data_sources", ds_id)
    if ds is None:
        raise not_found("data_source", ds_id)
    return ds


def render_database(ws, ctx: Ctx, db: dict) -> dict:
    # Notion's database object carries no created_by / last_edited_by (recorded answers).
    sources = ws.store.data_sources_of(db["id"])
    if ctx.legacy:
        return _render_legacy_database(ws, ctx, db, sources[0])
    return {
        "object": "database",
        "id": db["id"],
        "title": db["title"],
        "description": db["description"],
        "parent": db.get("parent", WORKSPACE_PARENT),
        "is_inline": False,
        **common.trash_fields(ctx, db["in_trash"]),
        "is_locked": db.get("is_locked", False),
        "created_time": db["created_time"],
        "last_edited_time": db["last_edited_time"],
        # an untitled data source is listed under its database's title (recorded: "New database")
        "data_sources": [
            {"id": s["id"], "name": M.rich_text_plain(s["title"]) or M.rich_text_plain(db["title"])} for s in sources
        ],
        "icon": file_uploads.render_icon(ws, db["icon"]),
        "cover": file_uploads.render_icon(ws, db["cover"]),
        "url": f"{ws.public_base_url}/{db['id'].replace('-', '')}",
        "public_url": None,
    }


def _render_legacy_database(ws, ctx: Ctx, db: dict, ds: dict) -> dict:
    """2022-06-28: the database is its (first) data source — schema included, authors included,
    property configs without `description` (recorded 2022-06-28 answers)."""
    schema = {name: {k: v for k, v in cfg.items() if k != "description"} for name, cfg in render_schema(ws, ds).items()}
    return {
        "object": "database",
        "id": db["id"],
        "cover": file_uploads.render_icon(ws, db["cover"]),
        "icon": file_uploads.render_icon(ws, db["icon"]),
        "created_time": db["created_time"],
        "created_by": common.uref(db["created_by"]),
        "last_edited_by": common.uref(db["last_edited_by"]),
        "last_edited_time": db["last_edited_time"],
        "title": db["title"],
        "description": db["description"],
        "is_inline": False,
        "properties": schema,
        "parent": db.get("parent", WORKSPACE_PARENT),
        "url": f"{ws.public_base_url}/{db['id'].replace('-', '')}",
        "public_url": None,
        **common.trash_fields(ctx, db["in_trash"]),
    }


def render_data_source(ws, ctx: Ctx, ds: dict) -> dict:
    db = ws.store.get("databases", ds["database_id"]) or {}
    return {
        # a data source without an icon of its own shows its database's (recorded search answers)
        "object": "data_source",
        "id": ds["id"],
        "cover": None,
        "icon": file_uploads.render_icon(ws, ds.get("icon") or db.get("icon")),
        "created_time": ds["created_time"],
        "last_edited_time": ds["last_edited_time"],
        "created_by": common.uref(ds["created_by"]),
        "last_edited_by": common.uref(ds["last_edited_by"]),
        # the database's description shows on its data source (recorded: PATCH /v1/databases
        # {"description"} then GET /v1/data_sources) unless the data source has its own
        "title": ds["title"],
        "description": ds["description"] or db.get("description") or [],
        "is_inline": False,
        "properties": render_schema(ws, ds),
        "parent": {"type": "database_id", "database_id": ds["database_id"]},
        "database_parent": db.get("parent", WORKSPACE_PARENT),
        "url": f"{ws.public_base_url}/{ds['database_id'].replace('-', '')}",
        "public_url": None,
        # in the trash with its database too (recorded: a search lists the data source of a
        # database deleted as a block with in_trash true)
        **common.trash_fields(ctx, bool(ds["in_trash"] or db.get("in_trash"))),
    }


def _parent_page(ws, parent: Any, path: str) -> tuple[dict, str | None]:
    """A new database's parent: (response form, parent page id or None for the workspace)."""
    parent = M.check_obj(parent, path)
    if parent.get("type") == "workspace" or parent.get("workspace") is True:
        return dict(WORKSPACE_PARENT), None
    if "page_id" not in parent:
        raise not_defined(f"{path}.page_id")
    pid = norm_id(str(parent["page_id"]))
    if pid is None:
        raise body_failed(f"{path}.page_id", "should be a valid uuid", parent["page_id"])
    page = rows.get_page(ws, pid)
    if page["in_trash"]:
        raise validation(ARCHIVED_EDIT)
    return {"type": "page_id", "page_id": pid}, pid


def create_database_endpoint(ws, ctx, params, query, body):
    M.allowed_keys(
        body, ("parent", "title", "description", "icon", "cover", "is_inline", "initial_data_source", "properties")
    )
    if "parent" not in body:
        raise not_defined("body.parent")
    parent, page_id = _parent_page(ws, body["parent"], "body.parent")
    title_rt = M.rich_text(body.get("title") or [], "body.title")
    initial = M.check_obj(body.get("initial_data_source") or {}, "body.initial_data_source")
    ds_title = title_rt
    if not title_rt and not ctx.legacy:
        # recorded (2026-03-11): an untitled database is named "New database"; its data source stays untitled
        title_rt = M.rich_text([{"type": "text", "text": {"content": UNTITLED_DATABASE}}], "body.title")
    props_path = "body.initial_data_source.properties" if "properties" in initial else "body.properties"
    props = M.check_obj(initial.get("properties", body.get("properties")) or {}, props_path)
    icon = M.icon(body.get("icon"), "body.icon", lambda r, p: file_uploads.attach_upload(ws, r, p))
    db_id, ds_id = create_database(
        ws, ctx, M.rich_text_plain(title_rt), props, title_rt=title_rt, parent=parent, icon=icon, path=props_path
    )
    if ds_title is not title_rt:
        ds = ws.store.get("data_sources", ds_id)
        ds["title"] = ds_title
        ws.store.update_data("data_sources", ds_id, ds)
    db = ws.store.get("databases", db_id)
    if "description" in body:
        db["description"] = M.rich_text(body["description"], "body.description")
        ws.store.update_data("databases", db_id, db)
    if page_id is not None:
        rows.add_child_object(ws, ctx, "child_database", db_id, page_id)
    ctx.committed = {"committed_resource_id": db_id}
    return 200, render_database(ws, ctx, db)


def create_data_source(ws, ctx, params, query, body):
    M.allowed_keys(body, ("parent", "title", "properties", "icon"))
    parent = M.check_obj(body.get("parent"), "body.parent")
    db_id = norm_id(str(parent.get("database_id")))
    if db_id is None:
        raise body_failed("body.parent.database_id", "should be a valid uuid", parent.get("database_id"))
    db = ws.store.get("databases", db_id)
    if db is None:
        raise not_found("database", db_id)
    title_rt = M.rich_text(body.get("title") or [], "body.title")
    props = M.check_obj(body.get("properties") or {}, "body.properties")
    icon = M.icon(body.get("icon"), "body.icon", lambda r, p: file_uploads.attach_upload(ws, r, p))
    ds_id = add_data_source(ws, ctx, db_id, title_rt, props, icon=icon, path="body.properties")
    ctx.committed = {"committed_resource_id": ds_id}
    return 200, render_data_source(ws, ctx, ws.store.get("data_sources", ds_id))


def retrieve_database(ws, ctx, params, query, body):
    db = ws.store.get("databases", params["id"])
    if db is None:
        raise not_found("database", params["id"])
    return 200, render_database(ws, ctx, db)


def retrieve_data_source(ws, ctx, params, query, body):
    return 200, render_data_source(ws, ctx, get_data_source(ws, params["id"]))


def update_schema(ws, ds: dict, props: Any) -> None:
    """Add, rename, retype or delete (``null``) properties of a data source."""
    M.check_obj(props, "body.properties")
    for key, cfg in props.items():
        path = f"body.properties.{key}"
        prop = find_property(ws, ds, key)
        if cfg is None:
            if prop is None:
                raise validation(f"{key} is not a property that exists.")
            if prop["type"] == "title":
                raise validation("Cannot delete the title property.")
            del ds["props"][prop["id"]]
            ds["order"].remove(prop["id"])
            continue
        M.check_obj(cfg, path)
        if prop is None:
            add_property(ws, ds, key, cfg, path)
            continue
        if "description" in cfg:
            prop["description"] = _description(cfg, path)
        if "name" in cfg:
            new_name = M.check_str(cfg["name"], f"{path}.name")
            clash = find_property(ws, ds, new_name)
            if clash is not None and clash is not prop and clash["name"] == new_name:
                raise validation(
                    f"Cannot update property name to {new_name}: a property with that name already exists."
                )
            prop["name"] = new_name
            relations.renamed(ws, ds, prop)
        kinds = [k for k in cfg if k in M.PROPERTY_TYPES]
        if kinds:
            kind = kinds[0]
            if prop["type"] == "title" and kind != "title":
                raise validation("Cannot change the type of the title property.")
            if kind == "title" and prop["type"] != "title":
                raise validation("Cannot create new title property. A data source can only have one title property.")
            existing = prop["config"] if kind == prop["type"] else None
            prop["config"] = property_config(ws, ds, kind, cfg[kind], path, existing)
            prop["type"] = kind


def update_data_source(ws, ctx, params, query, body):
    ds = get_data_source(ws, params["id"])
    M.allowed_keys(body, ("properties", "title", "description", "icon", "in_trash", "archived", "parent"))
    if "title" in body:
        untitled = not ds["title"]
        ds["title"] = M.rich_text(body["title"], "body.title")
        if untitled and ds["title"]:
            _name_untitled_database(ws, ds)
    if "description" in body:
        ds["description"] = M.rich_text(body["description"], "body.description")
    if "icon" in body:
        ds["icon"] = M.icon(body["icon"], "body.icon", lambda r, p: file_uploads.attach_upload(ws, r, p))
    flag = rows.trash_flag(ws, ctx, body)
    if flag is not None:
        ds["in_trash"] = flag
    if body.get("properties") is not None:
        update_schema(ws, ds, body["properties"])
    ws.touch(ds, ctx)
    ws.store.update_data("data_sources", ds["id"], ds)
    return 200, render_data_source(ws, ctx, ds)


def _name_untitled_database(ws, ds: dict) -> None:
    """An untitled database ("New database") takes the title its data source is given (recorded:
    `PATCH /v1/data_sources {"title": "My DB"}`, then the database answers "My DB")."""
    db = ws.store.get("databases", ds["database_id"])
    if db and M.rich_text_plain(db["title"]) == UNTITLED_DATABASE:
        db["title"] = ds["title"]
        ws.store.put("databases", db["id"], db, title=M.rich_text_plain(ds["title"]))


def update_database(ws, ctx, params, query, body):
    """`PATCH /v1/databases/{id}`: title, description, icon, cover, trash; on 2022-06-28 also the schema."""
    db = ws.store.get("databases", params["id"])
    if db is None:
        raise not_found("database", params["id"])
    keys = ("title", "description", "icon", "cover", "in_trash", "archived", "is_inline", "is_locked")
    M.allowed_keys(body, keys + (("properties",) if ctx.legacy else ()))
    if "is_locked" in body:  # recorded (2026-03-11): locks the database in the Notion UI
        db["is_locked"] = M.check_bool(body["is_locked"], "body.is_locked")
    if "title" in body:
        db["title"] = M.rich_text(body["title"], "body.title")
    if "description" in body:
        db["description"] = M.rich_text(body["description"], "body.description")
    for key in ("icon", "cover"):
        if key in body:
            db[key] = M.icon(body[key], f"body.{key}", lambda r, p: file_uploads.attach_upload(ws, r, p))
    flag = rows.trash_flag(ws, ctx, body)
    if flag is not None:
        db["in_trash"] = flag
        ws.store.set_block_trash(db["id"], flag)
    if body.get("properties") is not None:
        ds = ws.store.data_sources_of(db["id"])[0]
        update_schema(ws, ds, body["properties"])
        ws.touch(ds, ctx)
        ws.store.update_data("data_sources", ds["id"], ds)
    ws.touch(db, ctx)
    ws.store.update_data("databases", db["id"], db)
    ctx.committed = {"committed_resource_id": db["id"]}
    return 200, render_database(ws, ctx, db)
