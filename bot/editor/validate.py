"""`bot validate`: check content and mapping without touching Notion or the local workspace.

Each diagnostic carries a rule id (shown in --json); its level comes from the one rule table in
`bot.rules`, which `bot publish` and the scheduler apply too. Errors make the run fail
(exit 1); warnings do not, unless ``strict``; ``allow`` turns an allowable rule's errors into
warnings.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import ContentError
from ..rules import REPORTED_BY_CONVERTER, level_of
from ..source import Variant
from .diagnostics import Diagnostic
from .validate_body import BodyChecks
from .validate_files import ContentFiles
from .validate_front import FrontChecks


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


# --------------------------------------------------------------------------- the validator
class _Validator(ContentFiles, FrontChecks, BodyChecks):
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

    # -- run ----------------------------------------------------------------
    def run(self, paths: list[Path] | None) -> ValidationResult:
        self.check_mapping()
        all_files, selected = self.select(paths)
        self.content_files = {p.resolve() for p in all_files} | {p.resolve() for p in selected}
        selected_set = {p.resolve() for p in selected}
        variants = self.read_all(all_files, selected, selected_set)
        chosen = [v for v in variants if v.path.resolve() in selected_set]
        self.check_series(chosen)
        self.check_slugs(variants, selected_set)
        self.check_variants(variants, selected_set)
        self.check_weeks(variants, chosen, selected_set)
        self.check_dates(variants, selected_set)
        result = ValidationResult([os.fspath(p) for p in selected], self.out, self.parity_findings)
        result.diagnostics.sort(key=lambda d: (d.path, d.line, d.column, d.level != "error"))
        return result

    def check_weeks(self, variants: list[Variant], chosen: list[Variant], selected_set: set[Path]) -> None:
        """The checks of each file's own week and body, and the week's parity, for the weeks of `chosen`."""
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
