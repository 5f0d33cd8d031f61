"""The series: every mapping file `mappings/NAME.yaml` is a series NAME, its content under
`content/NAME/` (README → Several series).

Precedence: `BOT_MAPPING`, when set (environment or `.env`), is the one mapping of every
series in the content, as before series had files of their own — the mappings folder is not
read. Otherwise every `NAME.yaml` in `BOT_MAPPINGS_DIR` (default `mappings/`) is a series.

A series publishes into the shared blog database (NOTION_DATABASE_ID, or the per-language
ones) unless its mapping names its own (`database: {id: …}` or `{env: NOTION_DATABASE_ID_…}`).
Series never see each other's pages: each is read by its own slugs (bot.series).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Iterable

from typing import TYPE_CHECKING

from .errors import ConfigError, UsageError
from .mapping_files import mapping_files

if TYPE_CHECKING:  # bot.mapping (pydantic) is imported when a mapping is loaded, not before
    from .mapping import Mapping


class UnknownSeriesError(UsageError):
    """`--series NAME` names no series (exit 64, like any mistyped command line)."""


@dataclass
class Series:
    name: str
    mapping_path: Path
    _mapping: Mapping | None = field(default=None, repr=False)
    _plain: object = field(default=None, repr=False)  # plain_mapping's answer, read once (False: not plain)

    @property
    def mapping(self) -> Mapping:
        if self._mapping is None:
            from .mapping import load_mapping

            self._mapping = load_mapping(self.mapping_path)
        return self._mapping

    @property
    def quick_mapping(self):
        """The mapping, read without pydantic when it is plainly valid (bot/plain_inputs.py),
        else the model; the file is read once per series, not once per content file."""
        if self._mapping is not None:
            return self._mapping
        if self._plain is None:
            from .plain_inputs import plain_mapping

            self._plain = plain_mapping(self.mapping_path) or False
        return self._plain or self.mapping

    @property
    def field_aliases(self) -> dict[str, str]:
        """The mapping's `fields:` (its own names for the bot's fields)."""
        return self.quick_mapping.fields


@dataclass
class SeriesRegistry:
    """The known series, by name. `single`: BOT_MAPPING is the mapping of all of them."""

    series: dict[str, Series]
    single: bool

    @property
    def names(self) -> list[str]:
        return sorted(self.series)

    def select(self, requested: Iterable[str] | None) -> list[str]:
        """The names `--series` gives (every series when it gives none); an unknown one is a
        usage error listing the known ones."""
        wanted = [name for name in (requested or []) if name]
        if not wanted:
            return self.names
        unknown = [name for name in wanted if name not in self.series]
        if unknown:
            known = ", ".join(self.names) or "none"
            raise UnknownSeriesError(
                f"unknown series {', '.join(repr(n) for n in unknown)}: known series are {known}",
                hint="a series is a mapping file mappings/NAME.yaml with its content in content/NAME/ (README → Several series)",
            )
        return sorted(dict.fromkeys(wanted))

    def get(self, name: str) -> Series | None:
        return self.series.get(name)

    def mapping_for(self, name: str) -> Mapping | None:
        found = self.series.get(name)
        return found.mapping if found else None

    def aliases_for(self, content_dir: Path):
        """path -> the field aliases (`fields:`) of the series its folder names, for bot.source."""
        root = Path(content_dir).resolve()

        def aliases(path: Path) -> dict[str, str] | None:
            try:
                name = Path(path).resolve().relative_to(root).parts[0]
            except (ValueError, IndexError):
                return None
            found = self.series.get(name) or (next(iter(self.series.values()), None) if self.single else None)
            if found is None:
                return None
            try:
                return found.field_aliases or None
            except Exception:  # a broken mapping is reported by validation (rule `mapping`)
                return None

        return aliases

    def units(self, names: Iterable[str]) -> list[tuple[Path, list[str]]]:
        """The series to publish together: those with one mapping file (BOT_MAPPING: all of
        them, in one run of the engine as before), each with its names."""
        by_path: dict[Path, list[str]] = {}
        for name in sorted(set(names)):
            found = self.series.get(name)
            if found is not None:
                by_path.setdefault(found.mapping_path, []).append(name)
        return list(by_path.items())

    def check_databases(self) -> None:
        """Series sharing the blog database must name it alike (its title in the local
        workspace), and a series' own database must not have that title."""
        shared: dict[str, list[str]] = {}
        own: dict[str, list[str]] = {}
        for series in self.series.values():
            mapping = series.mapping
            (own if mapping.database else shared).setdefault(mapping.database_title, []).append(series.name)
        if self.single:
            return
        if len(shared) > 1:
            names = "; ".join(f"{', '.join(sorted(s))}: {title!r}" for title, s in sorted(shared.items()))
            raise ConfigError(
                f"series sharing the blog database name it differently (database_title): {names} — give them one database_title"
            )
        clash = set(shared) & set(own)
        if clash:
            title = sorted(clash)[0]
            raise ConfigError(
                f"series {', '.join(own[title])} has a database of its own titled {title!r}, the title of the shared blog database: give it another database_title"
            )


def content_series(content_dir: Path) -> list[str]:
    """The series folders of the content directory."""
    content_dir = Path(content_dir)
    if not content_dir.is_dir():
        return []
    return sorted(p.name for p in content_dir.iterdir() if p.is_dir() and not p.name.startswith((".", "_")))


def load_registry(settings, variants: Iterable | None = None) -> SeriesRegistry:
    """The series of this folder (see the module's docstring for the precedence)."""
    if settings.discovers_series:
        files = mapping_files(settings.bot_mappings_dir)
        return SeriesRegistry({p.stem: Series(p.stem, p) for p in files}, single=False)
    path = Path(settings.bot_mapping)
    names = set(content_series(settings.bot_content_dir)) | {v.front.series for v in variants or []}
    names = names or {path.stem}
    return SeriesRegistry({name: Series(name, path) for name in names}, single=True)


def default_mapping_path(settings) -> Path:
    """The mapping a command uses when it works on no series in particular (BOT_MAPPING,
    or the first series' mapping)."""
    if settings.discovers_series:
        return mapping_files(settings.bot_mappings_dir)[0]
    return Path(settings.bot_mapping)


def database_id_for(mapping: Mapping, settings, lang: str, where: Path | str) -> str:
    """The Notion database a series publishes `lang` into: its own, or the shared one."""
    own = mapping.database
    if own is None:
        database_id = settings.database_id_for(lang)
        if not database_id:
            raise ConfigError(
                f"no database for '{lang}': set NOTION_DATABASE_ID (or NOTION_DATABASE_ID_{lang.upper()})"
            )
        return database_id
    if own.id:
        return own.id
    database_id = settings.series_database_ids.get(own.env)
    if not database_id:
        raise ConfigError(f"no database for the series of {where}: set {own.env} (its mapping's database.env)")
    return database_id


def session_for(session, series: Series):
    """The session as one series sees it: its mapping and its database; the connection, the
    request counts, the bot's user and what Notion said about each database are shared."""
    if session.mapping_path == series.mapping_path:
        return session
    return replace(
        session,
        mapping=series.mapping,
        mapping_path=series.mapping_path,
        targets={},
        owns_workspace=False,
        root=session.root or session,
    )


def publishing_units(settings, session, variants: list, groups: list[list]) -> list[tuple[object, list, list[list]]]:
    """(session, the content it sees, the weeks it publishes) per engine run: one per series
    with its own mapping file; everything at once when one mapping serves all (BOT_MAPPING)."""
    registry = load_registry(settings, variants)
    series_of = {v.front.series for group in groups for v in group}
    if registry.single:
        return [(session, variants, groups)]
    unknown = sorted(series_of - set(registry.names))
    if unknown:
        raise ConfigError(
            f"no mapping for series {', '.join(unknown)}: add {', '.join(f'{settings.bot_mappings_dir}/{n}.yaml' for n in unknown)}"
        )
    units = []
    for path, names in registry.units(series_of):
        chosen = set(names)
        view = session_for(session, registry.get(names[0]))
        units.append(
            (
                view,
                [v for v in variants if v.front.series in chosen],
                [g for g in groups if g[0].front.series in chosen],
            )
        )
    return units


def read_content(settings) -> list:
    """Every content file, each read with its series' field aliases (bot.source.read_all)."""
    from .source import read_all

    registry = load_registry(settings)
    return read_all(settings.bot_content_dir, registry.aliases_for(settings.bot_content_dir))
