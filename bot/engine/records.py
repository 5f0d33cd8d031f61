"""Per-page records of what the bot last wrote, so unchanged pages are not read again.

After every publish that leaves a page as the bot wants it, `BOT_STATE_DIR/published/<slug>.json`
holds: the page id, a fingerprint of the desired block tree and of the desired properties, and
the page's `last_edited_time` / `last_edited_by` as Notion reported them after the bot's last
write (from the write responses, or from the query when the bot read the tree and wrote nothing).

The skip rule (README → "How publishing works"): a page's block tree is read only when

* there is no record (fresh machine, deleted state dir, another page id), or
* the local content of the tree changed (its fingerprint differs from the record), or
* Notion's `last_edited_time` or `last_edited_by` of the page differ from the record.

Otherwise the tree is what the bot last wrote, and reading it would show nothing new: Notion
updates a page's `last_edited_*` when one of its blocks changes. The residual risk: Notion reports
`last_edited_time` to the minute, so another write in the same minute as the bot's last write,
attributed to the same user as that write (another machine publishing with the same token), is
not seen until the page or the content changes again.

The record also keeps what the bot last wrote or accepted, as content fingerprints: one per
block (of its own content, at every level) and one per property value. Drift is content in
Notion that is none of these (bot/engine/plan.py → detect_drift): a colleague's edit that the file then
took over (published, or pulled with `bot pull --edited`: PageRecords.accept), or one edited
back to the bot's text, is no conflict. A record without them (written
by an older version) falls back to Notion's last_edited_by alone until the next write.

Before the bot writes a page its record stops sparing a tree read (its fingerprints of the tree
and stamp are blanked; what the bot accepted stays), and it is written again only once every
write to it succeeded, so a run that dies half way leaves no record that could hide its partial
writes.
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

from pydantic import BaseModel, ValidationError

from ..state import state_dir

log = logging.getLogger("bot")


class PageRecord(BaseModel):
    page_id: str
    blocks_sha: str
    properties_sha: str
    last_edited_time: str
    last_edited_by: str
    block_fingerprints: list[str] | None = None  # content of every block last written or accepted
    property_fingerprints: dict[str, str] | None = None  # per property (and page icon) value

    def accepted(self, page_id: str | None):
        """The content the bot last wrote or accepted on `page_id` (None: unknown — an older
        record, or one of another page)."""
        from .plan import Accepted

        if self.block_fingerprints is None or page_id != self.page_id:
            return None
        return Accepted(frozenset(self.block_fingerprints), dict(self.property_fingerprints or {}))

    def tree_unchanged(self, page: dict, blocks_sha: str) -> bool:
        """True when the page's tree cannot differ from what the bot last wrote."""
        return (
            self.page_id == page.get("id")
            and self.blocks_sha == blocks_sha
            and self.last_edited_time == page.get("last_edited_time")
            and self.last_edited_by == (page.get("last_edited_by") or {}).get("id")
        )


def stamp_of(obj: dict) -> tuple[str, str] | None:
    """(last_edited_time, last_edited_by id) of a page or block object, when it has both."""
    time, who = obj.get("last_edited_time"), (obj.get("last_edited_by") or {}).get("id")
    return (time, who) if time and who else None


class PageRecords:
    """The records of one state directory. A record that cannot be read counts as absent; one
    that cannot be written only costs a tree read next time (a read-only state dir must not
    fail a publish)."""

    def __init__(self, root: Path | str):
        self.state = state_dir(root)

    def get(self, slug: str) -> PageRecord | None:
        path = self.state.page_record(slug)
        try:
            return PageRecord.model_validate(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, ValidationError) as exc:
            log.debug("ignoring unreadable page record %s: %s", path, exc)
            return None

    def put(self, slug: str, record: PageRecord) -> None:
        path = self.state.page_record(slug)
        tmp = path.with_suffix(".json.tmp")
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp.write_text(record.model_dump_json(), encoding="utf-8")
            os.replace(tmp, path)  # atomic: a reader sees the old record or the new one
        except OSError as exc:
            log.warning("cannot save %s: %s", path, exc)

    def accept(self, slug: str, page_id: str, blocks: list[str], properties: dict[str, str]) -> bool:
        """Add content the editor took from Notion into the file (`bot pull --edited`) to what the
        bot accepted on the page, so it is no conflict even if the file changes it again before
        the next publish. False when there is no record with fingerprints for that page."""
        record = self.get(slug)
        if record is None or record.page_id != page_id or record.block_fingerprints is None:
            return False
        record.block_fingerprints = sorted(set(record.block_fingerprints) | set(blocks))
        record.property_fingerprints = {**(record.property_fingerprints or {}), **properties}
        self.put(slug, record)
        return True

    def forget(self, slug: str) -> None:
        """Before a write: the record may no longer spare a tree read. What the bot accepted
        stays (still true of whatever content the write does not reach), so a run stopped half
        way does not turn an adopted edit back into a conflict."""
        record = self.get(slug)
        if record is not None and record.block_fingerprints is not None:
            self.put(slug, record.model_copy(update={"blocks_sha": "", "properties_sha": "", "last_edited_time": ""}))
            return
        try:
            self.state.page_record(slug).unlink(missing_ok=True)
        except OSError as exc:
            log.warning("cannot remove %s: %s", self.state.page_record(slug), exc)
