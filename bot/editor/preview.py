"""`bot preview`: the converted blocks as a standalone HTML page, close to how Notion shows them.

Everything the page needs is inline (CSS, local images as data: URIs), so the file works offline
and can be mailed around. Rendering starts from exactly the blocks `bot publish` would send,
including the bilingual link callout and the properties (shown as Notion's page header).
Nothing here touches Notion or the local workspace.
"""

from __future__ import annotations

import base64
import html
import re
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from ..bilingual import LANG_LINK_ICON, LANGS, language_link, sibling_of
from ..convert import ConvertOptions, Degradation, convert_markdown
from ..mapping import Mapping
from ..properties import desired_icon, desired_properties, display_value, normalize_value
from ..source import Variant

PREVIEW_URL = "https://preview.invalid/"  # stands in for a page URL; rewritten to in-document anchors

NOTION_COLORS = {
    "gray": "#787774", "brown": "#9f6b53", "orange": "#d9730d", "yellow": "#cb912f", "green": "#448361",
    "blue": "#337ea9", "purple": "#9065b0", "pink": "#c14c8a", "red": "#d44c47",
}
NOTION_BACKGROUNDS = {
    "gray": "#f1f1ef", "brown": "#f4eeee", "orange": "#fbecdd", "yellow": "#fbf3db", "green": "#edf3ec",
    "blue": "#e7f3f8", "purple": "#f6f3f9", "pink": "#faf1f5", "red": "#fdebec",
}

CSS = """
:root { color-scheme: light; }
body { margin: 0; background: #fff; color: #37352f; font: 16px/1.5 ui-sans-serif, -apple-system, "Segoe UI",
  Helvetica, "Apple Color Emoji", Arial, "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", sans-serif; }
nav.variants { position: sticky; top: 0; background: #fbfbfa; border-bottom: 1px solid #e9e9e7; padding: 8px 24px;
  font-size: 14px; z-index: 2; }
nav.variants a { margin-right: 16px; color: #37352f; }
article.page { max-width: 900px; margin: 0 auto; padding: 48px 96px 96px; border-bottom: 8px solid #f1f1ef; }
.page-icon { font-size: 72px; line-height: 1.1; margin-bottom: 8px; }
h1.page-title { font-size: 40px; font-weight: 700; line-height: 1.2; margin: 0 0 16px; }
table.properties { border-collapse: collapse; margin-bottom: 24px; font-size: 14px; width: 100%; }
table.properties th { text-align: left; color: #787774; font-weight: 400; width: 160px; padding: 4px 8px 4px 0;
  vertical-align: top; }
table.properties td { padding: 4px 0; }
.tag { display: inline-block; background: #e3e2e0; border-radius: 3px; padding: 0 6px; margin: 0 4px 2px 0; }
hr.header-rule { border: 0; border-top: 1px solid #e9e9e7; margin: 0 0 16px; }
.block { margin: 2px 0; }
p.block { min-height: 1.5em; margin: 4px 0; white-space: pre-wrap; }
h1.block { font-size: 30px; margin: 32px 0 4px; } h2.block { font-size: 24px; margin: 24px 0 4px; }
h3.block { font-size: 20px; margin: 16px 0 4px; }
.callout { display: flex; gap: 8px; padding: 16px 16px 16px 12px; border-radius: 4px; margin: 4px 0;
  background: #f1f1ef; }
.callout .callout-icon { font-size: 20px; line-height: 1.2; }
.callout .callout-body { flex: 1; white-space: pre-wrap; }
blockquote.block { border-left: 3px solid currentColor; padding: 0 14px; margin: 4px 0; white-space: pre-wrap; }
details.toggle > summary { cursor: pointer; white-space: pre-wrap; }
details.toggle > .children { padding-left: 24px; }
ul.block, ol.block { padding-left: 24px; margin: 2px 0; }
li { white-space: pre-wrap; padding: 2px 0; }
li.todo { list-style: none; margin-left: -20px; } li.todo.checked > span.text { text-decoration: line-through; color: #9b9a97; }
figure.code { background: #f7f6f3; border-radius: 4px; margin: 8px 0; padding: 0; position: relative; }
figure.code .language { position: absolute; top: 6px; left: 12px; font-size: 12px; color: #787774; }
figure.code pre { margin: 0; padding: 32px 16px 16px; overflow-x: auto; font: 14px/1.5 "SFMono-Regular", Menlo,
  Consolas, "Liberation Mono", monospace; tab-size: 2; }
code.inline { background: rgba(135,131,120,.15); color: #eb5757; border-radius: 4px; padding: .2em .4em;
  font: 85% "SFMono-Regular", Menlo, Consolas, monospace; }
.equation { text-align: center; margin: 8px 0; padding: 8px; font-family: "Latin Modern Math", "STIX Two Math",
  "Cambria Math", serif; font-style: italic; overflow-x: auto; }
span.equation-inline { font-family: "Latin Modern Math", "STIX Two Math", "Cambria Math", serif; font-style: italic; }
table.simple-table { border-collapse: collapse; margin: 8px 0; }
table.simple-table td, table.simple-table th { border: 1px solid #e9e9e7; padding: 6px 10px; vertical-align: top;
  white-space: pre-wrap; }
table.simple-table th { background: #f7f6f3; font-weight: 600; text-align: left; }
figure.image { margin: 8px 0; } figure.image img { max-width: 100%; }
figure.image figcaption { color: #787774; font-size: 14px; padding-top: 4px; }
hr.divider { border: 0; border-top: 1px solid #e9e9e7; margin: 12px 0; }
.unsupported { color: #9b9a97; font-style: italic; }
a { color: inherit; text-decoration: underline; text-decoration-color: rgba(55,53,47,.4); }
.degradations { background: #fbf3db; border-radius: 4px; padding: 8px 16px; font-size: 13px; margin-bottom: 16px; }
"""


@dataclass
class PreviewPage:
    variant: Variant
    properties: dict  # request-shaped property values
    icon: dict | None
    blocks: list[dict]
    report: list[Degradation]

    @property
    def anchor(self) -> str:
        return self.variant.slug


def build_pages(variants: list[Variant], all_variants: list[Variant], mapping: Mapping, zone, image_roots: tuple[Path, ...] = ()) -> list[PreviewPage]:
    """The blocks `bot publish` would send for each variant, with in-preview links."""
    by_path = {v.path.resolve(): v for v in all_variants}
    shown = {v.slug for v in variants}
    pages = []
    for v in variants:
        def resolve(href: str, v=v) -> str | None:
            linked = by_path.get((v.path.parent / href.split("#", 1)[0]).resolve()) if href.split("#", 1)[0] else None
            return PREVIEW_URL + quote(linked.slug) if linked else None

        result = convert_markdown(v.body, ConvertOptions(line_offset=v.body_line - 1, resolve_link=resolve, base_dir=v.path.parent, image_roots=image_roots, footnotes_heading=mapping.footnotes_title(v.lang)))
        sibling = sibling_of(v, all_variants)
        blocks = list(result.blocks)
        if sibling is not None:
            target = PREVIEW_URL + quote(sibling.slug) if sibling.slug in shown else None
            blocks.insert(0, language_link(v.lang, target))
        pages.append(PreviewPage(v, desired_properties(v, mapping, zone), desired_icon(v, mapping), blocks, list(result.report)))
    return pages


def render_document(pages: list[PreviewPage], mapping: Mapping, title: str | None = None) -> str:
    title = title or " / ".join(_plain(p.properties.get(mapping.properties[mapping.title_field].property, {}).get("title", [])) for p in pages)
    nav = ""
    if len(pages) > 1:
        nav = '<nav class="variants">' + "".join(f'<a href="#{html.escape(p.anchor)}">{html.escape(p.variant.lang)} · {html.escape(p.variant.slug)}</a>' for p in pages) + "</nav>"
    body = "\n".join(render_page(p, mapping) for p in pages)
    return (
        "<!DOCTYPE html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n"
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="bot preview">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{nav}\n{body}\n</body>\n</html>\n"
    ).replace("{lang}", pages[0].variant.lang if pages else "en")


def render_page(page: PreviewPage, mapping: Mapping) -> str:
    title_prop = mapping.properties[mapping.title_field].property
    out = [f'<article class="page" id="{html.escape(page.anchor)}" lang="{html.escape(page.variant.lang)}" data-slug="{html.escape(page.variant.slug)}">']
    if page.icon:
        out.append(f'<div class="page-icon">{html.escape(page.icon.get("emoji", ""))}</div>')
    out.append(f'<h1 class="page-title">{html.escape(_plain(page.properties.get(title_prop, {}).get("title", [])))}</h1>')
    out.append('<table class="properties">')
    for field_name, prop in mapping.properties.items():
        if prop.type == "title":
            continue
        value = page.properties.get(prop.property, {}).get(prop.type)
        normalized = normalize_value(prop.type, value)
        if prop.type == "multi_select" and normalized:
            shown = "".join(f'<span class="tag">{html.escape(v["name"])}</span>' for v in value)
        elif prop.type == "select" and normalized:
            shown = f'<span class="tag">{html.escape(normalized)}</span>'
        elif prop.type == "date" and value:
            shown = html.escape(value["start"].replace("T", " ") + (f" ({value['time_zone']})" if value.get("time_zone") else ""))
        else:
            shown = html.escape(display_value(prop.type, normalized, width=None))  # the whole summary, as Notion shows it
        out.append(f'<tr data-property="{html.escape(prop.property)}"><th>{html.escape(prop.property)}</th><td>{shown}</td></tr>')
    out.append("</table>")
    if page.report:
        items = "".join(f"<li>line {d.line}: {html.escape(d.construct)}: {html.escape(d.message)}</li>" for d in page.report)
        out.append(f'<div class="degradations"><strong>{len(page.report)} degradation(s)</strong> — shown as Notion will show them:<ul>{items}</ul></div>')
    out.append('<hr class="header-rule">')
    out.append(render_blocks(page.blocks))
    out.append("</article>")
    return "\n".join(out)


# --------------------------------------------------------------------------- blocks
LIST_TAGS = {"bulleted_list_item": "ul", "numbered_list_item": "ol", "to_do": "ul"}


def render_blocks(blocks: list[dict]) -> str:
    out: list[str] = []
    i = 0
    while i < len(blocks):
        kind = blocks[i].get("type")
        if kind in LIST_TAGS:
            j = i
            while j < len(blocks) and blocks[j].get("type") == kind:
                j += 1
            tag = LIST_TAGS[kind]
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


def _paragraph(block: dict, body: dict, color: str) -> str:
    children = f'<div class="children" style="padding-left:24px">{_children(body)}</div>' if body.get("children") else ""
    return f'<p class="block"{color}>{rich_text(body.get("rich_text", []))}</p>' + children


def _heading(block: dict, body: dict, color: str) -> str:
    kind = block["type"]
    level = min(int(kind[-1]), 3)
    inner = f'<h{level} class="block {kind}"{color}>{rich_text(body.get("rich_text", []))}</h{level}>'
    if body.get("is_toggleable"):
        return f'<details class="toggle heading" open><summary>{inner}</summary><div class="children">{_children(body)}</div></details>'
    return inner


def _callout(block: dict, body: dict, color: str) -> str:
    glyph = (body.get("icon") or {}).get("emoji") or ""
    bg = body.get("color", "gray_background")
    style = ""
    if bg and bg.endswith("_background"):
        style = f' style="background:{NOTION_BACKGROUNDS.get(bg.removesuffix("_background"), "#f1f1ef")}"'
    language = " language-link" if glyph == LANG_LINK_ICON else ""
    return (f'<div class="block callout{language}"{style}><div class="callout-icon">{html.escape(glyph)}</div>'
            f'<div class="callout-body">{rich_text(body.get("rich_text", []))}{_children(body)}</div></div>')


def _quote(block: dict, body: dict, color: str) -> str:
    return f'<blockquote class="block"{color}>{rich_text(body.get("rich_text", []))}{_children(body)}</blockquote>'


def _toggle(block: dict, body: dict, color: str) -> str:
    return f'<details class="block toggle" open><summary>{rich_text(body.get("rich_text", []))}</summary><div class="children">{_children(body)}</div></details>'


def _code(block: dict, body: dict, color: str) -> str:
    language = body.get("language", "plain text")
    code = "".join(_item_text(i) for i in body.get("rich_text", []))
    caption = rich_text(body.get("caption", []))
    return (f'<figure class="block code" data-language="{html.escape(language)}"><span class="language">{html.escape(language.title() if language != "plain text" else "Plain Text")}</span>'
            f'<pre><code class="language-{html.escape(language.replace(" ", "-"))}">{html.escape(code)}</code></pre>'
            + (f"<figcaption>{caption}</figcaption>" if caption else "") + "</figure>")


def _equation(block: dict, body: dict, color: str) -> str:
    expression = html.escape(body.get("expression", ""))
    return f'<div class="block equation" data-expression="{expression}">{expression}</div>'


def _divider(block: dict, body: dict, color: str) -> str:
    return '<hr class="block divider">'


def _table(block: dict, body: dict, color: str) -> str:
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


def _image(block: dict, body: dict, color: str) -> str:
    src = _image_src(block, body)
    caption = rich_text(body.get("caption", []))
    alt = html.escape(_plain(body.get("caption", [])))
    return f'<figure class="block image"><img src="{html.escape(src)}" alt="{alt}">' + (f"<figcaption>{caption}</figcaption>" if caption else "") + "</figure>"


def _link_block(block: dict, body: dict, color: str) -> str:
    kind, url = block["type"], body.get("url", "")
    href = safe_url(url, WEB_SCHEMES)
    if href is None:  # shown, never followed
        return f'<p class="block {kind}">{html.escape(url)}</p>'
    return f'<p class="block {kind}"><a href="{html.escape(href)}">{html.escape(url)}</a></p>'


def _lone_list_item(block: dict, body: dict, color: str) -> str:
    tag = LIST_TAGS[block["type"]]
    return f'<{tag} class="block {block["type"]}">{_list_item(block)}</{tag}>'


def _unsupported(block: dict, body: dict, color: str) -> str:
    kind = html.escape(block.get("type", ""))
    return f'<div class="block unsupported" data-type="{kind}">[{kind}]</div>'


HTML_RENDERERS: dict[str, BlockRender] = {
    "paragraph": _paragraph,
    **{f"heading_{n}": _heading for n in (1, 2, 3, 4)},
    "callout": _callout,
    "quote": _quote,
    "toggle": _toggle,
    "code": _code,
    "equation": _equation,
    "divider": _divider,
    "table": _table,
    "image": _image,
    **{kind: _link_block for kind in ("bookmark", "embed", "link_preview")},
    **{kind: _lone_list_item for kind in LIST_TAGS},
}


def render_block(block: dict) -> str:
    kind = block.get("type", "")
    body = block.get(kind) or {}
    return HTML_RENDERERS.get(kind, _unsupported)(block, body, _color_attr(body.get("color")))


def _image_src(block: dict, body: dict) -> str:
    local = block.get("bot_local_file")
    if local:
        from ..convert.assets import ImageChangedError, read_checked_image

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
def _item_text(item: dict) -> str:
    if item.get("type") == "equation":
        return item["equation"]["expression"]
    if "text" in item:
        return item["text"]["content"]
    return item.get("plain_text", "")


def _plain(items: list[dict]) -> str:
    return "".join(_item_text(i) for i in items)


def rich_text(items: list[dict]) -> str:
    out = []
    for item in items:
        ann = item.get("annotations") or {}
        if item.get("type") == "equation":
            piece = f'<span class="equation-inline">{html.escape(item["equation"]["expression"])}</span>'
        else:
            piece = html.escape(_item_text(item)).replace("\n", "<br>")
            if ann.get("code"):
                piece = f'<code class="inline">{piece}</code>'
        if ann.get("bold"):
            piece = f"<strong>{piece}</strong>"
        if ann.get("italic"):
            piece = f"<em>{piece}</em>"
        if ann.get("strikethrough"):
            piece = f"<s>{piece}</s>"
        if ann.get("underline"):
            piece = f"<u>{piece}</u>"
        color = ann.get("color")
        if color and color != "default":
            piece = f"<span{_color_attr(color)}>{piece}</span>"
        link = ((item.get("text") or {}).get("link") or {}).get("url") if item.get("type", "text") == "text" else None
        if link:
            href = "#" + link[len(PREVIEW_URL):] if link.startswith(PREVIEW_URL) else safe_url(link, LINK_SCHEMES)
            if href is not None:
                piece = f'<a href="{html.escape(href)}">{piece}</a>'
        out.append(piece)
    return "".join(out)


def preview_html(variants: list[Variant], all_variants: list[Variant], mapping: Mapping, zone, image_roots: tuple[Path, ...] = ()) -> tuple[str, list[PreviewPage]]:
    ordered = sorted(variants, key=lambda v: (v.week, LANGS.index(v.lang)))
    pages = build_pages(ordered, all_variants, mapping, zone, image_roots)
    return render_document(pages, mapping), pages


# --------------------------------------------------------------------------- live pages
def render_live_page(page: dict, blocks: list[dict]) -> str:
    """A page as the API returns it (properties in response shape, blocks with children
    attached) as a standalone HTML document — how `bot local serve` shows `/p/<id>`."""
    props = page.get("properties", {})
    title = next((_plain(v.get("title", [])) for v in props.values() if v.get("type") == "title"), "")
    icon = (page.get("icon") or {}).get("emoji", "")
    rows = []
    for name, value in props.items():
        kind = value.get("type")
        if kind == "title" or not kind:
            continue
        normalized = normalize_value(kind, value.get(kind))
        if kind == "multi_select" and normalized:
            shown = "".join(f'<span class="tag">{html.escape(v["name"])}</span>' for v in value[kind])
        elif kind == "select" and normalized:
            shown = f'<span class="tag">{html.escape(normalized)}</span>'
        elif kind == "date" and value.get("date"):
            date = value["date"]  # as Notion returns it: local time with its offset
            shown = html.escape(date["start"].replace("T", " ").replace(".000", "") + (f" ({date['time_zone']})" if date.get("time_zone") else ""))
        else:
            shown = html.escape(display_value(kind, normalized, width=None))
        rows.append(f'<tr data-property="{html.escape(name)}"><th>{html.escape(name)}</th><td>{shown}</td></tr>')
    article = (
        f'<article class="page" id="{html.escape(page.get("id", ""))}">'
        + (f'<div class="page-icon">{html.escape(icon)}</div>' if icon else "")
        + f'<h1 class="page-title">{html.escape(title)}</h1><table class="properties">{"".join(rows)}</table>'
        + f'<hr class="header-rule">{render_blocks(blocks)}</article>'
    )
    return (
        '<!DOCTYPE html>\n<html>\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="bot local serve">\n<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n'
        f"<body>\n{article}\n</body>\n</html>\n"
    )
