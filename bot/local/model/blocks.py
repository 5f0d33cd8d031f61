"""Block request validation: one normaliser per block type, looked up in a table."""

from __future__ import annotations

from typing import Any, Callable

from ..errors import body_failed, not_defined, not_present, shown, validation
from .checks import (
    MAX_EXPRESSION,
    MAX_URL,
    check_array,
    check_bool,
    check_color,
    check_obj,
    check_str,
    check_text,
    is_link_url,
    allowed_keys,
)
from .richtext import icon, rich_text

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

TEXT_BLOCKS = ("paragraph", "bulleted_list_item", "numbered_list_item", "quote", "toggle")
HEADINGS = ("heading_1", "heading_2", "heading_3", "heading_4")
MEDIA = ("image", "video", "pdf", "audio", "file")
CREATABLE = (
    TEXT_BLOCKS
    + HEADINGS
    + MEDIA
    + (
        "to_do",
        "callout",
        "code",
        "equation",
        "divider",
        "breadcrumb",
        "table_of_contents",
        "table",
        "table_row",
        "column_list",
        "column",
        "synced_block",
        "link_to_page",
        "embed",
        "bookmark",
        "tab",
        "template",
    )
)
NOT_CREATABLE = ("child_page", "child_database", "link_preview", "unsupported", "meeting_notes", "transcription")
ALL_TYPES = CREATABLE + NOT_CREATABLE
# Block types whose request payload may carry `children`.
CONTAINERS = frozenset(
    TEXT_BLOCKS + HEADINGS + ("to_do", "callout", "table", "column_list", "column", "synced_block", "tab", "template")
)

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
        raise validation(
            f"body failed validation: {path}.type `{shown(kind)}` is not a block type that can be created through the API."
        )
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


def normalize_local_block(
    block: Any, path: str, depth: int, ctx: BlockContext, *, parent_table_width: int | None = None
) -> tuple[str, dict, list]:
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
            raise validation(
                f"body failed validation: {p}.children should have at least 2 columns, instead was `{len(children)}`."
            )
        for i, col in enumerate(children):
            if not (isinstance(col, dict) and (col.get("type") == "column" or "column" in col)):
                raise validation(f"body failed validation: {p}.children[{i}] should be a column block.")
    # An empty column is accepted (recorded 2026-03-11, test_create_column_blocks): no check here.
    return kind, out, children


def check_row_width(row_payload: dict, width: int) -> None:
    if len(row_payload["cells"]) != width:
        # Recorded Notion message (quoted in several public issues / projects).
        raise validation(
            "Content creation Failed. Fix the following: \n"
            "Number of cells in table row must match the table width of the parent table"
        )


class PayloadInput:
    """One block payload being normalised: the request part, the stored part (on update), and where it is."""

    def __init__(
        self, kind: str, payload: dict, path: str, ctx: BlockContext, creating: bool, existing: dict | None
    ) -> None:
        self.kind, self.payload, self.path, self.ctx = kind, payload, path, ctx
        self.creating = creating
        self.existing = existing or {}
        self._has_existing = existing is not None

    def get(self, key: str, default: Any) -> Any:
        """The request's value, else (update) the stored one, else ``default``."""
        return self.payload[key] if key in self.payload else self.existing.get(key, default)

    def rich_text(self, key: str) -> list[dict]:
        if key in self.payload:
            return rich_text(self.payload[key], f"{self.path}.{key}", self.ctx.mention)
        if self._has_existing and key in self.existing:
            return self.existing[key]
        return []

    def require(self, key: str) -> None:
        if self.creating and key not in self.payload:
            raise not_defined(f"{self.path}.{key}")


def _text_block(b: PayloadInput) -> dict:
    b.require("rich_text")
    return {"rich_text": b.rich_text("rich_text"), "color": check_color(b.get("color", "default"), f"{b.path}.color")}


def _paragraph(b: PayloadInput) -> dict:
    # Notion answers paragraphs with `icon: null` between rich_text and color (recorded answers).
    # An icon may be set (recorded 2026-03-11: an emoji icon on a paragraph appended with `position`).
    out = _text_block(b)
    ic = (
        icon(b.payload["icon"], f"{b.path}.icon", lambda r, p: b.ctx.file_ref(r, p, for_block=False))
        if "icon" in b.payload
        else b.existing.get("icon")
    )
    return {"rich_text": out["rich_text"], "icon": ic, "color": out["color"]}


def _heading(b: PayloadInput) -> dict:
    out = _text_block(b)
    return {
        "rich_text": out["rich_text"],
        "is_toggleable": check_bool(b.get("is_toggleable", False), f"{b.path}.is_toggleable"),
        "color": out["color"],
    }


def _to_do(b: PayloadInput) -> dict:
    out = _text_block(b)
    return {
        "rich_text": out["rich_text"],
        "checked": check_bool(b.get("checked", False), f"{b.path}.checked"),
        "color": out["color"],
    }


def _callout(b: PayloadInput) -> dict:
    out = _text_block(b)
    if "icon" in b.payload:
        ic = icon(b.payload["icon"], f"{b.path}.icon", lambda r, p: b.ctx.file_ref(r, p, for_block=False))
    else:
        ic = b.existing.get("icon", {"type": "emoji", "emoji": "💡"})
    return {"rich_text": out["rich_text"], "icon": ic, "color": out["color"]}


def _code(b: PayloadInput) -> dict:
    b.require("rich_text")
    b.require("language")
    lang = b.get("language", "plain text")
    if lang not in LANGUAGE_SET:
        raise body_failed(f"{b.path}.language", "should be " + ", ".join(f"`{shown(x)}`" for x in LANGUAGES), lang)
    return {"caption": b.rich_text("caption"), "rich_text": b.rich_text("rich_text"), "language": lang}


def _equation(b: PayloadInput) -> dict:
    expr = check_text(b.get("expression", None), f"{b.path}.expression", MAX_EXPRESSION)
    return {"expression": expr}


def _empty(b: PayloadInput) -> dict:
    return {}


def _table_of_contents(b: PayloadInput) -> dict:
    return {"color": check_color(b.get("color", "default"), f"{b.path}.color")}


def _table(b: PayloadInput) -> dict:
    if b.creating:
        b.require("table_width")
        w = b.payload["table_width"]
        if not isinstance(w, int) or isinstance(w, bool) or w < 1:
            raise body_failed(f"{b.path}.table_width", "should be a positive integer", w)
    elif "table_width" in b.payload and b.payload["table_width"] != b.existing.get("table_width"):
        raise validation("Table width cannot be changed after the table is created.")
    return {
        "table_width": b.get("table_width", 1),
        "has_column_header": check_bool(b.get("has_column_header", False), f"{b.path}.has_column_header"),
        "has_row_header": check_bool(b.get("has_row_header", False), f"{b.path}.has_row_header"),
    }


def _table_row(b: PayloadInput) -> dict:
    b.require("cells")
    if "cells" not in b.payload:
        return {"cells": b.existing.get("cells", [])}
    cells = check_array(b.payload["cells"], f"{b.path}.cells")
    return {"cells": [rich_text(c, f"{b.path}.cells[{i}]", b.ctx.mention) for i, c in enumerate(cells)]}


def _column(b: PayloadInput) -> dict:
    wr = b.get("width_ratio", None)
    if wr is None:
        return {}
    if not isinstance(wr, (int, float)) or isinstance(wr, bool) or not 0 < wr <= 1:
        raise body_failed(f"{b.path}.width_ratio", "should be a number greater than 0 and at most 1", wr)
    return {"width_ratio": wr}


def _synced_block(b: PayloadInput) -> dict:
    sf = b.get("synced_from", None)
    if sf is not None:
        sf = check_obj(sf, f"{b.path}.synced_from")
        sf = {"type": "block_id", "block_id": check_str(sf.get("block_id"), f"{b.path}.synced_from.block_id")}
    return {"synced_from": sf}


def _link_to_page(b: PayloadInput) -> dict:
    p = b.payload
    t = p.get("type") or next((k for k in ("page_id", "database_id", "comment_id") if k in p), None)
    if t not in ("page_id", "database_id", "comment_id"):
        raise not_defined(f"{b.path}.page_id")
    return {"type": t, t: check_str(p.get(t), f"{b.path}.{t}")}


def _checked_url(url: Any, path: str, kind: str) -> str:
    """http(s) URLs only: `javascript:`, `data:`, `file:` and relative URLs are refused with the
    wording Notion uses for image blocks ("Invalid image url.", recorded; MESSAGES.md)."""
    url = check_text(url, path, MAX_URL)
    if not is_link_url(url):
        raise validation(f"Content creation Failed. Fix the following: \nInvalid {kind} url.")
    return url


def _embed(b: PayloadInput) -> dict:
    return {"caption": b.rich_text("caption"), "url": _checked_url(b.get("url", None), f"{b.path}.url", b.kind)}


def _media(b: PayloadInput) -> dict:
    out = {"caption": b.rich_text("caption")}
    p = b.payload
    src = p.get("type") or next((k for k in ("external", "file_upload", "file") if k in p), None)
    if src is None and not b.creating:
        out.update({k: b.existing[k] for k in ("type", "external", "file") if k in b.existing})
    elif src == "external":
        ext = check_obj(p.get("external"), f"{b.path}.external")
        out.update(
            {"type": "external", "external": {"url": _checked_url(ext.get("url"), f"{b.path}.external.url", b.kind)}}
        )
    elif src == "file_upload":
        ref = check_obj(p.get("file_upload"), f"{b.path}.file_upload")
        out.update(b.ctx.file_ref(ref, f"{b.path}.file_upload", for_block=True))
    elif src == "file":
        raise validation(
            f"body failed validation: {b.path}.file should be not present: Notion-hosted files can only be "
            "attached with a file_upload or referenced with an external URL."
        )
    else:
        raise not_defined(f"{b.path}.external")
    filename = out.pop("_filename", None)
    if b.kind == "file":
        name = b.get("name", None)
        if name is None and out.get("type") == "file":
            name = b.existing.get("name") or filename
        if name is not None:
            out["name"] = check_str(name, f"{b.path}.name")
    return out


def _template(b: PayloadInput) -> dict:
    return {"rich_text": b.rich_text("rich_text")}


TEXT_KEYS = frozenset({"rich_text", "color", "children"})
MEDIA_KEYS = frozenset({"type", "external", "file_upload", "caption", "name", "file"})
# block type -> (normaliser, request keys it accepts)
PAYLOAD_RULES: dict[str, tuple[Callable[[PayloadInput], dict], frozenset[str]]] = {
    **{k: (_text_block, TEXT_KEYS) for k in TEXT_BLOCKS if k != "paragraph"},
    "paragraph": (_paragraph, TEXT_KEYS | {"icon"}),
    **{k: (_heading, TEXT_KEYS | {"is_toggleable"}) for k in HEADINGS},
    "to_do": (_to_do, TEXT_KEYS | {"checked"}),
    "callout": (_callout, TEXT_KEYS | {"icon"}),
    "code": (_code, frozenset({"rich_text", "language", "caption"})),
    "equation": (_equation, frozenset({"expression"})),
    "divider": (_empty, frozenset()),
    "breadcrumb": (_empty, frozenset()),
    "column_list": (_empty, frozenset({"children"})),
    "table_of_contents": (_table_of_contents, frozenset({"color"})),
    "table": (_table, frozenset({"table_width", "has_column_header", "has_row_header", "children"})),
    "table_row": (_table_row, frozenset({"cells"})),
    "column": (_column, frozenset({"children", "width_ratio"})),
    "synced_block": (_synced_block, frozenset({"synced_from", "children"})),
    "link_to_page": (_link_to_page, frozenset({"type", "page_id", "database_id", "comment_id"})),
    "embed": (_embed, frozenset({"url", "caption"})),
    "bookmark": (_embed, frozenset({"url", "caption"})),
    **{k: (_media, MEDIA_KEYS) for k in MEDIA},
    "tab": (_empty, frozenset({"children"})),
    "template": (_template, frozenset({"rich_text", "children"})),
}


def normalize_payload(
    kind: str, payload: dict, path: str, ctx: BlockContext, *, creating: bool, existing: dict | None = None
) -> dict:
    """Normalise a type payload. With ``existing`` (update), omitted fields keep their value."""
    rule = PAYLOAD_RULES.get(kind)
    if rule is None:  # pragma: no cover - guarded by block_type_of
        raise validation(f"body failed validation: {path} is not a supported block type.")
    normalise, keys = rule
    out = normalise(PayloadInput(kind, payload, path, ctx, creating, existing))
    allowed_keys(payload, keys, path)  # after the values, as before: a bad value is reported first
    return out
