"""Stage 4: apply a plan — the only stage that writes.

Large bodies are written in requests that respect Notion's limits: at most 100 children per
array, two levels of nesting per request, 1,000 blocks and 450,000 bytes per payload (Notion's
limit is 500 KB; the rest is room for the request envelope — notion/api.py). Deeper levels
are appended under the ids Notion returns. Local images are uploaded first.
"""

from __future__ import annotations

import copy
import json
from datetime import datetime
from pathlib import Path

from .convert.assets import read_checked_image
from .notion.api import MAX_BLOCKS_PER_REQUEST, MAX_CHILDREN, MAX_PAYLOAD_BYTES, NotionAPI
from .plan import DeleteBlock, InsertBlocks, UpdateBlock, VariantPlan, children_of
from .records import stamp_of

NESTING = 2  # levels of children allowed below a block in one request


def _kids(block: dict) -> list[dict]:
    return children_of(block)


def fits(block: dict, levels: int) -> bool:
    """True when `block` with all its descendants can go in one request at `levels` depth budget."""
    kids = _kids(block)
    if not kids:
        return True
    return levels > 0 and len(kids) <= MAX_CHILDREN and all(fits(k, levels - 1) for k in kids)


def trimmed(block: dict, levels: int) -> dict:
    """A request copy of `block` carrying at most `levels` levels and 100 children per array."""
    kind = block["type"]
    out = {k: v for k, v in block.items() if k not in ("bot_local_file", "id")}
    payload = {k: v for k, v in block[kind].items() if k != "children"}
    kids = _kids(block)
    if kids and levels > 0:
        payload["children"] = [trimmed(k, levels - 1) for k in kids[:MAX_CHILDREN]]
    out[kind] = payload
    out.setdefault("object", "block")
    return out


def _count(block: dict, levels: int) -> int:
    kids = _kids(block)[:MAX_CHILDREN] if levels > 0 else []
    return 1 + sum(_count(k, levels - 1) for k in kids)


def batches(blocks: list[dict]) -> list[list[dict]]:
    """Split top-level blocks into requests within the count, block and byte limits."""
    out: list[list[dict]] = []
    current: list[dict] = []
    count = size = 0
    for block in blocks:
        b_count = _count(block, NESTING)
        b_size = len(json.dumps(trimmed(block, NESTING), ensure_ascii=False).encode())
        if current and (len(current) >= MAX_CHILDREN or count + b_count > MAX_BLOCKS_PER_REQUEST or size + b_size > MAX_PAYLOAD_BYTES):
            out.append(current)
            current, count, size = [], 0, 0
        current.append(block)
        count += b_count
        size += b_size
    if current:
        out.append(current)
    return out


UPLOAD_ID = "0" * 36  # a file upload id's length (a UUID), for sizing requests before uploading


def whole_in_one_request(blocks: list[dict]) -> bool:
    """Would a create request carry all of `blocks` — no further appends for more top-level
    blocks or for levels the nesting limit cuts off? Sized as `Writer.prepare` sends them
    (a local image carries its upload's id)."""
    sized = [_with_upload_ids(b) for b in blocks]
    return len(batches(sized)) <= 1 and all(fits(b, NESTING) for b in sized)


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
        out = []
        for block in blocks:
            block = copy.copy(block)
            local = block.pop("bot_local_file", None)
            kind = block["type"]
            payload = dict(block[kind])
            if local:
                payload["file_upload"] = {"id": self._upload(local)}
                payload["type"] = "file_upload"
            if _kids(block):
                payload["children"] = self.prepare(_kids(block))
            block[kind] = payload
            out.append(block)
        return out

    def _upload(self, local: dict) -> str:
        sha = local["sha256"]
        if sha not in self.uploads:
            name = f"{sha[:16]}-{local['name']}"
            data = read_checked_image(Path(local["path"]), sha)  # what is uploaded is what was checked
            self.uploads[sha] = self.api.upload_file(data, name, local.get("content_type"))
        return self.uploads[sha]

    # -------------------------------------------------------------- blocks
    def append_tree(self, parent_id: str, blocks: list[dict], after: str | None, *, at_end: bool = False) -> list[dict]:
        """Append `blocks` (any depth, any count) under `parent_id` after block `after`
        (None: at the start, or at the end when `at_end`). Returns the created top-level blocks."""
        created_all: list[dict] = []
        blocks = self.prepare(blocks)
        for batch in batches(blocks):
            payload = [trimmed(b, NESTING) for b in batch]
            if after is None and not at_end:
                created = self.api.append_at_start(parent_id, payload)
            else:
                created = self.api.append_children(parent_id, payload, after)
            created = self._created_blocks(parent_id, created, len(batch), after)
            self._observe(*created)
            for live, desired in zip(created, batch):
                if not fits(desired, NESTING):
                    self.complete(live["id"], _kids(desired), NESTING - 1)
            after = created[-1]["id"]
            at_end = True
            created_all.extend(created)
        return created_all

    def _created_blocks(self, parent_id: str, returned: list[dict], expected: int, after: str | None) -> list[dict]:
        if len(returned) == expected:
            return returned
        # Some API versions answer with the parent's first page of children: locate ours.
        children = self.api.list_children(parent_id)
        ids = [c["id"] for c in children]
        start = ids.index(after) + 1 if after in ids else 0
        return children[start : start + expected]

    def complete(self, block_id: str, kids: list[dict], child_levels: int) -> None:
        """Finish a block whose children were cut off by the per-request limits.

        `kids` are its desired children; the request carried the first 100 of them, each
        trimmed to `child_levels` (none at all when `child_levels` < 0).
        """
        sent = kids[:MAX_CHILDREN] if child_levels >= 0 else []
        live = self.api.list_children(block_id) if sent else []
        for live_child, desired in zip(live, sent):
            if not fits(desired, child_levels):
                self.complete(live_child["id"], _kids(desired), child_levels - 1)
        rest = kids[len(live):]
        if rest:
            self.append_tree(block_id, rest, live[-1]["id"] if live else None, at_end=True)

    # ---------------------------------------------------------------- plans
    def create_page(self, plan: VariantPlan, parent: dict) -> dict:
        """Create the page with all its blocks; a page that goes up hidden is then revealed
        (one property update) — unless its plan leaves the reveal to whoever adds its language
        link (`plan.reveal` is then cleared on this copy of the plan)."""
        children = self.prepare(plan.children)
        groups = batches(children)
        first = groups[0] if groups else []
        page = self.api.create_page(parent, plan.properties, plan.icon, [trimmed(b, NESTING) for b in first])
        self._observe(page)
        plan.page_id, plan.url = page["id"], page.get("url")
        if first and any(not fits(b, NESTING) for b in first):
            live = self.api.list_children(page["id"])
            for live_block, desired in zip(live, first):
                if not fits(desired, NESTING):
                    self.complete(live_block["id"], _kids(desired), NESTING - 1)
        rest = [b for group in groups[1:] for b in group]
        if rest:
            live = self.api.list_children(page["id"])
            self.append_tree(page["id"], rest, live[-1]["id"] if live else None, at_end=True)
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
        created = self.api.append_at_start(page_id, [trimmed(self.prepare([block])[0], NESTING)])
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
