"""Printing a conversion payload as JSON (`bot convert --json`).

json.dumps with `indent` runs the pure-Python encoder, which took longer than the
conversion itself (1.6 MB of Markdown: 2.4 s). Indentation is only for people: on a
terminal the payload is indented; piped or redirected (jq, files, other programs) it is
written compactly by the C encoder, several times faster.
"""

from __future__ import annotations

import json
import sys
from typing import Any, TextIO


def write_json(payload: Any, stream: TextIO | None = None) -> None:
    out = stream if stream is not None else sys.stdout
    if _is_terminal(out):
        text = json.dumps(payload, ensure_ascii=False, indent=2)
    else:
        # check_circular off: the payload is a tree the converter built (no cycles to detect)
        text = json.dumps(payload, ensure_ascii=False, separators=(",", ":"), check_circular=False)
    out.write(text)
    out.write("\n")


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
