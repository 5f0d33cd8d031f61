"""The only code that talks to Notion.

A thin, typed layer over the official SDK (`notion_client.Client`) that adds what the SDK
lacks for unattended publishing: client-side pacing, retries that never repeat a write whose
outcome is unknown, chunked appends that respect Notion's per-request limits, pagination,
and per-kind request accounting. The transport is injectable, which is how the embedded
local workspace is reached through exactly the same code path as real Notion.
"""

from __future__ import annotations

import json
import logging
import mimetypes
import random
from collections import Counter, deque
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator

import httpx
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from ..clock import SYSTEM_CLOCK, Clock
from .errors import (
    NotFoundError,
    NotionError,
    OutcomeUnknownError,
    RateLimitedError,
    RetriesExhaustedError,
)

log = logging.getLogger("bot.notion")

MAX_CHILDREN = 100  # children per request, and items per nested children array
MAX_BLOCKS_PER_REQUEST = 1000
MAX_PAYLOAD_BYTES = 450_000  # Notion's limit is 500 KB; leave room for the envelope
RETRYABLE_READ = {409, 500, 502, 503, 504}
NOT_APPLIED = {429, 529}  # documented: retry these like a rate limit, writes included


@dataclass
class RequestStats:
    """Every request counted by kind: reads, writes, retries, 429s."""

    reads: int = 0
    writes: int = 0
    retries: int = 0
    rate_limited: int = 0
    by_endpoint: Counter = field(default_factory=Counter)

    def to_dict(self) -> dict:
        return {"reads": self.reads, "writes": self.writes, "retries": self.retries, "rate_limited": self.rate_limited}

    def snapshot(self) -> "RequestStats":
        return RequestStats(self.reads, self.writes, self.retries, self.rate_limited, Counter(self.by_endpoint))

    def since(self, earlier: "RequestStats") -> "RequestStats":
        return RequestStats(
            self.reads - earlier.reads,
            self.writes - earlier.writes,
            self.retries - earlier.retries,
            self.rate_limited - earlier.rate_limited,
            self.by_endpoint - earlier.by_endpoint,
        )


class Pacer:
    """Notion's per-connection budget as a sliding window: at most `requests` sends in any
    `window_s` seconds ("can be spent at any pace within the window").

    The budget can be spent in a burst, so a publish of fewer requests than the budget never
    waits; a longer one waits only when the window is full, and then exactly until the oldest
    send leaves it — never sending a request the window would refuse. The margin (2% fewer
    requests, a 2% longer window, at most 1 s) absorbs the latency between our clock and the
    server's, which counts a request when it arrives.
    """

    def __init__(self, requests: int = 180, window_s: float = 60.0, clock: Clock = SYSTEM_CLOCK):
        if requests < 1 or window_s <= 0:
            raise ValueError("a rate budget needs at least 1 request and a positive window")
        self.capacity = max(1, requests - max(1, round(requests * 0.02))) if requests > 1 else 1
        self.window_s = window_s + min(1.0, window_s * 0.02)
        self.clock = clock
        self._sent: deque[float] = deque()

    @classmethod
    def per_second(cls, rate: float, clock: Clock = SYSTEM_CLOCK) -> "Pacer":
        """An average rate (requests per second) as a one-minute budget."""
        return cls(max(1, round(rate * 60)), 60.0, clock)

    def acquire(self) -> None:
        now = self._expire()
        if len(self._sent) >= self.capacity:
            self.clock.sleep(self._sent[0] + self.window_s - now)
            now = self._expire()
        self._sent.append(now)

    def _expire(self) -> float:
        now = self.clock.monotonic()
        while self._sent and self._sent[0] <= now - self.window_s:
            self._sent.popleft()
        return now

    def pause(self, seconds: float) -> None:
        """After a 429 (Retry-After): the server's count is higher than ours (other
        processes, the per-workspace limit), so wait as told before sending again."""
        self.clock.sleep(seconds)


@dataclass
class RetryPolicy:
    max_attempts: int = 6
    max_wait: float = 120.0  # longest Retry-After we are willing to honour
    base_delay: float = 1.0
    max_delay: float = 30.0

    def backoff(self, attempt: int, rng: random.Random) -> float:
        ceiling = min(self.max_delay, self.base_delay * (2**attempt))
        return ceiling / 2 + rng.random() * ceiling / 2  # exponential with jitter


class _NotAnObject(ValueError):
    """A 2xx body that parsed as JSON but is not an object (every endpoint answers one)."""


# What a 2xx body that is not JSON raises inside the SDK's `response.json()`.
MALFORMED_BODY = (json.JSONDecodeError, UnicodeDecodeError, _NotAnObject)
# Failures before anything is sent that no retry can fix.
NOT_SENDABLE = (httpx.UnsupportedProtocol, httpx.LocalProtocolError, httpx.InvalidURL)


def _check_shape(path: str, result: Any) -> None:
    """The little every caller relies on: an object; a list answer's `results` is a list of
    objects; any other answer carries a string `id`. Anything else is a malformed answer."""
    if not isinstance(result, dict):
        raise _NotAnObject(f"{type(result).__name__}, not an object")
    if path.endswith(("/children", "/query")) or path == "search":
        results = result.get("results")
        if not isinstance(results, list) or not all(isinstance(r, dict) and isinstance(r.get("id"), str) for r in results):
            raise _NotAnObject("object whose `results` is not a list of objects with ids")
    elif not isinstance(result.get("id"), str):
        raise _NotAnObject("object without a string `id`")


def _malformed(error: Exception) -> str:
    if isinstance(error, _NotAnObject):
        return f"JSON {error}"
    if isinstance(error, json.JSONDecodeError):
        return "empty body" if not error.doc.strip() else f"not JSON: {error.msg} at character {error.pos}"
    return "not UTF-8 text"


def _error_body(error: HTTPResponseError) -> dict:
    try:
        body = json.loads(error.body) if error.body else {}
    except (TypeError, ValueError):
        body = {}
    return body if isinstance(body, dict) else {}


def _retry_after(error: HTTPResponseError, body: dict) -> float | None:
    value = error.headers.get("retry-after") if error.headers is not None else None
    if value is None:
        value = (body.get("additional_data") or {}).get("retry_after")
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


class NotionAPI:
    def __init__(
        self,
        *,
        auth: str,
        base_url: str,
        notion_version: str = "2025-09-03",
        transport: httpx.BaseTransport | None = None,
        rate: float | None = None,
        budget: tuple[int, float] = (180, 60.0),
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
        seed: int | None = None,
    ):
        self.transport = transport
        http = httpx.Client(transport=transport) if transport is not None else httpx.Client()
        # retry=False: this layer owns retries (the SDK would retry 5xx on DELETE and cap waits at 60 s).
        self.client = Client(
            auth=auth,
            base_url=base_url.rstrip("/"),
            notion_version=notion_version,
            timeout_ms=int(timeout * 1000),
            retry=False,
            client=http,
            log_level=logging.CRITICAL,
        )
        self.notion_version = notion_version
        self.stats = RequestStats()
        # `budget` is (requests, window seconds), e.g. Notion's (180, 60); `rate` (requests per
        # second) is the older shorthand, kept for callers that only want "fast enough".
        self.pacer = Pacer.per_second(rate, clock) if rate is not None else Pacer(*budget, clock=clock)
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._rng = random.Random(seed)
        self.on_request: Callable[[str, str, int | str], None] | None = None  # progress/verbose hook

    # ------------------------------------------------------------------ core
    def request(self, method: str, path: str, *, query: dict | None = None, body: dict | None = None, form: dict | None = None, write: bool | None = None) -> Any:
        """Send one logical request, retrying what is safe to retry.

        Reads (GET, and POST queries) retry on 429/529/5xx/timeouts. Writes retry only on
        429/529 (documented as not applied) and connection failures before sending; any
        other failure after sending raises OutcomeUnknownError for the caller to reconcile.
        """
        is_write = write if write is not None else method != "GET"
        endpoint = f"{method} {_template(path)}"
        attempt = 0
        while True:
            self.pacer.acquire()
            if attempt:
                self.stats.retries += 1
            elif is_write:
                self.stats.writes += 1
            else:
                self.stats.reads += 1
            self.stats.by_endpoint[endpoint] += 1
            try:
                result = self.client.request(path=path, method=method, query=query, body=body, form_data=form)
                _check_shape(path, result)
                self._trace(method, path, 200)
                return result
            except MALFORMED_BODY as error:
                # A 2xx whose body is not a JSON object: a proxy's HTML page, an empty or cut body.
                self._unreliable(f"answered with a body that is not a JSON object ({_malformed(error)})", "malformed_response", is_write, attempt, method, path)
                attempt += 1
            except HTTPResponseError as error:
                body_json = _error_body(error)
                code = body_json.get("code") or str(error.code)
                message = body_json.get("message") or str(error)
                data = body_json.get("additional_data") or {}
                self._trace(method, path, error.status)
                if error.status in NOT_APPLIED:
                    self.stats.rate_limited += error.status == 429
                    if data.get("rate_limit_reason") == "public_api_request_blocked":
                        raise RateLimitedError(message, status=error.status, code=code, method=method, path=path, data=data)
                    wait = _retry_after(error, body_json)
                    wait = self.retry.backoff(attempt, self._rng) if wait is None else wait
                    if wait > self.retry.max_wait:
                        raise RateLimitedError(
                            f"{message} Notion asks to wait {wait:.0f}s, more than BOT_MAX_RETRY_WAIT={self.retry.max_wait:.0f}s",
                            status=error.status, code=code, method=method, path=path, data=data,
                        )
                    self._give_up_if_exhausted(attempt, error.status, code, message, method, path)
                    self.pacer.pause(wait)
                    attempt += 1
                    continue
                if error.status >= 500 or error.status == 409:
                    if is_write:
                        raise OutcomeUnknownError(message, status=error.status, code=code, method=method, path=path, data=data)
                    self._give_up_if_exhausted(attempt, error.status, code, message, method, path)
                    self.clock.sleep(self.retry.backoff(attempt, self._rng))
                    attempt += 1
                    continue
                cls = NotFoundError if error.status == 404 else NotionError
                raise cls(message, status=error.status, code=code, method=method, path=path, data=data) from None
            except (RequestTimeoutError, httpx.TimeoutException):
                self._trace(method, path, "timeout")
                if is_write:
                    raise OutcomeUnknownError("no answer before the timeout; the write may have been applied", method=method, path=path) from None
                self._give_up_if_exhausted(attempt, None, "timeout", "no answer before the timeout", method, path)
                self.clock.sleep(self.retry.backoff(attempt, self._rng))
                attempt += 1
            except httpx.ConnectError as error:
                # Nothing was sent: safe to retry reads and writes alike.
                self._trace(method, path, "connect-error")
                self._give_up_if_exhausted(attempt, None, "connect_error", f"cannot connect: {error}", method, path)
                self.clock.sleep(self.retry.backoff(attempt, self._rng))
                attempt += 1
            except NOT_SENDABLE as error:
                # The request cannot be sent as configured (URL, header): retrying cannot help.
                raise NotionError(f"cannot send the request ({type(error).__name__}: {error}); check NOTION_BASE_URL and NOTION_TOKEN", code="invalid_request", method=method, path=path) from None
            except httpx.TransportError as error:
                # The connection broke while the request was in flight (reset, closed early,
                # protocol garbage): whether Notion applied it is unknown.
                self._unreliable(f"the connection broke ({type(error).__name__}: {error or 'no detail'})", "connection_error", is_write, attempt, method, path)
                attempt += 1

    def _unreliable(self, what: str, code: str, is_write: bool, attempt: int, method: str, path: str) -> None:
        """A response that cannot be trusted: a write is reconciled by the caller (never
        repeated blindly); a read is retried with backoff until the attempts run out."""
        self._trace(method, path, code)
        if is_write:
            raise OutcomeUnknownError(f"{what}; the write may have been applied", code=code, method=method, path=path) from None
        self._give_up_if_exhausted(attempt, None, code, what, method, path)
        self.clock.sleep(self.retry.backoff(attempt, self._rng))

    def _give_up_if_exhausted(self, attempt: int, status: int | None, code: str, message: str, method: str, path: str) -> None:
        if attempt + 1 >= self.retry.max_attempts:
            raise RetriesExhaustedError(f"{message} (gave up after {attempt + 1} attempts)", status=status, code=code, method=method, path=path)

    def _trace(self, method: str, path: str, status: int | str) -> None:
        log.debug("%s /v1/%s -> %s", method, path, status)
        if self.on_request:
            self.on_request(method, path, status)

    def close(self) -> None:
        self.client.close()

    # ------------------------------------------------------------- reads
    def me(self) -> dict:
        return self.request("GET", "users/me")

    def retrieve_user(self, user_id: str) -> dict:
        return self.request("GET", f"users/{user_id}")

    def retrieve_database(self, database_id: str) -> dict:
        return self.request("GET", f"databases/{database_id}")

    def retrieve_data_source(self, data_source_id: str) -> dict:
        return self.request("GET", f"data_sources/{data_source_id}")

    def retrieve_page(self, page_id: str) -> dict:
        return self.request("GET", f"pages/{page_id}")

    def retrieve_block(self, block_id: str) -> dict:
        return self.request("GET", f"blocks/{block_id}")

    def query(self, data_source_id: str, body: dict) -> Iterator[dict]:
        cursor = None
        while True:
            page = dict(body, page_size=100)
            if cursor:
                page["start_cursor"] = cursor
            result = self.request("POST", f"data_sources/{data_source_id}/query", body=page, write=False)
            yield from result.get("results", [])
            cursor = result.get("next_cursor")
            if not result.get("has_more") or not cursor:
                return

    def find_pages(self, data_source_id: str, prop: str, prop_type: str, value: str) -> list[dict]:
        """Pages whose text property equals `value` exactly (the upsert key lookup)."""
        body = {"filter": {"property": prop, prop_type: {"equals": value}}}
        return [p for p in self.query(data_source_id, body) if not p.get("in_trash") and not p.get("archived")]

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

    # ------------------------------------------------------------ writes
    def create_page(self, parent: dict, properties: dict, icon: dict | None = None, children: list[dict] | None = None) -> dict:
        body: dict = {"parent": parent, "properties": properties}
        if icon:
            body["icon"] = icon
        if children:
            body["children"] = children
        return self.request("POST", "pages", body=body)

    def update_page(self, page_id: str, **fields: Any) -> dict:
        return self.request("PATCH", f"pages/{page_id}", body=fields)

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
            if after and "position" in body and exc.status == 400 and "position" in str(exc) and self.notion_version < "2026-03-11":
                self._use_after_param = True
                return self.append_children(parent_id, children, after)
            raise
        return result.get("results", [])

    _use_after_param = False

    def append_at_start(self, parent_id: str, children: list[dict]) -> list[dict]:
        body = {"children": children, "position": {"type": "start"}}
        return self.request("PATCH", f"blocks/{parent_id}/children", body=body).get("results", [])

    def download(self, url: str) -> bytes:
        """Fetch a file Notion hosts (a `file` URL, valid for an hour). Sent without the
        Authorization header: those URLs are pre-signed, and the token must not leave Notion."""
        self.pacer.acquire()
        self.stats.reads += 1
        self.stats.by_endpoint["GET file"] += 1
        try:
            with httpx.Client(transport=self.transport, timeout=self.client.options.timeout_ms / 1000, follow_redirects=True) as http:
                response = http.get(url)
        except httpx.HTTPError as error:
            raise NotionError(f"cannot download {url.split('?')[0]}: {type(error).__name__}: {error}", code="connection_error") from None
        if response.status_code != 200:
            raise NotionError(f"cannot download {url.split('?')[0]}: HTTP {response.status_code}", status=response.status_code)
        return response.content

    def upload_file(self, data: bytes, filename: str, content_type: str | None = None) -> str:
        """Upload a file's bytes with the File Upload API (single part); returns the upload id.
        Callers read them from a vetted descriptor (bot.convert.assets.read_checked_image)."""
        from ..convert.assets import MAX_IMAGE_BYTES

        content_type = content_type or mimetypes.guess_type(filename)[0] or "application/octet-stream"
        if len(data) > MAX_IMAGE_BYTES:
            raise NotionError(f"{filename} is over {MAX_IMAGE_BYTES:,} bytes; not uploaded")
        created = self.request("POST", "file_uploads", body={"mode": "single_part", "filename": filename, "content_type": content_type})
        upload_id = created["id"]
        self.request("POST", f"file_uploads/{upload_id}/send", form={"file": (filename, data, content_type)})
        return upload_id


def _template(path: str) -> str:
    """`blocks/<uuid>/children` -> `blocks/{id}/children` for per-endpoint counts."""
    parts = []
    for part in path.split("/"):
        parts.append("{id}" if len(part.replace("-", "")) == 32 and all(c in "0123456789abcdef-" for c in part.lower()) else part)
    return "/".join(parts)
