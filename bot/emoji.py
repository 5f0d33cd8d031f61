"""Is a string one emoji? (Notion's page icon takes "only a single emoji": `{"emoji": "📚"}`.)

One emoji = one grapheme cluster (Unicode's "user-perceived character", `\\X`: 👩‍💻, 👍🏽, 🇨🇳,
1️⃣ are one each) that holds a pictograph, a flag's regional indicators or a keycap. Words
("books"), several emoji side by side, letters and digits alone are refused.
"""

from __future__ import annotations

import regex

_ONE_GRAPHEME = regex.compile(r"\X")
_EMOJI_PART = regex.compile(r"\p{Extended_Pictographic}|\p{Regional_Indicator}|\u20e3")


def is_single_emoji(text: str) -> bool:
    return bool(text) and _ONE_GRAPHEME.fullmatch(text) is not None and _EMOJI_PART.search(text) is not None
