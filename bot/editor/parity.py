"""Bilingual parity: the two variants of a week are translations of each other, so their
structure should match. Compared on the converter's blocks (what Notion would get):

- headings: count and level, in order;
- per section (the blocks under a heading, paired in order): top-level list items, tables and
  their shape, code blocks, images, equations (block and inline);
- across the week: the link URLs and the paper names (the bold lead of a list item, e.g.
  `- **Rec-Distill** — …`) that one variant has and the other lacks.

Every finding names both files and lines, e.g.
`zh.md:88 section '生成式推荐' has 11 list items; en.md:92 'Generative Recommendation' has 12; missing in zh: …`.
Line numbers come from converting each top-level construct on its own (bot.editor.merge.units_of).
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from ..bilingual import LANGS
from ..convert import ConvertOptions, convert_markdown, normalize_tree
from .diagnostics import display_path
from .merge import units_of

LIST_ITEMS = ("bulleted_list_item", "numbered_list_item", "to_do")
LABEL_ENDINGS = (":", "：")  # `**Takeaway:**` / `**要点：**` are labels, not names


@dataclass(frozen=True)
class ParityFinding:
    path: Path  # the file the finding is reported on
    line: int
    message: str
    kind: str  # headings | list-items | tables | code | images | equations | links | papers

    def to_dict(self) -> dict:
        return {"file": str(self.path), "line": self.line, "kind": self.kind, "message": self.message}

    def __str__(self) -> str:
        return f"{display_path(self.path)}:{self.line}: parity: {self.message}"


@dataclass
class Section:
    line: int
    title: str  # "" before the first heading
    items: list[int] = field(default_factory=list)  # lines of the top-level list items
    tables: list[tuple[int, tuple[int, int]]] = field(default_factory=list)  # (line, (rows, columns))
    code: list[int] = field(default_factory=list)
    images: list[int] = field(default_factory=list)
    equations: list[int] = field(default_factory=list)
    urls: dict[str, int] = field(default_factory=dict)  # url -> first line
    names: dict[str, int] = field(default_factory=dict)  # paper name -> first line


@dataclass
class Outline:
    path: Path
    lang: str
    headings: list[tuple[int, int, str]]  # (line, level, text)
    sections: list[Section]  # sections[0] is what precedes the first heading

    def urls(self) -> dict[str, int]:
        return _merged(s.urls for s in self.sections)

    def names(self) -> dict[str, int]:
        return _merged(s.names for s in self.sections)


def _merged(maps: Iterable[dict[str, int]]) -> dict[str, int]:
    out: dict[str, int] = {}
    for m in maps:
        for key, line in m.items():
            out.setdefault(key, line)
    return out


def _plain(items: list[dict]) -> str:
    return "".join(i.get("text", {}).get("content", "") if i.get("type") == "text" else i.get("equation", {}).get("expression", "") for i in items)


def _rich_text(block: dict) -> list[dict]:
    return (block.get(block["type"]) or {}).get("rich_text") or []


def outline(path: Path, lang: str, body: str, body_line: int) -> Outline:
    """The structure of one variant, with file lines."""
    options = ConvertOptions(base_dir=path.parent, resolve_link=lambda href: None)  # relative links differ by language: not compared

    def convert(text: str) -> list[dict]:
        return normalize_tree(convert_markdown(text, options).blocks)

    units = units_of(body, convert)
    located = [(u.line, b) for u in units for b in u.blocks] if units is not None else [(1, b) for b in convert(body)]
    out = Outline(path, lang, [], [Section(body_line, "")])
    for unit_line, block in located:
        line = unit_line + body_line - 1
        kind = block["type"]
        if kind.startswith("heading_"):
            level = int(kind.rsplit("_", 1)[1])
            title = _plain(_rich_text(block))
            out.headings.append((line, level, title))
            out.sections.append(Section(line, title))
            continue
        section = out.sections[-1]
        if kind in LIST_ITEMS:
            section.items.append(line)
            lead = _rich_text(block)[:1]
            name = _plain(lead).strip() if lead and lead[0].get("annotations", {}).get("bold") else ""
            if name and not name.endswith(LABEL_ENDINGS):
                section.names.setdefault(name, line)
        _collect(block, line, section)
    return out


def children_of(block: dict) -> list[dict]:
    """Children of a normalized block (normalize_tree keeps them beside the body)."""
    return block.get("children") or []


def _collect(block: dict, line: int, section: Section) -> None:
    kind = block["type"]
    body = block.get(kind) or {}
    if kind == "table":
        rows = children_of(block)
        section.tables.append((line, (len(rows), body.get("table_width", 0))))
    elif kind == "code":
        section.code.append(line)
    elif kind == "image":
        section.images.append(line)
    elif kind == "equation":
        section.equations.append(line)
    items = list(body.get("rich_text") or []) + list(body.get("caption") or [])
    for row in children_of(block) if kind == "table" else []:
        for cell in (row.get("table_row") or {}).get("cells", []):
            items.extend(cell)
    for item in items:
        if item.get("type") == "equation":
            section.equations.append(line)
        link = (item.get("text") or {}).get("link") if item.get("type") == "text" else None
        if link and link.get("url"):
            section.urls.setdefault(link["url"], line)
    if kind != "table":
        for child in children_of(block):
            _collect(child, line, section)


# --------------------------------------------------------------------------- comparing
def compare(a: Outline, b: Outline) -> list[ParityFinding]:
    """Findings for two variants of one week; reported on `b`'s file (the translation, zh)."""
    findings: list[ParityFinding] = []
    pairs = _paired_sections(a, b, findings)
    missing = _Missing(a, b, pairs)
    for sa, sb in pairs:
        findings += _compare_section(a, sa, b, sb, missing)
    findings += missing.remaining()
    return findings


class _Missing:
    """Link URLs and paper names one variant has and the other lacks, week-wide; each is
    reported once: inside a section's list-item finding when there is one, else on its own."""

    def __init__(self, a: Outline, b: Outline, pairs: list[tuple[Section, Section]]):
        self.a, self.b = a, b
        self.counterpart = {id(sa): sb for sa, sb in pairs} | {id(sb): sa for sa, sb in pairs}
        self.in_b = {**b.urls(), **b.names()}
        self.in_a = {**a.urls(), **a.names()}
        self.reported: set[str] = set()

    def of(self, sa: Section, sb: Section) -> str:
        parts = []
        for lang, have, lack in ((self.b.lang, {**sa.urls, **sa.names}, self.in_b), (self.a.lang, {**sb.urls, **sb.names}, self.in_a)):
            keys = [key for key in have if key not in lack]
            self.reported.update(keys)
            if keys:
                parts.append(f"missing in {lang}: {', '.join(keys)}")
        return ("; " + "; ".join(parts)) if parts else ""

    def remaining(self) -> list[ParityFinding]:
        out = []
        for source, other, have, lack in ((self.a, self.b, self.in_a, self.in_b), (self.b, self.a, self.in_b, self.in_a)):
            for key, line in have.items():
                if key in lack or key in self.reported:
                    continue
                what = "link" if key in source.urls() else "paper"
                section = next(s for s in reversed(source.sections) if s.line <= line)
                twin = self.counterpart.get(id(section))
                at = twin.line if twin is not None and source is self.a else (line if source is self.b else self.b.sections[0].line)
                out.append(ParityFinding(self.b.path, at, f"{what} {key} ({_where(source, line)}) is missing in {other.lang}", "links" if what == "link" else "papers"))
        return out


def _where(o: Outline, line: int) -> str:
    return f"{o.path.name}:{line}"


def _paired_sections(a: Outline, b: Outline, findings: list[ParityFinding]) -> list[tuple[Section, Section]]:
    levels_a = [level for _, level, _ in a.headings]
    levels_b = [level for _, level, _ in b.headings]
    pairs = [(a.sections[0], b.sections[0])]
    if len(levels_a) == len(levels_b):  # same count: pair in order, report each level that differs
        for i, (la, lb) in enumerate(zip(levels_a, levels_b)):
            pairs.append((a.sections[i + 1], b.sections[i + 1]))
            if la != lb:
                findings.append(_heading_finding(a, b, i, i + 1, i, i + 1))
        return pairs
    matcher = difflib.SequenceMatcher(None, levels_a, levels_b, autojunk=False)
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            pairs += [(a.sections[i + 1], b.sections[j + 1]) for i, j in zip(range(i1, i2), range(j1, j2))]
            continue
        findings.append(_heading_finding(a, b, i1, i2, j1, j2))
    return pairs


def _heading_finding(a: Outline, b: Outline, i1: int, i2: int, j1: int, j2: int) -> ParityFinding:
    def describe(o: Outline, lo: int, hi: int) -> str:
        if lo == hi:
            return "nothing"
        return ", ".join(f"h{level} {text!r}" for _, level, text in o.headings[lo:hi])

    def at(o: Outline, index: int) -> int:
        if index < len(o.headings):
            return o.headings[index][0]
        return o.headings[-1][0] if o.headings else o.sections[0].line

    line_a, line_b = at(a, i1), at(b, j1)
    message = (f"headings differ: {b.lang} has {len(b.headings)}, {a.lang} has {len(a.headings)}; "
               f"{_where(b, line_b)} has {describe(b, j1, j2)} where {_where(a, line_a)} has {describe(a, i1, i2)}")
    return ParityFinding(b.path, line_b, message, "headings")


def _title(s: Section) -> str:
    return repr(s.title) if s.title else "(before the first heading)"


SECTION_COUNTS = (  # (kind, attribute, what)
    ("list-items", "items", "list items"),
    ("code", "code", "code blocks"),
    ("images", "images", "images"),
    ("equations", "equations", "equations"),
)


def _compare_section(a: Outline, sa: Section, b: Outline, sb: Section, missing: _Missing) -> list[ParityFinding]:
    out = []
    for kind, attr, what in SECTION_COUNTS:
        na, nb = len(getattr(sa, attr)), len(getattr(sb, attr))
        if na == nb:
            continue
        line_a = getattr(sa, attr)[0] if na else sa.line
        line_b = getattr(sb, attr)[0] if nb else sb.line
        message = (f"section {_title(sb)} has {nb} {what}; {_where(a, line_a)} {_title(sa)} has {na}"
                   + (missing.of(sa, sb) if kind == "list-items" else ""))
        out.append(ParityFinding(b.path, line_b, message, kind))
    shapes_a = [shape for _, shape in sa.tables]
    shapes_b = [shape for _, shape in sb.tables]
    if shapes_a != shapes_b:
        line_a = sa.tables[0][0] if sa.tables else sa.line
        line_b = sb.tables[0][0] if sb.tables else sb.line
        message = (f"section {_title(sb)} has tables {_shapes(shapes_b)}; {_where(a, line_a)} {_title(sa)} has {_shapes(shapes_a)}")
        out.append(ParityFinding(b.path, line_b, message, "tables"))
    return out


def _shapes(shapes: list[tuple[int, int]]) -> str:
    return "[" + ", ".join(f"{rows}×{cols}" for rows, cols in shapes) + "]" if shapes else "none"


def week_parity(variants) -> list[ParityFinding]:
    """Findings for every week of `variants` that has both languages."""
    groups: dict[tuple, dict[str, object]] = {}
    for v in variants:
        groups.setdefault(v.group, {})[v.lang] = v
    findings = []
    for _, by_lang in sorted(groups.items()):
        if not all(lang in by_lang for lang in LANGS):
            continue
        first, second = (by_lang[lang] for lang in LANGS)
        findings += compare(*(outline(v.path, v.lang, v.body, v.body_line) for v in (first, second)))
    return findings
