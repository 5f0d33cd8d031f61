"""Users: `GET /v1/users/me`, `GET /v1/users`, `GET /v1/users/{id}`."""

from __future__ import annotations

from ..errors import not_found


def render_user(ws, u: dict, ctx=None) -> dict:
    out = {"object": "user", "id": u["id"], "name": u["name"], "avatar_url": u.get("avatar_url"), "type": u["type"]}
    if u["type"] == "bot":
        out["bot"] = {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_name": ws.workspace_name,
            "workspace_id": ws.store.meta_get("workspace_id"),
            "workspace_limits": {"max_file_upload_size_in_bytes": 5 * 1024**3},
        }
    else:
        out["person"] = {"email": u.get("email")}
        if ctx is None or not ctx.new_api:
            # recorded on 2025-09-03 (notion-sdk-py), absent from the 2026-03-11 answers (ultimate-notion)
            out["person"]["email_verified"] = bool(u.get("email_verified"))
    return out


def user_value(ws, uid: str) -> dict:
    """A user as a property value or a mention names it (recorded 2026-03-11): name, avatar and
    type, a person's e-mail; `{object, id}` when the user is unknown."""
    u = ws.store.get("users", uid)
    if u is None:
        return {"object": "user", "id": uid}
    out = {"object": "user", "id": uid, "name": u["name"], "avatar_url": u.get("avatar_url"), "type": u["type"]}
    out.update({"bot": {}} if u["type"] == "bot" else {"person": {"email": u.get("email")}})
    return out


def retrieve_me(ws, ctx, params, query, body):
    return 200, render_user(ws, ctx.user, ctx)


def list_users(ws, ctx, params, query, body):
    # people first, then the other integrations, the calling one last (recorded: every listing
    # of both recording sets; within each group the workspace's order)
    ordered = sorted(ws.store.users(), key=lambda u: (u["type"] != "person", u["id"] == ctx.user["id"]))
    users = [render_user(ws, u, ctx) for u in ordered]
    return 200, {"object": "list", "results": users, "next_cursor": None, "has_more": False, "type": "user", "user": {}}


def retrieve_user(ws, ctx, params, query, body):
    u = ws.store.get("users", params["id"])
    if u is None:
        raise not_found("user", params["id"])
    return 200, render_user(ws, u, ctx)
