"""The route table: method + path pattern -> the resource function that answers it.

Like the official SDKs' endpoint lists, one line per endpoint; ``id_kind`` names the path
parameter in Notion's validation message (``path.page_id should be a valid uuid``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Callable

from .resources import blocks, databases, file_uploads, pages, query, users

Handler = Callable[..., tuple[int, dict]]


@dataclass(frozen=True)
class Route:
    method: str
    pattern: str
    handler: Handler
    id_kind: str | None = None
    raw_body: bool = False  # multipart uploads: the handler parses the bytes itself
    # "legacy": 2022-06-28 only (databases are tables); "data_sources": 2025-09-03 and later
    versions: str | None = None
    regex: re.Pattern = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        regex = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", self.pattern)
        object.__setattr__(self, "regex", re.compile("^" + regex + "$"))

    def serves(self, legacy: bool) -> bool:
        return self.versions is None or (self.versions == "legacy") == legacy

    def match(self, path: str) -> dict[str, Any] | None:
        m = self.regex.match(path)
        return m.groupdict() if m else None


ROUTES: tuple[Route, ...] = (
    Route("GET", "/v1/users/me", users.retrieve_me),
    Route("GET", "/v1/users", users.list_users),
    Route("GET", "/v1/users/{id}", users.retrieve_user, "user_id"),
    Route("POST", "/v1/databases", databases.create_database_endpoint),
    Route("GET", "/v1/databases/{id}", databases.retrieve_database, "database_id"),
    Route("PATCH", "/v1/databases/{id}", databases.update_database, "database_id"),
    Route("POST", "/v1/databases/{id}/query", query.query_database, "database_id", versions="legacy"),
    Route("POST", "/v1/data_sources", databases.create_data_source, versions="data_sources"),
    Route("GET", "/v1/data_sources/{id}", databases.retrieve_data_source, "data_source_id", versions="data_sources"),
    Route("PATCH", "/v1/data_sources/{id}", databases.update_data_source, "data_source_id", versions="data_sources"),
    Route("POST", "/v1/data_sources/{id}/query", query.query_data_source, "data_source_id", versions="data_sources"),
    Route("POST", "/v1/pages", pages.create_page),
    Route("GET", "/v1/pages/{id}", pages.retrieve_page, "page_id"),
    Route("PATCH", "/v1/pages/{id}", pages.update_page, "page_id"),
    Route("GET", "/v1/pages/{id}/properties/{property_id}", pages.retrieve_page_property, "page_id"),
    Route("GET", "/v1/blocks/{id}", blocks.retrieve_block, "block_id"),
    Route("PATCH", "/v1/blocks/{id}", blocks.update_block, "block_id"),
    Route("DELETE", "/v1/blocks/{id}", blocks.delete_block, "block_id"),
    Route("GET", "/v1/blocks/{id}/children", blocks.list_children, "block_id"),
    Route("PATCH", "/v1/blocks/{id}/children", blocks.append_children, "block_id"),
    Route("POST", "/v1/file_uploads", file_uploads.create_upload),
    Route("GET", "/v1/file_uploads/{id}", file_uploads.retrieve_upload, "file_upload_id"),
    Route("POST", "/v1/file_uploads/{id}/send", file_uploads.send_upload, "file_upload_id", raw_body=True),
    Route("POST", "/v1/file_uploads/{id}/complete", file_uploads.complete_upload, "file_upload_id"),
    Route("POST", "/v1/search", query.search),
)
