"""The mapping files of a mappings folder: each `NAME.yaml` is a series (bot.series_registry).
Apart from bot.settings so that finding them needs no pydantic (`bot convert`, `bot validate`)."""

from __future__ import annotations

from pathlib import Path


def mapping_files(folder: Path) -> list[Path]:
    """The mapping files of `folder`, by name (none when it is not a folder)."""
    folder = Path(folder)
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file())
