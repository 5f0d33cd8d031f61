"""List items: bulleted_list_item, numbered_list_item, to_do, in both directions.

Ordered lists starting at a number other than 1: Notion numbers consecutive numbered_list_item
blocks from 1 and the public API documents no start-index field for numbered_list_item
(searched SDK types and docs; nothing found), so the start number is lost (construct
"numbered_list_start"). Consecutive items of one kind are one list (`list_marker` for pull,
`html_list_tag` for the preview).
"""

from __future__ import annotations

from ..blockstream import LIST_CONTINUED
from ..html_tree import Element
from ..registry import BlockKind
from .text import lead_split

COLOR = (("color", "default"),)


# --------------------------------------------------------------------------- Markdown / HTML -> blocks
def from_md_list(ctx, node) -> list[dict]:
    ordered = node.type == "ordered_list"
    if ordered:
        start = int(node.attrs.get("start", 1) or 1)
        if start != 1 and not (node.meta and node.meta.get(LIST_CONTINUED)):  # (reported once per list)
            ctx.degrade(
                ctx.line_of(node),
                "numbered_list_start",
                f"list starts at {start}: Notion numbers from 1 (start number lost)",
            )
    out: list[dict] = []
    for item in node.children:
        line = ctx.line_of(item)
        items, children = lead_split(ctx.render_nodes(item.children), ctx)
        checked = item.meta.get("checked") if item.meta else None
        if checked is not None:
            out.extend(ctx.text_blocks("to_do", items, line, {"checked": bool(checked), "color": "default"}, children))
        else:
            bt = "numbered_list_item" if ordered else "bulleted_list_item"
            out.extend(ctx.text_blocks(bt, items, line, {"color": "default"}, children))
    return out


def from_html_list(flow, el: Element) -> None:
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


def from_html_list_item(flow, el: Element) -> None:
    kind = flow.list_kind or "bulleted_list_item"
    items, children = lead_split(flow.render_children(el))
    flow.out.extend(flow.ctx.text_blocks(kind, items, el.line, {"color": "default"}, children))


# --------------------------------------------------------------------------- blocks -> Markdown
def _item(marker: str, b: dict, indent: int) -> str:
    from ..blocks_to_md import render_rich_text, with_children

    return with_children((marker + render_rich_text((b.get(b["type"]) or {}).get("rich_text", []))).rstrip(), b, indent)


def md_bulleted(b):
    return _item("- ", b, 2)


def md_numbered(b):
    return _item("1. ", b, 3)


def md_todo(b):
    from ..blocks_to_md import render_rich_text, with_children

    body = b.get(b["type"]) or {}
    box = "[x]" if body.get("checked") else "[ ]"
    text = render_rich_text(body.get("rich_text", []))
    head = f"- {box} {text}" if text else f"- {box}"
    return with_children(head, b, 2)


# --------------------------------------------------------------------------- blocks -> HTML (preview)
def html_list_item(block: dict) -> str:
    """One <li> (the preview groups consecutive items of a kind into one <ul>/<ol>)."""
    from ..blocks_to_html import children_html, color_attr, rich_text

    kind = block["type"]
    body = block[kind]
    text = rich_text(body.get("rich_text", []))
    if kind == "to_do":
        checked = body.get("checked")
        box = f'<input type="checkbox" disabled{" checked" if checked else ""}> '
        return f'<li class="todo{" checked" if checked else ""}"{color_attr(body.get("color"))}>{box}<span class="text">{text}</span>{children_html(body)}</li>'
    return f"<li{color_attr(body.get('color'))}>{text}{children_html(body)}</li>"


def html_lone_list_item(block: dict, body: dict, color: str) -> str:
    from ..registry import HTML_LIST_TAG

    tag = HTML_LIST_TAG[block["type"]]
    return f'<{tag} class="block {block["type"]}">{html_list_item(block)}</{tag}>'


KINDS = [
    BlockKind(
        ("bulleted_list_item",),
        markdown={"bullet_list": from_md_list},
        html={"ul": from_html_list, "li": from_html_list_item},
        to_markdown=md_bulleted,
        to_html=html_lone_list_item,
        html_list_item=html_list_item,
        fields=COLOR,
        list_marker={"bulleted_list_item": "-"},
        html_list_tag={"bulleted_list_item": "ul"},
        doc="`-` items, `<ul><li>` (the reader also makes to_do items)",
    ),
    BlockKind(
        ("numbered_list_item",),
        markdown={"ordered_list": from_md_list},
        html={"ol": from_html_list},
        to_markdown=md_numbered,
        to_html=html_lone_list_item,
        html_list_item=html_list_item,
        fields=COLOR,
        list_marker={"numbered_list_item": "1."},
        html_list_tag={"numbered_list_item": "ol"},
        doc="`1.` items, `<ol><li>`",
    ),
    BlockKind(
        ("to_do",),
        to_markdown=md_todo,
        to_html=html_lone_list_item,
        html_list_item=html_list_item,
        fields=(("checked", False), ("color", "default")),
        list_marker={"to_do": "-"},
        html_list_tag={"to_do": "ul"},
        doc="`- [ ]` / `- [x]` (made by bulleted_list_item's reader)",
    ),
]
