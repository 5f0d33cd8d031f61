"""Data-source queries (`POST /v1/data_sources/{id}/query`) and `POST /v1/search`."""

from __future__ import annotations

from typing import Any, Callable

from .. import model as M
from ..common import b64
from ..errors import body_failed, not_defined, not_found, shown, validation
from .. import common
from . import databases, pages


def filter_value(ws, ds: dict, prop: dict, page: dict) -> Any:
    kind = prop["type"]
    v = page["props"].get(prop["id"])
    if kind in ("title", "rich_text"):
        return M.rich_text_plain(v or [])
    if kind in ("select", "status"):
        o = next((o for o in prop["config"].get("options", []) if o["id"] == v), None)
        return o["name"] if o else None
    if kind == "multi_select":
        byid = {o["id"]: o["name"] for o in prop["config"].get("options", [])}
        return [byid[i] for i in (v or []) if i in byid]
    if kind == "date":
        return v["start"] if v else None
    if kind == "created_time":
        return page["created_time"]
    if kind == "last_edited_time":
        return page["last_edited_time"]
    if kind == "created_by":
        return [page["created_by"]]
    if kind == "last_edited_by":
        return [page["last_edited_by"]]
    return v


def match_filter(ws, ds: dict, f: Any, page: dict, path: str, depth: int = 0) -> bool:
    M.check_obj(f, path)
    if "and" in f or "or" in f:
        key = "and" if "and" in f else "or"
        if depth >= 2 and any(isinstance(x, dict) and ("and" in x or "or" in x) for x in f[key]):
            raise validation(f"body failed validation: {path}.{key} nesting exceeds the maximum depth of 2.")
        items = M.check_array(f[key], f"{path}.{key}")
        res = [match_filter(ws, ds, x, page, f"{path}.{key}[{i}]", depth + 1) for i, x in enumerate(items)]
        return all(res) if key == "and" else any(res)
    if "timestamp" in f:
        ts = f["timestamp"]
        if ts not in ("created_time", "last_edited_time"):
            raise body_failed(f"{path}.timestamp", 'should be `"created_time"` or `"last_edited_time"`', ts)
        cond = M.check_obj(f.get(ts), f"{path}.{ts}")
        return apply_operators(ws, "date", cond, page[ts], f"{path}.{ts}")
    if "property" not in f:
        raise not_defined(f"{path}.property")
    prop = databases.find_property(ws, ds, str(f["property"]))
    if prop is None:
        raise validation(f"Could not find property with name or id: {f['property']}")
    ftypes = [k for k in f if k in M.FILTER_KINDS]
    if len(ftypes) != 1:
        raise validation(f"body failed validation: {path} should have exactly one filter condition type.")
    ftype = ftypes[0]
    allowed_types, _ = M.FILTER_KINDS[ftype]
    if prop["type"] not in allowed_types:
        raise validation(f"database property {prop['type']} does not match filter {ftype}")
    cond = M.check_obj(f[ftype], f"{path}.{ftype}")
    value = filter_value(ws, ds, prop, page)
    return apply_operators(ws, ftype, cond, value, f"{path}.{ftype}")


def apply_operators(ws, ftype: str, cond: dict, value: Any, path: str) -> bool:
    _, ops = M.FILTER_KINDS[ftype]
    if len(cond) != 1:
        raise validation(f"body failed validation: {path} should have exactly one condition, instead was `{shown(cond)}`.")
    op, arg = next(iter(cond.items()))
    if op not in ops:
        raise body_failed(f"{path}", "should use one of " + ", ".join(f"`{o}`" for o in ops), cond)
    return M.eval_condition(ftype, op, arg, value, path, ws.now())


def sort_keys(ws, ds: dict, sorts: list, path: str) -> Callable[[dict], Any]:
    keys = []
    for i, s in enumerate(sorts):
        p = f"{path}[{i}]"
        M.check_obj(s, p)
        direction = s.get("direction", "ascending")
        if direction not in ("ascending", "descending"):
            raise body_failed(f"{p}.direction", 'should be `"ascending"` or `"descending"`', direction)
        if "property" in s:
            prop = databases.find_property(ws, ds, str(s["property"]))
            if prop is None:
                raise validation(f"Could not find sort property with name or id: {s['property']}")
            keys.append((lambda page, prop=prop: filter_value(ws, ds, prop, page), direction))
        elif "timestamp" in s:
            ts = s["timestamp"]
            if ts not in ("created_time", "last_edited_time"):
                raise body_failed(f"{p}.timestamp", 'should be `"created_time"` or `"last_edited_time"`', ts)
            keys.append((lambda page, ts=ts: page[ts], direction))
        else:
            raise not_defined(f"{p}.property")
    return keys


def query_data_source(ws, ctx, params, query, body):
    ds = databases.get_data_source(ws, params["id"])
    M.allowed_keys(body, ("filter", "sorts", "start_cursor", "page_size", "archived", "in_trash", "is_archived", "result_type", "filter_properties"))
    size = common.page_size(body.get("page_size"), "body.page_size", from_query=False)
    cur = common.cursor(body.get("start_cursor"), "query", "body.start_cursor", from_query=False)
    want_trash = bool(body.get("in_trash") or body.get("archived"))
    found = [p for p in ws.store.pages_of(ds["id"]) if p["in_trash"] == want_trash]
    if body.get("filter") is not None:
        # Validate the whole filter once, even when no page would reach a clause.
        probe = {"props": {}, "created_time": ws.iso(ctx.now), "last_edited_time": ws.iso(ctx.now),
                 "created_by": ctx.user["id"], "last_edited_by": ctx.user["id"]}
        match_filter(ws, ds, body["filter"], probe, "body.filter")
        found = [p for p in found if match_filter(ws, ds, body["filter"], p, "body.filter")]
    sorts = body.get("sorts")
    if sorts:
        M.check_array(sorts, "body.sorts")
        for fn, direction in reversed(sort_keys(ws, ds, sorts, "body.sorts")):
            present = [p for p in found if fn(p) not in (None, "", [])]
            empty = [p for p in found if fn(p) in (None, "", [])]
            present.sort(key=lambda p: _sortable(fn(p)), reverse=(direction == "descending"))
            found = present + empty
    start = 0
    if cur is not None:
        start = int(cur.get("o", 0))
    chunk = found[start:start + size]
    more = start + size < len(found)
    nxt = b64({"k": "query", "o": start + size}) if more else None
    return 200, {"object": "list", "results": [pages.render_page(ws, ctx, p) for p in chunk], "next_cursor": nxt,
                 "has_more": more, **list_type(ctx)}


def search(ws, ctx, params, query, body):
    q = (body.get("query") or "").lower()
    flt = body.get("filter") or {}
    want = flt.get("value") if isinstance(flt, dict) else None
    size = common.page_size(body.get("page_size"), "body.page_size", from_query=False)
    cur = common.cursor(body.get("start_cursor"), "search", "body.start_cursor", from_query=False)
    results = []
    if want in (None, "data_source", "database"):
        for db in ws.store.databases():
            if ctx.legacy:  # 2022-06-28 finds databases, not data sources
                if q in M.rich_text_plain(db["title"]).lower() and not db["in_trash"]:
                    results.append(databases.render_database(ws, ctx, db))
                continue
            for ds in ws.store.data_sources_of(db["id"]):
                if q in M.rich_text_plain(ds["title"]).lower() and not ds["in_trash"]:
                    results.append(databases.render_data_source(ws, ctx, ds))
    if want in (None, "page"):
        for p in ws.store.all_pages():
            if not p["in_trash"] and q in pages.page_title(ws, p).lower():
                results.append(pages.render_page(ws, ctx, p))
    start = int(cur.get("o", 0)) if cur else 0
    chunk = results[start:start + size]
    more = start + size < len(results)
    return 200, {"object": "list", "results": chunk, "next_cursor": b64({"k": "search", "o": start + size}) if more else None,
                 "has_more": more, **list_type(ctx)}


def list_type(ctx) -> dict:
    kind = "page_or_database" if ctx.legacy else "page_or_data_source"
    return {"type": kind, kind: {}}


def query_database(ws, ctx, params, query, body):
    """2022-06-28 `POST /v1/databases/{id}/query`: the query of the database's (only) data source."""
    db = ws.store.get("databases", params["id"])
    if db is None:
        raise not_found("database", params["id"])
    return query_data_source(ws, ctx, {"id": ws.store.data_sources_of(db["id"])[0]["id"]}, query, body)


def _sortable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(str(x) for x in v)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        return v.lower()
    return v
