"""Rich text items, icons and covers: request validation into response shapes."""

from __future__ import annotations

from typing import Any, Callable

from bot.emoji import is_single_emoji

from ..errors import body_failed, not_defined, not_present, shown, validation
from .checks import (
    MAX_EXPRESSION,
    MAX_TEXT,
    MAX_URL,
    check_array,
    check_bool,
    check_color,
    check_obj,
    check_str,
    check_text,
    is_link_url,
)

ANNOTATION_KEYS = ("bold", "italic", "strikethrough", "underline", "code")
ITEM_TYPES = ("text", "mention", "equation")
# Keys a rich text item may carry besides its type object: `plain_text`/`href` are response
# fields that clients send back when they copy rich text; Notion ignores them (our reading).
ITEM_KEYS = frozenset({"type", "annotations", "plain_text", "href"})
TEXT_KEYS = frozenset({"content", "link"})

MentionResolver = Callable[[dict, str], tuple[dict, str, str | None]]


def default_annotations() -> dict:
    return {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }


def rich_text(items: Any, path: str, mention: MentionResolver | None = None) -> list[dict]:
    check_array(items, path)
    return [rich_text_item(it, f"{path}[{i}]", mention) for i, it in enumerate(items)]


def rich_text_item(item: Any, path: str, mention: MentionResolver | None = None) -> dict:
    check_obj(item, path)
    kind = item.get("type")
    if kind is None:
        kind = next((k for k in ("text", "equation", "mention") if k in item), None)
    if kind not in ("text", "equation", "mention"):
        if kind is None:
            raise not_defined(f"{path}.text")
        raise body_failed(f"{path}.type", 'should be `"text"`, `"mention"`, or `"equation"`', kind)
    _check_item_keys(item, kind, path)
    ann = default_annotations()
    if "annotations" in item and item["annotations"] is not None:
        a = check_obj(item["annotations"], f"{path}.annotations")
        for k, v in a.items():
            if k in ANNOTATION_KEYS:
                ann[k] = check_bool(v, f"{path}.annotations.{k}")
            elif k == "color":
                ann["color"] = check_color(v, f"{path}.annotations.color")
            else:
                raise not_present(f"{path}.annotations.{k}", v)
    if kind == "text":
        t = check_obj(item.get("text"), f"{path}.text") if "text" in item else None
        if t is None:
            raise not_defined(f"{path}.text")
        if "content" not in t:
            raise not_defined(f"{path}.text.content")
        for key in t:
            if key not in TEXT_KEYS:
                raise not_present(f"{path}.text.{key}", t[key])
        content = check_text(t["content"], f"{path}.text.content", MAX_TEXT)
        link = t.get("link")
        url = None
        if link is not None:
            check_obj(link, f"{path}.text.link")
            if "url" not in link:
                raise not_defined(f"{path}.text.link.url")
            url = check_text(link["url"], f"{path}.text.link.url", MAX_URL)
            if not is_link_url(url):
                raise validation("Invalid URL for link.")
        return {
            "type": "text",
            "text": {"content": content, "link": {"url": url} if url is not None else None},
            "annotations": ann,
            "plain_text": content,
            "href": url,
        }
    if kind == "equation":
        eq = check_obj(item.get("equation"), f"{path}.equation")
        if "expression" not in eq:
            raise not_defined(f"{path}.equation.expression")
        expr = check_text(eq["expression"], f"{path}.equation.expression", MAX_EXPRESSION)
        return {
            "type": "equation",
            "equation": {"expression": expr},
            "annotations": ann,
            "plain_text": expr,
            "href": None,
        }
    m = check_obj(item.get("mention"), f"{path}.mention")
    if mention is None:
        body, plain, href = dict(m), "", None
    else:
        body, plain, href = mention(m, f"{path}.mention")
    return {"type": "mention", "mention": body, "annotations": ann, "plain_text": plain, "href": href}


def _check_item_keys(item: dict, kind: str, path: str) -> None:
    """A key that belongs to no item type is refused as Notion's union validator does: the key
    "should be not present", and neither of the other item types "should be defined"
    (recorded for a `link` next to `text`, MESSAGES.md)."""
    for key, value in item.items():
        if key in ITEM_KEYS or key == kind:
            continue
        if key in ITEM_TYPES:
            raise not_present(f"{path}.{key}", value)
        others = [t for t in ITEM_TYPES if t != kind]
        raise validation(
            "body failed validation. Fix one:\n"
            f"{path}.{key} should be not present, instead was `{shown(value)}`.\n"
            + "\n".join(f"{path}.{t} should be defined, instead was `undefined`." for t in others)
        )


def rich_text_plain(items: list[dict]) -> str:
    return "".join(it.get("plain_text", "") for it in items)


# ---------------------------------------------------------------- icons / files


def icon(value: Any, path: str, file_ref: Callable[[dict, str], dict] | None) -> dict | None:
    if value is None:
        return None
    check_obj(value, path)
    kind = value.get("type") or next(
        (k for k in ("emoji", "external", "file_upload", "custom_emoji", "icon") if k in value), None
    )
    if kind == "emoji":
        emoji = check_str(value.get("emoji"), f"{path}.emoji")
        if not is_single_emoji(emoji):  # "books", "📚📚": Notion takes one emoji (MESSAGES.md)
            raise body_failed(f"{path}.emoji", "should be a single emoji", emoji)
        return {"type": "emoji", "emoji": emoji}
    if kind == "external":
        ext = check_obj(value.get("external"), f"{path}.external")
        url = check_text(ext.get("url"), f"{path}.external.url", MAX_URL)
        if not is_link_url(url):  # data:, javascript:, relative: "Invalid page icon URL." (recorded)
            raise validation(f"Invalid page {path.rsplit('.', 1)[-1]} URL.")
        return {"type": "external", "external": {"url": url}}
    if kind == "file_upload" and file_ref is not None:
        return file_ref(check_obj(value.get("file_upload"), f"{path}.file_upload"), f"{path}.file_upload")
    if kind == "custom_emoji":
        ce = check_obj(value.get("custom_emoji"), f"{path}.custom_emoji")
        return {
            "type": "custom_emoji",
            "custom_emoji": {"id": ce.get("id"), "name": ce.get("name", ""), "url": ce.get("url", "")},
        }
    if kind == "icon":
        ic = check_obj(value.get("icon"), f"{path}.icon")
        return {
            "type": "icon",
            "icon": {"name": check_str(ic.get("name"), f"{path}.icon.name"), "color": ic.get("color", "gray")},
        }
    raise body_failed(
        f"{path}.type", 'should be `"emoji"`, `"external"`, `"file_upload"`, `"custom_emoji"`, or `"icon"`', kind
    )
