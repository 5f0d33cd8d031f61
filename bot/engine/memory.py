"""What the bot keeps of what it published, in the state dir: the page record after a write
(bot.engine.records: the next run need not read an unchanged tree) and the page as Markdown
(a snapshot: a later dry run shows drift as its own diff).

Drift is *detected* from Notion alone (last_edited_by and the record's fingerprints); the
snapshot only adds detail, so a read-only state dir never fails a publish.
"""

from __future__ import annotations

import difflib
import logging
from pathlib import Path

from ..state import state_dir
from .fingerprints import content_fingerprints
from .plan import VariantPlan
from .records import PageRecord

log = logging.getLogger("bot")


class Memory:
    """`engine`: the run's bot.engine.publish.Publisher (its session and page records)."""

    def __init__(self, engine):
        self.records = engine.records
        self.state_dir = engine.session.settings.state_dir

    def record(self, plan: VariantPlan, stamp: tuple[str, str] | None) -> None:
        """Note what the bot just wrote, so the next run need not read the page's tree."""
        if not plan.page_id or stamp is None:
            return  # nothing to go by: the tree is read next time
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

    def snapshot_path(self, slug: str) -> Path:
        return state_dir(self.state_dir).snapshot(slug)

    def save_snapshot(self, plan: VariantPlan) -> None:
        """What the bot last published, so a later dry run can show drift as its own diff."""
        path = self.snapshot_path(plan.slug)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(plan.desired_markdown, encoding="utf-8")
        except OSError as exc:  # a read-only state dir must not fail a publish
            log.warning("cannot save %s: %s", path, exc)

    def attach_drift_diff(self, plan: VariantPlan) -> None:
        path = self.snapshot_path(plan.slug)
        if plan.drift and path.is_file():
            last = path.read_text(encoding="utf-8").splitlines()
            diff = difflib.unified_diff(
                last, plan.live_markdown.splitlines(), "last published", "now in Notion", lineterm="", n=1
            )
            plan.drift.since_last_publish = "\n".join(diff)
