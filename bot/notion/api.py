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
import math
import random
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Callable

import httpx
from notion_client import Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from ..clock import SYSTEM_CLOCK, Clock
from .resources import Blocks, Databases, Files, Pages, Users
from .errors import (
    NotFoundError,
    NotionError,
    OutcomeUnknownError,
    RateLimitedError,
    RetriesExhaustedError,
)

log = logging.getLogger("bot.notion")

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


class WaitTooLong(Exception):
    """The next send slot is further away than the request may still wait."""

    def __init__(self, needed: float):
        super().__init__(f"{needed:.0f}s")
        self.needed = needed


class Pacer:
    """Notion's per-token budget as a sliding window: at most `requests` sends in any
    `window_s` seconds ("can be spent at any pace within the window"), kept in a store that
    every process using the token shares (bot.budget; in memory by default).

    The budget can be spent in a burst, so a publish of fewer requests than the budget never
    waits; a longer one waits only when the window is full, and then exactly until a slot
    frees — never sending a request the window would refuse. The margin (2% fewer
    requests, a 2% longer window, at most 1 s) absorbs the latency between our clock and the
    server's, which counts a request when it arrives. After a 429 every process sharing the
    store waits (Retry-After at least; exponential with jitter when 429s repeat).
    """

    ANNOUNCE_S = 2.0  # waits at least this long are said on stderr (shorter ones are pacing)

    def __init__(
        self,
        requests: int = 180,
        window_s: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
        store=None,
        seed: int | None = None,
    ):
        from ..budget import MemoryStore

        if requests < 1 or window_s <= 0:
            raise ValueError("a rate budget needs at least 1 request and a positive window")
        self.capacity = max(1, requests - max(1, round(requests * 0.02))) if requests > 1 else 1
        self.window_s = window_s + min(1.0, window_s * 0.02)
        self.clock = clock
        self.store = store if store is not None else MemoryStore(clock)
        self._rng = random.Random(seed)
        self._slot = None
        self._saw_strikes = False

    @classmethod
    def per_second(cls, rate: float, clock: Clock = SYSTEM_CLOCK, store=None) -> "Pacer":
        """An average rate (requests per second) as a one-minute budget."""
        return cls(max(1, round(rate * 60)), 60.0, clock, store)

    def acquire(self, may_wait: float = math.inf) -> float:
        """Wait for a send slot; returns the seconds waited. Raises WaitTooLong (having
        waited nothing more) when the slot is more than `may_wait` seconds away."""
        waited = 0.0
        while True:
            slot = self._shared(lambda: self.store.reserve(self.capacity, self.window_s))
            self._saw_strikes = self._saw_strikes or slot.strikes > 0
            if slot.delay <= 0:
                self._slot = slot
                return waited
            if waited + slot.delay > may_wait:
                self._shared(lambda: self.store.cancel(slot))
                raise WaitTooLong(waited + slot.delay)
            if slot.delay >= self.ANNOUNCE_S:
                log.warning(
                    "waiting %.1f s for Notion's rate budget (shared by every process using this token)", slot.delay
                )
            else:
                log.debug("paced %.3f s", slot.delay)
            self.clock.sleep(slot.delay)
            waited += slot.delay
            if self._shared(lambda: self.store.confirm(slot)) <= 0:  # no 429 meanwhile pushed every process back
                self._slot = slot
                return waited

    def rate_limited(self, retry_after: float | None) -> float:
        """Notion answered 429: its window is fuller than ours (other hosts, the per-workspace
        limit, or it keeps a full window). Every process sharing the store waits; returns how
        long from now."""
        from ..budget import backoff

        sent_at = self._slot.at if self._slot is not None else -math.inf
        wait, strikes = self._shared(lambda: self.store.penalize(sent_at, lambda n: backoff(n, retry_after, self._rng)))
        self._saw_strikes = True
        told = f"Retry-After {retry_after:.0f} s" if retry_after is not None else "no Retry-After"
        log.warning(
            "Notion answered 429 rate_limited (%s; %d in a row): every process using this token waits %.1f s",
            told,
            strikes,
            wait,
        )
        return wait

    def succeeded(self) -> None:
        """A request went through: 429s no longer come in a row."""
        if self._saw_strikes:
            self._shared(lambda: self.store.clear_strikes())
            self._saw_strikes = False

    def _shared(self, operation):
        """A shared store that fails (its database went away) is replaced by this process's
        own budget, said once: pacing goes on, a publish does not fail for it."""
        from ..budget import BudgetUnavailable, MemoryStore

        try:
            return operation()
        except BudgetUnavailable as exc:
            log.warning("%s; pacing with this process's budget only", exc)
            self.store.close()
            self.store = MemoryStore(self.clock)
            return operation()

    def close(self) -> None:
        self.store.close()


@dataclass
class RetryPolicy:
    max_attempts: int = 6  # 5xx, timeouts, broken connections (never 429s: those wait, see max_wait)
    max_wait: float = 120.0  # longest total wait of one request for Notion's rate budget
    max_wait_setting: str = "BOT_MAX_RETRY_WAIT"  # named when a request gives up
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
        if not isinstance(results, list) or not all(
            isinstance(r, dict) and isinstance(r.get("id"), str) for r in results
        ):
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
        seconds = float(value) if value is not None else None
    except (TypeError, ValueError):
        return None
    # "nan", "inf" or a negative number is no Retry-After at all (the back-off decides).
    return seconds if seconds is not None and math.isfinite(seconds) and seconds >= 0 else None


class NotionAPI(Users, Databases, Pages, Blocks, Files):
    """The one way the bot speaks to Notion: `request` paces (the shared budget), retries,
    counts and turns failures into typed errors; the endpoints, one mixin per resource, are
    in bot.notion.resources."""

    def __init__(
        self,
        *,
        auth: str,
        base_url: str,
        notion_version: str = "2026-03-11",
        transport: httpx.BaseTransport | None = None,
        rate: float | None = None,
        budget: tuple[int, float] = (180, 60.0),
        retry: RetryPolicy | None = None,
        timeout: float = 60.0,
        clock: Clock = SYSTEM_CLOCK,
        seed: int | None = None,
        budget_store=None,
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
        self.pacer = (
            Pacer.per_second(rate, clock, budget_store)
            if rate is not None
            else Pacer(*budget, clock=clock, store=budget_store, seed=seed)
        )
        self.retry = retry or RetryPolicy()
        self.clock = clock
        self._rng = random.Random(seed)
        self.on_request: Callable[[str, str, int | str], None] | None = None  # progress/verbose hook
        self.before_write: Callable[[], None] | None = None  # e.g. "is the publish lock still ours?"

    # ------------------------------------------------------------------ core
    def request(
        self,
        method: str,
        path: str,
        *,
        query: dict | None = None,
        body: dict | None = None,
        form: dict | None = None,
        write: bool | None = None,
    ) -> Any:
        """Send one logical request, retrying what is safe to retry.

        Reads (GET, and POST queries) retry on 429/529/5xx/timeouts. Writes retry only on
        429/529 (documented as not applied) and connection failures before sending; any
        other failure after sending raises OutcomeUnknownError for the caller to reconcile.
        """
        is_write = write if write is not None else method != "GET"
        endpoint = f"{method} {_template(path)}"
        attempt = 0  # sends of this request so far
        failures = 0  # of them, failures other than 429/529 (bounded by max_attempts)
        waited = 0.0  # seconds waited for Notion's budget (bounded by max_wait)
        while True:
            try:
                waited += self.pacer.acquire(self.retry.max_wait - waited)
            except WaitTooLong as too_long:
                raise RateLimitedError(
                    f"Notion's rate budget: this request would wait {waited + too_long.needed:.0f}s in total, more than {self.retry.max_wait_setting}={self.retry.max_wait:.0f}s "
                    f"({self.stats.rate_limited} 429s so far); try again later, or raise {self.retry.max_wait_setting}",
                    status=429,
                    code="rate_limited",
                    method=method,
                    path=path,
                ) from None
            if is_write and self.before_write is not None:
                self.before_write()
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
                self.pacer.succeeded()
                return result
            except MALFORMED_BODY as error:
                # A 2xx whose body is not a JSON object: a proxy's HTML page, an empty or cut body.
                self._unreliable(
                    f"answered with a body that is not a JSON object ({_malformed(error)})",
                    "malformed_response",
                    is_write,
                    failures,
                    method,
                    path,
                )
                attempt += 1
                failures += 1
            except HTTPResponseError as error:
                body_json = _error_body(error)
                code = body_json.get("code") or str(error.code)
                message = body_json.get("message") or str(error)
                data = body_json.get("additional_data") or {}
                self._trace(method, path, error.status)
                if error.status in NOT_APPLIED:
                    self.stats.rate_limited += error.status == 429
                    if data.get("rate_limit_reason") == "public_api_request_blocked":
                        raise RateLimitedError(
                            message, status=error.status, code=code, method=method, path=path, data=data
                        )
                    retry_after = _retry_after(error, body_json)
                    if retry_after is not None and waited + retry_after > self.retry.max_wait:
                        raise RateLimitedError(
                            f"{message} Notion asks to wait {retry_after:.0f}s, more than {self.retry.max_wait_setting}={self.retry.max_wait:.0f}s allows",
                            status=error.status,
                            code=code,
                            method=method,
                            path=path,
                            data=data,
                        )
                    # Not a failure of this request: the budget is spent. Every process waits
                    # (the next acquire), and the request gives up only on its total wait.
                    self.pacer.rate_limited(retry_after)
                    attempt += 1
                    continue
                if error.status >= 500 or error.status == 409:
                    if is_write:
                        raise OutcomeUnknownError(
                            message, status=error.status, code=code, method=method, path=path, data=data
                        )
                    self._give_up_if_exhausted(failures, error.status, code, message, method, path)
                    self.clock.sleep(self.retry.backoff(failures, self._rng))
                    attempt += 1
                    failures += 1
                    continue
                cls = NotFoundError if error.status == 404 else NotionError
                raise cls(message, status=error.status, code=code, method=method, path=path, data=data) from None
            except (RequestTimeoutError, httpx.TimeoutException):
                self._trace(method, path, "timeout")
                if is_write:
                    raise OutcomeUnknownError(
                        "no answer before the timeout; the write may have been applied", method=method, path=path
                    ) from None
                self._give_up_if_exhausted(failures, None, "timeout", "no answer before the timeout", method, path)
                self.clock.sleep(self.retry.backoff(failures, self._rng))
                attempt += 1
                failures += 1
            except httpx.ConnectError as error:
                # Nothing was sent: safe to retry reads and writes alike.
                self._trace(method, path, "connect-error")
                self._give_up_if_exhausted(failures, None, "connect_error", f"cannot connect: {error}", method, path)
                self.clock.sleep(self.retry.backoff(failures, self._rng))
                attempt += 1
                failures += 1
            except NOT_SENDABLE as error:
                # The request cannot be sent as configured (URL, header): retrying cannot help.
                raise NotionError(
                    f"cannot send the request ({type(error).__name__}: {error}); check NOTION_BASE_URL and NOTION_TOKEN",
                    code="invalid_request",
                    method=method,
                    path=path,
                ) from None
            except httpx.TransportError as error:
                # The connection broke while the request was in flight (reset, closed early,
                # protocol garbage): whether Notion applied it is unknown.
                self._unreliable(
                    f"the connection broke ({type(error).__name__}: {error or 'no detail'})",
                    "connection_error",
                    is_write,
                    failures,
                    method,
                    path,
                )
                attempt += 1
                failures += 1

    def _unreliable(self, what: str, code: str, is_write: bool, attempt: int, method: str, path: str) -> None:
        """A response that cannot be trusted: a write is reconciled by the caller (never
        repeated blindly); a read is retried with backoff until the attempts run out."""
        self._trace(method, path, code)
        if is_write:
            raise OutcomeUnknownError(
                f"{what}; the write may have been applied", code=code, method=method, path=path
            ) from None
        self._give_up_if_exhausted(attempt, None, code, what, method, path)
        self.clock.sleep(self.retry.backoff(attempt, self._rng))

    def _give_up_if_exhausted(
        self, attempt: int, status: int | None, code: str, message: str, method: str, path: str
    ) -> None:
        if attempt + 1 >= self.retry.max_attempts:
            raise RetriesExhaustedError(
                f"{message} (gave up after {attempt + 1} attempts)", status=status, code=code, method=method, path=path
            )

    def _trace(self, method: str, path: str, status: int | str) -> None:
        log.debug("%s /v1/%s -> %s", method, path, status)
        if self.on_request:
            self.on_request(method, path, status)

    def close(self) -> None:
        self.client.close()
        self.pacer.close()


def _template(path: str) -> str:
    """`blocks/<uuid>/children` -> `blocks/{id}/children` for per-endpoint counts."""
    parts = []
    for part in path.split("/"):
        parts.append(
            "{id}" if len(part.replace("-", "")) == 32 and all(c in "0123456789abcdef-" for c in part.lower()) else part
        )
    return "/".join(parts)
