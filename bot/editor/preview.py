"""`bot preview`: the converted blocks as a standalone HTML page, close to how Notion shows them.

Everything the page needs is inline (CSS, local images as data: URIs), so the file works offline
and can be mailed around. Rendering starts from exactly the blocks `bot publish` would send,
including the bilingual link callout and the properties (shown as Notion's page header).
Nothing here touches Notion or the local workspace.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from ..bilingual import LANGS, language_link, sibling_of
from ..convert import ConvertOptions, Degradation, convert_markdown

# Block and rich text rendering live with the block kinds (bot/convert/blocks_to_html.py); re-exported here.
from ..convert.blocks_to_html import (  # noqa: F401
    LINK_SCHEMES,
    NOTION_BACKGROUNDS,
    NOTION_COLORS,
    PREVIEW_URL,
    WEB_SCHEMES,
    render_block,
    render_blocks,
    rich_text,
    safe_url,
)
from ..convert.richtext import items_plain_text as _plain
from ..mapping import Mapping
from ..properties import desired_icon, desired_properties, display_value, normalize_value
from ..source import Variant

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


def build_pages(
    variants: list[Variant], all_variants: list[Variant], mapping: Mapping, zone, image_roots: tuple[Path, ...] = ()
) -> list[PreviewPage]:
    """The blocks `bot publish` would send for each variant, with in-preview links."""
    by_path = {v.path.resolve(): v for v in all_variants}
    shown = {v.slug for v in variants}
    pages = []
    for v in variants:

        def resolve(href: str, v=v) -> str | None:
            linked = by_path.get((v.path.parent / href.split("#", 1)[0]).resolve()) if href.split("#", 1)[0] else None
            return PREVIEW_URL + quote(linked.slug) if linked else None

        result = convert_markdown(
            v.body,
            ConvertOptions(
                line_offset=v.body_line - 1,
                resolve_link=resolve,
                base_dir=v.path.parent,
                image_roots=image_roots,
                footnotes_heading=mapping.footnotes_title(v.lang),
            ),
        )
        sibling = sibling_of(v, all_variants)
        blocks = list(result.blocks)
        if sibling is not None:
            target = PREVIEW_URL + quote(sibling.slug) if sibling.slug in shown else None
            blocks.insert(0, language_link(v.lang, target, mapping.link_text(v.lang)))
        pages.append(
            PreviewPage(v, desired_properties(v, mapping, zone), desired_icon(v, mapping), blocks, list(result.report))
        )
    return pages


def render_document(pages: list[PreviewPage], mapping: Mapping, title: str | None = None) -> str:
    title = title or " / ".join(
        _plain(p.properties.get(mapping.properties[mapping.title_field].property, {}).get("title", [])) for p in pages
    )
    nav = ""
    if len(pages) > 1:
        nav = (
            '<nav class="variants">'
            + "".join(
                f'<a href="#{html.escape(p.anchor)}">{html.escape(p.variant.lang)} · {html.escape(p.variant.slug)}</a>'
                for p in pages
            )
            + "</nav>"
        )
    body = "\n".join(render_page(p, mapping) for p in pages)
    return (
        '<!DOCTYPE html>\n<html lang="{lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="generator" content="bot preview">\n'
        f"<title>{html.escape(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{nav}\n{body}\n</body>\n</html>\n"
    ).replace("{lang}", pages[0].variant.lang if pages else "en")


def render_page(page: PreviewPage, mapping: Mapping) -> str:
    title_prop = mapping.properties[mapping.title_field].property
    out = [
        f'<article class="page" id="{html.escape(page.anchor)}" lang="{html.escape(page.variant.lang)}" data-slug="{html.escape(page.variant.slug)}">'
    ]
    if page.icon:
        out.append(f'<div class="page-icon">{html.escape(page.icon.get("emoji", ""))}</div>')
    out.append(
        f'<h1 class="page-title">{html.escape(_plain(page.properties.get(title_prop, {}).get("title", [])))}</h1>'
    )
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
            shown = html.escape(
                value["start"].replace("T", " ") + (f" ({value['time_zone']})" if value.get("time_zone") else "")
            )
        else:
            shown = html.escape(
                display_value(prop.type, normalized, width=None)
            )  # the whole summary, as Notion shows it
        out.append(
            f'<tr data-property="{html.escape(prop.property)}"><th>{html.escape(prop.property)}</th><td>{shown}</td></tr>'
        )
    out.append("</table>")
    if page.report:
        items = "".join(
            f"<li>line {d.line}: {html.escape(d.construct)}: {html.escape(d.message)}</li>" for d in page.report
        )
        out.append(
            f'<div class="degradations"><strong>{len(page.report)} degradation(s)</strong> — shown as Notion will show them:<ul>{items}</ul></div>'
        )
    out.append('<hr class="header-rule">')
    out.append(render_blocks(page.blocks))
    out.append("</article>")
    return "\n".join(out)


def preview_html(
    variants: list[Variant], all_variants: list[Variant], mapping: Mapping, zone, image_roots: tuple[Path, ...] = ()
) -> tuple[str, list[PreviewPage]]:
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
            shown = html.escape(
                date["start"].replace("T", " ").replace(".000", "")
                + (f" ({date['time_zone']})" if date.get("time_zone") else "")
            )
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
