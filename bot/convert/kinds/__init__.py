"""The block kinds: one record (registry.BlockKind) per kind, registered on import.

One module per group of kinds (text blocks, lists, code, media, tables, columns), each holding
its records and all of their functions: Markdown and HTML -> blocks, block -> Markdown, block ->
HTML, normalization and limits. Adding a kind: a module here holding its record and functions
(columns.py is the example), listed in MODULES, plus one row in tests/convert/test_block_kinds.py.

A module here imports only leaf modules at its top (richtext, limits, html_tree, languages):
the engines import the registry, which loads these modules, so the functions of the way back
import their engine (blocks_to_md, blocks_to_html, normalize) when first called.
"""

from __future__ import annotations

from ..registry import KINDS as REGISTERED, register
from . import code, columns, lists, media, tables, text

MODULES = (text, lists, code, media, tables, columns)

for _module in MODULES:
    for _kind in _module.KINDS:
        register(_kind)

__all__ = ["REGISTERED", "MODULES"]
