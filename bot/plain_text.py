"""Rich text -> plain text, the one place: every layer reads it (the converter, pull and
preview through bot.convert.richtext; the language link, the series index and property
comparison directly), so it lives at the bottom, with no imports."""

from __future__ import annotations


def items_plain_text(items) -> str:
    """Rich text -> plain text: text, equations' expressions, mentions' plain_text. Request
    items (no `plain_text`) and response items read alike."""
    parts = []
    for it in items or ():
        t = it.get("type") or ("text" if "text" in it else None)
        if t == "text":
            parts.append(it["text"]["content"])
        elif t == "equation":
            parts.append(it["equation"]["expression"])
        else:
            parts.append(it.get("plain_text", ""))
    return "".join(parts)
