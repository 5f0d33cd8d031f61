"""Front-matter values ⇄ Notion property values.

`desired_properties` builds the request values; `normalize_value` reduces a request value and a
live (response) value of the same property type to one plain comparable value, so the plan
updates only what changed; `display_value` shows a normalized value in the dry run.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from .convert.richtext import split_text
from .plain_text import items_plain_text

if TYPE_CHECKING:  # types only: `bot convert` builds properties without the pydantic models
    from .mapping import Mapping, PropertyMap
    from .source import Variant


def text_items(text: str) -> list[dict]:
    """Plain text as rich-text items within Notion's 2,000-unit limit; the converter's splitter
    never cuts a surrogate pair or a grapheme cluster (emoji, flags, combining marks)."""
    return [{"type": "text", "text": {"content": chunk}} for chunk in split_text(text)]


def _date_value(value: datetime | date, zone: ZoneInfo) -> dict:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(zone).replace(tzinfo=None)
        # Notion: with time_zone set, start must carry no UTC offset.
        return {"start": value.replace(microsecond=0).isoformat(timespec="seconds"), "end": None, "time_zone": zone.key}
    return {"start": value.isoformat(), "end": None, "time_zone": None}


def encode(prop: PropertyMap, value: Any, zone: ZoneInfo) -> dict:
    kind = prop.type
    if kind in ("title", "rich_text"):
        return {kind: text_items(str(value)) if value not in (None, "") else []}
    if kind == "select":
        return {"select": {"name": str(value)} if value not in (None, "") else None}
    if kind == "multi_select":
        return {"multi_select": [{"name": str(v)} for v in (value or [])]}
    if kind == "date":
        return {"date": _date_value(value, zone) if value is not None else None}
    if kind == "number":
        return {"number": value}
    if kind == "checkbox":
        return {"checkbox": bool(value)}
    if kind == "url":
        return {"url": value or None}
    raise ValueError(f"unsupported property type {kind}")


def desired_properties(variant: Variant, mapping: Mapping, zone: ZoneInfo, present: set[str] | None = None) -> dict:
    """Request values for every mapped property (only those present in the database, if given)."""
    data = variant.front.model_dump()
    out = {}
    for field, prop in mapping.properties.items():
        if present is not None and prop.property not in present:
            continue
        out[prop.property] = encode(prop, data.get(field), zone)
    return out


def desired_icon(variant: Variant, mapping: Mapping) -> dict | None:
    if not mapping.page_icon:
        return None
    emoji = getattr(variant.front, mapping.page_icon, None)
    return {"type": "emoji", "emoji": emoji} if emoji else None


def _instant(start: str, time_zone: str | None) -> str:
    if "T" not in start:
        return start  # a date without time
    moment = datetime.fromisoformat(start.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=ZoneInfo(time_zone) if time_zone else timezone.utc)
    return moment.astimezone(timezone.utc).isoformat(timespec="seconds")


def normalize_value(kind: str, value: dict | list | Any) -> Any:
    """Reduce a property value (request or response shape, without the type wrapper) to a comparable value."""
    if kind in ("title", "rich_text"):
        return items_plain_text(value)
    if kind == "select":
        return value["name"] if value else None
    if kind == "multi_select":
        return sorted(v["name"] for v in value or [])
    if kind == "date":
        if not value or not value.get("start"):
            return None
        return (
            _instant(value["start"], value.get("time_zone")),
            _instant(value["end"], value.get("time_zone")) if value.get("end") else None,
        )
    if kind == "number":
        return None if value is None else float(value)
    return value


def normalize_properties(props: dict, mapping: Mapping) -> dict[str, Any]:
    """Comparable values keyed by property name, for the mapped properties present in `props`."""
    out = {}
    for prop in mapping.properties.values():
        if prop.property in props:
            raw = props[prop.property]
            out[prop.property] = normalize_value(prop.type, raw.get(prop.type))
    return out


def display_value(kind: str, normalized: Any, width: int | None = 80) -> str:
    """One line for a plan; `width=None` keeps the whole text (preview, `local show`)."""
    if normalized is None or normalized == "" or normalized == []:
        return "(empty)"
    if kind == "date":
        start, end = normalized
        return start if not end else f"{start} → {end}"
    if kind == "multi_select":
        return ", ".join(normalized)
    if isinstance(normalized, float) and normalized.is_integer():
        return str(int(normalized))
    text = str(normalized)
    return text if width is None or len(text) <= width else text[: width - 3] + "…"
