"""Notion blocks -> HTML, close to how Notion shows them (`bot preview`, `bot local serve`), and
rich text -> HTML (the one renderer, in two styles: the preview's and the one pulled Markdown embeds).

One render function per block kind, looked up in the registry (bot/convert/registry.py, TO_HTML):
`(block, its body, colour attribute) -> HTML`. Every URL passes `safe_url`.
"""

from __future__ import annotations

import base64
import html
import mimetypes
import re
from pathlib import Path
from typing import Callable, NamedTuple

from ..bilingual import LANG_LINK_ICON
from .normalize import normalize_rich_text
from .registry import HTML_LIST_TAG, TO_HTML, resolve
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
    out: list[str] = []
    i = 0
    while i < len(blocks):
        kind = blocks[i].get("type")
        if kind in HTML_LIST_TAG:
            j = i
            while j < len(blocks) and blocks[j].get("type") == kind:
                j += 1
            tag = HTML_LIST_TAG[kind]
            items = "".join(_list_item(b) for b in blocks[i:j])
            out.append(f'<{tag} class="block {kind}">{items}</{tag}>')
            i = j
            continue
        out.append(render_block(blocks[i]))
        i += 1
    return "\n".join(out)


def _children(body: dict) -> str:
    children = body.get("children") or []
    return render_blocks(children) if children else ""


def _color_attr(color: str | None) -> str:
    if not color or color == "default":
        return ""
    if color.endswith("_background"):
        bg = NOTION_BACKGROUNDS.get(color.removesuffix("_background"))
        return f' style="background:{bg}"' if bg else ""
    fg = NOTION_COLORS.get(color)
    return f' style="color:{fg}"' if fg else ""


def _list_item(block: dict) -> str:
    kind = block["type"]
    body = block[kind]
    text = rich_text(body.get("rich_text", []))
    if kind == "to_do":
        checked = body.get("checked")
        box = f'<input type="checkbox" disabled{" checked" if checked else ""}> '
        return f'<li class="todo{" checked" if checked else ""}"{_color_attr(body.get("color"))}>{box}<span class="text">{text}</span>{_children(body)}</li>'
    return f"<li{_color_attr(body.get('color'))}>{text}{_children(body)}</li>"


# --------------------------------------------------------------------------- blocks
# One render function per block type (the converter's style): (block, its body, colour attribute) -> HTML.
BlockRender = Callable[[dict, dict, str], str]


def html_paragraph(block: dict, body: dict, color: str) -> str:
    children = (
        f'<div class="children" style="padding-left:24px">{_children(body)}</div>' if body.get("children") else ""
    )
    return f'<p class="block"{color}>{rich_text(body.get("rich_text", []))}</p>' + children


def html_heading(block: dict, body: dict, color: str) -> str:
    kind = block["type"]
    level = min(int(kind[-1]), 3)
    inner = f'<h{level} class="block {kind}"{color}>{rich_text(body.get("rich_text", []))}</h{level}>'
    if body.get("is_toggleable"):
        return f'<details class="toggle heading" open><summary>{inner}</summary><div class="children">{_children(body)}</div></details>'
    return inner


def html_callout(block: dict, body: dict, color: str) -> str:
    glyph = (body.get("icon") or {}).get("emoji") or ""
    bg = body.get("color", "gray_background")
    style = ""
    if bg and bg.endswith("_background"):
        style = f' style="background:{NOTION_BACKGROUNDS.get(bg.removesuffix("_background"), "#f1f1ef")}"'
    language = " language-link" if glyph == LANG_LINK_ICON else ""
    return (
        f'<div class="block callout{language}"{style}><div class="callout-icon">{html.escape(glyph)}</div>'
        f'<div class="callout-body">{rich_text(body.get("rich_text", []))}{_children(body)}</div></div>'
    )


def html_quote(block: dict, body: dict, color: str) -> str:
    return f'<blockquote class="block"{color}>{rich_text(body.get("rich_text", []))}{_children(body)}</blockquote>'


def html_toggle(block: dict, body: dict, color: str) -> str:
    return f'<details class="block toggle" open><summary>{rich_text(body.get("rich_text", []))}</summary><div class="children">{_children(body)}</div></details>'


def html_code(block: dict, body: dict, color: str) -> str:
    language = body.get("language", "plain text")
    code = items_plain_text(body.get("rich_text", []))
    caption = rich_text(body.get("caption", []))
    return (
        f'<figure class="block code" data-language="{html.escape(language)}"><span class="language">{html.escape(language.title() if language != "plain text" else "Plain Text")}</span>'
        f'<pre><code class="language-{html.escape(language.replace(" ", "-"))}">{html.escape(code)}</code></pre>'
        + (f"<figcaption>{caption}</figcaption>" if caption else "")
        + "</figure>"
    )


def html_equation(block: dict, body: dict, color: str) -> str:
    expression = html.escape(body.get("expression", ""))
    return f'<div class="block equation" data-expression="{expression}">{expression}</div>'


def html_divider(block: dict, body: dict, color: str) -> str:
    return '<hr class="block divider">'


def html_table(block: dict, body: dict, color: str) -> str:
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


def html_image(block: dict, body: dict, color: str) -> str:
    src = _image_src(block, body)
    caption = rich_text(body.get("caption", []))
    alt = html.escape(items_plain_text(body.get("caption", [])))
    return (
        f'<figure class="block image"><img src="{html.escape(src)}" alt="{alt}">'
        + (f"<figcaption>{caption}</figcaption>" if caption else "")
        + "</figure>"
    )


def html_link_block(block: dict, body: dict, color: str) -> str:
    kind, url = block["type"], body.get("url", "")
    href = safe_url(url, WEB_SCHEMES)
    if href is None:  # shown, never followed
        return f'<p class="block {kind}">{html.escape(url)}</p>'
    return f'<p class="block {kind}"><a href="{html.escape(href)}">{html.escape(url)}</a></p>'


def html_lone_list_item(block: dict, body: dict, color: str) -> str:
    tag = HTML_LIST_TAG[block["type"]]
    return f'<{tag} class="block {block["type"]}">{_list_item(block)}</{tag}>'


def _unsupported(block: dict, body: dict, color: str) -> str:
    kind = html.escape(block.get("type", ""))
    return f'<div class="block unsupported" data-type="{kind}">[{kind}]</div>'


def render_block(block: dict) -> str:
    resolve(TO_HTML)
    kind = block.get("type", "")
    body = block.get(kind) or {}
    return TO_HTML.get(kind, _unsupported)(block, body, _color_attr(body.get("color")))


def _image_src(block: dict, body: dict) -> str:
    local = block.get("bot_local_file")
    if local:
        from .assets import ImageChangedError, read_checked_image

        path = Path(local["path"])
        try:  # the same vetted read as an upload: never a FIFO, never a file swapped in
            data = base64.b64encode(read_checked_image(path, local["sha256"])).decode("ascii")
        except (OSError, ImageChangedError):
            return ""
        mime = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return f"data:{mime};base64,{data}"
    source = body.get(body.get("type", "external")) or {}
    return safe_url(source.get("url", ""), WEB_SCHEMES) or ""


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
            piece = f"<span{_color_attr(color)}>{piece}</span>"
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
