"""The block kinds: one record (registry.BlockKind) per kind, registered on import.

Adding a kind: a module here holding its record (and, for a new kind, its functions: see
columns.py), listed in MODULES, plus one row in tests/convert/test_block_kinds.py.
"""

from __future__ import annotations

from ..registry import KINDS as REGISTERED, register
from . import builtin, columns

MODULES = (builtin, columns)

for _module in MODULES:
    for _kind in _module.KINDS:
        register(_kind)

__all__ = ["REGISTERED", "MODULES"]
