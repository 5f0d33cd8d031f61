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

The mapping (README "Raw HTML" table) lives in the lookup tables below. Everything that
Notion cannot show exactly is reported through ctx.degrade with a line number; the tag as
written (e.g. ``<abbr``) is the Degradation subject.

The renderers here only use Ctx's public helpers (duck typed) so that md_to_blocks can
import this module without a cycle.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any, Callable, Iterator, NamedTuple

from .languages import map_language
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

# Elements that never have content (HTML "void elements").
VOID = frozenset("area base br col embed hr img input link meta param source track wbr".split())
# Elements whose end tag may be omitted: left open at the end of a run without a report.
OPTIONAL_END = frozenset("p li dt dd tr td th thead tbody tfoot caption colgroup option".split())
# Start tags that close an open <p> (HTML's implied end of a paragraph).
CLOSES_P = frozenset(
    "address article aside blockquote center details div dl fieldset figcaption figure "
    "footer form h1 h2 h3 h4 h5 h6 header hr main nav ol p pre section table ul".split()
)
# tag -> (tags it closes when open, tags that stop the search): <li> ends an open <li> of the same list...
IMPLIED_END = {
    "li": (frozenset({"li"}), frozenset({"ul", "ol"})),
    "dt": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "dd": (frozenset({"dt", "dd"}), frozenset({"dl"})),
    "tr": (frozenset({"tr", "td", "th"}), frozenset({"table", "thead", "tbody", "tfoot"})),
    "td": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "th": (frozenset({"td", "th"}), frozenset({"tr", "table"})),
    "thead": (frozenset({"thead", "tbody", "tr", "td", "th"}), frozenset({"table"})),
    "tbody": (frozenset({"thead", "tbody", "tr", "td", "th"}), frozenset({"table"})),
    "tfoot": (frozenset({"thead", "tbody", "tr", "td", "th"}), frozenset({"table"})),
}

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
_TAG_AS_WRITTEN = re.compile(r"<[^\s/>]+")


# --------------------------------------------------------------------------- tokenizing
class Event(NamedTuple):
    kind: str  # "start", "end", "text", "comment", "other"
    tag: str  # lower case ("" for text / comment / other)
    attrs: dict[str, str]
    data: str  # text, comment text, or the start tag as written
    line: int  # 1-based line within the parsed text
    closed: bool  # <x/> (a start tag that is also its own end)


_NO_ATTRS: dict[str, str] = {}  # shared by the events and elements of tags without attributes (read only)
_WRITTEN: dict[str, str] = {}  # tag names and start tags as written, one copy each (`<pre>` x 200,000: one string)


def _written(text: str | None) -> str:
    if not text:
        return ""
    if len(text) > 64:
        return text
    return _WRITTEN.setdefault(text, text) if len(_WRITTEN) < 4096 else text


class _Tokenizer(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.events: list[Event] = []

    def _add(self, kind: str, tag: str = "", attrs=None, data: str = "", closed: bool = False) -> None:
        tag = _written(tag)  # html.parser lower-cases each tag name into a new string
        self.events.append(Event(kind, tag, attrs or _NO_ATTRS, data, self.getpos()[0], closed))

    def handle_starttag(self, tag, attrs):
        self._add("start", tag, {k: v or "" for k, v in attrs}, _written(self.get_starttag_text()))

    def handle_startendtag(self, tag, attrs):
        self._add("start", tag, {k: v or "" for k, v in attrs}, _written(self.get_starttag_text()), True)

    def handle_endtag(self, tag):
        self._add("end", tag)

    def handle_data(self, data):
        self._add("text", data=data)

    def handle_comment(self, data):
        self._add("comment", data=data)

    def handle_decl(self, decl):
        self._add("other", data=f"<!{decl}>")

    def handle_pi(self, data):
        self._add("other", data=f"<?{data}>")

    def unknown_decl(self, data):
        self._add("other", data=f"<![{data}]>")


def html_events(text: str) -> list[Event]:
    tokenizer = _Tokenizer()
    tokenizer.feed(text)
    tokenizer.close()
    return tokenizer.events


# A longer HTML text is tokenized this many characters at a time (cut before a "<"), its events
# handed out slice by slice: `<pre>` x 200,000 on one line made 200,000 events at once.
HTML_SLICE = 65_536


def iter_html_events(text: str) -> Iterator[Event]:
    """html_events(text), the same events, read a slice at a time. html.parser is made to be fed
    in parts; each cut is just before a "<", where a text run ends anyway."""
    if len(text) <= HTML_SLICE:
        yield from html_events(text)
        return
    tokenizer = _Tokenizer()
    start, n = 0, len(text)
    while start < n:
        end = n if n - start <= HTML_SLICE else text.rfind("<", start + 1, start + HTML_SLICE)
        if end <= start:  # no "<" in the window: cut inside the text run at the next one
            found = text.find("<", start + HTML_SLICE)
            end = n if found < 0 else found
        tokenizer.feed(text[start:end])
        start = end
        if start >= n:
            tokenizer.close()
        yield from tokenizer.events
        tokenizer.events = []


def tag_as_written(event: Event) -> str:
    """`<ImagePreview` for `<ImagePreview src=…>`: html.parser lower-cases tag names."""
    m = _TAG_AS_WRITTEN.match(event.data)
    return _written(m.group() if m else f"<{event.tag}")


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
    elif tag in BLOCK_TAGS or tag in TABLE_PARTS:
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


# --------------------------------------------------------------------------- element tree
class Text(NamedTuple):
    data: str
    line: int | None


class Element:
    __slots__ = ("tag", "attrs", "children", "line", "written")

    def __init__(self, tag: str, attrs: dict[str, str], line: int | None, written: str):
        self.tag = tag
        self.attrs = attrs
        self.children: list[Any] = []  # Text | Element | a Markdown block node
        self.line = line
        self.written = written  # "<ImagePreview" (tag as written, for reports)


class TreeBuilder:
    """Elements of consecutive HTML blocks, with the Markdown nodes between them as children."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.root = Element("#root", {}, None, "")
        self.stack = [self.root]
        # tag -> stack indices of its open elements, innermost last: an end tag (or an implied
        # end) finds its element without walking the stack, so stray end tags under deep open
        # elements cost O(1) each, not O(depth) (`<div></x>` x 40,000 took 36 s).
        self.where: dict[str, list[int]] = {}

    @property
    def open(self) -> bool:
        return len(self.stack) > 1

    def add_node(self, node) -> None:
        self.stack[-1].children.append(node)

    def feed(self, text: str, first_line: int | None) -> None:
        for ev in iter_html_events(text):
            line = first_line + ev.line - 1 if first_line is not None else None
            if ev.kind == "start":
                self.start(ev, line)
            elif ev.kind == "end":
                self.end(ev.tag)
            elif ev.kind == "text":
                self.stack[-1].children.append(Text(ev.data, line))
            elif ev.kind == "comment":
                self.ctx.degrade(line, "html_block", "HTML comment dropped")
            else:
                self.ctx.degrade(line, "html_block", f"HTML declaration {ev.data[:40]!r} dropped", ev.data[:40])

    def _innermost(self, tags: frozenset) -> int:
        """Stack index of the innermost open element among `tags` (0: none)."""
        where = self.where
        return max((where[t][-1] for t in tags if where.get(t)), default=0)

    def _close_from(self, k: int) -> None:
        """Close stack[k:] (k >= 1)."""
        stack, where = self.stack, self.where
        while len(stack) > k:
            where[stack.pop().tag].pop()

    def start(self, ev: Event, line) -> None:
        tag = ev.tag
        if tag in CLOSES_P:
            while self.stack[-1].tag == "p":
                self._close_from(len(self.stack) - 1)
        implied = IMPLIED_END.get(tag)
        if implied:
            self._close_implied(*implied)
        el = Element(tag, ev.attrs, line, tag_as_written(ev))
        self.stack[-1].children.append(el)
        if tag not in VOID and not ev.closed:
            self.where.setdefault(tag, []).append(len(self.stack))
            self.stack.append(el)

    def _close_implied(self, closes: frozenset, boundary: frozenset) -> None:
        k = self._innermost(closes)
        if k and k > self._innermost(boundary):
            self._close_from(k)

    def end(self, tag: str) -> None:
        found = self.where.get(tag)
        if found:
            self._close_from(found[-1])
        # an end tag without a start tag is ignored, as browsers do

    def finish(self) -> None:
        for el in self.stack[1:]:
            if el.tag == "details":
                self.ctx.degrade(
                    el.line, "details", "<details> without </details>: toggle runs to the end of its container"
                )
            elif el.tag not in OPTIONAL_END:
                self.ctx.degrade(el.line, "html_block", _unclosed_message(el.tag), el.written)
        self._close_from(1)


_UNCLOSED: dict[str, str] = {}


def _unclosed_message(tag: str) -> str:
    """One string per tag: a run of 100,000 unclosed `<div>`s reports each, with the same text."""
    message = _UNCLOSED.get(tag)
    if message is None:
        message = f"<{tag}> without </{tag}>: runs to the end of its container"
        if len(_UNCLOSED) < 1024:
            _UNCLOSED[tag] = message
    return message


def render_html_run(ctx, nodes: list, i: int) -> tuple[list[dict], int]:
    """Render nodes[i] (an html_block) and the siblings its open elements enclose.

    Returns the blocks and the index of the first node not consumed. A run read from
    LazySiblings (a top-level one) lets go of each node once it is in the element tree: an
    html_block's tokens are not needed once fed, and a Markdown node lives on in the tree.
    """
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


def iter_leaves(el):
    """Text and Markdown nodes under `el`, in document order, without recursion."""
    stack = [iter(el.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif isinstance(child, Element):
            stack.append(iter(child.children))
        else:
            yield child


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
                self.out.extend(self.ctx.paragraphs(segs, self.run_line))
        self.run_line = None

    def blocks(self) -> list[dict]:
        self.flush()
        return self.out

    def render_children(self, el: Element) -> list[dict]:
        sub = self.sub(el.line)
        sub.walk(el.children)
        return sub.blocks()

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
def _report_align(flow: Flow, el: Element) -> None:
    align = el.attrs.get("align")
    if align:
        flow.ctx.degrade(
            el.line, "html_block", f"<{el.tag} align={align!r}>: Notion blocks have no alignment (dropped)", el.written
        )


def _wrapper(flow: Flow, el: Element) -> None:
    _report_align(flow, el)
    flow.walk(el.children)
    flow.flush()


def _heading(flow: Flow, el: Element) -> None:
    level = int(el.tag[1])
    _report_align(flow, el)
    items = flow.inline_items(el, "a heading")
    flow.out.extend(flow.ctx.heading_blocks(level, items, el.line))


def _quote(flow: Flow, el: Element) -> None:
    items, children = flow.ctx.lead_split(flow.render_children(el))
    flow.out.extend(flow.ctx.text_blocks("quote", items, el.line, {"color": "default"}, children))


def _list(flow: Flow, el: Element) -> None:
    ordered = el.tag == "ol"
    start = el.attrs.get("start", "1").strip()
    if ordered and start not in ("", "1"):
        flow.ctx.degrade(
            el.line, "numbered_list_start", f"list starts at {start}: Notion numbers from 1 (start number lost)"
        )
    sub = flow.sub(el.line)
    sub.list_kind = "numbered_list_item" if ordered else "bulleted_list_item"
    sub.walk(el.children)
    flow.out.extend(sub.blocks())


def _list_item(flow: Flow, el: Element) -> None:
    kind = flow.list_kind or "bulleted_list_item"
    items, children = flow.ctx.lead_split(flow.render_children(el))
    flow.out.extend(flow.ctx.text_blocks(kind, items, el.line, {"color": "default"}, children))


def _details(flow: Flow, el: Element) -> None:
    summary = next((c for c in el.children if isinstance(c, Element) and c.tag == "summary"), None)
    items = flow.inline_items(summary, "a summary") if summary is not None else []
    sub = flow.sub(el.line)
    sub.walk([c for c in el.children if c is not summary])
    children = sub.blocks()
    flow.out.extend(flow.ctx.text_blocks("toggle", items, el.line, {"color": "default"}, children or None))


def _divider(flow: Flow, el: Element) -> None:
    flow.out.append({"object": "block", "type": "divider", "divider": {}})


def _text_content(el: Element) -> str:
    """The text of everything under `el` (`<br>` as a newline), without recursion: `<pre>`
    nested 1,000 deep is one code block, not a RecursionError."""
    parts = []
    stack = [iter(el.children)]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
        elif isinstance(c, Text):
            parts.append(c.data)
        elif isinstance(c, Element):
            if c.tag == "br":
                parts.append("\n")
            else:
                stack.append(iter(c.children))
    return "".join(parts)


def _pre(flow: Flow, el: Element) -> None:
    text = _text_content(el)
    text = text[1:] if text.startswith("\n") else text  # HTML drops a newline right after <pre>
    text = text[:-1] if text.endswith("\n") else text
    code = next((c for c in el.children if isinstance(c, Element) and c.tag == "code"), None)
    classes = ((code.attrs.get("class", "") if code is not None else "") + " " + el.attrs.get("class", "")).split()
    info = next((c.split("-", 1)[1] for c in classes if c.startswith(("language-", "lang-"))), "")
    language = "plain text"
    if info:
        language, exact = map_language(info)
        if not exact:
            flow.ctx.degrade(el.line, "code_language", f"unknown code language {info!r}: using 'plain text'", info)
    flow.out.extend(flow.ctx.code_blocks(text, language, el.line))


def _dropped(flow: Flow, el: Element) -> None:
    flow.ctx.degrade(el.line, "html_block", f"<{el.tag}> is not visible content: dropped with its content", el.written)


def _table(flow: Flow, el: Element) -> None:
    ctx = flow.ctx
    rows: list[list[Element]] = []
    after: list = []  # anything in the table that is not a row or a caption
    captions: list[Element] = []

    def collect(parent: Element) -> None:
        for c in parent.children:
            if isinstance(c, Element) and c.tag == "tr":
                rows.append([d for d in c.children if isinstance(d, Element) and d.tag in ("td", "th")])
            elif isinstance(c, Element) and c.tag in ("thead", "tbody", "tfoot"):
                collect(c)
            elif isinstance(c, Element) and c.tag == "caption":
                captions.append(c)
            elif isinstance(c, Element) and c.tag in ("colgroup", "col"):
                continue
            elif not (isinstance(c, Text) and not c.data.strip()):
                after.append(c)

    collect(el)
    for cap in captions:
        items = flow.inline_items(cap, "a table caption")
        if items:
            flow.out.extend(ctx.text_blocks("paragraph", items, cap.line, {"color": "default"}))
    if rows and any(rows):
        flow.out.extend(ctx.mark([_table_block(flow, el, rows)], el.line))
    if after:
        flow.walk(after)
        flow.flush()


def _table_block(flow: Flow, el: Element, rows: list[list[Element]]) -> dict:
    ctx = flow.ctx
    grid: list[list[list[dict]]] = []
    for cells in rows:
        row = []
        for cell in cells:
            line = cell.line or el.line
            row.append(ctx.clip_cell(flow.inline_items(cell, "a table cell"), line))
            span = cell.attrs.get("colspan", "1").strip()
            if cell.attrs.get("rowspan", "1").strip() not in ("", "1") or span not in ("", "1"):
                ctx.degrade(
                    line,
                    "html_block",
                    "table cell spans (colspan/rowspan) cannot be represented: the cell fills one column",
                    cell.written,
                )
        grid.append(row)
    width = max(len(r) for r in grid)
    children = []
    for row in grid:
        row = (row + [[] for _ in range(width)])[:width]
        children.append({"object": "block", "type": "table_row", "table_row": {"cells": row}})
    column_header = bool(rows[0]) and all(c.tag == "th" for c in rows[0])
    row_header = len(rows) > 1 and all(r and r[0].tag == "th" for r in rows[1:])
    return {
        "object": "block",
        "type": "table",
        "table": {
            "table_width": width,
            "has_column_header": column_header,
            "has_row_header": row_header,
            "children": children,
        },
    }


def _table_part(flow: Flow, el: Element) -> None:
    # a row or cell outside a <table>: its content, as paragraphs
    flow.walk(el.children)
    flow.flush()


WRAPPERS = (
    "p div center section article header footer main nav aside figure figcaption address "
    "hgroup summary noscript dl dt dd"
).split()
# tag -> renderer: the block kinds' HTML readers (their records in bot/convert/kinds name the
# functions above: h1-h6, blockquote, ul/ol/li, table and its parts, details, hr, pre) plus the
# structural tags below, which make no block kind of their own.
BLOCK_TAGS: dict[str, Callable[[Flow, Element], None]] = HTML_TAGS
BLOCK_TAGS.update(
    {
        **{tag: _wrapper for tag in WRAPPERS},
        **{tag: _dropped for tag in ("script", "style", "template", "head", "title", "meta", "link")},
    }
)
TABLE_PARTS: dict[str, Callable[[Flow, Element], None]] = {
    tag: _table_part for tag in ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")
}
