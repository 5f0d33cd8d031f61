"""`bot validate`: check content and mapping without touching Notion or the local workspace.

Each diagnostic carries a rule id (shown in --json); its level comes from the one rule table in
`bot.rules`, which `bot publish` and the scheduler apply too. Errors make the run fail
(exit 1); warnings do not, unless ``strict``; ``allow`` turns an allowable rule's errors into
warnings.
"""

from __future__ import annotations

import difflib
import os
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path
from urllib.parse import unquote

import yaml

from ..convert import BlockStream, ConvertOptions, check_limits
from ..convert.limits import check_property_limits
from ..convert.assets import ImageRefusal, resolve_local_image
from ..convert.html import html_events
from ..convert.blockstream import iter_block_tokens
from ..convert.parser import get_parser, markdown_lines
from ..errors import ContentError, Problem
from ..source import LANGS, SHARED_PARSE_MAX, WEEK_RE, Variant, discover, read_variant, slug_conflicts
from ..rules import REPORTED_BY_CONVERTER, level_of
from .diagnostics import Diagnostic, column_of, display_path, line_text, value_column

_WEEK_IN_TEXT = re.compile(r"\b\d{4}-W\d{2}\b")
_SCHEME = re.compile(r"[a-zA-Z][a-zA-Z0-9+.-]*:")
_PLACEHOLDER = "https://validate.invalid/"


@dataclass
class ValidationResult:
    files: list[str] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    parity: list = field(default_factory=list)  # ParityFinding (also among diagnostics, as warnings)

    @property
    def errors(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "error"]

    @property
    def warnings(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "files": self.files,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "diagnostics": [d.to_dict() for d in self.diagnostics],
        }

    def summary(self) -> str:
        n = len(self.files)
        head = f"{n} file{'s' if n != 1 else ''} checked: "
        if not self.diagnostics:
            return head + "no problems"
        return head + f"{len(self.errors)} error(s), {len(self.warnings)} warning(s)"


# --------------------------------------------------------------------------- entry points
def validate(
    settings,
    paths: list[Path] | None = None,
    *,
    strict: bool = False,
    allow: frozenset[str] = frozenset(),
    known: list[Variant] | None = None,
    parity: bool = True,
) -> ValidationResult:
    """Validate `paths` (files or directories; default: all content) against all content.

    Cross-file rules (slug uniqueness, language variants, relative links) always look at every
    content file, so a single file is checked in context. Reads files only. `known`: variants
    already read (by a publish), used as they are instead of reading and parsing them again.
    """
    return _Validator(settings, strict, frozenset(allow), known, parity).run(paths)


def _validate_for_publish(
    settings, variants: list[Variant], *, strict: bool, allow: frozenset[str], known: list[Variant], parity: bool
) -> ValidationResult:
    validator = _Validator(settings, strict, frozenset(allow), known, parity)
    validator.keep_parsed = len({v.group for v in variants}) <= 1
    return validator.run([v.path for v in variants])


def preflight(
    settings,
    variants: list[Variant],
    *,
    strict: bool = False,
    allow: frozenset[str] = frozenset(),
    known: list[Variant] | None = None,
    parity: list | None = None,
) -> list[Diagnostic]:
    """Raise ContentError when the content about to be published has validation errors.

    The same rules, at the same levels (bot.rules), as `bot validate` for exactly the
    files being published, so nothing is written when they fail. Returns the warnings the
    converter's own report does not list (the publisher shows those as `degraded:`).
    `parity`: a list to receive the bilingual parity findings of the weeks of `variants` (the dry
    run shows them), outlined from the same conversion; None: parity is not checked.
    """
    result = _validate_for_publish(
        settings,
        variants,
        strict=strict,
        allow=allow,
        known=known if known is not None else variants,
        parity=parity is not None,
    )
    if parity is not None:
        parity.extend(result.parity)
    if result.errors:
        raise ContentError([d.to_problem() for d in result.errors])
    return [
        d for d in result.warnings if d.rule not in REPORTED_BY_CONVERTER and d.rule != "parity"
    ]  # parity: shown on its own


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


# --------------------------------------------------------------------------- the validator
class _Validator:
    def __init__(
        self,
        settings,
        strict: bool,
        allow: frozenset[str] = frozenset(),
        known: list[Variant] | None = None,
        parity: bool = True,
    ):
        self.settings = settings
        self.strict = strict
        self.allow = allow
        self.known = {v.path.resolve(): v for v in known or []}
        self._read: dict[Path, Variant] = {}  # variants this run read itself
        self._bodiless: set[Path] = set()  # ... held without their bodies (see _without_body)
        self.keep_parsed = False  # a publish of one week: it converts the `known` variants next
        self.parity = parity
        self.out: list[Diagnostic] = []
        self.mappings: dict = {}  # mapping file -> Mapping, set by check_mapping for those that load
        from ..series_registry import load_registry

        self.registry = load_registry(settings)
        self.aliases_for = self.registry.aliases_for(settings.bot_content_dir)
        self._lines: dict[Path, list[str]] = {}
        self._headings: dict[Path, list[str] | None] = {}
        self._outlines: dict[Path, object] = {}  # path -> parity Outline, from check_body's conversion
        self.parity_findings: list = []

    # -- reporting ------------------------------------------------------------
    def report(
        self,
        path: Path | str,
        line: int | None,
        column: int | None,
        message: str,
        *,
        field: str | None = None,
        rule: str,
    ) -> None:
        level = level_of(rule, allow=self.allow, strict=self.strict)  # the rule table decides, for every command
        # The file as the user named it (BOT_CONTENT_DIR / a PATH argument); other files in messages relative to cwd.
        self.out.append(Diagnostic(os.fspath(path), line or 1, column or 1, level, message, field, rule))

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

    # -- run ----------------------------------------------------------------
    def run(self, paths: list[Path] | None) -> ValidationResult:
        content_dir = Path(self.settings.bot_content_dir)
        self.check_mapping()
        all_files = discover(content_dir) if content_dir.is_dir() else []
        if paths:
            selected = self.expand(paths)
        else:
            if not content_dir.is_dir():
                self.report(
                    content_dir,
                    None,
                    None,
                    "content directory not found: create it or set BOT_CONTENT_DIR",
                    rule="file",
                )
            selected = all_files
        self.content_files = {p.resolve() for p in all_files} | {p.resolve() for p in selected}
        selected_set = {p.resolve() for p in selected}

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
        chosen = [v for v in variants if v.path.resolve() in selected_set]
        self.check_series(chosen)
        self.check_slugs(variants, selected_set)
        self.check_variants(variants, selected_set)
        # One week at a time, and what a week's checks built (token streams, line lists, parity
        # outlines) is released before the next: memory stays that of one week, not of all of them.
        weeks: dict[tuple[str, str], list[Variant]] = {}
        for variant in variants:
            weeks.setdefault(variant.group, []).append(variant)
        for week in dict.fromkeys(v.group for v in chosen):
            whole = [self.with_body(v) for v in weeks[week]]  # read again: only this week's bodies are held
            for variant in whole:
                if variant.path.resolve() in selected_set:
                    self.check_week(variant)
                    self.check_body(variant)
            if self.parity:  # outlined from check_body's conversions
                self.check_parity(whole, selected_set)
            for variant in whole:
                self.release(variant)
            del whole
        self.check_dates(variants, selected_set)
        result = ValidationResult([os.fspath(p) for p in selected], self.out, self.parity_findings)
        result.diagnostics.sort(key=lambda d: (d.path, d.line, d.column, d.level != "error"))
        return result

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

    # -- mapping --------------------------------------------------------------
    def check_series(self, variants: list[Variant]) -> None:
        """Every file belongs to a series with a mapping file (its content would go nowhere)."""
        if self.registry.single:
            return
        for v in variants:
            if self.registry.get(v.front.series) is None:
                line, col = self.field_position(v, "series")
                self.report(
                    v.path,
                    line,
                    col,
                    f"series {v.front.series!r} has no mapping: add {display_path(self.settings.bot_mappings_dir / (v.front.series + '.yaml'))} "
                    f"(known series: {', '.join(self.registry.names)})",
                    field="series",
                    rule="mapping",
                )

    def mapping_of(self, variant: Variant):
        """The mapping of the variant's series (None when it does not load: reported once)."""
        found = self.registry.get(variant.front.series)
        if found is None and self.registry.single:
            found = next(iter(self.registry.series.values()), None)
        return self.mappings.get(found.mapping_path) if found else None

    def check_mapping(self) -> None:
        from ..mapping_files import mapping_files

        paths = (
            mapping_files(self.settings.bot_mappings_dir)
            if self.settings.discovers_series
            else [Path(self.settings.bot_mapping)]
        )
        for path in paths:
            self.check_mapping_file(path)

    def check_mapping_file(self, path: Path) -> None:
        from ..plain_front import FRONT_FIELDS
        from ..plain_inputs import plain_mapping

        try:  # plainly valid: without pydantic (bot/plain_inputs.py); else the model's verdict
            mapping = self.mappings[path] = plain_mapping(path)
            if mapping is None:
                from ..mapping import load_mapping

                mapping = self.mappings[path] = load_mapping(path)
        except ContentError as exc:
            if not path.is_file():  # nothing to fix in a file that is not there: say what is missing
                for missing in self.settings.missing_sources(content=False):
                    self.report(path, None, None, missing, rule="mapping")
                return
            for problem in exc.problems:
                self.report(
                    path,
                    problem.line,
                    None,
                    f"{problem.message}; fix {path} (see the comments in mappings/rec-weekly.yaml)",
                    field=problem.field,
                    rule="mapping",
                )
            return
        known = set(FRONT_FIELDS)  # FrontMatter's fields (tests/test_plain_inputs.py)
        lines = self.lines_of(path)
        for name in mapping.properties:
            if name not in known:
                line = next((i for i, text in enumerate(lines, 1) if text.strip().startswith(f"{name}:")), None)
                self.report(
                    path,
                    line,
                    column_of(line_text(lines, line or 0), name),
                    f"maps front-matter field {name!r}, which content cannot have (fields: {', '.join(known)})",
                    field="properties",
                    rule="mapping",
                )
        if mapping.page_icon and mapping.page_icon not in known:
            self.report(
                path,
                None,
                None,
                f"page_icon names unknown front-matter field {mapping.page_icon!r}",
                field="page_icon",
                rule="mapping",
            )

    # -- per-file problems from bot.source ---------------------------------------
    def source_problem(self, path: Path, problem: Problem) -> None:
        message, line, column = problem.message, problem.line, problem.column
        rule = (
            "front-matter"
            if problem.field or message.startswith(("invalid YAML", "front matter", "expected YAML"))
            else "file"
        )
        if message.startswith("not valid UTF-8"):
            column = _utf8_error_column(path)
        elif message.startswith("invalid YAML"):
            line, column = _yaml_error_position(path) or (line, column)
        elif problem.field and line:
            column = value_column(line_text(self.lines_of(path), line), problem.field)
        if message.startswith("required field is missing") and problem.field:
            message = f"required field is missing: add `{problem.field}: …` to the front matter" + message.removeprefix(
                "required field is missing"
            )
        elif message.startswith("file is") and "bytes" in message:
            message += "; content files are Markdown text — link large media instead of embedding it"
        self.report(path, line, column, message, field=problem.field, rule=rule)

    # -- cross-file rules -------------------------------------------------------
    def field_position(self, variant: Variant, name: str) -> tuple[int | None, int | None]:
        line = variant.field_lines.get(name)
        if line is None:
            return None, None
        return line, value_column(line_text(self.lines_of(variant.path), line), name)

    def check_slugs(self, variants: list[Variant], selected: set[Path]) -> None:
        advice = {
            "slug": "each page needs its own slug (series-lang-week) — rename or delete one file",
            "lang": "keep one file per language and week",
        }
        for conflict in slug_conflicts(variants):
            v = conflict.variant
            if v.path.resolve() not in selected:
                continue
            others = ", ".join(display_path(o.path) for o in conflict.others)
            line, col = self.field_position(v, conflict.field)
            self.report(
                v.path,
                line,
                col,
                f"{conflict.message} {others}: {advice[conflict.field]}",
                field=conflict.field,
                rule="slug",
            )

    def check_variants(self, variants: list[Variant], selected: set[Path]) -> None:
        groups: dict[tuple[str, str], list[Variant]] = {}
        for v in variants:
            groups.setdefault(v.group, []).append(v)
        for (series, week), group in groups.items():
            present = {v.lang for v in group}
            mapping = self.mapping_of(group[0])
            for lang in mapping.languages if mapping is not None else LANGS:  # the series' languages
                if lang in present:
                    continue
                for v in group:
                    if v.path.resolve() not in selected:
                        continue
                    expected = v.path.with_name(f"{lang}.md")
                    if expected.resolve() in self.unreadable:
                        continue  # it exists but has its own errors (reported for that file)
                    line, col = self.field_position(v, "lang")
                    self.report(
                        v.path,
                        line,
                        col,
                        f"no {lang} variant of {series} {week}: add {display_path(expected)} with `lang: {lang}`, `week: {week}`, `series: {series}` "
                        "(the two variants link to each other)",
                        field="lang",
                        rule="variant",
                    )

    def check_week(self, variant: Variant) -> None:
        """A file copied from last week keeps last week's folder, date or title by mistake."""
        week = variant.week
        folder = variant.path.parent.name
        if WEEK_RE.match(folder) and folder != week:
            line, col = self.field_position(variant, "week")
            self.report(
                variant.path,
                line,
                col,
                f"week {week} is in folder {folder}/: move the file to {folder[:5]}{week[5:]}/ or set `week: {folder}`"
                f" (`--week {folder[5:]}` looks for {folder})",
                field="week",
                rule="week",
            )
        dated = variant.front.date
        year, number, _ = dated.isocalendar()
        date_week = f"{year}-W{number:02d}"
        if date_week < week:  # later is fine: an issue can be postponed; earlier goes out too soon
            line, col = self.field_position(variant, "date")
            self.report(
                variant.path,
                line,
                col,
                f"date {dated:%Y-%m-%d %H:%M} is in {date_week}, before {week}: set the date of this issue (a copied file keeps last week's)",
                field="date",
                rule="week-date",
            )
        other = next((w for w in _WEEK_IN_TEXT.findall(variant.front.title) if w != week), None)
        if other:
            line, col = self.field_position(variant, "title")
            self.report(
                variant.path,
                line,
                col,
                f"title names {other} but the file is {week}: update the title",
                field="title",
                rule="week-title",
            )

    def check_dates(self, variants: list[Variant], selected: set[Path]) -> None:
        """The languages of a week go out together, in that week: a date far after its week, or
        en and zh dates more than a day apart (a year typed wrong), would publish one too soon."""
        for variant in variants:
            if variant.path.resolve() not in selected:
                continue
            moment = _as_datetime(variant.front.date)
            year, number = (int(part) for part in variant.week.split("-W"))
            sunday = date.fromisocalendar(year, number, 7)
            late = (moment.date() - sunday).days
            if late > DATE_SLACK_DAYS:
                line, col = self.field_position(variant, "date")
                self.report(
                    variant.path,
                    line,
                    col,
                    f"date {_shown(variant.front.date)} is {late} days after the end of {variant.week} "
                    f"({date.fromisocalendar(year, number, 1):%Y-%m-%d} – {sunday:%Y-%m-%d}): set the date of this issue or its `week:`",
                    field="date",
                    rule="dates",
                )
        groups: dict[tuple, dict[str, Variant]] = {}
        for v in variants:
            groups.setdefault(v.group, {}).setdefault(v.lang, v)
        for by_lang in groups.values():
            if not all(lang in by_lang for lang in LANGS):
                continue
            first, second = (by_lang[lang] for lang in LANGS)
            apart = abs(_as_datetime(first.front.date) - _as_datetime(second.front.date))
            if apart <= timedelta(days=1):
                continue
            on = (
                second if second.path.resolve() in selected else first
            )  # reported once, on the translation when selected
            if on.path.resolve() not in selected:
                continue
            other = first if on is second else second
            line, col = self.field_position(on, "date")
            where = f"{display_path(other.path)}:{other.field_lines.get('date', 1)}"
            self.report(
                on.path,
                line,
                col,
                f"date {_shown(on.front.date)} and {other.lang}'s {_shown(other.front.date)} ({where}) are {_span(apart)} apart: "
                f"the languages of {on.week} go out together — give both files the same date",
                field="date",
                rule="dates",
            )

    def check_parity(self, variants: list[Variant], selected: set[Path]) -> None:
        """Warnings where the two variants of a selected week diverge in structure (bot/editor/parity.py).
        Advisory: a translation may differ on purpose, so --strict does not make them errors."""
        from .parity import week_parity

        weeks = {v.group for v in variants if v.path.resolve() in selected}
        findings = week_parity([v for v in variants if v.group in weeks], self.outline_for)
        self.parity_findings += findings
        for finding in findings:
            self.out.append(
                Diagnostic(
                    os.fspath(finding.path), finding.line, 1, "warning", f"parity: {finding.message}", None, "parity"
                )
            )

    def outline_for(self, variant: Variant):
        """The variant's parity outline: from check_body's conversion when it ran, else from one
        conversion here (a variant of the week that was not selected)."""
        from .parity import outline_of_text

        found = self._outlines.get(variant.path.resolve())
        if found is None:
            found = outline_of_text(
                variant.path,
                variant.lang,
                variant.body,
                variant.body_line,
                footnotes_heading=self.footnotes_title(variant),
            )
        return found

    def footnotes_title(self, variant: Variant) -> str:
        mapping = self.mapping_of(variant)
        return mapping.footnotes_title(variant.lang) if mapping is not None else "Footnotes"

    # -- body ---------------------------------------------------------------------
    def check_body(self, variant: Variant) -> None:
        path = variant.path
        lines = self.body_lines_of(variant)
        block_lines, link_lines = ({}, {}) if self.parity else (None, None)  # parity outlines this same conversion
        options = ConvertOptions(
            line_offset=variant.body_line - 1,
            resolve_link=lambda href: _PLACEHOLDER,
            base_dir=path.parent,
            image_roots=self.settings.image_roots,
            block_lines=block_lines,
            link_lines=link_lines,
            footnotes_heading=self.footnotes_title(variant),
        )
        # A long body is read in one pass, one top-level block at a time: the converter parses and
        # renders each block and frees its tokens, which `scan` reads first (links, images,
        # headings); the limits are checked and parity outlines each block as it comes. Nothing
        # of the whole body is held but the source and what the checks keep (diagnostics, anchors,
        # link targets). A short one is parsed whole (faster; at most a few MB), and a one-week
        # publish converts that parse next.
        scan = _BodyScan()
        tokens: list | None = None
        if len(variant.body) <= SHARED_PARSE_MAX:
            tokens = get_parser().parse(variant.body)
            scan(tokens)
        stream = BlockStream(variant.body, options, tokens=tokens, observe=None if tokens is not None else scan)
        outliner = None
        if block_lines is not None:
            from .parity import Outliner

            outliner = Outliner(path, variant.lang, block_lines, variant.body_line, _PLACEHOLDER, link_lines)
        over_limits: list[tuple[int, str]] = []
        for line, block in stream.with_lines():
            for violation in check_limits([block], ""):
                over_limits.append((line or variant.body_line, violation))
            if outliner is not None:
                outliner.add(block)
        if tokens is not None and self.keep_parsed and path.resolve() in self.known:
            variant.keep_tokens(tokens)  # the publish converts this parse
        del tokens
        if outliner is not None:
            self._outlines[path.resolve()] = outliner.outline
        self._headings.setdefault(path.resolve(), scan.anchors)
        link_errors = self.check_links(variant, scan.references)
        for line, violation in over_limits:
            self.report(path, line, None, f"exceeds a Notion limit: {violation}", rule="limits")
        for d in stream.report:
            text = line_text(lines, d.line or 0)
            if d.construct == "code_language":
                lang = d.subject
                self.report(
                    path,
                    d.line,
                    column_of(text, lang) if lang else None,
                    f"unknown code language {lang!r}: Notion would show it as plain text — use a language Notion knows "
                    "(python, bash, json, yaml, sql, …; see bot/convert/languages.py) or `text`",
                    rule="code-language",
                )
            elif d.construct in ("image", "link") and (d.line, d.subject) in link_errors:
                continue  # a missing image or broken link: reported as an error with its column already
            elif d.construct == "image_refused":
                self.report(
                    path,
                    d.line,
                    column_of(text, d.subject),
                    f"{d.message.removesuffix(': kept its alt text as a paragraph')} — nothing outside the content folder is ever uploaded",
                    rule="image-refused",
                )
            else:
                self.report(path, d.line, column_of(text, d.subject), f"{d.construct}: {d.message}", rule="degradation")
        self.check_properties(variant)

    def check_properties(self, variant: Variant) -> None:
        """Property values one Notion request cannot carry (bot.convert.limits), at their field."""
        mapping = self.mapping_of(variant)
        if mapping is None:
            return
        from ..properties import desired_properties

        fields = {prop.property: name for name, prop in mapping.properties.items()}
        values = desired_properties(variant, mapping, self.settings.zone)
        for prop, violation in check_property_limits(values):
            name = fields.get(prop) if prop else None
            line, col = self.field_position(variant, name) if name else (variant.body_line - 1, None)
            self.report(
                variant.path,
                line,
                col,
                f"exceeds a Notion limit: {violation}" if name else f"front matter exceeds a Notion limit: {violation}",
                field=name,
                rule="limits",
            )

    def check_links(self, variant: Variant, references: list[tuple[int, str, str]]) -> set[tuple[int, str]]:
        """Relative links, anchors and local images (`references`: the body's, see _BodyScan);
        returns (line, href) of reported errors."""
        errors: set[tuple[int, str]] = set()
        lines = self.body_lines_of(variant)
        offset = variant.body_line - 1
        for line, kind, href in references:
            line += offset
            target = unquote(href)  # markdown-it percent-encodes hrefs; show and find what the author wrote
            text = line_text(lines, line)
            column = (
                column_of(text, f"({target}") + 1
                if f"({target}" in text
                else column_of(text, target if target in text else href)
            )
            if kind == "image":
                if _SCHEME.match(target) or target.startswith("//"):
                    continue
                local = variant.path.parent / target.split("#", 1)[0].split("?", 1)[0]
                found = resolve_local_image(href, variant.path.parent, self.settings.image_roots, hash_content=False)
                if isinstance(found, ImageRefusal) and found.kind == "missing":
                    self.report(
                        variant.path,
                        line,
                        column,
                        f"image {target!r} not found (looked for {display_path(local)}): add the file or fix the path",
                        rule="image",
                    )
                    errors.update({(line, target), (line, href)})
                continue
            if target.startswith("#"):
                anchor = target[1:]
                if anchor and anchor not in self.headings(variant.path):
                    self.report(
                        variant.path,
                        line,
                        column,
                        f"anchor {target!r} matches no heading in this file{_known(self.headings(variant.path), anchor)}",
                        rule="link",
                    )
                    errors.update({(line, target), (line, href)})
                continue
            if _SCHEME.match(target) or target.startswith("//"):
                continue  # absolute URLs are not checked offline
            path_part, _, anchor = target.partition("#")
            linked = (variant.path.parent / path_part).resolve()
            if not linked.exists():
                self.report(
                    variant.path,
                    line,
                    column,
                    f"broken relative link {target!r}: {display_path(linked)} does not exist — fix the path or link an https:// URL",
                    rule="link",
                )
                errors.update({(line, target), (line, href)})
            elif linked not in self.content_files:
                self.report(
                    variant.path,
                    line,
                    column,
                    f"relative link {target!r} is not a content file: relative links must point at another newsletter file (.md under BOT_CONTENT_DIR); use an https:// URL for anything else",
                    rule="link",
                )
                errors.update({(line, target), (line, href)})
            elif anchor and anchor not in self.headings(linked):
                self.report(
                    variant.path,
                    line,
                    column,
                    f"anchor #{anchor} matches no heading in {display_path(linked)}{_known(self.headings(linked), anchor)}",
                    rule="link",
                )
                errors.update({(line, target), (line, href)})
        return errors

    def headings(self, path: Path) -> list[str]:
        """The heading anchors of a file, in document order: from its check_body pass when it ran,
        else from the variant's body when it was read, else from the file."""
        key = path.resolve()
        if key not in self._headings:
            variant = self.known.get(key) or self._read.get(key)
            if variant is not None:
                variant = self.with_body(variant)
                self._headings[key] = heading_anchors(variant.body)
            else:
                try:
                    text = key.read_text(encoding="utf-8")
                except (OSError, UnicodeDecodeError):
                    text = ""
                self._headings[key] = heading_anchors(text)
        return self._headings[key] or []


# --------------------------------------------------------------------------- helpers
DATE_SLACK_DAYS = 7  # a date up to a week after its ISO week is a postponed issue, not a typo


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _shown(value: date | datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%Y-%m-%d}"


def _span(delta: timedelta) -> str:
    return f"{delta.days} days" if delta.days >= 2 else f"{delta.total_seconds() / 3600:.0f} hours"


SHOWN_ANCHORS = 6


def _known(anchors: list[str], wanted: str) -> str:
    """The closest heading anchors first (a typo: `#this-week-in-numbres`), then the others in
    document order."""
    if not anchors:
        return ""
    close = difflib.get_close_matches(wanted, anchors, n=3, cutoff=0.6)
    others = [a for a in anchors if a not in close]
    shown = others[: max(0, SHOWN_ANCHORS - len(close))]
    more = ", …" if len(others) > len(shown) else ""
    listed = ", ".join(f"#{a}" for a in shown) + more
    if close:
        return f": did you mean {' or '.join('#' + a for a in close)}?" + (
            f" (other headings, in order: {listed})" if shown else ""
        )
    return " (headings, in order: " + ", ".join(f"#{a}" for a in shown) + more + ")"


def slugify_heading(text: str) -> str:
    """GitHub-style heading anchor: lower case, punctuation dropped, spaces → hyphens (CJK kept)."""
    out = []
    for ch in text.strip().lower():
        if ch in " -":
            out.append("-" if ch == " " else ch)
        elif ch == "_" or unicodedata.category(ch)[0] in "LNM":
            out.append(ch)
    return "".join(out)


def heading_anchors(text: str) -> list[str]:
    """GitHub-style anchors of the headings of `text`, in order (parsed one block at a time)."""
    scan = _BodyScan(references=False)
    for tokens in iter_block_tokens(get_parser(), text):
        scan(tokens)
    return scan.anchors


class _BodyScan:
    """What validation reads from a body's tokens, fed one top-level block's tokens at a time
    (BlockStream's `observe`): the links and images (`references`: 1-based line within the body,
    "link" | "image", href, in document order) - Markdown's, and raw HTML's `<a href>` and
    `<img src>`, which the converter links and uploads the same way (bot/convert/html.py) - and
    the GitHub-style anchors of the headings (`anchors`, in order)."""

    def __init__(self, references: bool = True) -> None:
        self.references: list[tuple[int, str, str]] = []
        self.anchors: list[str] = []
        self._counts: dict[str, int] = {}
        self._line = 1  # the line the last token with a map started on: carried from block to block
        self._with_references = references
        self._normalize_link = get_parser().normalizeLink  # what the converter does to an <img src>

    def __call__(self, tokens: list) -> None:
        self._anchors(tokens)
        if self._with_references:
            self._line = self._walk(tokens, self._line)

    def _anchors(self, tokens: list) -> None:
        for i, tok in enumerate(tokens):
            if tok.type == "heading_open" and i + 1 < len(tokens):
                plain = "".join(c.content for c in (tokens[i + 1].children or []) if c.type in ("text", "code_inline"))
                base = slugify_heading(plain)
                n = self._counts.get(base, 0)
                self._counts[base] = n + 1
                self.anchors.append(base if n == 0 else f"{base}-{n}")

    def _html(self, content: str, line: int) -> None:
        for ev in html_events(content):
            if ev.kind != "start":
                continue
            if ev.tag == "a" and ev.attrs.get("href", "").strip():
                self.references.append((line + ev.line - 1, "link", ev.attrs["href"].strip()))
            elif ev.tag == "img" and ev.attrs.get("src", "").strip():
                self.references.append((line + ev.line - 1, "image", self._normalize_link(ev.attrs["src"].strip())))

    def _walk(self, tokens: list, line: int) -> int:
        out = self.references
        for tok in tokens:
            if tok.map:
                line = tok.map[0] + 1
            if tok.type == "inline":
                inner = line
                for child in tok.children or []:
                    if child.type in ("softbreak", "hardbreak"):
                        inner += 1
                    elif child.type == "link_open":
                        out.append((inner, "link", child.attrs.get("href", "")))
                    elif child.type == "image":
                        out.append((inner, "image", child.attrs.get("src", "")))
                    elif child.type == "html_inline":
                        self._html(child.content, inner)
            elif tok.type == "html_block":
                self._html(tok.content, line)
            elif tok.children:
                self._walk(tok.children, line)
        return line


def _utf8_error_column(path: Path) -> int:
    raw = path.read_bytes()
    try:
        raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        return exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
    return 1


def _yaml_error_position(path: Path) -> tuple[int, int] | None:
    text = path.read_text(encoding="utf-8").lstrip("\ufeff")
    lines = text.splitlines(keepends=True)
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip("\r\n") in ("---", "...")), len(lines))
    try:
        yaml.compose("".join(lines[1:end]), Loader=yaml.SafeLoader)
    except RecursionError:
        return None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        if mark is not None:
            return mark.line + 2, mark.column + 1
    return None
