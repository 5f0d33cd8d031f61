"""Parse a document one top-level block at a time.

markdown-it parses in two passes: the block pass turns the whole document into
block tokens whose inline content is still a string, then the inline pass turns
every `inline` token's content into child tokens. Holding either pass's tokens for
a whole document costs far more than the document (block tokens alone: ~22 MiB per
MB of Markdown; with their children: ~50). Here both passes run one top-level block
at a time, and a block's tokens can be freed as soon as it is rendered:

- the block pass is markdown-it's own loop (ParserBlock.tokenize) at the top level,
  stopped after each top-level rule to hand that block's tokens out;
- the inline pass of a block runs just before it is rendered. It needs every
  reference definition ([label]: url) and footnote definition ([^n]: ...) of the
  document, wherever they stand. Both contain "]:", so a document without it has
  none and needs one pass; one with it first runs the block pass through the whole
  document, keeping only what it records in `env`, then again block by block.

The result is token-for-token what `md.parse` produces:
- inline parsing happens in document order, so footnote ids (by first
  reference) are assigned in the same order;
- footnote definitions are inline-parsed where they stand, set aside, and the
  footnote plugin's own `footnote_tail` rule builds the final footnote block
  from them at the end;
- the other core rules after `inline` only look at one block's tokens.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core import block as core_block_rule
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from .parser import new_token

# Core rules that only read and change the tokens of one top-level block.
_BLOCK_LOCAL_RULES = frozenset({"inline", "linkify", "replacements", "smartquotes", "text_join"})
# Core rules that work on the document as a whole, run once at the end.
_DOCUMENT_TAIL_RULES = frozenset({"footnote_tail"})
# Every reference and footnote definition contains this (a label, then a colon).
_DEFINITION_MARK = "]:"


def _core_rule(md: MarkdownIt, name: str):
    ruler = md.core.ruler
    return ruler.__rules__[ruler.__find__(name)].fn


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


class _StateBlock(StateBlock):
    def push(self, ttype: str, tag: str, nesting) -> Token:  # markdown-it-py 4.3's, with new_token
        token = new_token(ttype, tag, nesting)
        token.block = True
        if nesting < 0:
            self.level -= 1  # closing tag
        token.level = self.level
        if nesting > 0:
            self.level += 1  # opening tag
        self.tokens.append(token)
        return token


def _block_pass(md: MarkdownIt, src: str, env: dict) -> Iterator[list[Token]]:
    """markdown-it's block pass (core rule `block` -> ParserBlock.parse), yielding the
    tokens of each top-level rule as soon as it has run. The loop is ParserBlock.tokenize's
    at the top level, where its nesting checks (blkIndent 0, level 0) never stop it."""
    if not src:
        return
    state = _StateBlock(src, md, env, [])
    rules = md.block.ruler.getRules("")
    line, end = state.line, state.lineMax
    has_empty_lines = False
    while line < end:
        state.line = line = state.skipEmptyLines(line)
        if line >= end:
            break
        for rule in rules:
            if rule(state, line, end, False):
                if state.line <= line:
                    raise RuntimeError("block rule didn't increment state.line")
                break
        else:
            raise RuntimeError("none of the block rules matched")
        state.tight = not has_empty_lines
        line = state.line
        if (line - 1) < end and state.isEmpty(line - 1):
            has_empty_lines = True
        if line < end and state.isEmpty(line):
            has_empty_lines = True
            line += 1
            state.line = line
        if state.tokens:
            yield state.tokens
            state.tokens = []


class _FootnoteIds(dict):
    """The footnote plugin's label -> id map for a block pass run after inline parsing began.

    Its footnote_def rule sets a label to -1 ("defined, not yet referenced"). In a whole
    -document parse every definition is read before any reference is numbered; here a
    definition can be read again after a reference earlier in the document numbered it,
    and that number must stay."""

    def __setitem__(self, label: str, footnote_id: int) -> None:
        if footnote_id == -1 and self.get(label, -1) >= 0:
            return
        super().__setitem__(label, footnote_id)


def _collect_definitions(md: MarkdownIt, state: StateCore) -> bool:
    """Whether the document has reference or footnote definitions; if so, the block pass has
    run through all of it and they are in state.env (its tokens were dropped as it went)."""
    if _DEFINITION_MARK not in state.src:
        return False
    for _ in _block_pass(md, state.src, state.env):
        pass
    footnotes = state.env.get("footnotes")
    if footnotes and "refs" in footnotes:
        footnotes["refs"] = _FootnoteIds(footnotes["refs"])
    return True


def iter_block_tokens(md: MarkdownIt, text: str) -> Iterator[list[Token]]:
    """Yield the fully parsed tokens of each top-level block of `text`, in order, then the
    tokens the document-wide rules append (the footnote block), if any. (A top-level block is
    what one block rule made at the top level: one node, as markdown-it's rules go.)"""
    names = md.core.ruler.get_active_rules()
    cut = names.index("block")
    after_block = names[cut + 1 :]
    known_block_rule = _core_rule(md, "block") is core_block_rule
    if not known_block_rule or not set(after_block) <= _BLOCK_LOCAL_RULES | _DOCUMENT_TAIL_RULES:
        yield md.parse(text)  # an unknown document-wide rule: parse in one go
        return
    env: dict = {}
    state = StateCore(text, md, env)
    for name in names[:cut]:
        _core_rule(md, name)(state)
    if state.inlineMode:
        yield md.parse(text)
        return
    local = [_core_rule(md, n) for n in after_block if n in _BLOCK_LOCAL_RULES]
    has_definitions = _collect_definitions(md, state)
    footnotes: list[Token] = []
    for tokens in _block_pass(md, state.src, env):
        state.tokens = tokens
        for rule in local:
            rule(state)
        tokens = state.tokens
        state.tokens = []
        if has_definitions:  # footnote definitions are among them
            tokens = _set_aside_footnotes(tokens, footnotes)
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
