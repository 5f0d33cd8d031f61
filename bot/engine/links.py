"""Links between pages and twins: a page's language link and its links to other pages of the
run, completed once those pages exist; twin pages (from concurrent creates) healed; and after
twins are healed, no live page may link to a page in the trash.

Healing (bot.engine.duplicates) keeps the oldest page per slug, so the en page that stays and the zh
page that stays may come from different publishers, and the one that stays may still link to
its own sibling twin, now in the trash. Several hosts heal at once with one token, so a page's
`last_edited_*` (to the minute, same user) cannot tell one host that another rewrote the link:
the page records (bot.engine.records) would hide the stale link from every rerun.

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

from ..bilingual import is_language_link, language_link, other_lang, sibling_of
from ..errors import DuplicatePagesError
from ..notion import NotionError, OutcomeUnknownError
from ..source import Variant
from .blockstore import with_first
from .fingerprints import tree_fingerprint
from .plan import PENDING_LINK_NOTE, Live

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


def relink_week(engine, variant: Variant) -> int:
    """Point the language callouts of `variant`'s week at the live pages; returns the writes.
    `engine`: the run's bot.engine.publish.Publisher (its API, records and twin healing)."""
    reader, api = engine.reader, engine.session.api
    sibling = sibling_of(variant, engine.all_variants)
    if sibling is None:
        return 0
    pair = {variant.lang: variant, sibling.lang: sibling}
    writes = 0
    for _ in range(MAX_LOOKS):
        live = {}
        for lang, v in pair.items():
            pages = [p for p in reader.pages_with_slug(v) if p["id"] not in reader.trashed]
            if len(pages) > 1:  # another host's twin appeared meanwhile: the same rule heals it
                pages = [engine.linker.heal_duplicates(v, pages).page]
            if not pages:
                return writes  # a variant without a page: the next publish creates and links it
            live[lang] = pages[0]
        changed, again = 0, False
        for lang, page in live.items():
            want = live[other_lang(lang)].get("url")
            children = api.list_children(page["id"])
            first = children[0] if children else None
            if first is None or not is_language_link(first, engine.session.mapping.link_texts) or not want:
                continue  # no callout (yet): the ordinary publish puts it in
            if _page_key(_link_url(first)) == _page_key(want):
                continue
            engine.observer.on_progress(
                f"{pair[lang].slug}: its language link pointed at a page in the trash (a healed twin); linked to {want}"
            )
            try:
                api.update_block(first["id"], language_link(lang, want, engine.session.mapping.link_text(lang)))
            except NotionError as exc:
                unknown = isinstance(exc, OutcomeUnknownError)  # the update is idempotent: look, don't guess
                if not unknown and not engine.applier.changed_under_us(exc, page["id"]):
                    raise
                # Another host trashed this page (healing the same twins) or replaced its callout
                # between this look and the write, or the outcome is unknown: look again, from Notion.
                engine.observer.on_progress(f"{pair[lang].slug}: changed by another publisher meanwhile; looking again")
                again = True
                continue
            changed += 1
        for v in pair.values():
            engine.records.forget(v.slug)  # the next run reads these trees again
        writes += changed
        if not changed and not again:
            return writes
    log.warning(
        "%s: language links still changing after %d looks (other publishers at work); the next run checks again",
        variant.slug,
        MAX_LOOKS,
    )
    return writes


class Linker:
    """The run's links between pages and its twins. `engine`: the run's
    bot.engine.publish.Publisher (session, options, reader, planner, applier, memory, observer)."""

    def __init__(self, engine):
        self.engine = engine
        self.api = engine.session.api
        self.healed: dict[tuple[str, str], Variant] = {}  # week group -> a variant of it whose twins were healed

    def heal_duplicates(self, variant: Variant, pages: list[dict]) -> Live:
        """Twins from concurrent creates go to the trash (bot.engine.duplicates decides which, the
        same way on every host); anything else stops with the pages named."""
        from .duplicates import Candidate, order, resolve

        engine, planner = self.engine, self.engine.planner
        body, _ = planner.convert(variant)
        trees = {p["id"]: self.api.read_tree(p["id"]) for p in pages}
        candidates = []
        for page in pages:
            # Compared without the language link: twins may link to different sibling twins.
            own = [b for b in trees[page["id"]] if not is_language_link(b, engine.session.mapping.link_texts)]
            plan = planner.plan(variant, body, Live(page, own), None, None)
            by_bot = (page.get("created_by") or {}).get("id") == engine.session.bot_user_id
            matches = plan.action == "unchanged" or plan.lacks_only_its_reveal  # (a run stopped just before it)
            candidates.append(
                Candidate(
                    page["id"],
                    page.get("created_time") or "",
                    page.get("url"),
                    by_bot,
                    plan.drift.describe() if plan.drift else None,
                    matches,
                )
            )
        decision = resolve(candidates)
        if decision.problem:
            listing = "; ".join(c.describe() for c in order(candidates))
            raise DuplicatePagesError(
                f"{len(pages)} pages have slug {variant.slug!r} and {decision.problem}: {listing}. Trash all but one in Notion, then publish again."
            )
        dry_run = engine.options.dry_run
        for twin in decision.trash:
            if not dry_run:
                try:
                    self.api.update_page(twin.page_id, in_trash=True)
                except NotionError as exc:  # another host, healing the same twins, was quicker
                    if not engine.applier.changed_under_us(exc, twin.page_id):
                        raise
                engine.reader.trashed.add(twin.page_id)
                self.healed[variant.group] = variant  # its week's language links are checked at the end
        twins = ", ".join(f"{t.page_id} ({t.url})" for t in decision.trash)
        verb = "would move" if dry_run else "moved"
        message = f"{variant.slug}: {len(pages)} pages had this slug (concurrent publishers); kept the oldest {decision.keep.page_id} ({decision.keep.url}), {verb} to the trash: {twins}"
        engine.session.warnings.append(message)
        engine.observer.on_progress(message)
        page = next(p for p in pages if p["id"] == decision.keep.page_id)
        engine.reader.urls[variant.slug] = page.get("url")
        return Live(page, trees[page["id"]])

    def look_for_twins(self, writer, results: list) -> None:
        """Once the pages of this run are created, look once for pages another publisher created
        for the same slugs meanwhile — one fresh series query, not one query per page — and heal
        them by the same rule as duplicates found while planning. Where ours is the twin to
        trash, the kept page is brought up to date instead."""
        created = [r for r in results if r.action == "created" and r.plan.page_id]
        if not created:
            return
        reader = self.engine.reader
        for lang in {r.variant.lang for r in created}:
            reader.read_index_again(lang)
        for result in created:
            variant = result.variant
            pages = [p for p in reader.indexed_pages(variant) if p["id"] not in reader.trashed]
            if len(pages) > 1:
                if self.heal_duplicates(variant, pages).id == result.plan.page_id:
                    continue
            elif not pages or pages[0]["id"] == result.plan.page_id:
                continue  # ours is the only page (or none is left to bring up to date)
            # Ours went to the trash (here, or healed by another host): the page that stays
            # gets this run's content.
            self.healed[variant.group] = variant
            self._bring_up_to_date(writer, result)
            # Its sibling links to the page that went to the trash: link it to the one that stays.
            sibling = sibling_of(variant, self.engine.all_variants)
            for other in results:
                if sibling is not None and other.variant.slug == sibling.slug and other.action != "skipped":
                    self._bring_up_to_date(writer, other)

    def _bring_up_to_date(self, writer, result) -> None:
        """Plan `result`'s variant again from a fresh look at Notion and apply it."""
        engine, variant = self.engine, result.variant
        before = self.api.stats.snapshot()
        engine.records.forget(variant.slug)
        final = engine.applier.apply_converging(writer, variant, engine.planner.replan(variant))
        engine.reader.urls[variant.slug] = final.url
        engine.memory.save_snapshot(final)
        result.plan = final
        result.writes += self.api.stats.since(before).writes

    def insert_language_link(self, writer, result) -> None:
        """The first of two new pages: put its language callout first, now that the other exists."""
        engine, variant, plan = self.engine, result.variant, result.plan
        sibling = sibling_of(variant, engine.all_variants)
        url = engine.reader.urls.get(sibling.slug) if sibling else None
        if not url:
            if plan.reveal:
                engine.observer.on_progress(
                    f"{variant.slug}: stays {plan.reveal.property}: {plan.reveal.hidden} until its language link is in (the next publish completes it)"
                )
            return  # the sibling was not created: the placeholder goes in with the next publish
        before = self.api.stats.snapshot()
        link = language_link(variant.lang, url, engine.session.mapping.link_text(variant.lang))
        writer.start_page()
        try:
            writer.insert_first(plan.page_id, link)
            if plan.reveal:
                writer.reveal(plan)  # complete now: all its blocks and its language link are in
            plan.children = with_first(plan.children, link)
            plan.desired_blocks, plan.desired_sha = plan.children, tree_fingerprint(plan.children)
            final = plan
        except OutcomeUnknownError as exc:
            log.warning("%s: %s — reading Notion again before continuing", variant.slug, exc)
            final = engine.applier.apply_converging(writer, variant, engine.planner.replan(variant))
        except NotionError as exc:
            if not engine.applier.changed_under_us(exc, plan.page_id):
                if plan.reveal is not None:
                    exc.hint = f"{plan.reveal.still_hidden(plan.slug)} {exc.hint or ''}".strip()
                raise
            # Another publisher healed twins and trashed this page: the twin check at the end
            # of the run brings the page that stays up to date, link included.
            engine.observer.on_progress(
                f"{variant.slug}: the page went to the trash meanwhile (a twin); the page that stays is updated instead"
            )
            result.writes += self.api.stats.since(before).writes
            return
        plan.sibling_pending = False
        plan.notes = [n for n in plan.notes if not n.startswith(PENDING_LINK_NOTE)]
        engine.memory.record(final, writer.last_stamp)
        engine.memory.save_snapshot(final)
        result.writes += self.api.stats.since(before).writes

    def complete_links(self, writer, results: list) -> None:
        """Links that are still pending after every page was written — a page linking to one
        created later in the run, or a write that had to be reconciled — are completed by
        reading that page again (one block update per link)."""
        engine = self.engine
        urls = engine.reader.urls
        for result in results:
            slug = result.variant.slug
            created = {t for t in engine.planner.pending_links.get(slug, set()) if urls.get(t)}
            sibling = sibling_of(result.variant, engine.all_variants)
            if result.plan.sibling_pending and sibling and urls.get(sibling.slug):
                created.add(sibling.slug)
            if not created or result.action == "skipped":
                continue
            before = self.api.stats.snapshot()
            engine.records.forget(slug)
            writer.start_page()
            final = engine.applier.apply_converging(writer, result.variant, engine.planner.replan(result.variant))
            engine.memory.record(final, writer.last_stamp)
            engine.memory.save_snapshot(final)
            result.plan.sibling_pending = False
            result.plan.notes = [n for n in result.plan.notes if not n.startswith(PENDING_LINK_NOTE)]
            result.plan.url = final.url or result.plan.url
            written = self.api.stats.since(before).writes
            result.writes += written
            if written and result.action == "unchanged":
                result.action = "updated"

    def relink_healed_weeks(self) -> None:
        """Weeks whose twins were healed: no live page may keep a link to a trashed twin."""
        for variant in list(self.healed.values()):
            relink_week(self.engine, variant)
