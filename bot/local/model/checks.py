"""Type and limit checks shared by every request body (Notion's validator wording)."""

from __future__ import annotations

import re
from typing import Any, Collection

from ..errors import body_failed, not_present, shown, too_long

MAX_TEXT = 2000
MAX_URL = 2000
MAX_EXPRESSION = 1000
MAX_ARRAY = 100
MAX_EMAIL = 200
MAX_PHONE = 200

COLORS = (
    "default gray brown orange yellow green blue purple pink red "
    "default_background gray_background brown_background orange_background yellow_background "
    "green_background blue_background purple_background pink_background red_background"
).split()
OPTION_COLORS = "default gray brown orange yellow green blue purple pink red".split()

LINK_URL = re.compile(r"https?://[^\s/?#]+[^\s]*\Z", re.IGNORECASE)


def utf16_units(s: str) -> int:
    """Length as JavaScript counts it (UTF-16 code units)."""
    if s.isascii():
        return len(s)
    return len(s.encode("utf-16-le", "surrogatepass")) // 2


def check_array(value: Any, path: str, *, max_items: int = MAX_ARRAY) -> list:
    if not isinstance(value, list):
        raise body_failed(path, "should be an array", value)
    if len(value) > max_items:
        raise too_long(path, max_items, len(value))
    return value


def check_bool(value: Any, path: str) -> bool:
    if not isinstance(value, bool):
        raise body_failed(path, "should be a boolean", value)
    return value


def check_str(value: Any, path: str) -> str:
    if not isinstance(value, str):
        raise body_failed(path, "should be a string", value)
    return value


def check_text(value: Any, path: str, limit: int) -> str:
    """A string of at most `limit` UTF-16 code units (how Notion measures text)."""
    text = check_str(value, path)
    units = utf16_units(text)
    if units > limit:
        raise too_long(path, limit, units)
    return text


def check_obj(value: Any, path: str) -> dict:
    if not isinstance(value, dict):
        raise body_failed(path, "should be an object", value)
    return value


def check_color(value: Any, path: str, allowed: list[str] = COLORS) -> str:
    if value not in allowed:
        raise body_failed(path, "should be " + ", ".join(f"`{shown(c)}`" for c in allowed), value)
    return value


def is_link_url(url: str) -> bool:
    return bool(LINK_URL.match(url))


def allowed_keys(obj: dict, allowed: Collection[str], path: str = "body") -> None:
    """Refuse the first key not in ``allowed``: `body failed validation: body.x should be not present, …`.

    The message names the request part the path starts in (``body`` or ``query``).
    """
    for key in obj:
        if key not in allowed:
            raise not_present(f"{path}.{key}", obj[key], part=path.split(".")[0].split("[")[0])
