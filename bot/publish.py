"""The publishing engine's I/O: find the live pages, convert, plan (bot.plan), apply, reconcile,
snapshots — for one or more weeks.

Both language variants of a week are published together. Every variant is planned before
anything is written, so invalid content, duplicate pages or drift stop the run with nothing
half-published. A write whose outcome is unknown is reconciled by reading Notion again and
re-planning, which is also how an interrupted run converges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable, Literal

from .convert import ConvertOptions, Degradation, convert_markdown
from .errors import ContentError, DriftError, DuplicatePagesError, Problem
from .notion import NotionError, OutcomeUnknownError
from .bilingual import LANGS, is_language_link, language_link, sibling_of
from .plan import (
    PENDING_LINK_NOTE,
    Drift,
    Live,
    PlanTarget,
    VariantPlan,
    desired_blocks,
    plan_variant,
    tree_fingerprint,
)
from .drift import drift_lines, keep_unnamed_drift
from .records import PageRecord, PageRecords, stamp_of
from .series import SeriesIndex
from .session import Session
from .source import Variant
from .state import state_dir

log = logging.getLogger("bot")

OnDrift = Literal["fail", "skip", "overwrite"]
MAX_RECONCILE_ROUNDS = 4
CREATE_SETTLE_DELAYS = (1.0, 2.0, 4.0)  # seconds between looks for a page whose create outcome is unknown


@dataclass
class VariantResult:
    variant: Variant
    plan: VariantPlan
    action: str  # created / updated / unchanged / skipped / planned-*
    writes: int = 0
    report: list[Degradation] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "slug": self.variant.slug,
            "lang": self.variant.lang,
            "week": self.variant.week,
            "path": str(self.variant.path),
            "action": self.action,
            "page_id": self.plan.page_id,
            "url": self.plan.url,
            "writes": self.writes,
            "report": [d.to_dict() for d in self.report],
            "plan": self.plan.to_dict(),
        }


ALWAYS_REFUSED = {"image_refused"}  # degradations publish never tolerates (bot.convert.assets)


@dataclass
class PublishOptions:
    dry_run: bool = False
    on_drift: OnDrift = "fail"
    strict: bool = False
    # With on_drift="overwrite": overwrite only the drifted blocks whose id starts with one of
    # these (dashes ignored); every other drifted block, and drifted properties, stay as Notion
    # has them. Empty: overwrite all drift.
    blocks: tuple[str, ...] = ()


class Publisher:
    def __init__(
        self,
        session: Session,
        all_variants: list[Variant],
        options: PublishOptions,
        progress: Callable[[str], None] | None = None,
        advance: Callable[[str], None] | None = None,
        on_planned: Callable[[list["VariantResult"]], None] | None = None,
        phase: Callable[[str, int], None] | None = None,
        on_step: Callable[[Variant, "VariantResult | None"], None] | None = None,
    ):
        self.session = session
        self.api = session.api
        self.mapping = session.mapping
        self.by_path = {v.path.resolve(): v for v in all_variants}
        self.all_variants = all_variants
        self.options = options
        self.progress = progress or (lambda message: None)
        self.advance = advance or (lambda slug: None)  # called once per variant planned, and once per variant applied
        self.phase = phase or (lambda name, total: None)  # "planning" / "applying", with how many variants
        self.on_planned = on_planned or (lambda results: None)  # the plan, before anything is written
        # (variant, None) as a variant starts being applied, (variant, result) once it is: what
        # an interrupted run reports as finished and as the one it was in
        self.on_step = on_step or (lambda variant, result: None)
        self.records = PageRecords(session.settings.state_dir)
        self._series: set[str] = set()  # the series being published (what the index reads)
        self._indexes: dict[str, SeriesIndex] = {}  # data source id -> its index
        self._bodies: dict[str, list[dict]] = {}  # slug -> converted body, as planned
        self._url_cache: dict[str, str | None] = {}
        self._user_names: dict[str, str | None] = {}  # users API answers, once per user per run
        self._pending_links: dict[str, set[str]] = {}  # slug -> linked slugs without a page yet
        self._trashed: set[str] = set()  # twin pages this run moved to the trash
        self._trees: dict[str, list[dict]] = {}  # page id -> tree already read (while healing twins)
        self._weeks_planned_ahead = False  # more than one week planned before the first is applied
        self._convert_again: set[str] = set()  # planned creates whose blocks were set aside
        self._link_after_create: set[str] = set()  # new pages whose language link goes in once their new sibling exists
        self._built_in_parts: set[str] = set()  # new pages whose body needs more than their create request
        self._healed: dict[tuple[str, str], Variant] = {}  # week group -> a variant of it whose twins were healed

    # ------------------------------------------------------------------ reading
    def index(self, lang: str, series: set[str] | None = None) -> SeriesIndex:
        """The series index of `lang`'s data source, read once per run (one paginated query)."""
        target = self.session.target(lang)
        if target.data_source_id not in self._indexes:
            key = self.mapping.key_property
            names = self._series or series or {v.front.series for v in self.all_variants}
            self._indexes[target.data_source_id] = SeriesIndex.load(
                self.api,
                target.data_source_id,
                key.property,
                key.type,
                sorted(names),
                self.session.listed_properties(lang),
            )
        return self._indexes[target.data_source_id]

    def _pages_with_slug(self, variant: Variant) -> list[dict]:
        """A fresh look at Notion (reconciling an unknown outcome needs the state after it)."""
        target = self.session.target(variant.lang)
        key = self.mapping.key_property
        return self.api.find_pages(
            target.data_source_id, key.property, key.type, variant.slug, self.session.listed_properties(variant.lang)
        )

    def _indexed_pages(self, variant: Variant) -> list[dict]:
        index = self.index(variant.lang, {variant.front.series})
        return index.pages_for(variant.slug) if index.covers(variant.slug) else self._pages_with_slug(variant)

    def live_page(self, variant: Variant, *, fresh: bool = False) -> dict | None:
        pages = self._pages_with_slug(variant) if fresh else self._indexed_pages(variant)
        pages = [p for p in pages if p["id"] not in self._trashed]
        if len(pages) > 1:
            kept = self._heal_duplicates(variant, pages)  # or DuplicatePagesError, naming them
            self._trees[kept.id] = kept.blocks  # read while healing: not read again
            return kept.page
        if not pages:
            return None
        self._url_cache[variant.slug] = pages[0].get("url")
        return pages[0]

    def find_live(self, variant: Variant) -> Live | None:
        """The page and its whole tree, read now."""
        page = self.live_page(variant, fresh=True)
        return Live(page, self._tree(page["id"])) if page else None

    def _tree(self, page_id: str) -> list[dict]:
        stashed = self._trees.pop(page_id, None)
        return stashed if stashed is not None else self.api.read_tree(page_id)

    def _live(self, variant: Variant, page: dict | None, desired_sha: str) -> Live | None:
        """The page with its tree — not read when the page record shows it cannot have changed."""
        if page is None:
            return None
        record = self.records.get(variant.slug)
        if record and record.tree_unchanged(page, desired_sha):
            return Live(page, None)
        return Live(page, self._tree(page["id"]))

    def _heal_duplicates(self, variant: Variant, pages: list[dict]) -> Live:
        """Twins from concurrent creates go to the trash (bot.duplicates decides which, the
        same way on every host); anything else stops with the pages named."""
        from .bilingual import is_language_link
        from .duplicates import Candidate, order, resolve

        body, _ = self.convert(variant)
        trees = {p["id"]: self.api.read_tree(p["id"]) for p in pages}
        candidates = []
        for page in pages:
            # Compared without the language link: twins may link to different sibling twins.
            plan = self.plan(
                variant, body, Live(page, [b for b in trees[page["id"]] if not is_language_link(b)]), None, None
            )
            by_bot = (page.get("created_by") or {}).get("id") == self.session.bot_user_id
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
        for twin in decision.trash:
            if not self.options.dry_run:
                self.api.update_page(twin.page_id, in_trash=True)
                self._trashed.add(twin.page_id)
                self._healed[variant.group] = variant  # its week's language links are checked at the end
        twins = ", ".join(f"{t.page_id} ({t.url})" for t in decision.trash)
        verb = "would move" if self.options.dry_run else "moved"
        message = f"{variant.slug}: {len(pages)} pages had this slug (concurrent publishers); kept the oldest {decision.keep.page_id} ({decision.keep.url}), {verb} to the trash: {twins}"
        self.session.warnings.append(message)
        self.progress(message)
        page = next(p for p in pages if p["id"] == decision.keep.page_id)
        self._url_cache[variant.slug] = page.get("url")
        return Live(page, trees[page["id"]])

    def _look_for_twins(self, writer, results: list["VariantResult"], variants: list[Variant]) -> None:
        """Once the pages of this run are created, look once for pages another publisher created
        for the same slugs meanwhile — one fresh series query, not one query per page — and heal
        them by the same rule as duplicates found while planning. Where ours is the twin to
        trash, the kept page is brought up to date instead."""
        created = [r for r in results if r.action == "created" and r.plan.page_id]
        if not created:
            return
        for lang in {r.variant.lang for r in created}:
            self._indexes.pop(self.session.target(lang).data_source_id, None)  # read the series again
        for result in created:
            variant = result.variant
            pages = [p for p in self._indexed_pages(variant) if p["id"] not in self._trashed]
            if len(pages) > 1:
                if self._heal_duplicates(variant, pages).id == result.plan.page_id:
                    continue
            elif not pages or pages[0]["id"] == result.plan.page_id:
                continue  # ours is the only page (or none is left to bring up to date)
            # Ours went to the trash (here, or healed by another host): the page that stays
            # gets this run's content.
            self._healed[variant.group] = variant
            self._bring_up_to_date(writer, result, variants)
            # Its sibling links to the page that went to the trash: link it to the one that stays.
            sibling = sibling_of(variant, self.all_variants)
            for other in results:
                if sibling is not None and other.variant.slug == sibling.slug and other.action != "skipped":
                    self._bring_up_to_date(writer, other, variants)

    def _bring_up_to_date(self, writer, result: "VariantResult", variants: list[Variant]) -> None:
        """Plan `result`'s variant again from a fresh look at Notion and apply it."""
        variant = result.variant
        before = self.api.stats.snapshot()
        self.records.forget(variant.slug)
        final = self._apply_converging(writer, variant, self._replan(variant, variants), variants)
        self._url_cache[variant.slug] = final.url
        self._save_snapshot(final)
        result.plan = final
        result.writes += self.api.stats.since(before).writes

    def url_of(self, variant: Variant) -> str | None:
        if variant.slug not in self._url_cache:
            pages = self._indexed_pages(variant)
            self._url_cache[variant.slug] = pages[0].get("url") if len(pages) == 1 else None
        return self._url_cache[variant.slug]

    def link_resolver(self, variant: Variant) -> Callable[[str], str | None]:
        def resolve(href: str) -> str | None:
            path_part = href.split("#", 1)[0]
            if not path_part:
                return None
            linked = self.by_path.get((variant.path.parent / path_part).resolve())
            if linked is None:
                return None
            url = self.url_of(linked)
            if url is None:  # not published yet: linked once it exists (see _refresh_links)
                self._pending_links.setdefault(variant.slug, set()).add(linked.slug)
            return url

        return resolve

    # ------------------------------------------------------------------ planning
    def convert(self, variant: Variant) -> tuple[list[dict], list[Degradation]]:
        self._pending_links.pop(variant.slug, None)
        options = ConvertOptions(
            line_offset=variant.body_line - 1,
            resolve_link=self.link_resolver(variant),
            base_dir=variant.path.parent,
            image_roots=self.session.settings.image_roots,
            footnotes_heading=self.mapping.footnotes_title(variant.lang),
        )
        # validation's parse of a small body, else parsed one block at a time (tokens freed as it goes)
        result = convert_markdown(variant.body, options, tokens=variant.take_tokens())
        self._bodies[variant.slug] = result.blocks
        return result.blocks, list(result.report)

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
        self._attach_drift_diff(plan)
        if plan.drift:
            self._name_editors(plan.drift)
        return plan

    def _accepted(self, variant: Variant, live: Live | None):
        """What the bot last wrote or accepted on the live page (its record), when known."""
        if live is None or live.blocks is None:
            return None
        record = self.records.get(variant.slug)
        return record.accepted(live.id) if record else None

    def _complete_after(
        self, variant: Variant, body: list[dict], live: Live | None, sibling: Variant | None, sibling_url: str | None
    ) -> bool:
        """Will the plan's writes leave the page complete? Not while its language link waits
        for a sibling this run creates later; not a create whose request cannot carry the whole
        page. Otherwise the page goes up (or stays) hidden until complete (bot/hidden.py)."""
        if self.mapping.hide_until_complete is None:
            return True  # nothing to hold back: not worth sizing the body
        if variant.slug in self._link_after_create and not sibling_url:
            return False
        if live is not None:
            return True
        from .apply import whole_in_one_request

        return whole_in_one_request(
            desired_blocks(variant.lang, body, has_sibling=sibling is not None, sibling_url=sibling_url)
        )

    def _apply_order(self, slugs: list[str], creating: set[str]) -> list[str]:
        from .write_order import apply_order

        return apply_order(slugs, creating, self._pending_links, self._built_in_parts)

    def _name_editors(self, drift: Drift) -> None:
        """Who edited, by name (users API; the id stays when the integration may not read user
        information), and when, in BOT_TIMEZONE."""
        for user_id in drift.editors:
            if user_id not in self._user_names:
                try:
                    self._user_names[user_id] = self.api.retrieve_user(user_id).get("name") or None
                except NotionError as exc:
                    log.info("cannot read user %s (%s): naming them by id", user_id, exc)
                    self._user_names[user_id] = None
            if self._user_names[user_id]:
                drift.editor_names[user_id] = self._user_names[user_id]
        if drift.edited_time:
            zone = self.session.settings.zone
            moment = datetime.fromisoformat(drift.edited_time.replace("Z", "+00:00")).astimezone(zone)
            drift.edited_local = f"{moment:%Y-%m-%d %H:%M} {zone.key}"

    def plan_group(
        self, variants: list[Variant]
    ) -> tuple[list[VariantPlan], dict[str, Live | None], dict[str, list[Degradation]]]:
        converted = {v.slug: self.convert(v) for v in variants}
        self._check_strict(variants, converted)
        pages = {v.slug: self.live_page(v) for v in variants}  # duplicates stop the run here
        creating = {slug for slug, page in pages.items() if page is None}
        from .write_order import built_in_parts, links_after_create  # the write order (also of a dry run)

        if self.mapping.hide_until_complete is not None:
            self._built_in_parts |= built_in_parts(variants, {slug: c[0] for slug, c in converted.items()}, creating)
        self._link_after_create |= links_after_create(
            self._apply_order([v.slug for v in variants], creating), variants, self.all_variants, creating
        )
        plans, lives = [], {}
        for v in variants:
            # The sibling may exist in content without being published in this run (--lang).
            sibling = sibling_of(v, self.all_variants)
            sibling_url = self.url_of(sibling) if sibling else None
            body = converted[v.slug][0]
            desired_sha = tree_fingerprint(
                desired_blocks(v.lang, body, has_sibling=sibling is not None, sibling_url=sibling_url)
            )
            lives[v.slug] = self._live(v, pages[v.slug], desired_sha)
            plans.append(self.plan(v, body, lives[v.slug], sibling, sibling_url, desired_sha))
            self.advance(v.slug)
        for plan in plans:
            lives[plan.slug] = self._settle_unchanged(plan, lives[plan.slug])
            if lives[plan.slug] is None and self._weeks_planned_ahead and not self.options.dry_run:
                self._set_aside_create(plan)
        return plans, lives, {slug: c[1] for slug, c in converted.items()}

    def _set_aside_create(self, plan: VariantPlan) -> None:
        """A page to create while other weeks are still to plan: its blocks are made again when
        its week is applied (a conversion, no request), so a first publish of many weeks holds
        one week's blocks, not all of them. What the plan shows stays (the block count)."""
        plan.children, plan.desired_blocks = [block["type"] for block in plan.children], []
        self._bodies.pop(plan.slug, None)
        self._convert_again.add(plan.slug)

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
                self._record(plan, stamp_of(live.page))
                self._save_snapshot(plan)
            live = Live(live.page, None)
        plan.desired_blocks, plan.live_blocks = [], None
        self._bodies.pop(plan.slug, None)
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

    # ------------------------------------------------------------------ applying
    def publish_group(self, variants: list[Variant]) -> list[VariantResult]:
        """Plan every variant of a week, check drift, then apply (unless dry run)."""
        return self.publish_groups([variants])

    def publish_groups(self, groups: list[list[Variant]]) -> list[VariantResult]:
        """Plan every variant of every group first — duplicates and drift stop the run before
        anything is written — then apply group by group (unless dry run)."""
        self.phase("planning", sum(len(group) for group in groups))
        self._series = self._series or {v.front.series for group in groups for v in group}
        # One week at a time (see _settle_unchanged): what stays planned is what will be written.
        planned = []
        as_planned: list[VariantResult] = []
        self._weeks_planned_ahead = len(groups) > 1
        for group in groups:
            plans, lives, reports = self.plan_group(group)
            planned.append((group, plans, lives, reports))
            week = [
                VariantResult(v, p, "drift" if p.drift else p.action, 0, reports[p.slug]) for v, p in zip(group, plans)
            ]
            as_planned.extend(week)
            self.on_planned(week)  # so a failure from here on can still show the plan (--json)
        drifted = [p for _, plans, _, _ in planned for p in plans if p.drift]
        if drifted and self.options.on_drift == "fail" and not self.options.dry_run:
            names = "; ".join(f"{p.slug}: {p.drift.describe()}" for p in drifted)
            conflicts = "\n".join(line for p in drifted for line in drift_lines(p))
            error = DriftError(
                f"edited in Notion since the bot last published it — {names}. Re-run with --on-drift overwrite to replace those edits "
                f"(--block ID: only that block), or --on-drift skip.\n{conflicts}"
            )
            error.hint = (
                "to keep those edits instead, take them into the files: "
                + "; ".join(f"bot pull {p.slug} --edited" for p in drifted)
                + " (only their lines change), then publish again"
            )
            raise error
        if self.options.on_drift == "overwrite" and self.options.blocks:
            keep_unnamed_drift(drifted, self.options.blocks)
        if self.options.dry_run:
            return as_planned
        from .apply import Writer

        writer = Writer(self.api)
        self.phase("applying", sum(len(group) for group in groups))
        results: list[VariantResult] = []
        while planned:
            group, plans, lives, reports = planned.pop(0)
            week = self._apply_group(writer, group, plans, lives, reports)
            for result in week:
                self._bodies.pop(result.variant.slug, None)
                _release(result.plan)
            for plan in plans:
                _release(plan)  # as planned (the caller may hold these: on_planned)
            results.extend(week)
            del group, plans, lives, reports, week
        self._look_for_twins(writer, results, [v for group in groups for v in group])
        self._complete_links(writer, results, [v for group in groups for v in group])
        self._relink_healed_weeks()
        return results

    def _relink_healed_weeks(self) -> None:
        """Weeks whose twins were healed: no live page may keep a link to a trashed twin (bot.twinlinks)."""
        from .twinlinks import relink_week

        for variant in list(self._healed.values()):
            relink_week(self, variant)

    def _apply_group(
        self, writer, variants: list[Variant], plans: list[VariantPlan], lives: dict, reports: dict
    ) -> list[VariantResult]:
        """Apply a week's plans. Pages to create go first, so a page that exists can link to
        them in its own update; of two new pages, the first gets its language link right after
        the second exists — one request that puts the callout first, with no read."""
        by_slug = {v.slug: v for v in variants}
        by_plan = {p.slug: p for p in plans}
        creating = {p.slug for p in plans if p.action == "create"}
        results: dict[str, VariantResult] = {}
        deferred: list[VariantResult] = []

        for slug in self._apply_order([p.slug for p in plans], creating):
            plan, variant = by_plan[slug], by_slug[slug]
            self.on_step(variant, None)
            if plan.drift and self.options.on_drift == "skip":
                results[plan.slug] = VariantResult(variant, plan, "skipped", 0, reports[plan.slug])
                self.on_step(variant, results[plan.slug])
                self.advance(variant.slug)
                continue
            live = lives.get(plan.slug)
            plan, live = self._refresh_links(variant, plan, live)
            # As planned (see _links_after_create): the plan of such a page holds its reveal back.
            defer = bool(
                plan.action == "create"
                and plan.slug in self._link_after_create
                and plan.sibling_pending
                and plan.children
                and is_language_link(plan.children[0])
            )
            result, deferred_now = self._apply_one(writer, variant, plan, live, variants, reports, defer_link=defer)
            results[plan.slug] = result
            self.on_step(variant, result)
            if deferred_now:
                deferred.append(result)
        for result in deferred:
            self._insert_language_link(writer, result, variants)
        return [results[p.slug] for p in plans]

    def _apply_one(
        self,
        writer,
        variant: Variant,
        plan: VariantPlan,
        live: Live | None,
        group: list[Variant],
        reports: dict,
        *,
        defer_link: bool,
    ) -> tuple[VariantResult, bool]:
        """Apply one plan; returns its result and whether its language link is still to insert."""
        before = self.api.stats.snapshot()
        self.progress(f"{plan.slug}: {plan.action}")
        deferred = False
        if plan.action == "unchanged":
            final = plan
            if live is not None and live.blocks is not None and not plan.drift:
                self._record(final, stamp_of(live.page))  # read and found as wanted: no need to read it again
        else:
            self.records.forget(plan.slug)  # no record may outlive a write that could stop half way
            writer.start_page()
            try:
                if defer_link:
                    final, deferred = self._create_without_link(writer, variant, plan, group)
                else:
                    final = self._apply_converging(writer, variant, plan, group)
            except NotionError as exc:
                if plan.reveal is not None and writer.last_stamp is not None:  # written, not complete
                    exc.hint = f"{plan.reveal.still_hidden(plan.slug)} {exc.hint or ''}".strip()
                raise
            if not deferred:  # a deferred page lacks the callout its plan shows: no record yet
                self._record(final, writer.last_stamp)
        if final.page_id:
            self._url_cache[variant.slug] = final.url
        if final is not plan or live is None or live.blocks is not None:
            self._save_snapshot(final)  # (a page not read is as last published: its snapshot stands)
        action = {"create": "created", "update": "updated", "unchanged": "unchanged"}[plan.action]
        self.advance(variant.slug)
        return VariantResult(variant, final, action, self.api.stats.since(before).writes, reports[plan.slug]), deferred

    def _create_without_link(
        self, writer, variant: Variant, plan: VariantPlan, group: list[Variant]
    ) -> tuple[VariantPlan, bool]:
        """Create the page without its (still linkless) language callout; the callout goes in
        first once the sibling exists. After a reconciled outcome the page is whatever Notion
        holds, and the link is completed the ordinary way (see _complete_links)."""
        without = replace(plan, children=plan.children[1:], reveal=None)  # revealed once the link is in
        final = self._apply_converging(writer, variant, without, group)
        if final is not without:
            return final, False
        plan.page_id, plan.url = final.page_id, final.url
        return plan, True

    def _refresh_links(self, variant: Variant, plan: VariantPlan, live: Live | None) -> tuple[VariantPlan, Live | None]:
        """Plan again, from the same view of Notion, when pages this one links to were created
        earlier in this run: the links then go out with the page's own writes. A page to create
        whose blocks were set aside (_set_aside_create) is planned again here in any case."""
        sibling = sibling_of(variant, self.all_variants)
        sibling_now = bool(plan.sibling_pending and sibling and self._url_cache.get(sibling.slug))
        linked_now = any(self._url_cache.get(t) for t in self._pending_links.get(variant.slug, ()))
        set_aside = variant.slug in self._convert_again
        if not sibling_now and not linked_now and not set_aside:
            return plan, live
        self._convert_again.discard(variant.slug)
        body = self._bodies.get(variant.slug) if not linked_now else None
        if body is None:  # links to resolve again, or released with its week's plan
            body = self.convert(variant)[0]
        if live is not None and live.blocks is None:  # the tree is about to change: its block ids are needed
            live = Live(live.page, self.api.read_tree(live.id))
        drift = plan.drift
        plan = self.plan(variant, body, live, sibling, self.url_of(sibling) if sibling else None)
        plan.drift = drift
        return plan, live

    def _insert_language_link(self, writer, result: VariantResult, group: list[Variant]) -> None:
        """The first of two new pages: put its language callout first, now that the other exists."""
        variant, plan = result.variant, result.plan
        sibling = sibling_of(variant, self.all_variants)
        url = self._url_cache.get(sibling.slug) if sibling else None
        if not url:
            if plan.reveal:
                self.progress(
                    f"{variant.slug}: stays {plan.reveal.property}: {plan.reveal.hidden} until its language link is in (the next publish completes it)"
                )
            return  # the sibling was not created: the placeholder goes in with the next publish
        before = self.api.stats.snapshot()
        link = language_link(variant.lang, url)
        writer.start_page()
        try:
            writer.insert_first(plan.page_id, link)
            if plan.reveal:
                writer.reveal(plan)  # complete now: all its blocks and its language link are in
            plan.children[0] = link
            plan.desired_blocks, plan.desired_sha = plan.children, tree_fingerprint(plan.children)
            final = plan
        except OutcomeUnknownError as exc:
            log.warning("%s: %s — reading Notion again before continuing", variant.slug, exc)
            final = self._apply_converging(writer, variant, self._replan(variant, group), group)
        except NotionError as exc:
            if not self._changed_under_us(exc, plan.page_id):
                if plan.reveal is not None:
                    exc.hint = f"{plan.reveal.still_hidden(plan.slug)} {exc.hint or ''}".strip()
                raise
            # Another publisher healed twins and trashed this page: the twin check at the end
            # of the run brings the page that stays up to date, link included.
            self.progress(
                f"{variant.slug}: the page went to the trash meanwhile (a twin); the page that stays is updated instead"
            )
            result.writes += self.api.stats.since(before).writes
            return
        plan.sibling_pending = False
        plan.notes = [n for n in plan.notes if not n.startswith(PENDING_LINK_NOTE)]
        self._record(final, writer.last_stamp)
        self._save_snapshot(final)
        result.writes += self.api.stats.since(before).writes

    def _record(self, plan: VariantPlan, stamp: tuple[str, str] | None) -> None:
        """Note what the bot just wrote, so the next run need not read the page's tree."""
        if not plan.page_id or stamp is None:
            return  # nothing to go by: the tree is read next time
        from .plan import content_fingerprints

        # Edits kept as Notion has them (--block) leave the tree unlike the desired one: it is
        # read again next time (the blocks_sha cannot match), where they are still drift.
        self.records.put(
            plan.slug,
            PageRecord(
                page_id=plan.page_id,
                blocks_sha="" if plan.kept else plan.desired_sha,
                properties_sha="" if plan.kept else plan.properties_sha,
                last_edited_time=stamp[0],
                last_edited_by=stamp[1],
                block_fingerprints=content_fingerprints(plan.desired_blocks),
                property_fingerprints=plan.property_shas or None,
            ),
        )

    def _apply_converging(self, writer, variant: Variant, plan: VariantPlan, group: list[Variant]) -> VariantPlan:
        """Apply `plan`; on an unknown write outcome, re-read Notion and apply a fresh plan."""
        for _ in range(MAX_RECONCILE_ROUNDS):
            try:
                if plan.action == "create":
                    writer.create_page(
                        plan,
                        {"type": "data_source_id", "data_source_id": self.session.target(variant.lang).data_source_id},
                    )
                elif plan.action == "update":
                    writer.update_page(plan)
                return plan
            except OutcomeUnknownError as exc:
                log.warning("%s: %s — reading Notion again before continuing", variant.slug, exc)
                self.progress(f"{variant.slug}: outcome unknown, reconciling")
                if plan.action == "create":
                    self._await_created_page(variant, exc)
                plan = self._replan(variant, group)
            except NotionError as exc:
                if plan.action != "update" or not self._changed_under_us(exc, plan.page_id):
                    raise
                # Another publisher trashed this page (healing twins) or removed a block this plan
                # touches (the same update, applied at the same time): plan again from Notion.
                self.progress(f"{variant.slug}: changed by another publisher meanwhile; planning again from Notion")
                plan = self._replan(variant, group)
        raise NotionError(
            f"{variant.slug}: Notion kept failing while writing; nothing was duplicated, run publish again to finish"
        )

    def _changed_under_us(self, exc: NotionError, page_id: str | None) -> bool:
        """A write refused because its target is gone: a block already deleted ("Can't edit
        block that is archived", 404) or the page moved to the trash."""
        if exc.status == 404 or (exc.status == 400 and "archived" in str(exc)):
            return True
        return exc.status == 400 and bool(page_id) and self._in_trash(page_id)

    def _in_trash(self, page_id: str) -> bool:
        try:
            page = self.api.retrieve_page(page_id)
        except NotionError:
            return False
        return bool(page.get("in_trash"))

    def _await_created_page(self, variant: Variant, exc: OutcomeUnknownError) -> None:
        """A create may have been saved although Notion did not say so. Notion's query index
        can lag behind a write, so before concluding "absent" (and creating again) look a few
        times, and trust `committed_resource_id` when Notion gives one."""
        if exc.committed_id:
            try:
                self.api.retrieve_page(exc.committed_id)
            except NotionError:
                pass
        for delay in CREATE_SETTLE_DELAYS:
            if self._pages_with_slug(variant):
                return
            self.api.clock.sleep(delay)

    def _replan(self, variant: Variant, group: list[Variant]) -> VariantPlan:
        sibling = sibling_of(variant, self.all_variants)
        sibling_url = self.url_of(sibling) if sibling else None
        body, _ = self.convert(variant)
        live = self.find_live(variant)
        plan = self.plan(variant, body, live, sibling, sibling_url)
        if plan.drift and self.options.on_drift == "overwrite" and self.options.blocks:
            keep_unnamed_drift([plan], self.options.blocks, strict=False)  # blocks kept stay kept
        plan.drift = None  # our own partial writes are not drift
        return plan

    # ------------------------------------------------------------------ snapshots
    def _snapshot_path(self, slug: str) -> Path:
        return state_dir(self.session.settings.state_dir).snapshot(slug)

    def _save_snapshot(self, plan: VariantPlan) -> None:
        """What the bot last published, so a later dry run can show drift as its own diff.
        Drift is *detected* from Notion alone (last_edited_by); this only adds detail."""
        path = self._snapshot_path(plan.slug)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(plan.desired_markdown, encoding="utf-8")
        except OSError as exc:  # a read-only state dir must not fail a publish
            log.warning("cannot save %s: %s", path, exc)

    def _attach_drift_diff(self, plan: VariantPlan) -> None:
        import difflib

        path = self._snapshot_path(plan.slug)
        if plan.drift and path.is_file():
            last = path.read_text(encoding="utf-8").splitlines()
            diff = difflib.unified_diff(
                last, plan.live_markdown.splitlines(), "last published", "now in Notion", lineterm="", n=1
            )
            plan.drift.since_last_publish = "\n".join(diff)

    def _complete_links(self, writer, results: list[VariantResult], group: list[Variant]) -> None:
        """Links that are still pending after every page was written — a page linking to one
        created later in the run, or a write that had to be reconciled — are completed by
        reading that page again (one block update per link)."""
        for result in results:
            slug = result.variant.slug
            created = {t for t in self._pending_links.get(slug, set()) if self._url_cache.get(t)}
            sibling = sibling_of(result.variant, self.all_variants)
            if result.plan.sibling_pending and sibling and self._url_cache.get(sibling.slug):
                created.add(sibling.slug)
            if not created or result.action == "skipped":
                continue
            before = self.api.stats.snapshot()
            self.records.forget(slug)
            writer.start_page()
            final = self._apply_converging(writer, result.variant, self._replan(result.variant, group), group)
            self._record(final, writer.last_stamp)
            self._save_snapshot(final)
            result.plan.sibling_pending = False
            result.plan.notes = [n for n in result.plan.notes if not n.startswith(PENDING_LINK_NOTE)]
            result.plan.url = final.url or result.plan.url
            written = self.api.stats.since(before).writes
            result.writes += written
            if written and result.action == "unchanged":
                result.action = "updated"


def _release(plan: VariantPlan) -> None:
    """A plan once applied keeps what the summary, --json and the ledger show (action, ids,
    property changes, block operations, notes), not its trees: a created page's blocks
    become their types (the count is what is shown)."""
    plan.desired_blocks, plan.live_blocks = [], None
    if plan.children and isinstance(plan.children[0], dict):
        plan.children = [block["type"] for block in plan.children]


def group_by_week(variants: list[Variant]) -> list[list[Variant]]:
    groups: dict[tuple[str, str], list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.group, []).append(v)
    return [
        sorted(g, key=lambda v: LANGS.index(v.lang))
        for _, g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
