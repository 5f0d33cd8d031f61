"""Markdown inline tokens -> rich text segments (richtext.Segment), one function per token type.

markdown-it hands a paragraph's (heading's, cell's) inline content over as a flat token stream;
render_inline applies each token to an InlineState (annotation counters, a link stack, the
current line) through INLINE_RENDERERS. Raw HTML tags (html_inline) go to bot.convert.html;
links to resolve_href (only absolute http(s) URLs ≤ 2000 units are kept as links, see
md_to_blocks' docstring); footnote references become "[n]".

The functions take the conversion's Ctx (md_to_blocks) duck typed: md_to_blocks imports this module.
"""

from __future__ import annotations

from typing import Protocol

from .html import apply_inline_html
from .kinds.media import HTTP, SCHEME
from .limits import MAX_EXPRESSION, MAX_TEXT, is_valid_link_url, utf16_len
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
)


class InlineRenderer(Protocol):
    """One inline token applied to the inline state (INLINE_RENDERERS values)."""

    def __call__(self, ctx, tok, st: InlineState, /) -> None: ...


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


def render_inline(ctx, tokens, line) -> list[Segment]:
    """Flat inline tokens -> segments. State: [flags counters, link stack, line]."""
    st = ctx.inline_state(line)
    segs = st.segs
    renderers = INLINE_RENDERERS
    for tok in tokens:
        if tok.type == "text":  # most tokens: no table lookup, no call (InlineState.add, inlined)
            content = tok.content
            if content:
                links = st.links
                flags, link = st.flags, links[-1] if links else None
                if segs:
                    last = segs[-1]
                    if last[0] == TEXT and last[2] == flags and last[3] == link and len(last[1]) < MERGE_BELOW:
                        segs[-1] = _segment(Segment, (TEXT, last[1] + content, flags, link))
                        continue
                segs.append(_segment(Segment, (TEXT, content, flags, link)))
            continue
        fn = renderers.get(tok.type)
        if fn is None:
            ctx.degrade(st.line, tok.type, f"unsupported inline {tok.type!r}: kept as text", tok.type)
            st.add(tok.content)
        else:
            fn(ctx, tok, st)
    return st.segs


_segment = tuple.__new__  # Segment(...) without the NamedTuple's Python-level __new__ (one per token)
# A text joins the segment before it when their annotations and link are the same (what
# richtext.merge_segments does later anyway: "line one", soft break, "line two" become one
# segment, and a paragraph of one run skips the merge), while that segment is shorter than this:
# joining copies it, and a paragraph of 10,000 lines must not copy its text 10,000 times.
MERGE_BELOW = 4096


class InlineState:
    __slots__ = ("segs", "counts", "flags", "base", "links", "line", "html")

    def __init__(self, line, flags: int = 0, link: str | None = None):
        self.segs: list[Segment] = []
        self.counts: dict[int, int] | None = None  # open emphasis per flag, made on the first push
        self.flags = flags
        self.base = flags  # inherited from enclosing HTML: never closed from inside
        self.links: list[str | None] = [link] if link else []
        self.line = line
        self.html: dict | None = None  # open HTML tags of html_inline tokens (bot.convert.html)

    def add(self, text: str, extra: int = 0) -> None:
        if text:
            links = self.links
            flags, link = self.flags | extra, links[-1] if links else None
            segs = self.segs
            if segs:
                last = segs[-1]
                if last[0] == TEXT and last[2] == flags and last[3] == link and len(last[1]) < MERGE_BELOW:
                    segs[-1] = _segment(Segment, (TEXT, last[1] + text, flags, link))
                    return
            segs.append(_segment(Segment, (TEXT, text, flags, link)))

    def push(self, flag: int) -> None:
        counts = self.counts
        if counts is None:
            counts = self.counts = {BOLD: 0, ITALIC: 0, STRIKE: 0, CODE: 0, UNDERLINE: 0, HIGHLIGHT: 0}
        counts[flag] += 1
        self.flags |= flag

    def pop(self, flag: int) -> None:
        counts = self.counts
        if counts is None:
            counts = self.counts = {BOLD: 0, ITALIC: 0, STRIKE: 0, CODE: 0, UNDERLINE: 0, HIGHLIGHT: 0}
        counts[flag] -= 1
        if counts[flag] <= 0:
            counts[flag] = 0
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


def resolve_href(ctx, href: str, line) -> str | None:
    if href.startswith("#"):
        ctx.degrade(line, "link", f"in-page anchor {href!r} cannot be linked in Notion: kept as plain text", href)
        return None
    if HTTP.match(href):
        if is_valid_link_url(href):
            if ctx.link_lines is not None and line is not None:  # a link's own line (parity)
                ctx.link_lines.setdefault(href, []).append(line)
            return href
        ctx.degrade(line, "link", f"link URL over {MAX_TEXT} units or invalid: kept as plain text", href[:80])
        return None
    if SCHEME.match(href):
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
