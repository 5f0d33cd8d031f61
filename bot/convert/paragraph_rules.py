"""Paragraph and setext-heading rules that offer each continuation line only the terminators
that may start there.

markdown-it's `paragraph` and `lheading` rules walk a paragraph line by line and, at every line,
call each rule of the "paragraph" chain (fence, blockquote, hr, list, html_block, heading, table,
the plugins' ...) in silent mode to see whether it ends the paragraph; `lheading` does it first
(for an underline), `paragraph` again. On prose that is most of the block rule calls. As in
bot.convert.block_rules (same FIRST_CHARS, same reasoning), a rule that starts with a given
character is asked only at lines starting with it: a continuation line reaches the terminators
only when it is indented less than 4 columns (deeper lines are lazy continuations), so only the
first character decides. Same rules, same order, same tokens: fewer calls.

The two functions are markdown-it-py 4.3's (pinned in pyproject.toml), with that loop changed.
"""

from __future__ import annotations

from markdown_it.common.utils import mdTrim

from .block_rules import _may_start


class Terminators:
    """The "paragraph" chain's rules that may start at a line, in the chain's order (cached per
    first character; rebuilt when the ruler's rules change)."""

    def __init__(self, ruler) -> None:
        self._ruler = ruler
        self._rules: list | None = None
        self._named: list = []
        self._by_char: dict[str, tuple] = {}

    def __call__(self, state, line: int) -> tuple:
        rules = self._ruler.getRules("paragraph")
        if rules is not self._rules:  # first use, or the ruler changed (enable/disable/at)
            names = {id(rule.fn): rule.name for rule in self._ruler.__rules__}
            self._rules, self._named, self._by_char = rules, [(names.get(id(fn)), fn) for fn in rules], {}
        first = state.src[state.bMarks[line] + state.tShift[line]]
        found = self._by_char.get(first)
        if found is None:
            # Never indented 4+ (skipped before), never the first line, deep rules never
            # terminate (the depth guard says no in silent mode).
            found = self._by_char[first] = tuple(
                fn for name, fn in self._named if _may_start(name, first, False, False, False)
            )
        return found


def _terminates(terminators: Terminators, state, line: int, endLine: int) -> bool:
    for rule in terminators(state, line):
        if rule(state, line, endLine, True):
            return True
    return False


def make_paragraph(terminators: Terminators):
    def paragraph(state, startLine: int, endLine: int, silent: bool) -> bool:
        nextLine = startLine + 1
        endLine = state.lineMax
        oldParentType = state.parentType
        state.parentType = "paragraph"
        # jump line-by-line until empty one or EOF
        while nextLine < endLine:
            if state.isEmpty(nextLine):
                break
            # this would be a code block normally, but after paragraph
            # it's considered a lazy continuation regardless of what's there
            # (and a negative count: the blockquote rule checked that line already)
            if state.sCount[nextLine] - state.blkIndent > 3 or state.sCount[nextLine] < 0:
                nextLine += 1
                continue
            # Some tags can terminate paragraph without empty line.
            if _terminates(terminators, state, nextLine, endLine):
                break
            nextLine += 1

        content = mdTrim(state.getLines(startLine, nextLine, state.blkIndent, False))
        state.line = nextLine
        token = state.push("paragraph_open", "p", 1)
        token.map = [startLine, state.line]
        token = state.push("inline", "", 0)
        token.content = content
        token.map = [startLine, state.line]
        token.children = []
        token = state.push("paragraph_close", "p", -1)
        state.parentType = oldParentType
        return True

    return paragraph


def make_lheading(terminators: Terminators):
    def lheading(state, startLine: int, endLine: int, silent: bool) -> bool:
        level = None
        nextLine = startLine + 1
        if state.is_code_block(startLine):
            return False
        oldParentType = state.parentType
        state.parentType = "paragraph"  # use paragraph to match terminatorRules
        # jump line-by-line until empty one or EOF
        while nextLine < endLine and not state.isEmpty(nextLine):
            # this would be a code block normally, but after paragraph
            # it's considered a lazy continuation regardless of what's there
            if state.sCount[nextLine] - state.blkIndent > 3:
                nextLine += 1
                continue
            # Check for underline in setext header
            if state.sCount[nextLine] >= state.blkIndent:
                pos = state.bMarks[nextLine] + state.tShift[nextLine]
                maximum = state.eMarks[nextLine]
                if pos < maximum:
                    marker = state.src[pos]
                    if marker in ("-", "="):
                        pos = state.skipCharsStr(pos, marker)
                        pos = state.skipSpaces(pos)
                        if pos >= maximum:
                            level = 1 if marker == "=" else 2
                            break
            # quirk for blockquotes, this line should already be checked by that rule
            if state.sCount[nextLine] < 0:
                nextLine += 1
                continue
            # Some tags can terminate paragraph without empty line.
            if _terminates(terminators, state, nextLine, endLine):
                break
            nextLine += 1

        if not level:
            # Didn't find valid underline (parentType stays "paragraph", as markdown-it leaves it)
            return False
        content = mdTrim(state.getLines(startLine, nextLine, state.blkIndent, False))
        state.line = nextLine + 1
        token = state.push("heading_open", "h" + str(level), 1)
        token.markup = marker
        token.map = [startLine, state.line]
        token = state.push("inline", "", 0)
        token.content = content
        token.map = [startLine, state.line - 1]
        token.children = []
        token = state.push("heading_close", "h" + str(level), -1)
        token.markup = marker
        state.parentType = oldParentType
        return True

    return lheading


def use_paragraph_terminators(md) -> None:
    """Replace the `paragraph` and `lheading` rules (same names, same chains) by the copies above."""
    ruler = md.block.ruler
    terminators = Terminators(ruler)
    for name, make in (("paragraph", make_paragraph), ("lheading", make_lheading)):
        rule = ruler.__rules__[ruler.__find__(name)]
        ruler.at(name, make(terminators), {"alt": list(rule.alt)})
