"""Connecting: real Notion when NOTION_TOKEN is set, otherwise the embedded local workspace.

Both go through the same `NotionAPI` (the official SDK); only the httpx transport differs.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from .clock import SYSTEM_CLOCK, Clock
from .errors import ConfigError
from .mapping import Mapping, load_mapping
from .notion import NotionAPI, NotionError, RetryPolicy
from .settings import Settings
from .state import state_dir

log = logging.getLogger("bot")
LOCAL_BASE_URL = "http://local-notion.invalid"


@dataclass
class Target:
    """The database (data source) one language publishes into, as Notion describes it."""

    database_id: str
    data_source_id: str
    property_types: dict[str, str]  # property name -> Notion type
    title_property: str
    property_ids: dict[str, str] = field(default_factory=dict)  # property name -> Notion's id

    def ids_of(self, names) -> list[str]:
        """The ids of these properties (those the data source has), the title's first: what a
        list request names in `filter_properties`."""
        wanted = [self.title_property, *sorted(set(names) - {self.title_property})]
        return [self.property_ids.get(n, n) for n in wanted if n in self.property_types]


@dataclass
class Session:
    settings: Settings
    mapping: Mapping
    api: NotionAPI
    is_local: bool
    workspace: object | None = None
    targets: dict[str, Target] = field(default_factory=dict)
    _bot_user_id: str | None = None
    warnings: list[str] = field(default_factory=list)
    owns_workspace: bool = False  # opened by open_session (not injected): closed with the session
    mapping_path: Path | None = None  # the file `mapping` was read from (named in messages)
    root: "Session | None" = None  # the session a series' view was made from (bot.series_registry)
    # database id -> (data source id, its properties as Notion describes them): read once per
    # run even when several series publish into one database
    described: dict[str, tuple[str, dict]] = field(default_factory=dict)

    @property
    def bot_user_id(self) -> str:
        if self._bot_user_id is None:
            self._bot_user_id = self.root.bot_user_id if self.root is not None else self.api.me()["id"]
        return self._bot_user_id

    def target(self, lang: str) -> Target:
        if lang not in self.targets:
            self.targets[lang] = self._resolve_target(lang)
        return self.targets[lang]

    def _resolve_target(self, lang: str) -> Target:
        database_id = self._database_id(lang)
        for known in self.targets.values():
            if known.database_id == database_id:
                return known
        wanted = {p.property for p in self.mapping.properties.values()}
        if database_id not in self.described or not wanted <= set(self.described[database_id][1]):
            # (described for another series: read again when it lacks a column of this one — the
            # local workspace has just added it, or Notion's answer says what is missing)
            self.described[database_id] = self._describe(database_id, lang)
        source_id, properties = self.described[database_id]
        types = {name: spec["type"] for name, spec in properties.items()}
        ids = {name: spec["id"] for name, spec in properties.items() if spec.get("id")}
        return Target(database_id, source_id, types, self._check_schema(types, database_id), ids)

    def _describe(self, database_id: str, lang: str) -> tuple[str, dict]:
        try:
            database = self.api.retrieve_database(database_id)
        except NotionError as exc:
            raise ConfigError(
                f"cannot open database {database_id} for '{lang}': {exc}. {exc.hint or ''}".strip()
            ) from None
        sources = database.get("data_sources") or []
        if not sources:
            raise ConfigError(f"database {database_id} has no data source (Notion-Version {self.api.notion_version})")
        data_source = self.api.retrieve_data_source(sources[0]["id"])
        return sources[0]["id"], data_source.get("properties", {})

    def _database_id(self, lang: str) -> str:
        if self.is_local:
            return self.workspace.ensure_database(self.mapping.database_title, self.mapping.database_schema())[0]
        from .series_registry import database_id_for

        return database_id_for(self.mapping, self.settings, lang, self.mapping_file)

    @property
    def mapping_file(self) -> Path:
        return self.mapping_path or self.settings.bot_mapping

    def _check_schema(self, types: dict[str, str], database_id: str) -> str:
        """Every mapped property must exist with the mapped type; returns the title property name."""
        titles = [n for n, t in types.items() if t == "title"]
        if not titles:
            raise ConfigError(f"database {database_id} has no title property")
        problems = []
        for field_name, prop in self.mapping.properties.items():
            if prop.type == "title":
                continue
            actual = types.get(prop.property)
            if actual is None:
                message = (
                    f"database has no property {prop.property!r} ({prop.type}) for front-matter field {field_name!r}"
                )
                if prop.required:
                    problems.append(message + f"; add the column in Notion or fix {self.mapping_file}")
                else:
                    self.warnings.append(message + "; skipped")
            elif actual != prop.type:
                message = (
                    f"property {prop.property!r} is {actual} in the database but {prop.type} in {self.mapping_file}"
                )
                if prop.required:
                    problems.append(message)
                else:
                    self.warnings.append(message + "; skipped")
                    types.pop(prop.property)
        if problems:
            raise ConfigError("\n".join(problems))
        mapped_title = self.mapping.properties[self.mapping.title_field].property
        return mapped_title if mapped_title in titles else titles[0]

    def listed_properties(self, lang: str) -> list[str]:
        """The ids of the properties the bot reads from pages in a list: the mapped ones."""
        return self.target(lang).ids_of(p.property for p in self.mapping.properties.values())

    def close(self) -> None:
        self.api.close()
        if self.owns_workspace and self.workspace is not None:
            # The local workspace's SQLite connection: a long-running `bot schedule` opens
            # one session per run, and left them all open.
            self.workspace.close()


def open_local_workspace(path, **kwargs):
    """The embedded workspace's file, or a clear error when it is damaged (not a traceback)."""
    import sqlite3

    from pathlib import Path

    from .local import LocalWorkspace
    from .state import expect_file

    expect_file(
        Path(path), "the local workspace", DamagedWorkspaceError.hint.replace("starts", "removes it and starts")
    )
    try:
        return LocalWorkspace(path, **kwargs)
    except sqlite3.DatabaseError as exc:
        raise DamagedWorkspaceError(f"the local workspace {path} is damaged ({exc})") from None


class DamagedWorkspaceError(ConfigError):
    hint = "`bot local reset --yes` starts the local workspace afresh (its pages are deleted; publish again to recreate them)"


def open_session(
    settings: Settings,
    *,
    clock: Clock = SYSTEM_CLOCK,
    transport: httpx.BaseTransport | None = None,
    workspace: object | None = None,
    mapping: Mapping | None = None,
    announce=None,
) -> Session:
    """Open the configured workspace. `transport`/`workspace` let tests inject their own."""
    from .series_registry import default_mapping_path

    mapping_path = None if mapping else default_mapping_path(settings)
    mapping = mapping or load_mapping(mapping_path)
    retry = RetryPolicy(max_attempts=settings.bot_max_attempts, max_wait=settings.bot_max_retry_wait)
    common = dict(
        notion_version=settings.notion_version,
        budget=settings.rate_budget,
        retry=retry,
        timeout=settings.bot_request_timeout,
        clock=clock,
    )
    if settings.uses_local_workspace:
        from .local import FaultPlan, LocalTransport, RateLimit

        owns_workspace = workspace is None
        if workspace is None:
            workspace = open_local_workspace(
                state_dir(settings.state_dir).ensure().local_workspace,
                clock=clock,
                bot_token=settings.bot_local_token,
                rate_limit=RateLimit.of(settings.local_rate_limit),
            )
            if settings.bot_local_faults:
                workspace.faults = FaultPlan.from_spec(settings.bot_local_faults)
        if announce:
            announce(
                f"No NOTION_TOKEN: using the embedded local workspace in {settings.state_dir}/ (set NOTION_TOKEN to publish to Notion)."
            )
        api = NotionAPI(
            auth=settings.bot_local_token,
            base_url=LOCAL_BASE_URL,
            transport=transport or LocalTransport(workspace),
            **common,
        )
        return Session(
            settings, mapping, api, True, workspace, owns_workspace=owns_workspace, mapping_path=mapping_path
        )
    token = settings.notion_token.get_secret_value()
    store = shared_budget(settings, clock, token)
    api = NotionAPI(auth=token, base_url=settings.notion_base_url, transport=transport, budget_store=store, **common)
    return Session(settings, mapping, api, False, mapping_path=mapping_path)


def shared_budget(settings: Settings, clock: Clock, token: str):
    """Where this token's rate budget is kept (bot.budget): in PostgreSQL with
    BOT_DATABASE_URL (every host), else in the user's cache dir (every process of this
    host). None (this process only) on a virtual clock, whose time no one else shares."""
    if not getattr(clock, "wall", False):
        return None
    from .budget import BudgetUnavailable, budget_key, sqlite_store

    key = budget_key(settings.notion_base_url, token)
    if settings.database_url:
        from .ledger.postgres import PostgresBudgetStore

        try:
            return PostgresBudgetStore(settings.database_url, key)
        except BudgetUnavailable as exc:
            log.warning("%s; pacing with this host's budget only", exc)
    return sqlite_store(key, state_dir(settings.state_dir).root)
