"""HTML as markdown-it hands it over -> events and a small element tree (no Notion in here).

The standard library's ``html.parser`` tokenizes (`html_events`); `TreeBuilder` builds the
elements of consecutive HTML blocks with the Markdown nodes between them as children, closing
elements as HTML implies (an open <p> before a block element, <li> before the next <li> …).
bot.convert.html renders that tree into blocks; the block kinds' HTML readers
(bot/convert/kinds) read Element / Text from here.
"""

from __future__ import annotations

import re
from array import array
from html.parser import HTMLParser
from typing import Iterator, NamedTuple


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


# --------------------------------------------------------------------------- element tree
class Text(NamedTuple):
    data: str
    line: int | None


_NO_CHILDREN: tuple = ()


class Element:
    """An element and its children (Text | Element | a Markdown block node), read-only once
    built: `children` is a sequence, a tuple while it holds fewer than two (a run of 200,000
    nested `<pre>`s is 200,000 elements of one child each: a tuple of one is 48 bytes, the
    list that grows to hold it 88). Add children with `adopt`."""

    __slots__ = ("tag", "attrs", "children", "line", "written")

    def __init__(self, tag: str, attrs: dict[str, str], line: int | None, written: str):
        self.tag = tag
        self.attrs = attrs
        self.children: tuple | list = _NO_CHILDREN
        self.line = line
        self.written = written  # "<ImagePreview" (tag as written, for reports)

    def adopt(self, child) -> None:
        children = self.children
        if type(children) is list:
            children.append(child)
        elif children:
            self.children = [children[0], child]  # (a list made at its size: no room to grow)
        else:
            self.children = (child,)


class TreeBuilder:
    """Elements of consecutive HTML blocks, with the Markdown nodes between them as children."""

    def __init__(self, ctx) -> None:
        self.ctx = ctx
        self.root = Element("#root", {}, None, "")
        self.stack = [self.root]
        # tag -> stack indices of its open elements, innermost last: an end tag (or an implied
        # end) finds its element without walking the stack, so stray end tags under deep open
        # elements cost O(1) each, not O(depth) (`<div></x>` x 40,000 took 36 s). Arrays of
        # machine integers: a deep stack's indices are not int objects (32 bytes each).
        self.where: dict[str, array] = {}

    @property
    def open(self) -> bool:
        return len(self.stack) > 1

    def add_node(self, node) -> None:
        self.stack[-1].adopt(node)

    def feed(self, text: str, first_line: int | None) -> None:
        event_line, line = None, None
        for ev in iter_html_events(text):
            if ev.line != event_line:  # one int per source line, shared by its elements and texts
                event_line = ev.line
                line = first_line + event_line - 1 if first_line is not None else None
            if ev.kind == "start":
                self.start(ev, line)
            elif ev.kind == "end":
                self.end(ev.tag)
            elif ev.kind == "text":
                self.stack[-1].adopt(Text(ev.data, line))
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
        self.stack[-1].adopt(el)
        if tag not in VOID and not ev.closed:
            found = self.where.get(tag)
            if found is None:
                found = self.where[tag] = array("q")
            found.append(len(self.stack))
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


def iter_leaves(el):
    """Text and Markdown nodes under `el`, in document order, without recursion."""
    stack = [iter(el.children)]
    while stack:
        child = next(stack[-1], None)
        if child is None:
            stack.pop()
        elif isinstance(child, Element):
            descend(stack, child)
        else:
            yield child


def descend(stack: list, el: Element) -> None:
    """Push an iterator over el's children onto a walk's stack; one over a parent with nothing
    left is replaced instead (`<div>` nested 100,000 deep, each the last child of the one
    before: a stack of one iterator, not 100,000)."""
    if stack[-1].__length_hint__():
        stack.append(iter(el.children))
    else:
        stack[-1] = iter(el.children)
