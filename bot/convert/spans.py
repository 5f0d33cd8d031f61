"""Which lines of a Markdown body each top-level block comes from (for `bot pull`'s merge).

`source_spans(body)` converts the body as a whole — reference links resolved, footnotes
numbered, a `<details>` run consuming the constructs it encloses, exactly as publishing does —
and says, for each top-level construct (each item of a top-level list), the lines [start, end)
it spans and the blocks it gives. Lines that give no block (blank lines, reference and footnote
definitions, comments that are dropped) belong to no span. The final footnote section, which
comes from definitions anywhere in the body, is returned apart with the footnote label of each
of its items in order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .md_to_blocks import Ctx
from .model import ConvertOptions
from .tree import build_tree

LISTS = ("bullet_list", "ordered_list")


@dataclass
class Span:
    start: int
    end: int
    blocks: list[dict]


@dataclass
class SourceSpans:
    spans: list[Span]
    footnotes: list[dict] = field(default_factory=list)  # the final "Footnotes" heading and its items
    footnote_labels: list[str] = field(default_factory=list)  # label of each item, in order


def source_spans(body: str, footnotes_heading: str = "Footnotes") -> SourceSpans:
    ctx = Ctx(ConvertOptions(footnotes_heading=footnotes_heading))
    nodes = build_tree(ctx.report_flattened(ctx.md.parse(body, {})))
    out = SourceSpans([])
    i = 0
    while i < len(nodes):
        node = nodes[i]
        blocks, j = ctx.render_at(nodes, i)
        if node.type == "footnote_block":
            out.footnotes = blocks
            foots = sorted(
                (c for c in node.children if c.type == "footnote"),
                key=lambda f: ctx.footnote_numbers.get(f.meta.get("id", 0), 10**9 + f.meta.get("id", 0)),
            )
            out.footnote_labels = [str(f.meta.get("label", "")) for f in foots]
        elif node.type in LISTS and len(blocks) == len(node.children) and all(item.map for item in node.children):
            out.spans.extend(Span(item.map[0], item.map[1], [b]) for item, b in zip(node.children, blocks))
        else:
            maps = [n.map for n in nodes[i:j] if n.map]
            if maps:
                out.spans.append(Span(maps[0][0], maps[-1][1], blocks))
            elif blocks:  # blocks without lines: nothing to anchor them; the caller gives up
                out.spans.append(Span(-1, -1, blocks))
        i = j
    return out
