"""In which order a week's pages are written, and which new pages go up whole.

With hidden until complete (bot/engine/hidden.py) a new page goes up hidden unless its create request
carries the whole page, language link included. Of two new pages of a week, the one written
first cannot carry its link (the other has no URL yet): its link goes in once the other exists,
and its reveal right after. The one written second carries its link in its create, so when its
body fits in that request it goes up whole, with no reveal: a new pair costs one request more
than without the rule. Pure functions of the plan's inputs, used for planning and applying alike
so the dry run shows what publishing does.
"""

from __future__ import annotations

from typing import Iterable

from .apply import whole_in_one_request
from ..bilingual import sibling_of
from .plan import desired_blocks
from ..source import Variant


def built_in_parts(variants: Iterable[Variant], bodies: dict[str, list[dict]], creating: set[str]) -> set[str]:
    """New pages whose body (with a language link) needs more than their create request."""
    return {
        v.slug
        for v in variants
        if v.slug in creating
        and not whole_in_one_request(desired_blocks(v.lang, bodies[v.slug], has_sibling=True, sibling_url=None))
    }


def apply_order(
    slugs: list[str], creating: set[str], pending_links: dict[str, set[str]], in_parts: set[str]
) -> list[str]:
    """Creates first; a new page that links to another new page after it (so the link goes out
    with its own create); then a new page built in parts before one that fits its create
    request (the second gets its language link in its create and needs no reveal)."""

    def key(slug: str) -> tuple[bool, bool, bool]:
        links_ahead = bool(pending_links.get(slug, set()) & (creating - {slug}))
        return slug not in creating, links_ahead, slug not in in_parts

    return sorted(slugs, key=key)


def links_after_create(
    order: list[str], variants: list[Variant], all_variants: list[Variant], creating: set[str]
) -> set[str]:
    """New pages written before their new sibling: their language link goes in after it exists."""
    by_slug = {v.slug: v for v in variants}
    done: set[str] = set()
    later: set[str] = set()
    for slug in order:
        sibling = sibling_of(by_slug[slug], all_variants)
        if slug in creating and sibling and sibling.slug in creating and sibling.slug not in done:
            later.add(slug)
        done.add(slug)
    return later
