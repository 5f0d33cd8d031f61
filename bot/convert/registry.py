"""The registry of block kinds: one record per kind of Notion block.

A record (BlockKind) holds everything the bot knows about one kind, in both directions:

- `markdown`: markdown-it node type -> renderer `(ctx, node) -> [blocks]` (Markdown -> Notion);
- `html`: HTML tag (inside Markdown) -> renderer `(flow, element) -> None` (appends to flow.out);
  `html_classes`: `(tag, class)` -> the same, for an element recognised by its class
  (`<div class="columns">`), looked up before `html`;
- `to_markdown`: `block -> str` (pull; Notion -> canonical Markdown);
- `to_html`: `(block, body, colour attribute) -> str` (preview, `bot local serve`);
- `fields` / `rich_fields` / `normalize`: what normalize_block compares (drift, diffs, pull);
- `check`: `(block, body, where, out)` appends violations of Notion's limits (check_limits);
- `nested`: what the kind becomes below the top level, for kinds that may not nest;
- `min_children`: the children a block is created with or not at all (request_size);
- `list_marker` / `html_list_tag` / `html_list_item`: for list items, how consecutive items group
  (pull: one Markdown list; preview: one `<ul>`/`<ol>` of each item's `<li>`).

The records live in bot/convert/kinds/ (one module per group of kinds, with their functions).
The engines (md_to_blocks, html, blocks_to_md, blocks_to_html, normalize, limits) dispatch
through the tables below, which `register` fills: they hold no table of kinds of their own.

A record names a function either directly or as "module:function" inside bot.convert, imported
when an engine first asks for that table (`resolve`): `bot convert` reads Markdown and never
loads the way back (blocks_to_md, normalize), and this module imports none of the engines, so
they can all import it without a cycle.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import import_module
from typing import Any, Callable, Union

Fields = tuple[tuple[str, object], ...]
Ref = Union[Callable[..., Any], str]  # a function, or "module:function" in bot.convert (imported on first use)


@dataclass(frozen=True)
class BlockKind:
    types: tuple[str, ...]  # the Notion block types this record owns
    markdown: dict[str, Ref] = field(default_factory=dict)
    html: dict[str, Ref] = field(default_factory=dict)
    html_classes: dict[tuple[str, str], Ref] = field(default_factory=dict)
    to_markdown: Ref | None = None
    to_html: Ref | None = None
    fields: Fields | None = None  # None: every content field is compared as it is
    rich_fields: tuple[str, ...] = ("rich_text",)
    normalize: Ref | None = None  # replaces the fields-based normalization
    check: Ref | None = None
    # What a block of this kind becomes below the top level, `(ctx, block) -> [blocks]` (None: it
    # may nest). Applied after each top-level block to the kinds a reader marked in ctx.nested_kinds.
    nested: Ref | None = None
    # children a block of this kind is created with, or not at all (a request carries them with it)
    min_children: int = 0
    list_marker: dict[str, str] = field(default_factory=dict)
    html_list_tag: dict[str, str] = field(default_factory=dict)
    html_list_item: Ref | None = None  # `block -> "<li>…</li>"` (the preview groups the items)
    doc: str = ""  # one line for the README table: what Markdown / HTML makes this kind


KINDS: dict[str, BlockKind] = {}  # Notion block type -> its record
# Lookup tables the engines read (filled by `register`; engines may add structural entries
# that make no block kind of their own, e.g. front matter, <div> wrappers). A table of functions
# holds references until an engine calls `resolve` on it.
MARKDOWN_NODES: dict[str, Callable[..., list[dict]]] = {}
HTML_TAGS: dict[str, Callable[..., None]] = {}
HTML_CLASSES: dict[tuple[str, str], Callable[..., None]] = {}
TO_MARKDOWN: dict[str, Callable[[dict], str]] = {}
TO_HTML: dict[str, Callable[[dict, dict, str], str]] = {}
FIELDS: dict[str, Fields] = {}
RICH_FIELDS: dict[str, tuple[str, ...]] = {}
NORMALIZERS: dict[str, Callable[[dict], dict]] = {}
CHECKS: dict[str, Callable[[dict, dict, str, list], None]] = {}
NESTED: dict[str, Callable[[Any, dict], list[dict]]] = {}
MIN_CHILDREN: dict[str, int] = {}
LIST_MARKER: dict[str, str] = {}
HTML_LIST_TAG: dict[str, str] = {}
HTML_LIST_ITEM: dict[str, Callable[[dict], str]] = {}


def _claim(table: dict, entries: dict, what: str) -> None:
    for key, value in entries.items():
        if key in table and table[key] != value:
            raise ValueError(f"{what} {key!r} is claimed by two block kinds")
        table[key] = value


def register(kind: BlockKind) -> BlockKind:
    for t in kind.types:
        if t in KINDS:
            raise ValueError(f"block type {t!r} registered twice")
        KINDS[t] = kind
    _claim(MARKDOWN_NODES, kind.markdown, "markdown node")
    _claim(HTML_TAGS, kind.html, "HTML tag")
    _claim(HTML_CLASSES, kind.html_classes, "HTML class")
    per_type: list[tuple[dict, Any]] = [
        (TO_MARKDOWN, kind.to_markdown),
        (TO_HTML, kind.to_html),
        (FIELDS, kind.fields),
        (NORMALIZERS, kind.normalize),
        (CHECKS, kind.check),
        (NESTED, kind.nested),
        (HTML_LIST_ITEM, kind.html_list_item),
    ]
    for t in kind.types:
        for table, value in per_type:
            if value is not None:
                table[t] = value
        if kind.rich_fields != ("rich_text",):
            RICH_FIELDS[t] = kind.rich_fields
        if kind.min_children:
            MIN_CHILDREN[t] = kind.min_children
    LIST_MARKER.update(kind.list_marker)
    HTML_LIST_TAG.update(kind.html_list_tag)
    for table in (
        MARKDOWN_NODES,
        HTML_TAGS,
        HTML_CLASSES,
        TO_MARKDOWN,
        TO_HTML,
        NORMALIZERS,
        CHECKS,
        NESTED,
        HTML_LIST_ITEM,
    ):
        _PENDING.add(id(table))
    return kind


_PENDING: set[int] = set()  # ids of the tables that may still hold "module:function" references


def resolve(*tables: dict) -> None:
    """Import the functions `tables` name as "module:function" (once per table; cheap after)."""
    for table in tables:
        if id(table) in _PENDING:
            for key, value in list(table.items()):
                if isinstance(value, str):
                    module, _, name = value.partition(":")
                    table[key] = getattr(import_module(f"{__package__}.{module}"), name)
            _PENDING.discard(id(table))  # after: another thread never sees a half-resolved table


# The records (bot/convert/kinds) register themselves when loaded, here, as plugins: they import
# this module, never the other way round. They hold only names of functions, so this is cheap.
import_module(f"{__package__}.kinds")
