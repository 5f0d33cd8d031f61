"""The front matter of a content file as a pydantic model: what `bot.source.read_variant`
validates a file's fields against (its messages are made plain by `front_matter_messages`).

In its own module so that reading content does not import pydantic before it has to:
front matter that is plainly valid is checked without it (`bot.plain_front`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from . import front_fields as rules


class FrontMatter(BaseModel):
    """The front matter of one language variant of a week."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    title: str = Field(min_length=1)
    lang: Literal["en", "zh"]
    week: str = Field(description="ISO week, e.g. 2026-W22")
    series: str = Field(description="ties the language variants of a week together, e.g. rec-weekly")
    slug: str
    type: Literal["Post", "Page", "Notice", "Menu", "SubMenu"] = "Post"
    status: Literal["Published", "Draft", "Invisible"]
    date: datetime | date
    summary: str = ""
    tags: list[str] = Field(default_factory=list, max_length=100)
    category: str | None = None
    priority: float | None = None
    icon: str | None = None
    password: str | None = None

    # The rules are plain functions (bot.front_fields), shared with `bot convert`'s plain check.
    _week = field_validator("week")(classmethod(lambda cls, value: rules.week(value)))
    _slug = field_validator("slug", "series")(classmethod(lambda cls, value: rules.slug(value)))
    _date = field_validator("date", mode="before")(classmethod(lambda cls, value: rules.parsed_date(value)))
    _tags = field_validator("tags")(classmethod(lambda cls, value: rules.tags(value)))
    _category = field_validator("category")(classmethod(lambda cls, value: rules.category(value)))
    _finite = field_validator("priority")(classmethod(lambda cls, value: rules.finite(value)))
    _no_control_characters = field_validator("title", "summary", "category", "icon", "password")(
        classmethod(lambda cls, value: rules.no_control_characters(value))
    )
    _icon = field_validator("icon")(classmethod(lambda cls, value: rules.icon(value)))

    @model_validator(mode="after")
    def _slug_matches(self) -> "FrontMatter":
        rules.slug_matches(self.series, self.lang, self.week, self.slug)
        return self
