"""Applying a week's plans with the Writer (bot.engine.apply), converging when a write's outcome
is unknown.

Pages to create go first, so a page that exists can link to them in its own update; of two
new pages, the first gets its language link right after the second exists (bot.engine.links).
A write whose outcome is unknown (a timeout, a 5xx) is reconciled by reading Notion again and
applying a fresh plan — which is also how an interrupted run converges, never duplicating a page.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ..bilingual import is_language_link
from ..notion import NotionError, OutcomeUnknownError
from ..source import Variant
from .plan import Live, VariantPlan
from .records import stamp_of
from .results import VariantResult

log = logging.getLogger("bot")
MAX_RECONCILE_ROUNDS = 4


class Applier:
    """`engine`: the run's bot.engine.publish.Publisher (session, options, reader, planner,
    linker, memory, observer)."""

    def __init__(self, engine):
        self.engine = engine
        self.api = engine.session.api

    def apply_group(
        self, writer, variants: list[Variant], plans: list[VariantPlan], lives: dict, reports: dict
    ) -> list[VariantResult]:
        """Apply a week's plans; returns their VariantResults in the plans' order."""
        engine, observer, planner = self.engine, self.engine.observer, self.engine.planner
        by_slug = {v.slug: v for v in variants}
        by_plan = {p.slug: p for p in plans}
        creating = {p.slug for p in plans if p.action == "create"}
        results: dict[str, VariantResult] = {}
        deferred: list[VariantResult] = []

        for slug in planner.apply_order([p.slug for p in plans], creating):
            plan, variant = by_plan[slug], by_slug[slug]
            observer.on_variant_start(variant)
            if plan.drift and engine.options.on_drift == "skip":
                results[plan.slug] = VariantResult(variant, plan, "skipped", 0, reports[plan.slug])
                observer.on_variant_applied(results[plan.slug])
                observer.on_variant_done(variant.slug)
                continue
            live = lives.get(plan.slug)
            plan, live = planner.refresh_links(variant, plan, live)
            # As planned (see write_order.links_after_create): the plan of such a page holds its reveal back.
            defer = bool(
                plan.action == "create"
                and plan.slug in planner.link_after_create
                and plan.sibling_pending
                and plan.children
                and is_language_link(plan.children[0], planner.mapping.link_texts)
            )
            result, deferred_now = self._apply_one(writer, variant, plan, live, reports, defer_link=defer)
            results[plan.slug] = result
            observer.on_variant_applied(result)
            if deferred_now:
                deferred.append(result)
        for result in deferred:
            engine.linker.insert_language_link(writer, result)
        return [results[p.slug] for p in plans]

    def _apply_one(
        self, writer, variant: Variant, plan: VariantPlan, live: Live | None, reports: dict, *, defer_link: bool
    ):
        """Apply one plan; returns its result and whether its language link is still to insert."""
        engine, memory = self.engine, self.engine.memory
        before = self.api.stats.snapshot()
        engine.observer.on_progress(f"{plan.slug}: {plan.action}")
        deferred = False
        if plan.action == "unchanged":
            final = plan
            if live is not None and live.blocks is not None and not plan.drift:
                memory.record(final, stamp_of(live.page))  # read and found as wanted: no need to read it again
        else:
            engine.records.forget(plan.slug)  # no record may outlive a write that could stop half way
            writer.start_page()
            try:
                if defer_link:
                    final, deferred = self._create_without_link(writer, variant, plan)
                else:
                    final = self.apply_converging(writer, variant, plan)
            except NotionError as exc:
                if plan.reveal is not None and writer.last_stamp is not None:  # written, not complete
                    exc.hint = f"{plan.reveal.still_hidden(plan.slug)} {exc.hint or ''}".strip()
                raise
            if not deferred:  # a deferred page lacks the callout its plan shows: no record yet
                memory.record(final, writer.last_stamp)
        if final.page_id:
            engine.reader.urls[variant.slug] = final.url
        if final is not plan or live is None or live.blocks is not None:
            memory.save_snapshot(final)  # (a page not read is as last published: its snapshot stands)
        action = {"create": "created", "update": "updated", "unchanged": "unchanged"}[plan.action]
        engine.observer.on_variant_done(variant.slug)
        written = self.api.stats.since(before).writes
        return VariantResult(variant, final, action, written, reports[plan.slug]), deferred

    def _create_without_link(self, writer, variant: Variant, plan: VariantPlan) -> tuple[VariantPlan, bool]:
        """Create the page without its (still linkless) language callout; the callout goes in
        first once the sibling exists. After a reconciled outcome the page is whatever Notion
        holds, and the link is completed the ordinary way (see Linker.complete_links)."""
        without = replace(plan, children=plan.children[1:], reveal=None)  # revealed once the link is in
        final = self.apply_converging(writer, variant, without)
        if final is not without:
            return final, False
        plan.page_id, plan.url = final.page_id, final.url
        return plan, True

    def apply_converging(self, writer, variant: Variant, plan: VariantPlan) -> VariantPlan:
        """Apply `plan`; on an unknown write outcome, re-read Notion and apply a fresh plan."""
        engine = self.engine
        for _ in range(MAX_RECONCILE_ROUNDS):
            try:
                if plan.action == "create":
                    data_source_id = engine.session.target(variant.lang).data_source_id
                    writer.create_page(plan, {"type": "data_source_id", "data_source_id": data_source_id})
                elif plan.action == "update":
                    writer.update_page(plan)
                return plan
            except OutcomeUnknownError as exc:
                log.warning("%s: %s — reading Notion again before continuing", variant.slug, exc)
                engine.observer.on_progress(f"{variant.slug}: outcome unknown, reconciling")
                if plan.action == "create":
                    engine.reader.await_created_page(variant, exc)
                plan = engine.planner.replan(variant)
            except NotionError as exc:
                # (a create's plan has its page id once the page exists: it can be trashed meanwhile)
                if plan.action == "unchanged" or not plan.page_id or not self.changed_under_us(exc, plan.page_id):
                    raise
                # Another publisher trashed this page (healing twins: ours may be the newer one,
                # even while it is being created) or removed a block this plan touches (the same
                # update, applied at the same time): plan again from Notion.
                engine.observer.on_progress(
                    f"{variant.slug}: changed by another publisher meanwhile; planning again from Notion"
                )
                plan = engine.planner.replan(variant)
        raise NotionError(
            f"{variant.slug}: Notion kept failing while writing; nothing was duplicated, run publish again to finish"
        )

    def changed_under_us(self, exc: NotionError, page_id: str | None) -> bool:
        """A write refused because its target is gone: a block already deleted ("Can't edit
        block that is archived", 404) or the page moved to the trash."""
        if exc.status == 404 or (exc.status == 400 and "archived" in str(exc)):
            return True
        return exc.status == 400 and bool(page_id) and self.engine.reader.in_trash(page_id)
