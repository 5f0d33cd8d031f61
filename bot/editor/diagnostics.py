"""Diagnostics in the compiler format editors and their tools understand.

    content/rec-weekly/2026-W22/en.md:9:7: error: date: expected a date such as 2026-05-30 07:01 …

Line and column are 1-based and always present (a problem about the whole file points at 1:1),
so editors can jump to it and `grep`-style tools can parse it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem

LEVELS = ("error", "warning")


@dataclass(frozen=True, slots=True)  # slots: validate can hold one per unclosed HTML element of a big file
class Diagnostic:
    path: str
    line: int
    column: int
    level: str  # "error" | "warning"
    message: str
    field: str | None = None
    rule: str = "content"  # short machine-readable rule id, e.g. "front-matter", "link", "code-language"

    def __str__(self) -> str:
        return format_diagnostic(self)

    def to_dict(self) -> dict:
        return {
            "file": self.path,
            "line": self.line,
            "column": self.column,
            "level": self.level,
            "rule": self.rule,
            "field": self.field,
            "message": self.message,
        }

    def to_problem(self) -> Problem:
        """The project-wide error type (what `ContentError` carries)."""
        return Problem(self.path, self.line, self.field, self.message, level=self.level, column=self.column)


def format_diagnostic(d: Diagnostic) -> str:
    what = f"{d.field}: {d.message}" if d.field else d.message
    return f"{d.path}:{d.line}:{d.column}: {d.level}: {what}"


def display_path(path: Path | str) -> str:
    """Relative to the working directory when below it (shorter, clickable), else as given."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve()))
    except (ValueError, OSError):
        return os.fspath(p)


def line_text(lines: list[str], line: int) -> str:
    return lines[line - 1] if 0 < line <= len(lines) else ""


def column_of(text: str, needle: str | None, default_first_nonspace: bool = True) -> int:
    """1-based column of `needle` in `text`; else of the first non-blank character; else 1."""
    if needle:
        at = text.find(needle)
        if at >= 0:
            return at + 1
    if default_first_nonspace and text.strip():
        return len(text) - len(text.lstrip()) + 1
    return 1


def value_column(text: str, field: str | None) -> int:
    """Column of a YAML field's value (`date: 2026-…` → the `2`), or of the key when it has none."""
    if field and text.lstrip().startswith(f"{field}:"):
        key_at = text.find(f"{field}:")
        rest = text[key_at + len(field) + 1 :]
        if rest.strip() and not rest.strip().startswith("#"):
            return key_at + len(field) + 1 + (len(rest) - len(rest.lstrip())) + 1
        return key_at + 1
    return column_of(text, None)
