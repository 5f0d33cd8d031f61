"""Bilingual parity: the two variants of a week are translations of each other, so their
structure should match. Compared on the converter's blocks (what Notion would get):

- headings: count and level, in order; a section only one variant has, named by its heading;
- per section (the blocks under a heading, paired with the other variant's by content): top-level
  list items, tables and their shape, code blocks, images, equations (block and inline);
- across the week: the link URLs and the paper names (the bold lead of a list item, e.g.
  `- **Rec-Distill** — …`) that one variant has and the other lacks.

Every finding names both files and lines, e.g.
`zh.md:88 section '生成式推荐' has 11 list items; en.md:92 'Generative Recommendation' has 12; missing in zh: …`.
Outlines come from the one conversion of each file a run makes (validate's, which the dry run
shares): the converter notes each block's and link's file line (ConvertOptions.block_lines,
link_lines). Sections are
paired by their content — levels, link URLs, paper names, counts — not by position, so a section
one variant lacks is named by its heading in the other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from ..bilingual import LANGS
from ..convert import ConvertOptions, convert_markdown
from ..convert.normalize import normalize_rich_text
from ..convert.richtext import items_plain_text
from .diagnostics import display_path

LIST_ITEMS = ("bulleted_list_item", "numbered_list_item", "to_do")
LABEL_ENDINGS = (":", "：")  # `**Takeaway:**` / `**要点：**` are labels, not names
LEAD = 5  # how a section begins tells best which section of the other variant it is
# A word with a digit or an upper-case letter after its first character (QGS, DeGRe, 0.62%, 1B).
_TERM = re.compile(r"\b(?=[A-Za-z0-9.+%@-]*?(?:\d|(?<=[A-Za-z0-9])[A-Z]))[A-Za-z0-9][A-Za-z0-9.+%@-]*[A-Za-z0-9%]")


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
    lead_keys: list[str] = field(default_factory=list)  # its first LEAD paper names or URLs, in order
    # Its first LEAD words a translation keeps as they are (acronyms, mixed case, numbers: QGS,
    # DeGRe, 0.62%): not reported, only used to tell which sections of the variants correspond.
    lead_terms: list[str] = field(default_factory=list)

    @staticmethod
    def note_lead(key: str, lead: list[str]) -> None:
        if len(lead) < LEAD and key not in lead:
            lead.append(key)


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


def _rich_text(block: dict) -> list[dict]:
    return (block.get(block["type"]) or {}).get("rich_text") or []


def outline(
    path: Path,
    lang: str,
    blocks: list[dict],
    block_lines: dict[int, tuple[dict, int]],
    body_line: int,
    *,
    ignore_url: str | None = None,
    link_lines: dict[str, list[int]] | None = None,
) -> Outline:
    """The structure of one variant from its one conversion: `blocks` converted with
    ConvertOptions(block_lines=block_lines, line_offset=body_line - 1), so every block's file
    line is known (after `<details>`, HTML blocks and footnotes too). `ignore_url`: the prefix
    relative links were resolved to (they differ by language: not compared). `link_lines`: the
    conversion's ConvertOptions.link_lines, for the line of each link inside its block."""
    outliner = Outliner(path, lang, block_lines, body_line, ignore_url, link_lines)
    for block in blocks:
        outliner.add(block)
    return outliner.outline


class Outliner:
    """outline(), one top-level block at a time, as a conversion streams them (bot validate):
    each block's entries in `block_lines` are dropped once it is outlined, so the blocks
    themselves can go."""

    def __init__(
        self,
        path: Path,
        lang: str,
        block_lines: dict[int, tuple[dict, int]],
        body_line: int,
        ignore_url: str | None = None,
        link_lines: dict[str, list[int]] | None = None,
    ) -> None:
        self.outline = Outline(path, lang, [], [Section(body_line, "")])
        self._block_lines = block_lines
        self._lines = _Lines(block_lines, link_lines if link_lines is not None else {})  # filled as it converts
        self._line = body_line
        self._ignore_url = ignore_url

    def add(self, block: dict) -> None:
        out, lines = self.outline, self._lines
        line = self._line = lines.of(block, self._line)
        kind = block["type"]
        if kind.startswith("heading_"):
            level = int(kind.rsplit("_", 1)[1])
            title = items_plain_text(_rich_text(block))
            out.headings.append((line, level, title))
            out.sections.append(Section(line, title))
        else:
            section = out.sections[-1]
            if kind in LIST_ITEMS:
                section.items.append(line)
                lead = normalize_rich_text(_rich_text(block))[:1]
                name = items_plain_text(lead).strip() if lead and lead[0].get("annotations", {}).get("bold") else ""
                if name and not name.endswith(LABEL_ENDINGS):
                    section.names.setdefault(name, line)
                    section.note_lead(name, section.lead_keys)
            _collect(block, line, section, lines, self._ignore_url)
        self._forget(block)

    def _forget(self, block: dict) -> None:
        """Drop the line entries of `block` and its descendants (they hold the blocks)."""
        pending = [block]
        while pending:
            b = pending.pop()
            self._block_lines.pop(id(b), None)
            pending.extend(children_of(b))


def outline_of_text(
    path: Path,
    lang: str,
    body: str,
    body_line: int,
    *,
    tokens: list | None = None,
    footnotes_heading: str = "Footnotes",
) -> Outline:
    """Convert a body once (links unresolved) and outline it: for callers without a conversion."""
    block_lines: dict[int, tuple[dict, int]] = {}
    link_lines: dict[str, list[int]] = {}
    options = ConvertOptions(
        line_offset=body_line - 1,
        base_dir=path.parent,
        resolve_link=lambda href: None,
        block_lines=block_lines,
        link_lines=link_lines,
        footnotes_heading=footnotes_heading,
    )
    return outline(
        path, lang, convert_markdown(body, options, tokens=tokens).blocks, block_lines, body_line, link_lines=link_lines
    )


@dataclass
class _Lines:
    """File lines of a conversion's blocks and links."""

    blocks: dict[int, tuple[dict, int]]
    links: dict[str, list[int]]

    def of(self, block: dict, default: int) -> int:
        entry = self.blocks.get(id(block))
        return entry[1] if entry is not None and entry[0] is block else default

    def of_link(self, url: str, block_line: int) -> int:
        """The first line of a link to `url` at or after its block's first line."""
        return next((line for line in self.links.get(url, ()) if line >= block_line), block_line)


def children_of(block: dict) -> list[dict]:
    """Children of a block as the converter builds it (inside its type's body)."""
    return (block.get(block["type"]) or {}).get("children") or []


def _collect(block: dict, line: int, section: Section, lines: _Lines, ignore_url: str | None) -> None:
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
        if item.get("type") == "text" and len(section.lead_terms) < LEAD:
            for word in _TERM.findall(item["text"].get("content", "")):
                section.note_lead(word, section.lead_terms)
        if item.get("type") == "equation":
            section.equations.append(line)
        link = (item.get("text") or {}).get("link") if item.get("type") == "text" else None
        url = link.get("url") if link else None
        if url and not (ignore_url and url.startswith(ignore_url)) and url not in section.urls:
            section.urls[url] = lines.of_link(url, line)
            section.note_lead(url, section.lead_keys)
    if kind != "table":
        for child in children_of(block):
            _collect(child, lines.of(child, line), section, lines, ignore_url)


# --------------------------------------------------------------------------- comparing
def compare(a: Outline, b: Outline) -> list[ParityFinding]:
    """Findings for two variants of one week; reported on `b`'s file (the translation, zh)."""
    findings: list[ParityFinding] = []
    pairs, alone_a, alone_b = _paired_sections(a, b)
    missing = _Missing(a, b, pairs)
    findings += _heading_findings(a, b, pairs, alone_a, alone_b, missing)
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
        for lang, have, lack in (
            (self.b.lang, {**sa.urls, **sa.names}, self.in_b),
            (self.a.lang, {**sb.urls, **sb.names}, self.in_a),
        ):
            keys = [key for key in have if key not in lack]
            self.reported.update(keys)
            if keys:
                parts.append(f"missing in {lang}: {', '.join(keys)}")
        return ("; " + "; ".join(parts)) if parts else ""

    def of_section(self, section: Section, other: Outline) -> str:
        """The URLs and paper names of a section `other` lacks altogether, reported with it."""
        lack = {**other.urls(), **other.names()}
        keys = [key for key in {**section.urls, **section.names} if key not in lack]
        self.reported.update(keys)
        if not keys:
            return ""
        shown = ", ".join(keys[:5]) + (f" and {len(keys) - 5} more" if len(keys) > 5 else "")
        return f"; missing in {other.lang} with it: {shown}"

    def remaining(self) -> list[ParityFinding]:
        out = []
        for source, other, have, lack in (
            (self.a, self.b, self.in_a, self.in_b),
            (self.b, self.a, self.in_b, self.in_a),
        ):
            for key, line in have.items():
                if key in lack or key in self.reported:
                    continue
                what = "link" if key in source.urls() else "paper"
                section = next(
                    s for s in source.sections if key in s.urls or key in s.names
                )  # by key: the footnotes section's line is its first note's
                twin = self.counterpart.get(id(section))
                at = (
                    twin.line
                    if twin is not None and source is self.a
                    else (line if source is self.b else self.b.sections[0].line)
                )
                out.append(
                    ParityFinding(
                        self.b.path,
                        at,
                        f"{what} {key} ({_where(source, line)}) is missing in {other.lang}",
                        "links" if what == "link" else "papers",
                    )
                )
        return out


def _place(outline, before: int | None, line: int) -> str:
    """Where a missing section belongs in `outline`: after its heading `before`, else before `line`."""
    if before is None:
        return f"before {_where(outline, line)}"
    return f"after {_where(outline, outline.headings[before][0])} {_heading(outline, before)}"


def _where(o: Outline, line: int) -> str:
    return f"{o.path.name}:{line}"


def _keys(s: Section) -> set[str]:
    return set(s.urls) | set(s.names)


def _jaccard(a: set[str], b: set[str]) -> float | None:
    return len(a & b) / len(a | b) if a or b else None


def _similarity(sa: Section, sb: Section) -> float:
    """0..1: how alike two sections' contents are, language aside: URLs, paper names and
    terms such as acronyms and numbers are the same in both languages; counts of list items,
    tables, code blocks, images, equations."""
    counts = []
    for attr in ("items", "tables", "code", "images", "equations"):
        na, nb = len(getattr(sa, attr)), len(getattr(sb, attr))
        counts.append(1.0 if na == nb else 1 - abs(na - nb) / max(na, nb))
    # How a section begins weighs most: a dropped heading merges its section into the one
    # before, whose beginning stays the same.
    if sa.lead_keys or sb.lead_keys:
        lead = _jaccard(set(sa.lead_keys), set(sb.lead_keys))
    else:  # prose: translations keep terms, not always in the same order or form
        shared = set(sa.lead_terms) & set(sb.lead_terms)
        lead = len(shared) / min(len(sa.lead_terms), len(sb.lead_terms)) if sa.lead_terms and sb.lead_terms else None
    signals = [(0.2, sum(counts) / len(counts)), (0.3, _jaccard(_keys(sa), _keys(sb))), (0.8, lead)]
    known = [(weight, value) for weight, value in signals if value is not None]
    return sum(weight * value for weight, value in known) / sum(weight for weight, _ in known)


def _paired_sections(a: Outline, b: Outline) -> tuple[list[tuple[Section, Section]], list[int], list[int]]:
    """Pair the headings of the two variants (an alignment that keeps their order and
    maximizes how alike paired sections are); returns the section pairs and the indexes of the
    headings of `a` and of `b` left without a counterpart."""
    n, m = len(a.headings), len(b.headings)

    def score(i: int, j: int) -> float:
        same_level = a.headings[i][1] == b.headings[j][1]
        # The level weighs as much as the content: a translation rarely changes a level, while a
        # section's content can shift to a heading of another level that only one variant has.
        return (1.0 if same_level else 0.0) + _similarity(a.sections[i + 1], b.sections[j + 1])

    best = [[0.0] * (m + 1) for _ in range(n + 1)]  # best[i][j]: headings i.. of a with j.. of b
    for i in range(n - 1, -1, -1):
        for j in range(m - 1, -1, -1):
            best[i][j] = max(score(i, j) + best[i + 1][j + 1], best[i + 1][j], best[i][j + 1])
    pairs = [(a.sections[0], b.sections[0])]
    alone_a, alone_b = [], []
    i = j = 0
    while i < n and j < m:
        if best[i][j] == score(i, j) + best[i + 1][j + 1]:
            pairs.append((a.sections[i + 1], b.sections[j + 1]))
            i, j = i + 1, j + 1
        elif best[i][j] == best[i + 1][j]:
            alone_a.append(i)
            i += 1
        else:
            alone_b.append(j)
            j += 1
    alone_a += range(i, n)
    alone_b += range(j, m)
    return pairs, alone_a, alone_b


def _heading(o: Outline, index: int) -> str:
    _, level, text = o.headings[index]
    return f"h{level} {text!r}"


def _heading_findings(
    a: Outline, b: Outline, pairs, alone_a: list[int], alone_b: list[int], missing: "_Missing"
) -> list[ParityFinding]:
    """A paired heading of another level; a section only one variant has, named by its heading
    and placed after the heading it follows in the other variant."""
    counts = f"headings differ: {b.lang} has {len(b.headings)}, {a.lang} has {len(a.headings)}; "
    index_a = {id(s): i - 1 for i, s in enumerate(a.sections)}
    index_b = {id(s): i - 1 for i, s in enumerate(b.sections)}
    twin_in_b = {index_a[id(sa)]: index_b[id(sb)] for sa, sb in pairs[1:]}
    twin_in_a = {j: i for i, j in twin_in_b.items()}
    out = []
    for i, j in twin_in_b.items():
        if a.headings[i][1] != b.headings[j][1]:
            message = f"{counts}{_where(b, b.headings[j][0])} has {_heading(b, j)} where {_where(a, a.headings[i][0])} has {_heading(a, i)}"
            out.append(ParityFinding(b.path, b.headings[j][0], message, "headings"))
    for i in alone_a:  # a section the translation lacks: where it would go in b
        before = max((j for k, j in twin_in_b.items() if k < i), default=None)
        after = min((j for k, j in twin_in_b.items() if k > i), default=None)
        line = (
            b.headings[after][0]
            if after is not None
            else (b.headings[before][0] if before is not None else b.sections[0].line)
        )
        place = _place(b, before, line)
        message = (
            f"{counts}section {_heading(a, i)} ({_where(a, a.headings[i][0])}) is missing in {b.lang}: expected {place}"
            + missing.of_section(a.sections[i + 1], b)
        )
        out.append(ParityFinding(b.path, line, message, "headings"))
    for j in alone_b:  # a section only the translation has
        before = max((i for k, i in twin_in_a.items() if k < j), default=None)
        place = _place(a, before, a.sections[0].line)
        message = (
            f"{counts}section {_heading(b, j)} has no counterpart in {a.lang} (expected {place})"
            + missing.of_section(b.sections[j + 1], a)
        )
        out.append(ParityFinding(b.path, b.headings[j][0], message, "headings"))
    return sorted(out, key=lambda f: f.line)


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
        message = f"section {_title(sb)} has {nb} {what}; {_where(a, line_a)} {_title(sa)} has {na}" + (
            missing.of(sa, sb) if kind == "list-items" else ""
        )
        out.append(ParityFinding(b.path, line_b, message, kind))
    shapes_a = [shape for _, shape in sa.tables]
    shapes_b = [shape for _, shape in sb.tables]
    if shapes_a != shapes_b:
        line_a = sa.tables[0][0] if sa.tables else sa.line
        line_b = sb.tables[0][0] if sb.tables else sb.line
        message = f"section {_title(sb)} has tables {_shapes(shapes_b)}; {_where(a, line_a)} {_title(sa)} has {_shapes(shapes_a)}"
        out.append(ParityFinding(b.path, line_b, message, "tables"))
    return out


def _shapes(shapes: list[tuple[int, int]]) -> str:
    return "[" + ", ".join(f"{rows}×{cols}" for rows, cols in shapes) + "]" if shapes else "none"


def week_parity(variants, outline_for: Callable | None = None) -> list[ParityFinding]:
    """Findings for every week of `variants` that has both languages. `outline_for(variant)`:
    its Outline from the run's conversion (default: convert it here, once)."""
    outline_for = outline_for or (lambda v: outline_of_text(v.path, v.lang, v.body, v.body_line))
    groups: dict[tuple, dict[str, object]] = {}
    for v in variants:
        groups.setdefault(v.group, {})[v.lang] = v
    findings = []
    for _, by_lang in sorted(groups.items()):
        if not all(lang in by_lang for lang in LANGS):
            continue
        first, second = (by_lang[lang] for lang in LANGS)
        findings += compare(*(outline_for(v) for v in (first, second)))
    return findings
