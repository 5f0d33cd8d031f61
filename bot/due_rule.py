"""The due rule: when a variant may go out (docs/scheduling.md → The due rule).

* ``status: Published`` with a ``date`` in the future (in BOT_TIMEZONE) **waits**: its page is
  neither created nor updated before that moment, so a finished issue can sit in content/
  and go live on its date. A date without a time means midnight.
* ``status: Published`` dated now or in the past is **due**: created or updated.
* ``Draft`` and ``Invisible`` are **due** whatever their date: they are synced as they are
  (the blog hides them), so editors can preview them in Notion.

It lives in the content layer, next to `bot.source`, so that `bot publish`, the scheduler and
`bot status` apply the same rule without importing the scheduler (or APScheduler).
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from .source import Variant


def due_at(variant: Variant, zone: ZoneInfo) -> datetime | None:
    """When the variant may go live; None when it never waits (Draft, Invisible)."""
    if variant.front.status != "Published":
        return None
    value = variant.front.date
    if isinstance(value, datetime):
        return value.replace(tzinfo=zone) if value.tzinfo is None else value.astimezone(zone)
    if isinstance(value, date):
        return datetime.combine(value, time(0), zone)
    return None


def is_due(variant: Variant, now: datetime, zone: ZoneInfo) -> bool:
    moment = due_at(variant, zone)
    return moment is None or moment <= now


def waiting_until(variants: list[Variant], now: datetime, zone: ZoneInfo) -> list[tuple[datetime, Variant]]:
    """Variants that wait, soonest first."""
    out = [(due_at(v, zone), v) for v in variants if not is_due(v, now, zone)]
    return sorted(out, key=lambda pair: (pair[0], pair[1].slug))


def became_due(
    variants: list[Variant], after: datetime, now: datetime, zone: ZoneInfo
) -> list[tuple[datetime, Variant]]:
    """Variants whose date fell in (after, now]."""
    out = []
    for v in variants:
        moment = due_at(v, zone)
        if moment is not None and after < moment <= now:
            out.append((moment, v))
    return sorted(out, key=lambda pair: (pair[0], pair[1].slug))
