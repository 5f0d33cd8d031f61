"""Write Notion's version of a page into its source file, changing only the lines that differ.

A content file is cut into *units*: each top-level Markdown construct, and each item of a
top-level list, with the lines it spans and the blocks it converts to. Notion's blocks are
aligned with the units' blocks (a sequence diff over block fingerprints). A unit whose blocks
Notion holds unchanged keeps the file's own lines — its escaping, table alignment, wrapping,
list markers; only the stretches that differ are rendered from Notion's blocks. The result is
converted again and must give exactly Notion's blocks, otherwise the caller falls back to the
canonical rendering (so a merge can never publish something other than what Notion holds).

Both sides are compared through Markdown (Notion's blocks are rendered and converted back), the
same way `bot pull` decides that a file is already equivalent.
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass, field
from typing import Callable, Iterable

import yaml

from ..convert import blocks_to_markdown, convert_markdown, normalize_tree
from ..convert.blocks_to_md import LIST_MARKER
from ..convert.parser import get_parser, markdown_lines
from ..convert.tree import build_tree

LISTS = ("bullet_list", "ordered_list")


@dataclass
class Unit:
    """Lines [start, end) of a body (0-based) and what they convert to."""

    start: int
    end: int
    blocks: list[dict]  # normalized
    keys: list[str] = field(default_factory=list)

    @property
    def line(self) -> int:
        return self.start + 1


def block_key(block: dict) -> str:
    return json.dumps(block, sort_keys=True, ensure_ascii=False)


def _convert(text: str) -> list[dict]:
    return normalize_tree(convert_markdown(text).blocks)


def _spans(body: str) -> list[tuple[int, int]]:
    """Line spans of the top-level constructs, list items split out."""
    spans = []
    for node in build_tree(get_parser().parse(body)):
        parts = node.children if node.type in LISTS else [node]
        for part in parts:
            if not part.map:
                continue
            if spans and part.map[0] < spans[-1][1]:
                # pieces of one huge paragraph (bot.convert.pieces) share lines: one unit
                spans[-1] = (spans[-1][0], max(spans[-1][1], part.map[1]))
            else:
                spans.append((part.map[0], part.map[1]))
    return spans


def units_of(body: str, convert: Callable[[str], list[dict]] = _convert) -> list[Unit] | None:
    """The body's units, or None when they do not add up to the body's own conversion
    (reference links, footnotes, a `<details>` spanning several constructs: the caller then
    treats the body as a whole). `convert`: Markdown -> normalized blocks."""
    lines = markdown_lines(body)
    units = []
    for start, end in _spans(body):
        while end > start and not lines[end - 1].strip():
            end -= 1
        blocks = convert("\n".join(lines[start:end]) + "\n")
        units.append(Unit(start, end, blocks, [block_key(b) for b in blocks]))
    whole = [block_key(b) for b in convert(body)]
    if [k for u in units for k in u.keys] != whole:
        return None
    return units


# --------------------------------------------------------------------------- merging
@dataclass
class _Theirs:
    """One of Notion's top-level blocks: the raw block and its keys through Markdown."""

    block: dict
    keys: list[str]

    @property
    def kind(self) -> str:
        return self.block.get("type", "")


def _theirs(blocks: list[dict]) -> list[_Theirs]:
    return [_Theirs(b, [block_key(n) for n in _convert(blocks_to_markdown([b]))]) for b in blocks]


def _kept_units(units: list[Unit], theirs: list[_Theirs]) -> dict[int, tuple[int, int]]:
    """unit index -> the range of Notion blocks it stands for unchanged."""
    ours_flat = [(ui, k) for ui, u in enumerate(units) for k in u.keys]
    theirs_flat = [(ti, k) for ti, t in enumerate(theirs) for k in t.keys]
    matcher = difflib.SequenceMatcher(None, [k for _, k in ours_flat], [k for _, k in theirs_flat], autojunk=False)
    match_of: dict[int, int] = {}
    for tag, i1, i2, j1, _ in matcher.get_opcodes():
        if tag == "equal":
            for offset in range(i2 - i1):
                match_of[i1 + offset] = j1 + offset
    starts = {}
    flat = 0
    for ui, u in enumerate(units):
        starts[ui] = flat
        flat += len(u.keys)
    theirs_start = {}
    flat = 0
    for ti, t in enumerate(theirs):
        theirs_start[ti] = flat
        flat += len(t.keys)
    block_at_start = {v: k for k, v in theirs_start.items()}
    kept = {}
    for ui, u in enumerate(units):
        if not u.keys:
            continue
        first = starts[ui]
        mapped = [match_of.get(first + i) for i in range(len(u.keys))]
        if None in mapped or mapped != list(range(mapped[0], mapped[0] + len(mapped))):
            continue
        ta = block_at_start.get(mapped[0])
        end_flat = mapped[-1] + 1
        tb = block_at_start.get(end_flat, len(theirs) if end_flat == flat else None)
        if ta is not None and tb is not None:
            kept[ui] = (ta, tb)
    return kept


def _same_list(a: str | None, b: str | None) -> bool:
    return bool(a and b and LIST_MARKER.get(a) and LIST_MARKER.get(a) == LIST_MARKER.get(b))


def merge_body(body: str, blocks: list[dict], take: Callable[[list[dict]], bool] | None = None) -> str | None:
    """`body` rewritten to hold `blocks` (Notion's top-level blocks), keeping every unit's lines
    that Notion holds unchanged. `take(blocks_of_a_stretch)` decides, for each stretch that
    differs, whether Notion's version wins (default: always); otherwise the file's lines stay.
    None when no line-preserving merge exists (the caller renders the whole body instead)."""
    units = units_of(body)
    if units is None:
        return None
    theirs = _theirs(blocks)
    kept = _kept_units(units, theirs)
    lines = markdown_lines(body)
    out: list[str] = []
    expected: list[str] = []
    line_pos, theirs_pos = 0, 0
    prev_kind: str | None = None
    anchors = [(ui, span) for ui, span in sorted(kept.items())]
    if [span for _, span in anchors] != sorted(span for _, span in anchors):
        return None
    for ui, (ta, tb) in anchors + [(None, (len(theirs), len(theirs)))]:
        unit = units[ui] if ui is not None else None
        gap_end = unit.start if unit else len(lines)
        gap_units = [u for u in units if line_pos <= u.start and u.end <= gap_end and u.keys]
        stretch = theirs[theirs_pos:ta]
        next_kind = unit.blocks[0]["type"] if unit else None
        take_theirs = (stretch or gap_units) and (take is None or take([t.block for t in stretch]))
        table = _table_rows_merged(lines, gap_units, stretch) if take_theirs else None
        if table is not None:
            (only,) = gap_units
            out += lines[line_pos:only.start] + table + lines[only.end:gap_end]
            expected += [k for t in stretch for k in t.keys]
        elif take_theirs:
            out += _replace_gap(lines[line_pos:gap_end], stretch, prev_kind, next_kind, at_start=not out)
            expected += [k for t in stretch for k in t.keys]
        else:
            out += lines[line_pos:gap_end]
            expected += [k for u in gap_units for k in u.keys]
        if unit is None:
            break
        out += lines[unit.start:unit.end]
        expected += unit.keys
        prev_kind = unit.blocks[-1]["type"]
        line_pos, theirs_pos = unit.end, tb
    merged = "\n".join(out)
    if [block_key(b) for b in _convert(merged)] != expected:
        return None
    return merged


def _table_rows_merged(lines: list[str], gap_units: list[Unit], stretch: list[_Theirs]) -> list[str] | None:
    """A table edited in Notion, row by row: unchanged rows (and the alignment row) keep the
    file's lines. None unless one table of the file stands against one table of the same width."""
    if len(gap_units) != 1 or len(stretch) != 1 or stretch[0].kind != "table":
        return None
    ours, theirs = gap_units[0], stretch[0].block
    if len(ours.blocks) != 1 or ours.blocks[0]["type"] != "table":
        return None
    width = ours.blocks[0]["table"].get("table_width")
    if width != (theirs.get("table") or {}).get("table_width") or ours.end - ours.start < 2:
        return None
    file_rows = [lines[ours.start]] + lines[ours.start + 2:ours.end]  # without the alignment row
    delimiter = lines[ours.start + 1]
    canonical = blocks_to_markdown([theirs]).strip("\n").split("\n")
    notion_rows = [canonical[0]] + canonical[2:]

    def table_rows(markdown: str) -> list[str]:
        converted = _convert(markdown)
        if len(converted) != 1 or converted[0]["type"] != "table":
            return []
        return [block_key(row) for row in converted[0].get("children", [])]

    head = f"{file_rows[0]}\n{delimiter}\n"
    ours_keys = table_rows(head)[:1] + [(table_rows(f"{head}{row}\n") or [None, row])[-1] for row in file_rows[1:]]
    theirs_keys = table_rows("\n".join(canonical) + "\n")
    if len(theirs_keys) != len(notion_rows) or not ours_keys or ours_keys[0] != theirs_keys[0]:
        return None  # a new header: the alignment row may not fit it any more
    merged = [file_rows[0], delimiter]
    matcher = difflib.SequenceMatcher(None, ours_keys[1:], theirs_keys[1:], autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        merged += file_rows[1 + i1:1 + i2] if tag == "equal" else notion_rows[1 + j1:1 + j2]
    return merged


def _replace_gap(gap: list[str], stretch: list[_Theirs], prev_kind: str | None, next_kind: str | None, *, at_start: bool) -> list[str]:
    """The lines between two kept units, holding Notion's `stretch` instead."""
    rendered = blocks_to_markdown([t.block for t in stretch]).strip("\n")
    pieces = rendered.split("\n") if rendered else []
    tight = not any(not line.strip() for line in gap)  # inside a tight list
    lead = []
    if at_start:  # blank lines after the front matter stay
        while len(lead) < len(gap) and not gap[len(lead)].strip():
            lead.append("")
    if not pieces:
        if at_start or next_kind is None:
            return lead
        return [] if tight and _same_list(prev_kind, next_kind) else [""]
    first, last = stretch[0].kind, stretch[-1].kind
    out = list(lead)
    if prev_kind is not None and not (tight and _same_list(prev_kind, first)):
        out.append("")
    out += pieces
    if next_kind is not None and not (tight and _same_list(last, next_kind)):
        out.append("")
    elif next_kind is None and gap and not gap[-1].strip():
        out.append("")  # the file ended with a newline
    return out


# --------------------------------------------------------------------------- front matter
def merge_front_matter(old_yaml: str, new_yaml: str) -> str:
    """The file's front-matter lines, with only the fields whose value changed replaced (and
    new fields appended)."""
    new_fields = _field_spans(new_yaml)
    old_fields = _field_spans(old_yaml)
    if old_fields is None or new_fields is None:
        return new_yaml
    old_lines = old_yaml.split("\n")
    new_lines = new_yaml.split("\n")
    replaced: dict[int, list[str]] = {}
    dropped: set[int] = set()
    for name, (a, b) in new_fields.items():
        if name not in old_fields:
            continue
        oa, ob = old_fields[name]
        if _value("\n".join(old_lines[oa:ob])) != _value("\n".join(new_lines[a:b])):
            replaced[oa] = new_lines[a:b]
            dropped.update(range(oa + 1, ob))
    out = []
    for i, line in enumerate(old_lines):
        if i in replaced:
            out += replaced[i]
        elif i not in dropped:
            out.append(line)
    while out and not out[-1].strip():
        out.pop()
    for name, (a, b) in new_fields.items():
        if name not in old_fields:
            out += new_lines[a:b]
    return "\n".join(out) + "\n"


def _value(text: str):
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError:
        return object()  # unreadable: never equal


def _field_spans(text: str) -> dict[str, tuple[int, int]] | None:
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode):
        return None
    spans = {}
    pairs = [(k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)]
    for index, (key, value) in enumerate(pairs):
        end = pairs[index + 1][0].start_mark.line if index + 1 < len(pairs) else value.end_mark.line + (1 if value.end_mark.column else 0)
        spans[key.value] = (key.start_mark.line, max(end, key.start_mark.line + 1))
    return spans


def keep_file_lines(old_text: str, new_text: str, blocks: list[dict], take: Callable[[list[dict]], bool] | None = None) -> str:
    """`new_text` (a pulled file: front matter + canonical body) written into `old_text` so that
    only what differs changes. Falls back to `new_text` when no such merge exists."""
    old = _split(old_text)
    new = _split(new_text)
    if old is None or new is None:
        return new_text
    front = merge_front_matter(old[0], new[0]) if take is None else old[0]
    body = merge_body(old[1], blocks, take)
    if body is None:
        if take is not None:
            return old_text  # never rewrite the whole file for a partial pull
        body = new[1]
    return "---\n" + front + "---\n" + body


def _split(text: str) -> tuple[str, str] | None:
    text = text.lstrip("\ufeff")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    return text[4:end + 1], text[end + 5:]


def changed_line_count(before: str, after: str) -> int:
    return sum(1 for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
               if line[:1] in "+-" and not line.startswith(("+++", "---")))


__all__: Iterable[str] = ("Unit", "units_of", "merge_body", "keep_file_lines", "merge_front_matter")
