"""Parse a document one top-level block at a time.

markdown-it parses in two passes: the block pass turns the whole document into
block tokens whose inline content is still a string, then the inline pass turns
every `inline` token's content into child tokens. The children are most of the
memory (a full parse holds ~30 MiB of tokens per MB of Markdown). Here the block
pass runs over the whole document as usual - it is what collects the
document-wide reference definitions ([label]: url) and footnote definitions -
and the inline pass runs one top-level block at a time, just before that block
is rendered; its tokens can be freed as soon as the block is.

The result is token-for-token what `md.parse` produces:
- inline parsing happens in document order, so footnote ids (by first
  reference) are assigned in the same order;
- footnote definitions are inline-parsed where they stand, set aside, and the
  footnote plugin's own `footnote_tail` rule builds the final footnote block
  from them at the end;
- the other core rules after `inline` only look at one block's tokens.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

# Core rules that only read and change the tokens of one top-level block.
_BLOCK_LOCAL_RULES = frozenset({"inline", "linkify", "replacements", "smartquotes", "text_join"})
# Core rules that work on the document as a whole, run once at the end.
_DOCUMENT_TAIL_RULES = frozenset({"footnote_tail"})


def _core_rule(md: MarkdownIt, name: str):
    ruler = md.core.ruler
    return ruler.__rules__[ruler.__find__(name)].fn


def _top_level_groups(tokens: list[Token]) -> deque[list[Token]]:
    """The token stream cut into top-level blocks (an open token through its close)."""
    groups: deque[list[Token]] = deque()
    depth = 0
    for tok in tokens:
        if depth == 0:
            groups.append([tok])
        else:
            groups[-1].append(tok)
        depth += tok.nesting
    return groups


def _set_aside_footnotes(tokens: list[Token], footnotes: list[Token]) -> list[Token]:
    """Move footnote definitions (footnote_reference_open .. _close) into `footnotes`."""
    if not any(t.type == "footnote_reference_open" for t in tokens):
        return tokens
    kept: list[Token] = []
    inside = False
    for tok in tokens:
        if tok.type == "footnote_reference_open":
            inside = True
        if inside:
            footnotes.append(tok)
        else:
            kept.append(tok)
        if tok.type == "footnote_reference_close":
            inside = False
    return kept


def iter_block_tokens(md: MarkdownIt, text: str) -> Iterator[list[Token]]:
    """Yield the fully parsed tokens of each top-level block of `text`, in order, then the
    tokens the document-wide rules append (the footnote block), if any."""
    names = md.core.ruler.get_active_rules()
    cut = names.index("block") + 1
    after_block = names[cut:]
    if not set(after_block) <= _BLOCK_LOCAL_RULES | _DOCUMENT_TAIL_RULES:
        yield md.parse(text)  # an unknown document-wide rule: parse in one go
        return
    env: dict = {}
    state = StateCore(text, md, env)
    for name in names[:cut]:
        _core_rule(md, name)(state)
    groups = _top_level_groups(state.tokens)
    state.tokens = []
    local = [_core_rule(md, n) for n in after_block if n in _BLOCK_LOCAL_RULES]
    footnotes: list[Token] = []
    while groups:
        state.tokens = groups.popleft()  # popped: nothing else keeps the block's tokens
        for rule in local:
            rule(state)
        tokens = _set_aside_footnotes(state.tokens, footnotes)
        state.tokens = []
        if tokens:
            yield tokens
    tail = after_block[next((i for i, n in enumerate(after_block) if n in _DOCUMENT_TAIL_RULES), len(after_block)):]
    if not tail:
        return
    state.tokens = footnotes
    for name in tail:
        if name != "inline":  # every block has been through it already
            _core_rule(md, name)(state)
    if state.tokens:
        yield state.tokens


class LazySiblings:
    """A sequence of top-level nodes read from an iterator only as far as it is indexed.

    Renderers that consume following siblings (an HTML element left open runs on over the
    Markdown blocks after it) loop `while j < len(nodes)`: len() reports one node past the
    last one read, if there is one, so such loops pull exactly the siblings they use.
    """

    def __init__(self, nodes: Iterable) -> None:
        self._source = iter(nodes)
        self._nodes: list = []
        self._exhausted = False

    def _read_to(self, index: int) -> None:
        while len(self._nodes) <= index and not self._exhausted:
            try:
                self._nodes.append(next(self._source))
            except StopIteration:
                self._exhausted = True

    def __len__(self) -> int:
        self._read_to(len(self._nodes))
        return len(self._nodes)

    def __getitem__(self, index: int):
        if index < 0:
            raise IndexError("LazySiblings supports forward indexing only")
        self._read_to(index)
        node = self._nodes[index]
        if node is None:
            raise IndexError(f"node {index} was already rendered and forgotten")
        return node

    def forget_before(self, index: int) -> None:
        """Drop rendered nodes so their tokens can be freed."""
        for k in range(index - 1, -1, -1):
            if self._nodes[k] is None:
                break
            self._nodes[k] = None
