"""Markdown -> Notion request-shaped blocks: the engine.

Each markdown-it block node goes to its reader in the registry's MARKDOWN_NODES (BLOCK_RENDERERS
here): the block kinds' records in bot/convert/kinds hold them, with the kinds' documented
choices (headings, images, lists, tables, code ...). Inline content is rendered from the flat
inline token stream by bot/convert/inline.py. What makes no block kind
of its own stays here: front matter, the footnote section (bot/convert/footnote_section.py),
raw HTML runs (bot/convert/html.py), unknown constructs.

Documented choices of the engine (each one produces a Degradation entry):
- Raw HTML (html_block / html_inline) is mapped to what Notion can express by
  bot/convert/html.py; tags with no Notion meaning keep their text (reported). HTML comments
  are dropped (reported). An html_block that starts with `<details>` keeps its historical
  handling (kinds/text.read_details: the summary and the text inside it are read as Markdown).
- Footnotes: a reference becomes the text "[n]" (n = order of first reference),
  definitions become a final heading_3 (ConvertOptions.footnotes_heading, "Footnotes" by
  default) + numbered list (construct "footnote").
- Links: only absolute http(s) URLs ≤ 2000 units are kept as links. mailto: and
  other schemes are not accepted by Notion in text.link.url (see limits.py), so
  they become plain text (construct "link"). Relative links go through
  ConvertOptions.resolve_link; None/no resolver -> plain text. "#anchor" -> plain text.
"""

from __future__ import annotations

import gc
from itertools import chain
from typing import Callable, Iterable, Iterator, Protocol

from .tree import Node as SyntaxTreeNode, build_tree

from .blockstream import LazySiblings, iter_block_tokens
from .footnote_section import FootnoteSection, render_footnote_block
from .footnote_tail import FootnoteTail
from .html import is_lone_comment, render_html_run
from .inline import InlineState, render_inline, resolve_href
from .kinds.media import caption_text
from .kinds.text import DETAILS_OPEN, read_details
from .limits import MAX_ITEMS
from .depth import MAX_LEVEL, MAX_TOGGLES, flattened_lines
from .model import Conversion, ConvertOptions, Degradation
from .parser import get_parser, new_token
from .registry import HTML_CLASSES, HTML_TAGS, MARKDOWN_NODES, NESTED, resolve
from .richtext import IMAGE, TEXT, Segment, chunk_items, to_items


def block(btype: str, body: dict) -> dict:
    return {"object": "block", "type": btype, btype: body}


class BlockRenderer(Protocol):
    """A Markdown block node -> Notion blocks (BLOCK_RENDERERS values)."""

    def __call__(self, ctx: Ctx, node: SyntaxTreeNode, /) -> list[dict]: ...


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
        self.toggle_depth = 0  # <details> toggles open around what is being rendered
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
            self.report_flattened_line(line)
        return tokens

    def report_flattened_line(self, line: int) -> None:
        """A paragraph the depth guard made of what was nested too deep (0-based `line`)."""
        self.degrade(
            line + 1 + self.offset,
            "nesting",
            f"nested deeper than {MAX_LEVEL // 2}-{MAX_LEVEL} levels: the rest kept as text at the deepest level",
        )

    def degrade(self, line: int | None, construct: str, message: str, subject: str | None = None) -> None:
        report = self.report
        if report:
            # The same entry again (200,000 nested `<pre>`s on one line, each without its
            # end tag): the report holds the one (frozen) entry again, not 200,000 equal ones.
            last = report[-1]
            if (
                last.line == line
                and last.message == message
                and last.construct == construct
                and last.subject == subject
            ):
                report.append(last)
                return
        report.append(Degradation(line, construct, message, subject))

    def line_of(self, node: SyntaxTreeNode) -> int | None:
        token = node.token  # (node.map, without the property's call: once or twice per node)
        m = token.map if token is not None else None
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
            if DETAILS_OPEN.match(node.content):
                if self.toggle_depth < MAX_TOGGLES:
                    return read_details(self, nodes, i)
                self.degrade(
                    self.line_of(node),
                    "nesting",
                    f"<details> nested deeper than {MAX_TOGGLES} toggles: kept as text in the deepest toggle",
                )
            return render_html_run(self, nodes, i)
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
                out.append(Segment(TEXT, caption_text(self, s.content, s.content.line or line), s.flags, s.link))
            else:
                out.append(s)
        return out

    # -- helpers for bot.convert.html (which cannot import this module) ----------

    def inline_state(self, line, flags: int | None = None, link: str | None = None) -> InlineState:
        if flags is None:
            flags, link = self.inherit
        return InlineState(line, flags, link)

    def render_markdown(self, nodes, flags: int, link: str | None) -> list[dict]:
        saved = self.inherit
        self.inherit = (flags, link)
        try:
            return self.render_nodes(nodes)
        finally:
            self.inherit = saved

    def resolve_href(self, href: str, line) -> str | None:
        return resolve_href(self, href, line)

    def inline_tokens(self, tokens: list, line) -> list[Segment]:
        """Flat inline tokens (a `<details>` summary parsed apart) -> segments."""
        return render_inline(self, tokens, line)

    def sub_convert(self, text: str, node: SyntaxTreeNode) -> list[dict]:
        saved = self.offset
        self.offset = (node.map[0] if node.map else 0) + self.offset
        try:
            tokens = self.parse(text)
            return self.render_nodes(build_tree(tokens))
        finally:
            self.offset = saved


# -- blocks --------------------------------------------------------------------


def render_html_block(ctx: Ctx, node) -> list[dict]:
    # Ctx.render_nodes sends html_block runs to bot.convert.html directly (an element
    # left open spans the following siblings); this entry serves a lone node.
    return render_html_run(ctx, [node], 0)[0]


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
        paused = gc_paused()  # (one for the stream: entered once per block)
        while True:
            # The GC is paused while a block is built (millions of acyclic allocations),
            # not while the caller holds it.
            with paused:
                run = next(steps, None)
            if run is None:
                return
            yield run

    def _rendered_runs(self) -> Iterator[tuple[int | None, list[dict]]]:
        ctx = self._ctx
        text, tokens = self._text, self._tokens
        self._text = self._tokens = None
        chunks = [tokens] if tokens is not None else iter_block_tokens(ctx.md, text, lazy_footnotes=True)
        if self._observe is not None:
            chunks = _observed(chunks, self._observe)
        nodes = (node for toks in chunks for node in _nodes(ctx, toks))
        del text, tokens
        ahead: list = []  # nodes an HTML run read past its end, to render next (last first)
        while True:
            if ahead:
                node = ahead.pop()
            else:
                node = next(nodes, None)
                if node is None:
                    return
            line = ctx.line_of(node)
            if node.type == "html_block" and not is_lone_comment(node.content):
                # HTML runs (<details>, <div> ...) consume the siblings their elements enclose:
                # the siblings are read ahead only as far as the renderer asks.
                queued = ahead[::-1]
                siblings = LazySiblings(chain((node,), queued, nodes))
                rendered, used = ctx.render_at(siblings, 0)
                read = siblings.read()
                ahead = (read[used:] + queued[len(read) - 1 :])[::-1]
                del siblings, read, queued
                runs: Iterable[list[dict]] = (rendered,)
            elif node.__class__ is FootnoteSection:  # the footnote section, one footnote at a time
                runs = node.runs(ctx)
            else:  # (most nodes: rendered alone, without the lazy sequence's cost per node)
                fn = BLOCK_RENDERERS.get(node.type)
                runs = (render_unknown(ctx, node) if fn is None else fn(ctx, node),)
            del node
            for rendered in runs:
                if ctx.nested_kinds:  # a reader made a kind that may not nest (registry: `nested`)
                    for b in rendered:
                        _unnest_below(ctx, b)
                yield line, rendered


def _nodes(ctx: Ctx, tokens: list | FootnoteTail) -> Iterable:
    """The top-level nodes of one step of iter_block_tokens (the footnote section: one node)."""
    if tokens.__class__ is FootnoteTail:
        for line in tokens.flattened_lines():
            ctx.report_flattened_line(line)
        return (FootnoteSection(tokens),)
    return build_tree(ctx.report_flattened(tokens))


def _observed(chunks: Iterable, observe: Callable[[list], None]) -> Iterator:
    """The steps, each one's tokens observed first (the footnote section's one footnote at a
    time, between its footnote_block_open and _close: the whole parse's tokens, in order)."""
    for tokens in chunks:
        if tokens.__class__ is FootnoteTail:
            observe([new_token("footnote_block_open", "", 1)])
            for footnote in tokens:
                observe(footnote)
            observe([new_token("footnote_block_close", "", -1)])
        else:
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
