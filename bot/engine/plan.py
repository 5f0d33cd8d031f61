"""Stage 3: the plan — a pure comparison of what the content wants with what Notion holds.

`plan_variant(variant, body, live, sibling_url, bot_user_id, target)` performs no I/O: like
Terraform's plan it is a value, printed by the dry run and applied exactly by `apply`. It yields the fewest operations that turn the live page
into the desired one: property changes in one request, and a block diff computed with a
sequence diff over block fingerprints, recursing into children:

* blocks that are identical (content and children) are left alone;
* a block whose type stayed the same but whose content changed is updated in place;
* contiguous new blocks are inserted after an anchor block in one batched request;
* removed blocks are deleted; a type change is a delete plus an insert.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Union

from ..bilingual import language_link, other_lang
from ..convert import blocks_to_markdown, normalize_block
from .fingerprints import (
    children_of,
    comparable_markdown,
    content_fingerprint,
    fingerprint,
    local_image_names,
    property_fingerprints,
    sha,
    top_fingerprints,
    tree_fingerprint,
)
from .blockstore import block_types, prepended
from .hidden import Reveal, hold_back, left_hidden_by_the_bot, reveal_last
from ..properties import desired_icon, desired_properties, display_value, normalize_value

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

    from ..mapping import Mapping
    from ..source import Variant

PENDING_LINK_NOTE = "the link to the"
UNTOUCHABLE = {"child_page", "child_database", "unsupported", "link_preview", "meeting_notes", "transcription"}


# ---------------------------------------------------------------------------- inputs
@dataclass
class Live:
    """What Notion holds for one slug: the page and its block tree.

    `blocks` is None when the tree was not read because it cannot have changed since the
    bot's last write (the page record matches: see bot/engine/records.py); the plan then takes the
    tree to be exactly the desired one."""

    page: dict
    blocks: list[dict] | None

    @property
    def id(self) -> str:
        return self.page["id"]

    @property
    def url(self) -> str | None:
        return self.page.get("url")


@dataclass(frozen=True)
class PlanTarget:
    """What the plan needs to know about where a variant goes (fixed for a run)."""

    mapping: "Mapping"
    zone: "ZoneInfo"
    property_types: dict[str, str]  # database property name -> Notion type
    title_property: str


# ---------------------------------------------------------------------------- operations
@dataclass
class UpdateBlock:
    block_id: str
    block: dict
    old: dict
    kind: Literal["update_block"] = "update_block"


@dataclass
class InsertBlocks:
    parent_id: str
    after_id: str | None  # None: at the start of the parent
    blocks: list[dict]
    kind: Literal["insert_blocks"] = "insert_blocks"


@dataclass
class DeleteBlock:
    block_id: str
    old: dict
    kind: Literal["delete_block"] = "delete_block"


BlockOp = Union[UpdateBlock, InsertBlocks, DeleteBlock]


@dataclass
class PropertyChange:
    name: str
    old: str
    new: str


@dataclass
class DriftBlock:
    """One block whose content in Notion differs from what the bot last wrote or accepted, and
    that publishing would replace: Notion's text and the file's, for the plan."""

    block_id: str
    type: str
    notion: str  # the block as Markdown, as Notion holds it
    file: str | None  # what publishing would write instead (None: the file no longer has it)
    edited_by: str | None = None
    edited_time: str | None = None

    @property
    def short_id(self) -> str:
        """Enough of the id to name the block on the command line (`--block`)."""
        return self.block_id.replace("-", "")[:8]

    def to_dict(self) -> dict:
        return {
            "block_id": self.block_id,
            "short_id": self.short_id,
            "type": self.type,
            "notion": self.notion,
            "file": self.file,
            "edited_by": self.edited_by,
            "edited_time": self.edited_time,
        }


@dataclass
class Drift:
    """Content in Notion that differs from what the bot last wrote or accepted there, and that
    publishing would replace. Who edited it (last_edited_by) only explains it."""

    page_edited_by: str | None
    block_ids: list[str]
    block_texts: list[str] = field(default_factory=list)  # the edited blocks as Markdown, for the plan
    since_last_publish: str | None = None  # unified diff last published → live, when a snapshot exists
    editors: list[str] = field(default_factory=list)  # user ids behind the edits, in order of appearance
    edited_time: str | None = None  # the latest of those edits (Notion's last_edited_time, UTC)
    blocks: list[DriftBlock] = field(default_factory=list)  # each conflicting block, both texts
    properties: list[PropertyChange] = field(default_factory=list)  # conflicting properties (Notion's → the file's)
    by_content: bool = False  # decided by content fingerprints (a page record had them), not by editor alone
    # Filled in by the publisher (this module does no I/O): names from the users API, the time in BOT_TIMEZONE.
    editor_names: dict[str, str] = field(default_factory=dict)
    edited_local: str | None = None

    def who(self, ids: list[str] | None = None) -> str:
        return ", ".join(self.editor_names.get(i, f"user {i}") for i in (ids if ids is not None else self.editors))

    def describe(self) -> str:
        parts = []
        if self.page_edited_by:
            named = f" ({', '.join(c.name for c in self.properties)})" if self.properties else ""
            parts.append(f"page last edited by {self.who([self.page_edited_by])}{named}")
        if self.block_ids:
            parts.append(f"{len(self.block_ids)} block(s) edited by {self.who()}")
        when = self.edited_local or self.edited_time
        return "; ".join(parts) + (f" (last edit {when})" if when else "")

    def to_dict(self) -> dict:
        return {
            "page_edited_by": self.page_edited_by,
            "block_ids": self.block_ids,
            "editors": [{"id": i, "name": self.editor_names.get(i)} for i in self.editors],
            "edited_time": self.edited_time,
            "edited_local": self.edited_local,
            "by_content": self.by_content,
            "blocks": [
                {**b.to_dict(), "edited_by_name": self.editor_names.get(b.edited_by or "")} for b in self.blocks
            ],
            "properties": [{"property": c.name, "notion": c.old, "file": c.new} for c in self.properties],
        }


@dataclass
class VariantPlan:
    slug: str
    lang: str
    path: str
    action: Literal["create", "update", "unchanged"]
    page_id: str | None = None
    url: str | None = None
    properties: dict = field(default_factory=dict)  # request values to send (all on create, changed ones on update)
    property_changes: list[PropertyChange] = field(default_factory=list)
    icon: dict | None = None  # page icon to send, when it changes
    block_ops: list[BlockOp] = field(default_factory=list)
    children: list[dict] = field(default_factory=list)  # on create: the whole body
    drift: Drift | None = None
    desired_blocks: list[dict] = field(default_factory=list, repr=False)  # the whole desired tree
    live_blocks: list[dict] | None = field(default=None, repr=False)  # None: as desired (not read)
    notes: list[str] = field(default_factory=list)
    sibling_pending: bool = False  # the language link waits for the sibling page to exist
    desired_sha: str = ""  # fingerprint of the whole desired tree (the page record compares it)
    properties_sha: str = ""  # fingerprint of the desired properties and icon
    kept: list[str] = field(default_factory=list)  # drifted block ids left as Notion has them (--block)
    property_shas: dict[str, str] = field(default_factory=dict)  # fingerprint per desired property value
    # Hidden until complete (bot/engine/hidden.py): the final page update that makes the page visible,
    # sent after all its blocks and its language link. On create `properties` then carry the
    # hidden value; on update the property changes are the reveal's, not `properties`.
    reveal: Reveal | None = None

    @property
    def desired_markdown(self) -> str:
        """The desired tree as Markdown — rendered on demand (dry runs, snapshots, drift diffs),
        not for every page of every publish."""
        return comparable_markdown(self.desired_blocks, self._images())

    @property
    def live_markdown(self) -> str:
        return (
            self.desired_markdown if self.live_blocks is None else comparable_markdown(self.live_blocks, self._images())
        )

    def _images(self) -> dict[str, str]:
        return local_image_names(self.desired_blocks, Path(self.path).parent)

    @property
    def lacks_only_its_reveal(self) -> bool:
        """An existing page that holds everything but its shown status (hidden until complete)."""
        return (
            self.action == "update"
            and self.reveal is not None
            and not self.block_ops
            and not self.icon
            and set(self.reveal.properties) == {self.reveal.property}
        )

    @property
    def writes_planned(self) -> int:
        """Write requests this plan needs at minimum (chunking can add appends for very large bodies)."""
        if self.action == "create":
            return 1 + int(self.reveal is not None)
        first = bool(self.properties or (self.icon and self.reveal is None))
        return int(first) + len(self.block_ops) + int(self.reveal is not None)

    def to_dict(self) -> dict:
        ops = []
        for op in self.block_ops:
            if isinstance(op, UpdateBlock):
                ops.append({"op": "update_block", "block_id": op.block_id, "type": op.block["type"]})
            elif isinstance(op, InsertBlocks):
                ops.append(
                    {
                        "op": "insert_blocks",
                        "parent_id": op.parent_id,
                        "after_id": op.after_id,
                        "count": len(op.blocks),
                        "types": block_types(op.blocks),
                    }
                )
            else:
                ops.append({"op": "delete_block", "block_id": op.block_id, "type": op.old.get("type")})
        return {
            "slug": self.slug,
            "lang": self.lang,
            "path": self.path,
            "action": self.action,
            "page_id": self.page_id,
            "url": self.url,
            "property_changes": [{"property": c.name, "old": c.old, "new": c.new} for c in self.property_changes],
            "icon": self.icon,
            "block_operations": ops,
            "blocks_on_create": len(self.children) if self.action == "create" else 0,
            "hidden_until_complete": self.reveal.to_dict() if self.reveal else None,
            "drift": None if not self.drift else self.drift.to_dict(),
            "kept_in_notion": self.kept,
            "notes": self.notes,
        }


# ---------------------------------------------------------------------------- block diff
def _shape(block: dict) -> tuple:
    """Blocks of the same shape can be updated in place (Notion cannot change a block's type,
    nor a table's width)."""
    kind = block["type"]
    if kind == "table":
        return (kind, block[kind].get("table_width"))
    return (kind,)


def diff_blocks(parent_id: str, live: list[dict], desired: list[dict]) -> list[BlockOp]:
    live = [b for b in live if b["type"] not in UNTOUCHABLE]
    ops: list[BlockOp] = []
    matcher = SequenceMatcher(None, [fingerprint(b) for b in live], top_fingerprints(desired), autojunk=False)
    anchor: str | None = None
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            anchor = live[i2 - 1]["id"]
            continue
        anchor = _diff_region(parent_id, live[i1:i2], desired[j1:j2], anchor, ops)
    return ops


def _diff_region(
    parent_id: str, olds: list[dict], news: list[dict], anchor: str | None, ops: list[BlockOp]
) -> str | None:
    """Pair blocks of the same shape in a changed region; the rest are deletes and inserts."""
    matcher = SequenceMatcher(None, [_shape(b) for b in olds], [_shape(b) for b in news], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            for old, new in zip(olds[i1:i2], news[j1:j2]):
                if normalize_block(old) != normalize_block(new):
                    ops.append(UpdateBlock(old["id"], new, old))
                ops.extend(diff_blocks(old["id"], children_of(old), children_of(new)))
                anchor = old["id"]
            continue
        for old in olds[i1:i2]:
            ops.append(DeleteBlock(old["id"], old))
        if j2 > j1:
            ops.append(InsertBlocks(parent_id, anchor, news[j1:j2]))
    return anchor


# ---------------------------------------------------------------------------- drift
@dataclass(frozen=True)
class Accepted:
    """What the bot last wrote or accepted on a page (from its page record): the content
    fingerprint of every block, and a fingerprint per property value. A block or property whose
    content in Notion is one of these is no conflict, whoever last edited it."""

    blocks: frozenset[str]
    properties: dict[str, str] = field(default_factory=dict)


def block_markdown(block: dict) -> str:
    """One block without its children, as Markdown (for drift reports)."""
    body = {k: v for k, v in (block.get(block["type"]) or {}).items() if k != "children"}
    return blocks_to_markdown([{**block, block["type"]: body}]).strip()


def detect_drift(
    page: dict,
    blocks: list[dict],
    bot_user_id: str,
    *,
    overwritten: dict[str, dict | None] | None = None,
    property_changes: list[PropertyChange] | None = None,
    live_property_shas: dict[str, str] | None = None,
    accepted: Accepted | None = None,
) -> Drift | None:
    """Content in Notion that publishing would replace and that the bot never wrote or accepted.

    `overwritten`: block id → the block publishing would write instead (None: deleted), the
    blocks the plan updates or deletes; anything else publishing leaves alone, so it is no
    conflict (e.g. an edit the file already has). With `accepted` (the page record's content
    fingerprints), a block is drift when its content is none of the bot's and a person last
    edited it: an edit taken into the file, or edited back to the bot's text, is not. Without a
    record (a fresh machine, an older record) the rule is Notion's alone: a block last edited
    by anyone but the bot is drift. A block last edited by the bot's own user is never drift.
    """

    def editor(obj: dict) -> str | None:
        return (obj.get("last_edited_by") or {}).get("id")

    drifted: list[DriftBlock] = []
    editors: list[str] = []
    times: list[str] = []

    def note(obj: dict, who: str) -> None:
        if who not in editors:
            editors.append(who)
        if obj.get("last_edited_time"):
            times.append(obj["last_edited_time"])

    def walk(items: list[dict]) -> None:
        for b in items:
            who = editor(b)
            replaced = overwritten is None or b["id"] in overwritten
            ours = accepted is not None and content_fingerprint(b) in accepted.blocks
            if who and who != bot_user_id and replaced and not ours:
                new = (overwritten or {}).get(b["id"])
                drifted.append(
                    DriftBlock(
                        b["id"],
                        b["type"],
                        block_markdown(b),
                        block_markdown(new) if new else None,
                        who,
                        b.get("last_edited_time"),
                    )
                )
                note(b, who)
            walk(children_of(b))

    walk(blocks)
    if not _bot_has_written(page, blocks, bot_user_id):
        return None  # a page the bot never published (e.g. made by an older tool): adopted, not drift
    page_editor = editor(page)
    changes = list(property_changes or [])
    if accepted is not None and accepted.properties and live_property_shas is not None:
        changes = [c for c in changes if live_property_shas.get(c.name) != accepted.properties.get(c.name)]
    page_drift = page_editor if page_editor and page_editor != bot_user_id and changes else None
    if not drifted and not page_drift:
        return None
    if page_drift:
        note(page, page_drift)
    return Drift(
        page_drift,
        [d.block_id for d in drifted],
        [d.notion for d in drifted],
        editors=editors,
        edited_time=max(times) if times else None,
        blocks=drifted,
        properties=changes if page_drift else [],
        by_content=accepted is not None,
    )


def _bot_has_written(page: dict, blocks: list[dict], bot_user_id: str) -> bool:
    def mine(obj: dict) -> bool:
        return (obj.get("created_by") or {}).get("id") == bot_user_id or (obj.get("last_edited_by") or {}).get(
            "id"
        ) == bot_user_id

    def any_mine(items: list[dict]) -> bool:
        return any(mine(b) or any_mine(children_of(b)) for b in items)

    return mine(page) or any_mine(blocks)


# ---------------------------------------------------------------------------- properties
@dataclass
class PropertyTarget:
    """One mapped property as the target database has it."""

    name: str
    type: str


def diff_properties(
    desired: dict, live: dict, targets: list[PropertyTarget], normalize
) -> tuple[dict, list[PropertyChange]]:
    """Changed request values and their display, comparing normalized values."""
    send: dict = {}
    changes: list[PropertyChange] = []
    for target in targets:
        if target.name not in desired:
            continue
        new_value = normalize(target.type, desired[target.name].get(target.type))
        raw_live = live.get(target.name)
        old_value = normalize(target.type, raw_live.get(target.type)) if raw_live else None
        if new_value != old_value and not (_empty(new_value) and _empty(old_value)):
            send[target.name] = desired[target.name]
            changes.append(
                PropertyChange(
                    target.name, display_value(target.type, old_value), display_value(target.type, new_value)
                )
            )
    return send, changes


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


# ---------------------------------------------------------------------------- the plan of one variant
def plan_variant(
    variant: "Variant",
    body: list[dict],
    live: Live | None,
    *,
    has_sibling: bool,
    sibling_url: str | None,
    bot_user_id: str,
    target: PlanTarget,
    desired_sha: str | None = None,
    accepted: Accepted | None = None,
    complete: bool = True,
) -> VariantPlan:
    """What to send so that Notion holds `body` (plus the language link) and the variant's
    properties: everything on create, only what differs on update. No I/O. `desired_sha`: the
    desired tree's fingerprint when the caller computed it already. `complete`: this plan's writes
    leave the page complete — a create request carries the whole page, language link included,
    and no link waits for a sibling still to be created — otherwise a new page goes up hidden
    and a hidden one stays hidden (bot/engine/hidden.py)."""
    desired = _desired_properties(variant, target)
    icon = desired_icon(variant, target.mapping)
    blocks = desired_blocks(
        variant.lang,
        body,
        has_sibling=has_sibling,
        sibling_url=sibling_url,
        link_text=target.mapping.link_text(variant.lang),
    )
    plan = VariantPlan(
        slug=variant.slug, lang=variant.lang, path=str(variant.path), action="unchanged", desired_blocks=blocks
    )
    plan.desired_sha = desired_sha or tree_fingerprint(blocks)
    plan.properties_sha = sha([desired, icon])
    plan.property_shas = property_fingerprints(desired, icon)
    plan.sibling_pending = has_sibling and not sibling_url
    sibling_lang = other_lang(variant.lang)
    if plan.sibling_pending:
        plan.notes.append(
            f"{PENDING_LINK_NOTE} {sibling_lang} page is added once that page exists (in this run when it is published too)"
        )
    if not has_sibling:
        plan.notes.append(f"no {sibling_lang} variant of {variant.week}: published without a language link")
    if live is None:
        plan.action = "create"
        plan.properties, plan.icon, plan.children = desired, icon, blocks
        held = None if complete else hold_back(target.mapping, desired)
        if held:
            plan.properties, plan.reveal = held
        return plan
    plan.page_id, plan.url = live.id, live.url
    plan.live_blocks = live.blocks
    targets = [
        PropertyTarget(name, target.property_types.get(name, "title" if name == target.title_property else ""))
        for name in desired
    ]
    plan.properties, plan.property_changes = diff_properties(
        desired, live.page.get("properties", {}), targets, normalize_value
    )
    if icon and (live.page.get("icon") or {}).get("emoji") != icon["emoji"]:
        plan.icon = icon
        plan.property_changes.append(
            PropertyChange("(page icon)", (live.page.get("icon") or {}).get("emoji") or "(empty)", icon["emoji"])
        )
    if live.blocks is not None:  # None: unchanged since the bot's last write (no ops, no drift)
        plan.block_ops = diff_blocks(live.id, live.blocks, blocks)
        overwritten = {
            op.block_id: (op.block if isinstance(op, UpdateBlock) else None)
            for op in plan.block_ops
            if isinstance(op, (UpdateBlock, DeleteBlock))
        }
        live_shas = property_fingerprints(live.page.get("properties", {}), live.page.get("icon"), names=[*desired])
        plan.drift = detect_drift(
            live.page,
            live.blocks,
            bot_user_id,
            overwritten=overwritten,
            property_changes=plan.property_changes,
            live_property_shas=live_shas,
            accepted=accepted,
        )
        if (live.page.get("created_by") or {}).get("id") not in (None, bot_user_id) and not plan.drift:
            plan.notes.append("page was created by someone else; the bot takes it over and publishes its content")
    _reveal_after_blocks(plan, live, target.mapping, bot_user_id, complete)
    if plan.properties or plan.icon or plan.block_ops or plan.reveal:
        plan.action = "update"
    return plan


def _reveal_after_blocks(plan: VariantPlan, live: Live, mapping: "Mapping", bot_user_id: str, complete: bool) -> None:
    """An update that shows a hidden page sends its property changes last, once the blocks are
    in; while the page cannot be complete yet it stays hidden (bot/engine/hidden.py)."""
    reveal = reveal_last(mapping, plan.properties, live.page.get("properties", {})) if plan.properties else None
    if reveal is None:
        return
    if not complete:  # its language link waits for a sibling still to be created
        plan.properties = {k: v for k, v in plan.properties.items() if k != reveal.property}
        plan.property_changes = [c for c in plan.property_changes if c.name != reveal.property]
        plan.notes.append(f"stays {reveal.property}: {reveal.hidden} until its language link is in")
        return
    plan.reveal, plan.properties = reveal, {}  # the changes go last, in the reveal
    if left_hidden_by_the_bot(mapping, live.page, bot_user_id):
        plan.notes.append(
            f"left {reveal.property}: {reveal.hidden} by a run that stopped before the page was complete: completed first, then {reveal.property}: {reveal.shown}"
        )


def desired_blocks(
    lang: str, body: list[dict], *, has_sibling: bool, sibling_url: str | None, link_text: str | None = None
) -> list[dict]:
    """The page's whole desired tree: the language link (when there is a sibling) and the body
    (packed still when the body is: bot/engine/blockstore.py)."""
    return prepended([language_link(lang, sibling_url, link_text)] if has_sibling else [], body)


def _desired_properties(variant: "Variant", target: PlanTarget) -> dict:
    """The variant's property values for the properties the database has; the title goes to
    the database's title property, whatever it is called."""
    mapping = target.mapping
    mapped_title = mapping.properties[mapping.title_field].property
    desired = desired_properties(variant, mapping, target.zone, set(target.property_types) | {mapped_title})
    if mapped_title != target.title_property:
        desired[target.title_property] = desired.pop(mapped_title)
    return desired
