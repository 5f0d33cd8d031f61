"""normalize_block (canonical comparable content of one block) and plain_text."""

from __future__ import annotations

import re

from .richtext import items_plain_text

_ANN_DEFAULT = {"bold": False, "italic": False, "strikethrough": False, "underline": False,
                "code": False, "color": "default"}
_SHA16_IN_URL = re.compile(r"/([0-9a-f]{16})-")

# Per block type: (field, default) pairs kept besides rich text fields.
_FIELDS: dict[str, tuple[tuple[str, object], ...]] = {
    "paragraph": (("color", "default"),),
    "bulleted_list_item": (("color", "default"),),
    "numbered_list_item": (("color", "default"),),
    "quote": (("color", "default"),),
    "toggle": (("color", "default"),),
    "heading_1": (("color", "default"), ("is_toggleable", False)),
    "heading_2": (("color", "default"), ("is_toggleable", False)),
    "heading_3": (("color", "default"), ("is_toggleable", False)),
    "heading_4": (("color", "default"), ("is_toggleable", False)),
    "to_do": (("checked", False), ("color", "default")),
    "code": (("language", "plain text"),),
    "callout": (("color", "default"),),
    "equation": (("expression", ""),),
    "divider": (),
    "table": (("table_width", 0), ("has_column_header", False), ("has_row_header", False)),
}
_RICH_FIELDS = {
    "code": ("rich_text", "caption"),
    "equation": (),
    "divider": (),
    "table": (),
    "table_row": (),
}
_DROP = {"children", "plain_text", "href", "id", "created_time", "last_edited_time",
         "created_by", "last_edited_by", "has_children", "archived", "in_trash", "parent", "object"}


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
            if out and out[-1]["type"] == "text" and out[-1]["annotations"] == ann and \
                    out[-1]["text"]["link"] == ({"url": url} if url is not None else None):
                out[-1]["text"]["content"] += content
                continue
            out.append({"type": "text", "text": {"content": content, "link": {"url": url} if url is not None else None},
                        "annotations": ann})
        elif t == "equation":
            out.append({"type": "equation", "equation": {"expression": it["equation"].get("expression", "")},
                        "annotations": ann})
        else:
            out.append({"type": t, t: it.get(t), "annotations": ann})
    return out


def _icon(icon):
    if not isinstance(icon, dict):
        return icon
    t = icon.get("type")
    if t == "emoji":
        return {"type": "emoji", "emoji": icon.get("emoji")}
    if t in ("external", "file"):
        return {"type": t, t: {"url": (icon.get(t) or {}).get("url")}}
    return {k: v for k, v in icon.items() if k not in _DROP}


def _normalize_image(block: dict) -> dict:
    body = block.get("image", {})
    caption = normalize_rich_text(body.get("caption"))
    local = block.get("bot_local_file")
    if local:
        return {"type": "image", "image": {"local_sha16": local["sha256"][:16], "caption": caption}}
    t = body.get("type") or ("external" if "external" in body else "file" if "file" in body else None)
    if t == "external":
        return {"type": "image", "image": {"external": body["external"]["url"], "caption": caption}}
    if t == "file":
        url = body["file"].get("url", "")
        m = _SHA16_IN_URL.search(url.split("?", 1)[0])
        if m:
            return {"type": "image", "image": {"local_sha16": m.group(1), "caption": caption}}
        return {"type": "image", "image": {"file": url.split("?", 1)[0], "caption": caption}}
    if t == "file_upload":
        return {"type": "image", "image": {"file_upload": body["file_upload"].get("id"), "caption": caption}}
    return {"type": "image", "image": {"caption": caption}}


def normalize_block(block: dict) -> dict:
    """Canonical, comparable content of ONE block (children excluded)."""
    t = block["type"]
    if t == "image":
        return _normalize_image(block)
    body = block.get(t) or {}
    out: dict = {}
    if t == "table_row":
        out["cells"] = [normalize_rich_text(c) for c in body.get("cells", [])]
        return {"type": t, t: out}
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
    if t == "callout":
        out["icon"] = _icon(body.get("icon"))
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
