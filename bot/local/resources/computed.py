"""Computed property values: formulas (`model.formula`, the common subset) and rollups.

`plain(ws, ds, prop, page)` is a property's value as formulas and filters compare it: text as a
string, select/status as the option name, multi-select as names, a date as `{"start", "end"}`.
"""

from __future__ import annotations

from typing import Any

from .. import model as M
from ..model import formula as F
from . import databases

MAX_DEPTH = 8  # a formula naming a formula naming … (a cycle answers "unsupported")


NAMED_KINDS = ("title", "rich_text", "select", "status", "multi_select")


def named_value(prop: dict, v: Any) -> Any:
    """A text, select, status or multi-select value as formulas and filters compare it: plain
    text, an option's name, a list of names."""
    kind = prop["type"]
    if kind in ("title", "rich_text"):
        return M.rich_text_plain(v or [])
    if kind in ("select", "status"):
        o = next((o for o in prop["config"].get("options", []) if o["id"] == v), None)
        return o["name"] if o else None
    names = {o["id"]: o["name"] for o in prop["config"].get("options", [])}
    return [names[i] for i in v or [] if i in names]


def plain(ws, ds: dict, prop: dict, page: dict, depth: int = 0) -> Any:
    kind = prop["type"]
    v = page["props"].get(prop["id"])
    if kind in NAMED_KINDS:
        return named_value(prop, v)
    if kind in ("created_time", "last_edited_time"):
        return {"start": page[kind], "end": None}
    if kind == "formula":
        return formula_value(ws, ds, prop, page, depth + 1)
    if kind in ("people", "relation", "files"):
        return list(v or [])
    return v


def formula_value(ws, ds: dict, prop: dict, page: dict, depth: int = 0) -> Any:
    """The formula's value on `page`; FormulaError when outside the subset or failing."""
    if depth > MAX_DEPTH:
        raise F.FormulaError("formulas refer to each other in a cycle")

    def resolve(key: str) -> Any:
        ref = databases.find_property(ws, ds, key)
        if ref is None:
            raise F.FormulaError(f"no property {key!r}")
        value = plain(ws, ds, ref, page, depth)
        # an empty number counts as 0 (recorded: a formula naming an empty Number answers 0)
        return 0 if value is None and ref["type"] == "number" else value

    return F.evaluate(prop["config"].get("expression", ""), resolve)


def render_formula(ws, ds: dict, prop: dict, page: dict) -> dict:
    try:
        return F.result(formula_value(ws, ds, prop, page))
    except (F.FormulaError, RecursionError):
        return {"type": "unsupported", "unsupported": {}}


# ---------------------------------------------------------------- rollups
def rollup_items(ws, ds: dict, prop: dict, page: dict) -> tuple[dict | None, dict | None, list[dict]]:
    """(related data source, rolled-up property, related pages) of a rollup on `page`."""
    cfg = prop["config"]
    relation = ds["props"].get(cfg.get("relation_property_id") or "")
    if relation is None:
        return None, None, []
    tid = relation["config"].get("data_source_id")
    target = ds if tid == ds["id"] else ws.store.get("data_sources", tid or "")
    rolled = (target or {}).get("props", {}).get(cfg.get("rollup_property_id") or "")
    related = [
        p
        for p in (ws.store.get("pages", r) for r in page["props"].get(relation["id"]) or [])
        if p and not p["in_trash"]
    ]
    return target, rolled, related


NUMBER_FUNCTIONS = {
    "count": len,
    "count_all": len,
    "count_values": lambda xs: len([x for x in xs if x not in (None, "", [])]),
    "sum": lambda xs: sum(x for x in xs if isinstance(x, (int, float))),
    "average": lambda xs: (lambda n: sum(n) / len(n) if n else None)([x for x in xs if isinstance(x, (int, float))]),
    "min": lambda xs: min((x for x in xs if isinstance(x, (int, float))), default=None),
    "max": lambda xs: max((x for x in xs if isinstance(x, (int, float))), default=None),
}


def rollup_value(ws, ds: dict, prop: dict, page: dict, render) -> dict:
    """The rollup as Notion answers it: `array` (show_original), `number` or `date`; a function
    outside this set answers `unsupported`. `render(ws, ds, prop, page)` renders one value."""
    function = prop["config"].get("function", "show_original")
    target, rolled, related = rollup_items(ws, ds, prop, page)
    if rolled is None:
        return {"type": "array", "array": [], "function": function}
    if function in ("show_original", "show_unique"):
        items = []
        for p in related:
            value = render(ws, target, rolled, p)
            value.pop("id", None)
            items.append(value)
        return {"type": "array", "array": items, "function": function}
    values = [plain(ws, target, rolled, p) for p in related]
    if function in NUMBER_FUNCTIONS:
        return {"type": "number", "number": NUMBER_FUNCTIONS[function](values), "function": function}
    if function in ("earliest_date", "latest_date"):
        starts = sorted(v["start"] for v in values if isinstance(v, dict) and v.get("start"))
        pick = (starts[0] if function == "earliest_date" else starts[-1]) if starts else None
        return {
            "type": "date",
            "date": {"start": pick, "end": None, "time_zone": None} if pick else None,
            "function": function,
        }
    return {"type": "unsupported", "unsupported": {}, "function": function}
