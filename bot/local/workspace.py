"""The embedded workspace app: routing, auth, Notion-Version, faults and rate limit.

Each endpoint is answered by a function in ``bot.local.resources`` (one module per
resource), found through the route table in ``bot.local.routes``. Handlers receive the
workspace (for its store, clock and URLs) and a ``Ctx`` (user, version, time).
"""

from __future__ import annotations

import json
import math
import random
import re
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Mapping

from bot.clock import SYSTEM_CLOCK, Clock
from bot.state import LOCAL_PUBLIC_BASE_URL

from .common import Ctx, new_id, norm_id
from .errors import LocalAPIError, NotFoundError
from .faults import STATUS_CODES, FaultPlan, RateLimit, RequestRecord, SimulatedTimeout
from .resources import databases, file_uploads
from .search_index import SEARCH_INDEX_LAG
from .store import Store
from .gate import authenticate, check_path_id, parse_body, route_of

JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}


class LocalWorkspace:
    """A Notion-API-compatible store. See ``bot/local/README.md``."""

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock | None = None,
        public_base_url: str = LOCAL_PUBLIC_BASE_URL,
        bot_token: str = "local-bot-token",
        rate_limit: RateLimit | None = None,
    ) -> None:
        self.path = path
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.public_base_url = public_base_url.rstrip("/")
        self.bot_token = bot_token
        self.workspace_name = "Local workspace"
        # Notion's created_time/last_edited_time have minute precision in practice
        # (every docs example ends in ":00.000Z"); set to 0 for millisecond precision.
        self.timestamp_granularity_s: int = 60
        self._lock = threading.RLock()
        self.store = Store(path)
        self._faults = FaultPlan()
        self._index = 0
        # Notion's per-connection budget per token; `bot local serve` and the bot's local path
        # set it from BOT_LOCAL_RATE_LIMIT (default 180/60). None: no limit.
        self.rate_limit: RateLimit | None = rate_limit
        self.request_log: list[RequestRecord] = []
        self.rng = random.Random()
        # requests before a create / trash reaches search (search_index.py); 0: at once
        self.search_index_lag: int = SEARCH_INDEX_LAG
        # every write of an earlier session is indexed: requests are numbered on from past them
        self.store.request_no = self.store.last_request_noted() + SEARCH_INDEX_LAG
        with self._lock:
            self.store.begin()
            self._ensure_bot()
            self.store.commit()

    @property
    def faults(self) -> FaultPlan:
        return self._faults

    @faults.setter
    def faults(self, plan: FaultPlan | str | None) -> None:
        with self._lock:
            if plan is None:
                plan = FaultPlan()
            elif isinstance(plan, str):
                plan = FaultPlan.from_spec(plan)
            self._faults = plan
            self._index = 0

    @property
    def bot_user_id(self) -> str:
        u = self.store.user_by_token(self.bot_token)
        assert u is not None
        return u["id"]

    def reset(self) -> None:
        with self._lock:
            self.store.begin()
            self.store.wipe()
            self._ensure_bot()
            self.store.commit()
            self.request_log.clear()
            self._index = 0
            if self.rate_limit is not None:
                self.rate_limit.reset()

    def close(self) -> None:
        with self._lock:
            self.store.close()

    def add_user(
        self, name: str, token: str, *, kind: str = "person", email: str | None = None, avatar_url: str | None = None
    ) -> str:
        if kind not in ("person", "bot"):
            raise ValueError("kind must be 'person' or 'bot'")
        with self._lock:
            existing = self.store.user_by_token(token)
            if existing:
                return existing["id"]
            uid = new_id()
            data = {"id": uid, "name": name, "type": kind, "avatar_url": avatar_url}
            if kind == "person":
                data["email"] = email or f"{re.sub(r'[^a-z0-9]+', '.', name.lower()).strip('.') or 'user'}@example.com"
                data["email_verified"] = email is not None  # a made-up address is not verified
            self.store.begin()
            self.store.put("users", uid, data, token=token)
            self.store.commit()
            return uid

    def ensure_database(self, title: str, properties: dict) -> tuple[str, str]:
        """Create (or find, by title) a database with one data source and this schema."""
        with self._lock:
            self.store.begin()
            try:
                ctx = Ctx(self.store.user_by_token(self.bot_token), "2025-09-03", new_id(), self.now())
                db = self.store.database_by_title(title)
                if db is None:
                    out = databases.create_database(self, ctx, title, properties)
                else:
                    ds = self.store.data_sources_of(db["id"])[0]
                    missing = {k: v for k, v in properties.items() if databases.find_property(self, ds, k) is None}
                    if missing:
                        for name, cfg in missing.items():
                            databases.add_property(self, ds, name, cfg, f"properties.{name}")
                        self.store.update_data("data_sources", ds["id"], ds)
                    out = (db["id"], ds["id"])
                self.store.commit()
                return out
            except BaseException:
                self.store.rollback()
                raise

    def settle_search_index(self, ids: list[str] | None = None) -> None:
        """What a long wait does: search finds these objects (default: all) as they are now, as
        if the index had caught up with them (a workspace's older pages, made before a test)."""
        with self._lock:
            self.store.begin()
            self.store.settle_search(None if ids is None else [norm_id(i) or i for i in ids])
            self.store.commit()

    def page_titles(self) -> list[tuple[str, str]]:
        """(id, title) of every page not in the trash, as they are now."""
        from .resources.rows import page_title

        with self._lock:
            return [(p["id"], page_title(self, p)) for p in self.store.all_pages() if not p["in_trash"]]

    def file_bytes(self, upload_id: str) -> bytes | None:
        with self._lock:
            return self.store.file_content(upload_id)

    def dispatch(
        self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            return self._dispatch(
                method.upper(), path, dict(query or {}), {k.lower(): v for k, v in headers.items()}, body or b""
            )

    def _respond(
        self, status: int, obj: dict, rid: str, extra: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        h = dict(JSON_HEADERS)
        h["x-notion-request-id"] = rid
        if extra:
            h.update(extra)
        return status, h, json.dumps(obj, ensure_ascii=False).encode()

    def _log(
        self, index: int, method: str, path: str, status: int, fault: str | None, user_id: str | None, rid: str
    ) -> None:
        self.request_log.append(
            RequestRecord(index, method, path, status, fault, user_id, self.iso(self.clock.now(), exact=True), rid)
        )

    def _dispatch(self, method: str, path: str, query: dict, headers: dict, body: bytes):
        if path.startswith("/files/"):
            return file_uploads.serve_file(self, path)
        index = self._index
        self._index += 1
        self.store.request_no += 1
        rid = new_id()
        rule = self._faults.match(index, method, path) if self._faults else None
        if rule is not None and (
            rule.kind in ("rate_limited", "status") or (rule.kind == "timeout" and not rule.apply)
        ):
            if rule.kind == "timeout":
                self._log(index, method, path, 0, "timeout", None, rid)
                raise SimulatedTimeout(False, rule.delay_s)
            if rule.kind == "rate_limited":
                status, h, b = self._rate_limited(rid, rule.retry_after)
                self._log(index, method, path, status, "rate_limited", None, rid)
                return status, h, b
            code, msg = STATUS_CODES[rule.status]
            self._log(index, method, path, rule.status, f"status:{rule.status}", None, rid)
            return self._respond(rule.status, LocalAPIError(rule.status, code, msg).body(rid), rid)

        user_id = None
        try:
            # Notion checks the URL before the token: an unknown URL with a bad token is a 400
            # invalid_request_url (recorded answers).
            route, params = route_of(method, path)
            ctx = authenticate(self, headers, rid)
            ctx.content_type = headers.get("content-type", "")
            user_id = ctx.user["id"]
            if self.rate_limit is not None:
                wait = self.rate_limit.check(user_id, self.clock.monotonic())
                if wait is not None:
                    status, h, b = self._rate_limited(rid, wait)
                    self._log(index, method, path, status, "rate_limit", user_id, rid)
                    return status, h, b
            if not route.serves(ctx.legacy):  # an endpoint of another Notion-Version (our choice, MESSAGES.md)
                raise LocalAPIError(400, "invalid_request_url", "Invalid request URL.")
            check_path_id(route, params)
            payload = parse_body(method, body, route)
            self.store.begin()
            try:
                status, obj = route.handler(self, ctx, params, query, payload)
                self.store.commit()
            except BaseException:
                self.store.rollback()
                raise
            obj["request_id"] = rid
        except LocalAPIError as e:
            if isinstance(e, NotFoundError):
                bot = self.store.user_by_token(self.bot_token)
                e.for_integration(bot["name"], bot["id"])
            self._log(index, method, path, e.status, None, user_id, rid)
            return self._respond(e.status, e.body(rid), rid, e.headers)

        if rule is not None and rule.kind == "timeout":
            self._log(index, method, path, 0, "timeout:applied", user_id, rid)
            raise SimulatedTimeout(True, rule.delay_s)
        if rule is not None and rule.kind == "after_write":
            code, msg = STATUS_CODES[rule.status]
            extra = None
            if rule.status == 503 and ctx.committed:
                extra = {"retry_guidance": "check_state_before_retry", **ctx.committed}
            self._log(index, method, path, rule.status, f"after_write:{rule.status}", user_id, rid)
            return self._respond(
                rule.status, LocalAPIError(rule.status, code, msg, additional_data=extra).body(rid), rid
            )
        self._log(index, method, path, status, None, user_id, rid)
        return self._respond(status, obj, rid)

    def _rate_limited(self, rid: str, wait: int):
        wait = max(0, int(wait))
        err = LocalAPIError(
            429,
            "rate_limited",
            "You have been rate limited. Please try again in a few minutes.",
            additional_data={"rate_limit_reason": "public_api_request_rate_limit", "retry_after": str(wait)},
        )
        return self._respond(429, err.body(rid), rid, {"retry-after": str(wait)})

    def now(self) -> datetime:
        return self.clock.now().astimezone(timezone.utc)

    def iso(self, dt: datetime, *, exact: bool = False) -> str:
        dt = dt.astimezone(timezone.utc)
        g = 0 if exact else self.timestamp_granularity_s
        if g:
            ts = math.floor(dt.timestamp() / g) * g
            dt = datetime.fromtimestamp(ts, tz=timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    def _ensure_bot(self) -> None:
        if self.store.user_by_token(self.bot_token) is None:
            uid = new_id()
            self.store.put("users", uid, {"id": uid, "name": "Local bot", "type": "bot"}, token=self.bot_token)
        if self.store.meta_get("workspace_id") is None:
            self.store.meta_set("workspace_id", new_id())

    def stamp_new(self, ctx: Ctx) -> dict:
        t = self.iso(ctx.now)
        return {
            "created_time": t,
            "last_edited_time": t,
            "created_by": ctx.user["id"],
            "last_edited_by": ctx.user["id"],
        }

    def touch(self, data: dict, ctx: Ctx) -> None:
        data["last_edited_time"] = self.iso(ctx.now)
        data["last_edited_by"] = ctx.user["id"]
