"""The bilingual rules: every week has an English and a Chinese variant that link to each other.

One home for what the publisher, `bot pull` and `bot preview` must agree on: the language-link
callout the bot puts first on every page (its text, icon and colour), how to recognise it on a
page read back from Notion, and which variant is a variant's sibling.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from .plain_text import items_plain_text


class _Variant(Protocol):  # what the rules need of a content variant (bot.source.Variant)
    lang: str

    @property
    def group(self) -> tuple[str, str]: ...


V = TypeVar("V", bound=_Variant)

LANGS = ("en", "zh")
LANG_LINK_TEXT = {"en": "中文版", "zh": "English"}  # shown on a page, pointing at the *other* variant
LANG_LINK_ICON = "🌐"
LANG_LINK_COLOR = "gray_background"
_PLAIN = {"bold": False, "italic": False, "strikethrough": False, "underline": False, "code": False, "color": "default"}


def other_lang(lang: str) -> str:
    return next(other for other in LANGS if other != lang)


def sibling_of(variant: V, variants: list[V]) -> V | None:
    """The other language variant of the same week, if the content has one."""
    return next((v for v in variants if v.group == variant.group and v.lang != variant.lang), None)


def language_link(lang: str, sibling_url: str | None, text: str | None = None) -> dict:
    """The callout at the top of a `lang` page linking to the other language's page (no link
    yet when the sibling page does not exist); `text`: the series' own (its mapping's
    `language_link`), LANG_LINK_TEXT by default."""
    link = {"url": sibling_url} if sibling_url else None
    return {
        "object": "block",
        "type": "callout",
        "callout": {
            "rich_text": [
                {
                    "type": "text",
                    "text": {"content": text or LANG_LINK_TEXT[lang], "link": link},
                    "annotations": dict(_PLAIN),
                }
            ],
            "icon": {"type": "emoji", "emoji": LANG_LINK_ICON},
            "color": LANG_LINK_COLOR,
        },
    }


def is_language_link(block: dict, texts=()) -> bool:
    """Is this block (request- or response-shaped) the bot's language-link callout? `texts`: a
    series' own link texts, recognised besides the default ones."""
    if block.get("type") != "callout":
        return False
    body = block["callout"]
    if (body.get("icon") or {}).get("emoji") != LANG_LINK_ICON:
        return False
    text = items_plain_text(body.get("rich_text", []))
    return (text in LANG_LINK_TEXT.values() or text in texts) and not body.get("children")
