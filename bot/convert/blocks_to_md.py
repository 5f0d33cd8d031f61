"""Notion blocks (request- or response-shaped) -> canonical Markdown.

One small function per block type in MD_RENDERERS. Text is escaped so that it
re-parses (with bot.convert.parser) to the same content.
"""

from __future__ import annotations

import re

from .normalize import children_of, normalize_rich_text
from .richtext import BOLD, CODE, ITALIC, STRIKE, flags_of

_ALWAYS_ESCAPE = re.compile(r"([\\`*_\[\]<>~$|&])")
_AUTOLINK_BREAK = re.compile(r"(?i)(?<=[a-z0-9])(@)(?=[a-z0-9])|(?<=http)(:)(?=//)|(?<=https)(:)(?=//)|(?<=www)(\.)")

KIND_BY_EMOJI = {"\u2139\ufe0f": "NOTE", "\u2139": "NOTE", "\U0001f4a1": "TIP", "\u2757": "IMPORTANT",
                 "\u26a0\ufe0f": "WARNING", "\u26a0": "WARNING", "\U0001f6d1": "CAUTION"}
KIND_BY_COLOR = {"blue_background": "NOTE", "green_background": "TIP", "purple_background": "IMPORTANT",
                 "yellow_background": "WARNING", "red_background": "CAUTION"}

# Emphasis markers, opened in this order (outermost first).
_MARKS = ((STRIKE, "~~"), (BOLD, "**"), (ITALIC, "*"))


def escape_text(s: str, ctx: str) -> str:
    s = _ALWAYS_ESCAPE.sub(r"\\\1", s)
    s = _AUTOLINK_BREAK.sub(lambda m: "\\" + (m.group(1) or m.group(2) or m.group(3) or m.group(4)), s)
    return s


def _code_span(c: str, table: bool) -> str:
    runs = [len(r) for r in re.findall(r"`+", c)]
    n = 1
    while n in runs:
        n += 1
    fence = "`" * n
    if c.startswith("`") or c.endswith("`") or (c.startswith(" ") and c.endswith(" ") and c.strip()):
        c = f" {c} "
    if table:
        c = c.replace("|", "\\|")
    return f"{fence}{c}{fence}"


def render_rich_text(items: list[dict], ctx: str = "block") -> str:
    """ctx: "block" (paragraph-like), "table" (cell), "line" (heading / summary: no newlines)."""
    items = normalize_rich_text(items)
    out: list[str] = []
    stack: list[tuple] = []  # ("m", flag, marker) or ("l", url)

    def close_to(keep: int) -> None:
        # move trailing whitespace outside of closing emphasis markers
        ws = ""
        if any(e[0] == "m" for e in stack[keep:]):
            while out and out[-1] and out[-1][-1] in " \t" and not out[-1].endswith("\\ "):
                last = out.pop()
                stripped = last.rstrip(" \t")
                ws = last[len(stripped):] + ws
                if stripped:
                    out.append(stripped)
                    break
        while len(stack) > keep:
            e = stack.pop()
            out.append(e[2] if e[0] == "m" else f"]({_url(e[1])})")
        out.append(ws)

    for it in items:
        t = it["type"]
        flags = flags_of(it["annotations"])
        link = it["text"]["link"]["url"] if t == "text" and it["text"]["link"] else None
        want: list[tuple] = []
        if link:
            want.append(("l", link))
        for f, mk in _MARKS:
            if flags & f:
                want.append(("m", f, mk))
        keep = 0
        while keep < len(stack) and keep < len(want) and stack[keep] == want[keep]:
            keep += 1
        if keep < len(stack):
            close_to(keep)
        if t == "text":
            text = it["text"]["content"]
            body = _code_span(text, ctx == "table") if flags & CODE else _escape_inline(text, ctx)
        elif t == "equation":
            body = f"${it['equation']['expression']}$"
            text = "x"
        else:
            text = (it.get(t) or {}).get("plain_text", "") if isinstance(it.get(t), dict) else ""
            body = _escape_inline(it.get("plain_text", text), ctx)
        if len(want) > len(stack):
            # whitespace must stay outside of opening emphasis markers
            lead = ""
            if t == "text" and not flags & CODE and any(e[0] == "m" for e in want[keep:]):
                stripped = body.lstrip(" \t")
                lead = body[: len(body) - len(stripped)]
                body = stripped
            out.append(lead)
            for e in want[len(stack):]:
                out.append(e[2] if e[0] == "m" else "[")
                stack.append(e)
        out.append(body)
    close_to(0)
    s = "".join(out)
    return _fix_lines(s, ctx)


def _url(u: str) -> str:
    if re.search(r"[\s()<>]", u):
        return "<" + u.replace("<", "%3C").replace(">", "%3E") + ">"
    return u


def _escape_inline(text: str, ctx: str) -> str:
    s = escape_text(text, ctx)
    if ctx != "block":
        s = s.replace("\n", "<br>")
    return s


def _fix_lines(s: str, ctx: str) -> str:
    """Line-start escapes, spaces around line breaks, hard breaks."""
    if ctx == "block" and "\n" in s:
        lead_nl = len(s) - len(s.lstrip("\n"))
        trail_nl = len(s) - len(s.rstrip("\n"))
        core = s[lead_nl: len(s) - trail_nl] if trail_nl else s[lead_nl:]
        lines = core.split("\n")
        lines = [_protect_edges(line) for line in lines]
        core = "\\\n".join(lines)
        s = "<br>" * lead_nl + core + "<br>" * trail_nl
    else:
        s = _protect_edges(s)
    return _line_start(s)


def _protect_edges(line: str) -> str:
    # leading/trailing spaces of a line are stripped by the parser: encode them
    if line[:1] in (" ", "\t"):
        stripped = line.lstrip(" \t")
        line = "".join("&#32;" if c == " " else "&#9;" for c in line[: len(line) - len(stripped)]) + stripped
    if line[-1:] in (" ", "\t"):
        stripped = line.rstrip(" \t")
        line = stripped + "".join("&#32;" if c == " " else "&#9;" for c in line[len(stripped):])
    return line


def _line_start(s: str) -> str:
    def fix(line: str) -> str:
        m = re.match(r"(\d+)([.)])", line)
        if m:
            return m.group(1) + "\\" + line[len(m.group(1)):]
        if line[:1] in ("#", "+", "=", ">", "-"):
            return "\\" + line
        return line
    return "\n".join(fix(x) for x in s.split("\n"))


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _body(block: dict) -> dict:
    return block.get(block["type"]) or {}


def _with_children(head: str, block: dict, indent: int) -> str:
    kids = children_of(block)
    if not kids:
        return head
    inner = _indent(render_blocks(kids), indent)
    if head in ("-", "1."):  # empty item: content must start on the next line
        return head + "\n" + inner
    return head + "\n\n" + inner


def md_paragraph(b):
    return render_rich_text(_body(b).get("rich_text", []))


def _heading(level):
    def fn(b):
        text = render_rich_text(_body(b).get("rich_text", []), "line")
        return ("#" * level + " " + text).rstrip()
    return fn


def md_bulleted(b):
    return _with_children(("- " + render_rich_text(_body(b).get("rich_text", []))).rstrip(), b, 2)


def md_numbered(b):
    return _with_children(("1. " + render_rich_text(_body(b).get("rich_text", []))).rstrip(), b, 3)


def md_todo(b):
    box = "[x]" if _body(b).get("checked") else "[ ]"
    text = render_rich_text(_body(b).get("rich_text", []))
    head = f"- {box} {text}" if text else f"- {box}"
    return _with_children(head, b, 2)


def _quoted(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.split("\n"))


def md_quote(b):
    parts = []
    text = render_rich_text(_body(b).get("rich_text", []))
    if text:
        parts.append(text)
    kids = children_of(b)
    if kids:
        parts.append(render_blocks(kids))
    return _quoted("\n\n".join(parts)) if parts else ">"


def md_callout(b):
    body = _body(b)
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


def md_toggle(b):
    summary = render_rich_text(_body(b).get("rich_text", []), "line")
    kids = children_of(b)
    inner = render_blocks(kids) + "\n\n" if kids else ""
    return f"<details>\n<summary>{summary}</summary>\n\n{inner}</details>"


def md_code(b):
    body = _body(b)
    text = "".join(i.get("text", {}).get("content", i.get("plain_text", "")) for i in body.get("rich_text", []))
    runs = [len(r) for r in re.findall(r"`{3,}", text)]
    fence = "`" * max([3] + [r + 1 for r in runs])
    lang = body.get("language", "plain text")
    info = "" if lang == "plain text" else lang
    return f"{fence}{info}\n{text}\n{fence}"


def md_equation(b):
    return f"$$\n{_body(b).get('expression', '')}\n$$"


def md_divider(b):
    return "---"


def md_table(b):
    rows = children_of(b)
    width = _body(b).get("table_width") or (len(_body(rows[0]).get("cells", [])) if rows else 0)
    if not rows or not width:
        return ""
    lines = []
    for i, row in enumerate(rows):
        cells = list(_body(row).get("cells", []))[:width]
        cells += [[]] * (width - len(cells))
        lines.append("| " + " | ".join(render_rich_text(c, "table") for c in cells) + " |")
        if i == 0:
            lines.append("|" + "|".join([" --- "] * width) + "|")
    return "\n".join(lines)


def md_image(b):
    body = _body(b)
    caption = render_rich_text(body.get("caption", []), "line")
    local = b.get("bot_local_file")
    if local:
        url = local["path"]
    else:
        t = body.get("type") or ("external" if "external" in body else "file")
        url = (body.get(t) or {}).get("url") or f"notion-file-upload:{(body.get(t) or {}).get('id', '')}"
    return f"![{caption}]({_url(url)})"


def md_link_block(b):
    url = _body(b).get("url", "")
    return f"<{url}>" if url else ""


def md_unknown(b):
    body = _body(b)
    if isinstance(body, dict) and "rich_text" in body:
        return _with_children(render_rich_text(body["rich_text"]), b, 0)
    return ""


MD_RENDERERS = {
    "paragraph": md_paragraph,
    "heading_1": _heading(1),
    "heading_2": _heading(2),
    "heading_3": _heading(3),
    "heading_4": _heading(4),
    "bulleted_list_item": md_bulleted,
    "numbered_list_item": md_numbered,
    "to_do": md_todo,
    "quote": md_quote,
    "callout": md_callout,
    "toggle": md_toggle,
    "code": md_code,
    "equation": md_equation,
    "divider": md_divider,
    "table": md_table,
    "image": md_image,
    "bookmark": md_link_block,
    "embed": md_link_block,
    "link_preview": md_link_block,
}


def render_blocks(blocks: list[dict]) -> str:
    parts = []
    for b in blocks:
        s = MD_RENDERERS.get(b.get("type"), md_unknown)(b)
        if s:
            parts.append(s)
    return "\n\n".join(parts)


def blocks_to_markdown(blocks: list[dict]) -> str:
    s = render_blocks(blocks)
    return s + "\n" if s else ""
