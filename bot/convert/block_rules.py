"""Which block rules can start at a line: markdown-it's block loop, offering each line only those.

markdown-it tries every block rule, in order, at the start of each block (15 rules with the
bot's plugins, and each rule is a Python call that reads the line before it says no). Most
rules say no at once unless the line's first character (after its indentation) is theirs: a
fence starts with ` or ~, a heading with #, an HTML block with < ... (read from the sources of
markdown-it-py 4 and mdit-py-plugins: each checks that character before anything else, after
`is_code_block`, and changes no state before it returns False). So a paragraph line is offered
to table, lheading and paragraph only. Same rules, same order, same tokens: fewer calls.

A rule not named here is offered every line (a plugin added later keeps working).
"""

from __future__ import annotations

from .depth import MAX_LEVEL

FIRST_CHARS = {
    "fence": "`~",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "footnote_def": "[",
    "html_block": "<",
    "heading": "#",
    "math_block": "$",
}
CODE_RULES = frozenset({"code"})  # only an indented line (4 columns or more) starts a code block
FIRST_LINE_RULES = frozenset({"front_matter"})  # only the document's first line
DEEP_RULES = frozenset({"depth_guard"})  # only at MAX_LEVEL and deeper (bot.convert.depth)


def _may_start(name: str | None, first: str, indented: bool, first_line: bool, deep: bool) -> bool:
    if name in DEEP_RULES:
        return deep
    if name in FIRST_LINE_RULES:
        return first_line
    if name in CODE_RULES:
        return indented
    chars = FIRST_CHARS.get(name) if name is not None else None
    return chars is None or (first in chars and not indented)


class LineRules:
    """The ruler's rules that may start at a line, in the ruler's order (cached per kind of line;
    rebuilt when the ruler's rules change)."""

    def __init__(self, ruler) -> None:
        self._ruler = ruler
        self._rules: list | None = None
        self._named: list = []
        self._cache: dict[tuple, list] = {}

    def __call__(self, state, line: int) -> list:
        rules = self._ruler.getRules("")
        if rules is not self._rules:  # first use, or the ruler changed (enable/disable/at)
            names = {id(rule.fn): rule.name for rule in self._ruler.__rules__}
            self._rules, self._named, self._cache = rules, [(names.get(id(fn)), fn) for fn in rules], {}
        key = (
            state.src[state.bMarks[line] + state.tShift[line]],
            state.sCount[line] - state.blkIndent >= 4,
            line == 0,
            state.level >= MAX_LEVEL,
        )
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = [fn for name, fn in self._named if _may_start(name, *key)]
        return found


def use_line_rules(md) -> None:
    """markdown-it-py's ParserBlock.tokenize (the loop for nested blocks: list items, quotes),
    offering each line only the rules that may start there."""
    block = md.block
    rules_at = LineRules(block.ruler)

    def tokenize(state, startLine: int, endLine: int) -> None:
        line = startLine
        maxNesting = state.md.options.maxNesting
        hasEmptyLines = False
        while line < endLine:
            state.line = line = state.skipEmptyLines(line)
            if line >= endLine:
                break
            if state.sCount[line] < state.blkIndent:
                # Termination condition for nested calls (blockquotes and lists).
                break
            if state.level >= maxNesting:
                state.line = endLine
                break
            ok = False
            for rule in rules_at(state, line):
                ok = rule(state, line, endLine, False)
                if ok:
                    if state.line <= line:
                        raise RuntimeError("block rule didn't increment state.line")
                    break
            if not ok:
                raise RuntimeError("none of the block rules matched")
            state.tight = not hasEmptyLines
            line = state.line
            # paragraph might "eat" one newline after it in nested lists
            if (line - 1) < endLine and state.isEmpty(line - 1):
                hasEmptyLines = True
            if line < endLine and state.isEmpty(line):
                hasEmptyLines = True
                line += 1
                state.line = line

    block.tokenize = tokenize
    block.line_rules = rules_at  # the top-level loop (blockstream) uses the same
