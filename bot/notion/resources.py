"""Notion's endpoints, one mixin per resource (as notion-sdk-py has one module per resource).

`NotionAPI` (bot.notion.api) is built from them: each method sends its request through
`self.request` (pacing, retries, counts, typed errors) and shapes the answer.
"""

from __future__ import annotations

import mimetypes
from typing import Any, Iterator

import httpx

from .errors import NotionError


class Users:
    """Users: who the integration is, who edited."""

    def me(self) -> dict:
        return self.request("GET", "users/me")

    def retrieve_user(self, user_id: str) -> dict:
        return self.request("GET", f"users/{user_id}")


class Databases:
    """Databases and data sources: the schema, and the pages a query finds."""

    def retrieve_database(self, database_id: str) -> dict:
        return self.request("GET", f"databases/{database_id}")

    def retrieve_data_source(self, data_source_id: str) -> dict:
        return self.request("GET", f"data_sources/{data_source_id}")

    def query(self, data_source_id: str, body: dict, properties: list[str] | None = None) -> Iterator[dict]:
        """Every page the query finds; `properties` (ids) are the ones each page carries
        (`filter_properties`: fewer bytes on every version, and on 2026-12-01 a page in a list
        carries only its title without it). None: every property (up to 2026-03-11)."""
        cursor = None
        params = {"filter_properties": list(properties)} if properties is not None else None
        while True:
            page = dict(body, page_size=100)
            if cursor:
                page["start_cursor"] = cursor
            result = self.request("POST", f"data_sources/{data_source_id}/query", query=params, body=page, write=False)
            yield from result.get("results", [])
            cursor = result.get("next_cursor")
            if not result.get("has_more") or not cursor:
                return

    def find_pages(
        self, data_source_id: str, prop: str, prop_type: str, value: str, properties: list[str] | None = None
    ) -> list[dict]:
        """Pages whose text property equals `value` exactly (the upsert key lookup)."""
        body = {"filter": {"property": prop, prop_type: {"equals": value}}}
        return [p for p in self.query(data_source_id, body, properties) if not p.get("in_trash")]


class Pages:
    """Pages: read, create, update (properties, icon, trash)."""

    def retrieve_page(self, page_id: str) -> dict:
        return self.request("GET", f"pages/{page_id}")

    def create_page(
        self, parent: dict, properties: dict, icon: dict | None = None, children: list[dict] | None = None
    ) -> dict:
        body: dict = {"parent": parent, "properties": properties}
        if icon:
            body["icon"] = icon
        if children:
            body["children"] = children
        return self.request("POST", "pages", body=body)

    def update_page(self, page_id: str, **fields: Any) -> dict:
        return self.request("PATCH", f"pages/{page_id}", body=fields)


class Blocks:
    """Blocks: a page's tree, read and written block by block."""

    def retrieve_block(self, block_id: str) -> dict:
        return self.request("GET", f"blocks/{block_id}")

    def list_children(self, block_id: str) -> list[dict]:
        out: list[dict] = []
        cursor = None
        while True:
            query = {"page_size": 100}
            if cursor:
                query["start_cursor"] = cursor
            result = self.request("GET", f"blocks/{block_id}/children", query=query)
            out.extend(result.get("results", []))
            cursor = result.get("next_cursor")
            if not result.get("has_more") or not cursor:
                return out

    def read_tree(self, block_id: str) -> list[dict]:
        """All children, recursively; a block's children are placed under block[type]['children']."""
        blocks = self.list_children(block_id)
        for block in blocks:
            if block.get("has_children") and block["type"] not in ("child_page", "child_database"):
                block[block["type"]]["children"] = self.read_tree(block["id"])
        return blocks

    def update_block(self, block_id: str, block: dict) -> dict:
        kind = block["type"]
        # children are appended, never updated; a table's width is fixed once created.
        payload = {k: v for k, v in block[kind].items() if k not in ("children", "table_width")}
        return self.request("PATCH", f"blocks/{block_id}", body={kind: payload})

    def delete_block(self, block_id: str) -> dict:
        return self.request("DELETE", f"blocks/{block_id}")

    def append_children(self, parent_id: str, children: list[dict], after: str | None = None) -> list[dict]:
        """Append one request's worth of children (the caller chunks) after block `after`, or
        at the end when `after` is None; returns the new top-level blocks."""
        body: dict = {"children": children}
        if after and self._use_after_param:
            body["after"] = after
        elif after:
            body["position"] = {"type": "after_block", "after_block": {"id": after}}
        try:
            result = self.request("PATCH", f"blocks/{parent_id}/children", body=body)
        except NotionError as exc:
            # `position` is documented for every version since early 2026, `after` only up to
            # 2025-09-03. Should a server of the older version refuse `position`, fall back to
            # `after` once and remember it (nothing was written: it was a validation error).
            if (
                after
                and "position" in body
                and exc.status == 400
                and "position" in str(exc)
                and self.notion_version < "2026-03-11"
            ):
                self._use_after_param = True
                return self.append_children(parent_id, children, after)
            raise
        return result.get("results", [])

    def append_at_start(self, parent_id: str, children: list[dict]) -> list[dict]:
        body = {"children": children, "position": {"type": "start"}}
        return self.request("PATCH", f"blocks/{parent_id}/children", body=body).get("results", [])

    _use_after_param = False  # see append_children


class Files:
    """Files: downloading what Notion hosts, uploading images."""

    def download(self, url: str) -> bytes:
        """Fetch a file Notion hosts (a `file` URL, valid for an hour). Sent without the
        Authorization header: those URLs are pre-signed, and the token must not leave Notion."""
        self.pacer.acquire()
        self.stats.reads += 1
        self.stats.by_endpoint["GET file"] += 1
        try:
            with httpx.Client(
                transport=self.transport, timeout=self.client.options.timeout_ms / 1000, follow_redirects=True
            ) as http:
                response = http.get(url)
        except httpx.HTTPError as error:
            raise NotionError(
                f"cannot download {url.split('?')[0]}: {type(error).__name__}: {error}", code="connection_error"
            ) from None
        if response.status_code != 200:
            raise NotionError(
                f"cannot download {url.split('?')[0]}: HTTP {response.status_code}", status=response.status_code
            )
        return response.content

    def upload_file(self, data: bytes, filename: str, content_type: str | None = None) -> str:
        """Upload a file's bytes with the File Upload API (single part); returns the upload id.
        Callers read them from a vetted descriptor (bot.convert.assets.read_checked_image)."""
        from ..convert.assets import MAX_IMAGE_BYTES

        content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if len(data) > MAX_IMAGE_BYTES:
            raise NotionError(f"{filename} is over {MAX_IMAGE_BYTES:,} bytes; not uploaded")
        created = self.request(
            "POST", "file_uploads", body={"mode": "single_part", "filename": filename, "content_type": content_type}
        )
        upload_id = created["id"]
        self.request("POST", f"file_uploads/{upload_id}/send", form={"file": (filename, data, content_type)})
        return upload_id
