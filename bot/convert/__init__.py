"""Markdown <-> Notion blocks conversion.

Public API: convert_markdown, BlockStream (the same, one top-level block at a time), blocks_to_markdown, normalize_block, plain_text,
Degradation, Conversion, ConvertOptions (and check_limits in bot.convert.limits).
"""

from .blocks_to_md import blocks_to_markdown
from .limits import check_limits
from .md_to_blocks import BlockStream, convert_markdown
from .model import Conversion, ConvertOptions, Degradation
from .normalize import normalize_block, normalize_tree, plain_text

__all__ = [
    "BlockStream",
    "Conversion",
    "ConvertOptions",
    "Degradation",
    "blocks_to_markdown",
    "check_limits",
    "convert_markdown",
    "normalize_block",
    "normalize_tree",
    "plain_text",
]
