"""Public data types of the converter."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable


@dataclass(frozen=True, slots=True)  # slots: a report can hold one per unclosed HTML element of a big file
class Degradation:
    """One place where the output is not an exact representation of the source."""

    line: int | None  # 1-based line in the source *file* (line_offset already added)
    construct: str  # e.g. "html_block", "heading_5", "link", "code_language", "rich_text_items"
    message: str  # what was done, human readable
    # The source text the message is about, as written (link target, code language, image
    # path, HTML tag such as "<abbr"), or None. Lets tools point at it without parsing `message`.
    subject: str | None = None

    def to_dict(self) -> dict:
        return {"line": self.line, "construct": self.construct, "message": self.message}


@dataclass
class Conversion:
    blocks: list[dict]
    report: list[Degradation] = field(default_factory=list)


@dataclass
class ConvertOptions:
    line_offset: int = 0
    resolve_link: Callable[[str], str | None] | None = None
    base_dir: Path | None = None
    # Folders local images may come from (BOT_CONTENT_DIR, BOT_ASSETS_DIR); empty: base_dir only.
    image_roots: tuple[Path, ...] = ()
    # When a dict: filled with id(block) -> (block, file line) for the blocks the converter
    # builds from a source line (headings, paragraphs, list items, tables, code, images,
    # equations, at every depth), for tools that point at lines (bot/editor/parity.py). The
    # block is held with its line so that no other block can take its id.
    block_lines: dict[int, tuple[dict, int]] | None = None
    # When a dict: filled with absolute URL -> the file lines of the links to it, in document
    # order (a link on the third line of a paragraph or in a table's fifth row: its own line).
    link_lines: dict[str, list[int]] | None = None
    # The heading of the final footnotes section, in the page's language (the mapping's
    # `footnotes_heading`, e.g. 脚注 for zh).
    footnotes_heading: str = "Footnotes"
