"""Date values: ISO parsing, time zones, Notion's read form."""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import body_failed, not_defined, not_present, shown, validation
from .checks import check_obj, check_str

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def parse_iso(value: str) -> datetime | date:
    if _DATE_ONLY.match(value):
        return date.fromisoformat(value)
    v = value.replace("Z", "+00:00") if value.endswith("Z") else value
    return datetime.fromisoformat(v)


def has_offset(value: str) -> bool:
    if _DATE_ONLY.match(value):
        return False
    dt = parse_iso(value)
    return isinstance(dt, datetime) and dt.tzinfo is not None


def fmt_dt(dt: datetime) -> str:
    """Notion's read form for datetimes: milliseconds and a numeric offset (Z for UTC)."""
    s = dt.isoformat(timespec="milliseconds")
    return s


def normalize_date(value: Any, path: str) -> dict | None:
    """Validate a date value; return the response shape.

    Notion's docs: if ``time_zone`` is provided, ``start``/``end`` must not carry a UTC
    offset. On read the public API returns ``time_zone: null`` and the instants as
    offset timestamps, so we convert with zoneinfo here.
    """
    if value is None:
        return None
    check_obj(value, path)
    for k in value:
        if k not in ("start", "end", "time_zone"):
            raise not_present(f"{path}.{k}", value[k])
    if "start" not in value:
        raise not_defined(f"{path}.start")
    start = check_str(value["start"], f"{path}.start")
    end = value.get("end")
    if end is not None:
        end = check_str(end, f"{path}.end")
    tz_name = value.get("time_zone")
    tz = None
    if tz_name is not None:
        tz_name = check_str(tz_name, f"{path}.time_zone")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise body_failed(f"{path}.time_zone", "should be a valid IANA time zone", tz_name)

    def conv(s: str, p: str) -> str:
        try:
            parsed = parse_iso(s)
        except ValueError:
            raise body_failed(p, "should be a valid ISO 8601 date string", s)
        if isinstance(parsed, datetime):
            # Notion keeps date values to the minute (recorded 2026-03-11: 17:57:32.424 -> 17:57:00.000)
            parsed = parsed.replace(second=0, microsecond=0)
            if tz is not None:
                # The docs say no offset with a time_zone; Notion accepts one and keeps the instant
                # (recorded 2026-03-11: "…16:57:28Z" with "UTC" -> "…16:57:00.000+00:00"). Recordings win.
                return fmt_dt(parsed.astimezone(tz) if parsed.tzinfo is not None else parsed.replace(tzinfo=tz))
            if parsed.tzinfo is None:
                # Notion interprets a naive datetime without time_zone as UTC.
                parsed = parsed.replace(tzinfo=timezone.utc)
            return fmt_dt(parsed)
        if tz is not None:
            raise validation(
                f"{_property_label(path)} has an invalid date. If time zone is explicitly provided, "
                "start and end must contain date and time"
            )
        return parsed.isoformat()

    out_start = conv(start, f"{path}.start")
    out_end = conv(end, f"{path}.end") if end is not None else None
    if out_end is not None:
        a, b = _instant(out_start), _instant(out_end)
        if b < a:
            raise validation(f"body failed validation: {path}.end should be after start, instead was `{shown(end)}`.")
    return {"start": out_start, "end": out_end, "time_zone": None}


def _property_label(path: str) -> str:
    """The property a date value belongs to (`body.properties.Date.date` -> `Date`), else the path."""
    prefix = "body.properties."
    return path[len(prefix) :].rsplit(".", 1)[0] if path.startswith(prefix) else path


def _instant(s: str) -> datetime:
    d = parse_iso(s)
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)
