"""Planning from live state: convert each variant, read its page (bot.engine.reader) and plan it
(bot.engine.plan, pure) — a week at a time, before anything of the run is written.

A page links to other pages by URL; a page not created yet has none, so its links are noted
as pending and the page is planned again once they exist (`refresh_links`, `replan`). What a
week's plans no longer need is dropped as soon as the week is planned (`_settle_unchanged`),
so a run over many weeks holds the trees of the pages it writes, not of the archive.
"""

from __future__ import annotations

from ..source import SHARED_PARSE_MAX

from contextlib import nullcontext
from typing import Callable

from ..bilingual import sibling_of
from ..convert import BlockStream, ConvertOptions, Degradation
from ..convert.md_to_blocks import gc_paused
from ..errors import ContentError, Problem
from ..source import Variant
from .blockstore import BlockStore, block_types
from .drift import keep_unnamed_drift
from .fingerprints import tree_fingerprint
from .plan import Live, PlanTarget, VariantPlan, desired_blocks, plan_variant
from .records import stamp_of

ALWAYS_REFUSED = {"image_refused"}  # degradations publish never tolerates (bot.convert.assets)


class Planner:
    """The run's plans. `engine`: the run's bot.engine.publish.Publisher (session, options,
    reader, records, observer)."""

    def __init__(self, engine):
        self.engine = engine
        self.session = engine.session
        self.mapping = engine.session.mapping
        self.options = engine.options
        self.reader = engine.reader
        self.by_path = {v.path.resolve(): v for v in engine.all_variants}
        self.bodies: dict[str, BlockStore] = {}  # slug -> converted body (packed), as planned
        self.pending_links: dict[str, set[str]] = {}  # slug -> linked slugs without a page yet
        self.weeks_planned_ahead = False  # more than one week planned before the first is applied
        self.convert_again: set[str] = set()  # planned creates whose blocks were set aside
        self.link_after_create: set[str] = set()  # new pages whose language link goes in once their new sibling exists
        self.built_in_parts: set[str] = set()  # new pages whose body needs more than their create request

    def sibling(self, variant: Variant) -> Variant | None:
        return sibling_of(variant, self.engine.all_variants)

    def link_resolver(self, variant: Variant) -> Callable[[str], str | None]:
        def resolve(href: str) -> str | None:
            path_part = href.split("#", 1)[0]
            if not path_part:
                return None
            linked = self.by_path.get((variant.path.parent / path_part).resolve())
            if linked is None:
                return None
            url = self.reader.url_of(linked)
            if url is None:  # not published yet: linked once it exists (see refresh_links)
                self.pending_links.setdefault(variant.slug, set()).add(linked.slug)
            return url

        return resolve

    def convert(self, variant: Variant) -> tuple[BlockStore, list[Degradation]]:
        """The variant's body as blocks, packed as they are converted (bot/engine/blockstore.py):
        a page's blocks as dicts took ~200 MiB per MB of dense Markdown, packed ~1."""
        self.pending_links.pop(variant.slug, None)
        options = ConvertOptions(
            line_offset=variant.body_line - 1,
            resolve_link=self.link_resolver(variant),
            base_dir=variant.path.parent,
            image_roots=self.session.settings.image_roots,
            footnotes_heading=self.mapping.footnotes_title(variant.lang),
        )
        # validation's parse of a small body, else parsed one block at a time (tokens freed as it goes)
        tokens = variant.take_tokens()
        if tokens is None and len(variant.body) <= SHARED_PARSE_MAX:
            from ..convert.parser import get_parser

            tokens = get_parser().parse(variant.body)
        stream = BlockStream(variant.body, options, tokens=tokens)
        del tokens
        # A short body is converted with the collector paused (many acyclic dicts); not frozen as
        # `bot convert` freezes its one result: over a run of 1,044 variants each freeze put
        # whatever was alive then out of the collector's reach (no-op 152 MB, first publish 224,
        # against 114 and 138 without). A long one only block by block (BlockStream).
        short = len(variant.body) <= SHARED_PARSE_MAX
        with gc_paused() if short else nullcontext():
            blocks = BlockStore.pack(stream)
        self.bodies[variant.slug] = blocks
        return blocks, list(stream.report)

    def plan(
        self,
        variant: Variant,
        body: list[dict],
        live: Live | None,
        sibling: Variant | None,
        sibling_url: str | None,
        desired_sha: str | None = None,
    ) -> VariantPlan:
        target = self.session.target(variant.lang)
        plan_target = PlanTarget(self.mapping, self.session.settings.zone, target.property_types, target.title_property)
        # Who the bot is matters only when a tree is compared (drift): not asked otherwise.
        bot_user_id = self.session.bot_user_id if live is not None and live.blocks is not None else ""
        complete = self._complete_after(variant, body, live, sibling, sibling_url)
        plan = plan_variant(
            variant,
            body,
            live,
            has_sibling=sibling is not None,
            sibling_url=sibling_url,
            bot_user_id=bot_user_id,
            target=plan_target,
            desired_sha=desired_sha,
            accepted=self._accepted(variant, live),
            complete=complete,
        )
        self.engine.memory.attach_drift_diff(plan)
        if plan.drift:
            self.reader.name_editors(plan.drift)
        return plan

    def _accepted(self, variant: Variant, live: Live | None):
        """What the bot last wrote or accepted on the live page (its record), when known."""
        if live is None or live.blocks is None:
            return None
        record = self.engine.records.get(variant.slug)
        return record.accepted(live.id) if record else None

    def _complete_after(
        self, variant: Variant, body: list[dict], live: Live | None, sibling: Variant | None, sibling_url: str | None
    ) -> bool:
        """Will the plan's writes leave the page complete? Not while its language link waits
        for a sibling this run creates later; not a create whose request cannot carry the whole
        page. Otherwise the page goes up (or stays) hidden until complete (bot/engine/hidden.py)."""
        if self.mapping.hide_until_complete is None:
            return True  # nothing to hold back: not worth sizing the body
        if variant.slug in self.link_after_create and not sibling_url:
            return False
        if live is not None:
            return True
        from .apply import whole_in_one_request

        return whole_in_one_request(
            desired_blocks(
                variant.lang,
                body,
                has_sibling=sibling is not None,
                sibling_url=sibling_url,
                link_text=self.mapping.link_text(variant.lang),
            )
        )

    def apply_order(self, slugs: list[str], creating: set[str]) -> list[str]:
        from .write_order import apply_order

        return apply_order(slugs, creating, self.pending_links, self.built_in_parts)

    def plan_group(
        self, variants: list[Variant]
    ) -> tuple[list[VariantPlan], dict[str, Live | None], dict[str, list[Degradation]]]:
        converted = {v.slug: self.convert(v) for v in variants}
        self._check_strict(variants, converted)
        pages = {v.slug: self.reader.live_page(v) for v in variants}  # duplicates stop the run here
        creating = {slug for slug, page in pages.items() if page is None}
        from .write_order import built_in_parts, links_after_create  # the write order (also of a dry run)

        if self.mapping.hide_until_complete is not None:
            self.built_in_parts |= built_in_parts(variants, {slug: c[0] for slug, c in converted.items()}, creating)
        self.link_after_create |= links_after_create(
            self.apply_order([v.slug for v in variants], creating), variants, self.engine.all_variants, creating
        )
        plans, lives = [], {}
        for v in variants:
            # The sibling may exist in content without being published in this run (--lang).
            sibling = self.sibling(v)
            sibling_url = self.reader.url_of(sibling) if sibling else None
            body = converted[v.slug][0]
            desired_sha = tree_fingerprint(
                desired_blocks(
                    v.lang,
                    body,
                    has_sibling=sibling is not None,
                    sibling_url=sibling_url,
                    link_text=self.mapping.link_text(v.lang),
                )
            )
            lives[v.slug] = self.reader.live(v, pages[v.slug], desired_sha)
            plans.append(self.plan(v, body, lives[v.slug], sibling, sibling_url, desired_sha))
            self.engine.observer.on_variant_done(v.slug)
        for plan in plans:
            lives[plan.slug] = self._settle_unchanged(plan, lives[plan.slug])
            if lives[plan.slug] is None and self.weeks_planned_ahead and not self.options.dry_run:
                self._set_aside_create(plan)
        return plans, lives, {slug: c[1] for slug, c in converted.items()}

    def _set_aside_create(self, plan: VariantPlan) -> None:
        """A page to create while other weeks are still to plan: its blocks are made again when
        its week is applied (a conversion, no request), so a first publish of many weeks holds
        one week's blocks, not all of them. What the plan shows stays (the block count)."""
        plan.children, plan.desired_blocks = block_types(plan.children), []
        self.bodies.pop(plan.slug, None)
        self.convert_again.add(plan.slug)

    def _settle_unchanged(self, plan: VariantPlan, live: Live | None) -> Live | None:
        """Drop what a planned page no longer needs, as soon as its week is planned, so a run
        over many weeks holds the trees of the pages it writes, not of the archive.

        A page whose tree was not read (its record shows Notion holds what the bot wrote)
        needs no desired tree any more: no diff to show, no snapshot to save. A page read and
        found as wanted is settled now — record and snapshot, both true of Notion whatever the
        rest of the run does (a real run; a dry run writes nothing) — and then needs nothing
        either. (A link to a page created later in the run converts the body again.)"""
        if live is None or plan.drift or (live.blocks is not None and plan.action != "unchanged"):
            return live
        if live.blocks is not None:
            if not self.options.dry_run:
                self.engine.memory.record(plan, stamp_of(live.page))
                self.engine.memory.save_snapshot(plan)
            live = Live(live.page, None)
        plan.desired_blocks, plan.live_blocks = [], None
        self.bodies.pop(plan.slug, None)
        return live

    def _check_strict(self, variants: list[Variant], converted: dict) -> None:
        # A refused local image (outside content/, not an image, too big) stops every run, strict or not.
        problems = [
            Problem(v.path, d.line, d.construct, d.message)
            for v in variants
            for d in converted[v.slug][1]
            if self.options.strict or d.construct in ALWAYS_REFUSED
        ]
        if problems:
            raise ContentError(problems)

    def refresh_links(self, variant: Variant, plan: VariantPlan, live: Live | None) -> tuple[VariantPlan, Live | None]:
        """Plan again, from the same view of Notion, when pages this one links to were created
        earlier in this run: the links then go out with the page's own writes. A page to create
        whose blocks were set aside (_set_aside_create) is planned again here in any case."""
        sibling = self.sibling(variant)
        urls = self.reader.urls
        sibling_now = bool(plan.sibling_pending and sibling and urls.get(sibling.slug))
        linked_now = any(urls.get(t) for t in self.pending_links.get(variant.slug, ()))
        set_aside = variant.slug in self.convert_again
        if not sibling_now and not linked_now and not set_aside:
            return plan, live
        self.convert_again.discard(variant.slug)
        body = self.bodies.get(variant.slug) if not linked_now else None
        if body is None:  # links to resolve again, or released with its week's plan
            body = self.convert(variant)[0]
        if live is not None and live.blocks is None:  # the tree is about to change: its block ids are needed
            live = Live(live.page, self.session.api.read_tree(live.id))
        drift = plan.drift
        plan = self.plan(variant, body, live, sibling, self.reader.url_of(sibling) if sibling else None)
        plan.drift = drift
        return plan, live

    def replan(self, variant: Variant) -> VariantPlan:
        """A fresh plan from a fresh look at Notion (after a write whose outcome is unknown, or
        one that found the page changed under it)."""
        sibling = self.sibling(variant)
        sibling_url = self.reader.url_of(sibling) if sibling else None
        body, _ = self.convert(variant)
        live = self.reader.find_live(variant)
        plan = self.plan(variant, body, live, sibling, sibling_url)
        if plan.drift and self.options.on_drift == "overwrite" and self.options.blocks:
            keep_unnamed_drift([plan], self.options.blocks, strict=False)  # blocks kept stay kept
        plan.drift = None  # our own partial writes are not drift
        return plan
