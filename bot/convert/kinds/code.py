"""Code and equations: code (fenced and indented code, `<pre>`) and equation (`$$ … $$`).

A code block's text is split into rich text items of ≤ 2,000 units, and into several code
blocks past 100 items (reported); an unknown language becomes 'plain text' (reported). An
equation over Notion's 1,000 units becomes a latex code block (reported).
"""

from __future__ import annotations

import html
import re

from ..html_tree import Element, Text, descend
from ..languages import map_language
from ..limits import MAX_EXPRESSION, MAX_ITEMS, utf16_len
from ..registry import BlockKind
from ..richtext import chunk_items, split_text, text_item


def code_blocks(ctx, text: str, language: str, line) -> list[dict]:
    items = [text_item(p) for p in split_text(text)] if text else []
    chunks = chunk_items(items)
    if len(chunks) > 1:
        ctx.degrade(line, "code", f"code over {MAX_ITEMS} rich text items: split into {len(chunks)} code blocks")
    return ctx.mark(
        [
            {"object": "block", "type": "code", "code": {"rich_text": ch, "language": language, "caption": []}}
            for ch in chunks
        ],
        line,
    )


# --------------------------------------------------------------------------- Markdown / HTML -> blocks
def from_md_fence(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    info = node.info or ""
    lang, exact = map_language(info)
    if not exact:
        ctx.degrade(
            line, "code_language", f"unknown code language {info.split()[0]!r}: using 'plain text'", info.split()[0]
        )
    text = node.content[:-1] if node.content.endswith("\n") else node.content
    return code_blocks(ctx, text, lang, line)


def from_md_code_block(ctx, node) -> list[dict]:
    text = node.content[:-1] if node.content.endswith("\n") else node.content
    return code_blocks(ctx, text, "plain text", ctx.line_of(node))


def from_md_math_block(ctx, node) -> list[dict]:
    line = ctx.line_of(node)
    expr = node.content.strip()
    if utf16_len(expr) > MAX_EXPRESSION:
        ctx.degrade(line, "equation", f"equation over {MAX_EXPRESSION} units: emitted as a latex code block")
        return code_blocks(ctx, expr, "latex", line)
    return ctx.mark([{"object": "block", "type": "equation", "equation": {"expression": expr}}], line)


def _text_content(el: Element) -> str:
    """The text of everything under `el` (`<br>` as a newline), without recursion: `<pre>`
    nested 1,000 deep is one code block, not a RecursionError."""
    parts = []
    stack = [iter(el.children)]
    while stack:
        c = next(stack[-1], None)
        if c is None:
            stack.pop()
        elif isinstance(c, Text):
            parts.append(c.data)
        elif isinstance(c, Element):
            if c.tag == "br":
                parts.append("\n")
            else:
                descend(stack, c)
    return "".join(parts)


def from_html_pre(flow, el: Element) -> None:
    text = _text_content(el)
    text = text[1:] if text.startswith("\n") else text  # HTML drops a newline right after <pre>
    text = text[:-1] if text.endswith("\n") else text
    code = next((c for c in el.children if isinstance(c, Element) and c.tag == "code"), None)
    classes = ((code.attrs.get("class", "") if code is not None else "") + " " + el.attrs.get("class", "")).split()
    info = next((c.split("-", 1)[1] for c in classes if c.startswith(("language-", "lang-"))), "")
    language = "plain text"
    if info:
        language, exact = map_language(info)
        if not exact:
            flow.ctx.degrade(el.line, "code_language", f"unknown code language {info!r}: using 'plain text'", info)
    flow.out.extend(code_blocks(flow.ctx, text, language, el.line))


# --------------------------------------------------------------------------- blocks -> Markdown / HTML
def md_code(b):
    from ..richtext import items_plain_text

    body = b.get(b["type"]) or {}
    text = items_plain_text(body.get("rich_text", []))
    runs = [len(r) for r in re.findall(r"`{3,}", text)]
    fence = "`" * max([3] + [r + 1 for r in runs])
    lang = body.get("language", "plain text")
    info = "" if lang == "plain text" else lang
    return f"{fence}{info}\n{text}\n{fence}"


def md_equation(b):
    return f"$$\n{(b.get(b['type']) or {}).get('expression', '')}\n$$"


def html_code(block: dict, body: dict, color: str) -> str:
    from ..blocks_to_html import rich_text
    from ..richtext import items_plain_text

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


def check_equation(block: dict, body: dict, where: str, out: list[str]) -> None:
    if utf16_len(body.get("expression", "")) > MAX_EXPRESSION:
        out.append(f"{where}: expression > {MAX_EXPRESSION}")


KINDS = [
    BlockKind(
        ("code",),
        markdown={"fence": from_md_fence, "code_block": from_md_code_block},
        html={"pre": from_html_pre},
        to_markdown=md_code,
        to_html=html_code,
        fields=(("language", "plain text"),),
        rich_fields=("rich_text", "caption"),
        doc="fenced and indented code, `<pre>`",
    ),
    BlockKind(
        ("equation",),
        markdown={"math_block": from_md_math_block, "math_block_label": from_md_math_block},
        to_markdown=md_equation,
        to_html=html_equation,
        fields=(("expression", ""),),
        rich_fields=(),
        check=check_equation,
        doc="`$$ … $$`",
    ),
]
