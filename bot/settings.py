"""Settings from the environment and `.env` (documented one by one in .env.example)."""

from __future__ import annotations

from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

NOTION_API_URL = "https://api.notion.com"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", env_file_encoding="utf-8", extra="ignore")

    notion_token: SecretStr | None = None
    notion_base_url: str = NOTION_API_URL
    notion_version: str = "2025-09-03"
    notion_database_id: str | None = None
    notion_database_id_en: str | None = None
    notion_database_id_zh: str | None = None

    bot_timezone: str = "Asia/Shanghai"
    bot_state_dir: Path = Path(".bot")
    bot_content_dir: Path = Path("content")
    bot_mapping: Path = Path("mappings/rec-weekly.yaml")

    # Client-side pacing: requests per second (Notion allows an average of 3/s on most plans).
    bot_rate_limit: float = Field(default=2.5, gt=0)
    bot_max_attempts: int = Field(default=6, ge=1)
    bot_max_retry_wait: float = Field(default=120.0, ge=0)
    bot_request_timeout: float = Field(default=60.0, gt=0)

    bot_lock_wait: float = Field(default=10.0, ge=0)  # seconds a second publisher waits for the lock

    bot_schedule: str = "0 7 * * sat"
    bot_local_faults: str | None = None
    bot_local_token: str = "local-bot-token"

    @field_validator("bot_timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (expected an IANA name such as Asia/Shanghai)")
        return value

    @property
    def uses_local_workspace(self) -> bool:
        return self.notion_token is None or not self.notion_token.get_secret_value()

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.bot_timezone)

    @property
    def state_dir(self) -> Path:
        return self.bot_state_dir

    def database_id_for(self, lang: str) -> str | None:
        specific = {"en": self.notion_database_id_en, "zh": self.notion_database_id_zh}.get(lang)
        return specific or self.notion_database_id


def load_settings(**overrides) -> Settings:
    from pydantic import ValidationError

    from .errors import ConfigError

    try:
        return Settings(**overrides)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            name = ".".join(str(p) for p in err["loc"]).upper()
            lines.append(f"setting {name}: {err['msg']}")
        raise ConfigError("\n".join(lines)) from None
