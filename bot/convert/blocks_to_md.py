"""Notion blocks (request- or response-shaped) -> canonical Markdown.

One small function per block kind, looked up in the registry (bot/convert/registry.py,
TO_MARKDOWN; MD_RENDERERS is that table). Text is escaped so that it re-parses (with
bot.convert.parser) to the same content.
"""

from __future__ import annotations

import re
from typing import Protocol

from .normalize import children_of, normalize_rich_text
from .registry import LIST_MARKER, TO_MARKDOWN, resolve
from .richtext import BOLD, CODE, HIGHLIGHT, ITALIC, STRIKE, UNDERLINE, flags_of

# Escape only what Markdown would otherwise read as syntax, so pulled prose reads like written
# prose (`>60%`, `Hit@10`, `~2.8x`, `a | b` stay as they are). Each rule names why it is needed.
_ALWAYS_ESCAPE = re.compile(r"([\\`*\[\]$])")  # escapes, code, emphasis, links, math: always syntax
_UNDERSCORE = re.compile(r"(?<![A-Za-z0-9])_|_(?![A-Za-z0-9])")  # intraword `_` (snake_case) never emphasises
_ANGLE = re.compile(r"<(?=[A-Za-z/!?]|$)")  # only `<tag`, `</`, `<!`, `<?` and autolinks open HTML
_ENTITY = re.compile(r"&(?=#[0-9]{1,7};|#[xX][0-9A-Fa-f]{1,6};|[A-Za-z][A-Za-z0-9]*;)")  # `&amp;`-like only
_AUTOLINK_BREAK = re.compile(
    r"(?<=[A-Za-z0-9._+-])(@)(?=[A-Za-z0-9_-]+\.[A-Za-z0-9])"  # a bare e-mail address (GFM autolink)
    r"|(?i:(?<=http)(:)(?=//)|(?<=https)(:)(?=//)|(?<=www)(\.))"  # a bare URL
)

# Emphasis markers (flag, opening, closing), opened in this order (outermost first).
# Underline and highlight have no Markdown syntax: the HTML tags the converter reads back.
_MARKS = (
    (HIGHLIGHT, "<mark>", "</mark>"),
    (UNDERLINE, "<u>", "</u>"),
    (STRIKE, "~~", "~~"),
    (BOLD, "**", "**"),
    (ITALIC, "*", "*"),
)


class MdRenderer(Protocol):
    """A Notion block -> Markdown (MD_RENDERERS values)."""

    def __call__(self, block: dict, /) -> str: ...


def escape_text(s: str, ctx: str, tildes: bool = True) -> str:
    """`tildes`: whether `~` can pair up in this block (strikethrough takes one or two tildes)."""
    s = _ALWAYS_ESCAPE.sub(r"\\\1", s)
    s = _UNDERSCORE.sub(r"\\_", s)
    if tildes:
        s = s.replace("~", "\\~")
    s = _ANGLE.sub(r"\\<", s)
    s = _ENTITY.sub(r"\\&", s)
    if ctx == "table":
        s = s.replace("|", "\\|")  # only a table cell ends at `|`
    s = _AUTOLINK_BREAK.sub(lambda m: "\\" + next(g for g in m.groups() if g), s)
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
    tildes = _tildes_can_pair(items)
    out: list[str] = []
    stack: list[tuple] = []  # ("m", flag, opening, closing) or ("l", url)

    def close_to(keep: int) -> None:
        # move trailing whitespace outside of closing emphasis markers
        ws = ""
        if any(e[0] == "m" for e in stack[keep:]):
            while out and out[-1] and out[-1][-1] in " \t" and not out[-1].endswith("\\ "):
                last = out.pop()
                stripped = last.rstrip(" \t")
                ws = last[len(stripped) :] + ws
                if stripped:
                    out.append(stripped)
                    break
        while len(stack) > keep:
            e = stack.pop()
            out.append(e[3] if e[0] == "m" else f"]({markdown_url(e[1])})")
        out.append(ws)

    for it in items:
        t = it["type"]
        flags = flags_of(it["annotations"])
        link = it["text"]["link"]["url"] if t == "text" and it["text"]["link"] else None
        want: list[tuple] = []
        if link:
            want.append(("l", link))
        for f, opening, closing in _MARKS:
            if flags & f:
                want.append(("m", f, opening, closing))
        keep = 0
        while keep < len(stack) and keep < len(want) and stack[keep] == want[keep]:
            keep += 1
        if keep < len(stack):
            close_to(keep)
        if t == "text":
            text = it["text"]["content"]
            body = _code_span(text, ctx == "table") if flags & CODE else _escape_inline(text, ctx, tildes)
        elif t == "equation":
            body = f"${it['equation']['expression']}$"
            text = "x"
        else:
            text = (it.get(t) or {}).get("plain_text", "") if isinstance(it.get(t), dict) else ""
            body = _escape_inline(it.get("plain_text", text), ctx, tildes)
        if len(want) > len(stack):
            # whitespace must stay outside of opening emphasis markers
            lead = ""
            if t == "text" and not flags & CODE and any(e[0] == "m" for e in want[keep:]):
                stripped = body.lstrip(" \t")
                lead = body[: len(body) - len(stripped)]
                body = stripped
            out.append(lead)
            for e in want[len(stack) :]:
                out.append(e[2] if e[0] == "m" else "[")
                stack.append(e)
        out.append(body)
    close_to(0)
    s = "".join(out)
    return _fix_lines(s, ctx)


def markdown_url(u: str) -> str:
    """A link destination as Markdown reads it back (in <…> when it holds spaces or brackets)."""
    if re.search(r"[\s()<>]", u):
        return "<" + u.replace("<", "%3C").replace(">", "%3E") + ">"
    return u


def _tildes_can_pair(items: list[dict]) -> bool:
    """A lone `~` (`~2.8x`) has nothing to pair with, so it needs no escape."""
    count = 0
    for it in items:
        flags = flags_of(it["annotations"])
        if flags & STRIKE:
            return True
        if it["type"] == "text" and not flags & CODE:
            count += it["text"]["content"].count("~")
    return count > 1


def _escape_inline(text: str, ctx: str, tildes: bool = True) -> str:
    s = escape_text(text, ctx, tildes)
    if ctx != "block":
        s = s.replace("\n", "<br>")
    return s


def _fix_lines(s: str, ctx: str) -> str:
    """Line-start escapes, spaces around line breaks, hard breaks."""
    if ctx == "block" and "\n" in s:
        lead_nl = len(s) - len(s.lstrip("\n"))
        trail_nl = len(s) - len(s.rstrip("\n"))
        core = s[lead_nl : len(s) - trail_nl] if trail_nl else s[lead_nl:]
        lines = core.split("\n")
        lines = [_protect_edges(line) for line in lines]
        core = "\\\n".join(lines)
        s = "<br>" * lead_nl + core + "<br>" * trail_nl
    else:
        s = _protect_edges(s)
    return s if ctx == "table" else _line_start(s)  # a cell never starts a line: `2.80%` stays


def _protect_edges(line: str) -> str:
    # leading/trailing spaces of a line are stripped by the parser: encode them
    if line[:1] in (" ", "\t"):
        stripped = line.lstrip(" \t")
        line = "".join("&#32;" if c == " " else "&#9;" for c in line[: len(line) - len(stripped)]) + stripped
    if line[-1:] in (" ", "\t"):
        stripped = line.rstrip(" \t")
        line = stripped + "".join("&#32;" if c == " " else "&#9;" for c in line[len(stripped) :])
    return line


def _line_start(s: str) -> str:
    def fix(line: str) -> str:
        m = re.match(r"(\d+)([.)])", line)
        if m:
            return m.group(1) + "\\" + line[len(m.group(1)) :]
        if line[:1] in ("#", "+", "=", ">", "-"):
            return "\\" + line
        return line

    return "\n".join(fix(x) for x in s.split("\n"))


def _indent(text: str, n: int) -> str:
    pad = " " * n
    return "\n".join(pad + line if line else line for line in text.split("\n"))


def _body(block: dict) -> dict:
    return block.get(block["type"]) or {}


def with_children(head: str, block: dict, indent: int) -> str:
    kids = children_of(block)
    if not kids:
        return head
    inner = _indent(render_blocks(kids), indent)
    if head in ("-", "1.") or kids[0].get("type") in LIST_MARKER:  # a nested list needs no blank line
        return head + "\n" + inner
    return head + "\n\n" + inner


def md_unknown(b):
    body = _body(b)
    if isinstance(body, dict) and "rich_text" in body:
        return with_children(render_rich_text(body["rich_text"]), b, 0)
    return ""


# The block kinds' renderers (filled by bot/convert/kinds); a kind without one: md_unknown.
MD_RENDERERS: dict[str, MdRenderer] = TO_MARKDOWN
# LIST_MARKER (registry): items that continue one Markdown list when written on consecutive lines.


def render_blocks(blocks: list[dict]) -> str:
    """Blocks separated by a blank line, except consecutive items of one list: lists stay tight."""
    resolve(TO_MARKDOWN)
    out: list[str] = []
    previous = None
    for b in blocks:
        s = MD_RENDERERS.get(b.get("type"), md_unknown)(b)
        if not s:
            continue
        marker = LIST_MARKER.get(b.get("type"))
        if out:
            out.append("\n" if marker and marker == previous else "\n\n")
        out.append(s)
        previous = marker
    return "".join(out)


def blocks_to_markdown(blocks: list[dict]) -> str:
    s = render_blocks(blocks)
    if s == "---" or s.startswith("---\n"):
        s = "***" + s[3:]  # a leading `---` would open YAML front matter if another `---` follows
    return s + "\n" if s else ""
