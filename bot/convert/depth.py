"""Deep nesting keeps every word: what is nested deeper than MAX_LEVEL is flattened.

markdown-it stops at `maxNesting` and silently drops the rest of the container (a blockquote
nested 10,000 deep lost its text; a list nested 1,000 deep lost 900 items). This block rule runs
first at every level: at MAX_LEVEL it takes all that is left in the container as one paragraph
of literal text (the deeper `>` and `-` markers included), marked so the converter reports it.
Deep `<details>` are handled the same way by the converter (toggles stop at MAX_TOGGLES).
"""

from __future__ import annotations

MAX_LEVEL = 40  # markdown-it levels: a quote takes one, a list level two (list + item)
MAX_TOGGLES = 20  # nested <details> toggles; deeper ones stay literal text in the deepest toggle
FLATTENED = "bot_flattened"


def depth_guard(state, start_line: int, end_line: int, silent: bool) -> bool:
    if silent or state.level < MAX_LEVEL:
        return False
    content = state.getLines(start_line, end_line, state.blkIndent, False).strip()
    state.line = end_line
    if not content:
        return True
    opening = state.push("paragraph_open", "p", 1)
    opening.map = [start_line, end_line]
    opening.meta = {FLATTENED: True}
    inline = state.push("inline", "", 0)
    inline.content = content
    inline.map = [start_line, end_line]
    inline.children = []
    state.push("paragraph_close", "p", -1)
    return True


def use_depth_guard(md) -> None:
    """Install the guard before every other block rule (plugins included)."""
    first = md.block.ruler.get_all_rules()[0]
    md.block.ruler.before(first, "depth_guard", depth_guard)


def flattened_lines(tokens) -> list[int]:
    """0-based first lines of the paragraphs the guard made."""
    return [t.map[0] for t in tokens if t.type == "paragraph_open" and t.meta.get(FLATTENED) and t.map]
