"""normalize_block (canonical comparable content of one block) and plain_text."""

from __future__ import annotations

from .registry import FIELDS, NORMALIZERS, RICH_FIELDS, resolve
from .richtext import items_plain_text

_ANN_DEFAULT = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}

# Per block type, from the block kinds' records (bot/convert/kinds): the (field, default) pairs kept
# besides rich text fields (FIELDS; a type without: every content field as it is), the rich text
# fields (RICH_FIELDS; default: rich_text) and whole replacements (NORMALIZERS: image, table_row ...,
# which build on normalize_fields / normalize_rich_text / normalize_icon here).
_FIELDS = FIELDS
_RICH_FIELDS = RICH_FIELDS
_DROP = {
    "children",
    "plain_text",
    "href",
    "id",
    "created_time",
    "last_edited_time",
    "created_by",
    "last_edited_by",
    "has_children",
    "archived",
    "in_trash",
    "parent",
    "object",
}


def _annotations(ann: dict | None) -> dict:
    out = dict(_ANN_DEFAULT)
    if ann:
        for k in _ANN_DEFAULT:
            if k in ann:
                out[k] = ann[k]
    return out


def normalize_rich_text(items: list[dict] | None) -> list[dict]:
    out: list[dict] = []
    for it in items or []:
        t = it.get("type", "text" if "text" in it else None)
        ann = _annotations(it.get("annotations"))
        if t == "text":
            link = it["text"].get("link")
            url = link.get("url") if isinstance(link, dict) else (link if isinstance(link, str) else None)
            content = it["text"].get("content", "")
            if not content:
                continue
            if (
                out
                and out[-1]["type"] == "text"
                and out[-1]["annotations"] == ann
                and out[-1]["text"]["link"] == ({"url": url} if url is not None else None)
            ):
                out[-1]["text"]["content"] += content
                continue
            out.append(
                {
                    "type": "text",
                    "text": {"content": content, "link": {"url": url} if url is not None else None},
                    "annotations": ann,
                }
            )
        elif t == "equation":
            out.append(
                {
                    "type": "equation",
                    "equation": {"expression": it["equation"].get("expression", "")},
                    "annotations": ann,
                }
            )
        else:
            out.append({"type": t, t: it.get(t), "annotations": ann})
    return out


def normalize_icon(icon):
    if not isinstance(icon, dict):
        return icon
    t = icon.get("type")
    if t == "emoji":
        return {"type": "emoji", "emoji": icon.get("emoji")}
    if t in ("external", "file"):
        return {"type": t, t: {"url": (icon.get(t) or {}).get("url")}}
    return {k: v for k, v in icon.items() if k not in _DROP}


def normalize_block(block: dict) -> dict:
    """Canonical, comparable content of ONE block (children excluded)."""
    t = block["type"]
    special = NORMALIZERS.get(t)
    if special is not None:
        if special.__class__ is str:  # still a "module:function" name (first use)
            resolve(NORMALIZERS)
            special = NORMALIZERS[t]
        return special(block)
    return normalize_fields(block)


def normalize_fields(block: dict) -> dict:
    """normalize_block by the kind's FIELDS / RICH_FIELDS (a record's `normalize` may build on it)."""
    t = block["type"]
    body = block.get(t) or {}
    out: dict = {}
    rich_fields = _RICH_FIELDS.get(t, ("rich_text",))
    for f in rich_fields:
        out[f] = normalize_rich_text(body.get(f))
    fields = _FIELDS.get(t)
    if fields is None:  # other block types: keep content fields as they are
        for k, v in body.items():
            if k not in _DROP and k not in out:
                out[k] = normalize_rich_text(v) if k in ("rich_text", "caption") else v
    else:
        for k, default in fields:
            v = body.get(k, default)
            out[k] = default if v is None else v
    return {"type": t, t: out}


def children_of(block: dict) -> list[dict]:
    body = block.get(block.get("type"), {})
    return (body.get("children") if isinstance(body, dict) else None) or []


def normalize_tree(blocks: list[dict]) -> list[dict]:
    """normalize_block recursively, children under "children" (for tests / diffs)."""
    out = []
    for b in blocks:
        n = normalize_block(b)
        kids = children_of(b)
        if kids:
            n["children"] = normalize_tree(kids)
        out.append(n)
    return out


def plain_text(blocks: list[dict]) -> list[str]:
    """One line per block, depth-first: the plain text of its rich_text.

    table_row: cells joined by " | "; equation: its expression; image: its caption;
    blocks without text (divider, table): "".
    """
    lines: list[str] = []
    for b in blocks:
        t = b.get("type")
        body = b.get(t) or {}
        if t == "table_row":
            lines.append(" | ".join(items_plain_text(c) for c in body.get("cells", [])))
        elif t == "equation":
            lines.append(body.get("expression", ""))
        elif "rich_text" in body:
            lines.append(items_plain_text(body["rich_text"]))
        elif "caption" in body:
            lines.append(items_plain_text(body["caption"]))
        else:
            lines.append("")
        kids = children_of(b)
        if kids:
            lines.extend(plain_text(kids))
    return lines
