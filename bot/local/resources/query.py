"""Data-source queries (`POST /v1/data_sources/{id}/query`) and `POST /v1/search`."""

from __future__ import annotations

import re
from typing import Any, Callable

from .. import model as M
from ..common import b64
from ..errors import body_failed, not_defined, not_found, not_present, shown, validation
from .. import common
from ..search_index import IndexView
from . import computed, databases, pages


MAX_COMPOUND_DEPTH = 2  # an and/or inside an and/or, no deeper
# what `filter.value` of a search may be: "page" or "data_source" (2025-09-03 on), "database" before
SEARCH_OBJECTS = {False: ("page", "data_source"), True: ("page", "database")}


def filter_value(ws, ds: dict, prop: dict, page: dict) -> Any:
    kind = prop["type"]
    v = page["props"].get(prop["id"])
    if kind in computed.NAMED_KINDS:
        return computed.named_value(prop, v)
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
    if kind == "unique_id":
        return page.get("seq")
    return v


def match_filter(ws, ds: dict, f: Any, page: dict, path: str, depth: int = 0) -> bool:
    M.check_obj(f, path)
    if "and" in f or "or" in f:
        key = "and" if "and" in f else "or"
        if depth >= MAX_COMPOUND_DEPTH:
            # "Compound filters can be nested up to two levels deep" (docs, Filter data source entries)
            raise not_present(f"{path}.{key}", f[key])
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
    if ftype in ("formula", "rollup"):
        return _computed_condition(ws, ds, prop, page, ftype, cond, f"{path}.{ftype}")
    value = filter_value(ws, ds, prop, page)
    if ftype == "unique_id":
        return apply_operators(ws, "number", cond, value, f"{path}.{ftype}")
    return apply_operators(ws, ftype, cond, value, f"{path}.{ftype}")


def _computed_condition(ws, ds: dict, prop: dict, page: dict, ftype: str, cond: dict, path: str) -> bool:
    """`{"formula": {"string": {...}}}`, `{"rollup": {"any": {"rich_text": {...}}}}`,
    `{"rollup": {"number": {...}}}`: the computed value compared like a property of that type."""
    _, kinds = M.FILTER_KINDS[ftype]
    if len(cond) != 1 or next(iter(cond)) not in kinds:
        raise body_failed(path, "should use one of " + ", ".join(f"`{k}`" for k in kinds), cond)
    kind, inner = next(iter(cond.items()))
    M.check_obj(inner, f"{path}.{kind}")
    if ftype == "formula":
        try:
            value = computed.formula_value(ws, ds, prop, page) if page.get("id") else None
        except computed.F.FormulaError:
            value = None
        return _compare_as(ws, kind, inner, value, f"{path}.{kind}")
    target, rolled, related = computed.rollup_items(ws, ds, prop, page) if page.get("id") else (None, None, [])
    values = [computed.plain(ws, target, rolled, p) for p in related] if rolled else []
    if kind in ("any", "every", "none"):
        if len(inner) != 1:
            raise body_failed(f"{path}.{kind}", "should have exactly one condition type", inner)
        sub, subcond = next(iter(inner.items()))
        M.check_obj(subcond, f"{path}.{kind}.{sub}")
        hits = [_compare_as(ws, sub, subcond, v, f"{path}.{kind}.{sub}") for v in values]
        return any(hits) if kind == "any" else (all(hits) if kind == "every" else not any(hits))
    result = pages.render_property(ws, ds, prop, page)["rollup"] if page.get("id") else {}
    value = result.get(result.get("type")) if isinstance(result, dict) else None
    return _compare_as(ws, kind, inner, value, f"{path}.{kind}")


def _compare_as(ws, kind: str, cond: dict, value, path: str) -> bool:
    ftype = M.COMPUTED_AS.get(kind)
    if ftype is None:
        raise body_failed(path, "should be a supported condition type", kind)
    if ftype == "date" and isinstance(value, dict):
        value = value.get("start")
    if ftype in ("select", "status") and isinstance(value, dict):
        value = value.get("name")
    return apply_operators(ws, ftype, cond, value, path)


def _listed(page: dict, body: dict) -> bool:
    """Which pages a query returns (docs, Query a data source; notion-api.md §1.6): never trashed
    ones — "`in_trash` is not a supported query body parameter", so `in_trash`/`archived` (which
    the SDKs still send) are accepted and change nothing — and archived ones (`is_archived`, a
    separate page state) only with `"is_archived": true`, which returns those instead."""
    if page["in_trash"]:
        return False
    want_archived = M.check_bool(body.get("is_archived", False), "body.is_archived")
    return bool(page.get("is_archived")) == want_archived


def apply_operators(ws, ftype: str, cond: dict, value: Any, path: str) -> bool:
    _, ops = M.FILTER_KINDS[ftype]
    if len(cond) != 1:
        raise validation(
            f"body failed validation: {path} should have exactly one condition, instead was `{shown(cond)}`."
        )
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
    M.allowed_keys(
        body,
        (
            "filter",
            "sorts",
            "start_cursor",
            "page_size",
            "archived",
            "in_trash",
            "is_archived",
            "result_type",
            "filter_properties",
        ),
    )
    size = common.page_size(body.get("page_size"), "body.page_size", from_query=False)
    cur = common.cursor(body.get("start_cursor"), "query", "body.start_cursor", from_query=False)
    M.check_bool(body.get("is_archived", False), "body.is_archived")
    # Without sorts, newest first (recorded, 2026-03-11: a query without `sorts` lists the pages
    # last created first, which also decides what the second page of a long query holds).
    # (Ties of a sort keep the creation order.)
    found = [p for p in ws.store.pages_of(ds["id"]) if _listed(p, body)]
    if body.get("filter") is not None:
        # Validate the whole filter once, even when no page would reach a clause.
        probe = {
            "props": {},
            "created_time": ws.iso(ctx.now),
            "last_edited_time": ws.iso(ctx.now),
            "created_by": ctx.user["id"],
            "last_edited_by": ctx.user["id"],
        }
        match_filter(ws, ds, body["filter"], probe, "body.filter")
        found = [p for p in found if match_filter(ws, ds, body["filter"], p, "body.filter")]
    sorts = body.get("sorts")
    if not sorts:
        found.reverse()
    else:
        M.check_array(sorts, "body.sorts")
        for fn, direction in reversed(sort_keys(ws, ds, sorts, "body.sorts")):
            present = [p for p in found if fn(p) not in (None, "", [])]
            empty = [p for p in found if fn(p) in (None, "", [])]
            present.sort(key=lambda p: _sortable(fn(p)), reverse=(direction == "descending"))
            found = present + empty
    start = 0
    if cur is not None:
        start = int(cur.get("o", 0))
    chunk = found[start : start + size]
    more = start + size < len(found)
    nxt = b64({"k": "query", "o": start + size}) if more else None
    only = common.listed_properties(ctx, query)
    return 200, {
        "object": "list",
        "results": [pages.render_page(ws, ctx, p, only) for p in chunk],
        "next_cursor": nxt,
        "has_more": more,
        **list_type(ctx),
    }


def search(ws, ctx, params, query, body):
    M.allowed_keys(body, ("query", "filter", "sort", "start_cursor", "page_size"))
    q = (body.get("query") or "").lower()
    want = _search_object(body.get("filter"), SEARCH_OBJECTS[ctx.legacy])
    trashed = bool((body.get("filter") or {}).get("in_trash"))
    newest_first = _search_sort(body.get("sort"))
    size = common.page_size(body.get("page_size"), "body.page_size", from_query=False)
    cur = common.cursor(body.get("start_cursor"), "search", "body.start_cursor", from_query=False)
    index = IndexView(ws, ctx)
    found: list[tuple[str, dict]] = []  # (kind, stored object)
    if want in (None, "data_source", "database"):  # the allowed one for this version
        for db in ws.store.databases():
            if ctx.legacy:  # 2022-06-28 finds databases, not data sources
                if title_matches(q, M.rich_text_plain(db["title"])) and index.finds(db, trashed):
                    found.append(("database", db))
                continue
            for ds in ws.store.data_sources_of(db["id"]):
                # a data source trashed on its own stays listed; trashed with its database, it
                # leaves the index as a page does (recorded)
                if db["in_trash"]:
                    listed = index.finds(db, trashed)
                else:
                    listed = index.finds(ds, trashed, kept_when_trashed=True)
                if listed and title_matches(q, M.rich_text_plain(ds["title"])):
                    found.append(("data_source", ds))
    if want in (None, "page"):
        for p in ws.store.all_pages():
            if index.finds(p, trashed) and title_matches(q, pages.page_title(ws, p)):
                found.append(("page", p))
    # "If sort is not provided, then the most recently edited results are returned first"
    # (Search, openapi); recorded answers agree. Equal times (minutes): the later write first.
    found.sort(key=lambda f: (f[1]["last_edited_time"], index.edit_order(f[1])), reverse=newest_first)
    start = int(cur.get("o", 0)) if cur else 0
    chunk = found[start : start + size]
    more = start + size < len(found)
    only = common.listed_properties(ctx, query)
    render = {
        "database": lambda o: databases.render_database(ws, ctx, o),
        "data_source": lambda o: databases.render_data_source(ws, ctx, o),
        "page": lambda o: pages.render_page(ws, ctx, o, only),
    }
    return 200, {
        "object": "list",
        "results": [render[kind](o) for kind, o in chunk],
        "next_cursor": b64({"k": "search", "o": start + size}) if more else None,
        "has_more": more,
        **list_type(ctx),
    }


def _search_sort(sort: Any) -> bool:
    """`{"direction": "ascending"|"descending", "timestamp": "last_edited_time"}` -> newest first?"""
    if sort is None:
        return True
    M.check_obj(sort, "body.sort")
    M.allowed_keys(sort, ("direction", "timestamp"), "body.sort")
    if sort.get("timestamp") != "last_edited_time":
        raise body_failed("body.sort.timestamp", 'should be `"last_edited_time"`', sort.get("timestamp"))
    if sort.get("direction") not in ("ascending", "descending"):
        raise body_failed("body.sort.direction", 'should be `"ascending"` or `"descending"`', sort.get("direction"))
    return sort["direction"] == "descending"


WORD = re.compile(r"\w+")


def title_matches(query: str, title: str) -> bool:
    """Search by words, as recorded (2026-03-11): a title matches when one of its words starts
    with a word of the query or the other way round ("Formula DB" finds every "… DB", "Tests"
    finds "Markdown Test"); an empty query matches everything."""
    words = WORD.findall(query.lower())
    if not words:
        return True
    title_words = WORD.findall(title.lower())
    # a title word as a stem of a query word only when it is a word (≥ 4 letters, "test" of "tests"),
    # so that numbers in a title never match pieces of an id searched for
    return query.lower() in title.lower() or any(
        t.startswith(w) or (len(t) >= 4 and t.isalpha() and w.startswith(t)) for w in words for t in title_words
    )


def _search_object(flt: Any, allowed: tuple[str, str]) -> str | None:
    """`{"property": "object", "value": "page"}` -> "page" (None: no filter); other values refused."""
    if flt is None:
        return None
    M.check_obj(flt, "body.filter")
    M.allowed_keys(flt, ("property", "value", "in_trash"), "body.filter")  # in_trash: changelog Jul 15 2026
    if "in_trash" in flt:
        M.check_bool(flt["in_trash"], "body.filter.in_trash")
        if "value" not in flt and "property" not in flt:
            return None
    if flt.get("property") != "object":
        raise body_failed("body.filter.property", 'should be `"object"`', flt.get("property"))
    if flt.get("value") not in allowed:
        raise body_failed(
            "body.filter.value",
            " or ".join(f"`{shown(v)}`" for v in allowed).join(("should be ", "")),
            flt.get("value"),
        )
    return flt["value"]


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
