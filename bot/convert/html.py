"""Raw HTML inside Markdown -> Notion blocks, annotations and links.

markdown-it hands raw HTML over in two shapes:

- ``html_inline`` tokens inside a paragraph: one tag (or comment) each. They are read with
  the standard library's ``html.parser`` and applied to the paragraph's inline state
  (``<b>`` opens bold, ``</b>`` closes it, ``<a href>`` opens a link, ``<img>`` adds an image).
- ``html_block`` nodes: raw HTML lines. As CommonMark defines, their text is *not* Markdown,
  but an element left open in one HTML block runs on over the Markdown blocks that follow
  (``<div align="center">``, blank line, Markdown, blank line, ``</div>``). render_html_run
  therefore builds one small element tree from consecutive sibling nodes, holding HTML text,
  elements and the Markdown nodes in between, until every element is closed again.

The mapping (docs/conversion.md, "Raw HTML" table) lives in the lookup tables below. Everything that
Notion cannot show exactly is reported through ctx.degrade with a line number; the tag as
written (e.g. ``<abbr``) is the Degradation subject.

The block kinds' HTML readers (bot/convert/kinds, `(flow, element)`) and this module use only
Ctx's public helpers (duck typed) so that md_to_blocks can import this module without a cycle;
the element tree itself is bot/convert/html_tree.py.
"""

from __future__ import annotations

import re
from typing import Callable

from .html_tree import VOID, Element, Event, Text, TreeBuilder, iter_leaves, tag_as_written
from .html_tree import html_events  # noqa: F401 - where bot.editor.validate reads it
from .kinds.text import paragraph_blocks
from .registry import HTML_CLASSES, HTML_TAGS
from .richtext import (
    BOLD,
    CODE,
    HIGHLIGHT,
    IMAGE,
    ITALIC,
    STRIKE,
    TEXT,
    UNDERLINE,
    ImageRef,
    Segment,
    equation_item,
    text_item,
)

# Inline elements -> annotation flag (0: the text stays plain).
INLINE_FLAGS = {
    "b": BOLD,
    "strong": BOLD,
    "i": ITALIC,
    "em": ITALIC,
    "u": UNDERLINE,
    "ins": UNDERLINE,
    "s": STRIKE,
    "del": STRIKE,
    "strike": STRIKE,
    "code": CODE,
    "tt": CODE,
    "kbd": CODE,
    "samp": CODE,
    "mark": HIGHLIGHT,
    "span": 0,
    "sup": 0,
    "sub": 0,
    "wbr": 0,
}
# ... and the ones that are only approximated (reported).
INLINE_REPORTS = {
    "kbd": "<kbd> (keyboard key) has no Notion annotation: shown as inline code",
    "samp": "<samp> (sample output) has no Notion annotation: shown as inline code",
    "sup": "<sup> (superscript) has no Notion annotation: kept as plain text",
    "sub": "<sub> (subscript) has no Notion annotation: kept as plain text",
}

_WS = re.compile(r"[ \t\n\r\f]+")


# --------------------------------------------------------------------------- inline tags
def _html_open(st) -> dict:
    if st.html is None:
        st.html = {}
    return st.html


def open_inline(ctx, st, ev: Event, construct: str) -> None:
    """Apply one start tag to an inline state (a paragraph or an HTML run)."""
    tag, line = ev.tag, st.line
    special = SPECIAL_INLINE.get(tag)
    if special is not None:
        special(ctx, st, ev, construct)
    elif tag in INLINE_FLAGS:
        flag = INLINE_FLAGS[tag]
        if flag:
            st.push(flag)
        if tag in INLINE_REPORTS:
            ctx.degrade(line, construct, INLINE_REPORTS[tag], tag_as_written(ev))
    elif tag in BLOCK_TAGS:
        ctx.degrade(
            line, construct, f"block element <{tag}> inside a paragraph: tag dropped, text kept", tag_as_written(ev)
        )
    else:
        written = tag_as_written(ev)
        ctx.degrade(line, construct, f"{written}> has no Notion equivalent: tag dropped, text kept", written)
    if tag not in VOID and not ev.closed:
        opened = _html_open(st)
        opened[tag] = opened.get(tag, 0) + 1


def close_inline(ctx, st, tag: str) -> None:
    """Apply one end tag; an end tag without its start tag is ignored (as browsers do)."""
    opened = st.html
    if not opened or not opened.get(tag):
        return
    opened[tag] -= 1
    flag = INLINE_FLAGS.get(tag)
    if flag:
        st.pop(flag)
    elif tag == "a":
        st.links.pop()
    elif tag == "picture":
        _close_picture(ctx, st)


def _open_a(ctx, st, ev, construct):
    href = ev.attrs.get("href")
    current = st.links[-1] if st.links else None
    # <a name="x"> (no href) is an anchor, not a link: the text keeps any outer link
    st.links.append(ctx.resolve_href(href, st.line) if href else current)


def _open_br(ctx, st, ev, construct):
    st.add("\n")


def _open_img(ctx, st, ev, construct):
    attrs = ev.attrs
    picture = (st.html or {}).get("#picture")
    if picture is not None:
        picture["img"] = True
    add_image(ctx, st, attrs.get("src", ""), attrs.get("alt", ""), attrs.get("title", ""), construct)


def add_image(ctx, st, src: str, alt: str, title: str, construct: str) -> None:
    if not src.strip():
        ctx.degrade(st.line, construct, "<img> without src: kept its alt text", "<img")
        st.add(alt)
        return
    ref = ImageRef(ctx.md.normalizeLink(src.strip()), alt, title, st.line)
    st.segs.append(Segment(IMAGE, ref, st.flags, st.links[-1] if st.links else None))


def _open_picture(ctx, st, ev, construct):
    _html_open(st)["#picture"] = {"sources": [], "img": False, "construct": construct}


def _open_source(ctx, st, ev, construct):
    picture = (st.html or {}).get("#picture")
    if picture is None:
        return  # <source> of <video>/<audio>: their fallback text is kept
    srcset = ev.attrs.get("srcset") or ev.attrs.get("src") or ""
    first = srcset.split(",")[0].split()
    if first:
        picture["sources"].append(first[0])


def _close_picture(ctx, st):
    picture = st.html.pop("#picture", None)
    if picture and not picture["img"] and picture["sources"]:
        # a <picture> without its <img> fallback: the first <source> is the image
        add_image(ctx, st, picture["sources"][0], "", "", picture["construct"])


SPECIAL_INLINE: dict[str, Callable[..., None]] = {
    "a": _open_a,
    "br": _open_br,
    "img": _open_img,
    "picture": _open_picture,
    "source": _open_source,
}


def apply_inline_html(ctx, st, content: str) -> None:
    """One html_inline token (a tag, a comment, ...) inside a Markdown paragraph."""
    for ev in html_events(content):
        if ev.kind == "start":
            open_inline(ctx, st, ev, "html_inline")
        elif ev.kind == "end":
            close_inline(ctx, st, ev.tag)
        elif ev.kind == "comment":
            ctx.degrade(st.line, "html_inline", "HTML comment dropped")
        elif ev.kind == "text":
            st.add(ev.data)
        else:
            ctx.degrade(st.line, "html_inline", f"HTML declaration {ev.data[:40]!r} dropped", ev.data[:40])


# An HTML block that is one comment and nothing else (354 of the 359 HTML blocks of the Node.js
# docs in benchmarks/corpus: `<!-- YAML … -->`): dropped (reported) without the tokenizer. A body
# without "--" ends at the final "-->" in every Python's html.parser; `<!-->` and `<!--->` are
# left to it, and so is any other white space around it than the element tree ignores (_WS).
def is_lone_comment(html_block: str) -> bool:
    s = html_block.lstrip(" \t").rstrip(" \t\n\r\f")
    if len(s) < 7 or not s.startswith("<!--") or not s.endswith("-->"):
        return False
    body = s[4:-3]
    return "--" not in body and not body.startswith((">", "->"))


def render_html_run(ctx, nodes: list, i: int) -> tuple[list[dict], int]:
    """Render nodes[i] (an html_block) and the siblings its open elements enclose.

    Returns the blocks and the index of the first node not consumed. A run read from
    LazySiblings (a top-level one) lets go of each node once it is in the element tree: an
    html_block's tokens are not needed once fed, and a Markdown node lives on in the tree.
    """
    if is_lone_comment(nodes[i].content):  # what the tree would give: no block, one report
        ctx.degrade(ctx.line_of(nodes[i]), "html_block", "HTML comment dropped")
        return [], i + 1
    builder = TreeBuilder(ctx)
    first_line = ctx.line_of(nodes[i])
    forget = getattr(nodes, "forget_before", None)
    j = i
    while j < len(nodes):
        node = nodes[j]
        if node.type == "html_block":
            builder.feed(node.content, ctx.line_of(node))
        else:
            builder.add_node(node)
        del node
        j += 1
        if forget is not None:
            forget(j)
        if not builder.open:
            break
    builder.finish()
    flow = Flow(ctx, first_line)
    flow.walk(builder.root.children)
    return flow.blocks(), j


MAX_HTML_DEPTH = 20  # nested HTML elements rendered as blocks/annotations; deeper ones become text


# --------------------------------------------------------------------------- block flow
class Flow:
    """Block-context rendering of an element's children: runs of inline content become
    paragraphs (split around images), block elements and Markdown nodes their blocks."""

    def __init__(self, ctx, line, flags: int | None = None, link: str | None = None):
        self.ctx = ctx
        self.out: list[dict] = []
        self.st = ctx.inline_state(line, flags, link)
        self.run_line: int | None = None
        self.list_kind: str | None = None  # set by <ul>/<ol> for their <li>

    def sub(self, line) -> Flow:
        """A flow for an element's own content, inheriting the open annotations and link."""
        return Flow(self.ctx, line, self.st.flags, self.st.links[-1] if self.st.links else None)

    def walk(self, children: list) -> None:
        for child in children:
            if isinstance(child, Text):
                self.text(child)
            elif isinstance(child, Element):
                self.element(child)
            else:
                self.markdown(child)

    def text(self, t: Text) -> None:
        data = _WS.sub(" ", t.data)
        if data.startswith(" ") and self._at_line_start():
            data = data[1:]
        if data:
            self._mark(t.line)
            self.st.add(data)

    def _at_line_start(self) -> bool:
        segs = self.st.segs
        if not segs or segs[-1].kind != TEXT:
            return True
        last = segs[-1].content
        return not last or last[-1] in " \n"

    def _mark(self, line) -> None:
        if line is not None:
            self.st.line = line
        if self.run_line is None:
            self.run_line = self.st.line

    def element(self, el: Element) -> None:
        if self.ctx.html_depth >= MAX_HTML_DEPTH:
            return self.flattened(el)
        self.ctx.html_depth += 1
        try:
            self._element(el)
        finally:
            self.ctx.html_depth -= 1

    def flattened(self, el: Element) -> None:
        """Deeper than MAX_HTML_DEPTH: the element's words as text at this level (no recursion)."""
        self.ctx.degrade(
            el.line,
            "nesting",
            f"HTML nested deeper than {MAX_HTML_DEPTH} elements: the rest kept as text at the deepest level",
        )
        for item in iter_leaves(el):
            if isinstance(item, Text):
                self.text(item)
            elif not isinstance(item, Element):
                self.markdown(item)

    def _element(self, el: Element) -> None:
        render = BLOCK_TAGS.get(el.tag)
        if HTML_CLASSES and "class" in el.attrs:  # a kind recognised by its class (<div class="columns">)
            for c in el.attrs["class"].split():
                render = HTML_CLASSES.get((el.tag, c), render)
        self._mark(el.line)
        if render is not None:
            self.flush()
            render(self, el)
            return
        open_inline(self.ctx, self.st, Event("start", el.tag, el.attrs, el.written, 0, False), "html_block")
        self.walk(el.children)
        close_inline(self.ctx, self.st, el.tag)

    def markdown(self, node) -> None:
        self.flush()
        link = self.st.links[-1] if self.st.links else None
        self.out.extend(self.ctx.render_markdown([node], self.st.flags, link))

    def flush(self) -> None:
        segs = self.st.segs
        if segs:
            self.st.segs = []
            segs = strip_ws(segs)
            if segs:
                self.out.extend(paragraph_blocks(self.ctx, segs, self.run_line))
        self.run_line = None

    def blocks(self) -> list[dict]:
        self.flush()
        return self.out

    def render_children(self, el: Element) -> list[dict]:
        sub = self.sub(el.line)
        sub.walk(el.children)
        return sub.blocks()

    def report_align(self, el: Element) -> None:
        align = el.attrs.get("align")
        if align:
            self.ctx.degrade(
                el.line,
                "html_block",
                f"<{el.tag} align={align!r}>: Notion blocks have no alignment (dropped)",
                el.written,
            )

    def inline_items(self, el: Element, where: str) -> list[dict]:
        """An element's content as one rich text (headings, cells, summaries)."""
        return flatten(self.ctx, self.render_children(el), el.line, where)


def strip_ws(segs: list[Segment]) -> list[Segment]:
    """Drop whitespace at both ends of a run of segments (HTML whitespace is not content)."""
    segs = list(segs)
    for leading in (True, False):
        rng = range(len(segs)) if leading else range(len(segs) - 1, -1, -1)
        for k in rng:
            s = segs[k]
            if s.kind != TEXT:
                break
            text = s.content.lstrip(" ") if leading else s.content.rstrip(" ")
            segs[k] = s._replace(content=text)
            if text:
                break
    return [s for s in segs if s.kind != TEXT or s.content]


def flatten(ctx, blocks: list[dict], line, where: str) -> list[dict]:
    """Blocks -> one rich text: paragraphs joined by line breaks, images by their caption."""
    items: list[dict] = []
    for b in blocks:
        btype = b["type"]
        body = b[btype]
        if btype == "image":
            ctx.degrade(line, "image", f"image in {where} cannot be a block: kept its caption as text")
            rich = body.get("caption", [])
        elif btype == "table_row":
            rich = []
            for k, cell in enumerate(body.get("cells", [])):
                rich.extend(([text_item(" | ")] if k else []) + cell)
        else:
            if btype != "paragraph":
                ctx.degrade(line, "html_block", f"{btype} inside {where}: kept as text")
            rich = body.get("rich_text") or ([equation_item(body["expression"])] if btype == "equation" else [])
        if items and rich:
            items.append(text_item("\n"))
        items.extend(rich)
        kids = body.get("children")
        if kids:
            inner = flatten(ctx, kids, line, where)
            if items and inner:
                items.append(text_item("\n"))
            items.extend(inner)
    return items


# --------------------------------------------------------------------------- block tags
def _wrapper(flow: Flow, el: Element) -> None:
    flow.report_align(el)
    flow.walk(el.children)
    flow.flush()


def _dropped(flow: Flow, el: Element) -> None:
    flow.ctx.degrade(el.line, "html_block", f"<{el.tag}> is not visible content: dropped with its content", el.written)


WRAPPERS = (
    "p div center section article header footer main nav aside figure figcaption address "
    "hgroup summary noscript dl dt dd"
).split()
# tag -> renderer: the block kinds' HTML readers (their records in bot/convert/kinds: h1-h6,
# blockquote, ul/ol/li, table and its parts, details, hr, pre) plus the structural tags here,
# which make no block kind of their own.
BLOCK_TAGS: dict[str, Callable[[Flow, Element], None]] = HTML_TAGS
BLOCK_TAGS.update(
    {
        **{tag: _wrapper for tag in WRAPPERS},
        **{tag: _dropped for tag in ("script", "style", "template", "head", "title", "meta", "link")},
    }
)
