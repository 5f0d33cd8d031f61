"""`bot validate`'s files: which files a run checks (paths, directories, `--week`) and their text,
read once without the bodies for the rules across files and again, one week at a time, with them."""

from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ..convert.parser import markdown_lines
from ..errors import ContentError
from ..source import Variant, discover, read_variant


def week_paths(content_dir: Path, spec: str) -> list[Path]:
    """The content files of one week (`W22`, `2026-W22`): by front matter when it reads, by
    folder name otherwise — so a week whose files do not parse is still validated."""
    from ..errors import SelectionError
    from ..source import parse_week_spec

    year, number = parse_week_spec(spec)
    year_pattern = year or r"\d{4}"
    pattern = re.compile(rf"{year_pattern}-W{number:02d}")
    found = []
    for path in discover(Path(content_dir)) if Path(content_dir).is_dir() else []:
        try:
            week = read_variant(path).week
        except ContentError:
            week = path.parent.name
        if pattern.fullmatch(week) or pattern.fullmatch(path.parent.name):
            found.append(path)
    if not found:
        raise SelectionError(f"--week {spec!r}: no content files for that week under {content_dir}")
    return found


class ContentFiles:
    """The file handling of _Validator (bot/editor/validate.py): line lists, bodies held and
    released, the paths a run names."""

    def select(self, paths: list[Path] | None) -> tuple[list[Path], list[Path]]:
        """All content files (the rules across files look at every one) and those `paths` name
        (default: all of them)."""
        content_dir = Path(self.settings.bot_content_dir)
        all_files = discover(content_dir) if content_dir.is_dir() else []
        if paths:
            return all_files, self.expand(paths)
        if not content_dir.is_dir():
            self.report(
                content_dir,
                None,
                None,
                "content directory not found: create it or set BOT_CONTENT_DIR",
                rule="file",
            )
        return all_files, all_files

    def read_all(self, all_files: list[Path], selected: list[Path], selected_set: set[Path]) -> list[Variant]:
        """Every file's variant, without its body; the problems of a selected file that does not read are reported."""
        variants: list[Variant] = []
        self.unreadable: set[Path] = set()
        for path in sorted({p.resolve(): p for p in list(all_files) + list(selected)}.values(), key=str):
            try:
                variants.append(
                    self.known.get(path.resolve()) or self._without_body(read_variant(path, self.aliases_for(path)))
                )
                self._read[path.resolve()] = variants[-1]
            except ContentError as exc:
                self.unreadable.add(path.resolve())
                if path.resolve() in selected_set:
                    for problem in exc.problems:
                        self.source_problem(path, problem)
        return variants

    def body_lines_of(self, variant: Variant) -> list[str]:
        """The file's lines numbered as diagnostics number them: the front matter's as
        `str.splitlines` cuts them (as bot.source does), the body's as the parser does."""
        head = self.lines_of(variant.path)[: variant.body_line - 1]
        return head + markdown_lines(variant.body)

    def lines_of(self, path: Path) -> list[str]:
        if path not in self._lines:
            try:
                self._lines[path] = path.read_text(encoding="utf-8", errors="replace").splitlines()
            except OSError:
                self._lines[path] = []
        return self._lines[path]

    def _without_body(self, variant: Variant) -> Variant:
        """The variant without its body, for the rules across files (front matter only): with
        every file of every week read first, the bodies would be most of the memory (5,000
        weeks: ~450 MB). with_body reads it again when its week is checked."""
        self._bodiless.add(variant.path.resolve())
        return replace(variant, body="")

    def with_body(self, variant: Variant) -> Variant:
        if variant.path.resolve() not in self._bodiless:
            return variant
        try:
            return read_variant(variant.path, self.aliases_for(variant.path))
        except ContentError:  # changed since it was read: checked as it was then, without its body
            return variant

    def release(self, variant: Variant) -> None:
        """Forget what checking `variant` built (its line list and parity outline)."""
        self._lines.pop(variant.path, None)
        self._outlines.pop(variant.path.resolve(), None)

    def expand(self, paths: list[Path]) -> list[Path]:
        out: list[Path] = []
        for p in paths:
            p = Path(p)
            if p.is_dir():
                found = discover(p)
                if not found:
                    self.report(p, None, None, "no .md content files in this directory", rule="empty-directory")
                out.extend(found)
            elif p.exists():
                out.append(p)
            else:
                self.report(
                    p, None, None, "file not found: check the path (content lives under BOT_CONTENT_DIR)", rule="file"
                )
        return out
