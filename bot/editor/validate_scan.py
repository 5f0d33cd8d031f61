"""What `bot validate` reads from a body's tokens: its links and images, and its headings' anchors
(GitHub-style), with the closest anchors to show when a link names none of them."""

from __future__ import annotations

import difflib
import unicodedata

from ..convert.blockstream import iter_block_tokens
from ..convert.footnote_tail import FootnoteTail
from ..convert.html import html_events
from ..convert.parser import get_parser

SHOWN_ANCHORS = 6


def known_anchors(anchors: list[str], wanted: str) -> str:
    """The closest heading anchors first (a typo: `#this-week-in-numbres`), then the others in
    document order."""
    if not anchors:
        return ""
    close = difflib.get_close_matches(wanted, anchors, n=3, cutoff=0.6)
    others = [a for a in anchors if a not in close]
    shown = others[: max(0, SHOWN_ANCHORS - len(close))]
    more = ", …" if len(others) > len(shown) else ""
    listed = ", ".join(f"#{a}" for a in shown) + more
    if close:
        return f": did you mean {' or '.join('#' + a for a in close)}?" + (
            f" (other headings, in order: {listed})" if shown else ""
        )
    return " (headings, in order: " + ", ".join(f"#{a}" for a in shown) + more + ")"


def slugify_heading(text: str) -> str:
    """GitHub-style heading anchor: lower case, punctuation dropped, spaces → hyphens (CJK kept)."""
    out = []
    for ch in text.strip().lower():
        if ch in " -":
            out.append("-" if ch == " " else ch)
        elif ch == "_" or unicodedata.category(ch)[0] in "LNM":
            out.append(ch)
    return "".join(out)


def heading_anchors(text: str) -> list[str]:
    """GitHub-style anchors of the headings of `text`, in order (parsed one block at a time)."""
    scan = BodyScan(references=False)
    for tokens in iter_block_tokens(get_parser(), text, lazy_footnotes=True):
        for part in tokens if isinstance(tokens, FootnoteTail) else (tokens,):  # the footnotes one at a time
            scan(part)
    return scan.anchors


class BodyScan:
    """What validation reads from a body's tokens, fed one top-level block's tokens at a time
    (BlockStream's `observe`): the links and images (`references`: 1-based line within the body,
    "link" | "image", href, in document order) - Markdown's, and raw HTML's `<a href>` and
    `<img src>`, which the converter links and uploads the same way (bot/convert/html.py) - and
    the GitHub-style anchors of the headings (`anchors`, in order)."""

    def __init__(self, references: bool = True) -> None:
        self.references: list[tuple[int, str, str]] = []
        self.anchors: list[str] = []
        self._counts: dict[str, int] = {}
        self._line = 1  # the line the last token with a map started on: carried from block to block
        self._with_references = references
        self._normalize_link = get_parser().normalizeLink  # what the converter does to an <img src>

    def __call__(self, tokens: list) -> None:
        self._anchors(tokens)
        if self._with_references:
            self._line = self._walk(tokens, self._line)

    def _anchors(self, tokens: list) -> None:
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and i + 1 < len(tokens):
                plain = "".join(c.content for c in (tokens[i + 1].children or []) if c.type in ("text", "code_inline"))
                base = slugify_heading(plain)
                n = self._counts.get(base, 0)
                self._counts[base] = n + 1
                self.anchors.append(base if n == 0 else f"{base}-{n}")

    def _html(self, content: str, line: int) -> None:
        for ev in html_events(content):
            if ev.kind != "start":
                continue
            if ev.tag == "a" and ev.attrs.get("href", "").strip():
                self.references.append((line + ev.line - 1, "link", ev.attrs["href"].strip()))
            elif ev.tag == "img" and ev.attrs.get("src", "").strip():
                self.references.append((line + ev.line - 1, "image", self._normalize_link(ev.attrs["src"].strip())))

    def _walk(self, tokens: list, line: int) -> int:
        out = self.references
        for tok in tokens:
            if tok.map:
                line = tok.map[0] + 1
            if tok.type == "inline":
                inner = line
                for child in tok.children or []:
                    if child.type in ("softbreak", "hardbreak"):
                        inner += 1
                    elif child.type == "link_open":
                        out.append((inner, "link", child.attrs.get("href", "")))
                    elif child.type == "image":
                        out.append((inner, "image", child.attrs.get("src", "")))
                    elif child.type == "html_inline":
                        self._html(child.content, inner)
            elif tok.type == "html_block":
                self._html(tok.content, line)
            elif tok.children:
                self._walk(tok.children, line)
        return line
