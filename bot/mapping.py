"""The mapping file: front-matter field → Notion property (name and type).

It also describes the database schema the embedded local workspace creates on first use.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .errors import ContentError, Problem
from .source import YAML_LOADER

PropertyType = Literal["title", "rich_text", "select", "multi_select", "date", "number", "checkbox", "url"]


class PropertyMap(BaseModel):
    model_config = ConfigDict(extra="forbid")

    property: str = Field(min_length=1, description="property name in the Notion database")
    type: PropertyType
    options: list[str] = Field(default_factory=list, description="select options the local workspace creates")
    required: bool = Field(
        default=True,
        description="when the target database lacks this column: error (true) or skip with a warning (false)",
    )


class HideUntilComplete(BaseModel):
    """A new page goes up with `hidden` in `field` (a value the blog does not show) and gets
    its own value, when that is one of `applies_to`, in one property update once all its
    blocks and its language link are in (README → "Hidden until complete")."""

    model_config = ConfigDict(extra="forbid")

    field: str = Field(min_length=1, description="front-matter field of the blog's visibility column (a select)")
    hidden: str = Field(
        min_length=1, description="the value a page has while it is being built (the blog does not list it)"
    )
    applies_to: list[str] = Field(
        min_length=1, description="values held back until the page is complete (the ones the blog lists)"
    )


# A series' own database comes from a setting of this family (BOT_/NOTION_ names are checked
# for typos, so the family is known to bot.settings): NOTION_DATABASE_ID_PAPER_NOTES.
SERIES_DATABASE_ENV = r"NOTION_DATABASE_ID_[A-Z0-9_]+"


class SeriesDatabase(BaseModel):
    """A series' own database (README → Several series): its id, or the setting that holds it.
    Without it a series publishes into the shared blog database (NOTION_DATABASE_ID)."""

    model_config = ConfigDict(extra="forbid")

    id: str | None = Field(default=None, min_length=1, description="the database id (from its URL)")
    env: str | None = Field(
        default=None,
        pattern=f"^{SERIES_DATABASE_ENV}$",
        description="the setting (environment or .env) holding the id, e.g. NOTION_DATABASE_ID_PAPER_NOTES",
    )

    @model_validator(mode="after")
    def _one_source(self) -> "SeriesDatabase":
        if (self.id is None) == (self.env is None):
            raise ValueError("give the database's id or env (the setting holding its id), one of them")
        return self


class Mapping(BaseModel):
    model_config = ConfigDict(extra="forbid")

    database_title: str = Field(
        min_length=1,
        description="the database's title in the embedded local workspace (series sharing the blog database name it alike)",
    )
    database: SeriesDatabase | None = Field(
        default=None, description="this series' own database; omitted: the shared blog database (NOTION_DATABASE_ID)"
    )
    languages: list[Literal["en", "zh"]] = Field(
        default_factory=lambda: ["en", "zh"], min_length=1, description="the language variants of a week"
    )
    key: str = Field(default="slug", description="front-matter field that identifies a page (upsert key)")
    page_icon: str | None = Field(default="icon", description="front-matter field written as the page icon (emoji)")
    properties: dict[str, PropertyMap]
    footnotes_heading: dict[str, str] = Field(
        default_factory=dict,
        description="per language, the heading of the final footnotes section (Notion has no footnotes), e.g. {zh: 脚注}; Footnotes when a language is not named",
    )
    hide_until_complete: HideUntilComplete | None = None
    fields: dict[str, str] = Field(
        default_factory=dict,
        description="this series' own names for the bot's front-matter fields, e.g. {abstract: summary}: its files say `abstract:`, read as summary; the mapping may use either name",
    )
    language_link: dict[str, str] = Field(
        default_factory=dict,
        description="per language, the text of the callout linking a page to its other-language page, e.g. {en: 中文版}; the bot's default when a language is not named",
    )

    @model_validator(mode="before")
    @classmethod
    def _bot_field_names(cls, raw):
        """The mapping's fields by the bot's names (a series' own names are `fields:` aliases)."""
        if not isinstance(raw, dict) or not isinstance(raw.get("fields"), dict):
            return raw
        names = raw["fields"]
        raw = dict(raw)
        if isinstance(raw.get("properties"), dict):
            raw["properties"] = {names.get(k, k): v for k, v in raw["properties"].items()}
        for key in ("key", "page_icon"):
            if isinstance(raw.get(key), str):
                raw[key] = names.get(raw[key], raw[key])
        hide = raw.get("hide_until_complete")
        if isinstance(hide, dict) and isinstance(hide.get("field"), str):
            raw["hide_until_complete"] = {**hide, "field": names.get(hide["field"], hide["field"])}
        return raw

    @model_validator(mode="after")
    def _consistent(self) -> "Mapping":
        titles = [f for f, p in self.properties.items() if p.type == "title"]
        if len(titles) != 1:
            raise ValueError(f"exactly one field must map to a property of type title, found {len(titles)}")
        if self.key not in self.properties:
            raise ValueError(f"key field {self.key!r} is not mapped")
        if self.properties[self.key].type not in ("rich_text", "title"):
            raise ValueError(
                f"key field {self.key!r} must map to rich_text or title (Notion can filter those by equality)"
            )
        names = [p.property for p in self.properties.values()]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ValueError(f"property names mapped twice: {', '.join(dupes)}")
        hide = self.hide_until_complete
        if hide is not None:
            if hide.field not in self.properties or self.properties[hide.field].type != "select":
                raise ValueError(
                    f"hide_until_complete.field {hide.field!r} must be a field mapped to a select property"
                )
            if hide.hidden in hide.applies_to:
                raise ValueError(f"hide_until_complete.hidden {hide.hidden!r} is one of the values it holds back")
            options = self.properties[hide.field].options
            if options and hide.hidden not in options:
                raise ValueError(
                    f"hide_until_complete.hidden {hide.hidden!r} is not one of {hide.field}'s options ({', '.join(options)})"
                )
        return self

    def link_text(self, lang: str) -> str | None:
        """The language link's text on a `lang` page (None: the bot's default)."""
        return self.language_link.get(lang)

    @property
    def link_texts(self) -> tuple[str, ...]:
        return tuple(self.language_link.values())

    def footnotes_title(self, lang: str) -> str:
        return self.footnotes_heading.get(lang) or "Footnotes"

    @property
    def title_field(self) -> str:
        return next(f for f, p in self.properties.items() if p.type == "title")

    @property
    def key_property(self) -> PropertyMap:
        return self.properties[self.key]

    def database_schema(self) -> dict:
        """Notion create-database property schema for the local workspace."""
        schema: dict = {}
        for prop in self.properties.values():
            config: dict = {}
            if prop.type in ("select", "multi_select"):
                config = {"options": [{"name": name} for name in prop.options]}
            elif prop.type == "number":
                config = {"format": "number"}
            schema[prop.property] = {prop.type: config}
        return schema


def _load_yaml(text: str):
    """Read with the content's loader (libyaml when present: the mapping is read by every
    command); a text it refuses is read again by the pure-Python parser for its messages."""
    try:
        return yaml.load(text, Loader=YAML_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError:
        return yaml.safe_load(text)


def load_mapping(path: Path) -> Mapping:
    try:
        raw = _load_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ContentError([Problem(path, None, None, "mapping file not found (set BOT_MAPPING)")]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ContentError([Problem(path, line, None, f"invalid YAML: {getattr(exc, 'problem', exc)}")]) from None
    try:
        return Mapping.model_validate(raw)
    except ValidationError as exc:
        problems = [
            Problem(path, None, ".".join(str(p) for p in err["loc"]) or None, err["msg"]) for err in exc.errors()
        ]
        raise ContentError(problems) from None
