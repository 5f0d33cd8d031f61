"""Front matter checked without pydantic when it is plainly valid, and what the plain checks
of bot/plain_inputs.py share.

Importing pydantic and building its models was over half of `bot convert`'s start-up (README →
Scale and start-up), for inputs that are valid nearly every time. A plain check accepts only
input it is sure the pydantic model accepts, and returns the same values; on anything else (a
wrong type, a value that would need stripping, any rule broken) it returns None and the caller
asks the model, which gives the verdict and every message. So no message or exit status
depends on which path ran; tests/test_plain_inputs.py compares the two on the shipped inputs
and on generated ones, and pins the field lists to the models'.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from . import front_fields as rules


class NotPlain(Exception):
    """The input needs the pydantic model's judgement."""


def _text(value: Any, *, optional: bool = False, min_length: int = 0, stripped: bool = False) -> str | None:
    """A str pydantic takes as it is: valid Unicode (no lone surrogates, which pydantic refuses)
    and, for a model that strips whitespace, none around it."""
    if value is None and optional:
        return None
    if type(value) is not str or len(value) < min_length or (stripped and value != value.strip()):
        raise NotPlain
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise NotPlain from None
    return value


def _texts(value: Any, *, stripped: bool = False, min_length: int = 0, max_length: int | None = None) -> list[str]:
    if type(value) is not list or len(value) < min_length or (max_length is not None and len(value) > max_length):
        raise NotPlain
    return [_text(v, stripped=stripped) for v in value]


def _choice(value: Any, choices: tuple[str, ...]) -> str:
    if type(value) is not str or value not in choices:
        raise NotPlain
    return value


# -- front matter (bot.front_matter.FrontMatter) ------------------------------------------------

FRONT_CHOICES = {
    "lang": ("en", "zh"),
    "type": ("Post", "Page", "Notice", "Menu", "SubMenu"),
    "status": ("Published", "Draft", "Invisible"),
}
FRONT_REQUIRED = ("title", "lang", "week", "series", "slug", "status", "date")
FRONT_DEFAULTS: dict[str, Any] = {
    "type": "Post",
    "summary": "",
    "tags": [],
    "category": None,
    "priority": None,
    "icon": None,
    "password": None,
}
FRONT_FIELDS = (
    "title",
    "lang",
    "week",
    "series",
    "slug",
    "type",
    "status",
    "date",
    "summary",
    "tags",
    "category",
    "priority",
    "icon",
    "password",
)  # FrontMatter's order (model_dump's)


class _Plain:
    """A plain object with the model's fields; what else is asked of it (a pydantic method, a
    rarely used property) comes from the model itself, built from the same input on first use."""

    __slots__ = ("_input", "_model")

    def _build(self):
        raise NotImplementedError

    def full(self):
        """The pydantic model of the same input (valid: the plain check accepted it)."""
        if self._model is None:
            self._model = self._build()
        return self._model

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return getattr(self.full(), name)

    def __eq__(self, other: object) -> bool:
        """As the models compare: by value (a plain object and a model of the same input are equal)."""
        if isinstance(other, _Plain):
            other = other.full()
        return self.full() == other

    __hash__ = None  # as pydantic's models: unhashable


class PlainFront(_Plain):
    """Front matter with FrontMatter's fields, checked by `plain_front`."""

    __slots__ = FRONT_FIELDS

    def __init__(self, data: dict[str, Any], values: dict[str, Any]) -> None:
        self._input, self._model = data, None
        for name in FRONT_FIELDS:
            setattr(self, name, values[name])

    def _build(self):
        from .front_matter import FrontMatter

        return FrontMatter.model_validate(self._input)

    def model_dump(self) -> dict[str, Any]:
        return {name: list(v) if type(v := getattr(self, name)) is list else v for name in FRONT_FIELDS}

    def __eq__(self, other: object) -> bool:
        if isinstance(other, PlainFront):  # by value, without building the models
            return self.model_dump() == other.model_dump()
        return super().__eq__(other)

    __hash__ = None

    def __repr__(self) -> str:
        return f"PlainFront({', '.join(f'{name}={getattr(self, name)!r}' for name in FRONT_FIELDS)})"


def _priority(value: Any) -> float | None:
    if value is None:
        return None
    if type(value) is int and abs(value) <= 2**53:  # exactly a float
        value = float(value)
    if type(value) is not float:
        raise NotPlain
    return rules.finite(value)


def _front_values(data: dict[str, Any]) -> dict[str, Any]:
    values = {**FRONT_DEFAULTS, **data}
    text = lambda name, **kw: rules.no_control_characters(_text(values[name], stripped=True, **kw))
    out = {name: _choice(values[name], choices) for name, choices in FRONT_CHOICES.items()}
    out["title"] = text("title", min_length=1)
    out["week"] = rules.week(_text(values["week"], stripped=True))
    out["series"] = rules.slug(_text(values["series"], stripped=True))
    out["slug"] = rules.slug(_text(values["slug"], stripped=True))
    when = rules.parsed_date(values["date"])
    if type(when) not in (datetime, date):
        raise NotPlain
    out["date"] = when
    out["summary"] = text("summary")
    out["tags"] = rules.tags(_texts(values["tags"], stripped=True, max_length=100))
    out["category"] = rules.category(text("category", optional=True))
    out["priority"] = _priority(values["priority"])
    out["icon"] = rules.icon(text("icon", optional=True))
    out["password"] = text("password", optional=True)
    rules.slug_matches(out["series"], out["lang"], out["week"], out["slug"])
    return out


def plain_front(data: dict[str, Any]) -> PlainFront | None:
    """`data` (a file's front matter as YAML built it) as FrontMatter would hold it, or None."""
    if not set(data) <= set(FRONT_FIELDS) or not set(FRONT_REQUIRED) <= set(data):
        return None
    try:
        return PlainFront(data, _front_values(data))
    except (NotPlain, ValueError):
        return None
