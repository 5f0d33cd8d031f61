"""The front-matter field rules in plain Python: each returns the value as the field holds it,
or raises ValueError with the message a writer sees. The pydantic model (`bot.front_matter`)
applies them after its type checks; the plain check without pydantic (`bot.plain_front`) applies
the same functions, so the two cannot disagree on a rule."""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

WEEK_RE = re.compile(r"^(\d{4})-W(0[1-9]|[1-4]\d|5[0-3])$")
SLUG_RE = re.compile(r"^[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")  # C0 (but tab, newline), DEL and C1
DATE_FORMATS = ("%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S")


def week(value: str) -> str:
    if not WEEK_RE.match(value):
        raise ValueError("expected an ISO week such as 2026-W22")
    return value


def slug(value: str) -> str:
    """`slug:` and `series:`."""
    if not SLUG_RE.match(value):
        raise ValueError("expected letters, digits and single hyphens, e.g. rec-weekly-en-2026-W22")
    return value


def parsed_date(value: Any) -> Any:
    """Before the type check: YAML's dates pass; a text in one of DATE_FORMATS (or ISO) becomes a datetime."""
    if isinstance(value, (datetime, date)):
        return value
    if isinstance(value, str):
        text = value.strip()
        for fmt in DATE_FORMATS:
            try:
                return datetime.strptime(text, fmt)
            except ValueError:
                pass
        try:
            return datetime.fromisoformat(text)
        except ValueError:
            pass
    raise ValueError("expected a date such as 2026-05-30 07:01 (local time in BOT_TIMEZONE) or 2026-05-30")


def tags(value: list[str]) -> list[str]:
    for tag in value:
        if not tag or "," in tag:
            raise ValueError(
                f"tag {tag!r}: tag names must be non-empty and contain no comma (Notion rejects commas in options)"
            )
    if len(set(value)) != len(value):
        raise ValueError("tags must not repeat")
    return value


def category(value: str | None) -> str | None:
    if value is not None and "," in value:
        raise ValueError("category must contain no comma (Notion rejects commas in select options)")
    return value or None


def finite(value: float | None) -> float | None:
    """`priority:`."""
    if value is not None and not math.isfinite(value):
        raise ValueError("expected a finite number such as 1 (not .nan, .inf or a number too large for Notion)")
    return value


def no_control_characters(value: str | None) -> str | None:
    """`title:`, `summary:`, `category:`, `icon:`, `password:`."""
    if value is not None:
        bad = next((c for c in value if CONTROL.match(c)), None)
        if bad is not None:
            raise ValueError(f"contains the control character U+{ord(bad):04X}; remove it")
    return value


def icon(value: str | None) -> str | None:
    from .emoji import is_single_emoji

    if value and not is_single_emoji(value):  # Notion refuses a word or two emoji as a page icon
        raise ValueError(
            f"expected a single emoji such as 📚, got {value!r} (Notion takes only one emoji as a page icon)"
        )
    return value or None


def slug_matches(series: str, lang: str, week: str, slug: str) -> None:
    """After the fields: the slug is series-lang-week."""
    expected = f"{series}-{lang}-{week}"
    if slug != expected:
        raise ValueError(
            f"slug {slug!r} must be {expected!r} (series-lang-week: from `series:`, `lang:` and `week: {week}`)"
        )
