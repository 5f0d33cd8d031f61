"""Stage 4: apply a plan — the only stage that writes.

Large bodies are written in requests that respect Notion's limits (bot/convert/request_size.py):
at most 100 children per array, two levels of nesting per request, 1,000 blocks and 450,000
bytes of blocks per payload (Notion's limit is 500 KB; the rest is room for the envelope, and a
page's properties are counted on top). A block too large to go with its children goes with as
many as fit; the rest are appended under the ids Notion returns. Local images are uploaded first.

Requests are built one at a time from the plan's blocks (a packed body, bot/engine/blockstore.py,
is decoded as it goes) and each is sent before the next is built: a page of any size holds one
request's blocks and copies at a time, in the same requests as when all were built first.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from itertools import chain
from pathlib import Path
from typing import NamedTuple

from ..convert.assets import read_checked_image
from ..convert.request_size import MAX_CHILDREN, NESTING, Room, request_copy
from ..errors import ContentError, Problem
from ..notion.api import NotionAPI
from .fingerprints import children_of, walk
from .plan import DeleteBlock, InsertBlocks, UpdateBlock, VariantPlan
from .records import stamp_of


def _kids(block: dict) -> list[dict]:
    return children_of(block)


class Sent(NamedTuple):
    """A block as one request carries it: `copy` holds all of `desired` when `whole`."""

    desired: dict
    copy: dict
    whole: bool


def _too_large(block: dict) -> ContentError:
    # `bot validate` and the publish preflight refuse such a block first (rule `limits`).
    return ContentError(
        [
            Problem(
                "content",
                None,
                None,
                f"a {block.get('type')} block is larger than one Notion request can carry (500 KB); nothing more was written",
            )
        ]
    )


def batches(blocks: Iterable[dict], first: Room | None = None) -> list[list[Sent]]:
    """Split top-level blocks into requests within the children, block and byte limits.

    `first`: the room of the first request (a page create shares it with the properties); the
    first batch is empty when not even the first block fits there."""
    return list(iter_batches(blocks, first))


def iter_batches(blocks: Iterable[dict], first: Room | None = None) -> Iterator[list[Sent]]:
    """`batches`, one request at a time: each is complete when handed out, and the blocks after
    it are not read yet (apart from the one that did not fit)."""
    current: list[Sent] = []
    room = first or Room()
    handed_out = False
    for block in blocks:
        while True:
            saved = room.save()
            if current:
                room.bytes -= 1  # the comma
            got = request_copy(block, NESTING, room) if len(current) < MAX_CHILDREN else None
            if got is not None and (got[1] or not current):
                current.append(Sent(block, *got))
                if not got[1]:  # the rest of it follows under its id: nothing after it in this request
                    yield current
                    handed_out, current, room = True, [], Room()
                break
            room.restore(saved)
            if not current and not handed_out and first is not None:
                yield []  # the page is created without blocks; they follow
                handed_out, room = True, Room()
                continue
            if not current:
                raise _too_large(block)
            yield current
            handed_out, current, room = True, [], Room()
    if current:
        yield current


UPLOAD_ID = "0" * 36  # a file upload id's length (a UUID), for sizing requests before uploading


def whole_in_one_request(blocks: list[dict]) -> bool:
    """Would a create request carry all of `blocks` — no further appends for more top-level
    blocks or for levels the nesting limit cuts off? Sized as `Writer.prepare` sends them
    (a local image carries its upload's id)."""
    groups = iter_batches(_with_upload_ids(b) for b in blocks)  # no further than the second request
    first = next(groups, [])
    return all(sent.whole for sent in first) and next(groups, None) is None


def _with_upload_ids(block: dict) -> dict:
    kind = block["type"]
    payload = dict(block[kind])
    if block.get("bot_local_file"):
        payload["file_upload"] = {"id": UPLOAD_ID}
    if _kids(block):
        payload["children"] = [_with_upload_ids(k) for k in _kids(block)]
    return {**{k: v for k, v in block.items() if k != "bot_local_file"}, kind: payload}


def _instant(timestamp: str) -> datetime:
    return datetime.fromisoformat(timestamp.replace("Z", "+00:00"))


class Writer:
    def __init__(self, api: NotionAPI, *, base_dir: Path | None = None):
        self.api = api
        self.uploads: dict[str, str] = {}  # sha256 -> file upload id, reused within a run
        # (last_edited_time, last_edited_by) of the latest write response since `start_page`:
        # the page's own stamp after the bot's last write to it (Notion stamps the page when
        # one of its blocks changes), recorded so the next run can skip reading its tree.
        self.last_stamp: tuple[str, str] | None = None

    def start_page(self) -> None:
        self.last_stamp = None

    def _observe(self, *objects: dict) -> None:
        for obj in objects:
            stamp = stamp_of(obj) if isinstance(obj, dict) else None
            if stamp and (self.last_stamp is None or _instant(stamp[0]) >= _instant(self.last_stamp[0])):
                self.last_stamp = stamp

    # -------------------------------------------------------------- images
    def prepare(self, blocks: list[dict]) -> list[dict]:
        """Upload local images (File Upload API) and point their blocks at the uploads."""
        return list(self.prepared(blocks))

    def prepared(self, blocks: Sequence[dict]) -> Iterator[dict]:
        """`prepare`, a block at a time once every local image of `blocks` is uploaded (before
        the first block is handed out, so before any request that carries one of them)."""
        if getattr(blocks, "may_hold_local_files", lambda: True)():  # a packed body knows
            for block in walk(blocks):
                if block.get("bot_local_file"):
                    self._upload(block["bot_local_file"])
        for block in blocks:
            yield self._prepared(block)

    def _prepared(self, block: dict) -> dict:
        block = copy.copy(block)
        local = block.pop("bot_local_file", None)
        kind = block["type"]
        payload = dict(block[kind])
        if local:
            payload["file_upload"] = {"id": self._upload(local)}
            payload["type"] = "file_upload"
        if _kids(block):
            payload["children"] = [self._prepared(kid) for kid in _kids(block)]
        block[kind] = payload
        return block

    def _upload(self, local: dict) -> str:
        sha = local["sha256"]
        if sha not in self.uploads:
            name = f"{sha[:16]}-{local['name']}"
            data = read_checked_image(Path(local["path"]), sha)  # what is uploaded is what was checked
            self.uploads[sha] = self.api.upload_file(data, name, local.get("content_type"))
        return self.uploads[sha]

    # -------------------------------------------------------------- blocks
    def append_tree(self, parent_id: str, blocks: Sequence[dict], after: str | None, *, at_end: bool = False) -> None:
        """Append `blocks` (any depth, any count) under `parent_id` after block `after`
        (None: at the start, or at the end when `at_end`)."""
        self._append_batches(parent_id, iter_batches(self.prepared(blocks)), after, at_end=at_end)

    def _append_batches(
        self, parent_id: str, groups: Iterable[list[Sent]], after: str | None, *, at_end: bool = False
    ) -> None:
        for batch in groups:
            payload = [sent.copy for sent in batch]
            if after is None and not at_end:
                created = self.api.append_at_start(parent_id, payload)
            else:
                created = self.api.append_children(parent_id, payload, after)
            created = self._created_blocks(parent_id, created, len(batch), after)
            self._observe(*created)
            for live, sent in zip(created, batch):
                if not sent.whole:
                    self.complete(live["id"], _kids(sent.desired), _kids(sent.copy))
            after = created[-1]["id"]
            at_end = True
            del payload, batch, created  # before the next request is built

    def _created_blocks(self, parent_id: str, returned: list[dict], expected: int, after: str | None) -> list[dict]:
        if len(returned) == expected:
            return returned
        # Some API versions answer with the parent's first page of children: locate ours.
        children = self.api.list_children(parent_id)
        ids = [c["id"] for c in children]
        start = ids.index(after) + 1 if after in ids else 0
        return children[start : start + expected]

    def complete(self, block_id: str, kids: list[dict], sent: list[dict]) -> None:
        """Finish a block whose children were cut off by the per-request limits.

        `kids` are its desired children; `sent` the request copies of those the request carried
        (a prefix of them, each possibly cut off itself)."""
        live = self.api.list_children(block_id) if sent else []
        for live_child, desired, copied in zip(live, kids, sent):
            if _cut_off(copied, desired):
                self.complete(live_child["id"], _kids(desired), _kids(copied))
        rest = kids[len(live) :]
        if rest:
            self.append_tree(block_id, rest, live[-1]["id"] if live else None, at_end=True)

    # ---------------------------------------------------------------- plans
    def create_page(self, plan: VariantPlan, parent: dict) -> dict:
        """Create the page with all its blocks; a page that goes up hidden is then revealed
        (one property update) — unless its plan leaves the reveal to whoever adds its language
        link (`plan.reveal` is then cleared on this copy of the plan)."""
        groups = iter_batches(self.prepared(plan.children), Room.for_page(plan.properties, plan.icon))
        first = next(groups, [])
        page = self.api.create_page(parent, plan.properties, plan.icon, [sent.copy for sent in first])
        self._observe(page)
        plan.page_id, plan.url = page["id"], page.get("url")
        if any(not sent.whole for sent in first):
            live = self.api.list_children(page["id"])
            for live_block, sent in zip(live, first):
                if not sent.whole:
                    self.complete(live_block["id"], _kids(sent.desired), _kids(sent.copy))
        del first
        following = next(groups, None)  # the rest, batched as appending it alone would be
        if following is not None:
            live = self.api.list_children(page["id"])
            self._append_batches(page["id"], chain([following], groups), live[-1]["id"] if live else None, at_end=True)
        if plan.reveal:
            self.reveal(plan)
        return page

    def reveal(self, plan: VariantPlan) -> None:
        """The page is complete: make it visible (one property update; on an update plan it
        carries every property change and the icon)."""
        fields: dict = {"properties": plan.reveal.properties}
        if plan.action == "update" and plan.icon:
            fields["icon"] = plan.icon
        self._observe(self.api.update_page(plan.page_id, **fields))

    def insert_first(self, page_id: str, block: dict) -> dict:
        """Put `block` at the very start of the page (one request, no read: Notion's
        `position: start`); returns the created block."""
        (batch,) = batches(self.prepare([block]))
        if not batch[0].whole:
            raise _too_large(block)  # the language link callout: a few hundred bytes
        created = self.api.append_at_start(page_id, [batch[0].copy])
        self._observe(*created)
        return created[0] if created else {}

    def update_page(self, plan: VariantPlan) -> None:
        fields: dict = {}
        if plan.properties:
            fields["properties"] = plan.properties
        if plan.icon and not plan.reveal:
            fields["icon"] = plan.icon
        if fields:
            self._observe(self.api.update_page(plan.page_id, **fields))
        for op in plan.block_ops:
            if isinstance(op, UpdateBlock):
                block = self.prepare([op.block])[0]
                self._observe(self.api.update_block(op.block_id, block))
            elif isinstance(op, DeleteBlock):
                self._observe(self.api.delete_block(op.block_id))
            elif isinstance(op, InsertBlocks):
                self.append_tree(op.parent_id, op.blocks, op.after_id, at_end=op.after_id is not None)
        if plan.reveal:  # a hidden page becomes visible only once its blocks are in
            self.reveal(plan)


def _cut_off(copied: dict, desired: dict) -> bool:
    """True when the request copy lacks some of `desired`'s descendants (a copy is at most three
    levels deep)."""
    sent, kids = _kids(copied), _kids(desired)
    return len(sent) != len(kids) or any(_cut_off(c, d) for c, d in zip(sent, kids))
