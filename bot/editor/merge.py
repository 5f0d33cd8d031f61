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
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable

import yaml

from ..convert import ConvertOptions, blocks_to_markdown, convert_markdown, normalize_tree
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


def _convert(text: str, footnotes_heading: str = "Footnotes") -> list[dict]:
    return normalize_tree(convert_markdown(text, ConvertOptions(footnotes_heading=footnotes_heading)).blocks)


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


def merge_body(
    body: str,
    blocks: list[dict],
    take: Callable[[list[dict]], bool] | None = None,
    footnotes_heading: str = "Footnotes",
) -> str | None:
    """`body` rewritten to hold `blocks` (Notion's top-level blocks), keeping every unit's lines
    that Notion holds unchanged. `take(blocks_of_a_stretch)` decides, for each stretch that
    differs, whether Notion's version wins (default: always); otherwise the file's lines stay.
    None when no line-preserving merge exists (the caller renders the whole body instead).

    Units come from converting the body as a whole (bot.convert.spans), so reference links,
    footnotes and `<details>` runs count as they publish. Lines that give no block (reference
    and footnote definitions) stay; a footnote edited in Notion is written into its definition,
    and a footnote reference or a reference link in an edited paragraph keeps its form."""
    doc = _document(body, footnotes_heading)
    if doc is None:
        return None
    lines = list(doc.lines)
    theirs, their_tail = _split_tail(_theirs(blocks), doc)
    tail_expected = _merge_tail(lines, doc, their_tail, take)
    if tail_expected is None:
        return None
    units = doc.units
    kept = _kept_units(units, theirs)
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
        pairs = _paired(gap_units, stretch)
        if pairs is not None and len(pairs) > 1:
            # Block by block, so that an edit in Notion next to a change in the file takes the
            # one and keeps the other.
            cursor = line_pos
            for u, t in pairs:
                out += lines[cursor : u.start]
                if take is None or take([t.block]):
                    out += doc.render([t.block]).strip("\n").split("\n")
                    expected += t.keys
                else:
                    out += lines[u.start : u.end]
                    expected += u.keys
                cursor = u.end
            out += lines[cursor:gap_end]
            take_theirs = False
            gap_units, stretch = [], []
        else:
            take_theirs = (stretch or gap_units) and (take is None or take([t.block for t in stretch]))
        table = _table_rows_merged(lines, gap_units, stretch) if take_theirs else None
        table = (
            table
            if table is not None
            else (_inside_html_wrapper(lines, gap_units, stretch, doc.render) if take_theirs else None)
        )
        if table is not None:
            (only,) = gap_units
            out += lines[line_pos : only.start] + table + lines[only.end : gap_end]
            expected += [k for t in stretch for k in t.keys]
        elif take_theirs:
            gap = lines[line_pos:gap_end]
            out += _replace_gap(gap, stretch, prev_kind, next_kind, at_start=not out, render=doc.render)
            definitions = _definitions_in(gap, line_pos, gap_units, next_kind)
            if definitions and out and out[-1].strip():
                out.append("")
            out += definitions
            expected += [k for t in stretch for k in t.keys]
        elif pairs is None or len(pairs) <= 1:
            out += lines[line_pos:gap_end]
            expected += [k for u in gap_units for k in u.keys]
        if unit is None:
            break
        out += lines[unit.start : unit.end]
        expected += unit.keys
        prev_kind = unit.blocks[-1]["type"]
        line_pos, theirs_pos = unit.end, tb
    merged = "\n".join(line for line in out if line is not _DROPPED)
    if [block_key(b) for b in _convert(merged, footnotes_heading)] != expected + tail_expected:
        return None
    return merged


_DROPPED = "\x00dropped\x00"  # a line of a rewritten footnote definition, left out of the result
_REFERENCE_DEF = re.compile(r"^ {0,3}\[(?!\^)([^\]]+)\]:\s*<?([^\s>]+)>?")


@dataclass
class _Document:
    """A body cut into units by its whole conversion, with what an edit needs to keep its form."""

    lines: list[str]
    units: list[Unit]
    tail: list[dict]  # the final footnote section (normalized)
    labels: list[str]  # footnote label of each numbered item of the tail
    references: dict[str, str]  # reference-link label -> URL, as defined in the body

    def render(self, blocks: list[dict]) -> str:
        """Notion's blocks as Markdown for this file: `[n]` back to its `[^label]`, a link to a
        defined reference back to `[text][label]`."""
        text = blocks_to_markdown(blocks)
        for number, label in enumerate(self.labels, 1):
            text = text.replace(f"\\[{number}\\]", f"[^{label}]")
        for label, url in self.references.items():
            text = text.replace(f"]({url})", f"][{label}]")
        return text


def _document(body: str, footnotes_heading: str) -> _Document | None:
    from ..convert.spans import source_spans

    spans = source_spans(body, footnotes_heading)
    lines = markdown_lines(body)  # numbered as the parser numbers them (a lone CR ends a line too)
    units = []
    for span in spans.spans:
        if span.start < 0:
            return None
        end = span.end
        while end > span.start and not lines[end - 1].strip():
            end -= 1
        blocks = normalize_tree(span.blocks)
        units.append(Unit(span.start, end, blocks, [block_key(b) for b in blocks]))
    if any(a.end > b.start for a, b in zip(units, units[1:])):
        return None
    tail = normalize_tree(spans.footnotes)
    if [k for u in units for k in u.keys] + [block_key(b) for b in tail] != [
        block_key(b) for b in _convert(body, footnotes_heading)
    ]:
        return None
    covered = {i for u in units for i in range(u.start, u.end)}
    references = {}
    for i, line in enumerate(lines):
        match = _REFERENCE_DEF.match(line) if i not in covered else None
        if match:
            references.setdefault(match.group(1), match.group(2))
    return _Document(lines, units, tail, spans.footnote_labels, references)


def _split_tail(theirs: list[_Theirs], doc: _Document) -> tuple[list[_Theirs], list[_Theirs]]:
    """Notion's blocks without, and with only, the final footnote section the file gives."""
    if not doc.tail:
        return theirs, []
    heading = [block_key(doc.tail[0])]
    for h in range(len(theirs) - 1, -1, -1):
        if theirs[h].keys == heading:
            if all(t.kind == "numbered_list_item" for t in theirs[h + 1 :]):
                return theirs[:h], theirs[h:]
            break
    return theirs, []


def _merge_tail(lines: list[str], doc: _Document, their_tail: list[_Theirs], take) -> list[str] | None:
    """Footnotes edited in Notion, written into their definitions (in `lines`, in place); the
    keys the tail should then convert to. None when an edit there cannot be placed."""
    ours = [block_key(b) for b in doc.tail]
    theirs = [k for t in their_tail for k in t.keys]
    if ours == theirs:
        return ours
    if take is not None and not their_tail and not take([]):
        return ours
    if len(their_tail) != len(doc.tail) or not their_tail or their_tail[0].keys != ours[:1]:
        return None if take is None or take([t.block for t in their_tail]) else ours
    expected = ours[:1]
    for number, (t, key) in enumerate(zip(their_tail[1:], ours[1:]), 1):
        if t.keys == [key] or (take is not None and not take([t.block])):
            expected.append(key)
            continue
        span = _definition_span(lines, doc, doc.labels[number - 1])
        rendered = doc.render([t.block]).strip("\n")
        if span is None or "\n" in rendered or not rendered.startswith("1. "):
            return None
        start, end = span
        lines[start] = f"[^{doc.labels[number - 1]}]: {rendered[3:]}"
        lines[start + 1 : end] = [_DROPPED] * (end - start - 1)
        expected += t.keys
    return expected


def _definition_span(lines: list[str], doc: _Document, label: str) -> tuple[int, int] | None:
    """Lines [start, end) of the footnote definition `[^label]:` (with its continuation lines)."""
    covered = {i for u in doc.units for i in range(u.start, u.end)}
    opening = re.compile(r"^ {0,3}\[\^" + re.escape(label) + r"\]:")
    start = next((i for i, line in enumerate(lines) if i not in covered and opening.match(line)), None)
    if start is None:
        return None
    end = start + 1
    while end < len(lines) and end not in covered:
        line = lines[end]
        if line.strip() and not _REFERENCE_DEF.match(line) and not line.lstrip().startswith("[^"):
            end += 1  # a continuation line (lazy or indented)
        elif not line.strip() and end + 1 < len(lines) and lines[end + 1].startswith("    "):
            end += 1
        else:
            break
    return start, end


def _definitions_in(gap: list[str], first_line: int, gap_units: list[Unit], next_kind: str | None) -> list[str]:
    """The lines of a replaced gap that give no block (reference and footnote definitions):
    they stay, after Notion's version of the gap."""
    covered = {i for u in gap_units for i in range(u.start, u.end)}
    keep = [
        line for i, line in enumerate(gap, first_line) if i not in covered and line.strip() and line is not _DROPPED
    ]
    if not keep:
        return []
    return keep + ([""] if next_kind is not None else [])


def _paired(gap_units: list[Unit], stretch: list[_Theirs]) -> list[tuple[Unit, _Theirs]] | None:
    """The units of a changed stretch paired with Notion's blocks one to one, when each is one
    block of the same type as its partner (paragraphs edited on both sides, say)."""
    if len(gap_units) != len(stretch) or any(len(u.keys) != 1 or len(t.keys) != 1 for u, t in zip(gap_units, stretch)):
        return None
    if any(u.blocks[0]["type"] != t.kind or t.kind in ("table", "toggle") for u, t in zip(gap_units, stretch)):
        return None
    return list(zip(gap_units, stretch))


def _inside_html_wrapper(lines: list[str], gap_units: list[Unit], stretch: list[_Theirs], render) -> list[str] | None:
    """An edit inside an HTML element around Markdown (`<div align="center">`, blank line,
    Markdown, blank line, `</div>`): Notion's version goes between the file's own opening and
    closing lines. None when the unit is not such a wrapper or the result would differ."""
    if len(gap_units) != 1 or not stretch:
        return None
    unit = gap_units[0]
    first, last = lines[unit.start].strip(), lines[unit.end - 1].strip()
    if unit.end - unit.start < 3 or not first.startswith("<") or first.startswith("</") or not last.startswith("</"):
        return None
    if first.lower().startswith("<details"):
        return None  # a toggle is a block of its own: Notion's rendering of it replaces it
    rendered = render([t.block for t in stretch]).strip("\n").split("\n")
    wrapped = [lines[unit.start], "", *rendered, "", lines[unit.end - 1]]
    if [block_key(b) for b in _convert("\n".join(wrapped) + "\n")] != [k for t in stretch for k in t.keys]:
        return None
    return wrapped


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
    file_rows = [lines[ours.start]] + lines[ours.start + 2 : ours.end]  # without the alignment row
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
        merged += file_rows[1 + i1 : 1 + i2] if tag == "equal" else notion_rows[1 + j1 : 1 + j2]
    return merged


def _replace_gap(
    gap: list[str],
    stretch: list[_Theirs],
    prev_kind: str | None,
    next_kind: str | None,
    *,
    at_start: bool,
    render: Callable[[list[dict]], str] = blocks_to_markdown,
) -> list[str]:
    """The lines between two kept units, holding Notion's `stretch` instead."""
    rendered = render([t.block for t in stretch]).strip("\n")
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
def merge_front_matter(old_yaml: str, new_yaml: str, only: set[str] | None = None) -> str:
    """The file's front-matter lines, with only the fields whose value changed replaced (and
    new fields appended). `only`: replace just these fields, append none."""
    new_fields = _field_spans(new_yaml)
    old_fields = _field_spans(old_yaml)
    if old_fields is None or new_fields is None:
        return new_yaml
    old_lines = old_yaml.split("\n")
    new_lines = new_yaml.split("\n")
    replaced: dict[int, list[str]] = {}
    dropped: set[int] = set()
    for name, (a, b) in new_fields.items():
        if name not in old_fields or (only is not None and name not in only):
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
        if name not in old_fields and only is None:
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
        end = (
            pairs[index + 1][0].start_mark.line
            if index + 1 < len(pairs)
            else value.end_mark.line + (1 if value.end_mark.column else 0)
        )
        spans[key.value] = (key.start_mark.line, max(end, key.start_mark.line + 1))
    return spans


def keep_file_lines(
    old_text: str,
    new_text: str,
    blocks: list[dict],
    take: Callable[[list[dict]], bool] | None = None,
    fields: set[str] | None = None,
    footnotes_heading: str = "Footnotes",
) -> str | None:
    """`new_text` (a pulled file: front matter + canonical body) written into `old_text` so that
    only what differs changes. Falls back to `new_text` when no such merge exists — or, with
    `take` (a partial pull), None: the caller says which edit it could not place."""
    old = _split(old_text)
    new = _split(new_text)
    if old is None or new is None:
        return None if take is not None else new_text
    if take is None:
        front = merge_front_matter(old[0], new[0])
    else:  # a partial pull: only the front-matter fields edited in Notion (`fields`)
        front = merge_front_matter(old[0], new[0], only=fields) if fields else old[0]
    body = merge_body(old[1], blocks, take, footnotes_heading)
    if body is None:
        if take is not None:
            return None  # never rewrite the whole file for a partial pull
        body = new[1]
    return "---\n" + front + "---\n" + body


def _split(text: str) -> tuple[str, str] | None:
    text = text.lstrip("\ufeff")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---\n", 3)
    if end < 0:
        return None
    return text[4 : end + 1], text[end + 5 :]


def changed_line_count(before: str, after: str) -> int:
    return sum(
        1
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    )


__all__: Iterable[str] = ("Unit", "units_of", "merge_body", "keep_file_lines", "merge_front_matter")
