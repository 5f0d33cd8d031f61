"""Stage 1: read content files and validate their front matter.

A content file is YAML front matter between `---` lines followed by the Markdown body.
Every problem is reported as ``file:line: field: message`` before anything is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

import yaml

from .bilingual import LANGS
from .errors import ContentError, Problem, SelectionError
from .front_fields import CONTROL, DATE_FORMATS, SLUG_RE, WEEK_RE  # noqa: F401 - bot.source's names too

if TYPE_CHECKING:
    from .front_matter import FrontMatter

MAX_FILE_BYTES = 20 * 1024 * 1024  # far above any newsletter; refuses runaway files early (conversion is linear)


# A body up to this many characters is parsed once for a one-week publish: validation keeps its
# tokens for the conversion (at most ~13 MB of them); a longer one is parsed again, one block at
# a time, so that memory stays proportional to one block, not to the body.
SHARED_PARSE_MAX = 64_000


@dataclass
class Variant:
    """One language variant of one week, read from one file."""

    path: Path
    front: FrontMatter
    body: str
    body_line: int  # 1-based line number of the first body line in the file
    field_lines: dict[str, int]
    _tokens: list | None = field(default=None, init=False, repr=False, compare=False)

    # Shared by validation and conversion (one parse, see SHARED_PARSE_MAX): the converter does
    # not change tokens.
    def keep_tokens(self, tokens: list) -> None:
        """The body's markdown-it token stream, as validation parsed it, for the conversion next."""
        self._tokens = tokens

    def take_tokens(self) -> list | None:
        """The kept token stream (once: it is the largest part of a variant), or None."""
        tokens, self._tokens = self._tokens, None
        return tokens

    @property
    def slug(self) -> str:
        return self.front.slug

    @property
    def lang(self) -> str:
        return self.front.lang

    @property
    def week(self) -> str:
        return self.front.week

    @property
    def group(self) -> tuple[str, str]:
        """Variants with the same group are translations of each other."""
        return (self.front.series, self.front.week)


# Where str.splitlines() ends a line (so line numbers agree with it everywhere).
_LINE_END = re.compile("\r\n|[\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")


def _line_spans(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each line, its line break included, as str.splitlines(keepends=True)
    cuts them - one at a time, so a caller can stop early."""
    start = 0
    for match in _LINE_END.finditer(text):
        yield start, match.end()
        start = match.end()
    if start < len(text):
        yield start, len(text)


def split_front_matter(path: Path, text: str) -> tuple[str, str, int]:
    """Return (yaml text, body, 1-based line of the body).

    Lines are read only as far as the closing '---': the body is one slice of `text` (not the
    whole file split into lines and joined again, two more copies of a 20 MiB file)."""
    spans = _line_spans(text)
    first = next(spans, None)
    if first is None or text[first[0] : first[1]].rstrip("\r\n") != "---":
        raise ContentError([Problem(path, 1, None, "expected YAML front matter starting with '---' on the first line")])
    for index, (start, end) in enumerate(spans, start=1):
        if text[start:end].rstrip("\r\n") in ("---", "..."):
            return text[first[1] : start], text[end:], index + 2
    raise ContentError([Problem(path, 1, None, "front matter is not closed: expected a line '---' after it")])


# libyaml when PyYAML has it: the same YAML, parsed in C (front matter is read for every file
# on every publish, and the pure-Python parser was a fifth of a no-op publish). Its error
# messages are not the documented ones: a refused text is read again by yaml.SafeLoader.
YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _front_matter_node(path: Path, yaml_text: str) -> tuple[yaml.Loader, yaml.MappingNode]:
    loader = YAML_LOADER(yaml_text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError as exc:
        loader.dispose()
        try:
            exc = _python_yaml_error(yaml_text) or exc
        except RecursionError:
            pass
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1  # +1 for 1-based, +1 for the opening '---'
        if isinstance(exc, yaml.reader.ReaderError):  # a character YAML refuses (DEL, C1 controls)
            line = yaml_text.count("\n", 0, exc.position) + 2
            raise ContentError(
                [
                    Problem(
                        path,
                        line,
                        None,
                        f"invalid YAML: the control character U+{exc.character:04X} is not allowed; remove it (or write it as \\u{exc.character:04x} inside double quotes)",
                    )
                ]
            ) from None
        raise ContentError(
            [Problem(path, line, None, f"invalid YAML: {getattr(exc, 'problem', None) or exc}")]
        ) from None
    except RecursionError:
        lines = yaml_text.splitlines() or [""]
        deepest = max(range(len(lines)), key=lambda i: lines[i].count("[") + lines[i].count("{"))
        field = lines[deepest].split(":", 1)[0].strip() if ":" in lines[deepest] else None
        raise ContentError(
            [
                Problem(
                    path,
                    deepest + 2,
                    field or None,
                    "invalid YAML: nested too deeply (front matter fields are plain values and lists)",
                )
            ]
        ) from None
    if not isinstance(node, yaml.MappingNode):
        loader.dispose()
        raise ContentError([Problem(path, 2, None, "front matter must be a YAML mapping of field: value")])
    return loader, node


def _python_yaml_error(yaml_text: str) -> yaml.YAMLError | None:
    """The pure-Python parser's account of a syntax error (its messages are the documented ones)."""
    try:
        yaml.compose(yaml_text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        return exc
    return None


def _front_data(path: Path, loader, node: yaml.MappingNode) -> tuple[dict[str, Any], dict[str, int]]:
    """The front matter as plain data, one field at a time, so that every problem names its
    line and field: tags such as !!python/object (the safe loader refuses them), complex keys,
    duplicate keys (YAML would silently keep the last: `status: Draft` then `status: Published`
    must not publish), and values the YAML library cannot build (a +25:00 offset)."""
    constructor = loader
    data: dict[str, Any] = {}
    first_line: dict[str, int] = {}
    problems: list[Problem] = []
    for key, value in node.value:
        line = key.start_mark.line + 2
        if not isinstance(key, yaml.ScalarNode) or key.tag != "tag:yaml.org,2002:str":
            problems.append(
                Problem(
                    path,
                    line,
                    None,
                    "a field name must be a plain word such as `title` (complex or non-text keys are not fields)",
                )
            )
            continue
        if key.value in first_line:
            problems.append(
                Problem(
                    path, line, key.value, f"duplicate field: already set on line {first_line[key.value]}; keep one"
                )
            )
            continue
        first_line[key.value] = line
        try:
            data[key.value] = constructor.construct_object(value, deep=True)
        except yaml.YAMLError as exc:
            problems.append(
                Problem(
                    path, value.start_mark.line + 2, key.value, f"invalid value: {getattr(exc, 'problem', None) or exc}"
                )
            )
        except (ValueError, TypeError, OverflowError) as exc:
            problems.append(Problem(path, value.start_mark.line + 2, key.value, f"invalid value: {exc}"))
        except RecursionError:
            problems.append(Problem(path, value.start_mark.line + 2, key.value, "invalid value: nested too deeply"))
    if problems:
        raise ContentError(problems)
    return data, first_line


def read_variant(
    path: Path,
    aliases: dict[str, str] | None = None,
    plain_check: Callable[[dict[str, Any]], Any] | None = None,
) -> Variant:
    """Read and validate one content file; raises ContentError naming file, line and field.

    `aliases`: the series' own names for the bot's fields (its mapping's `fields:`, e.g.
    {abstract: summary}); problems name the field as the file does.
    The front matter is checked without pydantic when it is plainly valid (`plain_check`, by
    default bot.plain_front.plain_front: an object with FrontMatter's fields, or None when it
    is not sure); anything else goes to the pydantic model, which decides and names every
    problem. Importing pydantic and building the model was a third of `bot convert`'s start-up."""
    if plain_check is None:
        from .plain_front import plain_front as plain_check
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise ContentError([Problem(path, None, None, "file not found")]) from None
    if size > MAX_FILE_BYTES:
        raise ContentError(
            [Problem(path, None, None, f"file is {size:,} bytes; at most {MAX_FILE_BYTES:,} are accepted")]
        )
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise ContentError(
            [
                Problem(
                    path,
                    line,
                    None,
                    f"not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start}); save the file as UTF-8",
                )
            ]
        ) from None
    if not text.strip():
        raise ContentError([Problem(path, 1, None, "file is empty: expected front matter and a Markdown body")])
    text = text.lstrip("\ufeff")
    yaml_text, body, body_line = split_front_matter(path, text)
    loader, node = _front_matter_node(path, yaml_text)  # parsed once: field lines and values
    try:
        data, lines = _front_data(path, loader, node)
    finally:
        loader.dispose()
    own_names = {}
    if aliases:
        data, lines, own_names = _bot_names(path, data, lines, aliases)
    front = plain_check(data) or validated_front(path, data, lines, own_names)
    return Variant(path=path, front=front, body=body, body_line=body_line, field_lines=lines)


def validated_front(
    path: Path, data: dict[str, Any], lines: dict[str, int], own_names: dict[str, str] | None = None
) -> FrontMatter:
    """The front matter as the pydantic model, or a ContentError with every problem (file, line,
    field; a field by the series' own name when it has one)."""
    from pydantic import ValidationError

    from .front_matter import FrontMatter

    try:
        return FrontMatter.model_validate(data)
    except ValidationError as exc:
        from .front_matter_messages import problem_of

        problems = [problem_of(path, err, data, lines, list(FrontMatter.model_fields)) for err in exc.errors()]
        raise ContentError(
            [replace(p, field=own_names.get(p.field, p.field)) if own_names else p for p in problems]
        ) from None


def __getattr__(name: str):
    # `from bot.source import FrontMatter` keeps working; importing bot.source alone loads no pydantic.
    if name == "FrontMatter":
        from .front_matter import FrontMatter

        return FrontMatter
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _bot_names(path: Path, data: dict, lines: dict, aliases: dict[str, str]) -> tuple[dict, dict, dict[str, str]]:
    """The front matter with the series' own field names (`abstract`) as the bot's (`summary`);
    a file giving both names of one field is refused (one would be dropped in silence)."""
    both = [(mine, bot) for mine, bot in aliases.items() if mine in data and bot in data and mine != bot]
    if both:
        raise ContentError(
            [
                Problem(
                    path,
                    lines.get(bot),
                    bot,
                    f"`{mine}:` is this series' name for `{bot}:` (its mapping's fields): keep one",
                )
                for mine, bot in both
            ]
        )
    own = {bot: mine for mine, bot in aliases.items() if mine in data}
    renamed = {aliases.get(k, k) if k in aliases else k: v for k, v in data.items()}
    at = {aliases.get(k, k) if k in aliases else k: v for k, v in lines.items()}
    return renamed, at, own


def discover(content_dir: Path) -> list[Path]:
    return sorted(p for p in content_dir.rglob("*.md") if p.is_file() and not p.name.startswith("_"))


def read_all(content_dir: Path, aliases_for=None) -> list[Variant]:
    """Read every content file, collecting all problems before failing; checks slug uniqueness.
    `aliases_for(path)`: the field aliases of the file's series (see read_variant)."""
    if not content_dir.is_dir():
        raise ContentError([Problem(content_dir, None, None, "content directory not found (set BOT_CONTENT_DIR)")])
    variants: list[Variant] = []
    problems: list[Problem] = []
    for path in discover(content_dir):
        try:
            variants.append(read_variant(path, aliases_for(path) if aliases_for else None))
        except ContentError as exc:
            problems.extend(exc.problems)
    problems.extend(check_unique(variants))
    if problems:
        raise ContentError(problems)
    return variants


@dataclass
class SlugConflict:
    """`variant` shares its slug (field "slug") or its week and language (field "lang") with `others`."""

    variant: "Variant"
    field: Literal["slug", "lang"]
    others: list["Variant"]

    @property
    def message(self) -> str:
        v = self.variant
        if self.field == "slug":
            return f"duplicate slug {v.slug!r}, also used by"
        return f"a second {v.lang} variant of {v.group[0]} {v.week}, also in"


def slug_conflicts(variants: list[Variant]) -> list[SlugConflict]:
    """Every variant whose slug is not unique, or whose week already has a variant in its language
    under another slug — the one rule `read_all` (publish) and `bot validate` both apply."""
    by_slug: dict[str, list[Variant]] = {}
    by_key: dict[tuple, list[Variant]] = {}
    for v in variants:
        by_slug.setdefault(v.slug, []).append(v)
        by_key.setdefault((v.group, v.lang), []).append(v)
    conflicts = [
        SlugConflict(v, "slug", [o for o in same if o is not v])
        for same in by_slug.values()
        if len(same) > 1
        for v in same
    ]
    conflicts += [
        SlugConflict(v, "lang", [o for o in same if o is not v])
        for same in by_key.values()
        if len({v.slug for v in same}) > 1  # the same slug twice is reported above
        for v in same
    ]
    return conflicts


def check_unique(variants: list[Variant]) -> list[Problem]:
    return [
        Problem(
            c.variant.path,
            c.variant.field_lines.get(c.field),
            c.field,
            f"{c.message} {', '.join(str(o.path) for o in c.others)}",
        )
        for c in slug_conflicts(variants)
    ]


def parse_week_spec(spec: str) -> tuple[str | None, int]:
    """`W22`, `w22`, `2026-W22` → (year or None, week number)."""
    match = re.fullmatch(r"(?:(\d{4})-?)?W(\d{1,2})", spec.strip().upper())
    if not match:
        raise SelectionError(f"--week {spec!r}: expected W22 or 2026-W22")
    return match.group(1), int(match.group(2))


def select_week(variants: list[Variant], spec: str) -> list[Variant]:
    """Select the variants of one week: `W22`, `w22`, `2026-W22`."""
    year, number = parse_week_spec(spec)
    candidates = [
        v for v in variants if v.week.endswith(f"-W{number:02d}") and (year is None or v.week.startswith(year))
    ]
    if not candidates:
        year_pattern = year or r"\d{4}"
        in_folder = [v for v in variants if re.fullmatch(rf"{year_pattern}-W{number:02d}", v.path.parent.name)]
        if in_folder:
            v = in_folder[0]
            raise SelectionError(
                f"--week {spec!r}: {v.path}:{v.field_lines.get('week', 1)} is in folder {v.path.parent.name}/ but says `week: {v.week}`: fix the week or move the file"
            )
        known = ", ".join(sorted({v.week for v in variants})) or "none"
        raise SelectionError(f"--week {spec!r}: no content for that week (weeks in content: {known})")
    weeks = sorted({v.week for v in candidates})
    if len(weeks) > 1:
        raise SelectionError(
            f"--week {spec!r} is ambiguous: {', '.join(weeks)}; name the year, e.g. --week {weeks[-1]}"
        )
    return sorted(candidates, key=lambda v: LANGS.index(v.lang))
