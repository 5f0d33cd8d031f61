"""Front-matter problems in plain words: what is wrong, on which line, and a fix that works.

pydantic's messages ("Input should be a valid list") name the library's types; these name what
the file should say, with an example (`tags: expected a list, e.g. tags: [recsys, llm]`). An
unknown field gets the closest known one (`sumary` → `summary`, `Status` → `status`), and a slug
that disagrees with `lang:` is reported on the line that is wrong: the file's name (en.md) and its
slug agreeing against `lang:` mean `lang:` is the typo, and changing the slug would only lead to
a second error (two zh variants of the week).
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from .bilingual import LANGS
from .errors import Problem

EXAMPLES = {
    "title": 'title: "Rec Tech Weekly · 2026-W22"',
    "lang": "lang: en",
    "week": "week: 2026-W22",
    "series": "series: rec-weekly",
    "slug": "slug: rec-weekly-en-2026-W22",
    "type": "type: Post",
    "status": "status: Published",
    "date": "date: 2026-05-30 07:01",
    "summary": 'summary: "One or two sentences about the issue"',
    "tags": "tags: [recsys, llm]",
    "category": "category: Rec Tech Report",
    "priority": "priority: 1",
    "icon": 'icon: "📚"',
    "password": 'password: ""',
}

# pydantic error type -> what the value should be, in plain words
EXPECTED = {
    "list_type": "expected a list",
    "string_type": "expected text",
    "float_type": "expected a number",
    "float_parsing": "expected a number",
    "finite_number": "expected a finite number",
    "int_type": "expected a whole number",
    "int_parsing": "expected a whole number",
    "bool_type": "expected true or false",
    "string_too_short": "must not be empty",
    "dict_type": "expected a plain value",
}


def problem_of(path: Path, err: dict, data: dict[str, Any], lines: dict[str, int], fields: list[str]) -> Problem:
    """One pydantic error of the front matter (whose fields are `fields`) as a Problem naming
    file, line, field and a fix."""
    loc = err.get("loc") or ()
    field = str(loc[0]) if loc else None
    kind = err["type"]
    message = err["msg"].removeprefix("Value error, ")
    if kind == "missing":
        message = "required field is missing"
        typo = next((key for key in data if key not in fields and _closest(key, fields) == field), None)
        if typo is not None:  # validate's own advice ("add `status: …`") follows this one
            message += f" (`{typo}:` on line {lines.get(typo, 1)} looks like it: rename it)"
    elif kind == "extra_forbidden":
        message = _unknown_field(field or "", fields)
    elif kind == "literal_error":
        allowed = (err.get("ctx") or {}).get("expected", "").replace("'", "")
        message = f"{_shown(err.get('input'))} is not one of {allowed}; e.g. {EXAMPLES.get(field, '')}".rstrip(
            "; e.g. "
        )
    elif kind in EXPECTED:
        item = f"item {loc[1] + 1}: " if len(loc) > 1 and isinstance(loc[1], int) else ""
        message = f"{item}{EXPECTED[kind]}, got {_shown(err.get('input'))}" + (
            f"; e.g. {EXAMPLES[field]}" if field in EXAMPLES else ""
        )
    elif kind == "too_long" and field == "tags":
        message = (
            f"at most {(err.get('ctx') or {}).get('max_length', 100)} tags (Notion's limit for a multi-select value)"
        )
    if field is None and message.startswith("slug "):  # series-lang-week
        return _slug_problem(path, data, lines, message)
    return Problem(path, lines.get(field, 1) if field else 1, field, message)


def _shown(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "a list"
    if isinstance(value, dict):
        return "a mapping (key: value pairs)"
    if value is None:
        return "nothing"
    text = repr(value) if isinstance(value, str) else str(value)
    return text if len(text) <= 40 else text[:37] + "…"


def _closest(name: str, known: list[str]) -> str | None:
    lowered = {k.lower(): k for k in known}
    if name.lower() in lowered:  # `Status`: field names are lower case
        return lowered[name.lower()]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return close[0] if close else None


def _unknown_field(name: str, known: list[str]) -> str:
    close = _closest(name, known)
    if close:
        return f"unknown field: did you mean `{close}`? (fields: {', '.join(known)})"
    return f"unknown field (fields: {', '.join(known)})"


def _slug_problem(path: Path, data: dict[str, Any], lines: dict[str, int], message: str) -> Problem:
    """The slug is series-lang-week: say which of them is wrong, judged by the file's name."""
    series, lang, week, slug = (str(data.get(k, "")) for k in ("series", "lang", "week", "slug"))
    named = path.stem if path.stem in LANGS else None
    slug_lang = (
        slug[len(series) + 1 : -len(week) - 1] if slug.startswith(series + "-") and slug.endswith("-" + week) else None
    )
    if named and lang != named and slug_lang == named:
        return Problem(
            path,
            lines.get("lang", 1),
            "lang",
            f"`lang: {lang}` in {path.name}, whose slug says {named} too: set `lang: {named}` "
            f"(the {lang} variant of the week is {path.with_name(f'{lang}.md').name}, with its own slug)",
        )
    return Problem(path, lines.get("slug", 1), "slug", message)
