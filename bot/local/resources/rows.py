"""Page rows: lookup, URL, title and the trash flag of a page update — what blocks and mentions
need of pages without importing the pages resource (which imports them)."""

from __future__ import annotations

from .. import model as M
from ..common import Ctx
from ..errors import not_found, not_present, validation


def get_page(ws, page_id: str) -> dict:
    p = ws.store.get("pages", page_id)
    if p is None:
        raise not_found("page", page_id)
    return p


def page_url(ws, page_id: str) -> str:
    return f"{ws.public_base_url}/p/{page_id.replace('-', '')}"


def page_title(ws, page: dict) -> str:
    return M.rich_text_plain(page["props"].get("title") or [])


def trash_flag(ws, ctx: Ctx, body: dict) -> bool | None:
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
