"""The publishing engine's I/O: find the live pages, convert, plan (bot.plan), apply, reconcile,
snapshots — for one or more weeks.

Both language variants of a week are published together. Every variant is planned before
anything is written, so invalid content, duplicate pages or drift stop the run with nothing
half-published. A write whose outcome is unknown is reconciled by reading Notion again and
re-planning, which is also how an interrupted run converges.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Callable, Literal

from .convert import ConvertOptions, Degradation, convert_markdown
from .errors import ContentError, DriftError, DuplicatePagesError, Problem
from .notion import NotionError, OutcomeUnknownError
from .bilingual import LANGS, language_link, sibling_of
from .plan import PENDING_LINK_NOTE, Drift, Live, PlanTarget, VariantPlan, plan_variant
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


@dataclass
class PublishOptions:
    dry_run: bool = False
    on_drift: OnDrift = "fail"
    strict: bool = False


class Publisher:
    def __init__(self, session: Session, all_variants: list[Variant], options: PublishOptions, progress: Callable[[str], None] | None = None, advance: Callable[[str], None] | None = None, on_planned: Callable[[list["VariantResult"]], None] | None = None, phase: Callable[[str, int], None] | None = None):
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
        self._url_cache: dict[str, str | None] = {}
        self._user_names: dict[str, str | None] = {}  # users API answers, once per user per run
        self._pending_links: dict[str, set[str]] = {}  # slug -> linked slugs without a page yet

    # ------------------------------------------------------------------ reading
    def _pages_with_slug(self, variant: Variant) -> list[dict]:
        target = self.session.target(variant.lang)
        key = self.mapping.key_property
        return self.api.find_pages(target.data_source_id, key.property, key.type, variant.slug)

    def find_live(self, variant: Variant) -> Live | None:
        pages = self._pages_with_slug(variant)
        if len(pages) > 1:
            listing = ", ".join(f"{p['id']} ({p.get('url')})" for p in pages)
            raise DuplicatePagesError(f"{len(pages)} pages have slug {variant.slug!r}: {listing}. Trash all but one in Notion, then publish again.")
        if not pages:
            return None
        self._url_cache[variant.slug] = pages[0].get("url")
        return Live(pages[0], self.api.read_tree(pages[0]["id"]))

    def url_of(self, variant: Variant) -> str | None:
        if variant.slug not in self._url_cache:
            pages = self._pages_with_slug(variant)
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
            if url is None:  # not published yet: linked once it exists (see _complete_links)
                self._pending_links.setdefault(variant.slug, set()).add(linked.slug)
            return url

        return resolve

    # ------------------------------------------------------------------ planning
    def convert(self, variant: Variant) -> tuple[list[dict], list[Degradation]]:
        options = ConvertOptions(line_offset=variant.body_line - 1, resolve_link=self.link_resolver(variant), base_dir=variant.path.parent)
        result = convert_markdown(variant.body, options)
        return result.blocks, list(result.report)

    def plan(self, variant: Variant, body: list[dict], live: Live | None, sibling: Variant | None, sibling_url: str | None) -> VariantPlan:
        target = self.session.target(variant.lang)
        plan_target = PlanTarget(self.mapping, self.session.settings.zone, target.property_types, target.title_property)
        plan = plan_variant(variant, body, live, has_sibling=sibling is not None, sibling_url=sibling_url, bot_user_id=self.session.bot_user_id, target=plan_target)
        self._attach_drift_diff(plan)
        if plan.drift:
            self._name_editors(plan.drift)
        return plan

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

    def plan_group(self, variants: list[Variant]) -> tuple[list[VariantPlan], dict[str, Live | None], dict[str, list[Degradation]]]:
        converted = {v.slug: self.convert(v) for v in variants}
        self._check_strict(variants, converted)
        lives = {v.slug: self.find_live(v) for v in variants}
        plans = []
        for v in variants:
            # The sibling may exist in content without being published in this run (--lang).
            sibling = sibling_of(v, self.all_variants)
            if sibling is None:
                sibling_url = None
            elif sibling.slug in lives:
                sibling_url = lives[sibling.slug].url if lives[sibling.slug] else None
            else:
                sibling_url = self.url_of(sibling)
            plans.append(self.plan(v, converted[v.slug][0], lives[v.slug], sibling, sibling_url))
            self.advance(v.slug)
        return plans, lives, {slug: c[1] for slug, c in converted.items()}

    def _check_strict(self, variants: list[Variant], converted: dict) -> None:
        if not self.options.strict:
            return
        problems = [
            Problem(v.path, d.line, d.construct, d.message)
            for v in variants
            for d in converted[v.slug][1]
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
        planned = [(group, *self.plan_group(group)) for group in groups]
        as_planned = [
            VariantResult(v, p, "drift" if p.drift else p.action, 0, reports[p.slug])
            for group, plans, _, reports in planned
            for v, p in zip(group, plans)
        ]
        self.on_planned(as_planned)  # so a failure from here on can still show the plan (--json)
        drifted = [p for _, plans, _, _ in planned for p in plans if p.drift]
        if drifted and self.options.on_drift == "fail" and not self.options.dry_run:
            names = "; ".join(f"{p.slug}: {p.drift.describe()}" for p in drifted)
            error = DriftError(f"edited in Notion since the bot last published it — {names}. Re-run with --on-drift overwrite to replace those edits, or --on-drift skip.")
            error.hint = "to keep those edits instead, take them into the files: " + "; ".join(f"bot pull {p.slug} --edited" for p in drifted) + " (only their lines change), then publish again"
            raise error
        if self.options.dry_run:
            return as_planned
        from .apply import Writer

        writer = Writer(self.api)
        self.phase("applying", sum(len(group) for group in groups))
        results: list[VariantResult] = []
        for group, plans, _, reports in planned:
            results.extend(self._apply_group(writer, group, plans, reports))
        self._complete_links(writer, results, [v for group in groups for v in group])
        return results

    def _apply_group(self, writer, variants: list[Variant], plans: list[VariantPlan], reports: dict) -> list[VariantResult]:
        results = []
        by_slug = {v.slug: v for v in variants}
        for plan in plans:
            variant = by_slug[plan.slug]
            if plan.drift and self.options.on_drift == "skip":
                results.append(VariantResult(variant, plan, "skipped", 0, reports[plan.slug]))
                self.advance(variant.slug)
                continue
            if plan.sibling_pending and plan.action == "create":
                self._fill_language_link(plan, variant, variants)
            before = self.api.stats.snapshot()
            self.progress(f"{plan.slug}: {plan.action}")
            final = self._apply_converging(writer, variant, plan, variants)
            if final.page_id:
                self._url_cache[variant.slug] = final.url
            self._save_snapshot(final)
            action = {"create": "created", "update": "updated", "unchanged": "unchanged"}[plan.action]
            results.append(VariantResult(variant, final, action, self.api.stats.since(before).writes, reports[plan.slug]))
            self.advance(variant.slug)
        return results

    def _apply_converging(self, writer, variant: Variant, plan: VariantPlan, group: list[Variant]) -> VariantPlan:
        """Apply `plan`; on an unknown write outcome, re-read Notion and apply a fresh plan."""
        for _ in range(MAX_RECONCILE_ROUNDS):
            try:
                if plan.action == "create":
                    writer.create_page(plan, {"type": "data_source_id", "data_source_id": self.session.target(variant.lang).data_source_id})
                elif plan.action == "update":
                    writer.update_page(plan)
                return plan
            except OutcomeUnknownError as exc:
                log.warning("%s: %s — reading Notion again before continuing", variant.slug, exc)
                self.progress(f"{variant.slug}: outcome unknown, reconciling")
                if plan.action == "create":
                    self._await_created_page(variant, exc)
                plan = self._replan(variant, group)
        raise NotionError(f"{variant.slug}: Notion kept failing while writing; nothing was duplicated, run publish again to finish")

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
            diff = difflib.unified_diff(last, plan.live_markdown.splitlines(), "last published", "now in Notion", lineterm="", n=1)
            plan.drift.since_last_publish = "\n".join(diff)

    def _fill_language_link(self, plan: VariantPlan, variant: Variant, group: list[Variant]) -> None:
        """The sibling was created earlier in this run: link it right away (no extra write)."""
        sibling = sibling_of(variant, self.all_variants)
        url = self._url_cache.get(sibling.slug) if sibling else None
        if url and plan.children and plan.children[0]["type"] == "callout":
            plan.children[0] = language_link(variant.lang, url)
            plan.sibling_pending = False
            plan.notes = [n for n in plan.notes if not n.startswith(PENDING_LINK_NOTE)]

    def _complete_links(self, writer, results: list[VariantResult], group: list[Variant]) -> None:
        """Links to pages that did not exist when a variant was planned — its language sibling,
        or another content file it links to — are completed once those pages were created in
        this run, so the next run has nothing left to do (one block update per link)."""
        for result in results:
            slug = result.variant.slug
            created = {t for t in self._pending_links.get(slug, set()) if self._url_cache.get(t)}
            sibling = sibling_of(result.variant, self.all_variants)
            if result.plan.sibling_pending:
                self._url_cache.pop(sibling.slug, None)
                if self.url_of(sibling):
                    created.add(sibling.slug)
            if not created or result.action == "skipped":
                continue
            before = self.api.stats.snapshot()
            self._pending_links.pop(slug, None)
            final = self._apply_converging(writer, result.variant, self._replan(result.variant, group), group)
            self._save_snapshot(final)
            result.plan.sibling_pending = False
            result.plan.notes = [n for n in result.plan.notes if not n.startswith(PENDING_LINK_NOTE)]
            result.plan.url = final.url or result.plan.url
            written = self.api.stats.since(before).writes
            result.writes += written
            if written and result.action == "unchanged":
                result.action = "updated"


def group_by_week(variants: list[Variant]) -> list[list[Variant]]:
    groups: dict[tuple[str, str], list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.group, []).append(v)
    return [sorted(g, key=lambda v: LANGS.index(v.lang)) for _, g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))]
