"""Every page of the series being published, read with one paginated query and indexed by slug.

One data-source query per publish (100 pages per request) instead of one query per variant:
the filter is the series' slug prefixes (`rec-weekly-en-`, `rec-weekly-zh-`), so the index holds
every page of the series — the variants being published, their language siblings and the weeks
they link to. Several series may share a database: a page belongs to a series only when its
whole slug is `NAME-LANG-YYYY-Www`, so `paper` never takes `paper-notes-en-2026-W22` for its own.
Trashed pages are left out, as Notion's query leaves them out. Duplicate pages (several pages
with one slug) are found in the same results: `pages_for(slug)` lists them all.
"""

from __future__ import annotations

import re
from typing import Iterable

from .bilingual import LANGS
from .plain_text import items_plain_text
from .notion import NotionAPI


def slug_pattern(series: Iterable[str]) -> re.Pattern:
    """The whole slugs of these series' pages: NAME-LANG-YYYY-Www."""
    names = "|".join(re.escape(name) for name in sorted(set(series), key=lambda n: (-len(n), n)))
    langs = "|".join(LANGS)
    return re.compile(rf"(?:{names})-(?:{langs})-\d{{4}}-W\d{{2}}")


def slug_filter(prop: str, prop_type: str, prefixes: Iterable[str]) -> dict:
    """The query filter: the slug starts with one of the series prefixes."""
    conditions = [{"property": prop, prop_type: {"starts_with": prefix}} for prefix in sorted(set(prefixes))]
    return conditions[0] if len(conditions) == 1 else {"or": conditions}


def slug_of(page: dict, prop: str) -> str:
    """The plain text of the page's slug property (rich_text or title)."""
    value = (page.get("properties") or {}).get(prop) or {}
    items = value.get(value.get("type") or "rich_text") or []
    return items_plain_text(items)


class SeriesIndex:
    """The live pages of some series in one data source, by slug."""

    def __init__(self, series: Iterable[str], pages: Iterable[dict], prop: str):
        self.series = tuple(sorted(set(series)))
        self.pattern = slug_pattern(self.series)
        self._by_slug: dict[str, list[dict]] = {}
        for page in pages:
            slug = slug_of(page, prop)
            if page.get("in_trash") or not self.covers(slug):  # another series' page, a prefix away
                continue
            self._by_slug.setdefault(slug, []).append(page)

    @classmethod
    def load(
        cls,
        api: NotionAPI,
        data_source_id: str,
        prop: str,
        prop_type: str,
        series: Iterable[str],
        properties: list[str] | None = None,
    ) -> "SeriesIndex":
        """`properties`: the ids of the properties the caller reads (`filter_properties`)."""
        series = sorted(set(series))
        prefixes = [f"{name}-{lang}-" for name in series for lang in LANGS]
        pages = api.query(data_source_id, {"filter": slug_filter(prop, prop_type, prefixes)}, properties)
        return cls(series, pages, prop)

    def covers(self, slug: str) -> bool:
        """Whether the index answers for `slug` (it is a page of one of the indexed series)."""
        return self.pattern.fullmatch(slug) is not None

    def pages_for(self, slug: str) -> list[dict]:
        """Every live page with exactly this slug: none, one, or duplicates."""
        return list(self._by_slug.get(slug, []))

    def slugs(self) -> list[str]:
        return sorted(self._by_slug)
