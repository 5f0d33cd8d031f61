"""Reading live state: what Notion holds for the variants of a run, read as few times as possible.

The series index (one paginated query per data source and run) answers "which pages have this
slug"; a fresh query per slug is made only where the state after a write matters (reconciling
an unknown outcome, healing twins). A page's tree is read unless its page record (bot.engine.records)
shows Notion still holds what the bot last wrote. What was read is kept for the run: page URLs
(links between pages), user names (who edited), trees read while healing twins.
"""

from __future__ import annotations

import logging
from datetime import datetime

from ..notion import NotionError, OutcomeUnknownError
from ..series import SeriesIndex
from ..source import Variant
from .plan import Drift, Live

log = logging.getLogger("bot")
CREATE_SETTLE_DELAYS = (1.0, 2.0, 4.0)  # seconds between looks for a page whose create outcome is unknown


class LiveReader:
    """The run's reads of Notion. `engine`: the run's bot.engine.publish.Publisher (its session,
    records, and `linker`, which heals a slug found on several pages)."""

    def __init__(self, engine):
        self.engine = engine
        self.session = engine.session
        self.api = engine.session.api
        self.series: set[str] = set()  # the series being published (what the index reads)
        self.indexes: dict[str, SeriesIndex] = {}  # data source id -> its index
        self.urls: dict[str, str | None] = {}  # slug -> its page's URL, as far as known
        self.trashed: set[str] = set()  # twin pages this run moved to the trash
        self.trees: dict[str, list[dict]] = {}  # page id -> tree already read (while healing twins)
        self._user_names: dict[str, str | None] = {}  # users API answers, once per user per run

    def index(self, lang: str, series: set[str] | None = None) -> SeriesIndex:
        """The series index of `lang`'s data source, read once per run (one paginated query)."""
        target = self.session.target(lang)
        if target.data_source_id not in self.indexes:
            key = self.session.mapping.key_property
            names = self.series or series or {v.front.series for v in self.engine.all_variants}
            self.indexes[target.data_source_id] = SeriesIndex.load(
                self.api,
                target.data_source_id,
                key.property,
                key.type,
                sorted(names),
                self.session.listed_properties(lang),
            )
        return self.indexes[target.data_source_id]

    def read_index_again(self, lang: str) -> None:
        self.indexes.pop(self.session.target(lang).data_source_id, None)

    def pages_with_slug(self, variant: Variant) -> list[dict]:
        """A fresh look at Notion (reconciling an unknown outcome needs the state after it)."""
        target = self.session.target(variant.lang)
        key = self.session.mapping.key_property
        return self.api.find_pages(
            target.data_source_id, key.property, key.type, variant.slug, self.session.listed_properties(variant.lang)
        )

    def indexed_pages(self, variant: Variant) -> list[dict]:
        index = self.index(variant.lang, {variant.front.series})
        return index.pages_for(variant.slug) if index.covers(variant.slug) else self.pages_with_slug(variant)

    def live_page(self, variant: Variant, *, fresh: bool = False) -> dict | None:
        pages = self.pages_with_slug(variant) if fresh else self.indexed_pages(variant)
        pages = [p for p in pages if p["id"] not in self.trashed]
        if len(pages) > 1:
            kept = self.engine.linker.heal_duplicates(variant, pages)  # or DuplicatePagesError, naming them
            self.trees[kept.id] = kept.blocks  # read while healing: not read again
            return kept.page
        if not pages:
            return None
        self.urls[variant.slug] = pages[0].get("url")
        return pages[0]

    def find_live(self, variant: Variant) -> Live | None:
        """The page and its whole tree, read now."""
        page = self.live_page(variant, fresh=True)
        return Live(page, self.tree(page["id"])) if page else None

    def tree(self, page_id: str) -> list[dict]:
        stashed = self.trees.pop(page_id, None)
        return stashed if stashed is not None else self.api.read_tree(page_id)

    def live(self, variant: Variant, page: dict | None, desired_sha: str) -> Live | None:
        """The page with its tree — not read when the page record shows it cannot have changed."""
        if page is None:
            return None
        record = self.engine.records.get(variant.slug)
        if record and record.tree_unchanged(page, desired_sha):
            return Live(page, None)
        return Live(page, self.tree(page["id"]))

    def url_of(self, variant: Variant) -> str | None:
        if variant.slug not in self.urls:
            pages = self.indexed_pages(variant)
            self.urls[variant.slug] = pages[0].get("url") if len(pages) == 1 else None
        return self.urls[variant.slug]

    def name_editors(self, drift: Drift) -> None:
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

    def in_trash(self, page_id: str) -> bool:
        try:
            page = self.api.retrieve_page(page_id)
        except NotionError:
            return False
        return bool(page.get("in_trash"))

    def await_created_page(self, variant: Variant, exc: OutcomeUnknownError) -> None:
        """A create may have been saved although Notion did not say so. Notion's query index
        can lag behind a write, so before concluding "absent" (and creating again) look a few
        times, and trust `committed_resource_id` when Notion gives one."""
        if exc.committed_id:
            try:
                self.api.retrieve_page(exc.committed_id)
            except NotionError:
                pass
        for delay in CREATE_SETTLE_DELAYS:
            if self.pages_with_slug(variant):
                return
            self.api.clock.sleep(delay)
