"""Printing a conversion payload as JSON (`bot convert --json`).

json.dumps with `indent` runs the pure-Python encoder, which took longer than the
conversion itself (1.6 MB of Markdown: 2.4 s). Indentation is only for people: on a
terminal the payload is indented; piped or redirected (jq, files, other programs) it is
written compactly by the C encoder, several times faster.

The payload is written as it is produced: a top-level value that is an iterator is written
as a JSON array one element at a time (the blocks of a BlockStream: a 10 MB document never
has all its blocks in memory), and a callable value is called when its turn comes (the
conversion report, complete only once the blocks before it are written). The text is the
same as json.dumps of the finished payload, byte for byte.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from typing import Any, TextIO


def write_json(payload: Any, stream: TextIO | None = None) -> None:
    out = stream if stream is not None else sys.stdout
    indent = _is_terminal(out)
    dumps = _indented if indent else _compact
    if not isinstance(payload, dict) or not any(_is_lazy(v) for v in payload.values()):
        out.write(dumps(payload))
        out.write("\n")
        return
    out.write("{\n  " if indent else "{")
    for n, (key, value) in enumerate(payload.items()):
        if n:
            out.write(",\n  " if indent else ",")
        out.write(dumps(key) + (": " if indent else ":"))
        if isinstance(value, Iterator):
            _write_array(out, value, dumps, indent)
        else:
            text = dumps(value() if callable(value) else value)
            out.write(text.replace("\n", "\n  ") if indent else text)
    out.write("\n}\n" if indent else "}\n")


def _write_array(out: TextIO, items: Iterator, dumps, indent: bool) -> None:
    """An array that is the value of a top-level key: elements at depth 2."""
    first = True
    for item in items:
        if first:
            out.write("[\n    " if indent else "[")
            first = False
        else:
            out.write(",\n    " if indent else ",")
        text = dumps(item)
        out.write(text.replace("\n", "\n    ") if indent else text)
    if first:
        out.write("[]")
    else:
        out.write("\n  ]" if indent else "]")


def _is_lazy(value: Any) -> bool:
    return isinstance(value, Iterator) or callable(value)


def _indented(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2)


def _compact(value: Any) -> str:
    # check_circular off: the payload is a tree the converter built (no cycles to detect)
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), check_circular=False)


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):  # replaced or closed streams
        return False
