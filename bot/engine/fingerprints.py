"""Fingerprints of blocks, trees and property values, and the Markdown people compare: what the plan diffs by
(bot.engine.plan), what page records keep (bot.engine.records) and what drift reports show.

A fingerprint is of a block's normalized content (bot.convert.normalize), so two blocks that
Notion would show alike fingerprint alike, whatever ids or timestamps they carry.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any

from ..convert import blocks_to_markdown, normalize_block
from ..properties import normalize_value


def children_of(block: dict) -> list[dict]:
    return block.get(block["type"], {}).get("children") or []


def fingerprint(block: dict) -> str:
    """Content of a block and, recursively, its children — equal fingerprints mean nothing to do."""
    doc = [normalize_block(block), [fingerprint(c) for c in children_of(block)]]
    return hashlib.sha1(json.dumps(doc, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


def content_fingerprint(block: dict) -> str:
    """The content of ONE block (children excluded), short: what page records keep per block
    so that drift is a difference of content, not of who edited (bot/engine/records.py)."""
    return hashlib.sha1(json.dumps(normalize_block(block), sort_keys=True, ensure_ascii=False).encode()).hexdigest()[
        :16
    ]


def fingerprints_of(block: dict) -> tuple[str, set[str]]:
    """`fingerprint(block)` and the content fingerprints of it and every descendant, in one walk
    (each block normalized and encoded once): what a packed body keeps of each block
    (bot/engine/blockstore.py). `[a, b]` encodes as "[" + a + ", " + b + "]", so the
    fingerprint is the one `fingerprint` computes."""
    contents: set[str] = set()

    def visit(b: dict) -> str:
        own = json.dumps(normalize_block(b), sort_keys=True, ensure_ascii=False)
        contents.add(hashlib.sha1(own.encode()).hexdigest()[:16])
        kids = json.dumps([visit(c) for c in children_of(b)])
        return hashlib.sha1(f"[{own}, {kids}]".encode()).hexdigest()

    return visit(block), contents


def content_fingerprints(blocks: list[dict]) -> list[str]:
    """The content fingerprints of every block of a tree, at every level (sorted, unique)."""
    known = getattr(blocks, "content_fingerprints", None)  # a packed body computed them as it was packed
    return sorted(known() if known else {content_fingerprint(b) for b in walk(blocks)})


def top_fingerprints(blocks: list[dict]) -> list[str]:
    """The fingerprint of each top-level block (a packed body has them already)."""
    known = getattr(blocks, "fingerprints", None)
    return known() if known else [fingerprint(b) for b in blocks]


def tree_fingerprint(blocks: list[dict]) -> str:
    """One fingerprint for a whole (desired) block tree."""
    return hashlib.sha1(json.dumps(top_fingerprints(blocks)).encode()).hexdigest()


def local_image_names(blocks: list[dict], base_dir: Path) -> dict[str, str]:
    """sha16 of each local image → its path as the content file names it (relative to the file)."""
    names: dict[str, str] = {}
    if not getattr(blocks, "may_hold_local_files", lambda: True)():
        return names  # a packed body without local images: nothing to decode
    for b in walk(blocks):
        local = b.get("bot_local_file")
        if local:
            names[local["sha256"][:16]] = os.path.relpath(local["path"], Path(base_dir).resolve())
    return names


def comparable_markdown(blocks: list[dict], images: dict[str, str]) -> str:
    """Markdown of `blocks` for the plan's diff and drift report: an image uploaded from a local
    file reads as its relative path, both in the content (never the editor's absolute path) and
    in Notion (instead of the hosted URL), so an unchanged page shows no hunk."""
    return blocks_to_markdown(_comparable(b, images) for b in blocks)  # one block at a time


def _comparable(block: dict, images: dict[str, str]) -> dict:
    kind = block["type"]
    body = block.get(kind) or {}
    out = block
    if kind == "image":
        sha16 = normalize_block(block)["image"].get("local_sha16")
        if sha16 in images:
            out = {**block, "bot_local_file": {"path": images[sha16], "sha256": sha16}}
    if body.get("children"):
        out = {**out, kind: {**body, "children": [_comparable(c, images) for c in body["children"]]}}
    return out


def walk(blocks: list[dict]):
    for b in blocks:
        yield b
        yield from walk(children_of(b))


ICON_KEY = "(page icon)"


def property_fingerprints(values: dict, icon: dict | None, names: list[str] | None = None) -> dict[str, str]:
    """A short fingerprint of each property's normalized value (and of the page icon), for the
    page record: a property Notion holds with a value the bot wrote is no conflict."""
    out = {}
    for name in names if names is not None else list(values):
        raw = values.get(name) or {}
        kind = raw.get("type") or next((k for k in raw if k != "id"), "")
        out[name] = sha(normalize_value(kind, raw.get(kind)) if kind else None)[:16]
    out[ICON_KEY] = sha((icon or {}).get("emoji"))[:16]
    return out


def sha(doc: Any) -> str:
    """The SHA-1 of a JSON document (keys sorted)."""
    return hashlib.sha1(json.dumps(doc, sort_keys=True, ensure_ascii=False, default=str).encode()).hexdigest()
