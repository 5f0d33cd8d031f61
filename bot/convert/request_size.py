"""What one Notion request can carry, and request copies of blocks that respect it.

Notion's "Request limits" (shared/reference/notion-api.md §2): a payload holds at most 1,000
block elements and 500 KB overall; an array of children at most 100 elements; a request at most
two levels of nesting below its top-level blocks. The writer (bot/apply.py) builds every request
it sends with `request_copy`, and `bot validate` / the publish preflight (bot/convert/limits.py)
refuse, with rule `limits`, a block that no request could carry even alone — the same code, so
what validate passes, publish can send.

Sizes are the bytes the SDK's HTTP client sends: httpx encodes a JSON body with compact
separators, UTF-8 and no ASCII escaping (`httpx._content.encode_json`).
"""

from __future__ import annotations

import json
from typing import Any

MAX_REQUEST_BYTES = 500_000  # "500KB overall" (Request limits); decimal KB, the stricter reading
# Room kept for what is not a block (parent, properties, icon, position): the blocks of one
# request take at most this much; a page's properties are counted on top of it (see Room.for_page).
ENVELOPE_BYTES = 50_000
BLOCK_BYTES = MAX_REQUEST_BYTES - ENVELOPE_BYTES
MAX_CHILDREN = 100  # children per array
MAX_BLOCKS_PER_REQUEST = 1000  # "1000 block elements"
NESTING = 2  # levels of children below a request's top-level blocks
# A table is created with its rows: Notion refuses one without a first row (`children should be
# defined`), so a table goes with at least this many of its children or not at all.
MIN_CHILDREN = {"table": 1}

_BOT_KEYS = ("bot_local_file", "id")  # the converter's own keys, never sent
_CHILDREN_KEY = len('"children":[]')


def json_size(value: Any) -> int:
    """Bytes of `value` in a request body, encoded as httpx encodes it."""
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8"))


def children_of(block: dict) -> list[dict]:
    body = block.get(block.get("type", ""), {})
    return (body.get("children") if isinstance(body, dict) else None) or []


def own_copy(block: dict) -> dict:
    """The request form of `block` without its children (and without the converter's own keys)."""
    kind = block["type"]
    out = {k: v for k, v in block.items() if k not in _BOT_KEYS}
    out[kind] = {k: v for k, v in block[kind].items() if k != "children"}
    out.setdefault("object", "block")
    return out


class Room:
    """What is left of one request: bytes and block elements."""

    __slots__ = ("bytes", "blocks")

    def __init__(self, size: int = BLOCK_BYTES, blocks: int = MAX_BLOCKS_PER_REQUEST) -> None:
        self.bytes, self.blocks = size, blocks

    @classmethod
    def for_page(cls, properties: dict, icon: dict | None) -> "Room":
        """The room a page-create request leaves its first blocks, after its properties."""
        return cls(BLOCK_BYTES - json_size({"properties": properties, "icon": icon}))

    def save(self) -> tuple[int, int]:
        return self.bytes, self.blocks

    def restore(self, saved: tuple[int, int]) -> None:
        self.bytes, self.blocks = saved


def request_copy(block: dict, levels: int, room: Room) -> tuple[dict, bool] | None:
    """(the request copy of `block`, whether it carries the whole subtree), taking from `room`;
    None when not even the block itself fits (room is left untouched then).

    The copy carries as many children as fit, in order, at most `levels` deep and 100 per array;
    the first child that does not fit whole goes as far as it fits and ends the array (the writer
    appends the rest under the ids Notion returns)."""
    saved = room.save()
    own = own_copy(block)
    kind = block["type"]
    size = json_size(own)
    if size > room.bytes or room.blocks < 1:
        return None
    room.bytes -= size
    room.blocks -= 1
    kids = children_of(block)
    whole = not kids
    if kids and levels > 0:
        payload = own[kind]
        overhead = _CHILDREN_KEY + (1 if payload else 0)
        sent: list[dict] = []
        last_whole = True
        if room.bytes >= overhead:
            room.bytes -= overhead
            for kid in kids[:MAX_CHILDREN]:
                before = room.save()
                if sent:
                    room.bytes -= 1  # the comma
                got = request_copy(kid, levels - 1, room)
                if got is None:
                    room.restore(before)
                    break
                sent.append(got[0])
                last_whole = got[1]
                if not last_whole:
                    break
            if sent:
                payload["children"] = sent
            else:
                room.bytes += overhead
        whole = last_whole and len(sent) == len(kids)
        if len(sent) < MIN_CHILDREN.get(kind, 0):
            room.restore(saved)
            return None
    elif MIN_CHILDREN.get(kind, 0) > 0:
        room.restore(saved)
        return None
    return own, whole


def sendable_alone(block: dict) -> bool:
    """True when some request can carry `block` (a table with its first row): the writer can then
    send it, whatever its size, with its children following in later requests."""
    return request_copy(block, 1 if block.get("type") in MIN_CHILDREN else 0, Room()) is not None
