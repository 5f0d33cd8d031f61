"""column_list / column: side-by-side columns, in both directions.

Markdown (an HTML wrapper, so any Markdown renderer shows the text, and pull writes it back):

    <div class="columns">
    <div class="column">

    Markdown of the first column

    </div>
    <div class="column">

    Markdown of the second column

    </div>
    </div>

Notion's shape (reference §4.1; recorded appends in the ultimate-notion cassettes
test_create_column_blocks / test_modify_column_blocks_width_ratios): `column_list: {children:
[column…]}`, `column: {children, width_ratio?}`; responses carry `column_list: {}` / `column: {}`.
Rules kept here:
- A column list has at least 2 columns (the older changelog's rule, which the embedded workspace
  enforces). Each column gets at least one block: recorded traffic shows empty columns accepted,
  but an empty column shows nothing and reads back as nothing. An empty column is dropped; fewer
  than two columns left: their content is kept in sequence, without columns (reported, construct
  "columns").
- A request carries a column list with at least 2 columns and each column with at least one
  block, or leaves it for the next request (`min_children`; the rest is appended under their ids).
- Columns only at the top level of the page: a create request carries two levels of nesting,
  column_list -> column -> content, so a column list inside a toggle, quote, list item or
  another column would reach Notion with columns cut from their content. Below the top level the
  columns' content is kept in sequence instead (reported).
- `width_ratio` is shown by the preview and not written back by pull (Markdown has no place
  for it); normalization ignores it, so a width changed in Notion is not drift.
"""

from __future__ import annotations

from ..registry import BlockKind

# The engines are imported inside the functions: they import the registry, which loads this record.

LIST, COLUMN = "column_list", "column"


def children_of(block: dict) -> list[dict]:
    return (block.get(block["type"]) or {}).get("children") or []


def _column_list(columns: list[list[dict]]) -> dict:
    return {
        "object": "block",
        "type": LIST,
        LIST: {"children": [{"object": "block", "type": COLUMN, COLUMN: {"children": kids}} for kids in columns]},
    }


# --------------------------------------------------------------------------- Markdown -> blocks
def read_columns(flow, el) -> None:
    """`<div class="columns">` with `<div class="column">` children (html.Flow renderer)."""
    from ..html import Element, Text

    ctx = flow.ctx
    flow.flush()
    columns: list[list[dict]] = []
    outside: list[dict] = []  # what stands between the columns: kept after them
    for child in el.children:
        if isinstance(child, Element) and child.tag == "div" and "column" in child.attrs.get("class", "").split():
            kids = _rendered(flow, child.line, child.children)
            if kids:
                columns.append(kids)
            else:
                ctx.degrade(
                    child.line or el.line, "columns", "empty column dropped (a Notion column holds at least one block)"
                )
        elif not (isinstance(child, Text) and not child.data.strip()):
            ctx.degrade(el.line, "columns", 'content outside a <div class="column"> kept after the columns')
            outside.extend(_rendered(flow, el.line, [child]))
    if len(columns) < 2:
        ctx.degrade(
            el.line,
            "columns",
            f"{len(columns)} column(s): a column list needs at least 2, content kept without columns",
        )
        for kids in columns:
            flow.out.extend(kids)
    else:
        block = _column_list(columns)
        # the record keeps its own state on the conversion's context (Ctx has no column fields):
        # the source line of each column list made, for `unnest`'s report
        ctx.__dict__.setdefault("column_lines", {})[id(block)] = el.line
        flow.out.extend(ctx.mark([block], el.line))
        ctx.nested_kinds |= {LIST}
    flow.out.extend(outside)


def _rendered(flow, line, children: list) -> list[dict]:
    sub = flow.sub(line)
    sub.walk(children)
    return sub.blocks()


def unnest(ctx, block: dict) -> list[dict]:
    """A column list below the top level: its columns' content in sequence (reported)."""
    line = ctx.__dict__.get("column_lines", {}).get(id(block))
    ctx.degrade(
        line,
        "columns",
        "columns inside another block cannot be sent to Notion in one piece: content kept without columns",
    )
    return [kid for column in children_of(block) for kid in children_of(column)]


# --------------------------------------------------------------------------- blocks -> Markdown
def md_column_list(block: dict) -> str:
    from ..blocks_to_md import render_blocks as md_blocks

    parts = ['<div class="columns">']
    for column in children_of(block):
        inner = md_blocks(children_of(column))
        parts.append('<div class="column">\n\n' + inner + "\n\n</div>" if inner else '<div class="column">\n</div>')
    parts.append("</div>")
    return "\n".join(parts)


def md_column(block: dict) -> str:
    from ..blocks_to_md import render_blocks as md_blocks

    return md_blocks(children_of(block))  # a column outside its list: its content


# --------------------------------------------------------------------------- blocks -> HTML (preview)
def html_column_list(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import render_block

    columns = "".join(render_block(c) for c in body.get("children") or [])
    return f'<div class="block column-list" style="display:flex;gap:24px">{columns}</div>'


def html_column(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import render_blocks as html_blocks

    ratio = body.get("width_ratio")
    grow = ratio if isinstance(ratio, (int, float)) and not isinstance(ratio, bool) and ratio > 0 else 1
    return f'<div class="column" style="flex:{grow};min-width:0">{html_blocks(body.get("children") or [])}</div>'


# --------------------------------------------------------------------------- limits
def check_column_list(block: dict, body: dict, where: str, out: list[str]) -> None:
    columns = body.get("children") or []
    if len(columns) < 2:
        out.append(f"{where}: {len(columns)} column(s) < 2")
    for i, column in enumerate(columns):
        if column.get("type") != COLUMN:
            out.append(f"{where}.children[{i}]: {column.get('type')!r} is not a column")


def check_column(block: dict, body: dict, where: str, out: list[str]) -> None:
    if not body.get("children"):
        out.append(f"{where}: a column holds at least one block")


KINDS = [
    BlockKind(
        (LIST,),
        html_classes={("div", "columns"): read_columns},
        to_markdown=md_column_list,
        to_html=html_column_list,
        fields=(),
        rich_fields=(),
        check=check_column_list,
        nested=unnest,
        min_children=2,
        doc='`<div class="columns">` holding `<div class="column">`s (top level only)',
    ),
    BlockKind(
        (COLUMN,),
        to_markdown=md_column,
        to_html=html_column,
        fields=(),
        rich_fields=(),
        check=check_column,
        min_children=1,
        doc="the columns of a column_list (made by its reader)",
    ),
]
