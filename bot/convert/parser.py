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

Linear-time inline parsing
--------------------------
Two local changes keep adversarial input (cmark-gfm's pathological tests) within
2x of a bare markdown-it-py parse; both are transparent for ordinary documents:

- Nesting. Deep lists and quotes need a high *block* nesting limit (200), but
  markdown-it-py applies the same `maxNesting` to the inline validation
  recursion (`parseLinkLabel` -> `skipToken` -> link rule -> `parseLinkLabel`),
  and that recursion's cost grows with the limit: 65,000 `[a` took 14 s at 200
  against 3 s at markdown-it's own CommonMark limit of 20. Inline parsing here
  uses INLINE_MAX_NESTING = 20 (only a link label with more than 20 nested
  bracket levels parses differently, exactly as in stock markdown-it).
- Dispatch. markdown-it tries every inline rule at every character where the
  text rule stops. The plugins' rules are not all cheap when they do not apply
  (GFM autolink's protocol rule copies the rest of the paragraph before looking
  at the character: 1.2 MB of `<!--` took 25 s instead of 2.5 s). Each rule
  is tried only at the characters it can start at (RULE_TRIGGERS), in the same
  order; rules not listed there are tried everywhere, as before. The GFM
  autolink rules also see the text only up to the next whitespace, which is
  where an autolink ends anyway, instead of the rest of the paragraph.
"""

from __future__ import annotations

import re
import unicodedata
from types import FunctionType, SimpleNamespace

import regex
from functools import lru_cache

from markdown_it import MarkdownIt
from markdown_it.common.normalize_url import normalizeLink as _normalize_link
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, isWhiteSpace
from markdown_it.rules_inline.state_inline import Scanned, StateInline
from markdown_it.token import Token
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


_new_object = object.__new__


def new_token(ttype: str, tag: str, nesting: int) -> Token:
    """Token(ttype, tag, nesting), equal field for field, at ~2/3 of the cost: the dataclass
    __init__ also runs __post_init__, which replaces the empty attrs dict with another.
    A parse makes ~160,000 tokens per MB of Markdown."""
    tok = _new_object(Token)
    tok.type = ttype
    tok.tag = tag
    tok.nesting = nesting
    tok.attrs = {}
    tok.map = None
    tok.level = 0
    tok.children = None
    tok.content = ""
    tok.markup = ""
    tok.info = ""
    tok.meta = {}
    tok.block = False
    tok.hidden = False
    return tok


class CJKStateInline(StateInline):
    # push / pushPending: markdown-it-py 4.3's, with new_token.
    def pushPending(self) -> Token:  # noqa: N802
        token = new_token("text", "", 0)
        token.content = self.pending
        token.level = self.pendingLevel
        self.tokens.append(token)
        self.pending = ""
        return token

    def push(self, ttype: str, tag: str, nesting) -> Token:
        if self.pending:
            self.pushPending()
        token = new_token(ttype, tag, nesting)
        token_meta = None
        if nesting < 0:
            self.level -= 1  # closing tag
            self.delimiters = self._prev_delimiters.pop()
        token.level = self.level
        if nesting > 0:
            self.level += 1  # opening tag
            self._prev_delimiters.append(self.delimiters)
            self.delimiters = []
            token_meta = {"delimiters": self.delimiters}
        self.pendingLevel = self.level
        self.tokens.append(token)
        self.tokens_meta.append(token_meta)
        return token

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
            isNextWhiteSpace or (nextNonCJKPunct and not (isLastWhiteSpace or lastNonCJKPunct or isLastCJK))
        )
        right_flanking = not (
            isLastWhiteSpace or (lastNonCJKPunct and not (isNextWhiteSpace or nextNonCJKPunct or isNextCJK))
        )
        can_open = left_flanking and (canSplitWord or (not right_flanking) or isLastPunctChar)
        can_close = right_flanking and (canSplitWord or (not left_flanking) or isNextPunctChar)
        return Scanned(can_open, can_close, count)


from .block_rules import use_line_rules  # noqa: E402
from .depth import use_depth_guard  # noqa: E402
from .paragraph_rules import use_paragraph_terminators  # noqa: E402
from .pieces import use_paragraph_pieces  # noqa: E402


def _cjk_inline_parse(self, src, md, env, tokens):  # replaces ParserInline.parse
    state = CJKStateInline(src, md, env, tokens)
    self.tokenize(state)
    for rule in self.ruler2.getRules(""):
        rule(state)
    return state.tokens


# -- linear-time inline parsing (see the module docstring) ------------------------

BLOCK_MAX_NESTING = 200  # deep lists / quotes
INLINE_MAX_NESTING = 20  # markdown-it's CommonMark preset value

# The only characters each rule can match at: every one of these rules starts by
# returning False unless src[pos] is one of them (read from their sources).
RULE_TRIGGERS: dict[str, str] = {
    "newline": "\n",
    "math_inline": "$",
    "escape": "\\",
    "backticks": "`",
    "strikethrough": "~",
    "emphasis": "*_",
    "link": "[",
    "image": "!",
    "footnote_ref": "[",
    "footnote_inline": "^",
    "autolink": "<",
    "html_inline": "<",
    "entity": "&",
    "gfm_autolink_www": "w",
    "gfm_autolink_protocol": ":",
    "gfm_autolink_email": "@",
}


class _Dispatch:
    """Inline rules by first character, rebuilt whenever the ruler changes."""

    def __init__(self, inline) -> None:
        self.inline = inline
        self.compiled_from: list | None = None
        self.by_char: dict[str, tuple] = {}
        self.rule_start: re.Pattern[str] = re.compile(r"(?s).")

    def table(self) -> dict[str, tuple]:
        """The rules of every character seen so far (add() fills in the others)."""
        active = self.inline.ruler.getRules("")
        if active is not self.compiled_from:  # the ruler recompiles into a new list on change
            self.compiled_from, self.by_char = active, {}
            self.rule_start = self._rule_start_re()
        return self.by_char

    def _rule_start_re(self) -> re.Pattern[str]:
        """Where a rule other than `text` may match: its trigger characters, or anywhere when
        one has none listed. Between two such places everything is plain text."""
        ruler = self.inline.ruler
        names = [n for n in ruler.get_active_rules() if n != "text"]
        if any(n not in RULE_TRIGGERS for n in names):
            return re.compile(r"(?s).")
        chars = "".join(sorted({ch for n in names for ch in RULE_TRIGGERS[n]}))
        return re.compile("[" + re.escape(chars) + "]") if chars else re.compile(r"(?!)")

    def rules_for(self, ch: str) -> tuple:
        rules = self.table().get(ch)
        return self.add(ch) if rules is None else rules

    def add(self, ch: str) -> tuple:
        rules = self.by_char[ch] = self._compute(ch)
        return rules

    def _compute(self, ch: str) -> tuple:
        ruler = self.inline.ruler
        is_terminator = self.inline.terminator_re.match(ch) is not None
        out = []
        for name in ruler.get_active_rules():
            fn = ruler.__rules__[ruler.__find__(name)].fn
            if name == "text":
                if not is_terminator:
                    out.append(fn)
                    break  # the text rule always advances at a non-terminator
                continue
            triggers = RULE_TRIGGERS.get(name)
            if triggers is None or ch in triggers:
                out.append(fn)
        return tuple(out)


def _tokenize(self, state) -> None:  # replaces ParserInline.tokenize
    """markdown-it-py's ParserInline.tokenize with per-character rules and INLINE_MAX_NESTING."""
    dispatch = self._bot_dispatch
    rules_by_char = dispatch.table()  # rules do not change the ruler while they run
    rule_start = dispatch.rule_start.search
    src = state.src
    end = state.posMax
    while state.pos < end:
        pos = state.pos
        ok = False
        if state.level < INLINE_MAX_NESTING:
            ch = src[pos]
            rules = rules_by_char.get(ch)
            for rule in dispatch.add(ch) if rules is None else rules:
                if rule(state, False):
                    if state.pos <= pos:
                        raise RuntimeError("inline rule didn't increment state.pos")
                    ok = True
                    break
        if ok:
            if state.pos >= end:
                break
            continue
        if state.level < INLINE_MAX_NESTING:
            # No rule matched here: this character is text, and so is everything up to the
            # next place a rule may start (markdown-it would take them one at a time: "> > >"
            # or "- - -" runs cost a loop turn per character).
            found = rule_start(src, pos + 1, end)
            stop = found.start() if found else end
        else:
            stop = pos + 1
        state.append_pending(src[pos:stop])
        state.pos = stop
    if state.pending:
        state.pushPending()


def _skip_token(self, state) -> None:  # replaces ParserInline.skipToken
    """markdown-it-py's ParserInline.skipToken with per-character rules and INLINE_MAX_NESTING."""
    pos = state.pos
    cache = state.cache
    if pos in cache:
        state.pos = cache[pos]
        return
    ok = False
    if state.level < INLINE_MAX_NESTING:
        for rule in self._bot_dispatch.rules_for(state.src[pos]):
            # level is raised during validation to bound the recursion (no tokens are made)
            state.level += 1
            ok = rule(state, True)
            state.level -= 1
            if ok:
                if state.pos <= pos:
                    raise RuntimeError("inline rule didn't increment state.pos")
                break
    else:
        state.pos = state.posMax  # too deep: skip to the end, as markdown-it does
    if not ok:
        state.pos += 1
    cache[pos] = state.pos


_AUTOLINK_END = re.compile(r"[ \t\r\n\x00\x0b\x0c]")  # GFM autolinks end at whitespace
_EMAIL_DOMAIN = re.compile(r"[A-Za-z0-9._-]*")  # what the email rule's domain scan can cover
_PROTOCOL_AT_END = re.compile(r"(?:https?|mailto|xmpp)\n?\Z")  # the rule's own test uses `$`


def _within(state, end: int, rule, silent: bool) -> bool:
    """Run `rule` with the paragraph cut at `end` (the rule reads src[pos:posMax] in full)."""
    saved = state.posMax
    state.posMax = min(saved, end)
    try:
        return rule(state, silent)
    finally:
        state.posMax = saved


def _until_space(state) -> int:
    """End of the window an autolink rule needs: up to and including the next whitespace."""
    m = _AUTOLINK_END.search(state.src, state.pos)
    return m.end() if m else state.posMax


def _bounded_protocol(rule):
    def protocol(state, silent):
        # The rule only matches after "http", "https", "mailto" or "xmpp" in the pending text.
        if not _PROTOCOL_AT_END.search(state.pending[-7:]):
            return False
        return _within(state, _until_space(state), rule, silent)

    return protocol


def _bounded_www(rule):
    def www(state, silent):
        if not state.src.startswith("www.", state.pos):
            return False
        return _within(state, _until_space(state), rule, silent)

    return www


def _bounded_email(rule):
    def email(state, silent):
        # The domain scan stops at the first character outside [A-Za-z0-9._-] (an "@" fails
        # the match); keep that character so the rule sees where the domain ends.
        m = _EMAIL_DOMAIN.match(state.src, state.pos + 1)
        return _within(state, m.end() + 1, rule, silent)

    return email


_BOUNDED_RULES = {
    "gfm_autolink_www": _bounded_www,
    "gfm_autolink_protocol": _bounded_protocol,
    "gfm_autolink_email": _bounded_email,
}


def _linear_inline(md: MarkdownIt) -> None:
    inline = md.inline
    for name, wrap in _BOUNDED_RULES.items():
        rule = inline.ruler.__rules__[inline.ruler.__find__(name)]
        inline.ruler.at(name, wrap(rule.fn))
    inline._bot_dispatch = _Dispatch(inline)
    inline.tokenize = _tokenize.__get__(inline)  # type: ignore[method-assign]
    inline.skipToken = _skip_token.__get__(inline)  # type: ignore[method-assign]


# -- link destinations ---------------------------------------------------------------

# http(s) URLs that markdown-it's normalizeLink returns unchanged: a lowercase ASCII host
# (labels of 1-63 characters, at most 255 in all, as mdurl's parser requires), an optional
# port, then only characters mdurl.encode keeps as they are (no "%", no space, nothing
# outside ASCII). Most links in real documents are like this.
_UNCHANGED_URL = re.compile(
    r"https?://(?=[a-z0-9.-]{1,255}(?:[:/?#]|\Z))[a-z0-9-]{1,63}(?:\.[a-z0-9-]{1,63})*"
    r"(?::[0-9]+)?(?:[/?#][A-Za-z0-9;/?:@&=+$,\-_.!~*'()#]*)?\Z"
)


def normalize_link(url: str) -> str:
    """markdown-it's normalizeLink (mdurl parse -> punycode host -> format -> percent-encode),
    which costs ~11 µs a link, skipped for URLs it returns unchanged (tested against it)."""
    if _UNCHANGED_URL.match(url):
        return url
    return _normalize_link(url)


# -- block rules without their debug log ------------------------------------------------

# markdown-it-py's block rules start with LOGGER.debug("entering <rule>: ...", state, ...):
# a logging call per rule tried at every line start, ~50,000 per MB of Markdown and ~7% of
# a parse even with logging off. Our copies of the rules see a LOGGER whose debug() is a
# C no-op ("".format accepts any arguments and returns "").
_SILENT_LOGGER = SimpleNamespace(debug="".format)


def _without_debug_log(fn):
    globals_ = getattr(fn, "__globals__", None)
    if not isinstance(fn, FunctionType) or not isinstance(globals_, dict) or "LOGGER" not in globals_:
        return fn
    quiet = FunctionType(
        fn.__code__, {**globals_, "LOGGER": _SILENT_LOGGER}, fn.__name__, fn.__defaults__, fn.__closure__
    )
    quiet.__kwdefaults__ = fn.__kwdefaults__
    quiet.__qualname__ = fn.__qualname__
    return quiet


def _quiet_block_rules(md: MarkdownIt) -> None:
    ruler = md.block.ruler
    for rule in list(ruler.__rules__):
        quiet = _without_debug_log(rule.fn)
        if quiet is not rule.fn:
            ruler.at(rule.name, quiet, {"alt": list(rule.alt)})


def make_parser(cjk_friendly: bool = True, linear_inline: bool = True) -> MarkdownIt:
    """The bot's parser. linear_inline=False keeps markdown-it-py's own inline loop (and the
    block nesting limit for inline too): the reference the local patch is tested against."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": BLOCK_MAX_NESTING})
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
    if linear_inline:
        _linear_inline(md)
        md.normalizeLink = normalize_link  # type: ignore[method-assign]
        _quiet_block_rules(md)
    use_depth_guard(md)
    use_paragraph_pieces(md)
    if linear_inline:
        use_paragraph_terminators(md)  # (after every block rule is installed: it reads the chain)
        use_line_rules(md)
    return md


# The parser's line breaks (CommonMark: LF, CRLF and a lone CR; markdown-it normalizes the
# last two to LF before parsing), so its token maps count lines the same way.
_MARKDOWN_LINE_BREAK = re.compile(r"\n|\r(?!\n)")


def markdown_lines(text: str) -> list[str]:
    """`text` cut into the lines the parser's token maps number. A CRLF line keeps its CR, so
    "\n".join(lines) gives a CRLF file back unchanged (a lone CR becomes LF)."""
    return _MARKDOWN_LINE_BREAK.split(text)


_PARSER: MarkdownIt | None = None


def get_parser() -> MarkdownIt:
    global _PARSER
    if _PARSER is None:
        _PARSER = make_parser()
    return _PARSER
