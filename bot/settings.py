"""Settings from the environment and `.env` (documented one by one in .env.example)."""

from __future__ import annotations

import re
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .mapping_files import mapping_files  # noqa: F401 - bot.settings' name too
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

NOTION_API_URL = "https://api.notion.com"
# What an HTTP header value may hold: visible ASCII, no spaces (a pasted newline must not reach httpx).
HEADER_SAFE = re.compile(r"[\x21-\x7e]+")
# Notion-Versions the bot speaks (README, "Notion API version"): data sources, `position` appends,
# `in_trash`, and lists that name their properties. 2026-03-11 is the default: Notion's current docs
# and SDK examples use it, and the bot already needs nothing that changes on 2026-12-01.
NOTION_VERSIONS = ("2025-09-03", "2026-03-11", "2026-12-01")
DEFAULT_NOTION_VERSION = "2026-03-11"
NOTION_TOKEN_SHAPE = re.compile(r"(?:secret|ntn)_[A-Za-z0-9_]+")
from .errors import known_secrets, remember_secret  # noqa: E402,F401  (known_secrets: re-exported)


class Settings(BaseModel):
    """Validated settings. `load_settings()` fills them from the environment and `.env` (a
    plain pydantic model: pydantic-settings cost ~90 ms of imports on every command)."""

    model_config = ConfigDict(extra="ignore")

    notion_token: SecretStr | None = None
    notion_base_url: str = NOTION_API_URL
    notion_version: str = DEFAULT_NOTION_VERSION
    notion_database_id: str | None = None
    notion_database_id_en: str | None = None
    notion_database_id_zh: str | None = None

    bot_timezone: str = "Asia/Shanghai"
    bot_state_dir: Path = Path(".bot")
    bot_content_dir: Path = Path("content")
    bot_assets_dir: Path | None = None  # a second folder local images may come from
    bot_mapping: Path = Path("mappings/rec-weekly.yaml")  # set: one mapping for all content (no discovery)
    bot_mappings_dir: Path = Path("mappings")  # every NAME.yaml here is a series (README → Several series)
    # NOTION_DATABASE_ID_<NAME> settings (environment or .env): a series' own database, named by
    # its mapping's `database: {env: …}`.
    series_database_ids: dict[str, str] = Field(default_factory=dict)

    # Notion's per-connection budget the client paces to, "requests/seconds": 180/60 on most
    # plans, 600/60 on Business and Enterprise (a bare number is requests per second).
    bot_rate_limit: str = "180/60"
    bot_max_attempts: int = Field(default=6, ge=1)
    # The longest a request waits for Notion's rate budget in total (pacing, Retry-After,
    # back-off) before it gives up; scheduled runs (`bot schedule`, `bot run-due`) the longer one.
    bot_max_retry_wait: float = Field(default=120.0, ge=0)
    bot_scheduled_max_retry_wait: float = Field(default=900.0, ge=0)
    bot_request_timeout: float = Field(default=60.0, gt=0)

    bot_lock_wait: float = Field(default=10.0, ge=0)  # seconds a second publisher waits for the lock
    # Several hosts, one newsletter: the publish lock and the run ledger in PostgreSQL
    # (postgresql://user:password@host:5432/dbname) instead of the state dir.
    bot_database_url: SecretStr | None = None

    bot_schedule: str = "0 7 * * sat"
    bot_local_faults: str | None = None
    bot_local_token: str = "local-bot-token"
    # The local workspace answers 429 like Notion past this per-token budget: "180/60" (most
    # plans), "600/60" (Business and Enterprise) or "off".
    bot_local_rate_limit: str = "180/60"

    @field_validator("notion_token", mode="before")
    @classmethod
    def _strip_token(cls, value):
        # A CI secret pasted with a trailing newline is the usual case; never echo the value.
        text = value.get_secret_value() if isinstance(value, SecretStr) else value
        if isinstance(text, str):
            text = text.strip()
            if text:
                remember_secret(text)
            if text and not HEADER_SAFE.fullmatch(text):
                raise ValueError(
                    "the token contains spaces or control characters inside it (value not shown); paste it again"
                )
        return text

    @field_validator("bot_local_token", mode="before")
    @classmethod
    def _strip_local_token(cls, value):
        if isinstance(value, str):
            value = value.strip()
            remember_secret(value)
            if not HEADER_SAFE.fullmatch(value):
                raise ValueError("the bearer token must be visible ASCII without spaces (value not shown)")
        return value

    @field_validator("notion_version", mode="before")
    @classmethod
    def _known_version(cls, value):
        value = value.strip() if isinstance(value, str) else value
        if value not in NOTION_VERSIONS:
            raise ValueError(
                f"unsupported Notion-Version {str(value)[:40]!r}: the bot speaks {', '.join(NOTION_VERSIONS)} (default {DEFAULT_NOTION_VERSION})"
            )
        return value

    @field_validator("notion_base_url")
    @classmethod
    def _base_url(cls, value: str) -> str:
        from urllib.parse import urlsplit

        parts = urlsplit(value.strip())
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError(
                f"expected an http(s) URL such as {NOTION_API_URL} or http://127.0.0.1:8765 (got {value.strip()[:80]!r})"
            )
        return value.strip()

    @model_validator(mode="after")
    def _token_shape(self) -> "Settings":
        # Real Notion tokens are `secret_…` (older) or `ntn_…`; another endpoint (a `bot local
        # serve` URL) takes whatever bearer token it was started with.
        token = self.notion_token.get_secret_value() if self.notion_token else ""
        if token and self.notion_base_url.rstrip("/") == NOTION_API_URL and not NOTION_TOKEN_SHAPE.fullmatch(token):
            raise ValueError(
                "NOTION_TOKEN does not look like a Notion integration token (expected secret_… or ntn_…; value not shown)"
            )
        return self

    @field_validator(
        "bot_state_dir", "bot_content_dir", "bot_assets_dir", "bot_mapping", "bot_mappings_dir", mode="before"
    )
    @classmethod
    def _empty_path_is_unset(cls, value, info):
        # `BOT_ASSETS_DIR=` (empty, in .env or the environment) means "not set", never Path("")
        # — which is the working directory, and would let images come from anywhere under it.
        if isinstance(value, str) and not value.strip():
            return cls.model_fields[info.field_name].default
        return value

    @field_validator("bot_state_dir")
    @classmethod
    def _state_dir_is_a_folder(cls, value: Path) -> Path:
        if value.exists() and not value.is_dir():
            raise ValueError(
                f"{value} exists and is not a directory: point BOT_STATE_DIR at a folder (it holds the lock, the run ledger and the local workspace)"
            )
        return value

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (expected an IANA name such as Asia/Shanghai)")
        return value

    @field_validator("bot_rate_limit", mode="before")
    @classmethod
    def _rate_budget(cls, value) -> str:
        parse_rate_budget(str(value))
        return str(value).strip()

    @property
    def rate_budget(self) -> tuple[int, float]:
        """(requests, window seconds) of BOT_RATE_LIMIT."""
        return parse_rate_budget(self.bot_rate_limit)

    @field_validator("bot_local_rate_limit", mode="before")
    @classmethod
    def _local_rate_limit(cls, value) -> str:
        parse_local_rate_limit(str(value))
        return str(value).strip()

    @property
    def local_rate_limit(self) -> tuple[int, float] | None:
        """(requests, window seconds) of BOT_LOCAL_RATE_LIMIT, None when "off"."""
        return parse_local_rate_limit(self.bot_local_rate_limit)

    @field_validator("bot_database_url")
    @classmethod
    def _postgres_url(cls, value: SecretStr | None) -> SecretStr | None:
        if value is None or not value.get_secret_value().strip():
            return None
        if not value.get_secret_value().startswith(("postgresql://", "postgres://")):
            raise ValueError("expected a PostgreSQL URL such as postgresql://bot:secret@db.example.org:5432/bot")
        return value

    @property
    def database_url(self) -> str | None:
        return self.bot_database_url.get_secret_value() if self.bot_database_url else None

    @property
    def uses_local_workspace(self) -> bool:
        return self.notion_token is None or not self.notion_token.get_secret_value()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def image_roots(self) -> tuple[Path, ...]:
        """The only folders whose files may be uploaded as images (bot.convert.assets)."""
        return (self.bot_content_dir,) + ((self.bot_assets_dir,) if self.bot_assets_dir else ())

    @property
    def state_dir(self) -> Path:
        return self.bot_state_dir

    def missing_sources(self, *, content: bool = True) -> list[str]:
        """What this folder lacks to publish, each with its fix: the content folder and the
        mapping file. A default path that is not there is described by the folder that lacks
        it (not named as a file to fix); a path the user set is named with its setting."""
        missing = []
        if content and not self.bot_content_dir.is_dir():
            if "bot_content_dir" in self.model_fields_set:
                missing.append(
                    f"BOT_CONTENT_DIR={self.bot_content_dir}: no such folder — set BOT_CONTENT_DIR to the folder holding <series>/<week>/<lang>.md"
                )
            else:
                missing.append(
                    f"no content here: {Path.cwd()} has no {self.bot_content_dir}/ folder — run bot in the newsletter's folder, or set BOT_CONTENT_DIR to the folder holding <series>/<week>/<lang>.md"
                )
        if not self.bot_mapping.is_file() and not self.discovers_series:
            if "bot_mapping" in self.model_fields_set:
                missing.append(
                    f"BOT_MAPPING={self.bot_mapping}: no such file — set BOT_MAPPING to the mapping file (front matter → Notion properties)"
                )
            else:
                missing.append(
                    f"no mapping here: {Path.cwd()} has no {self.bot_mapping.parent}/ folder with the mapping (front matter → Notion properties) — run bot in the newsletter's folder, or set BOT_MAPPING to the mapping file"
                    if not self.bot_mapping.parent.is_dir()
                    else f"no mapping here: {Path.cwd() / self.bot_mapping.parent} has no {self.bot_mapping.name} — set BOT_MAPPING to the mapping file (front matter → Notion properties)"
                )
        return missing

    @property
    def discovers_series(self) -> bool:
        """Whether the series are the mapping files of BOT_MAPPINGS_DIR (BOT_MAPPING not set)."""
        return "bot_mapping" not in self.model_fields_set and bool(mapping_files(self.bot_mappings_dir))

    def database_id_for(self, lang: str) -> str | None:
        specific = {"en": self.notion_database_id_en, "zh": self.notion_database_id_zh}.get(lang)
        return specific or self.notion_database_id


OWN_PREFIXES = ("BOT_", "NOTION_")
SERIES_DATABASE_NAME = re.compile(r"NOTION_DATABASE_ID_[A-Z0-9_]+")  # bot.mapping.SERIES_DATABASE_ENV


def series_database_names(names) -> list[str]:
    """The NOTION_DATABASE_ID_<NAME> settings among `names` (not the per-language _EN/_ZH)."""
    fields = {name.upper() for name in Settings.model_fields}
    return [n for n in names if SERIES_DATABASE_NAME.fullmatch(n.upper()) and n.upper() not in fields]


NOT_A_SETTING = {"series_database_ids"}  # gathered from the NOTION_DATABASE_ID_<NAME> family


def known_settings() -> list[str]:
    return sorted(name.upper() for name in Settings.model_fields if name not in NOT_A_SETTING)


def unknown_settings(environ: dict[str, str], dotenv: dict[str, str | None]) -> tuple[list[str], list[str]]:
    """(errors, warnings) for setting names nobody reads — a typo such as BOT_TIMEZOME would
    otherwise be ignored and the default used in silence.

    Every name in `.env` (the bot's own file) must be known. In the environment, an unknown
    `BOT_*` is an error; an unknown `NOTION_*` only a warning when it looks like a typo of a
    known one (other Notion tools share that prefix)."""
    import difflib

    known = known_settings()

    def closest(name: str) -> str:
        match = difflib.get_close_matches(name.upper(), known, n=1, cutoff=0.6)
        return f" — did you mean {match[0]}?" if match else f" (known settings: {', '.join(known)})"

    family = set(series_database_names(list(environ) + list(dotenv)))
    errors = [
        f"unknown setting {name} in .env{closest(name)}"
        for name in dotenv
        if name.upper() not in known and name not in family
    ]
    warnings = []
    for name in sorted(environ):
        upper = name.upper()
        if not upper.startswith(OWN_PREFIXES) or upper in known or name in dotenv or name in family:
            continue
        if upper.startswith("BOT_"):
            errors.append(f"unknown setting {name} in the environment{closest(name)}")
        elif difflib.get_close_matches(upper, known, n=1, cutoff=0.8):
            warnings.append(f"unknown setting {name} in the environment is ignored{closest(name)}")
    return errors, warnings


def _dotenv_names(path: Path = Path(".env")) -> dict[str, str | None]:
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return dict(dotenv_values(path, encoding="utf-8"))


def setting_values(environ: dict[str, str], dotenv: dict[str, str | None]) -> dict[str, str]:
    """The raw values of known settings: the environment over `.env`, names case-insensitive
    (what pydantic-settings did; `.env` names without a value are unset)."""
    fields = set(Settings.model_fields) - NOT_A_SETTING
    values = {name.lower(): value for name, value in dotenv.items() if value is not None and name.lower() in fields}
    values.update((name.lower(), value) for name, value in environ.items() if name.lower() in fields)
    return values


def series_database_values(environ: dict[str, str], dotenv: dict[str, str | None]) -> dict[str, str]:
    """NOTION_DATABASE_ID_<NAME> settings (a series' own database): the environment over `.env`."""
    values = {n.upper(): v for n, v in dotenv.items() if v and n in series_database_names([n])}
    values.update((n.upper(), v) for n, v in environ.items() if v and n in series_database_names([n]))
    return values


def parse_rate_budget(text: str) -> tuple[int, float]:
    """ "180/60" → (180, 60.0); a bare number is requests per second ("3" → (180, 60.0))."""
    requests, slash, seconds = text.strip().partition("/")
    try:
        if slash:
            budget = (int(requests), float(seconds))
        else:
            budget = (round(float(requests) * 60), 60.0)
    except ValueError:
        budget = (0, 0.0)
    if budget[0] < 1 or budget[1] <= 0:
        raise ValueError(
            f"expected requests/seconds such as 180/60 (600/60 on Business and Enterprise plans), got {text!r}"
        )
    return budget


def parse_local_rate_limit(text: str) -> tuple[int, float] | None:
    """ "180/60" -> (180, 60.0); "off" -> None (the local workspace's budget per token)."""
    if text.strip().lower() in ("off", "none", "0"):
        return None
    try:
        return parse_rate_budget(text)
    except ValueError:
        raise ValueError(
            f"expected requests/seconds such as 180/60 (600/60 for Business plans) or off, got {text.strip()!r}"
        ) from None


def _not_utf8(exc: UnicodeDecodeError):
    from .errors import ConfigError

    return ConfigError(
        f".env is not valid UTF-8 (byte 0x{exc.object[exc.start]:02x} at offset {exc.start}): save it as UTF-8"
    )


def load_settings(**overrides) -> Settings:
    import logging
    import os

    from pydantic import ValidationError

    from .errors import ConfigError

    environ = dict(os.environ)
    try:
        dotenv = _dotenv_names()
    except UnicodeDecodeError as exc:
        raise _not_utf8(exc) from None
    except OSError as exc:
        raise ConfigError(f"cannot read .env: {exc.strerror or exc}") from None
    errors, warnings = unknown_settings(environ, dotenv)
    if errors:
        raise ConfigError("\n".join(errors) + "\n(settings are documented in README → Configuration and .env.example)")
    for warning in warnings:
        logging.getLogger("bot").warning(warning)
    try:
        found = {"series_database_ids": series_database_values(environ, dotenv)}
        return Settings(**{**setting_values(environ, dotenv), **found, **overrides})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            message = err["msg"].removeprefix("Value error, ")
            lines.append(f"setting {name}: {message}" if name else message)
        raise ConfigError("\n".join(lines)) from None
