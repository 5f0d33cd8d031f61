"""After twins are healed, no live page may link to a page in the trash.

Healing (bot.duplicates) keeps the oldest page per slug, so the en page that stays and the zh
page that stays may come from different publishers, and the one that stays may still link to
its own sibling twin, now in the trash. Several hosts heal at once with one token, so a page's
`last_edited_*` (to the minute, same user) cannot tell one host that another rewrote the link:
the page records (bot.records) would hide the stale link from every rerun.

So a run that healed twins of a week, or found its own page of the week trashed by another host,
checks that week's language links itself, from Notion: the live pages of both slugs (a fresh
query each), the first block of each (the language callout), and points every callout at the
live sibling. It then looks again, until a look changes nothing: a host that links to a page
and a host that trashes it both look after their write, so whichever looks last sees the
other's write (the last look of some host always sees the final state). The records of those
pages are dropped, so this host's next run reads their trees once more.
"""

from __future__ import annotations

import logging

from .bilingual import is_language_link, language_link, other_lang, sibling_of
from .source import Variant

log = logging.getLogger("bot")
MAX_LOOKS = 4  # each look after the first follows another host's concurrent change


def _link_url(callout: dict) -> str | None:
    for item in callout["callout"].get("rich_text", []):
        link = (item.get("text") or {}).get("link") or {}
        if link.get("url") or item.get("href"):
            return link.get("url") or item.get("href")
    return None


def _page_key(url: str | None) -> str:
    """A page URL's id part (the last 32 hex digits), so URL forms compare equal."""
    digits = "".join(c for c in (url or "").split("?")[0].lower() if c in "0123456789abcdef")
    return digits[-32:]


def relink_week(publisher, variant: Variant) -> int:
    """Point the language callouts of `variant`'s week at the live pages; returns the writes.
    `publisher`: the bot.publish.Publisher of the run (its API, records and twin healing)."""
    sibling = sibling_of(variant, publisher.all_variants)
    if sibling is None:
        return 0
    pair = {variant.lang: variant, sibling.lang: sibling}
    writes = 0
    for _ in range(MAX_LOOKS):
        live = {}
        for lang, v in pair.items():
            pages = [p for p in publisher._pages_with_slug(v) if p["id"] not in publisher._trashed]
            if len(pages) > 1:  # another host's twin appeared meanwhile: the same rule heals it
                pages = [publisher._heal_duplicates(v, pages).page]
            if not pages:
                return writes  # a variant without a page: the next publish creates and links it
            live[lang] = pages[0]
        changed = 0
        for lang, page in live.items():
            want = live[other_lang(lang)].get("url")
            children = publisher.api.list_children(page["id"])
            first = children[0] if children else None
            if first is None or not is_language_link(first, publisher.mapping.link_texts) or not want:
                continue  # no callout (yet): the ordinary publish puts it in
            if _page_key(_link_url(first)) == _page_key(want):
                continue
            publisher.progress(
                f"{pair[lang].slug}: its language link pointed at a page in the trash (a healed twin); linked to {want}"
            )
            publisher.api.update_block(first["id"], language_link(lang, want, publisher.mapping.link_text(lang)))
            changed += 1
        for v in pair.values():
            publisher.records.forget(v.slug)  # the next run reads these trees again
        writes += changed
        if not changed:
            return writes
    log.warning(
        "%s: language links still changing after %d looks (other publishers at work); the next run checks again",
        variant.slug,
        MAX_LOOKS,
    )
    return writes
