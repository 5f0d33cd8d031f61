"""Rich text segments: merging, grapheme-safe splitting, Notion item building.

Internally inline content is a list of Segment tuples:
    Segment(TEXT, text, flags, link_url_or_None)
    Segment(EQUATION, expression, flags, None)
    Segment(IMAGE, ImageRef, flags, link_url_or_None)   (md_to_blocks: an inline image)
flags is a bitmask of BOLD | ITALIC | STRIKE | CODE | UNDERLINE | HIGHLIGHT.
HIGHLIGHT is Notion's "yellow_background" color (the closest to HTML <mark>).
"""

from __future__ import annotations

from typing import Any, NamedTuple

import regex

from ..plain_text import items_plain_text  # noqa: F401 - the one place; bot.convert's name too
from .limits import MAX_ITEMS, MAX_TEXT, utf16_len

TEXT = 0
EQUATION = 1
IMAGE = 2

BOLD, ITALIC, STRIKE, CODE, UNDERLINE, HIGHLIGHT = 1, 2, 4, 8, 16, 32
HIGHLIGHT_COLOR = "yellow_background"

_GRAPHEME = regex.compile(r"\X")


class Segment(NamedTuple):
    """One run of inline content with the same kind, annotations and link."""

    kind: int  # TEXT, EQUATION or IMAGE
    content: Any  # str for TEXT / EQUATION, an ImageRef for IMAGE
    flags: int  # annotation bitmask
    link: str | None  # http(s) URL or None


class ImageRef(NamedTuple):
    """An image met in inline content (Markdown `![alt](src "title")` or HTML `<img>`)."""

    src: str  # as markdown-it stores a Markdown image's src (normalizeLink-ed)
    alt: str
    title: str
    line: int | None = None  # source line of the image itself (a paragraph may span lines)


_ANNOTATIONS = [
    {
        "bold": bool(f & BOLD),
        "italic": bool(f & ITALIC),
        "strikethrough": bool(f & STRIKE),
        "underline": bool(f & UNDERLINE),
        "code": bool(f & CODE),
        "color": HIGHLIGHT_COLOR if f & HIGHLIGHT else "default",
    }
    for f in range(64)
]


def annotations(flags: int) -> dict:
    return _ANNOTATIONS[flags].copy()  # a fresh dict: callers may mutate their blocks


def flags_of(ann: dict | None) -> int:
    if not ann:
        return 0
    return (
        (BOLD if ann.get("bold") else 0)
        | (ITALIC if ann.get("italic") else 0)
        | (STRIKE if ann.get("strikethrough") else 0)
        | (CODE if ann.get("code") else 0)
        | (UNDERLINE if ann.get("underline") else 0)
        | (HIGHLIGHT if ann.get("color") == HIGHLIGHT_COLOR else 0)
    )


def text_item(content: str, flags: int = 0, link: str | None = None) -> dict:
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link is not None else None},
        "annotations": _ANNOTATIONS[flags].copy(),
    }


def equation_item(expression: str, flags: int = 0) -> dict:
    return {"type": "equation", "equation": {"expression": expression}, "annotations": annotations(flags)}


def merge_segments(segs: list[Segment]) -> list[Segment]:
    """Join adjacent text segments with the same flags and link; drop empty texts."""
    out: list[Segment] = []
    run: Segment | None = None  # the text segment being extended
    parts: list[str] = []
    for s in segs:
        if s.kind != TEXT:
            if run is not None:
                out.append(run if len(parts) == 1 else run._replace(content="".join(parts)))
                run = None
            out.append(s)
        elif not s.content:
            continue
        elif run is not None and run.flags == s.flags and run.link == s.link:
            parts.append(s.content)
        else:
            if run is not None:
                out.append(run if len(parts) == 1 else run._replace(content="".join(parts)))
            run, parts = s, [s.content]
    if run is not None:
        out.append(run if len(parts) == 1 else run._replace(content="".join(parts)))
    return out


def split_text(s: str, limit: int = MAX_TEXT) -> list[str]:
    """Split s into pieces of at most `limit` UTF-16 code units.

    Cuts only between grapheme clusters (so never inside a surrogate pair, a ZWJ
    emoji sequence, a flag or a base+combining-mark sequence). A single cluster
    longer than the limit (pathological) is cut between code points.
    """
    if len(s) <= limit // 2 or utf16_len(s) <= limit:
        return [s]
    if s.isascii():
        return _split_ascii(s, limit)
    pieces: list[str] = []
    start = 0
    units = 0
    pos = 0
    # Fast path for code points: walk clusters only near the cut position.
    for m in _GRAPHEME.finditer(s):
        g = m.group()
        gu = len(g) if g.isascii() else utf16_len(g)
        if units + gu > limit:
            if pos > start:
                pieces.append(s[start:pos])
                start, units = pos, 0
            if gu > limit:  # one huge cluster: cut by code points
                cu = 0
                cstart = pos
                for i, ch in enumerate(g):
                    chu = 2 if ord(ch) > 0xFFFF else 1
                    if cu + chu > limit:
                        pieces.append(s[cstart : pos + i])
                        cstart, cu = pos + i, 0
                    cu += chu
                start, units = cstart, cu
                pos = m.end()
                continue
        units += gu
        pos = m.end()
    if pos > start:
        pieces.append(s[start:pos])
    return pieces


def _split_ascii(s: str, limit: int) -> list[str]:
    """split_text for ASCII: every character is a cluster of one unit, except CR LF."""
    pieces: list[str] = []
    start, n = 0, len(s)
    while n - start > limit:
        cut = start + limit
        if s[cut - 1] == "\r" and s[cut] == "\n" and cut - 1 > start:  # (limit 1: cut the pair)
            cut -= 1
        pieces.append(s[start:cut])
        start = cut
    pieces.append(s[start:])
    return pieces


def to_items(segs: list[Segment]) -> list[dict]:
    """Merged segments -> Notion rich text items, long texts split at ≤ 2000 units."""
    short = MAX_TEXT // 2  # at most 2 UTF-16 units per character: never split
    if len(segs) == 1:  # most paragraphs, items, cells: one plain run, nothing to merge
        kind, content, flags, link = segs[0]
        if kind == TEXT and 0 < len(content) <= short:
            return [text_item(content, flags, link)]
    items: list[dict] = []
    for kind, content, flags, link in merge_segments(segs):
        if kind == EQUATION:
            items.append(equation_item(content, flags))
        elif len(content) <= short:
            items.append(text_item(content, flags, link))
        else:
            for piece in split_text(content):
                items.append(text_item(piece, flags, link))
    return items


def chunk_items(items: list[dict], size: int = MAX_ITEMS) -> list[list[dict]]:
    if len(items) <= size:
        return [items]
    return [items[i : i + size] for i in range(0, len(items), size)]
