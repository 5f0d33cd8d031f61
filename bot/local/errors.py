"""Notion-shaped errors raised inside the local workspace (``LocalAPIError``).

Every error is answered as Notion does::

    {"object": "error", "status": 400, "code": "validation_error",
     "message": "...", "request_id": "...", "additional_data": {...}}

The message texts are collected in ``MESSAGES.md`` next to this file together with
where each came from (official docs, recorded Notion responses quoted in public
issues, or our own guess).
"""

from __future__ import annotations

import json
from typing import Any


class LocalAPIError(Exception):
    """An error the workspace answers with Notion's error body (not the bot's ``bot.notion.NotionError``)."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        additional_data: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.additional_data = additional_data
        self.headers = headers or {}

    def body(self, request_id: str) -> dict[str, Any]:
        out: dict[str, Any] = {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }
        if self.additional_data is not None:
            out["additional_data"] = self.additional_data
        return out


def shown(value: Any) -> str:
    """Render a value the way Notion's validator quotes it: JSON inside backticks."""
    try:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    except (TypeError, ValueError):
        return repr(value)


def validation(message: str) -> LocalAPIError:
    return LocalAPIError(400, "validation_error", message)


def body_failed(
    path: str, rule: str, value: Any = None, *, with_value: bool = True, part: str = "body"
) -> LocalAPIError:
    """`body failed validation: body.x.y should be ≤ `100`, instead was `101`.` (``part``: body, query, path)"""
    msg = f"{part} failed validation: {path} {rule}"
    if with_value:
        msg += f", instead was `{shown(value)}`"
    return validation(msg + ".")


def too_long(path: str, limit: int, actual: int) -> LocalAPIError:
    # Verbatim shape of a recorded Notion response (see MESSAGES.md #1).
    return validation(f"body failed validation: {path}.length should be ≤ `{limit}`, instead was `{actual}`.")


def not_present(path: str, value: Any, *, part: str = "body") -> LocalAPIError:
    return body_failed(path, "should be not present", value, part=part)


def not_defined(path: str) -> LocalAPIError:
    return validation(f"body failed validation: {path} should be defined, instead was `undefined`.")


OBJECT_WORDS = {
    "page": "page",
    "block": "block",
    "database": "database",
    "data_source": "data source",
    "user": "user",
    "file_upload": "file upload",
    "property": "property",
}


class NotFoundError(LocalAPIError):
    """404 whose message names the integration asking, as Notion's does (recorded answers)::

        Could not find page with ID: <id>. Make sure the relevant pages and databases are shared
        with your integration "<name>".   + additional_data.integration_id

    The app fills in the integration with ``for_integration`` once it knows who asked.
    """

    def __init__(self, word: str, object_id: str) -> None:
        self.word, self.object_id = word, object_id
        super().__init__(404, "object_not_found", self._text(None))

    def _text(self, name: str | None) -> str:
        shared = "shared with your integration" + (f' "{name}"' if name else "")
        return f"Could not find {self.word} with ID: {self.object_id}. Make sure the relevant pages and databases are {shared}."

    def for_integration(self, name: str, integration_id: str) -> "NotFoundError":
        self.message = self._text(name)
        self.additional_data = {"integration_id": integration_id}
        return self


def not_found(kind: str, object_id: str) -> LocalAPIError:
    return NotFoundError(OBJECT_WORDS.get(kind, kind), object_id)


ARCHIVED_EDIT = "Can't edit block that is archived. You must unarchive the block before editing."
ARCHIVED_ANCESTOR = "Can't edit page on block with an archived ancestor."
