"""Markdown -> Notion request-shaped blocks.

One small render function per markdown-it node type, looked up in BLOCK_RENDERERS
(mdformat style): the readers of the block kinds' records (bot/convert/registry.py).
Inline content is rendered from the flat inline token stream by one function per token
type (INLINE_RENDERERS).

Documented choices (each one produces a Degradation entry):
- `####`..`######` headings -> heading_3 (construct "heading_4".."heading_6").
  Notion has heading_4 since 2026-03-30, but we deliberately emit only h1-h3.
- Raw HTML (html_block / html_inline) is mapped to what Notion can express by
  bot/convert/html.py (annotations, links, line breaks, headings, quotes, lists,
  tables, toggles, images, dividers); tags with no Notion meaning keep their text
  (reported). HTML comments are dropped (reported). An html_block that starts
  with `<details>` keeps its historical handling here (render_details: the
  summary and the text inside it are read as Markdown).
- Images: the alt text is the caption; a title is appended ("alt — title",
  reported); a link around an image becomes a linked caption (reported), since
  Notion image blocks cannot link.
- Footnotes: a reference becomes the text "[n]" (n = order of first reference),
  definitions become a final heading_3 (ConvertOptions.footnotes_heading, "Footnotes" by
  default) + numbered list (construct "footnote").
- Ordered lists starting at a number other than 1: Notion numbers consecutive
  numbered_list_item blocks from 1 and the public API documents no start-index
  field for numbered_list_item (searched SDK types and docs; nothing found), so
  the start number is lost (construct "numbered_list_start").
- Links: only absolute http(s) URLs ≤ 2000 units are kept as links. mailto: and
  other schemes are not accepted by Notion in text.link.url (see limits.py), so
  they become plain text (construct "link"). Relative links go through
  ConvertOptions.resolve_link; None/no resolver -> plain text. "#anchor" -> plain text.
"""

from __future__ import annotations

import gc
import re
from pathlib import Path
from typing import Callable, Iterable, Iterator, Protocol

from .tree import Node as SyntaxTreeNode, build_tree

from .blockstream import LazySiblings, iter_block_tokens
from .html import apply_inline_html, render_html_run
from .languages import map_language
from .pieces import CUT, PIECE
from .limits import MAX_EXPRESSION, MAX_ITEMS, MAX_TEXT, is_valid_link_url, utf16_len
from .assets import ImageRefusal, resolve_local_image
from .depth import MAX_LEVEL, MAX_TOGGLES, flattened_lines
from .model import Conversion, ConvertOptions, Degradation
from .parser import get_parser
from .registry import HTML_CLASSES, HTML_TAGS, MARKDOWN_NODES, NESTED, resolve
from .richtext import (
    BOLD,
    CODE,
    EQUATION,
    HIGHLIGHT,
    IMAGE,
    ITALIC,
    STRIKE,
    TEXT,
    UNDERLINE,
    ImageRef,
    Segment,
    chunk_items,
    split_text,
    text_item,
    to_items,
)

ALERTS = {
    "NOTE": ("\u2139\ufe0f", "blue_background"),
    "TIP": ("\U0001f4a1", "green_background"),
    "IMPORTANT": ("\u2757", "purple_background"),
    "WARNING": ("\u26a0\ufe0f", "yellow_background"),
    "CAUTION": ("\U0001f6d1", "red_background"),
}

_DETAILS_OPEN = re.compile(
    r"\s*<details\b[^>]*>\s*(?:<summary\b[^>]*>(?P<summary>.*?)</summary>)?(?P<rest>.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_DETAILS_CLOSE = re.compile(r"\s*</details\s*>(?P<rest>.*)\Z", re.IGNORECASE | re.DOTALL)
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_HTTP = re.compile(r"https?://", re.IGNORECASE)
_WIN_DRIVE = re.compile(r"[a-zA-Z]:[\\/]")


def block(btype: str, body: dict) -> dict:
    return {"object": "block", "type": btype, btype: body}


class BlockRenderer(Protocol):
    """A Markdown block node -> Notion blocks (BLOCK_RENDERERS values)."""

    def __call__(self, ctx: Ctx, node: SyntaxTreeNode, /) -> list[dict]: ...


class InlineRenderer(Protocol):
    """One inline token applied to the inline state (INLINE_RENDERERS values)."""

    def __call__(self, ctx: Ctx, tok, st: _InlineState, /) -> None: ...


class Ctx:
    """Per-conversion state."""

    def __init__(self, options: ConvertOptions):
        self.opt = options
        self.offset = options.line_offset
        self.report: list[Degradation] = []
        self.md = get_parser()
        self.footnote_numbers: dict[int, int] = {}
        # annotations and link that enclosing HTML elements (<b>, <a href>) give Markdown blocks
        self.inherit: tuple[int, str | None] = (0, None)
        self._toggle_depth = 0  # <details> toggles open around what is being rendered
        self.html_depth = 0  # HTML elements open around what bot.convert.html renders
        self.block_lines = options.block_lines
        self.link_lines = options.link_lines
        self.nested_kinds: frozenset[str] = frozenset()  # kinds made that may not nest (see _unnest_below)
        resolve(MARKDOWN_NODES, HTML_TAGS, HTML_CLASSES, NESTED)  # the kinds' readers, imported once

    def mark(self, blocks: list[dict], line: int | None) -> list[dict]:
        """Note the source line of `blocks` when the caller asked for lines (ConvertOptions.block_lines)."""
        if self.block_lines is not None and line is not None:
            for b in blocks:
                self.block_lines[id(b)] = (b, line)
        return blocks

    def parse(self, text: str) -> list:
        return self.report_flattened(self.md.parse(text))

    def report_flattened(self, tokens: list) -> list:
        for line in flattened_lines(tokens):
            self.degrade(
                line + 1 + self.offset,
                "nesting",
                f"nested deeper than {MAX_LEVEL // 2}-{MAX_LEVEL} levels: the rest kept as text at the deepest level",
            )
        return tokens

    def degrade(self, line: int | None, construct: str, message: str, subject: str | None = None) -> None:
        self.report.append(Degradation(line, construct, message, subject))

    def line_of(self, node: SyntaxTreeNode) -> int | None:
        m = node.map
        return m[0] + 1 + self.offset if m else None

    # -- block helpers -------------------------------------------------------

    def render_nodes(self, nodes: list[SyntaxTreeNode]) -> list[dict]:
        out: list[dict] = []
        i = 0
        while i < len(nodes):
            blocks, i = self.render_at(nodes, i)
            out.extend(blocks)
        return out

    def render_at(self, nodes, i: int) -> tuple[list[dict], int]:
        """Blocks of nodes[i] (with the siblings an HTML run consumes) and the next index."""
        node = nodes[i]
        if node.type == "html_block":
            details = _DETAILS_OPEN.match(node.content)
            if details and self._toggle_depth >= MAX_TOGGLES:
                self.degrade(
                    self.line_of(node),
                    "nesting",
                    f"<details> nested deeper than {MAX_TOGGLES} toggles: kept as text in the deepest toggle",
                )
                details = None
            render_run = self.render_details if details else self.render_html
            return render_run(nodes, i)
        fn = BLOCK_RENDERERS.get(node.type)
        return (render_unknown(self, node) if fn is None else fn(self, node)), i + 1

    def text_blocks(self, btype: str, items: list[dict], line, extra: dict, children=None) -> list[dict]:
        if len(items) <= MAX_ITEMS:  # nearly always: one block
            body = {"rich_text": items, **extra}
            if children:
                body["children"] = children
            return self.mark([{"object": "block", "type": btype, btype: body}], line)
        chunks = chunk_items(items)
        if len(chunks) > 1:
            self.degrade(
                line,
                "rich_text_items",
                f"{len(items)} rich text items > {MAX_ITEMS}: continued in "
                f"{len(chunks) - 1} following {btype} block(s)",
            )
        out = []
        for ch in chunks:
            body = {"rich_text": ch}
            body.update(extra)
            out.append(block(btype, body))
        if children:
            out[-1][btype]["children"] = children
        return self.mark(out, line)

    def inline_segments(self, inline: SyntaxTreeNode, line) -> list[Segment]:
        tokens = inline.token.children if inline.token is not None else None
        return render_inline(self, tokens or [], line)

    def inline_items_no_images(self, inline: SyntaxTreeNode, line, where: str) -> list[dict]:
        segs = self.inline_segments(inline, line)
        segs = self.images_as_text(segs, line, where)
        return to_items(segs)

    def images_as_text(self, segs: list[Segment], line, where: str) -> list[Segment]:
        out = []
        for s in segs:
            if s.kind == IMAGE:
                alt = s.content.alt
                self.degrade(
                    s.content.line or line,
                    "image",
                    f"image in {where} cannot be a block: kept its alt text {alt!r}",
                    alt,
                )
                out.append(Segment(TEXT, self.caption_text(s.content, s.content.line or line), s.flags, s.link))
            else:
                out.append(s)
        return out

    # -- helpers for bot.convert.html (which cannot import this module) ----------

    def render_html(self, nodes, i):
        return render_html_run(self, nodes, i)

    def inline_state(self, line, flags: int | None = None, link: str | None = None) -> _InlineState:
        if flags is None:
            flags, link = self.inherit
        return _InlineState(line, flags, link)

    def render_markdown(self, nodes, flags: int, link: str | None) -> list[dict]:
        saved = self.inherit
        self.inherit = (flags, link)
        try:
            return self.render_nodes(nodes)
        finally:
            self.inherit = saved

    def paragraphs(self, segs: list[Segment], line) -> list[dict]:
        return paragraph_blocks(self, segs, line)

    def resolve_href(self, href: str, line) -> str | None:
        return resolve_href(self, href, line)

    def heading_blocks(self, level: int, items: list[dict], line) -> list[dict]:
        return heading_blocks(self, level, items, line)

    def code_blocks(self, text: str, language: str, line) -> list[dict]:
        return code_blocks(self, text, language, line)

    def clip_cell(self, items: list[dict], line) -> list[dict]:
        return clip_cell(self, items, line)

    @staticmethod
    def lead_split(blocks: list[dict]) -> tuple[list[dict], list[dict]]:
        return _lead_split(blocks)

    def render_details(self, nodes, i):
        self._toggle_depth += 1
        try:
            return self._render_details(nodes, i)
        finally:
            self._toggle_depth -= 1

    def _render_details(self, nodes, i):
        node = nodes[i]
        line = self.line_of(node)
        m = _DETAILS_OPEN.match(node.content)
        summary = (m.group("summary") or "").strip()
        rest = m.group("rest")
        children: list[dict] = []
        trailing = ""
        close = re.search(r"</details\s*>", rest, re.IGNORECASE)
        j = i + 1
        if close:  # whole toggle inside one html block
            inner, trailing = rest[: close.start()], rest[close.end() :]
            if inner.strip():
                children.extend(self.sub_convert(inner, node))
        else:
            if rest.strip():
                children.extend(self.sub_convert(rest, node))
            depth = 0
            inner_nodes = []
            closed = False
            while j < len(nodes):
                nd = nodes[j]
                if nd.type == "html_block":
                    if _DETAILS_OPEN.match(nd.content):
                        depth += 1
                    else:
                        cm = _DETAILS_CLOSE.match(nd.content)
                        if cm:
                            if depth == 0:
                                trailing = cm.group("rest")
                                closed = True
                                j += 1
                                break
                            depth -= 1
                inner_nodes.append(nd)
                j += 1
            if not closed:
                self.degrade(line, "details", "<details> without </details>: toggle runs to the end of its container")
            children.extend(self.render_nodes(inner_nodes))
        if summary:
            tokens = self.md.parseInline(summary)[0].children or []
            segs = self.images_as_text(render_inline(self, tokens, line), line, "summary")
            items = to_items(segs)
        else:
            items = []
        out = self.text_blocks("toggle", items, line, {"color": "default"}, children)
        if trailing.strip():
            out.extend(self.sub_convert(trailing, node))
        return out, j

    def sub_convert(self, text: str, node: SyntaxTreeNode) -> list[dict]:
        saved = self.offset
        self.offset = (node.map[0] if node.map else 0) + self.offset
        try:
            tokens = self.parse(text)
            return self.render_nodes(build_tree(tokens))
        finally:
            self.offset = saved

    def local_image(self, src: str, line, caption: list[dict], alt_paragraph: dict) -> dict:
        base = self.opt.base_dir
        found = (
            resolve_local_image(src, Path(base), self.opt.image_roots)
            if base is not None
            else ImageRefusal("missing", "not found")
        )
        if isinstance(found, ImageRefusal):
            # A refused path is never read, and publish refuses the file (see bot.convert.assets).
            if found.refused:
                self.degrade(
                    line,
                    "image_refused",
                    f"local image {src!r} refused: {found.reason}: kept its alt text as a paragraph",
                    src,
                )
            else:
                self.degrade(line, "image", f"local image {src!r} not found: kept its alt text as a paragraph", src)
            return alt_paragraph
        p, sha = found.path, found.sha256  # hashed from the descriptor that was checked
        b = block("image", {"type": "file_upload", "file_upload": {"id": ""}, "caption": caption})
        b["bot_local_file"] = {"path": str(p), "sha256": sha, "name": p.name, "content_type": found.content_type}
        return b

    def caption_text(self, ref: ImageRef, line) -> str:
        """Alt text is the caption; a title different from it is appended (reported)."""
        title = ref.title.strip()
        if not title or title == ref.alt.strip():
            return ref.alt
        self.degrade(
            line, "image", f"image title {title!r} appended to the caption (Notion has no image titles)", title
        )
        return f"{ref.alt} — {title}" if ref.alt.strip() else title

    def image_block(self, ref: ImageRef, line, link: str | None = None) -> dict:
        line = ref.line or line
        return self.mark([self._image_block(ref, line, link)], line)[0]

    def _image_block(self, ref: ImageRef, line, link: str | None = None) -> dict:
        src = ref.src
        line = ref.line or line
        cap_text = self.caption_text(ref, line)
        if link:
            self.degrade(
                line,
                "image",
                f"link around an image ({link[:80]!r}) kept as a linked caption (Notion image blocks cannot link)",
                link,
            )
            cap_text = cap_text or link
        caption = to_items([Segment(TEXT, cap_text, 0, link)]) if cap_text else []
        if len(caption) > MAX_ITEMS:
            caption = caption[:MAX_ITEMS]
            self.degrade(line, "image", "caption truncated to 100 items")
        # when the image cannot be shown: its alt text (linked, if it was) as a paragraph
        alt_paragraph = block(
            "paragraph", {"rich_text": to_items([Segment(TEXT, ref.alt, 0, link)]), "color": "default"}
        )
        if _HTTP.match(src):
            if is_valid_link_url(src):
                return block("image", {"type": "external", "external": {"url": src}, "caption": caption})
            self.degrade(line, "image", f"image URL not usable (over {MAX_TEXT} units or invalid): kept alt text")
            return alt_paragraph
        if _SCHEME.match(src) and not _WIN_DRIVE.match(src):
            self.degrade(line, "image", f"image URL scheme not supported ({src[:40]!r}): kept alt text", src)
            return alt_paragraph
        return self.local_image(self.md.normalizeLinkText(src), line, caption, alt_paragraph)


def image_alt(tok) -> str:
    parts = []
    for c in tok.children or []:
        if c.type in ("text", "code_inline", "math_inline"):
            parts.append(c.content)
        elif c.type in ("softbreak", "hardbreak"):
            parts.append(" ")
        elif c.type == "image":
            parts.append(image_alt(c))
    return "".join(parts) if tok.children is not None else tok.content


# -- inline ------------------------------------------------------------------


def render_inline(ctx: Ctx, tokens, line) -> list[Segment]:
    """Flat inline tokens -> segments. State: [flags counters, link stack, line]."""
    st = ctx.inline_state(line)
    add = st.add
    for tok in tokens:
        if tok.type == "text":  # most tokens: no table lookup
            add(tok.content)
            continue
        fn = INLINE_RENDERERS.get(tok.type)
        if fn is None:
            ctx.degrade(st.line, tok.type, f"unsupported inline {tok.type!r}: kept as text", tok.type)
            st.add(tok.content)
        else:
            fn(ctx, tok, st)
    return st.segs


class _InlineState:
    __slots__ = ("segs", "counts", "flags", "base", "links", "line", "html")

    def __init__(self, line, flags: int = 0, link: str | None = None):
        self.segs: list[Segment] = []
        self.counts = {BOLD: 0, ITALIC: 0, STRIKE: 0, CODE: 0, UNDERLINE: 0, HIGHLIGHT: 0}
        self.flags = flags
        self.base = flags  # inherited from enclosing HTML: never closed from inside
        self.links: list[str | None] = [link] if link else []
        self.line = line
        self.html: dict | None = None  # open HTML tags of html_inline tokens (bot.convert.html)

    def add(self, text: str, extra: int = 0) -> None:
        if text:
            self.segs.append(Segment(TEXT, text, self.flags | extra, self.links[-1] if self.links else None))

    def push(self, flag: int) -> None:
        self.counts[flag] += 1
        self.flags |= flag

    def pop(self, flag: int) -> None:
        self.counts[flag] -= 1
        if self.counts[flag] <= 0:
            self.counts[flag] = 0
            self.flags = (self.flags & ~flag) | (self.base & flag)


def _i_text(ctx, tok, st):
    st.add(tok.content)


def _i_code(ctx, tok, st):
    st.add(tok.content, CODE)


def _i_softbreak(ctx, tok, st):
    st.add(" ")
    if st.line is not None:
        st.line += 1


def _i_hardbreak(ctx, tok, st):
    st.add("\n")
    if st.line is not None:
        st.line += 1


def _flag_pair(flag):
    def opener(ctx, tok, st):
        st.push(flag)

    def closer(ctx, tok, st):
        st.pop(flag)

    return opener, closer


def _i_link_open(ctx, tok, st):
    href = str(tok.attrs.get("href", ""))
    st.links.append(resolve_href(ctx, href, st.line))


def _i_link_close(ctx, tok, st):
    if st.links:
        st.links.pop()


def resolve_href(ctx: Ctx, href: str, line) -> str | None:
    if href.startswith("#"):
        ctx.degrade(line, "link", f"in-page anchor {href!r} cannot be linked in Notion: kept as plain text", href)
        return None
    if _HTTP.match(href):
        if is_valid_link_url(href):
            if ctx.link_lines is not None and line is not None:  # a link's own line (parity)
                ctx.link_lines.setdefault(href, []).append(line)
            return href
        ctx.degrade(line, "link", f"link URL over {MAX_TEXT} units or invalid: kept as plain text", href[:80])
        return None
    if _SCHEME.match(href):
        ctx.degrade(
            line, "link", f"{href.split(':', 1)[0]}: links are not accepted by Notion: kept as plain text", href
        )
        return None
    written = ctx.md.normalizeLinkText(href)
    resolver = ctx.opt.resolve_link
    url = resolver(written) if resolver else None
    if url is None:
        ctx.degrade(line, "link", f"relative link {written!r} could not be resolved: kept as plain text", written)
        return None
    if not is_valid_link_url(url):
        ctx.degrade(
            line, "link", f"resolved link {url[:80]!r} is not an absolute http(s) URL: kept as plain text", written
        )
        return None
    return url


def _i_image(ctx, tok, st):
    ref = ImageRef(tok.attrs.get("src", ""), image_alt(tok), tok.attrs.get("title") or "", st.line)
    st.segs.append(Segment(IMAGE, ref, st.flags, st.links[-1] if st.links else None))


def _i_html_inline(ctx, tok, st):
    apply_inline_html(ctx, st, tok.content)


def _i_math(ctx, tok, st):
    expr = tok.content
    if utf16_len(expr) > MAX_EXPRESSION:
        ctx.degrade(st.line, "equation", f"inline equation over {MAX_EXPRESSION} units: kept as code text")
        st.add(expr, CODE)
    else:
        st.segs.append(Segment(EQUATION, expr, st.flags, None))


def _i_footnote_ref(ctx, tok, st):
    fid = tok.meta.get("id", 0)
    n = ctx.footnote_numbers.setdefault(fid, len(ctx.footnote_numbers) + 1)
    st.add(f"[{n}]")


def _i_skip(ctx, tok, st):
    pass


_so, _sc = _flag_pair(BOLD)
_eo, _ec = _flag_pair(ITALIC)
_xo, _xc = _flag_pair(STRIKE)

INLINE_RENDERERS: dict[str, InlineRenderer] = {
    "text": _i_text,
    "code_inline": _i_code,
    "softbreak": _i_softbreak,
    "hardbreak": _i_hardbreak,
    "strong_open": _so,
    "strong_close": _sc,
    "em_open": _eo,
    "em_close": _ec,
    "s_open": _xo,
    "s_close": _xc,
    "link_open": _i_link_open,
    "link_close": _i_link_close,
    "image": _i_image,
    "html_inline": _i_html_inline,
    "math_inline": _i_math,
    "math_inline_double": _i_math,
    "footnote_ref": _i_footnote_ref,
    "footnote_anchor": _i_skip,
}


# -- blocks --------------------------------------------------------------------


def _strip_ws_segments(segs: list[Segment], leading: bool) -> None:
    """Strip whitespace at one end of a segment run (in place)."""
    rng = range(len(segs)) if leading else range(len(segs) - 1, -1, -1)
    for k in rng:
        s = segs[k]
        if s.kind != TEXT:
            return
        text = s.content.lstrip() if leading else s.content.rstrip()
        segs[k] = s._replace(content=text)
        if text:
            return


def paragraph_blocks(ctx: Ctx, segs: list[Segment], line) -> list[dict]:
    """A paragraph's segments -> paragraph blocks, split around inline images."""
    for s in segs:
        if s.kind == IMAGE:
            break
    else:  # no image (a loop: cheaper than any() over a generator, per paragraph)
        return ctx.text_blocks("paragraph", to_items(segs), line, {"color": "default"})
    out: list[dict] = []
    run: list[Segment] = []

    def flush():
        if run:
            _strip_ws_segments(run, True)
            _strip_ws_segments(run, False)
            items = to_items(run)
            if items:
                out.extend(ctx.text_blocks("paragraph", items, line, {"color": "default"}))
            run.clear()

    for s in segs:
        if s.kind == IMAGE:
            flush()
            out.append(ctx.image_block(s.content, line, s.link))
        else:
            run.append(s)
    flush()
    return out


def render_paragraph(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    inline = node.children[0].token
    if inline is not None and inline.meta and CUT in inline.meta:
        ctx.degrade(
            line,
            "paragraph_pieces",
            f"paragraph of {inline.meta[CUT]:,} characters parsed in pieces of {PIECE:,} cut at spaces "
            "(bounded memory): emphasis, a link or a code span across a cut stays literal text",
        )
    return paragraph_blocks(ctx, ctx.inline_segments(node.children[0], line), line)


def render_heading(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    level = int(node.tag[1])
    if level > 3:
        ctx.degrade(line, f"heading_{level}", f"h{level} rendered as heading_3 (only h1-h3 are emitted)")
        level = 3
    items = ctx.inline_items_no_images(node.children[0], line, "a heading")
    return ctx.text_blocks(f"heading_{level}", items, line, {"color": "default", "is_toggleable": False})


def heading_blocks(ctx: Ctx, level: int, items: list[dict], line) -> list[dict]:
    """heading_1..3 (an HTML <h4>..<h6> becomes heading_3, reported like Markdown's)."""
    if level > 3:
        ctx.degrade(line, f"heading_{level}", f"h{level} rendered as heading_3 (only h1-h3 are emitted)")
        level = 3
    return ctx.text_blocks(f"heading_{level}", items, line, {"color": "default", "is_toggleable": False})


def _lead_split(blocks: list[dict]) -> tuple[list[dict], list[dict]]:
    """First plain paragraph (no children) becomes the container's own rich text."""
    if blocks and blocks[0]["type"] == "paragraph" and "children" not in blocks[0]["paragraph"]:
        return blocks[0]["paragraph"]["rich_text"], blocks[1:]
    return [], blocks


def render_blockquote(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    items, children = _lead_split(ctx.render_nodes(node.children))
    return ctx.text_blocks("quote", items, line, {"color": "default"}, children)


def render_alert(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    kind = str(node.meta.get("kind", "NOTE")).upper()
    emoji, color = ALERTS.get(kind, ALERTS["NOTE"])
    content = [c for c in node.children if c.type != "alert_title"]
    items, children = _lead_split(ctx.render_nodes(content))
    return ctx.text_blocks(
        "callout", items, line, {"icon": {"type": "emoji", "emoji": emoji}, "color": color}, children
    )


def render_list(ctx: Ctx, node) -> list[dict]:
    ordered = node.type == "ordered_list"
    if ordered:
        start = int(node.attrs.get("start", 1) or 1)
        if start != 1:
            ctx.degrade(
                ctx.line_of(node),
                "numbered_list_start",
                f"list starts at {start}: Notion numbers from 1 (start number lost)",
            )
    out: list[dict] = []
    for item in node.children:
        line = ctx.line_of(item)
        items, children = _lead_split(ctx.render_nodes(item.children))
        checked = item.meta.get("checked") if item.meta else None
        if checked is not None:
            out.extend(ctx.text_blocks("to_do", items, line, {"checked": bool(checked), "color": "default"}, children))
        else:
            bt = "numbered_list_item" if ordered else "bulleted_list_item"
            out.extend(ctx.text_blocks(bt, items, line, {"color": "default"}, children))
    return out


def code_blocks(ctx: Ctx, text: str, language: str, line) -> list[dict]:
    items = [text_item(p) for p in split_text(text)] if text else []
    chunks = chunk_items(items)
    if len(chunks) > 1:
        ctx.degrade(line, "code", f"code over {MAX_ITEMS} rich text items: split into {len(chunks)} code blocks")
    return ctx.mark([block("code", {"rich_text": ch, "language": language, "caption": []}) for ch in chunks], line)


def render_fence(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    info = node.info or ""
    lang, exact = map_language(info)
    if not exact:
        ctx.degrade(
            line, "code_language", f"unknown code language {info.split()[0]!r}: using 'plain text'", info.split()[0]
        )
    text = node.content[:-1] if node.content.endswith("\n") else node.content
    return code_blocks(ctx, text, lang, line)


def render_code_block(ctx: Ctx, node) -> list[dict]:
    text = node.content[:-1] if node.content.endswith("\n") else node.content
    return code_blocks(ctx, text, "plain text", ctx.line_of(node))


def render_math_block(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    expr = node.content.strip()
    if utf16_len(expr) > MAX_EXPRESSION:
        ctx.degrade(line, "equation", f"equation over {MAX_EXPRESSION} units: emitted as a latex code block")
        return code_blocks(ctx, expr, "latex", line)
    return ctx.mark([block("equation", {"expression": expr})], line)


def render_hr(ctx: Ctx, node) -> list[dict]:
    return [block("divider", {})]


def render_html_block(ctx: Ctx, node) -> list[dict]:
    # Ctx.render_nodes sends html_block runs to bot.convert.html directly (an element
    # left open spans the following siblings); this entry serves a lone node.
    return render_html_run(ctx, [node], 0)[0]


def _cell_items(ctx: Ctx, cell, line) -> list[dict]:
    items = ctx.inline_items_no_images(cell.children[0], line, "a table cell") if cell.children else []
    return clip_cell(ctx, items, line)


def clip_cell(ctx: Ctx, items: list[dict], line) -> list[dict]:
    """A table cell holds one rich text of ≤ 100 items: the tail is joined as plain text."""
    if len(items) > MAX_ITEMS:
        ctx.degrade(line, "rich_text_items", f"table cell with {len(items)} items: formatting of the tail dropped")
        head = items[: MAX_ITEMS - 1]
        tail = "".join(
            i["text"]["content"] if i["type"] == "text" else i["equation"]["expression"] for i in items[MAX_ITEMS - 1 :]
        )
        pieces = split_text(tail)
        room = MAX_ITEMS - len(head)
        if len(pieces) > room:
            ctx.degrade(line, "rich_text_items", "table cell text truncated (over 100 items of 2000 units)")
            pieces = pieces[:room]
        items = head + [text_item(p) for p in pieces]
    return items


def render_table(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    rows = []
    aligned = False
    for section in node.children:
        for tr in section.children:
            rline = ctx.line_of(tr) or line
            cells = []
            for cell in tr.children:
                style = cell.attrs.get("style") if cell.attrs else None
                if style:
                    aligned = True
                cells.append(_cell_items(ctx, cell, rline))
            rows.append(cells)
    width = len(rows[0]) if rows else 0
    if aligned:
        ctx.degrade(line, "table_alignment", "column alignment cannot be represented in Notion: dropped")
    children = []
    for cells in rows:
        cells = (cells + [[] for _ in range(width)])[:width]
        children.append(block("table_row", {"cells": cells}))
    return ctx.mark(
        [
            block(
                "table",
                {"table_width": width, "has_column_header": True, "has_row_header": False, "children": children},
            )
        ],
        line,
    )


def render_footnote_block(ctx: Ctx, node) -> list[dict]:
    # Order definitions like the references ("[n]"), unreferenced ones last.
    foots = [c for c in node.children if c.type == "footnote"]

    def key(f):
        fid = f.meta.get("id", 0)
        return ctx.footnote_numbers.get(fid, 10**9 + fid)

    foots.sort(key=key)
    title = ctx.opt.footnotes_heading
    out = [
        block(
            "heading_3",
            {"rich_text": to_items([Segment(TEXT, title, 0, None)]), "color": "default", "is_toggleable": False},
        )
    ]

    def line_of(f):
        return ctx.line_of(f) or (ctx.line_of(f.children[0]) if f.children else None)

    ctx.mark(out, line_of(foots[0]) if foots else None)
    for f in foots:
        line = line_of(f)
        ctx.degrade(line, "footnote", f"footnote [^{f.meta.get('label', '')}] moved to a final {title!r} section")
        items, children = _lead_split(ctx.render_nodes(f.children))
        out.extend(ctx.text_blocks("numbered_list_item", items, line, {"color": "default"}, children))
    return out


def render_front_matter(ctx: Ctx, node) -> list[dict]:
    return []


def render_unknown(ctx: Ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    ctx.degrade(line, node.type, f"unsupported construct {node.type!r}: kept as text", node.type)
    if node.children:
        return ctx.render_nodes(node.children)
    return ctx.text_blocks("paragraph", to_items([Segment(TEXT, node.content, 0, None)]), line, {"color": "default"})


# markdown-it node type -> renderer: the block kinds' readers (bot/convert/kinds fills the registry's
# table) plus the structural nodes below, which make no block kind of their own.
BLOCK_RENDERERS: dict[str, BlockRenderer] = MARKDOWN_NODES
BLOCK_RENDERERS.update(
    {
        "html_block": render_html_block,
        "footnote_block": render_footnote_block,
        "front_matter": render_front_matter,
    }
)


class gc_paused:  # noqa: N801 - used as a function: `with gc_paused():`
    """Pause the cyclic GC while building large acyclic structures.

    Parsing and conversion allocate millions of small dicts/lists/tokens and no
    reference cycles; generation-0 collections triggered by those allocations
    otherwise cost 25-35% of the run time. Reference counting still frees
    everything, and the previous GC state is restored afterwards.

    Pausing alone only defers the cost for what survives (the result): the
    next allocations after the pause trigger a collection that walks every
    object made during it, and later ones walk them again as they are promoted
    (`bot convert` on 1 MB spent ~40% of the conversion time there). With
    freeze_survivors, the survivors go to the permanent generation (gc.freeze)
    instead, and the previous freeze is undone (gc.unfreeze) when the next
    pause starts, so nothing stays out of the collector's reach for longer
    than until the next conversion.

    A class rather than a @contextmanager generator: BlockStream pauses once per
    top-level block, and this costs a fraction of a generator-based one.
    """

    __slots__ = ("freeze_survivors", "was_enabled")

    def __init__(self, freeze_survivors: bool = False) -> None:
        self.freeze_survivors = freeze_survivors
        self.was_enabled = False

    def __enter__(self) -> None:
        self.was_enabled = gc.isenabled()
        if self.freeze_survivors:
            gc.unfreeze()
        gc.disable()

    def __exit__(self, *exc) -> None:
        if self.freeze_survivors:
            gc.freeze()
        if self.was_enabled:
            gc.enable()


class BlockStream:
    """The top-level blocks of a Markdown body, converted as they are read.

    Iterating yields each top-level block (children included) as soon as it is built, and
    the markdown-it tokens behind it are freed as it goes (see blockstream): a caller that
    writes each block out and drops it (`bot convert`) holds the source, the block pass's
    tokens and one block's output at a time, whatever the document's size. `report` is
    complete once the iteration has ended. A stream is read once.
    `tokens`: the body already parsed by `get_parser()` (shared with validation: one parse).
    `observe`: called with each top-level block's parsed tokens before they are rendered (and
    freed): for a caller that reads the tokens too (bot validate's links and headings).
    """

    def __init__(
        self,
        text: str,
        options: ConvertOptions | None = None,
        *,
        tokens: list | None = None,
        observe: Callable[[list], None] | None = None,
    ) -> None:
        self._ctx = Ctx(options or ConvertOptions())
        self._text: str | None = text
        self._tokens = tokens
        self._observe = observe
        self._read = False

    @property
    def report(self) -> list[Degradation]:
        return self._ctx.report

    def __iter__(self) -> Iterator[dict]:
        if self._read:
            raise RuntimeError("a BlockStream is read once")
        self._read = True
        return self._blocks()

    def with_lines(self) -> Iterator[tuple[int | None, dict]]:
        """(source line of the top-level construct it comes from, top-level block), read once."""
        if self._read:
            raise RuntimeError("a BlockStream is read once")
        self._read = True
        for line, blocks in self._runs():
            for block in blocks:
                yield line, block

    def _blocks(self) -> Iterator[dict]:
        for _, blocks in self._runs():
            yield from blocks

    def _runs(self) -> Iterator[tuple[int | None, list[dict]]]:
        steps = self._rendered_runs()
        while True:
            # The GC is paused while a block is built (millions of acyclic allocations),
            # not while the caller holds it.
            with gc_paused():
                run = next(steps, None)
            if run is None:
                return
            yield run

    def _rendered_runs(self) -> Iterator[tuple[int | None, list[dict]]]:
        ctx = self._ctx
        text, tokens = self._text, self._tokens
        self._text = self._tokens = None
        chunks = [tokens] if tokens is not None else iter_block_tokens(ctx.md, text)
        if self._observe is not None:
            chunks = _observed(chunks, self._observe)
        nodes = (node for toks in chunks for node in build_tree(ctx.report_flattened(toks)))
        del text, tokens
        # HTML runs (<details>, <div> ...) consume the siblings their elements enclose:
        # the siblings are read ahead only as far as the renderer asks.
        siblings = LazySiblings(nodes)
        del nodes
        i = 0
        while i < len(siblings):
            line = ctx.line_of(siblings[i])
            rendered, i = ctx.render_at(siblings, i)
            siblings.forget_before(i)
            if ctx.nested_kinds:  # a reader made a kind that may not nest (registry: `nested`)
                for b in rendered:
                    _unnest_below(ctx, b)
            yield line, rendered


def _observed(chunks: Iterable[list], observe: Callable[[list], None]) -> Iterator[list]:
    for tokens in chunks:
        observe(tokens)
        yield tokens


def _unnest_below(ctx: Ctx, block: dict) -> None:
    """Replace the descendants of `block` whose kind may not nest by what their record makes of them."""
    body = block.get(block["type"])
    kids = body.get("children") if isinstance(body, dict) else None
    if not kids:
        return
    out: list[dict] = []
    for kid in kids:
        _unnest_below(ctx, kid)
        fix = NESTED.get(kid["type"]) if kid["type"] in ctx.nested_kinds else None
        out.extend(fix(ctx, kid) if fix is not None else (kid,))
    body["children"] = out


def convert_markdown(text: str, options: ConvertOptions | None = None, *, tokens: list | None = None) -> Conversion:
    """Convert a Markdown body (optionally preceded by YAML front matter) to blocks.
    `tokens`: the body already parsed by `get_parser()` (shared with validation: one parse).

    The whole result at once: BlockStream's blocks in a list. Without `tokens`, a block's
    markdown-it tokens are freed once its Notion blocks are built, which keeps memory near
    the output's size; a caller that can use the blocks one at a time should read a
    BlockStream instead, and hold none of it.
    """
    stream = BlockStream(text, options, tokens=tokens)
    del tokens
    with gc_paused(freeze_survivors=True):
        blocks = list(stream)
    return Conversion(blocks=blocks, report=stream.report)
