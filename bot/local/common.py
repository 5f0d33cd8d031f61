"""Pieces every resource shares: the request context, ids, cursors, paging, user references."""

from __future__ import annotations

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .errors import shown, validation

NEW_VERSION = "2026-03-11"
LIST_TITLE_ONLY_VERSION = "2026-12-01"  # lists of pages carry only the title unless filter_properties says more
DATA_SOURCES_VERSION = "2025-09-03"  # before it (2022-06-28), a database is one table: no data sources
_UUID_HEX = re.compile(r"[0-9a-fA-F]{32}\Z")


def norm_id(raw: str) -> str | None:
    h = raw.replace("-", "")
    if not _UUID_HEX.match(h):
        return None
    h = h.lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_id() -> str:
    return str(uuid.uuid4())


def b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def unb64(token: str) -> dict | None:
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad).decode())
        return data if isinstance(data, dict) else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class Ctx:
    """One request as the resources see it: who asks, with which Notion-Version, when."""

    user: dict
    version: str
    request_id: str
    now: datetime
    committed: dict | None = None
    content_type: str = ""

    @property
    def new_api(self) -> bool:
        return self.version >= NEW_VERSION

    @property
    def legacy(self) -> bool:
        """2022-06-28: databases carry the schema, pages name their database, no data-source endpoints."""
        return self.version < DATA_SOURCES_VERSION


def query_params(pairs) -> dict[str, Any]:
    """A query string's (key, value) pairs as the resources read them: one string per key, except
    ``filter_properties`` (also spelt ``filter_properties[]``), which repeats and becomes a list."""
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in ("filter_properties", "filter_properties[]"):
            out.setdefault("filter_properties", []).append(value)
        else:
            out[key] = value
    return out


def listed_properties(ctx: Ctx, query: dict) -> set[str] | None:
    """Which properties a page in a list (query, search) carries: those ``filter_properties``
    names (by id, or by name), else every one — on 2026-12-01 only the title (upgrade guide
    2026-12-01, notion-api.md §1.3b). None: all; the set holds ids/names, "title" for the title."""
    wanted = query.get("filter_properties")
    if wanted is not None:
        return set([wanted] if isinstance(wanted, str) else wanted)
    return {"title"} if ctx.version >= LIST_TITLE_ONLY_VERSION else None


def uref(uid: str) -> dict:
    return {"object": "user", "id": uid}


def trash_fields(ctx: Ctx, in_trash: bool) -> dict:
    return {"in_trash": in_trash} if ctx.new_api else {"archived": in_trash, "in_trash": in_trash}


def page_size(raw: Any, path: str, *, from_query: bool) -> int:
    where = "query failed validation" if from_query else "body failed validation"
    if raw is None:
        return 100
    if from_query:
        try:
            raw = int(raw)
        except (TypeError, ValueError):
            raise validation(f"{where}: {path} should be a number, instead was `{shown(raw)}`.")
    if not isinstance(raw, int) or isinstance(raw, bool):
        raise validation(f"{where}: {path} should be a number, instead was `{shown(raw)}`.")
    if raw > 100:
        raise validation(f"{where}: {path} should be ≤ `100`, instead was `{raw}`.")
    if raw < 1:
        raise validation(f"{where}: {path} should be ≥ `1`, instead was `{raw}`.")
    return raw


def cursor(raw: Any, kind: str, path: str, *, from_query: bool) -> dict | None:
    if raw is None:
        return None
    where = "query failed validation" if from_query else "body failed validation"
    if not isinstance(raw, str):
        raise validation(f"{where}: {path} should be a string, instead was `{shown(raw)}`.")
    data = unb64(raw)
    if not data or data.get("k") != kind:
        raise validation(
            f"{where}: {path} should be a valid cursor returned by a previous response, instead was `{shown(raw)}`."
        )
    return data
