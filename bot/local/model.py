"""Request validation and normalisation into Notion's response shapes.

Everything here is pure (no storage): rich text, blocks, property schemas and values,
dates, and data-source query filters/sorts.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone
from typing import Any, Callable
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import NotionError, body_failed, not_defined, not_present, shown, too_long, validation

MAX_TEXT = 2000
MAX_URL = 2000
MAX_EXPRESSION = 1000
MAX_ARRAY = 100
MAX_EMAIL = 200
MAX_PHONE = 200

COLORS = (
    "default gray brown orange yellow green blue purple pink red "
    "default_background gray_background brown_background orange_background yellow_background "
    "green_background blue_background purple_background pink_background red_background"
).split()
OPTION_COLORS = "default gray brown orange yellow green blue purple pink red".split()

LANGUAGES = (
    "abap|abc|agda|arduino|ascii art|assembly|bash|basic|bnf|c|c#|c++|clojure|coffeescript|coq|css|"
    "dart|dhall|diff|docker|ebnf|elixir|elm|erlang|f#|flow|fortran|gherkin|glsl|go|graphql|groovy|"
    "haskell|hcl|html|idris|java|javascript|json|julia|kotlin|latex|less|lisp|livescript|llvm ir|lua|"
    "makefile|markdown|markup|matlab|mathematica|mermaid|nix|notion formula|objective-c|ocaml|pascal|"
    "perl|php|plain text|powershell|prolog|protobuf|purescript|python|r|racket|reason|ruby|rust|sass|"
    "scala|scheme|scss|shell|smalltalk|solidity|sql|swift|toml|typescript|vb.net|verilog|vhdl|"
    "visual basic|webassembly|xml|yaml|java/c/c++/c#"
).split("|")
LANGUAGE_SET = frozenset(LANGUAGES)

_LINK_URL = re.compile(r"https?://[^\s/?#]+[^\s]*\Z", re.IGNORECASE)
_ANY_URL = re.compile(r"[a-z][a-z0-9+.-]*:[^\s]+\Z", re.IGNORECASE)


def utf16_len(s: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def check_array(value: Any, path: str, *, max_items: int = MAX_ARRAY) -> list:
    if not isinstance(value, list):
        raise body_failed(path, "should be an array", value)
    if len(value) > max_items:
        raise too_long(path, max_items, len(value))
    return value


def check_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise body_failed(path, "should be a boolean", value)
    return value


def check_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise body_failed(path, "should be a string", value)
    return value


def check_obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise body_failed(path, "should be an object", value)
    return value


def check_color(value: Any, path: str, allowed: list[str] = COLORS) -> str:
    if value not in allowed:
        raise body_failed(path, "should be " + ", ".join(f"`{shown(c)}`" for c in allowed), value)
    return value


def is_link_url(url: str) -> bool:
    return bool(_LINK_URL.match(url))


# ---------------------------------------------------------------- rich text

ANNOTATION_KEYS = ("bold", "italic", "strikethrough", "underline", "code")

MentionResolver = Callable[[dict, str], tuple[dict, str, str | None]]


def default_annotations() -> dict:
    return {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False, "color": "default"}


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
        content = check_str(t["content"], f"{path}.text.content")
        n = utf16_len(content)
        if n > MAX_TEXT:
            raise too_long(f"{path}.text.content", MAX_TEXT, n)
        link = t.get("link")
        url = None
        if link is not None:
            check_obj(link, f"{path}.text.link")
            if "url" not in link:
                raise not_defined(f"{path}.text.link.url")
            url = check_str(link["url"], f"{path}.text.link.url")
            n = utf16_len(url)
            if n > MAX_URL:
                raise too_long(f"{path}.text.link.url", MAX_URL, n)
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
        expr = check_str(eq["expression"], f"{path}.equation.expression")
        n = utf16_len(expr)
        if n > MAX_EXPRESSION:
            raise too_long(f"{path}.equation.expression", MAX_EXPRESSION, n)
        return {"type": "equation", "equation": {"expression": expr}, "annotations": ann, "plain_text": expr, "href": None}
    m = check_obj(item.get("mention"), f"{path}.mention")
    if mention is None:
        body, plain, href = dict(m), "", None
    else:
        body, plain, href = mention(m, f"{path}.mention")
    return {"type": "mention", "mention": body, "annotations": ann, "plain_text": plain, "href": href}


def plain_text(items: list[dict]) -> str:
    return "".join(it.get("plain_text", "") for it in items)


# ---------------------------------------------------------------- icons / files

def icon(value: Any, path: str, file_ref: Callable[[dict, str], dict] | None) -> dict | None:
    if value is None:
        return None
    check_obj(value, path)
    kind = value.get("type") or next((k for k in ("emoji", "external", "file_upload", "custom_emoji", "icon") if k in value), None)
    if kind == "emoji":
        emoji = check_str(value.get("emoji"), f"{path}.emoji")
        return {"type": "emoji", "emoji": emoji}
    if kind == "external":
        ext = check_obj(value.get("external"), f"{path}.external")
        url = check_str(ext.get("url"), f"{path}.external.url")
        if utf16_len(url) > MAX_URL:
            raise too_long(f"{path}.external.url", MAX_URL, utf16_len(url))
        return {"type": "external", "external": {"url": url}}
    if kind == "file_upload" and file_ref is not None:
        return file_ref(check_obj(value.get("file_upload"), f"{path}.file_upload"), f"{path}.file_upload")
    if kind == "custom_emoji":
        ce = check_obj(value.get("custom_emoji"), f"{path}.custom_emoji")
        return {"type": "custom_emoji", "custom_emoji": {"id": ce.get("id"), "name": ce.get("name", ""), "url": ce.get("url", "")}}
    if kind == "icon":
        ic = check_obj(value.get("icon"), f"{path}.icon")
        return {"type": "icon", "icon": {"name": check_str(ic.get("name"), f"{path}.icon.name"), "color": ic.get("color", "gray")}}
    raise body_failed(f"{path}.type", 'should be `"emoji"`, `"external"`, `"file_upload"`, `"custom_emoji"`, or `"icon"`', kind)


# ---------------------------------------------------------------- blocks

TEXT_BLOCKS = ("paragraph", "bulleted_list_item", "numbered_list_item", "quote", "toggle")
HEADINGS = ("heading_1", "heading_2", "heading_3", "heading_4")
MEDIA = ("image", "video", "pdf", "audio", "file")
CREATABLE = (
    TEXT_BLOCKS + HEADINGS + MEDIA
    + ("to_do", "callout", "code", "equation", "divider", "breadcrumb", "table_of_contents",
       "table", "table_row", "column_list", "column", "synced_block", "link_to_page", "embed",
       "bookmark", "tab", "template")
)
NOT_CREATABLE = ("child_page", "child_database", "link_preview", "unsupported", "meeting_notes", "transcription")
ALL_TYPES = CREATABLE + NOT_CREATABLE
# Block types whose request payload may carry `children`.
CONTAINERS = frozenset(TEXT_BLOCKS + HEADINGS + ("to_do", "callout", "table", "column_list", "column", "synced_block", "tab", "template"))

MAX_BLOCKS_PER_REQUEST = 1000
MAX_DEPTH = 3  # top level + two levels of nesting


def block_type_of(block: dict, path: str) -> str:
    kind = block.get("type")
    if kind is None:
        present = [k for k in block if k in ALL_TYPES]
        if len(present) == 1:
            kind = present[0]
        elif not present:
            unknown = [k for k in block if k not in ("object", "type", "children", "id")]
            if unknown:
                raise validation(f"body failed validation: {path}.{unknown[0]} is not a supported block type.")
            raise not_defined(f"{path}.type")
        else:
            raise not_present(f"{path}.{present[1]}", block[present[1]])
    if not isinstance(kind, str):
        raise body_failed(f"{path}.type", "should be a string", kind)
    if kind in NOT_CREATABLE:
        if kind == "link_preview":
            raise validation(
                f"body failed validation: {path}.link_preview is not supported: link_preview blocks can only be "
                "returned as part of a response; the API does not support creating or appending them."
            )
        raise validation(f"body failed validation: {path}.type `{shown(kind)}` is not a block type that can be created through the API.")
    if kind not in CREATABLE:
        raise validation(f"body failed validation: {path}.{kind} is not a supported block type.")
    if kind not in block:
        raise not_defined(f"{path}.{kind}")
    for k in block:
        if k in ALL_TYPES and k != kind:
            raise not_present(f"{path}.{k}", block[k])
    if "children" in block:
        # Children belong inside the type object; a top-level `children` is rejected
        # ("body.children[0].children should be not present", recorded responses).
        raise not_present(f"{path}.children", block["children"])
    return kind


def count_blocks(children: list) -> int:
    total = 0
    stack = list(children)
    while stack:
        b = stack.pop()
        total += 1
        if isinstance(b, dict):
            for v in b.values():
                if isinstance(v, dict) and isinstance(v.get("children"), list):
                    stack.extend(v["children"])
    return total


class BlockContext:
    """What block normalisation needs from the store."""

    def file_ref(self, ref: dict, path: str, *, for_block: bool) -> dict:  # pragma: no cover - interface
        raise NotImplementedError

    def mention(self, m: dict, path: str) -> tuple[dict, str, str | None]:  # pragma: no cover - interface
        return dict(m), "", None


def normalize_block(block: Any, path: str, depth: int, ctx: BlockContext, *, parent_table_width: int | None = None) -> tuple[str, dict, list]:
    """Validate one request block; return (type, response payload without children, children requests).

    ``depth`` is 1 for blocks directly in the request's ``children``.
    """
    check_obj(block, path)
    kind = block_type_of(block, path)
    p = f"{path}.{kind}"
    payload = check_obj(block[kind], p)
    children: list = []
    if "children" in payload:
        if kind not in CONTAINERS:
            raise not_present(f"{p}.children", payload["children"])
        if depth >= MAX_DEPTH:
            raise not_present(f"{p}.children", payload["children"])
        children = check_array(payload["children"], f"{p}.children")
    out = normalize_payload(kind, payload, p, ctx, creating=True)
    if kind == "table":
        if not children:
            raise not_defined(f"{p}.children")
        for i, row in enumerate(children):
            if not (isinstance(row, dict) and (row.get("type") == "table_row" or "table_row" in row)):
                raise validation(f"body failed validation: {p}.children[{i}] should be a table_row block.")
    if kind == "table_row" and parent_table_width is not None:
        check_row_width(out, parent_table_width)
    if kind == "column_list":
        if len(children) < 2:
            raise validation(f"body failed validation: {p}.children should have at least 2 columns, instead was `{len(children)}`.")
        for i, col in enumerate(children):
            if not (isinstance(col, dict) and (col.get("type") == "column" or "column" in col)):
                raise validation(f"body failed validation: {p}.children[{i}] should be a column block.")
    if kind == "column" and not children:
        raise validation(f"body failed validation: {p}.children should have at least 1 block, instead was `0`.")
    return kind, out, children


def check_row_width(row_payload: dict, width: int) -> None:
    if len(row_payload["cells"]) != width:
        # Recorded Notion message (quoted in several public issues / projects).
        raise validation(
            "Content creation Failed. Fix the following: \n"
            "Number of cells in table row must match the table width of the parent table"
        )


def _rt(payload: dict, key: str, path: str, ctx: BlockContext, existing: dict | None, default: list | None = None):
    if key in payload:
        return rich_text(payload[key], f"{path}.{key}", ctx.mention)
    if existing is not None and key in existing:
        return existing[key]
    return [] if default is None else default


def normalize_payload(kind: str, payload: dict, path: str, ctx: BlockContext, *, creating: bool, existing: dict | None = None) -> dict:
    """Normalise a type payload. With ``existing`` (update), omitted fields keep their value."""
    ex = existing or {}
    allowed: set[str]

    def get(key, default):
        return payload[key] if key in payload else ex.get(key, default)

    if kind in TEXT_BLOCKS or kind in HEADINGS or kind in ("to_do", "callout"):
        allowed = {"rich_text", "color", "children"}
        if "rich_text" not in payload and creating:
            raise not_defined(f"{path}.rich_text")
        out = {"rich_text": _rt(payload, "rich_text", path, ctx, existing)}
        if kind in HEADINGS:
            allowed.add("is_toggleable")
            out["is_toggleable"] = check_bool(get("is_toggleable", False), f"{path}.is_toggleable")
        if kind == "to_do":
            allowed.add("checked")
            out["checked"] = check_bool(get("checked", False), f"{path}.checked")
        if kind == "callout":
            allowed.add("icon")
            ic = payload["icon"] if "icon" in payload else ex.get("icon", {"type": "emoji", "emoji": "💡"})
            out["icon"] = icon(ic, f"{path}.icon", lambda r, p: ctx.file_ref(r, p, for_block=False)) if "icon" in payload else ic
        out["color"] = check_color(get("color", "default"), f"{path}.color")
        if kind == "callout":
            out = {"rich_text": out["rich_text"], "icon": out["icon"], "color": out["color"]}
    elif kind == "code":
        allowed = {"rich_text", "language", "caption"}
        if creating and "rich_text" not in payload:
            raise not_defined(f"{path}.rich_text")
        if creating and "language" not in payload:
            raise not_defined(f"{path}.language")
        lang = get("language", "plain text")
        if lang not in LANGUAGE_SET:
            raise body_failed(f"{path}.language", "should be " + ", ".join(f"`{shown(x)}`" for x in LANGUAGES), lang)
        out = {"caption": _rt(payload, "caption", path, ctx, existing), "rich_text": _rt(payload, "rich_text", path, ctx, existing), "language": lang}
    elif kind == "equation":
        allowed = {"expression"}
        expr = check_str(get("expression", None), f"{path}.expression")
        n = utf16_len(expr)
        if n > MAX_EXPRESSION:
            raise too_long(f"{path}.expression", MAX_EXPRESSION, n)
        out = {"expression": expr}
    elif kind in ("divider", "breadcrumb", "column_list"):
        allowed = {"children"} if kind == "column_list" else set()
        out = {}
    elif kind == "table_of_contents":
        allowed = {"color"}
        out = {"color": check_color(get("color", "default"), f"{path}.color")}
    elif kind == "table":
        allowed = {"table_width", "has_column_header", "has_row_header", "children"}
        if creating:
            if "table_width" not in payload:
                raise not_defined(f"{path}.table_width")
            w = payload["table_width"]
            if not isinstance(w, int) or isinstance(w, bool) or w < 1:
                raise body_failed(f"{path}.table_width", "should be a positive integer", w)
        elif "table_width" in payload and payload["table_width"] != ex.get("table_width"):
            raise validation("Table width cannot be changed after the table is created.")
        out = {
            "table_width": get("table_width", 1),
            "has_column_header": check_bool(get("has_column_header", False), f"{path}.has_column_header"),
            "has_row_header": check_bool(get("has_row_header", False), f"{path}.has_row_header"),
        }
    elif kind == "table_row":
        allowed = {"cells"}
        if "cells" not in payload and creating:
            raise not_defined(f"{path}.cells")
        if "cells" in payload:
            cells = check_array(payload["cells"], f"{path}.cells")
            out = {"cells": [rich_text(c, f"{path}.cells[{i}]", ctx.mention) for i, c in enumerate(cells)]}
        else:
            out = {"cells": ex.get("cells", [])}
    elif kind == "column":
        allowed = {"children", "width_ratio"}
        out = {}
        wr = get("width_ratio", None)
        if wr is not None:
            if not isinstance(wr, (int, float)) or isinstance(wr, bool) or not 0 < wr <= 1:
                raise body_failed(f"{path}.width_ratio", "should be a number greater than 0 and at most 1", wr)
            out["width_ratio"] = wr
    elif kind == "synced_block":
        allowed = {"synced_from", "children"}
        sf = get("synced_from", None)
        if sf is not None:
            sf = check_obj(sf, f"{path}.synced_from")
            sf = {"type": "block_id", "block_id": check_str(sf.get("block_id"), f"{path}.synced_from.block_id")}
        out = {"synced_from": sf}
    elif kind == "link_to_page":
        allowed = {"type", "page_id", "database_id", "comment_id"}
        t = payload.get("type") or next((k for k in ("page_id", "database_id", "comment_id") if k in payload), None)
        if t not in ("page_id", "database_id", "comment_id"):
            raise not_defined(f"{path}.page_id")
        out = {"type": t, t: check_str(payload.get(t), f"{path}.{t}")}
    elif kind in ("embed", "bookmark"):
        allowed = {"url", "caption"}
        url = check_str(get("url", None), f"{path}.url")
        if utf16_len(url) > MAX_URL:
            raise too_long(f"{path}.url", MAX_URL, utf16_len(url))
        if not _ANY_URL.match(url):
            raise validation(f"body failed validation: {path}.url should be a valid URL, instead was `{shown(url)}`.")
        out = {"caption": _rt(payload, "caption", path, ctx, existing), "url": url}
    elif kind in MEDIA:
        allowed = {"type", "external", "file_upload", "caption", "name", "file"}
        out = {"caption": _rt(payload, "caption", path, ctx, existing)}
        src = payload.get("type") or next((k for k in ("external", "file_upload", "file") if k in payload), None)
        if src is None and not creating:
            out.update({k: ex[k] for k in ("type", "external", "file") if k in ex})
        elif src == "external":
            ext = check_obj(payload.get("external"), f"{path}.external")
            url = check_str(ext.get("url"), f"{path}.external.url")
            if utf16_len(url) > MAX_URL:
                raise too_long(f"{path}.external.url", MAX_URL, utf16_len(url))
            if not _ANY_URL.match(url):
                raise validation(f"body failed validation: {path}.external.url should be a valid URL, instead was `{shown(url)}`.")
            out.update({"type": "external", "external": {"url": url}})
        elif src == "file_upload":
            ref = check_obj(payload.get("file_upload"), f"{path}.file_upload")
            out.update(ctx.file_ref(ref, f"{path}.file_upload", for_block=True))
        elif src == "file":
            raise validation(
                f"body failed validation: {path}.file should be not present: Notion-hosted files can only be "
                "attached with a file_upload or referenced with an external URL."
            )
        else:
            raise not_defined(f"{path}.external")
        if kind == "file":
            name = get("name", None)
            if name is None and out.get("type") == "file":
                name = ex.get("name") or out.pop("_filename", None)
            out.pop("_filename", None)
            if name is not None:
                out["name"] = check_str(name, f"{path}.name")
        else:
            out.pop("_filename", None)
    elif kind == "tab":
        allowed = {"children"}
        out = {}
    elif kind == "template":
        allowed = {"rich_text", "children"}
        out = {"rich_text": _rt(payload, "rich_text", path, ctx, existing)}
    else:  # pragma: no cover - guarded by block_type_of
        raise validation(f"body failed validation: {path} is not a supported block type.")
    for k in payload:
        if k not in allowed:
            raise not_present(f"{path}.{k}", payload[k])
    return out


# ---------------------------------------------------------------- property schemas

PROPERTY_TYPES = (
    "title", "rich_text", "number", "select", "multi_select", "status", "date", "people", "files",
    "checkbox", "url", "email", "phone_number", "formula", "relation", "rollup", "created_time",
    "created_by", "last_edited_time", "last_edited_by", "unique_id", "button", "place", "verification",
)
WRITABLE_TYPES = frozenset((
    "title", "rich_text", "number", "select", "multi_select", "status", "date", "people", "files",
    "checkbox", "url", "email", "phone_number", "relation",
))
NUMBER_FORMATS = (
    "number number_with_commas percent dollar australian_dollar canadian_dollar singapore_dollar euro "
    "pound yen ruble rupee won yuan real lira rupiah franc hong_kong_dollar new_zealand_dollar krona "
    "norwegian_krone mexican_peso rand new_taiwan_dollar danish_krone zloty baht forint koruna shekel "
    "chilean_peso philippine_peso dirham colombian_peso riyal ringgit leu argentine_peso uruguayan_peso "
    "peruvian_sol"
).split()

STATUS_DEFAULT_OPTIONS = [("Not started", "default", "to_do"), ("In progress", "blue", "in_progress"), ("Done", "green", "complete")]


def property_type_of(config: dict, path: str) -> str:
    kind = config.get("type")
    if kind is None:
        present = [k for k in config if k in PROPERTY_TYPES]
        if len(present) != 1:
            raise validation(f"body failed validation: {path} should have exactly one property type, instead was `{shown(config)}`.")
        kind = present[0]
    if kind not in PROPERTY_TYPES:
        raise body_failed(f"{path}.type", "should be a supported property type", kind)
    return kind


def check_option_name(name: Any, path: str) -> str:
    name = check_str(name, path)
    if "," in name:
        # Recorded Notion response (egordm/notionsci#13): commas are not allowed.
        raise validation(f"Invalid select option, commas not allowed: {name}")
    if utf16_len(name) > 100:
        raise too_long(path, 100, utf16_len(name))
    return name


# ---------------------------------------------------------------- dates

_DATE_ONLY = re.compile(r"\d{4}-\d{2}-\d{2}\Z")


def parse_iso(value: str) -> datetime | date:
    if _DATE_ONLY.match(value):
        return date.fromisoformat(value)
    v = value.replace("Z", "+00:00") if value.endswith("Z") else value
    return datetime.fromisoformat(v)


def has_offset(value: str) -> bool:
    if _DATE_ONLY.match(value):
        return False
    dt = parse_iso(value)
    return isinstance(dt, datetime) and dt.tzinfo is not None


def fmt_dt(dt: datetime) -> str:
    """Notion's read form for datetimes: milliseconds and a numeric offset (Z for UTC)."""
    s = dt.isoformat(timespec="milliseconds")
    return s


def normalize_date(value: Any, path: str) -> dict | None:
    """Validate a date value; return the response shape.

    Notion's docs: if ``time_zone`` is provided, ``start``/``end`` must not carry a UTC
    offset. On read the public API returns ``time_zone: null`` and the instants as
    offset timestamps, so we convert with zoneinfo here.
    """
    if value is None:
        return None
    check_obj(value, path)
    for k in value:
        if k not in ("start", "end", "time_zone"):
            raise not_present(f"{path}.{k}", value[k])
    if "start" not in value:
        raise not_defined(f"{path}.start")
    start = check_str(value["start"], f"{path}.start")
    end = value.get("end")
    if end is not None:
        end = check_str(end, f"{path}.end")
    tz_name = value.get("time_zone")
    tz = None
    if tz_name is not None:
        tz_name = check_str(tz_name, f"{path}.time_zone")
        try:
            tz = ZoneInfo(tz_name)
        except (ZoneInfoNotFoundError, ValueError):
            raise body_failed(f"{path}.time_zone", "should be a valid IANA time zone", tz_name)

    def conv(s: str, p: str) -> str:
        try:
            parsed = parse_iso(s)
        except ValueError:
            raise body_failed(p, "should be a valid ISO 8601 date string", s)
        if isinstance(parsed, datetime):
            if tz is not None:
                if parsed.tzinfo is not None:
                    raise validation(
                        f"body failed validation: {p} should not have a UTC offset when time_zone is provided, instead was `{shown(s)}`."
                    )
                return fmt_dt(parsed.replace(tzinfo=tz))
            if parsed.tzinfo is None:
                # Notion interprets a naive datetime without time_zone as UTC.
                parsed = parsed.replace(tzinfo=timezone.utc)
            return fmt_dt(parsed)
        return parsed.isoformat()

    out_start = conv(start, f"{path}.start")
    out_end = conv(end, f"{path}.end") if end is not None else None
    if out_end is not None:
        a, b = _instant(out_start), _instant(out_end)
        if b < a:
            raise validation(f"body failed validation: {path}.end should be after start, instead was `{shown(end)}`.")
    return {"start": out_start, "end": out_end, "time_zone": None}


def _instant(s: str) -> datetime:
    d = parse_iso(s)
    if isinstance(d, datetime):
        return d if d.tzinfo else d.replace(tzinfo=timezone.utc)
    return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)


# ---------------------------------------------------------------- query filters

TEXT_OPS = ("equals", "does_not_equal", "contains", "does_not_contain", "starts_with", "ends_with", "is_empty", "is_not_empty")
NUMBER_OPS = ("equals", "does_not_equal", "greater_than", "less_than", "greater_than_or_equal_to", "less_than_or_equal_to", "is_empty", "is_not_empty")
SELECT_OPS = ("equals", "does_not_equal", "is_empty", "is_not_empty")
MULTI_OPS = ("contains", "does_not_contain", "is_empty", "is_not_empty")
DATE_OPS = ("equals", "before", "after", "on_or_before", "on_or_after", "is_empty", "is_not_empty")
CHECKBOX_OPS = ("equals", "does_not_equal")
LIST_OPS = ("contains", "does_not_contain", "is_empty", "is_not_empty")

TEXTISH = ("title", "rich_text", "url", "email", "phone_number")
# filter key -> (property types it applies to, operators)
FILTER_KINDS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "title": (TEXTISH, TEXT_OPS),
    "rich_text": (TEXTISH, TEXT_OPS),
    "url": (TEXTISH, TEXT_OPS),
    "email": (TEXTISH, TEXT_OPS),
    "phone_number": (TEXTISH, TEXT_OPS),
    "number": (("number",), NUMBER_OPS),
    "select": (("select",), SELECT_OPS),
    "status": (("status",), SELECT_OPS),
    "multi_select": (("multi_select",), MULTI_OPS),
    "date": (("date", "created_time", "last_edited_time"), DATE_OPS),
    "created_time": (("created_time",), DATE_OPS),
    "last_edited_time": (("last_edited_time",), DATE_OPS),
    "checkbox": (("checkbox",), CHECKBOX_OPS),
    "people": (("people", "created_by", "last_edited_by"), LIST_OPS),
    "created_by": (("created_by",), LIST_OPS),
    "last_edited_by": (("last_edited_by",), LIST_OPS),
    "relation": (("relation",), LIST_OPS),
    "files": (("files",), ("is_empty", "is_not_empty")),
}


def _cmp_date(a: str, b: str) -> tuple[Any, Any]:
    """Compare a stored value ``a`` with a filter value ``b`` (dates as dates, else instants)."""
    pb = parse_iso(b)
    if not isinstance(pb, datetime):
        da = parse_iso(a)
        if isinstance(da, datetime):
            da = (da if da.tzinfo else da.replace(tzinfo=timezone.utc)).astimezone(timezone.utc).date()
        return da, pb
    return _instant(a), _instant(b)


def eval_condition(ftype: str, op: str, arg: Any, value: Any, path: str) -> bool:
    """``value`` is the comparable form of the property (see Workspace._filter_value)."""
    if op in ("is_empty", "is_not_empty"):
        if arg is not True:
            raise body_failed(f"{path}.{op}", "should be `true`", arg)
        empty = value in (None, "", [], False) if ftype != "checkbox" else False
        return empty if op == "is_empty" else not empty
    if ftype in ("title", "rich_text", "url", "email", "phone_number"):
        arg = check_str(arg, f"{path}.{op}")
        v = value or ""
        return {
            "equals": lambda: v == arg,
            "does_not_equal": lambda: v != arg,
            "contains": lambda: arg.lower() in v.lower(),
            "does_not_contain": lambda: arg.lower() not in v.lower(),
            "starts_with": lambda: v.lower().startswith(arg.lower()),
            "ends_with": lambda: v.lower().endswith(arg.lower()),
        }[op]()
    if ftype == "number":
        if not isinstance(arg, (int, float)) or isinstance(arg, bool):
            raise body_failed(f"{path}.{op}", "should be a number", arg)
        if value is None:
            return op == "does_not_equal"
        return {
            "equals": value == arg, "does_not_equal": value != arg, "greater_than": value > arg,
            "less_than": value < arg, "greater_than_or_equal_to": value >= arg, "less_than_or_equal_to": value <= arg,
        }[op]
    if ftype in ("select", "status"):
        arg = check_str(arg, f"{path}.{op}")
        return (value == arg) if op == "equals" else (value != arg)
    if ftype == "multi_select":
        arg = check_str(arg, f"{path}.{op}")
        v = value or []
        return (arg in v) if op == "contains" else (arg not in v)
    if ftype == "checkbox":
        arg = check_bool(arg, f"{path}.{op}")
        return (bool(value) == arg) if op == "equals" else (bool(value) != arg)
    if ftype in ("date", "created_time", "last_edited_time"):
        arg = check_str(arg, f"{path}.{op}")
        try:
            parse_iso(arg)
        except ValueError:
            raise body_failed(f"{path}.{op}", "should be a valid ISO 8601 date string", arg)
        if value is None:
            return False
        a, b = _cmp_date(value, arg)
        return {"equals": a == b, "before": a < b, "after": a > b, "on_or_before": a <= b, "on_or_after": a >= b}[op]
    if ftype in ("people", "created_by", "last_edited_by", "relation"):
        arg = check_str(arg, f"{path}.{op}")
        v = value or []
        return (arg in v) if op == "contains" else (arg not in v)
    raise validation(f"body failed validation: {path} uses an unsupported filter type `{ftype}`.")  # pragma: no cover
