"""The settings and the mapping checked without pydantic when they are plainly valid (for
`bot convert` and `bot validate`), as bot/plain_front.py checks front matter: a check accepts
only what the model accepts, with the same values, and returns None for anything else, which
the model then decides, with its messages.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from .plain_front import NotPlain, _choice, _Plain, _text, _texts


# -- the mapping (bot.mapping.Mapping) ----------------------------------------------------------

PROPERTY_TYPES = ("title", "rich_text", "select", "multi_select", "date", "number", "checkbox", "url")
MAPPING_FIELDS = (
    "database_title",
    "database",
    "languages",
    "key",
    "page_icon",
    "properties",
    "footnotes_heading",
    "hide_until_complete",
    "fields",
    "language_link",
)
LANGUAGES = ("en", "zh")
PROPERTY_FIELDS = ("property", "type", "options", "required")
HIDE_FIELDS = ("field", "hidden", "applies_to")


class PlainProperty:
    __slots__ = PROPERTY_FIELDS

    def __init__(self, property: str, type: str, options: list[str], required: bool) -> None:
        self.property, self.type, self.options, self.required = property, type, options, required


class PlainHide:
    __slots__ = HIDE_FIELDS

    def __init__(self, field: str, hidden: str, applies_to: list[str]) -> None:
        self.field, self.hidden, self.applies_to = field, hidden, applies_to


class PlainMapping(_Plain):
    """A mapping with Mapping's fields, checked by `plain_mapping`."""

    __slots__ = MAPPING_FIELDS

    def __init__(self, raw: Any, **values: Any) -> None:
        self._input, self._model = raw, None
        for name in MAPPING_FIELDS:
            setattr(self, name, values[name])

    def _build(self):
        from .mapping import Mapping

        return Mapping.model_validate(self._input)

    def footnotes_title(self, lang: str) -> str:
        return self.footnotes_heading.get(lang) or "Footnotes"

    def link_text(self, lang: str) -> str | None:
        return self.language_link.get(lang)

    @property
    def link_texts(self) -> tuple[str, ...]:
        return tuple(self.language_link.values())


def _fields(raw: Any, names: tuple[str, ...], required: tuple[str, ...]) -> dict:
    if type(raw) is not dict or not set(raw) <= set(names) or not set(required) <= set(raw):
        raise NotPlain
    return raw


def _property(raw: Any) -> PlainProperty:
    raw = _fields(raw, PROPERTY_FIELDS, ("property", "type"))
    required = raw.get("required", True)
    if type(required) is not bool:
        raise NotPlain
    return PlainProperty(
        _text(raw["property"], min_length=1),
        _choice(raw["type"], PROPERTY_TYPES),
        _texts(raw.get("options", [])),
        required,
    )


def _hide(raw: Any) -> PlainHide | None:
    if raw is None:
        return None
    raw = _fields(raw, HIDE_FIELDS, HIDE_FIELDS)
    return PlainHide(
        _text(raw["field"], min_length=1), _text(raw["hidden"], min_length=1), _texts(raw["applies_to"], min_length=1)
    )


def _consistent(m: PlainMapping) -> None:
    """Mapping's own checks (bot.mapping.Mapping._consistent): any broken one is NotPlain."""
    props = m.properties
    names = [p.property for p in props.values()]
    hide = m.hide_until_complete
    if (
        sum(p.type == "title" for p in props.values()) != 1
        or m.key not in props
        or props[m.key].type not in ("rich_text", "title")
        or len(set(names)) != len(names)
    ):
        raise NotPlain
    if hide is not None:
        options = props[hide.field].options if hide.field in props else []
        if (
            hide.field not in props
            or props[hide.field].type != "select"
            or hide.hidden in hide.applies_to
            or (options and hide.hidden not in options)
        ):
            raise NotPlain


def plain_mapping_of(raw: Any) -> PlainMapping | None:
    """`raw` (the mapping file as YAML built it) as Mapping would hold it, or None."""
    try:
        raw = _fields(raw, MAPPING_FIELDS, ("database_title", "properties"))
        properties = raw["properties"]
        headings = raw.get("footnotes_heading", {})
        if type(properties) is not dict or type(headings) is not dict:
            raise NotPlain
        page_icon = raw.get("page_icon", "icon")
        # A series' own database, or its own field names (which rename the other fields): the model decides.
        if raw.get("database") is not None or raw.get("fields"):
            raise NotPlain
        links = raw.get("language_link", {})
        if type(links) is not dict:
            raise NotPlain
        languages = _texts(raw.get("languages", list(LANGUAGES)), min_length=1)
        if any(lang not in LANGUAGES for lang in languages):
            raise NotPlain
        mapping = PlainMapping(
            raw,
            database_title=_text(raw["database_title"], min_length=1),
            database=None,
            languages=languages,
            fields={},
            language_link={_text(lang): _text(text) for lang, text in links.items()},
            key=_text(raw.get("key", "slug")),
            page_icon=_text(page_icon, optional=True),
            properties={_text(field): _property(p) for field, p in properties.items()},
            footnotes_heading={_text(lang): _text(title) for lang, title in headings.items()},
            hide_until_complete=_hide(raw.get("hide_until_complete")),
        )
        _consistent(mapping)
    except NotPlain:
        return None
    return mapping


_STR = "tag:yaml.org,2002:str"
_MAP = "tag:yaml.org,2002:map"
_SEQ = "tag:yaml.org,2002:seq"


class _Aliased(Exception):
    """A node met twice: an alias (the document goes to PyYAML's constructor)."""


def load_yaml(text: str) -> Any:
    """yaml.load(text, Loader=YAML_LOADER), with the strings, mappings and sequences built here.

    PyYAML composes the node graph in C (libyaml) but builds the Python values in Python, one
    generic call chain per node (construct_object -> construct_yaml_str -> construct_scalar
    ...): for the mapping file `bot convert` and `bot validate` read on every call, over half of
    the load. A plain string, a mapping with plain string keys and a sequence are built
    directly; every other node (numbers, booleans, null, dates, merge keys, tagged nodes) goes
    to PyYAML's own constructor, and a document with an alias is left to it whole (shared and
    recursive values). Same values, same errors (tests/test_plain_inputs.py compares them)."""
    from .source import YAML_LOADER

    loader = YAML_LOADER(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        try:
            return _build(loader, node, set())
        except _Aliased:
            return loader.construct_document(node)
    finally:
        loader.dispose()


def _build(loader, node, seen: set[int]) -> Any:
    kind, tag = node.id, node.tag  # "scalar", "mapping" or "sequence" (yaml.nodes)
    if kind == "scalar":
        return node.value if tag == _STR else loader.construct_object(node, deep=True)
    if id(node) in seen:
        raise _Aliased
    seen.add(id(node))
    if kind == "mapping" and tag == _MAP:
        out: dict = {}
        for key, value in node.value:
            if key.id != "scalar" or key.tag != _STR:  # merge keys, keys that are not strings
                return loader.construct_object(node, deep=True)
            out[key.value] = _build(loader, value, seen)
        return out
    if kind == "sequence" and tag == _SEQ:
        return [_build(loader, item, seen) for item in node.value]
    return loader.construct_object(node, deep=True)


def plain_mapping(path: Path) -> PlainMapping | None:
    """The mapping file at `path`, or None (unreadable, not YAML, or not plainly valid: then
    bot.mapping.load_mapping reads it again and says what is wrong)."""
    import yaml

    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return plain_mapping_of(raw)


# -- settings (bot.settings.Settings) -----------------------------------------------------------

# bot.settings' patterns (tests check they are the same).
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
NOTION_TOKEN_SHAPE = re.compile(r"(?:secret|ntn)_[A-Za-z0-9_]+")
OWN_PREFIXES = ("BOT_", "NOTION_")
PATH_DEFAULTS = {
    "bot_state_dir": Path(".bot"),
    "bot_content_dir": Path("content"),
    "bot_assets_dir": None,
    "bot_mapping": Path("mappings/rec-weekly.yaml"),
    "bot_mappings_dir": Path("mappings"),
}
# The settings checked here; any other BOT_* or NOTION_* name (or a .env file) takes the full path.
PLAIN_SETTINGS = (
    "notion_token",
    "notion_database_id",
    "notion_database_id_en",
    "notion_database_id_zh",
    "bot_timezone",
    "bot_rate_limit",
    *PATH_DEFAULTS,
)
RATE = re.compile(r"([0-9]{1,9})/([0-9]{1,9}(?:\.[0-9]{1,9})?)|([0-9]{1,9}(?:\.[0-9]{1,9})?)")


class PlainSettings(_Plain):
    """The settings `bot convert` and `bot validate` use; the others come from Settings."""

    __slots__ = (
        "bot_state_dir",
        "bot_content_dir",
        "bot_assets_dir",
        "bot_mapping",
        "bot_mappings_dir",
        "bot_timezone",
    )

    def __init__(self, values: dict[str, str]) -> None:
        self._input, self._model = values, None
        paths = {
            name: (Path(values[name]) if values.get(name, "").strip() else default)
            for name, default in PATH_DEFAULTS.items()
        }
        self.bot_state_dir, self.bot_content_dir = paths["bot_state_dir"], paths["bot_content_dir"]
        self.bot_assets_dir, self.bot_mapping = paths["bot_assets_dir"], paths["bot_mapping"]
        self.bot_mappings_dir = paths["bot_mappings_dir"]
        self.bot_timezone = values.get("bot_timezone", "Asia/Shanghai")

    @property
    def zone(self):
        from zoneinfo import ZoneInfo

        return ZoneInfo(self.bot_timezone)

    @property
    def image_roots(self) -> tuple[Path, ...]:
        return (self.bot_content_dir,) + ((self.bot_assets_dir,) if self.bot_assets_dir else ())

    @property
    def discovers_series(self) -> bool:
        """As Settings.discovers_series: the series are the mapping files of BOT_MAPPINGS_DIR."""
        from .mapping_files import mapping_files

        return "bot_mapping" not in self._input and bool(mapping_files(self.bot_mappings_dir))

    def missing_sources(self, *, content: bool = True) -> list[str]:
        """Nothing, when the sources are there; else Settings' words for what is missing."""
        if (content and not self.bot_content_dir.is_dir()) or (
            not self.bot_mapping.is_file() and not self.discovers_series
        ):
            return self.full().missing_sources(content=content)
        return []

    def _build(self):
        from .settings import Settings

        return Settings(**self._input)  # what load_settings() builds from the same environment


def _plain_setting(name: str, value: str) -> None:
    """Raises NotPlain unless Settings takes `value` for `name` as it is."""
    _text(value)
    if name == "notion_token":
        token = value.strip()
        if token:
            from .errors import remember_secret

            remember_secret(token)  # as Settings does: redacted from every output from now on
            if not (HEADER_SAFE.fullmatch(token) and NOTION_TOKEN_SHAPE.fullmatch(token)):
                raise NotPlain
    elif name == "bot_timezone":
        from zoneinfo import ZoneInfo

        try:
            ZoneInfo(value)
        except Exception:
            raise NotPlain from None
    elif name == "bot_rate_limit":
        match = RATE.fullmatch(value.strip())  # requests/seconds, or requests per second
        if not match or (match[1] and (int(match[1]) < 1 or float(match[2]) <= 0)):
            raise NotPlain
        if match[3] and float(match[3]) * 60 < 1:
            raise NotPlain
    elif name == "bot_state_dir":
        folder = Path(value) if value.strip() else PATH_DEFAULTS["bot_state_dir"]
        if folder.exists() and not folder.is_dir():
            raise NotPlain


def plain_settings(environ: dict[str, str] | None = None) -> PlainSettings | None:
    """The settings, when the environment sets only PLAIN_SETTINGS, each plainly valid, and
    there is no `.env`; else None (then bot.settings.load_settings decides, with its messages)."""
    import os

    if Path(".env").exists():
        return None
    values: dict[str, str] = {}
    for name, value in (os.environ if environ is None else environ).items():
        if not name.upper().startswith(OWN_PREFIXES):
            continue
        field = name.lower()
        if field not in PLAIN_SETTINGS or field in values:
            return None
        values[field] = value
    try:
        for name, value in values.items():
            _plain_setting(name, value)
    except NotPlain:
        return None
    return PlainSettings(values)
