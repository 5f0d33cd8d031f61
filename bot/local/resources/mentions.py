"""Mentions inside rich text: resolve page/database/user/date mentions to Notion's response shape."""

from __future__ import annotations

from .. import model as M
from ..common import Ctx, norm_id
from ..errors import body_failed, not_found, validation
from . import rows, users


def mention_resolver(ws, ctx: Ctx):
    def resolve(m: dict, path: str):
        kind = m.get("type") or next(
            (
                k
                for k in ("user", "page", "database", "date", "link_preview", "template_mention", "custom_emoji")
                if k in m
            ),
            None,
        )
        if kind == "page":
            pid = norm_id(str(M.check_obj(m.get("page"), f"{path}.page").get("id")))
            page = ws.store.get("pages", pid) if pid else None
            if page is None:
                raise not_found("page", str(m["page"].get("id")))
            return (
                {"type": "page", "page": {"id": pid}},
                rows.page_title(ws, page) or "Untitled",
                rows.page_url(ws, pid),
            )
        if kind == "database":
            did = norm_id(str(M.check_obj(m.get("database"), f"{path}.database").get("id")))
            db = ws.store.get("databases", did) if did else None
            if db is None:
                raise not_found("database", str(m["database"].get("id")))
            return (
                {"type": "database", "database": {"id": did}},
                M.rich_text_plain(db["title"]),
                f"{ws.public_base_url}/{did.replace('-', '')}",
            )
        if kind == "user":
            uid = norm_id(str(M.check_obj(m.get("user"), f"{path}.user").get("id")))
            u = ws.store.get("users", uid) if uid else None
            if u is None:
                raise not_found("user", str(m["user"].get("id")))
            return {"type": "user", "user": users.user_value(ws, uid)}, "@" + (u["name"] or ""), None
        if kind == "date":
            d = M.normalize_date(m.get("date"), f"{path}.date")
            return {"type": "date", "date": d}, d["start"] + (f" → {d['end']}" if d["end"] else ""), None
        if kind == "link_preview":
            raise validation(
                f"body failed validation: {path}.link_preview should be not present: link preview mentions cannot be created."
            )
        if kind in ("template_mention", "custom_emoji"):
            return {"type": kind, kind: m.get(kind)}, "", None
        raise body_failed(f"{path}.type", "should be a supported mention type", kind)

    return resolve
