"""Tables: table and table_row, from GFM tables and HTML `<table>`, in both directions.

A cell holds one rich text of ≤ 100 items (the tail is joined as plain text, reported); column
alignment and cell spans cannot be represented (reported). A table without a header row, or
with a header column, is pulled as an HTML table (a Markdown table always has a header row).
Notion refuses a table without a first row (`children should be defined`): `min_children`.
"""

from __future__ import annotations


from ..html_tree import Element, Text
from ..limits import MAX_ITEMS
from ..registry import BlockKind
from ..richtext import items_plain_text, split_text, text_item

PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")


def _block(btype: str, body: dict) -> dict:
    return {"object": "block", "type": btype, btype: body}


def clip_cell(ctx, items: list[dict], line) -> list[dict]:
    """A table cell holds one rich text of ≤ 100 items: the tail is joined as plain text."""
    if len(items) > MAX_ITEMS:
        ctx.degrade(line, "rich_text_items", f"table cell with {len(items)} items: formatting of the tail dropped")
        head = items[: MAX_ITEMS - 1]
        tail = items_plain_text(items[MAX_ITEMS - 1 :])
        pieces = split_text(tail)
        room = MAX_ITEMS - len(head)
        if len(pieces) > room:
            ctx.degrade(line, "rich_text_items", "table cell text truncated (over 100 items of 2000 units)")
            pieces = pieces[:room]
        items = head + [text_item(p) for p in pieces]
    return items


# --------------------------------------------------------------------------- Markdown / HTML -> blocks
def _cell_items(ctx, cell, line) -> list[dict]:
    items = ctx.inline_items_no_images(cell.children[0], line, "a table cell") if cell.children else []
    return clip_cell(ctx, items, line)


def from_md_table(ctx, node) -> list[dict]:
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
        children.append(_block("table_row", {"cells": cells}))
    return ctx.mark(
        [
            _block(
                "table",
                {"table_width": width, "has_column_header": True, "has_row_header": False, "children": children},
            )
        ],
        line,
    )


def from_html_table(flow, el: Element) -> None:
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


def _table_block(flow, el: Element, rows: list[list[Element]]) -> dict:
    ctx = flow.ctx
    grid: list[list[list[dict]]] = []
    for cells in rows:
        row = []
        for cell in cells:
            line = cell.line or el.line
            row.append(clip_cell(ctx, flow.inline_items(cell, "a table cell"), line))
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


def from_html_table_part(flow, el: Element) -> None:
    # a row or cell outside a <table>: its content, as paragraphs
    flow.walk(el.children)
    flow.flush()


# --------------------------------------------------------------------------- blocks -> Markdown
def _table_rows(b) -> tuple[list[list[list[dict]]], int]:
    from ..normalize import children_of

    rows = children_of(b)
    width = (b.get(b["type"]) or {}).get("table_width") or (len(_cells(rows[0])) if rows else 0)
    grid = []
    for row in rows:
        cells = list(_cells(row))[:width]
        grid.append(cells + [[]] * (width - len(cells)))
    return grid, width


def _cells(row: dict) -> list:
    return (row.get(row["type"]) or {}).get("cells", [])


def md_table(b):
    from ..blocks_to_md import render_rich_text

    grid, width = _table_rows(b)
    if not grid or not width:
        return ""
    body = b.get(b["type"]) or {}
    if not body.get("has_column_header", True) or body.get("has_row_header"):
        return _html_table(grid, bool(body.get("has_column_header")), bool(body.get("has_row_header")))
    lines = []
    for i, cells in enumerate(grid):
        lines.append("| " + " | ".join(render_rich_text(c, "table") for c in cells) + " |")
        if i == 0:
            lines.append("|" + "|".join([" --- "] * width) + "|")
    return "\n".join(lines)


def _html_table(grid, column_header: bool, row_header: bool) -> str:
    """A Markdown table always has a header row: other tables are written as HTML (cells as
    inline HTML: they are not read as Markdown)."""
    from ..blocks_to_html import MARKDOWN_STYLE, rich_text_html

    lines = ["<table>"]
    for i, cells in enumerate(grid):
        tags = [
            "th" if (i == 0 and column_header) or (j == 0 and i > 0 and row_header) else "td" for j in range(len(cells))
        ]
        lines.append(
            "<tr>"
            + "".join(f"<{tag}>{rich_text_html(c, MARKDOWN_STYLE)}</{tag}>" for tag, c in zip(tags, cells))
            + "</tr>"
        )
    lines.append("</table>")
    return "\n".join(lines)


# --------------------------------------------------------------------------- blocks -> HTML (preview)
def html_table(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import rich_text

    out = ['<table class="block simple-table"><tbody>']
    for r, row in enumerate(body.get("children") or []):
        out.append("<tr>")
        for c, cell in enumerate(row.get("table_row", {}).get("cells", [])):
            header = (r == 0 and body.get("has_column_header")) or (c == 0 and body.get("has_row_header"))
            tag = "th" if header else "td"
            out.append(f"<{tag}>{rich_text(cell)}</{tag}>")
        out.append("</tr>")
    out.append("</tbody></table>")
    return "".join(out)


# --------------------------------------------------------------------------- normalization and limits
def normalize_table_row(block: dict) -> dict:
    from ..normalize import normalize_rich_text

    body = block.get("table_row") or {}
    return {"type": "table_row", "table_row": {"cells": [normalize_rich_text(c) for c in body.get("cells", [])]}}


def check_table_row(block: dict, body: dict, where: str, out: list[str]) -> None:
    from ..limits import check_rich_text

    for ci, cell in enumerate(body.get("cells", [])):
        check_rich_text(cell, f"{where}.cells[{ci}]", out)


def check_table(block: dict, body: dict, where: str, out: list[str]) -> None:
    w = body.get("table_width")
    for ri, row in enumerate(body.get("children", [])):
        if len(row.get("table_row", {}).get("cells", [])) != w:
            out.append(f"{where}.children[{ri}]: row width != table_width {w}")


KINDS = [
    BlockKind(
        ("table",),
        markdown={"table": from_md_table},
        html={"table": from_html_table, **{tag: from_html_table_part for tag in PARTS}},
        to_markdown=md_table,
        to_html=html_table,
        fields=(("table_width", 0), ("has_column_header", False), ("has_row_header", False)),
        rich_fields=(),
        check=check_table,
        doc="GFM tables, `<table>`",
        # Notion refuses a table without a first row (`children should be defined`)
        min_children=1,
    ),
    BlockKind(
        ("table_row",),
        rich_fields=(),
        normalize=normalize_table_row,
        check=check_table_row,
        doc="the rows of a table (made by table's readers)",
    ),
]
