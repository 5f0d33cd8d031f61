"""What every request to the embedded workspace passes before a handler sees it: the
Notion-Version and the token, the route, a valid id in the path, and a body Notion would read
(size, JSON, depth). Notion's documented answers; our choices are in MESSAGES.md."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from .common import Ctx, norm_id
from .errors import LocalAPIError, shown, validation
from .routes import ROUTES, Route

VERSIONS = ("2022-06-28", "2025-09-03", "2026-03-11", "2026-12-01")
MAX_BODY_BYTES = 500_000  # "500KB overall" (Request limits); decimal KB, the stricter reading
# Notion documents no JSON depth limit; its deepest valid body (two levels of children, rich
# text with links and annotations) is ~20 levels. Deeper bodies are refused before any handler
# walks them (they recurse). Our choice: MESSAGES.md.
MAX_JSON_DEPTH = 64


def authenticate(workspace, headers: dict, rid: str) -> Ctx:
    version = headers.get("notion-version")
    if not version:
        raise LocalAPIError(
            400,
            "missing_version",
            "Notion-Version header failed validation: Notion-Version header should be defined, instead was `undefined`.",
        )
    if version not in VERSIONS:
        raise LocalAPIError(
            400,
            "validation_error",
            f"Notion-Version header failed validation: Notion-Version header should be one of "
            f"{', '.join(f'`{shown(v)}`' for v in VERSIONS)}, instead was `{shown(version)}`.",
        )
    auth = headers.get("authorization", "")
    token = auth[7:].strip() if auth[:7].lower() == "bearer " else ""
    user = workspace.store.user_by_token(token) if token else None
    if user is None:
        raise LocalAPIError(401, "unauthorized", "API token is invalid.")
    return Ctx(user, version, rid, workspace.now())


def route_of(method: str, path: str) -> tuple[Route, dict]:
    path = path.rstrip("/") if path != "/" else path
    for route in ROUTES:
        params = route.match(path) if route.method == method else None
        if params is not None:
            return route, params
    raise LocalAPIError(400, "invalid_request_url", "Invalid request URL.")


def check_path_id(route: Route, params: dict) -> None:
    if "id" in params:
        raw = unquote(params["id"])
        nid = norm_id(raw)
        if nid is None:
            raise validation(
                f"path failed validation: path.{route.id_kind} should be a valid uuid, instead was `{shown(raw)}`."
            )
        params["id"] = nid


def parse_body(method: str, body: bytes, route: Route) -> Any:
    if len(body) > MAX_BODY_BYTES:
        raise validation(f"Request body too large: {len(body)} bytes; the maximum request size is 500KB.")
    if route.raw_body:
        return body
    if method in ("GET", "DELETE") or not body.strip():
        return {}
    try:
        data = json.loads(body.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: nested past the parser's stack
        raise LocalAPIError(400, "invalid_json", "Error parsing JSON body.")
    if nesting_over(data, MAX_JSON_DEPTH):
        raise validation(f"body failed validation: body nests more than {MAX_JSON_DEPTH} levels deep.")
    if not isinstance(data, dict):
        raise validation(f"body failed validation: body should be an object, instead was `{shown(data)}`.")
    return data


def nesting_over(data: Any, limit: int) -> bool:
    """Whether lists/objects in `data` nest deeper than `limit` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(value, dict):
            stack.extend((v, depth + 1) for v in value.values() if isinstance(v, (dict, list)))
        elif isinstance(value, list):
            stack.extend((v, depth + 1) for v in value if isinstance(v, (dict, list)))
    return False
