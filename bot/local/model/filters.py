"""Data-source query filters: which filter applies to which property type, and evaluation."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import Any

from ..errors import body_failed, validation
from .checks import check_bool, check_str
from .dates import _instant, parse_iso

TEXT_OPS = (
    "equals",
    "does_not_equal",
    "contains",
    "does_not_contain",
    "starts_with",
    "ends_with",
    "is_empty",
    "is_not_empty",
)
NUMBER_OPS = (
    "equals",
    "does_not_equal",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "is_empty",
    "is_not_empty",
)
SELECT_OPS = ("equals", "does_not_equal", "is_empty", "is_not_empty")
MULTI_OPS = ("contains", "does_not_contain", "is_empty", "is_not_empty")
# Relative date conditions take an empty object: {"past_week": {}} (docs: Filter data source entries, date).
RELATIVE_DATE_OPS = ("past_week", "past_month", "past_year", "this_week", "next_week", "next_month", "next_year")
DATE_OPS = ("equals", "before", "after", "on_or_before", "on_or_after", "is_empty", "is_not_empty") + RELATIVE_DATE_OPS
CHECKBOX_OPS = ("equals", "does_not_equal")
LIST_OPS = ("contains", "does_not_contain", "is_empty", "is_not_empty")

TEXTISH = ("title", "rich_text", "url", "email", "phone_number")
# filter key -> (property types it applies to, operators)
FILTER_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "title": (TEXTISH, TEXT_OPS),
    "rich_text": (TEXTISH, TEXT_OPS),
    "url": (TEXTISH, TEXT_OPS),
    "email": (TEXTISH, TEXT_OPS),
    "phone_number": (TEXTISH, TEXT_OPS),
    "number": (("number",), NUMBER_OPS),
    "select": (("select",), SELECT_OPS),
    "status": (("status",), SELECT_OPS),
    "multi_select": (("multi_select",), MULTI_OPS),
    "date": (("date", "created_time", "last_edited_time"), DATE_OPS),
    "created_time": (("created_time",), DATE_OPS),
    "last_edited_time": (("last_edited_time",), DATE_OPS),
    "checkbox": (("checkbox",), CHECKBOX_OPS),
    "people": (("people", "created_by", "last_edited_by"), LIST_OPS),
    "created_by": (("created_by",), LIST_OPS),
    "last_edited_by": (("last_edited_by",), LIST_OPS),
    "relation": (("relation",), LIST_OPS),
    "files": (("files",), ("is_empty", "is_not_empty")),
    "unique_id": (("unique_id",), NUMBER_OPS),
    # a formula filter names the result's type, a rollup filter any/every/none or the result's type
    "formula": (("formula",), ("string", "number", "checkbox", "date")),
    "rollup": (("rollup",), ("any", "every", "none", "number", "date")),
}
# what a formula / rollup condition type compares like
COMPUTED_AS = {
    "string": "rich_text",
    "number": "number",
    "checkbox": "checkbox",
    "date": "date",
    "rich_text": "rich_text",
    "title": "rich_text",
    "select": "select",
    "multi_select": "multi_select",
    "status": "status",
    "people": "people",
    "relation": "relation",
}


def _cmp_date(a: str, b: str) -> tuple[Any, Any]:
    """Compare a stored value ``a`` with a filter value ``b`` (dates as dates, else instants)."""
    pb = parse_iso(b)
    if isinstance(pb, datetime):  # kept to the minute, as stored values are (recorded `equals`)
        return _instant(a), _instant(b).replace(second=0, microsecond=0)
    if not isinstance(pb, datetime):
        da = parse_iso(a)
        if isinstance(da, datetime):
            da = (da if da.tzinfo else da.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()
        return da, pb
    return _instant(a), _instant(b)


def _relative_window(op: str, now: datetime) -> tuple[datetime, datetime]:
    """The instants a relative date condition covers, in UTC: whole days, from midnight of the
    first to midnight after the last (recorded 2026-03-11: `past_week` lists a date seven days
    back at an earlier hour, `next_week` one today at an earlier hour; `test_date_query`).

    past_*/next_* reach back/forward 7 days, one calendar month, one year from today, today
    included; this_week is the ISO week (Monday to Sunday), our choice (MESSAGES.md).
    """
    today = now.astimezone(timezone.utc).replace(hour=0, minute=0, second=0, microsecond=0)
    day = timedelta(days=1)
    if op == "this_week":
        start = today - timedelta(days=today.weekday())
        return start, start + 7 * day
    span = {"week": timedelta(days=7), "month": None, "year": None}[op.split("_")[1]]
    if span is None:
        months = 1 if op.endswith("month") else 12
        sign = -1 if op.startswith("past") else 1
        m = today.month - 1 + sign * months
        year, month = today.year + m // 12, m % 12 + 1
        other = today.replace(year=year, month=month, day=min(today.day, 28))
    else:
        other = today - span if op.startswith("past") else today + span
    return (other, today + day) if op.startswith("past") else (today, other + day)


def eval_condition(ftype: str, op: str, arg: Any, value: Any, path: str, now: datetime | None = None) -> bool:
    """``value`` is the comparable form of the property (see Workspace._filter_value)."""
    if op in ("is_empty", "is_not_empty"):
        if arg is not True:
            raise body_failed(f"{path}.{op}", "should be `true`", arg)
        empty = value in (None, "", [], False) if ftype != "checkbox" else False
        return empty if op == "is_empty" else not empty
    if ftype in ("title", "rich_text", "url", "email", "phone_number"):
        arg = check_str(arg, f"{path}.{op}")
        v = value or ""
        return {
            "equals": lambda: v == arg,
            "does_not_equal": lambda: v != arg,
            "contains": lambda: arg.lower() in v.lower(),
            "does_not_contain": lambda: arg.lower() not in v.lower(),
            "starts_with": lambda: v.lower().startswith(arg.lower()),
            "ends_with": lambda: v.lower().endswith(arg.lower()),
        }[op]()
    if ftype == "number":
        if not isinstance(arg, (int, float)) or isinstance(arg, bool):
            raise body_failed(f"{path}.{op}", "should be a number", arg)
        if value is None:
            return op == "does_not_equal"
        return {
            "equals": value == arg,
            "does_not_equal": value != arg,
            "greater_than": value > arg,
            "less_than": value < arg,
            "greater_than_or_equal_to": value >= arg,
            "less_than_or_equal_to": value <= arg,
        }[op]
    if ftype in ("select", "status"):
        arg = check_str(arg, f"{path}.{op}")
        return (value == arg) if op == "equals" else (value != arg)
    if ftype == "multi_select":
        arg = check_str(arg, f"{path}.{op}")
        v = value or []
        return (arg in v) if op == "contains" else (arg not in v)
    if ftype == "checkbox":
        arg = check_bool(arg, f"{path}.{op}")
        return (bool(value) == arg) if op == "equals" else (bool(value) != arg)
    if ftype in ("date", "created_time", "last_edited_time") and op in RELATIVE_DATE_OPS:
        if arg != {}:
            raise body_failed(f"{path}.{op}", "should be an empty object `{}`", arg)
        if value is None:
            return False
        lo, hi = _relative_window(op, now or datetime.now(timezone.utc))
        at = _instant(value)
        return lo <= at < hi
    if ftype in ("date", "created_time", "last_edited_time"):
        arg = check_str(arg, f"{path}.{op}")
        try:
            parse_iso(arg)
        except ValueError:
            raise body_failed(f"{path}.{op}", "should be a valid ISO 8601 date string", arg)
        if value is None:
            return False
        a, b = _cmp_date(value, arg)
        return {"equals": a == b, "before": a < b, "after": a > b, "on_or_before": a <= b, "on_or_after": a >= b}[op]
    if ftype in ("people", "created_by", "last_edited_by", "relation"):
        arg = check_str(arg, f"{path}.{op}")
        v = value or []
        return (arg in v) if op == "contains" else (arg not in v)
    raise validation(f"body failed validation: {path} uses an unsupported filter type `{ftype}`.")  # pragma: no cover
