"""Notion request limits (see shared/reference/notion-api.md §2) and a checker.

All text lengths are measured in UTF-16 code units, which is what Notion counts.
"""

from __future__ import annotations

import re

MAX_TEXT = 2000  # rich text text.content per item
MAX_URL = 2000  # text.link.url and any other URL
MAX_EXPRESSION = 1000  # equation.expression (inline and block)
MAX_ITEMS = 100  # rich_text array length (also any block array in ONE request)
MAX_OPTIONS = 100  # multi-select options (also relations, people) in one request

_HTTP_URL = re.compile(r"https?://[^\s]+\Z", re.IGNORECASE)

RICH_TEXT_FIELDS = ("rich_text", "caption")


def utf16_len(s: str) -> int:
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le")) // 2


def is_valid_link_url(url: str) -> bool:
    """Absolute http(s) URL within Notion's URL limit.

    Only http/https are accepted: Notion answers other schemes in text.link.url
    with `validation_error` "Invalid URL for link." (no official doc lists the
    accepted schemes; third-party integrations such as dvanoni/notero#459 found
    that only http: and https: work, and mailto: is not documented as accepted).
    """
    return bool(_HTTP_URL.match(url)) and utf16_len(url) <= MAX_URL


def check_rich_text(items: list, where: str, out: list[str]) -> None:
    if not isinstance(items, list):
        out.append(f"{where}: rich text is not a list")
        return
    if len(items) > MAX_ITEMS:
        out.append(f"{where}: {len(items)} rich text items > {MAX_ITEMS}")
    for i, it in enumerate(items):
        t = it.get("type")
        if t == "text":
            content = it["text"]["content"]
            n = utf16_len(content)
            if n > MAX_TEXT:
                out.append(f"{where}[{i}]: text.content {n} UTF-16 units > {MAX_TEXT}")
            if content and 0xDC00 <= ord(content[0]) <= 0xDFFF:
                out.append(f"{where}[{i}]: starts with a lone low surrogate")
            link = it["text"].get("link")
            if link is not None and not is_valid_link_url(link.get("url", "")):
                out.append(f"{where}[{i}]: invalid link url {link.get('url')!r:.80}")
        elif t == "equation":
            n = utf16_len(it["equation"]["expression"])
            if n > MAX_EXPRESSION:
                out.append(f"{where}[{i}]: equation {n} > {MAX_EXPRESSION}")
        elif t != "mention":
            out.append(f"{where}[{i}]: unknown rich text type {t!r}")


def check_limits(blocks: list[dict], path: str = "blocks") -> list[str]:
    """Return human readable violations of Notion's per-request content limits.

    Checked at every depth: rich text item length / count, link URLs, equation
    expressions, image URLs, table row widths, and that some request can carry the block
    (bot/convert/request_size.py: 500 KB, a table with its first row). Not checked: the length
    of a `children` array, nesting and the size of a block with its children (the writer
    splits those over as many requests as they take).
    """
    # The kinds' own checks (their records' `check`): the registry is imported here, not at the
    # top, since it loads the kinds' modules, which read this module's constants.
    from .registry import CHECKS, resolve
    from .request_size import BLOCK_BYTES, json_size, sendable_alone

    resolve(CHECKS)
    out: list[str] = []
    for bi, block in enumerate(blocks):
        t = block.get("type")
        where = f"{path}[{bi}].{t}" if path else str(t)  # path "": one block, named by its type
        body = block.get(t)
        if not isinstance(body, dict):
            out.append(f"{where}: missing body")
            continue
        for key in RICH_TEXT_FIELDS:
            if key in body:
                check_rich_text(body[key], f"{where}.{key}", out)
        check = CHECKS.get(t)  # the kind's own limits (its record in bot/convert/kinds)
        if check is not None:
            check(block, body, where, out)
        if not sendable_alone(block):
            with_row = " with its first row" if t == "table" else ""
            out.append(
                f"{where}: {json_size(_least_copy(block)):,} bytes{with_row}, more than the {BLOCK_BYTES:,} a request carries in "
                "blocks (Notion takes 500 KB per request, envelope included) even on its own; split it into smaller blocks"
            )
        children = body.get("children")
        if children:
            out.extend(check_limits(children, f"{where}.children"))
    return out


def _least_copy(block: dict) -> dict:
    """The smallest request form of `block`: itself with the children it cannot be created
    without (a table's first row, a column list's columns with a block each), so a refusal
    names the size a request would have to carry."""
    from .registry import MIN_CHILDREN
    from .request_size import children_of, own_copy

    own = own_copy(block)
    least = MIN_CHILDREN.get(block.get("type"), 0)
    if least:
        own[block["type"]]["children"] = [_least_copy(kid) for kid in children_of(block)[:least]]
    return own


def check_property_limits(properties: dict) -> list[tuple[str | None, str]]:
    """(property name or None, violation) for property values one request cannot carry:
    rich-text arrays over 100 items (title and text properties are split into items of at most
    2,000 units: about 200,000 characters), multi-select over 100 options, URLs over 2,000, and
    all properties together over the room a page-create request leaves (request_size)."""
    from .request_size import BLOCK_BYTES, json_size

    out: list[tuple[str | None, str]] = []
    for name, value in properties.items():
        for kind, v in value.items():
            if kind in ("title", "rich_text") and len(v or []) > MAX_ITEMS:
                units = sum(utf16_len(item.get("text", {}).get("content", "")) for item in v)
                out.append(
                    (
                        name,
                        f"{units:,} characters take {len(v)} rich-text items of at most {MAX_TEXT:,}; "
                        f"Notion takes at most {MAX_ITEMS} in one request (about {MAX_ITEMS * MAX_TEXT:,} characters): shorten it",
                    )
                )
            elif kind == "multi_select" and len(v or []) > MAX_OPTIONS:
                out.append((name, f"{len(v)} options; Notion takes at most {MAX_OPTIONS} in one request"))
            elif kind == "url" and v and utf16_len(v) > MAX_URL:
                out.append((name, f"a URL of {utf16_len(v):,} characters; Notion takes at most {MAX_URL:,}"))
    size = json_size({"properties": properties})
    if size > BLOCK_BYTES:
        out.append(
            (
                None,
                f"the properties take {size:,} bytes together; a Notion request carries at most 500 KB "
                f"(the bot keeps {BLOCK_BYTES:,} for them): shorten the longest fields",
            )
        )
    return out
