"""Text blocks: paragraph, heading_1..heading_4, quote, callout (GitHub alerts), toggle, divider.

Each kind in both directions: Markdown and HTML -> blocks (readers get the conversion's Ctx or
an html.Flow and use only their public helpers), block -> Markdown (pull), block -> HTML
(preview), normalization and limits. The engines are imported inside the functions of the way
back: they import the registry, which loads this module (and `bot convert` never needs them).
"""

from __future__ import annotations

import html
import re

from ..html_tree import Element
from ..registry import BlockKind
from ..richtext import IMAGE, TEXT, Segment, to_items
from .media import image_block

COLOR = (("color", "default"),)

ALERTS = {
    "NOTE": ("\u2139\ufe0f", "blue_background"),
    "TIP": ("\U0001f4a1", "green_background"),
    "IMPORTANT": ("\u2757", "purple_background"),
    "WARNING": ("\u26a0\ufe0f", "yellow_background"),
    "CAUTION": ("\U0001f6d1", "red_background"),
}
# ... and back: a callout's emoji, else its colour, names the alert
KIND_BY_EMOJI = {
    "\u2139\ufe0f": "NOTE",
    "\u2139": "NOTE",
    "\U0001f4a1": "TIP",
    "\u2757": "IMPORTANT",
    "\u26a0\ufe0f": "WARNING",
    "\u26a0": "WARNING",
    "\U0001f6d1": "CAUTION",
}
KIND_BY_COLOR = {
    "blue_background": "NOTE",
    "green_background": "TIP",
    "purple_background": "IMPORTANT",
    "yellow_background": "WARNING",
    "red_background": "CAUTION",
}

DETAILS_OPEN = re.compile(
    r"\s*<details\b[^>]*>\s*(?:<summary\b[^>]*>(?P<summary>.*?)</summary>)?(?P<rest>.*)\Z",
    re.IGNORECASE | re.DOTALL,
)
_DETAILS_CLOSE = re.compile(r"\s*</details\s*>(?P<rest>.*)\Z", re.IGNORECASE | re.DOTALL)


def block(btype: str, body: dict) -> dict:
    return {"object": "block", "type": btype, btype: body}


def lead_split(blocks: list[dict], ctx=None) -> tuple[list[dict], list[dict]]:
    """First plain paragraph (no children) becomes the container's own rich text. With `ctx`, the
    paragraph's source line (ConvertOptions.block_lines) is let go: it is no block of the output,
    and the entry would hold it to the end (validate's parity outline: a 1 MB list's items)."""
    if blocks and blocks[0]["type"] == "paragraph" and "children" not in blocks[0]["paragraph"]:
        if ctx is not None and ctx.block_lines is not None:
            ctx.block_lines.pop(id(blocks[0]), None)
        return blocks[0]["paragraph"]["rich_text"], blocks[1:]
    return [], blocks


# --------------------------------------------------------------------------- paragraph
def _strip_ws_segments(segs: list[Segment], leading: bool) -> None:
    """Strip whitespace at one end of a segment run (in place)."""
    rng = range(len(segs)) if leading else range(len(segs) - 1, -1, -1)
    for k in rng:
        s = segs[k]
        if s.kind != TEXT:
            return
        text = s.content.lstrip() if leading else s.content.rstrip()
        segs[k] = s._replace(content=text)
        if text:
            return


def paragraph_blocks(ctx, segs: list[Segment], line) -> list[dict]:
    """A paragraph's segments -> paragraph blocks, split around inline images."""
    for s in segs:
        if s.kind == IMAGE:
            break
    else:  # no image (a loop: cheaper than any() over a generator, per paragraph)
        return ctx.text_blocks("paragraph", to_items(segs), line, {"color": "default"})
    out: list[dict] = []
    run: list[Segment] = []

    def flush():
        if run:
            _strip_ws_segments(run, True)
            _strip_ws_segments(run, False)
            items = to_items(run)
            if items:
                out.extend(ctx.text_blocks("paragraph", items, line, {"color": "default"}))
            run.clear()

    for s in segs:
        if s.kind == IMAGE:
            flush()
            out.append(image_block(ctx, s.content, line, s.link))
        else:
            run.append(s)
    flush()
    return out


def from_md_paragraph(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    inline = node.children[0].token
    if inline is not None and inline.meta:
        from ..pieces import CUT, PIECE  # (markdown-it's token class: not loaded by the way back)

        if CUT in inline.meta:
            ctx.degrade(
                line,
                "paragraph_pieces",
                f"paragraph of {inline.meta[CUT]:,} characters parsed in pieces of {PIECE:,} cut at spaces "
                "(bounded memory): emphasis, a link or a code span across a cut stays literal text",
            )
    return paragraph_blocks(ctx, ctx.inline_segments(node.children[0], line), line)


def md_paragraph(b):
    from ..blocks_to_md import render_rich_text

    return render_rich_text((b.get(b["type"]) or {}).get("rich_text", []))


def html_paragraph(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import children_html, rich_text

    children = (
        f'<div class="children" style="padding-left:24px">{children_html(body)}</div>' if body.get("children") else ""
    )
    return f'<p class="block"{color}>{rich_text(body.get("rich_text", []))}</p>' + children


# --------------------------------------------------------------------------- headings
def heading_blocks(ctx, level: int, items: list[dict], line) -> list[dict]:
    """heading_1..3 (`####`..`######` and <h4>..<h6> become heading_3, reported)."""
    if level > 3:
        ctx.degrade(line, f"heading_{level}", f"h{level} rendered as heading_3 (only h1-h3 are emitted)")
        level = 3
    return ctx.text_blocks(f"heading_{level}", items, line, {"color": "default", "is_toggleable": False})


def from_md_heading(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    level = int(node.tag[1])
    if level > 3:  # reported before the heading's own inline content (as it reads)
        ctx.degrade(line, f"heading_{level}", f"h{level} rendered as heading_3 (only h1-h3 are emitted)")
        level = 3
    items = ctx.inline_items_no_images(node.children[0], line, "a heading")
    return heading_blocks(ctx, level, items, line)


def from_html_heading(flow, el: Element) -> None:
    level = int(el.tag[1])
    flow.report_align(el)
    items = flow.inline_items(el, "a heading")
    flow.out.extend(heading_blocks(flow.ctx, level, items, el.line))


def md_heading(b):
    from ..blocks_to_md import render_rich_text

    text = render_rich_text((b.get(b["type"]) or {}).get("rich_text", []), "line")
    return ("#" * int(b["type"][-1]) + " " + text).rstrip()


def html_heading(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import children_html, rich_text

    kind = block["type"]
    level = min(int(kind[-1]), 3)
    inner = f'<h{level} class="block {kind}"{color}>{rich_text(body.get("rich_text", []))}</h{level}>'
    if body.get("is_toggleable"):
        return f'<details class="toggle heading" open><summary>{inner}</summary><div class="children">{children_html(body)}</div></details>'
    return inner


def check_heading(block: dict, body: dict, where: str, out: list[str]) -> None:
    if block.get("type") == "heading_4":
        out.append(f"{where}: heading_4 is not emitted by design")


# --------------------------------------------------------------------------- quote and callout
def from_md_blockquote(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    items, children = lead_split(ctx.render_nodes(node.children), ctx)
    return ctx.text_blocks("quote", items, line, {"color": "default"}, children)


def from_html_quote(flow, el: Element) -> None:
    items, children = lead_split(flow.render_children(el))
    flow.out.extend(flow.ctx.text_blocks("quote", items, el.line, {"color": "default"}, children))


def from_md_alert(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    kind = str(node.meta.get("kind", "NOTE")).upper()
    emoji, color = ALERTS.get(kind, ALERTS["NOTE"])
    content = [c for c in node.children if c.type != "alert_title"]
    items, children = lead_split(ctx.render_nodes(content), ctx)
    return ctx.text_blocks(
        "callout", items, line, {"icon": {"type": "emoji", "emoji": emoji}, "color": color}, children
    )


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def md_quote(b):
    from ..blocks_to_md import render_blocks, render_rich_text
    from ..normalize import children_of

    parts = []
    text = render_rich_text((b.get(b["type"]) or {}).get("rich_text", []))
    if text:
        parts.append(text)
    kids = children_of(b)
    if kids:
        parts.append(render_blocks(kids))
    return _quoted("\n\n".join(parts)) if parts else ">"


def md_callout(b):
    from ..blocks_to_md import render_blocks, render_rich_text
    from ..normalize import children_of

    body = b.get(b["type"]) or {}
    icon = body.get("icon") or {}
    kind = KIND_BY_EMOJI.get(icon.get("emoji", "")) or KIND_BY_COLOR.get(body.get("color", ""), "NOTE")
    parts = [f"[!{kind}]"]
    text = render_rich_text(body.get("rich_text", []))
    if text:
        parts[0] += "\n" + text
    kids = children_of(b)
    if kids:
        parts.append(render_blocks(kids))
    return _quoted("\n\n".join(parts))


def html_quote(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import children_html, rich_text

    return f'<blockquote class="block"{color}>{rich_text(body.get("rich_text", []))}{children_html(body)}</blockquote>'


def html_callout(block: dict, body: dict, color: str) -> str:
    from ...bilingual import LANG_LINK_ICON
    from ..blocks_to_html import NOTION_BACKGROUNDS, children_html, rich_text

    glyph = (body.get("icon") or {}).get("emoji") or ""
    bg = body.get("color", "gray_background")
    style = ""
    if bg and bg.endswith("_background"):
        style = f' style="background:{NOTION_BACKGROUNDS.get(bg.removesuffix("_background"), "#f1f1ef")}"'
    language = " language-link" if glyph == LANG_LINK_ICON else ""
    return (
        f'<div class="block callout{language}"{style}><div class="callout-icon">{html.escape(glyph)}</div>'
        f'<div class="callout-body">{rich_text(body.get("rich_text", []))}{children_html(body)}</div></div>'
    )


def normalize_callout(block: dict) -> dict:
    from ..normalize import normalize_fields, normalize_icon

    out = normalize_fields(block)
    out["callout"]["icon"] = normalize_icon((block.get("callout") or {}).get("icon"))
    return out


# --------------------------------------------------------------------------- toggle
def read_details(ctx, nodes, i) -> tuple[list[dict], int]:
    """A Markdown html_block opening `<details>`: its older reading (summary and inside read as
    Markdown), with the siblings up to its `</details>`. Returns the blocks and the next index."""
    ctx.toggle_depth += 1
    try:
        return _read_details(ctx, nodes, i)
    finally:
        ctx.toggle_depth -= 1


def _read_details(ctx, nodes, i) -> tuple[list[dict], int]:
    node = nodes[i]
    line = ctx.line_of(node)
    m = DETAILS_OPEN.match(node.content)
    summary = (m.group("summary") or "").strip()
    rest = m.group("rest")
    children: list[dict] = []
    trailing = ""
    close = re.search(r"</details\s*>", rest, re.IGNORECASE)
    j = i + 1
    if close:  # whole toggle inside one html block
        inner, trailing = rest[: close.start()], rest[close.end() :]
        if inner.strip():
            children.extend(ctx.sub_convert(inner, node))
    else:
        if rest.strip():
            children.extend(ctx.sub_convert(rest, node))
        depth = 0
        inner_nodes = []
        closed = False
        while j < len(nodes):
            nd = nodes[j]
            if nd.type == "html_block":
                if DETAILS_OPEN.match(nd.content):
                    depth += 1
                else:
                    cm = _DETAILS_CLOSE.match(nd.content)
                    if cm:
                        if depth == 0:
                            trailing = cm.group("rest")
                            closed = True
                            j += 1
                            break
                        depth -= 1
            inner_nodes.append(nd)
            j += 1
        if not closed:
            ctx.degrade(line, "details", "<details> without </details>: toggle runs to the end of its container")
        children.extend(ctx.render_nodes(inner_nodes))
    if summary:
        tokens = ctx.md.parseInline(summary)[0].children or []
        segs = ctx.images_as_text(ctx.inline_tokens(tokens, line), line, "summary")
        items = to_items(segs)
    else:
        items = []
    out = ctx.text_blocks("toggle", items, line, {"color": "default"}, children)
    if trailing.strip():
        out.extend(ctx.sub_convert(trailing, node))
    return out, j


def from_html_details(flow, el: Element) -> None:
    summary = next((c for c in el.children if isinstance(c, Element) and c.tag == "summary"), None)
    items = flow.inline_items(summary, "a summary") if summary is not None else []
    sub = flow.sub(el.line)
    sub.walk([c for c in el.children if c is not summary])
    children = sub.blocks()
    flow.out.extend(flow.ctx.text_blocks("toggle", items, el.line, {"color": "default"}, children or None))


def md_toggle(b):
    from ..blocks_to_md import render_blocks, render_rich_text
    from ..normalize import children_of

    summary = render_rich_text((b.get(b["type"]) or {}).get("rich_text", []), "line")
    kids = children_of(b)
    inner = render_blocks(kids) + "\n\n" if kids else ""
    return f"<details>\n<summary>{summary}</summary>\n\n{inner}</details>"


def html_toggle(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import children_html, rich_text

    return f'<details class="block toggle" open><summary>{rich_text(body.get("rich_text", []))}</summary><div class="children">{children_html(body)}</div></details>'


# --------------------------------------------------------------------------- divider
def from_md_hr(ctx, node) -> list[dict]:
    return [block("divider", {})]


def from_html_hr(flow, el: Element) -> None:
    flow.out.append({"object": "block", "type": "divider", "divider": {}})


def md_divider(b):
    return "---"


def html_divider(block: dict, body: dict, color: str) -> str:
    return '<hr class="block divider">'


KINDS = [
    BlockKind(
        ("paragraph",),
        markdown={"paragraph": from_md_paragraph},
        to_markdown=md_paragraph,
        to_html=html_paragraph,
        fields=COLOR,
        doc="a paragraph; `<p>`, `<div>` and other wrappers give their content",
    ),
    BlockKind(
        ("heading_1", "heading_2", "heading_3", "heading_4"),
        markdown={"heading": from_md_heading},
        html={f"h{n}": from_html_heading for n in range(1, 7)},
        to_markdown=md_heading,
        to_html=html_heading,
        fields=(("color", "default"), ("is_toggleable", False)),
        check=check_heading,
        doc="`#`..`######`, `<h1>`..`<h6>` (h4-h6 -> heading_3; heading_4 only read)",
    ),
    BlockKind(
        ("quote",),
        markdown={"blockquote": from_md_blockquote},
        html={"blockquote": from_html_quote},
        to_markdown=md_quote,
        to_html=html_quote,
        fields=COLOR,
        doc="`>`, `<blockquote>`",
    ),
    BlockKind(
        ("callout",),
        markdown={"alert": from_md_alert},
        to_markdown=md_callout,
        to_html=html_callout,
        fields=COLOR,
        normalize=normalize_callout,
        doc="`> [!NOTE]` .. `> [!CAUTION]` (GitHub alerts)",
    ),
    BlockKind(
        ("toggle",),
        html={"details": from_html_details},
        to_markdown=md_toggle,
        to_html=html_toggle,
        fields=COLOR,
        doc="`<details><summary>` (a Markdown html_block <details>: read_details, called by md_to_blocks' Ctx)",
    ),
    BlockKind(
        ("divider",),
        markdown={"hr": from_md_hr},
        html={"hr": from_html_hr},
        to_markdown=md_divider,
        to_html=html_divider,
        fields=(),
        rich_fields=(),
        doc="`---`, `<hr>`",
    ),
]
