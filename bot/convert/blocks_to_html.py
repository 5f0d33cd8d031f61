"""Notion blocks -> HTML, close to how Notion shows them (`bot preview`, `bot local serve`), and
rich text -> HTML (the one renderer, in two styles: the preview's and the one pulled Markdown embeds).

One render function per block kind, looked up in the registry (bot/convert/registry.py, TO_HTML):
`(block, its body, colour attribute) -> HTML`. Every URL passes `safe_url`.
"""

from __future__ import annotations

import html
import re
from typing import Callable, NamedTuple

from .normalize import normalize_rich_text
from .registry import HTML_LIST_ITEM, HTML_LIST_TAG, TO_HTML, resolve
from .richtext import BOLD, CODE, HIGHLIGHT, ITALIC, STRIKE, UNDERLINE, flags_of, items_plain_text

PREVIEW_URL = "https://preview.invalid/"  # stands in for a page URL; rewritten to in-document anchors

NOTION_COLORS = {
    "gray": "#787774",
    "brown": "#9f6b53",
    "orange": "#d9730d",
    "yellow": "#cb912f",
    "green": "#448361",
    "blue": "#337ea9",
    "purple": "#9065b0",
    "pink": "#c14c8a",
    "red": "#d44c47",
}
NOTION_BACKGROUNDS = {
    "gray": "#f1f1ef",
    "brown": "#f4eeee",
    "orange": "#fbecdd",
    "yellow": "#fbf3db",
    "green": "#edf3ec",
    "blue": "#e7f3f8",
    "purple": "#f6f3f9",
    "pink": "#faf1f5",
    "red": "#fdebec",
}


def render_blocks(blocks: list[dict]) -> str:
    resolve(HTML_LIST_ITEM)
    out: list[str] = []
    i = 0
    while i < len(blocks):
        kind = blocks[i].get("type")
        if kind in HTML_LIST_TAG:
            j = i
            while j < len(blocks) and blocks[j].get("type") == kind:
                j += 1
            tag = HTML_LIST_TAG[kind]
            item = HTML_LIST_ITEM[kind]
            items = "".join(item(b) for b in blocks[i:j])
            out.append(f'<{tag} class="block {kind}">{items}</{tag}>')
            i = j
            continue
        out.append(render_block(blocks[i]))
        i += 1
    return "\n".join(out)


def children_html(body: dict) -> str:
    children = body.get("children") or []
    return render_blocks(children) if children else ""


def color_attr(color: str | None) -> str:
    if not color or color == "default":
        return ""
    if color.endswith("_background"):
        bg = NOTION_BACKGROUNDS.get(color.removesuffix("_background"))
        return f' style="background:{bg}"' if bg else ""
    fg = NOTION_COLORS.get(color)
    return f' style="color:{fg}"' if fg else ""


# --------------------------------------------------------------------------- blocks
# One render function per block type, in its kind's record (bot/convert/kinds):
# (block, its body, colour attribute) -> HTML.
BlockRender = Callable[[dict, dict, str], str]


def _unsupported(block: dict, body: dict, color: str) -> str:
    kind = html.escape(block.get("type", ""))
    return f'<div class="block unsupported" data-type="{kind}">[{kind}]</div>'


def render_block(block: dict) -> str:
    resolve(TO_HTML)
    kind = block.get("type", "")
    body = block.get(kind) or {}
    return TO_HTML.get(kind, _unsupported)(block, body, color_attr(body.get("color")))


# --------------------------------------------------------------------------- URLs
# Every URL the bot renders into HTML (previews, `bot local serve`'s /p/<id>) passes this
# allow-list: what a workspace holds is data, and `javascript:`/`data:` links would run in the page.
WEB_SCHEMES = frozenset({"http", "https"})
LINK_SCHEMES = WEB_SCHEMES | {"mailto"}
_URL_SCHEME = re.compile(r"([a-zA-Z][a-zA-Z0-9+.-]*):")
_IGNORED_BY_BROWSERS = re.compile(r"[\x00-\x20\x7f]")  # browsers drop these inside a scheme ("java\tscript:")


def safe_url(url: str, schemes: frozenset[str]) -> str | None:
    """`url` when its scheme is allowed (or it has none: a relative link or #anchor), else None."""
    if not isinstance(url, str):
        return None
    match = _URL_SCHEME.match(_IGNORED_BY_BROWSERS.sub("", url))
    if match and match.group(1).lower() not in schemes:
        return None
    return url.strip()


# --------------------------------------------------------------------------- rich text
class RichHtmlStyle(NamedTuple):
    """How rich_text_html writes annotations, equations and links."""

    marks: tuple[tuple[int, str, str], ...]  # (flag, opening, closing), innermost first
    equation: Callable[[str], str]  # expression -> HTML
    href: Callable[[str], str | None]  # link URL -> href (None: the text stays unlinked)
    colors: bool  # a colour annotation becomes a styled <span>
    merge: bool  # merge adjacent items first (normalize_rich_text)
    quote: bool  # html.escape(quote=...) of text
    code_on_equations: bool  # whether the code mark wraps an equation too


def _preview_href(link: str) -> str | None:
    return "#" + link[len(PREVIEW_URL) :] if link.startswith(PREVIEW_URL) else safe_url(link, LINK_SCHEMES)


# The preview's: Notion's look (<strong>, colours), links checked against LINK_SCHEMES.
PREVIEW_STYLE = RichHtmlStyle(
    marks=(
        (CODE, '<code class="inline">', "</code>"),
        (BOLD, "<strong>", "</strong>"),
        (ITALIC, "<em>", "</em>"),
        (STRIKE, "<s>", "</s>"),
        (UNDERLINE, "<u>", "</u>"),
    ),
    equation=lambda expression: f'<span class="equation-inline">{html.escape(expression)}</span>',
    href=_preview_href,
    colors=True,
    merge=False,
    quote=True,
    code_on_equations=False,
)
# The one pulled Markdown embeds (HTML tables): tags the converter reads back, math as `$…$` text.
MARKDOWN_STYLE = RichHtmlStyle(
    marks=(
        (CODE, "<code>", "</code>"),
        (ITALIC, "<i>", "</i>"),
        (BOLD, "<b>", "</b>"),
        (STRIKE, "<s>", "</s>"),
        (UNDERLINE, "<u>", "</u>"),
        (HIGHLIGHT, "<mark>", "</mark>"),
    ),
    equation=lambda expression: html.escape(f"${expression}$", quote=False),
    href=lambda url: url,
    colors=False,
    merge=True,
    quote=False,
    code_on_equations=True,
)


def rich_text_html(items: list[dict], style: RichHtmlStyle = PREVIEW_STYLE) -> str:
    out = []
    for item in normalize_rich_text(items) if style.merge else items:
        ann = item.get("annotations") or {}
        flags = flags_of(ann)
        if item.get("type") == "equation":
            piece = style.equation(item["equation"]["expression"])
            if not style.code_on_equations:
                flags &= ~CODE
        else:
            piece = html.escape(items_plain_text((item,)), quote=style.quote).replace("\n", "<br>")
        for flag, opening, closing in style.marks:
            if flags & flag:
                piece = f"{opening}{piece}{closing}"
        color = ann.get("color") if style.colors else None
        if color and color != "default":
            piece = f"<span{color_attr(color)}>{piece}</span>"
        link = ((item.get("text") or {}).get("link") or {}).get("url") if item.get("type", "text") == "text" else None
        if link:
            href = style.href(link)
            if href is not None:
                piece = f'<a href="{html.escape(href)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def rich_text(items: list[dict]) -> str:
    """Rich text as the preview shows it."""
    return rich_text_html(items, PREVIEW_STYLE)
