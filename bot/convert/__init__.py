"""Markdown <-> Notion blocks conversion.

Public API: convert_markdown, BlockStream (the same, one top-level block at a time), blocks_to_markdown, normalize_block, plain_text,
Degradation, Conversion, ConvertOptions (and check_limits in bot.convert.limits).

Names are imported on first use: `bot convert` needs Markdown -> blocks only, not the way
back (blocks_to_md, normalize), and every command pays for what it imports.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

_WHERE = {
    "BlockStream": "md_to_blocks",
    "convert_markdown": "md_to_blocks",
    "Conversion": "model",
    "ConvertOptions": "model",
    "Degradation": "model",
    "blocks_to_markdown": "blocks_to_md",
    "check_limits": "limits",
    "normalize_block": "normalize",
    "normalize_tree": "normalize",
    "plain_text": "normalize",
}

__all__ = sorted(_WHERE)

if TYPE_CHECKING:
    from .blocks_to_md import blocks_to_markdown  # noqa: F401
    from .limits import check_limits  # noqa: F401
    from .md_to_blocks import BlockStream, convert_markdown  # noqa: F401
    from .model import Conversion, ConvertOptions, Degradation  # noqa: F401
    from .normalize import normalize_block, normalize_tree, plain_text  # noqa: F401


def __getattr__(name: str):
    if name not in _WHERE:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{_WHERE[name]}", __name__), name)
    globals()[name] = value  # once
    return value
