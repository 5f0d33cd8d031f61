"""Typed errors of the Notion API layer. Messages never contain the token."""

from __future__ import annotations

from ..errors import BotError

HINTS = {
    "object_not_found": "Check the id, and share the database with your integration (⋯ → Connections → add it).",
    "unauthorized": "Check NOTION_TOKEN: it is missing, mistyped or revoked.",
    "restricted_resource": "The integration lacks a capability (read/insert/update content) or the workspace hit its block limit.",
    "validation_error": "Notion rejected the request's content; this is a bug in the bot or an unsupported construct — please report it with the message above.",
    "rate_limited": "Notion is rate limiting this integration; try again later or lower BOT_RATE_LIMIT.",
    "malformed_response": "Something between the bot and Notion (a proxy, a captive portal) answered instead of Notion, or the answer was cut; check NOTION_BASE_URL and the network, then run again (nothing is duplicated).",
    "connection_error": "The connection to Notion broke mid-request; run again (the bot re-reads Notion, nothing is duplicated).",
    "invalid_request": "Check NOTION_BASE_URL (an http(s) URL) and NOTION_TOKEN (no spaces or line breaks).",
}


class NotionError(BotError):
    """Notion answered with an error (or not at all)."""

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        method: str = "",
        path: str = "",
        data: dict | None = None,
    ):
        self.status = status
        self.code = code
        self.method = method
        self.path = path
        self.data = data or {}
        self.hint = HINTS.get(code or "")
        where = f"{method} /v1/{path}" if method else ""
        prefix = f"Notion {status} {code}" if status else "Notion request failed"
        super().__init__(f"{prefix}: {message}" + (f" ({where})" if where else ""))


class NotFoundError(NotionError):
    pass


class RateLimitedError(NotionError):
    """Rate limited with a wait longer than BOT_MAX_RETRY_WAIT, or blocked."""


class RetriesExhaustedError(NotionError):
    pass


class OutcomeUnknownError(NotionError):
    """A write may or may not have been applied (timeout or 5xx after sending).

    The caller must reconcile (re-read) before doing anything else: the bot never repeats
    such a write blindly. `committed_id` / `committed_child_ids` carry what Notion said was
    saved, when it said so.
    """

    @property
    def committed_id(self) -> str | None:
        return self.data.get("committed_resource_id")

    @property
    def committed_child_ids(self) -> list[str]:
        return list(self.data.get("committed_child_ids") or [])
