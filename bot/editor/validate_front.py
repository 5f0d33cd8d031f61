"""`bot validate`'s checks of the mapping files and the front matter: series, language variants,
slugs, weeks and dates (the rules across files), and the problems bot.source found reading a file."""

from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta
from pathlib import Path

import yaml

from ..errors import ContentError, Problem
from ..source import LANGS, WEEK_RE, Variant, slug_conflicts
from .diagnostics import column_of, display_path, line_text, value_column

_WEEK_IN_TEXT = re.compile(r"\b\d{4}-W\d{2}\b")
DATE_SLACK_DAYS = 7  # a date up to a week after its ISO week is a postponed issue, not a typo


class FrontChecks:
    """The mapping and front-matter checks of _Validator (bot/editor/validate.py), which holds the
    state they use (settings, registry, mappings, unreadable) and `report`s for them."""

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
        self.check_mapped_fields(path, mapping)

    def check_mapped_fields(self, path: Path, mapping) -> None:
        """A mapping maps only fields front matter can have."""
        from ..plain_front import FRONT_FIELDS

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
        self.check_late_dates(variants, selected)
        self.check_dates_apart(variants, selected)

    def check_late_dates(self, variants: list[Variant], selected: set[Path]) -> None:
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

    def check_dates_apart(self, variants: list[Variant], selected: set[Path]) -> None:
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


def _as_datetime(value: date | datetime) -> datetime:
    return value if isinstance(value, datetime) else datetime.combine(value, time())


def _shown(value: date | datetime) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if isinstance(value, datetime) else f"{value:%Y-%m-%d}"


def _span(delta: timedelta) -> str:
    return f"{delta.days} days" if delta.days >= 2 else f"{delta.total_seconds() / 3600:.0f} hours"


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
