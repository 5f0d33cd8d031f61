"""Relation properties: their schema config and the two-way (`dual_property`) sync.

Recorded (ultimate-notion, 2026-03-11): a relation config reads
`{"database_id", "data_source_id", "type": "single_property"|"dual_property", "<type>": {…}}`; a
`dual_property` one names its twin in the related data source
(`{"synced_property_id", "synced_property_name"}`), which Notion creates there as
`Related to <title> (<property name>)`. A page related through one side is listed on the other.
"""

from __future__ import annotations

from typing import Any

from .. import model as M
from ..common import norm_id
from ..errors import body_failed, not_found


def config(ws, ds: dict, cfg: dict, path: str) -> dict:
    """The stored config of a new relation property of `ds` (its twin comes in `link_twin`)."""
    target_id = cfg.get("data_source_id")
    if target_id is None and cfg.get("database_id") is not None:
        db_id = norm_id(str(cfg["database_id"]))
        sources = ws.store.data_sources_of(db_id) if db_id else []
        if not sources:
            raise not_found("database", str(cfg["database_id"]))
        target_id = sources[0]["id"]
    tid = norm_id(str(target_id)) if target_id is not None else None
    if tid is None:
        raise body_failed(f"{path}.relation.data_source_id", "should be a valid uuid", target_id)
    target = ds if tid == ds["id"] else ws.store.get("data_sources", tid)
    if target is None:
        raise not_found("data_source", tid)
    kind = cfg.get("type") or ("dual_property" if "dual_property" in cfg else "single_property")
    if kind not in ("single_property", "dual_property"):
        raise body_failed(f"{path}.relation.type", 'should be `"single_property"` or `"dual_property"`', kind)
    return {"database_id": target["database_id"], "data_source_id": tid, "type": kind, kind: {}}


def _title(ws, ds: dict) -> str:
    db = ws.store.get("databases", ds["database_id"]) or {}
    return M.rich_text_plain(ds.get("title") or []) or M.rich_text_plain(db.get("title") or [])


def link_twin(ws, ds: dict, prop: dict, new_property_id) -> None:
    """Create the twin of a new two-way relation in the related data source."""
    cfg = prop["config"]
    if cfg.get("type") != "dual_property":
        return
    target = ds if cfg["data_source_id"] == ds["id"] else ws.store.get("data_sources", cfg["data_source_id"])
    twin_id = new_property_id(ws, target)
    name = f"Related to {_title(ws, ds)} ({prop['name']})"
    target["props"][twin_id] = {
        "id": twin_id,
        "name": name,
        "type": "relation",
        "config": {
            "database_id": ds["database_id"],
            "data_source_id": ds["id"],
            "type": "dual_property",
            "dual_property": {"synced_property_id": prop["id"], "synced_property_name": prop["name"]},
        },
    }
    target["order"].append(twin_id)
    cfg["dual_property"] = {"synced_property_id": twin_id, "synced_property_name": name}
    if target is not ds:
        ws.store.update_data("data_sources", target["id"], target)


def renamed(ws, ds: dict, prop: dict) -> None:
    """A two-way relation renamed: its twin names it anew."""
    cfg = prop["config"]
    if prop["type"] != "relation" or cfg.get("type") != "dual_property":
        return
    target = (
        ds if cfg.get("data_source_id") == ds["id"] else ws.store.get("data_sources", cfg.get("data_source_id") or "")
    )
    twin = (target or {}).get("props", {}).get(cfg["dual_property"].get("synced_property_id"))
    if twin is not None:
        twin["config"]["dual_property"]["synced_property_name"] = prop["name"]
        if target is not ds:
            ws.store.update_data("data_sources", target["id"], target)


def sync_values(ws, prop: dict, page: dict, old: list[str], new: list[str]) -> None:
    """Pages added to / removed from a two-way relation list `page` in the twin property."""
    cfg = prop["config"]
    if cfg.get("type") != "dual_property":
        return
    twin_id = cfg["dual_property"].get("synced_property_id")
    for other_id in set(old) ^ set(new):
        if other_id == page["id"]:
            continue
        other = ws.store.get("pages", other_id)
        if other is None:
            continue
        listed: list[Any] = list(other["props"].get(twin_id) or [])
        if other_id in new and page["id"] not in listed:
            listed.append(page["id"])
        elif other_id not in new and page["id"] in listed:
            listed.remove(page["id"])
        other["props"][twin_id] = listed
        ws.store.update_data("pages", other_id, other)
