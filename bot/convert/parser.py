"""markdown-it-py configuration: CommonMark + GFM + dollar math + front matter,
with a CJK-friendly emphasis delimiter rule.

CJK emphasis
------------
CommonMark's flanking rules leave `**` literal in `**注意：**正文`: the closing run
is preceded by punctuation (`：`) and followed by a letter (`正`), so it is not
right-flanking. Following the CommonMark CJK-friendly amendment proposed by
tats-u (markdown-cjk-friendly / markdown-it-cjk-friendly), only NON-CJK
punctuation counts as punctuation in the flanking definitions, and a CJK
character on the outer side counts like whitespace/punctuation
(specification.md of tats-u/markdown-cjk-friendly, §6.2):

  left-flanking  = next is not whitespace AND (next is not non-CJK punctuation
                   OR previous is whitespace, non-CJK punctuation or CJK)
  right-flanking = previous is not whitespace AND (previous is not non-CJK
                   punctuation OR next is whitespace, non-CJK punctuation or CJK)

Runs not adjacent to CJK characters are scanned exactly as in CommonMark, so
English (and other non-CJK) behaviour is unchanged. The `_` intraword rule is
unchanged too.
"""

from __future__ import annotations

import unicodedata

import regex
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from mdit_py_plugins.dollarmath import dollarmath_plugin
from mdit_py_plugins.footnote import footnote_plugin
from mdit_py_plugins.front_matter import front_matter_plugin
from mdit_py_plugins.gfm_autolink import gfm_autolink_plugin


_EMOJI = regex.compile(r"\p{Emoji_Presentation}")
_HANGUL = regex.compile(r"\p{Script=Hangul}")


@lru_cache(maxsize=8192)
def is_cjk(ch: str) -> bool:
    """CJK character per the CJK-friendly amendment: East Asian Width W/F/H and
    not an emoji (approximated by Emoji_Presentation), or Hangul script."""
    o = ord(ch)
    if o < 0x1100:
        return False
    if 0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF:  # variation selectors
        return False
    if unicodedata.east_asian_width(ch) in ("W", "F", "H"):
        return not _EMOJI.match(ch)
    return bool(_HANGUL.match(ch))


def _prev_char(src: str, start: int) -> str:
    if start <= 0:
        return " "
    ch = src[start - 1]
    o = ord(ch)
    # An (ideographic) variation selector belongs to the character before it.
    if (0xFE00 <= o <= 0xFE0F or 0xE0100 <= o <= 0xE01EF) and start >= 2:
        return src[start - 2]
    return ch


class CJKStateInline(StateInline):
    def scanDelims(self, start: int, canSplitWord: bool) -> Scanned:  # noqa: N802
        pos = start
        maximum = self.posMax
        src = self.src
        marker = src[start]
        lastChar = _prev_char(src, start)
        while pos < maximum and src[pos] == marker:
            pos += 1
        count = pos - start
        nextChar = src[pos] if pos < maximum else " "

        isLastPunctChar = isMdAsciiPunct(ord(lastChar)) or isPunctChar(lastChar)
        isNextPunctChar = isMdAsciiPunct(ord(nextChar)) or isPunctChar(nextChar)
        isLastWhiteSpace = isWhiteSpace(ord(lastChar))
        isNextWhiteSpace = isWhiteSpace(ord(nextChar))
        isLastCJK = is_cjk(lastChar)
        isNextCJK = is_cjk(nextChar)
        # CJK punctuation does not count as punctuation for flanking.
        lastNonCJKPunct = isLastPunctChar and not isLastCJK
        nextNonCJKPunct = isNextPunctChar and not isNextCJK

        left_flanking = not (
            isNextWhiteSpace
            or (nextNonCJKPunct and not (isLastWhiteSpace or lastNonCJKPunct or isLastCJK))
        )
        right_flanking = not (
            isLastWhiteSpace
            or (lastNonCJKPunct and not (isNextWhiteSpace or nextNonCJKPunct or isNextCJK))
        )
        can_open = left_flanking and (canSplitWord or (not right_flanking) or isLastPunctChar)
        can_close = right_flanking and (canSplitWord or (not left_flanking) or isNextPunctChar)
        return Scanned(can_open, can_close, count)


def _cjk_inline_parse(self, src, md, env, tokens):  # replaces ParserInline.parse
    state = CJKStateInline(src, md, env, tokens)
    self.tokenize(state)
    for rule in self.ruler2.getRules(""):
        rule(state)
    return state.tokens


def make_parser(cjk_friendly: bool = True) -> MarkdownIt:
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 200})
    md.enable(["table", "strikethrough"])
    md.options["tasklists"] = True
    md.options["alerts"] = True
    md.options["strikethrough_single_tilde"] = True
    md.use(gfm_autolink_plugin)
    md.use(footnote_plugin, inline=False)
    md.use(dollarmath_plugin, allow_blank_lines=False)
    md.use(front_matter_plugin)
    if cjk_friendly:
        md.inline.parse = _cjk_inline_parse.__get__(md.inline)  # type: ignore[method-assign]
    return md


_PARSER: MarkdownIt | None = None


def get_parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        _PARSER = make_parser()
    return _PARSER
