"""The embedded local Notion workspace: Notion's REST surface over SQLite."""

from __future__ import annotations

import base64
import binascii
import email.parser
import email.policy
import json
import math
import mimetypes
import random
import re
import string
import threading
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable, Mapping
from urllib.parse import quote, unquote

from bot.clock import SYSTEM_CLOCK, Clock

from . import model as M
from .errors import (
    ARCHIVED_ANCESTOR,
    ARCHIVED_EDIT,
    NotionError,
    body_failed,
    not_defined,
    not_found,
    not_present,
    shown,
    too_long,
    validation,
)
from .faults import STATUS_CODES, FaultPlan, RateLimit, RequestRecord, SimulatedTimeout
from .store import Store

VERSIONS = ("2022-06-28", "2025-09-03", "2026-03-11")
NEW_VERSION = "2026-03-11"
MAX_BODY_BYTES = 500_000  # "500KB overall" (Request limits); decimal KB, the stricter reading
MAX_SINGLE_PART_BYTES = 20 * 1024 * 1024
UPLOAD_TTL = timedelta(hours=1)
FILE_URL_TTL = timedelta(hours=1)
JSON_HEADERS = {"content-type": "application/json; charset=utf-8"}

_UUID_HEX = re.compile(r"[0-9a-fA-F]{32}\Z")


def norm_id(raw: str) -> str | None:
    h = raw.replace("-", "")
    if not _UUID_HEX.match(h):
        return None
    h = h.lower()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def new_id() -> str:
    return str(uuid.uuid4())


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data, separators=(",", ":")).encode()).decode().rstrip("=")


def _unb64(token: str) -> dict | None:
    try:
        pad = "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(token + pad).decode())
        return data if isinstance(data, dict) else None
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None


@dataclass
class _Ctx:
    user: dict
    version: str
    request_id: str
    now: datetime
    committed: dict | None = None
    content_type: str = ""

    @property
    def new_api(self) -> bool:
        return self.version >= NEW_VERSION


class _Route:
    def __init__(self, method: str, pattern: str, handler: str) -> None:
        self.method = method
        self.regex = re.compile("^" + pattern + "$")
        self.handler = handler


ROUTES = [
    _Route("GET", r"/v1/users/me", "users_me"),
    _Route("GET", r"/v1/users", "users_list"),
    _Route("GET", r"/v1/users/(?P<id>[^/]+)", "users_get"),
    _Route("GET", r"/v1/databases/(?P<id>[^/]+)", "database_get"),
    _Route("GET", r"/v1/data_sources/(?P<id>[^/]+)", "data_source_get"),
    _Route("PATCH", r"/v1/data_sources/(?P<id>[^/]+)", "data_source_update"),
    _Route("POST", r"/v1/data_sources/(?P<id>[^/]+)/query", "data_source_query"),
    _Route("POST", r"/v1/pages", "page_create"),
    _Route("GET", r"/v1/pages/(?P<id>[^/]+)", "page_get"),
    _Route("PATCH", r"/v1/pages/(?P<id>[^/]+)", "page_update"),
    _Route("GET", r"/v1/blocks/(?P<id>[^/]+)", "block_get"),
    _Route("PATCH", r"/v1/blocks/(?P<id>[^/]+)", "block_update"),
    _Route("DELETE", r"/v1/blocks/(?P<id>[^/]+)", "block_delete"),
    _Route("GET", r"/v1/blocks/(?P<id>[^/]+)/children", "children_list"),
    _Route("PATCH", r"/v1/blocks/(?P<id>[^/]+)/children", "children_append"),
    _Route("POST", r"/v1/file_uploads", "upload_create"),
    _Route("GET", r"/v1/file_uploads/(?P<id>[^/]+)", "upload_get"),
    _Route("POST", r"/v1/file_uploads/(?P<id>[^/]+)/send", "upload_send"),
    _Route("POST", r"/v1/search", "search"),
]
WRITE_METHODS = ("POST", "PATCH", "DELETE")
ID_KINDS = {
    "users_get": "user_id", "database_get": "database_id", "data_source_get": "data_source_id",
    "data_source_update": "data_source_id", "data_source_query": "data_source_id",
    "page_get": "page_id", "page_update": "page_id", "block_get": "block_id", "block_update": "block_id",
    "block_delete": "block_id", "children_list": "block_id", "children_append": "block_id",
    "upload_get": "file_upload_id", "upload_send": "file_upload_id",
}


class LocalWorkspace:
    """A Notion-API-compatible store. See ``bot/local/README.md``."""

    def __init__(
        self,
        path: Path | str,
        *,
        clock: Clock | None = None,
        public_base_url: str = "http://127.0.0.1:8765",
        bot_token: str = "local-bot-token",
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
        self._store = Store(path)
        self._faults = FaultPlan()
        self._index = 0
        self.rate_limit: RateLimit | None = None
        self.request_log: list[RequestRecord] = []
        self._rng = random.Random()
        with self._lock:
            self._store.begin()
            self._ensure_bot()
            self._store.commit()

    # ------------------------------------------------------------ public helpers
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
        u = self._store.user_by_token(self.bot_token)
        assert u is not None
        return u["id"]

    def reset(self) -> None:
        with self._lock:
            self._store.begin()
            self._store.wipe()
            self._ensure_bot()
            self._store.commit()
            self.request_log.clear()
            self._index = 0
            if self.rate_limit is not None:
                self.rate_limit.reset()

    def close(self) -> None:
        with self._lock:
            self._store.close()

    def add_user(self, name: str, token: str, *, kind: str = "person") -> str:
        if kind not in ("person", "bot"):
            raise ValueError("kind must be 'person' or 'bot'")
        with self._lock:
            existing = self._store.user_by_token(token)
            if existing:
                return existing["id"]
            uid = new_id()
            data = {"id": uid, "name": name, "type": kind}
            if kind == "person":
                data["email"] = f"{re.sub(r'[^a-z0-9]+', '.', name.lower()).strip('.') or 'user'}@example.com"
            self._store.begin()
            self._store.put("users", uid, data, token=token)
            self._store.commit()
            return uid

    def ensure_database(self, title: str, properties: dict) -> tuple[str, str]:
        """Create (or find, by title) a database with one data source and this schema."""
        with self._lock:
            self._store.begin()
            try:
                ctx = _Ctx(self._store.user_by_token(self.bot_token), "2025-09-03", new_id(), self._now())
                db = self._store.database_by_title(title)
                if db is None:
                    out = self._create_database(ctx, title, properties)
                else:
                    ds = self._store.data_sources_of(db["id"])[0]
                    missing = {k: v for k, v in properties.items() if self._find_prop(ds, k) is None}
                    if missing:
                        for name, cfg in missing.items():
                            self._add_prop(ds, name, cfg, f"properties.{name}")
                        self._store.update_data("data_sources", ds["id"], ds)
                    out = (db["id"], ds["id"])
                self._store.commit()
                return out
            except BaseException:
                self._store.rollback()
                raise

    def file_bytes(self, upload_id: str) -> bytes | None:
        with self._lock:
            return self._store.file_content(upload_id)

    # ------------------------------------------------------------ dispatch
    def dispatch(
        self, method: str, path: str, query: dict[str, str], headers: Mapping[str, str], body: bytes
    ) -> tuple[int, dict[str, str], bytes]:
        with self._lock:
            return self._dispatch(method.upper(), path, dict(query or {}), {k.lower(): v for k, v in headers.items()}, body or b"")

    def _respond(self, status: int, obj: dict, rid: str, extra: dict | None = None) -> tuple[int, dict[str, str], bytes]:
        h = dict(JSON_HEADERS)
        h["x-notion-request-id"] = rid
        if extra:
            h.update(extra)
        return status, h, json.dumps(obj, ensure_ascii=False).encode()

    def _log(self, index: int, method: str, path: str, status: int, fault: str | None, user_id: str | None, rid: str) -> None:
        self.request_log.append(RequestRecord(index, method, path, status, fault, user_id, self._iso(self.clock.now(), exact=True), rid))

    def _dispatch(self, method: str, path: str, query: dict, headers: dict, body: bytes):
        if path.startswith("/files/"):
            return self._serve_file(path)
        index = self._index
        self._index += 1
        rid = new_id()
        rule = self._faults.match(index, method, path) if self._faults else None
        if rule is not None and (rule.kind in ("rate_limited", "status") or (rule.kind == "timeout" and not rule.apply)):
            if rule.kind == "timeout":
                self._log(index, method, path, 0, "timeout", None, rid)
                raise SimulatedTimeout(False, rule.delay_s)
            if rule.kind == "rate_limited":
                status, h, b = self._rate_limited(rid, rule.retry_after)
                self._log(index, method, path, status, "rate_limited", None, rid)
                return status, h, b
            code, msg = STATUS_CODES[rule.status]
            self._log(index, method, path, rule.status, f"status:{rule.status}", None, rid)
            return self._respond(rule.status, NotionError(rule.status, code, msg).body(rid), rid)

        user_id = None
        try:
            ctx = self._authenticate(headers, rid)
            ctx.content_type = headers.get("content-type", "")
            user_id = ctx.user["id"]
            if self.rate_limit is not None:
                wait = self.rate_limit.check(user_id, self.clock.monotonic())
                if wait is not None:
                    status, h, b = self._rate_limited(rid, wait)
                    self._log(index, method, path, status, "rate_limit", user_id, rid)
                    return status, h, b
            route, params = self._route(method, path)
            handler = getattr(self, "_h_" + route.handler)
            payload = self._parse_body(method, headers, body, route.handler)
            self._store.begin()
            try:
                status, obj = handler(ctx, params, query, payload)
                self._store.commit()
            except BaseException:
                self._store.rollback()
                raise
            obj["request_id"] = rid
        except NotionError as e:
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
            return self._respond(rule.status, NotionError(rule.status, code, msg, additional_data=extra).body(rid), rid)
        self._log(index, method, path, status, None, user_id, rid)
        return self._respond(status, obj, rid)

    def _rate_limited(self, rid: str, wait: int):
        wait = max(0, int(wait))
        err = NotionError(
            429, "rate_limited", "You have been rate limited. Please try again in a few minutes.",
            additional_data={"rate_limit_reason": "public_api_request_rate_limit", "retry_after": str(wait)},
        )
        return self._respond(429, err.body(rid), rid, {"retry-after": str(wait)})

    def _authenticate(self, headers: dict, rid: str) -> _Ctx:
        version = headers.get("notion-version")
        if not version:
            raise NotionError(400, "missing_version",
                              "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.")
        if version not in VERSIONS:
            raise NotionError(400, "validation_error",
                              f"Notion-Version header failed validation: Notion-Version header should be one of "
                              f"{', '.join(f'`{shown(v)}`' for v in VERSIONS)}, instead was `{shown(version)}`.")
        auth = headers.get("authorization", "")
        token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
        user = self._store.user_by_token(token) if token else None
        if user is None:
            raise NotionError(401, "unauthorized", "API token is invalid.")
        return _Ctx(user, version, rid, self._now())

    def _route(self, method: str, path: str) -> tuple[_Route, dict]:
        path = path.rstrip("/") if path != "/" else path
        for r in ROUTES:
            m = r.regex.match(path)
            if m and r.method == method:
                params = m.groupdict()
                if "id" in params:
                    raw = unquote(params["id"])
                    nid = norm_id(raw)
                    if nid is None:
                        raise validation(f"path failed validation: path.{ID_KINDS[r.handler]} should be a valid uuid, instead was `{shown(raw)}`.")
                    params["id"] = nid
                return r, params
        raise NotionError(400, "invalid_request_url", "Invalid request URL.")

    def _parse_body(self, method: str, headers: dict, body: bytes, handler: str) -> Any:
        if len(body) > MAX_BODY_BYTES:
            raise validation(f"Request body too large: {len(body)} bytes; the maximum request size is 500KB.")
        if handler == "upload_send":
            return body
        if method in ("GET", "DELETE") or not body.strip():
            return {}
        try:
            data = json.loads(body.decode("utf-8"))
        except (ValueError, UnicodeDecodeError):
            raise NotionError(400, "invalid_json", "Error parsing JSON body.")
        if not isinstance(data, dict):
            raise validation(f"body failed validation: body should be an object, instead was `{shown(data)}`.")
        return data

    # ------------------------------------------------------------ time, users
    def _now(self) -> datetime:
        return self.clock.now().astimezone(timezone.utc)

    def _iso(self, dt: datetime, *, exact: bool = False) -> str:
        dt = dt.astimezone(timezone.utc)
        g = 0 if exact else self.timestamp_granularity_s
        if g:
            ts = math.floor(dt.timestamp() / g) * g
            dt = datetime.fromtimestamp(ts, tz=timezone.utc)
        return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"

    def _ensure_bot(self) -> None:
        if self._store.user_by_token(self.bot_token) is None:
            uid = new_id()
            self._store.put("users", uid, {"id": uid, "name": "Local bot", "type": "bot"}, token=self.bot_token)
        if self._store.meta_get("workspace_id") is None:
            self._store.meta_set("workspace_id", new_id())

    def _user_obj(self, u: dict) -> dict:
        out = {"object": "user", "id": u["id"], "name": u["name"], "avatar_url": None, "type": u["type"]}
        if u["type"] == "bot":
            out["bot"] = {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": self.workspace_name,
                "workspace_id": self._store.meta_get("workspace_id"),
                "workspace_limits": {"max_file_upload_size_in_bytes": 5 * 1024 ** 3},
            }
        else:
            out["person"] = {"email": u.get("email")}
        return out

    @staticmethod
    def _uref(uid: str) -> dict:
        return {"object": "user", "id": uid}

    def _stamp_new(self, ctx: _Ctx) -> dict:
        t = self._iso(ctx.now)
        return {"created_time": t, "last_edited_time": t, "created_by": ctx.user["id"], "last_edited_by": ctx.user["id"]}

    def _touch(self, data: dict, ctx: _Ctx) -> None:
        data["last_edited_time"] = self._iso(ctx.now)
        data["last_edited_by"] = ctx.user["id"]

    def _trash_fields(self, ctx: _Ctx, in_trash: bool) -> dict:
        return {"in_trash": in_trash} if ctx.new_api else {"archived": in_trash, "in_trash": in_trash}

    # ------------------------------------------------------------ users
    def _h_users_me(self, ctx, params, query, body):
        return 200, self._user_obj(ctx.user)

    def _h_users_list(self, ctx, params, query, body):
        users = [self._user_obj(u) for u in self._store.users()]
        return 200, {"object": "list", "results": users, "next_cursor": None, "has_more": False, "type": "user", "user": {}}

    def _h_users_get(self, ctx, params, query, body):
        u = self._store.get("users", params["id"])
        if u is None:
            raise not_found("user", params["id"])
        return 200, self._user_obj(u)

    # ------------------------------------------------------------ databases & data sources
    def _create_database(self, ctx: _Ctx, title: str, properties: dict) -> tuple[str, str]:
        db_id, ds_id = new_id(), new_id()
        title_rt = M.rich_text([{"type": "text", "text": {"content": title}}], "title")
        db = {"id": db_id, "title": title_rt, "description": [], "icon": None, "cover": None, "in_trash": False, **self._stamp_new(ctx)}
        ds = {"id": ds_id, "database_id": db_id, "title": title_rt, "description": [], "props": {}, "order": [],
              "in_trash": False, "color_seq": 0, **self._stamp_new(ctx)}
        for name, cfg in properties.items():
            self._add_prop(ds, name, cfg, f"properties.{name}")
        if not any(p["type"] == "title" for p in ds["props"].values()):
            self._add_prop(ds, "Name", {"title": {}}, "properties.Name")
        self._store.put("databases", db_id, db, title=title)
        self._store.put("data_sources", ds_id, ds, database_id=db_id)
        return db_id, ds_id

    def _new_prop_id(self, ds: dict) -> str:
        alphabet = string.ascii_letters + string.digits + "!#$&;=?@[]^_`{|}~"
        while True:
            pid = quote("".join(self._rng.choice(alphabet) for _ in range(4)), safe="")
            if pid not in ds["props"] and pid != "title":
                return pid

    def _next_color(self, ds: dict) -> str:
        c = M.OPTION_COLORS[1 + ds.get("color_seq", 0) % (len(M.OPTION_COLORS) - 1)]
        ds["color_seq"] = ds.get("color_seq", 0) + 1
        return c

    def _options(self, ds: dict, raw: Any, path: str, existing: list | None = None) -> list[dict]:
        raw = M.check_array(raw, path, max_items=10_000)
        out = []
        by_name = {o["name"]: o for o in (existing or [])}
        for i, o in enumerate(raw):
            M.check_obj(o, f"{path}[{i}]")
            name = M.check_option_name(o.get("name"), f"{path}[{i}].name")
            color = o.get("color")
            if color is not None:
                M.check_color(color, f"{path}[{i}].color", M.OPTION_COLORS)
            prev = by_name.get(name)
            out.append({"id": prev["id"] if prev else new_id(), "name": name,
                        "color": color or (prev["color"] if prev else self._next_color(ds)),
                        "description": o.get("description")})
        return out

    def _prop_config(self, ds: dict, kind: str, cfg: Any, path: str, existing: dict | None) -> dict:
        cfg = {} if cfg is None else M.check_obj(cfg, f"{path}.{kind}")
        if kind in ("select", "multi_select"):
            return {"options": self._options(ds, cfg.get("options", []), f"{path}.{kind}.options",
                                             (existing or {}).get("options"))}
        if kind == "status":
            if "options" in cfg:
                opts = self._options(ds, cfg["options"], f"{path}.status.options", (existing or {}).get("options"))
            elif existing:
                return existing
            else:
                opts = [{"id": new_id(), "name": n, "color": c, "description": None} for n, c, _ in M.STATUS_DEFAULT_OPTIONS]
            groups = []
            for gname, gcolor, gid in (("To-do", "gray", "to_do"), ("In progress", "blue", "in_progress"), ("Complete", "green", "complete")):
                members = [o["id"] for o, (_, _, g) in zip(opts, M.STATUS_DEFAULT_OPTIONS + [("", "", "to_do")] * len(opts)) if g == gid]
                groups.append({"id": new_id(), "name": gname, "color": gcolor, "option_ids": members})
            return {"options": opts, "groups": groups}
        if kind == "number":
            fmt = cfg.get("format", "number")
            if fmt not in M.NUMBER_FORMATS:
                raise body_failed(f"{path}.number.format", "should be a supported number format", fmt)
            return {"format": fmt}
        if kind == "relation":
            return dict(cfg)
        if kind == "formula":
            return {"expression": cfg.get("expression", "")}
        if kind == "unique_id":
            return {"prefix": cfg.get("prefix")}
        return {}

    def _add_prop(self, ds: dict, name: str, cfg: Any, path: str) -> None:
        cfg = M.check_obj(cfg, path)
        kind = M.property_type_of(cfg, path)
        if kind == "title" and any(p["type"] == "title" for p in ds["props"].values()):
            raise validation("Cannot create new title property. A data source can only have one title property.")
        pid = "title" if kind == "title" else self._new_prop_id(ds)
        prop = {"id": pid, "name": cfg.get("name", name), "type": kind, "config": self._prop_config(ds, kind, cfg.get(kind), path, None)}
        ds["props"][pid] = prop
        ds["order"].append(pid)

    def _find_prop(self, ds: dict, key: str) -> dict | None:
        if key in ds["props"]:
            return ds["props"][key]
        for p in ds["props"].values():
            if p["name"] == key:
                return p
        dec = unquote(key)
        for p in ds["props"].values():
            if unquote(p["id"]) == dec:
                return p
        return None

    def _render_schema(self, ds: dict) -> dict:
        out = {}
        for pid in ds["order"]:
            p = ds["props"][pid]
            cfg = p["config"]
            if p["type"] in ("select", "multi_select", "status"):
                cfg = dict(cfg)
                cfg["options"] = [dict(o) for o in cfg["options"]]
            out[p["name"]] = {"id": p["id"], "name": p["name"], "type": p["type"], p["type"]: cfg}
        return out

    def _get_ds(self, ds_id: str) -> dict:
        ds = self._store.get("data_sources", ds_id)
        if ds is None:
            raise not_found("data_source", ds_id)
        return ds

    def _render_database(self, ctx: _Ctx, db: dict) -> dict:
        sources = self._store.data_sources_of(db["id"])
        out = {
            "object": "database", "id": db["id"],
            "title": db["title"], "description": db["description"], "icon": db["icon"], "cover": db["cover"],
            "parent": {"type": "workspace", "workspace": True}, "is_inline": False,
            **self._trash_fields(ctx, db["in_trash"]), "is_locked": False,
            "created_time": db["created_time"], "last_edited_time": db["last_edited_time"],
            "created_by": self._uref(db["created_by"]), "last_edited_by": self._uref(db["last_edited_by"]),
            "data_sources": [{"id": s["id"], "name": M.plain_text(s["title"])} for s in sources],
            "url": f"{self.public_base_url}/{db['id'].replace('-', '')}", "public_url": None,
        }
        return out

    def _render_ds(self, ctx: _Ctx, ds: dict) -> dict:
        return {
            "object": "data_source", "id": ds["id"],
            "created_time": ds["created_time"], "last_edited_time": ds["last_edited_time"],
            "created_by": self._uref(ds["created_by"]), "last_edited_by": self._uref(ds["last_edited_by"]),
            "properties": self._render_schema(ds),
            "parent": {"type": "database_id", "database_id": ds["database_id"]},
            "database_parent": {"type": "workspace", "workspace": True},
            "is_inline": False, **self._trash_fields(ctx, ds["in_trash"]),
            "icon": None, "cover": None, "title": ds["title"], "description": ds["description"],
            "url": f"{self.public_base_url}/{ds['database_id'].replace('-', '')}", "public_url": None,
        }

    def _h_database_get(self, ctx, params, query, body):
        db = self._store.get("databases", params["id"])
        if db is None:
            raise not_found("database", params["id"])
        return 200, self._render_database(ctx, db)

    def _h_data_source_get(self, ctx, params, query, body):
        return 200, self._render_ds(ctx, self._get_ds(params["id"]))

    def _h_data_source_update(self, ctx, params, query, body):
        ds = self._get_ds(params["id"])
        for k in body:
            if k not in ("properties", "title", "description", "icon", "in_trash", "archived", "parent"):
                raise not_present(f"body.{k}", body[k])
        if "title" in body:
            ds["title"] = M.rich_text(body["title"], "body.title")
        if "description" in body:
            ds["description"] = M.rich_text(body["description"], "body.description")
        props = body.get("properties")
        if props is not None:
            M.check_obj(props, "body.properties")
            for key, cfg in props.items():
                path = f"body.properties.{key}"
                prop = self._find_prop(ds, key)
                if cfg is None:
                    if prop is None:
                        raise validation(f"{key} is not a property that exists.")
                    if prop["type"] == "title":
                        raise validation("Cannot delete the title property.")
                    del ds["props"][prop["id"]]
                    ds["order"].remove(prop["id"])
                    continue
                M.check_obj(cfg, path)
                if prop is None:
                    self._add_prop(ds, key, cfg, path)
                    continue
                if "name" in cfg:
                    new_name = M.check_str(cfg["name"], f"{path}.name")
                    clash = self._find_prop(ds, new_name)
                    if clash is not None and clash is not prop and clash["name"] == new_name:
                        raise validation(f"Cannot update property name to {new_name}: a property with that name already exists.")
                    prop["name"] = new_name
                kinds = [k for k in cfg if k in M.PROPERTY_TYPES]
                if kinds:
                    kind = kinds[0]
                    if prop["type"] == "title" and kind != "title":
                        raise validation("Cannot change the type of the title property.")
                    if kind == "title" and prop["type"] != "title":
                        raise validation("Cannot create new title property. A data source can only have one title property.")
                    existing = prop["config"] if kind == prop["type"] else None
                    prop["config"] = self._prop_config(ds, kind, cfg[kind], path, existing)
                    prop["type"] = kind
        self._touch(ds, ctx)
        self._store.update_data("data_sources", ds["id"], ds)
        return 200, self._render_ds(ctx, ds)

    # ------------------------------------------------------------ page properties
    def _prop_value(self, ctx: _Ctx, ds: dict, prop: dict, value: Any, path: str, label: str) -> Any:
        kind = prop["type"]
        if not isinstance(value, dict):
            raise body_failed(path, "should be an object", value)
        keys = [k for k in value if k in M.PROPERTY_TYPES]
        vtype = value.get("type") or (keys[0] if len(keys) == 1 else None)
        if vtype is not None and vtype != kind:
            raise validation(f"{label} is expected to be {kind}.")
        if kind not in M.WRITABLE_TYPES:
            raise validation(f"{label} is a {kind} property and cannot be set through the API.")
        if kind not in value:
            raise not_defined(f"{path}.{kind}")
        for k in value:
            if k not in (kind, "type", "id", "name"):
                raise not_present(f"{path}.{k}", value[k])
        v = value[kind]
        p = f"{path}.{kind}"
        if kind in ("title", "rich_text"):
            return M.rich_text(v, p, self._mention_resolver(ctx))
        if kind == "number":
            if v is not None and (not isinstance(v, (int, float)) or isinstance(v, bool) or not math.isfinite(v)):
                raise body_failed(p, "should be a number or `null`", v)
            return v
        if kind in ("select", "status"):
            if v is None:
                return None
            M.check_obj(v, p)
            return self._option_for(ds, prop, v, p, create=(kind == "select"))
        if kind == "multi_select":
            M.check_array(v, p)
            ids = []
            for i, item in enumerate(v):
                oid = self._option_for(ds, prop, M.check_obj(item, f"{p}[{i}]"), f"{p}[{i}]", create=True)
                if oid not in ids:
                    ids.append(oid)
            return ids
        if kind == "date":
            return M.normalize_date(v, p)
        if kind in ("url", "email", "phone_number"):
            if v is None:
                return None
            v = M.check_str(v, p)
            limit = M.MAX_URL if kind == "url" else M.MAX_EMAIL
            if M.utf16_len(v) > limit:
                raise too_long(p, limit, M.utf16_len(v))
            return v or None
        if kind == "checkbox":
            return M.check_bool(v, p)
        if kind == "people":
            M.check_array(v, p)
            out = []
            for i, u in enumerate(v):
                uid = norm_id(M.check_str(M.check_obj(u, f"{p}[{i}]").get("id"), f"{p}[{i}].id"))
                if uid is None or self._store.get("users", uid) is None:
                    raise validation(f"body failed validation: {p}[{i}].id should be the id of a user in this workspace.")
                out.append(uid)
            return out
        if kind == "relation":
            M.check_array(v, p)
            out = []
            for i, r in enumerate(v):
                rid = norm_id(M.check_str(M.check_obj(r, f"{p}[{i}]").get("id"), f"{p}[{i}].id"))
                if rid is None or self._store.get("pages", rid) is None:
                    raise not_found("page", str(r.get("id")))
                out.append(rid)
            return out
        if kind == "files":
            M.check_array(v, p)
            out = []
            for i, f in enumerate(v):
                M.check_obj(f, f"{p}[{i}]")
                name = f.get("name")
                if "external" in f:
                    ref = {"type": "external", "external": {"url": M.check_str(f["external"].get("url"), f"{p}[{i}].external.url")}}
                elif "file_upload" in f:
                    ref = self._attach_upload(f["file_upload"], f"{p}[{i}].file_upload")
                    name = name or ref.pop("_filename", None)
                    ref.pop("_filename", None)
                else:
                    raise not_defined(f"{p}[{i}].external")
                out.append({"name": name or "file", **ref})
            return out
        raise validation(f"{label} cannot be set.")  # pragma: no cover

    def _option_for(self, ds: dict, prop: dict, v: dict, path: str, *, create: bool) -> str:
        opts = prop["config"].setdefault("options", [])
        if "id" in v and v["id"] is not None:
            for o in opts:
                if o["id"] == v["id"]:
                    return o["id"]
            raise validation(f"body failed validation: {path}.id does not match an option of property {prop['name']}, instead was `{shown(v['id'])}`.")
        if "name" not in v:
            raise not_defined(f"{path}.name")
        name = M.check_option_name(v["name"], f"{path}.name")
        for o in opts:
            if o["name"] == name:
                return o["id"]
        if not create:
            raise validation(f"Invalid status option. Status option \"{name}\" does not exist\".")
        if v.get("color") is not None:
            M.check_color(v["color"], f"{path}.color", M.OPTION_COLORS)
        o = {"id": new_id(), "name": name, "color": v.get("color") or self._next_color(ds), "description": None}
        opts.append(o)
        ds["_dirty"] = True
        return o["id"]

    def _set_properties(self, ctx: _Ctx, ds: dict, page: dict, props: Any) -> None:
        M.check_obj(props, "body.properties")
        for key, value in props.items():
            prop = self._find_prop(ds, key)
            if prop is None:
                raise validation(f"{key} is not a property that exists.")
            page["props"][prop["id"]] = self._prop_value(ctx, ds, prop, value, f"body.properties.{key}", key)
        if ds.pop("_dirty", False):
            self._store.update_data("data_sources", ds["id"], ds)

    def _render_prop(self, ds: dict, prop: dict, page: dict) -> dict:
        kind, pid = prop["type"], prop["id"]
        v = page["props"].get(pid)
        if kind in ("title", "rich_text", "multi_select", "people", "relation", "files") and v is None:
            v = []
        if kind in ("select", "status"):
            o = next((o for o in prop["config"].get("options", []) if o["id"] == v), None)
            v = {"id": o["id"], "name": o["name"], "color": o["color"]} if o else None
        elif kind == "multi_select":
            byid = {o["id"]: o for o in prop["config"].get("options", [])}
            v = [{"id": byid[i]["id"], "name": byid[i]["name"], "color": byid[i]["color"]} for i in v if i in byid]
        elif kind == "checkbox":
            v = bool(v)
        elif kind == "people":
            v = [self._uref(u) for u in v]
        elif kind == "relation":
            return {"id": pid, "type": "relation", "relation": [{"id": r} for r in v], "has_more": False}
        elif kind == "created_time":
            v = page["created_time"]
        elif kind == "last_edited_time":
            v = page["last_edited_time"]
        elif kind == "created_by":
            v = self._uref(page["created_by"])
        elif kind == "last_edited_by":
            v = self._uref(page["last_edited_by"])
        elif kind == "formula":
            v = {"type": "string", "string": None}
        elif kind == "rollup":
            v = {"type": "array", "array": [], "function": "show_original"}
        elif kind == "unique_id":
            v = {"prefix": prop["config"].get("prefix"), "number": page.get("seq")}
        elif kind == "files":
            v = [self._render_file_ref(f) for f in v]
        return {"id": pid, "type": kind, kind: v}

    # ------------------------------------------------------------ pages
    def _get_page(self, page_id: str) -> dict:
        p = self._store.get("pages", page_id)
        if p is None:
            raise not_found("page", page_id)
        return p

    def _page_url(self, page_id: str) -> str:
        return f"{self.public_base_url}/p/{page_id.replace('-', '')}"

    def _render_page(self, ctx: _Ctx, page: dict) -> dict:
        ds = self._store.get("data_sources", page["data_source_id"])
        props = {}
        for pid in ds["order"]:
            prop = ds["props"][pid]
            props[prop["name"]] = self._render_prop(ds, prop, page)
        return {
            "object": "page", "id": page["id"],
            "created_time": page["created_time"], "last_edited_time": page["last_edited_time"],
            "created_by": self._uref(page["created_by"]), "last_edited_by": self._uref(page["last_edited_by"]),
            "cover": self._render_icon(page.get("cover")), "icon": self._render_icon(page.get("icon")),
            "parent": {"type": "data_source_id", "data_source_id": ds["id"], "database_id": ds["database_id"]},
            **self._trash_fields(ctx, page["in_trash"]), "is_archived": False, "is_locked": page.get("is_locked", False),
            "properties": props, "url": self._page_url(page["id"]), "public_url": None,
        }

    def _page_title(self, page: dict) -> str:
        return M.plain_text(page["props"].get("title") or [])

    def _h_page_create(self, ctx, params, query, body):
        for k in body:
            if k not in ("parent", "properties", "icon", "cover", "children", "content", "position", "template"):
                raise not_present(f"body.{k}", body[k])
        if "parent" not in body:
            raise not_defined("body.parent")
        parent = M.check_obj(body["parent"], "body.parent")
        ds_id = None
        if parent.get("data_source_id") is not None or parent.get("type") == "data_source_id":
            ds_id = norm_id(str(parent.get("data_source_id")))
            if ds_id is None:
                raise body_failed("body.parent.data_source_id", "should be a valid uuid", parent.get("data_source_id"))
            ds = self._get_ds(ds_id)
        elif parent.get("database_id") is not None or parent.get("type") == "database_id":
            db_id = norm_id(str(parent.get("database_id")))
            if db_id is None:
                raise body_failed("body.parent.database_id", "should be a valid uuid", parent.get("database_id"))
            if self._store.get("databases", db_id) is None:
                raise not_found("database", db_id)
            sources = self._store.data_sources_of(db_id)
            if len(sources) != 1:
                raise validation("Databases with multiple data sources are not supported in this API version.")
            ds = sources[0]
        elif "page_id" in parent or "workspace" in parent:
            raise validation("The local workspace only supports pages whose parent is a data source or database.")
        else:
            raise not_defined("body.parent.data_source_id")
        if ds.get("in_trash"):
            raise validation(ARCHIVED_EDIT)
        children = body.get("children", body.get("content"))
        if "children" in body and "content" in body:
            raise validation("body failed validation: body.children should be not present when body.content is provided.")
        if children is not None:
            self._check_children_request(children, "body.children")
        page_id = new_id()
        page = {"id": page_id, "data_source_id": ds["id"], "props": {}, "icon": None, "cover": None,
                "in_trash": False, "is_locked": False, "seq": self._store.next_seq("pages"), **self._stamp_new(ctx)}
        if body.get("properties") is not None:
            self._set_properties(ctx, ds, page, body["properties"])
        if "icon" in body:
            page["icon"] = M.icon(body["icon"], "body.icon", lambda r, p: self._attach_upload(r, p))
        if "cover" in body:
            page["cover"] = M.icon(body["cover"], "body.cover", lambda r, p: self._attach_upload(r, p)) if body["cover"] is not None else None
        self._store.put("pages", page_id, page, data_source_id=ds["id"], seq=page["seq"], in_trash=0)
        if children:
            self._insert_children(ctx, page_id, page_id, None, children, "body.children", 1, {"type": "end"})
        ctx.committed = {"committed_resource_id": page_id}
        return 200, self._render_page(ctx, page)

    def _h_page_get(self, ctx, params, query, body):
        return 200, self._render_page(ctx, self._get_page(params["id"]))

    def _trash_flag(self, ctx: _Ctx, body: dict) -> bool | None:
        flag = None
        if "archived" in body:
            if ctx.new_api:
                raise not_present("body.archived", body["archived"])
            flag = M.check_bool(body["archived"], "body.archived")
        if "in_trash" in body:
            t = M.check_bool(body["in_trash"], "body.in_trash")
            if flag is not None and flag != t:
                raise validation("body failed validation: body.archived and body.in_trash must match when both are provided.")
            flag = t
        return flag

    def _h_page_update(self, ctx, params, query, body):
        page = self._get_page(params["id"])
        for k in body:
            if k not in ("properties", "icon", "cover", "in_trash", "archived", "is_locked", "is_archived", "erase_content", "template"):
                raise not_present(f"body.{k}", body[k])
        flag = self._trash_flag(ctx, body)
        edits = [k for k in body if k not in ("in_trash", "archived")]
        if page["in_trash"] and flag is not False and edits:
            raise validation(ARCHIVED_EDIT)
        ds = self._store.get("data_sources", page["data_source_id"])
        if flag is not None:
            page["in_trash"] = flag
        if body.get("properties") is not None:
            self._set_properties(ctx, ds, page, body["properties"])
        if "icon" in body:
            page["icon"] = M.icon(body["icon"], "body.icon", lambda r, p: self._attach_upload(r, p))
        if "cover" in body:
            page["cover"] = M.icon(body["cover"], "body.cover", lambda r, p: self._attach_upload(r, p)) if body["cover"] is not None else None
        if "is_locked" in body:
            page["is_locked"] = M.check_bool(body["is_locked"], "body.is_locked")
        if body.get("erase_content"):
            for child, _ in self._store.children(page["id"]):
                self._store.set_block_trash(child["id"], True)
        self._touch(page, ctx)
        self._store.put("pages", page["id"], page, data_source_id=page["data_source_id"], seq=page["seq"], in_trash=int(page["in_trash"]))
        ctx.committed = {"committed_resource_id": page["id"]}
        return 200, self._render_page(ctx, page)

    def _render_icon(self, ic: dict | None) -> dict | None:
        if ic and ic.get("type") == "file":
            return self._render_file_ref(ic)
        return ic

    # ------------------------------------------------------------ file uploads
    def _upload_status(self, up: dict) -> str:
        if up["status"] in ("pending", "uploaded") and not up.get("attached"):
            if self._now() > datetime.fromisoformat(up["expiry_time"].replace("Z", "+00:00")):
                return "expired"
        return up["status"]

    def _render_upload(self, ctx: _Ctx, up: dict) -> dict:
        status = self._upload_status(up)
        out = {
            "object": "file_upload", "id": up["id"],
            "created_time": up["created_time"], "created_by": {"id": up["created_by"], "type": "bot"},
            "last_edited_time": up["last_edited_time"], **self._trash_fields(ctx, False),
            "expiry_time": None if up.get("attached") else up["expiry_time"],
            "status": status, "filename": up.get("filename"), "content_type": up.get("content_type"),
            "content_length": up.get("content_length"),
        }
        if status == "pending":
            out["upload_url"] = f"{self.public_base_url}/v1/file_uploads/{up['id']}/send"
        return out

    def _h_upload_create(self, ctx, params, query, body):
        for k in body:
            if k not in ("mode", "filename", "content_type", "number_of_parts", "external_url"):
                raise not_present(f"body.{k}", body[k])
        mode = body.get("mode", "single_part")
        if mode not in ("single_part", "multi_part", "external_url"):
            raise body_failed("body.mode", 'should be `"single_part"`, `"multi_part"`, or `"external_url"`', mode)
        if mode != "single_part":
            raise validation(f"The local workspace only supports single_part file uploads (mode `{mode}`).")
        filename = body.get("filename")
        if filename is not None:
            M.check_str(filename, "body.filename")
            if len(filename.encode()) > 900:
                raise too_long("body.filename", 900, len(filename.encode()))
        ct = body.get("content_type")
        if ct is not None:
            M.check_str(ct, "body.content_type")
        up_id = new_id()
        stamp = self._stamp_new(ctx)
        up = {"id": up_id, "status": "pending", "filename": filename, "content_type": ct, "content_length": None,
              "expiry_time": self._iso(ctx.now + UPLOAD_TTL, exact=True), "attached": False, **stamp}
        self._store.put("file_uploads", up_id, up)
        ctx.committed = {"committed_resource_id": up_id}
        return 200, self._render_upload(ctx, up)

    def _get_upload(self, up_id: str) -> dict:
        up = self._store.get("file_uploads", up_id)
        if up is None:
            raise not_found("file_upload", up_id)
        return up

    def _h_upload_get(self, ctx, params, query, body):
        return 200, self._render_upload(ctx, self._get_upload(params["id"]))

    def _h_upload_send(self, ctx, params, query, raw: bytes):
        up = self._get_upload(params["id"])
        status = self._upload_status(up)
        if status != "pending":
            raise validation(f"File upload {up['id']} is in status `{status}`; only pending uploads can receive data.")
        ctype = ctx.content_type
        if not ctype.lower().startswith("multipart/form-data"):
            raise validation("The request must be sent as multipart/form-data with a `file` field.")
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
            b"Content-Type: " + ctype.encode("latin-1") + b"\r\nMIME-Version: 1.0\r\n\r\n" + raw)
        part = None
        for p in msg.iter_parts() if msg.is_multipart() else []:
            if p.get_param("name", header="content-disposition") == "file":
                part = p
                break
        if part is None:
            raise validation("body failed validation: body.file should be defined, instead was `undefined`.")
        data = part.get_payload(decode=True) or b""
        if len(data) > MAX_SINGLE_PART_BYTES:
            raise validation("The file exceeds the 20MB limit for single-part uploads; use multi_part mode.")
        fname = up.get("filename") or part.get_filename() or "file"
        ct = up.get("content_type") or part.get_content_type() or mimetypes.guess_type(fname)[0] or "application/octet-stream"
        up.update({"status": "uploaded", "filename": fname, "content_type": ct, "content_length": len(data)})
        self._touch(up, ctx)
        self._store.update_data("file_uploads", up["id"], up)
        self._store.set_file_content(up["id"], data)
        ctx.committed = {"committed_resource_id": up["id"]}
        return 200, self._render_upload(ctx, up)

    def _attach_upload(self, ref: dict, path: str) -> dict:
        ref = M.check_obj(ref, path)
        raw = M.check_str(ref.get("id"), f"{path}.id")
        up_id = norm_id(raw)
        up = self._store.get("file_uploads", up_id) if up_id else None
        if up is None:
            raise validation(f"Could not find file upload with ID: {raw}.")
        status = self._upload_status(up)
        if status != "uploaded":
            raise validation(f"File upload {up['id']} is in status `{status}`; it must be `uploaded` before it can be attached.")
        if not up.get("attached"):
            up["attached"] = True
            self._store.update_data("file_uploads", up["id"], up)
        return {"type": "file", "file": {"url": self._file_url(up), "file_upload_id": up["id"]}, "_filename": up["filename"]}

    def _file_url(self, up: dict) -> str:
        return f"{self.public_base_url}/files/{up['id']}/{quote(up['filename'] or 'file')}"

    def _render_file_ref(self, ref: dict) -> dict:
        if ref.get("type") != "file":
            return ref
        out = {k: v for k, v in ref.items() if k != "file"}
        expiry = self._iso(self._now() + FILE_URL_TTL, exact=True)
        out["file"] = {"url": ref["file"]["url"], "expiry_time": expiry}
        return out

    def _serve_file(self, path: str):
        parts = path.split("/")
        up_id = norm_id(parts[2]) if len(parts) > 2 else None
        content = self._store.file_content(up_id) if up_id else None
        up = self._store.get("file_uploads", up_id) if up_id else None
        if content is None or up is None:
            return 404, {"content-type": "text/plain"}, b"Not found"
        return 200, {"content-type": up.get("content_type") or "application/octet-stream",
                     "content-length": str(len(content))}, content

    # ------------------------------------------------------------ mentions
    def _mention_resolver(self, ctx: _Ctx):
        def resolve(m: dict, path: str):
            kind = m.get("type") or next((k for k in ("user", "page", "database", "date", "link_preview", "template_mention", "custom_emoji") if k in m), None)
            if kind == "page":
                pid = norm_id(str(M.check_obj(m.get("page"), f"{path}.page").get("id")))
                page = self._store.get("pages", pid) if pid else None
                if page is None:
                    raise not_found("page", str(m["page"].get("id")))
                return {"type": "page", "page": {"id": pid}}, self._page_title(page) or "Untitled", self._page_url(pid)
            if kind == "database":
                did = norm_id(str(M.check_obj(m.get("database"), f"{path}.database").get("id")))
                db = self._store.get("databases", did) if did else None
                if db is None:
                    raise not_found("database", str(m["database"].get("id")))
                return {"type": "database", "database": {"id": did}}, M.plain_text(db["title"]), f"{self.public_base_url}/{did.replace('-', '')}"
            if kind == "user":
                uid = norm_id(str(M.check_obj(m.get("user"), f"{path}.user").get("id")))
                u = self._store.get("users", uid) if uid else None
                if u is None:
                    raise not_found("user", str(m["user"].get("id")))
                return {"type": "user", "user": self._uref(uid)}, "@" + u["name"], None
            if kind == "date":
                d = M.normalize_date(m.get("date"), f"{path}.date")
                return {"type": "date", "date": d}, d["start"] + (f" → {d['end']}" if d["end"] else ""), None
            if kind == "link_preview":
                raise validation(f"body failed validation: {path}.link_preview should be not present: link preview mentions cannot be created.")
            if kind in ("template_mention", "custom_emoji"):
                return {"type": kind, kind: m.get(kind)}, "", None
            raise body_failed(f"{path}.type", "should be a supported mention type", kind)
        return resolve

    # ------------------------------------------------------------ blocks
    def _check_children_request(self, children: Any, path: str) -> None:
        M.check_array(children, path)
        n = M.count_blocks(children)
        if n > M.MAX_BLOCKS_PER_REQUEST:
            raise validation(f"body failed validation: the request contains {n} blocks; payloads have a maximum size of 1000 block elements.")

    def _block_ctx(self, ctx: _Ctx) -> M.BlockContext:
        ws = self

        class _C(M.BlockContext):
            def file_ref(self, ref, path, *, for_block):
                return ws._attach_upload(ref, path)

            def mention(self, m, path):
                return ws._mention_resolver(ctx)(m, path)

        return _C()

    def _insert_children(self, ctx: _Ctx, parent_id: str, page_id: str, parent_block: dict | None,
                         children: list, path: str, depth: int, position: dict) -> list[str]:
        bctx = self._block_ctx(ctx)
        n = len(children)
        lo, hi = self._store.pos_bounds(parent_id)
        kind = position.get("type")
        if kind == "start":
            base = (lo if lo is not None else 0) - n
        elif kind == "after_block":
            after_id = position["after_block"]["id"]
            row = self._store.block_row(after_id)
            if row is None or row[1] != parent_id or row[4]:
                raise validation(f"body failed validation: the block {after_id} to insert after is not a child of {parent_id}.")
            self._store.shift_after(parent_id, row[3], n)
            base = row[3] + 1
        else:
            base = (hi + 1) if hi is not None else 0
        width = parent_block["payload"]["table_width"] if parent_block and parent_block["type"] == "table" else None
        ids = []
        for i, req in enumerate(children):
            p = f"{path}[{i}]"
            btype, payload, grand = M.normalize_block(req, p, depth, bctx, parent_table_width=width)
            if width is not None and btype != "table_row":
                raise validation(f"body failed validation: {p} should be a table_row block: tables can only contain table rows.")
            if btype == "table_row" and width is None:
                raise validation(f"body failed validation: {p}: table_row blocks can only be children of a table block.")
            if btype == "table":
                for j, row in enumerate(grand):
                    _, rp, _ = M.normalize_block(row, f"{p}.table.children[{j}]", depth + 1, bctx, parent_table_width=payload["table_width"])
            bid = new_id()
            data = {"id": bid, "type": btype, "payload": payload,
                    "parent": {"type": "page_id", "page_id": parent_id} if parent_id == page_id else {"type": "block_id", "block_id": parent_id},
                    **self._stamp_new(ctx)}
            self._store.put_block(data, parent_id, page_id, base + i)
            if grand:
                self._insert_children(ctx, bid, page_id, data, grand, f"{p}.{btype}.children", depth + 1, {"type": "end"})
            ids.append(bid)
        return ids

    def _render_block(self, ctx: _Ctx, data: dict, has_children: bool, in_trash: bool) -> dict:
        payload = data["payload"]
        if data["type"] in M.MEDIA and payload.get("type") == "file":
            payload = self._render_file_ref(payload)
        if data["type"] == "callout" and payload.get("icon", {}) and payload["icon"].get("type") == "file":
            payload = dict(payload, icon=self._render_file_ref(payload["icon"]))
        return {
            "object": "block", "id": data["id"], "parent": data["parent"],
            "created_time": data["created_time"], "last_edited_time": data["last_edited_time"],
            "created_by": self._uref(data["created_by"]), "last_edited_by": self._uref(data["last_edited_by"]),
            "has_children": has_children, **self._trash_fields(ctx, in_trash),
            "type": data["type"], data["type"]: payload,
        }

    def _page_as_block(self, ctx: _Ctx, page: dict) -> dict:
        ds = self._store.get("data_sources", page["data_source_id"])
        return {
            "object": "block", "id": page["id"],
            "parent": {"type": "database_id", "database_id": ds["database_id"]},
            "created_time": page["created_time"], "last_edited_time": page["last_edited_time"],
            "created_by": self._uref(page["created_by"]), "last_edited_by": self._uref(page["last_edited_by"]),
            "has_children": self._store.has_children(page["id"]), **self._trash_fields(ctx, page["in_trash"]),
            "type": "child_page", "child_page": {"title": self._page_title(page)},
        }

    def _ancestor_trashed(self, parent_id: str, page_id: str) -> bool:
        cur = parent_id
        seen = 0
        while cur != page_id and seen < 10_000:
            row = self._store.block_row(cur)
            if row is None:
                break
            if row[4]:
                return True
            cur = row[1]
            seen += 1
        page = self._store.get("pages", page_id)
        return bool(page and page["in_trash"])

    def _touch_page(self, ctx: _Ctx, page_id: str) -> None:
        page = self._store.get("pages", page_id)
        if page is not None:
            self._touch(page, ctx)
            self._store.update_data("pages", page_id, page)

    def _resolve_container(self, block_id: str) -> tuple[str, dict | None, bool]:
        """Return (page_id, block data or None for a page, trashed-or-ancestor-trashed)."""
        page = self._store.get("pages", block_id)
        if page is not None:
            return page["id"], None, bool(page["in_trash"])
        row = self._store.block_row(block_id)
        if row is None:
            raise not_found("block", block_id)
        data, parent_id, page_id, _, trashed = row
        return page_id, data, trashed or self._ancestor_trashed(parent_id, page_id)

    def _h_block_get(self, ctx, params, query, body):
        page = self._store.get("pages", params["id"])
        if page is not None:
            return 200, self._page_as_block(ctx, page)
        row = self._store.block_row(params["id"])
        if row is None:
            raise not_found("block", params["id"])
        data, _, _, _, trashed = row
        return 200, self._render_block(ctx, data, self._store.has_children(data["id"]), trashed)

    def _h_block_update(self, ctx, params, query, body):
        if self._store.get("pages", params["id"]) is not None:
            if any(k not in ("in_trash", "archived") for k in body):
                raise validation("body failed validation: child_page blocks can only be updated with the Update page endpoint.")
            return self._h_page_trash_via_block(ctx, params["id"], self._trash_flag(ctx, body))
        row = self._store.block_row(params["id"])
        if row is None:
            raise not_found("block", params["id"])
        data, parent_id, page_id, _, trashed = row
        kind = data["type"]
        flag = self._trash_flag(ctx, body)
        for k in body:
            if k in ("in_trash", "archived", "type"):
                continue
            if k != kind:
                raise not_present(f"body.{k}", body[k])
        if "type" in body and body["type"] != kind:
            raise body_failed("body.type", f"should be `{shown(kind)}` (the block's type cannot be changed)", body["type"])
        edits = kind in body
        if trashed and flag is not False:
            raise validation(ARCHIVED_EDIT)
        if self._ancestor_trashed(parent_id, page_id):
            raise validation(ARCHIVED_ANCESTOR)
        if edits:
            payload = M.check_obj(body[kind], f"body.{kind}")
            if "children" in payload:
                raise not_present(f"body.{kind}.children", payload["children"])
            if kind in ("column_list", "divider", "breadcrumb", "child_page"):
                pass
            new_payload = M.normalize_payload(kind, payload, f"body.{kind}", self._block_ctx(ctx), creating=False, existing=data["payload"])
            if kind == "table_row":
                parent = self._store.block_row(parent_id)
                if parent is not None and parent[0]["type"] == "table":
                    M.check_row_width(new_payload, parent[0]["payload"]["table_width"])
            data["payload"] = new_payload
        if flag is not None:
            self._store.set_block_trash(data["id"], flag)
            trashed = flag
        self._touch(data, ctx)
        self._store.update_data("blocks", data["id"], data)
        self._touch_page(ctx, page_id)
        ctx.committed = {"committed_resource_id": data["id"]}
        return 200, self._render_block(ctx, data, self._store.has_children(data["id"]), trashed)

    def _h_page_trash_via_block(self, ctx, page_id: str, flag: bool | None):
        page = self._get_page(page_id)
        if flag is not None:
            page["in_trash"] = flag
            self._touch(page, ctx)
            self._store.put("pages", page["id"], page, data_source_id=page["data_source_id"], seq=page["seq"], in_trash=int(flag))
        return 200, self._page_as_block(ctx, page)

    def _h_block_delete(self, ctx, params, query, body):
        page = self._store.get("pages", params["id"])
        if page is not None:
            if page["in_trash"]:
                raise validation(ARCHIVED_EDIT)
            return self._h_page_trash_via_block(ctx, page["id"], True)
        row = self._store.block_row(params["id"])
        if row is None:
            raise not_found("block", params["id"])
        data, parent_id, page_id, _, trashed = row
        if trashed:
            raise validation(ARCHIVED_EDIT)
        self._store.set_block_trash(data["id"], True)
        self._touch(data, ctx)
        self._store.update_data("blocks", data["id"], data)
        self._touch_page(ctx, page_id)
        ctx.committed = {"committed_resource_id": data["id"]}
        return 200, self._render_block(ctx, data, self._store.has_children(data["id"]), True)

    def _page_size(self, raw: Any, path: str, *, from_query: bool) -> int:
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

    def _cursor(self, raw: Any, kind: str, path: str, *, from_query: bool) -> dict | None:
        if raw is None:
            return None
        where = "query failed validation" if from_query else "body failed validation"
        if not isinstance(raw, str):
            raise validation(f"{where}: {path} should be a string, instead was `{shown(raw)}`.")
        data = _unb64(raw)
        if not data or data.get("k") != kind:
            raise validation(f"{where}: {path} should be a valid cursor returned by a previous response, instead was `{shown(raw)}`.")
        return data

    def _h_children_list(self, ctx, params, query, body):
        for k in query:
            if k not in ("start_cursor", "page_size"):
                raise validation(f"query failed validation: query.{k} should be not present, instead was `{shown(query[k])}`.")
        size = self._page_size(query.get("page_size"), "query.page_size", from_query=True)
        cur = self._cursor(query.get("start_cursor"), "blocks", "query.start_cursor", from_query=True)
        self._resolve_container(params["id"])
        after_pos = None
        if cur is not None:
            row = self._store.block_row(str(cur.get("id")))
            if row is None or row[1] != params["id"]:
                raise validation(f"query failed validation: query.start_cursor should be a valid cursor returned by a previous response, instead was `{shown(query['start_cursor'])}`.")
            after_pos = row[3]
        rows = self._store.children(params["id"], after_pos=after_pos, limit=size + 1)
        more = len(rows) > size
        rows = rows[:size]
        flags = self._store.children_flags([d["id"] for d, _ in rows])
        results = [self._render_block(ctx, d, d["id"] in flags, False) for d, _ in rows]
        nxt = None
        if more:
            nxt_row = self._store.children(params["id"], after_pos=rows[-1][1] + 1, limit=1)
            nxt = _b64({"k": "blocks", "id": nxt_row[0][0]["id"]}) if nxt_row else None
        return 200, {"object": "list", "results": results, "next_cursor": nxt, "has_more": nxt is not None, "type": "block", "block": {}}

    def _h_children_append(self, ctx, params, query, body):
        for k in body:
            if k not in ("children", "after", "position"):
                raise not_present(f"body.{k}", body[k])
        if "children" not in body:
            raise not_defined("body.children")
        self._check_children_request(body["children"], "body.children")
        page_id, parent, trashed = self._resolve_container(params["id"])
        if trashed:
            raise validation(ARCHIVED_EDIT)
        if parent is not None and parent["type"] not in M.CONTAINERS:
            raise validation(f"Block type {parent['type']} does not support children.")
        if "after" in body and "position" in body:
            raise validation("You cannot specify both `after` and `position` in the same request.")
        position: dict = {"type": "end"}
        if "after" in body:
            if ctx.new_api:
                raise not_present("body.after", body["after"])
            aid = norm_id(M.check_str(body["after"], "body.after"))
            if aid is None:
                raise body_failed("body.after", "should be a valid uuid", body["after"])
            position = {"type": "after_block", "after_block": {"id": aid}}
        elif "position" in body:
            pos = M.check_obj(body["position"], "body.position")
            t = pos.get("type")
            if t not in ("start", "end", "after_block"):
                raise body_failed("body.position.type", 'should be `"after_block"`, `"start"`, or `"end"`', t)
            if t == "after_block":
                ab = M.check_obj(pos.get("after_block"), "body.position.after_block")
                aid = norm_id(M.check_str(ab.get("id"), "body.position.after_block.id"))
                if aid is None:
                    raise body_failed("body.position.after_block.id", "should be a valid uuid", ab.get("id"))
                position = {"type": "after_block", "after_block": {"id": aid}}
            else:
                position = {"type": t}
        ids = self._insert_children(ctx, params["id"], page_id, parent, body["children"], "body.children", 1, position)
        if parent is not None:
            self._touch(parent, ctx)
            self._store.update_data("blocks", parent["id"], parent)
        self._touch_page(ctx, page_id)
        ctx.committed = {"committed_resource_id": params["id"], "committed_child_ids": ids}
        results = []
        for bid in ids:
            data = self._store.block_row(bid)[0]
            results.append(self._render_block(ctx, data, self._store.has_children(bid), False))
        return 200, {"object": "list", "results": results, "next_cursor": None, "has_more": False, "type": "block", "block": {}}

    # ------------------------------------------------------------ queries
    def _filter_value(self, ds: dict, prop: dict, page: dict) -> Any:
        kind = prop["type"]
        v = page["props"].get(prop["id"])
        if kind in ("title", "rich_text"):
            return M.plain_text(v or [])
        if kind in ("select", "status"):
            o = next((o for o in prop["config"].get("options", []) if o["id"] == v), None)
            return o["name"] if o else None
        if kind == "multi_select":
            byid = {o["id"]: o["name"] for o in prop["config"].get("options", [])}
            return [byid[i] for i in (v or []) if i in byid]
        if kind == "date":
            return v["start"] if v else None
        if kind == "created_time":
            return page["created_time"]
        if kind == "last_edited_time":
            return page["last_edited_time"]
        if kind == "created_by":
            return [page["created_by"]]
        if kind == "last_edited_by":
            return [page["last_edited_by"]]
        return v

    def _match(self, ds: dict, f: Any, page: dict, path: str, depth: int = 0) -> bool:
        M.check_obj(f, path)
        if "and" in f or "or" in f:
            key = "and" if "and" in f else "or"
            if depth >= 2 and any(isinstance(x, dict) and ("and" in x or "or" in x) for x in f[key]):
                raise validation(f"body failed validation: {path}.{key} nesting exceeds the maximum depth of 2.")
            items = M.check_array(f[key], f"{path}.{key}")
            res = [self._match(ds, x, page, f"{path}.{key}[{i}]", depth + 1) for i, x in enumerate(items)]
            return all(res) if key == "and" else any(res)
        if "timestamp" in f:
            ts = f["timestamp"]
            if ts not in ("created_time", "last_edited_time"):
                raise body_failed(f"{path}.timestamp", 'should be `"created_time"` or `"last_edited_time"`', ts)
            cond = M.check_obj(f.get(ts), f"{path}.{ts}")
            return self._apply_ops("date", cond, page[ts], f"{path}.{ts}")
        if "property" not in f:
            raise not_defined(f"{path}.property")
        prop = self._find_prop(ds, str(f["property"]))
        if prop is None:
            raise validation(f"Could not find property with name or id: {f['property']}")
        ftypes = [k for k in f if k in M.FILTER_KINDS]
        if len(ftypes) != 1:
            raise validation(f"body failed validation: {path} should have exactly one filter condition type.")
        ftype = ftypes[0]
        allowed_types, _ = M.FILTER_KINDS[ftype]
        if prop["type"] not in allowed_types:
            raise validation(f"database property {prop['type']} does not match filter {ftype}")
        cond = M.check_obj(f[ftype], f"{path}.{ftype}")
        value = self._filter_value(ds, prop, page)
        return self._apply_ops(ftype, cond, value, f"{path}.{ftype}")

    def _apply_ops(self, ftype: str, cond: dict, value: Any, path: str) -> bool:
        _, ops = M.FILTER_KINDS[ftype]
        if len(cond) != 1:
            raise validation(f"body failed validation: {path} should have exactly one condition, instead was `{shown(cond)}`.")
        op, arg = next(iter(cond.items()))
        if op not in ops:
            raise body_failed(f"{path}", "should use one of " + ", ".join(f"`{o}`" for o in ops), cond)
        return M.eval_condition(ftype, op, arg, value, path)

    def _sort_key(self, ds: dict, sorts: list, path: str) -> Callable[[dict], Any]:
        keys = []
        for i, s in enumerate(sorts):
            p = f"{path}[{i}]"
            M.check_obj(s, p)
            direction = s.get("direction", "ascending")
            if direction not in ("ascending", "descending"):
                raise body_failed(f"{p}.direction", 'should be `"ascending"` or `"descending"`', direction)
            if "property" in s:
                prop = self._find_prop(ds, str(s["property"]))
                if prop is None:
                    raise validation(f"Could not find sort property with name or id: {s['property']}")
                keys.append((lambda page, prop=prop: self._filter_value(ds, prop, page), direction))
            elif "timestamp" in s:
                ts = s["timestamp"]
                if ts not in ("created_time", "last_edited_time"):
                    raise body_failed(f"{p}.timestamp", 'should be `"created_time"` or `"last_edited_time"`', ts)
                keys.append((lambda page, ts=ts: page[ts], direction))
            else:
                raise not_defined(f"{p}.property")
        return keys

    def _h_data_source_query(self, ctx, params, query, body):
        ds = self._get_ds(params["id"])
        for k in body:
            if k not in ("filter", "sorts", "start_cursor", "page_size", "archived", "in_trash", "is_archived", "result_type", "filter_properties"):
                raise not_present(f"body.{k}", body[k])
        size = self._page_size(body.get("page_size"), "body.page_size", from_query=False)
        cur = self._cursor(body.get("start_cursor"), "query", "body.start_cursor", from_query=False)
        want_trash = bool(body.get("in_trash") or body.get("archived"))
        pages = [p for p in self._store.pages_of(ds["id"]) if p["in_trash"] == want_trash]
        if body.get("filter") is not None:
            # Validate the whole filter once, even when no page would reach a clause.
            probe = {"props": {}, "created_time": self._iso(ctx.now), "last_edited_time": self._iso(ctx.now),
                     "created_by": ctx.user["id"], "last_edited_by": ctx.user["id"]}
            self._match(ds, body["filter"], probe, "body.filter")
            pages = [p for p in pages if self._match(ds, body["filter"], p, "body.filter")]
        sorts = body.get("sorts")
        if sorts:
            M.check_array(sorts, "body.sorts")
            for fn, direction in reversed(self._sort_key(ds, sorts, "body.sorts")):
                present = [p for p in pages if fn(p) not in (None, "", [])]
                empty = [p for p in pages if fn(p) in (None, "", [])]
                present.sort(key=lambda p: _sortable(fn(p)), reverse=(direction == "descending"))
                pages = present + empty
        start = 0
        if cur is not None:
            start = int(cur.get("o", 0))
        chunk = pages[start:start + size]
        more = start + size < len(pages)
        nxt = _b64({"k": "query", "o": start + size}) if more else None
        return 200, {"object": "list", "results": [self._render_page(ctx, p) for p in chunk], "next_cursor": nxt,
                     "has_more": more, "type": "page_or_data_source", "page_or_data_source": {}}

    def _h_search(self, ctx, params, query, body):
        q = (body.get("query") or "").lower()
        flt = body.get("filter") or {}
        want = flt.get("value") if isinstance(flt, dict) else None
        size = self._page_size(body.get("page_size"), "body.page_size", from_query=False)
        cur = self._cursor(body.get("start_cursor"), "search", "body.start_cursor", from_query=False)
        results = []
        if want in (None, "data_source", "database"):
            for db in self._store.databases():
                for ds in self._store.data_sources_of(db["id"]):
                    if q in M.plain_text(ds["title"]).lower() and not ds["in_trash"]:
                        results.append(self._render_ds(ctx, ds))
        if want in (None, "page"):
            for p in self._store.all_pages():
                if not p["in_trash"] and q in self._page_title(p).lower():
                    results.append(self._render_page(ctx, p))
        start = int(cur.get("o", 0)) if cur else 0
        chunk = results[start:start + size]
        more = start + size < len(results)
        return 200, {"object": "list", "results": chunk, "next_cursor": _b64({"k": "search", "o": start + size}) if more else None,
                     "has_more": more, "type": "page_or_data_source", "page_or_data_source": {}}


def _sortable(v: Any) -> Any:
    if isinstance(v, list):
        return tuple(str(x) for x in v)
    if isinstance(v, bool):
        return int(v)
    if isinstance(v, str):
        return v.lower()
    return v
