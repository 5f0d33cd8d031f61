"""The final footnote section as Notion blocks: a heading, then a numbered item per footnote.

Footnotes are ordered like their references ("[n]", numbered by the converter in the order it
renders them), unreferenced ones last. A document parsed whole has the section as one
`footnote_block` node (render_footnote_block); one parsed block by block has a FootnoteSection
(a FootnoteTail of bot.convert.footnote_tail), rendered one footnote at a time by
footnote_runs: only one footnote's tokens, tree and blocks exist at a time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from .footnote_tail import FootnoteTail
from .kinds.text import lead_split
from .parser import new_token
from .richtext import TEXT, Segment, to_items
from .tree import Node, build_tree


def footnote_runs(ctx, ids: Iterable[int], footnote: Callable[[int], Node]) -> Iterator[list[dict]]:
    """The section's blocks, one footnote's at a time (the heading with the first): `ids` of
    the footnotes, `footnote(id)` its `footnote` node."""

    def key(footnote_id: int) -> int:
        return ctx.footnote_numbers.get(footnote_id, 10**9 + footnote_id)

    def line_of(f: Node) -> int | None:
        return ctx.line_of(f) or (ctx.line_of(f.children[0]) if f.children else None)

    order = sorted(ids, key=key)  # before any is rendered: their references number the ones they cite
    title = ctx.opt.footnotes_heading
    heading = {"rich_text": to_items([Segment(TEXT, title, 0, None)]), "color": "default", "is_toggleable": False}
    out = [{"object": "block", "type": "heading_3", "heading_3": heading}]
    first = footnote(order[0]) if order else None
    ctx.mark(out, line_of(first) if first is not None else None)
    for n, footnote_id in enumerate(order):
        f = first if n == 0 else footnote(footnote_id)
        first = None
        line = line_of(f)
        ctx.degrade(line, "footnote", f"footnote [^{f.meta.get('label', '')}] moved to a final {title!r} section")
        items, children = lead_split(ctx.render_nodes(f.children), ctx)
        out.extend(ctx.text_blocks("numbered_list_item", items, line, {"color": "default"}, children))
        del f
        yield out
        out = []
    if not order:
        yield out


def render_footnote_block(ctx, node) -> list[dict]:
    """A `footnote_block` node (or a FootnoteSection an HTML run encloses), whole."""
    foots = {c.meta.get("id", 0): c for c in node.children if c.type == "footnote"}
    return [b for blocks in footnote_runs(ctx, foots, foots.__getitem__) for b in blocks]


class FootnoteSection:
    """A `footnote_block` node whose footnotes are built when they are rendered (footnote_runs),
    or, read as `children`, all at once like a whole-document parse's."""

    type = "footnote_block"
    map = None
    info = content = tag = ""

    def __init__(self, tail: FootnoteTail) -> None:
        self.tail = tail
        self.token = new_token("footnote_block_open", "", 1)
        self.meta: dict = {}
        self.attrs: dict = {}
        self._children: list[Node] | None = None

    def footnote(self, footnote_id: int) -> Node:
        return build_tree(self.tail.footnote(footnote_id))[0]

    @property
    def children(self) -> list[Node]:
        if self._children is None:
            self._children = [self.footnote(i) for i in self.tail.ids]
        return self._children

    def runs(self, ctx) -> Iterator[list[dict]]:
        return footnote_runs(ctx, self.tail.ids, self.footnote)
