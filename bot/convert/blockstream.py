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
  document, keeping its tokens packed in tuples (about half the memory), or, for a
  document dense in tokens, only what the pass records in `env`, and runs it again.

The result is token-for-token what `md.parse` produces:
- inline parsing happens in document order, so footnote ids (by first
  reference) are assigned in the same order;
- footnote definitions are inline-parsed where they stand and set aside, packed
  (bot.convert.footnote_tail), and the final footnote block is what the footnote
  plugin's own `footnote_tail` rule builds from them at the end, built one footnote
  at a time (`lazy_footnotes`: BlockStream renders each as it is built);
- the other core rules after `inline` only look at one block's tokens.

A top-level list is one block to markdown-it, but each of its items is a top-level block in
Notion, and a long list (a 1 MB one made ~190 MiB of tokens and blocks) is handed out one
item at a time (`_list_items`): markdown-it's own list rule runs until it starts the next
item, which then starts a rule run of its own, where the whole list's rule would have gone
on. Each step is a list of one item: its opening token, for the items after the first, a
copy of the first one marked LIST_CONTINUED (so the list's line and start number stay the
first item's); its closing token as the list rule makes it. Two differences from `md.parse`
remain, and nothing reads either: the paragraphs of a tight list's items are not `hidden`,
but the last item's when it alone is tight (the list rule marks them at the list's end, and
the whole list's tightness is known only there; Notion has no loose lists); and the list's
map ends, while it is handed out, at the item handed out last.
"""

from __future__ import annotations

from array import array
from collections import deque
from collections.abc import Iterable, Iterator

from markdown_it import MarkdownIt
from markdown_it.rules_block.state_block import StateBlock
from markdown_it.rules_core import block as core_block_rule
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from mdit_py_plugins.footnote.index import footnote_tail

from .footnote_tail import FootnoteTail, PendingFootnotes
from .parser import new_token
from .pieces import cut_huge_paragraphs, cut_paragraph, is_huge_paragraph

# Core rules that only read and change the tokens of one top-level block.
_BLOCK_LOCAL_RULES = frozenset({"inline", "linkify", "replacements", "smartquotes", "text_join"})
# Cuts huge paragraphs (bot.convert.pieces): done here step by step, one piece parsed at a time.
_CUT_RULE = "cut_paragraphs"
# Core rules that work on the document as a whole, run once at the end.
_DOCUMENT_TAIL_RULES = frozenset({"footnote_tail"})
# Every reference and footnote definition contains this (a label, then a colon).
_DEFINITION_MARK = "]:"
# meta key of the opening token of a streamed top-level list's items after the first
LIST_CONTINUED = "bot_list_continued"
# StateBlock's per-line caches (line start and end offsets, indents)
_LINE_CACHES = ("bMarks", "eMarks", "tShift", "sCount", "bsCount")
_ARRAY_LINES = 20_000


def _core_rule(md: MarkdownIt, name: str):
    ruler = md.core.ruler
    return ruler.__rules__[ruler.__find__(name)].fn


class _NextItem(Exception):
    """The list rule, run for one top-level list item, starts the next one (`_list_items`)."""


class _StateBlock(StateBlock):
    # top-level list items pushed by a list rule run for one item; None: not such a run
    items_pushed: int | None = None

    def __init__(self, src: str, md: MarkdownIt, env: dict, tokens: list[Token]) -> None:
        super().__init__(src, md, env, tokens)
        # The per-line caches of the whole document are held for the whole stream: as lists, a
        # line costs 5 slots and 2 int objects (104 bytes; 18 MiB for a 1 MB document of short
        # lines, `<div></x>` and blank lines). Past _ARRAY_LINES lines they are arrays of machine
        # integers (16 bytes a line; the rules only index them, and assign by index), which
        # read ~4% slower: a document of fewer lines keeps the lists (at most ~2 MiB).
        if self.lineMax > _ARRAY_LINES:
            for name in _LINE_CACHES:
                setattr(self, name, array("q", getattr(self, name)))

    def push(self, ttype: str, tag: str, nesting) -> Token:  # markdown-it-py 4.3's, with new_token
        if self.items_pushed is not None and ttype == "list_item_open" and self.level == 1:
            if self.items_pushed:
                raise _NextItem  # before the push: the state is as between two items
            self.items_pushed = 1
        token = new_token(ttype, tag, nesting)
        token.block = True
        if nesting < 0:
            self.level -= 1  # closing tag
        token.level = self.level
        if nesting > 0:
            self.level += 1  # opening tag
        self.tokens.append(token)
        return token


def _block_pass(md: MarkdownIt, src: str, env: dict, skips: dict[int, int] | None = None) -> Iterator[list[Token]]:
    """markdown-it's block pass (core rule `block` -> ParserBlock.parse), yielding the
    tokens of each top-level rule as soon as it has run. The loop is ParserBlock.tokenize's
    at the top level, where its nesting checks (blkIndent 0, level 0) never stop it.

    `skips` (start line -> next line) of the steps that made no tokens (definitions):
    filled in when empty, skipped when not - a second pass over the same source needs
    only the steps that make tokens. (Only `state.tight` could differ, and no rule reads
    it at the top level: the list rule sets its own.)"""
    if not src:
        return
    state = _StateBlock(src, md, env, [])
    rules = md.block.ruler.getRules("")
    # the rules that may start at a line (bot.convert.block_rules), where the parser has them
    rules_at = getattr(md.block, "line_rules", None) or (lambda state, line: rules)
    ruler = md.block.ruler
    list_rule = ruler.__rules__[ruler.__find__("list")].fn if "list" in ruler.get_active_rules() else None
    line, end = state.line, state.lineMax
    has_empty_lines = False
    replay = bool(skips)
    while line < end:
        state.line = line = state.skipEmptyLines(line)
        if line >= end:
            break
        if replay and line in skips:
            state.line = line = skips[line]
            continue
        start = line
        made = False  # tokens handed out already (a list, item by item)
        for rule in rules_at(state, line):
            if rule is list_rule:
                for item in _list_items(state, rule, line, end):
                    made = True
                    yield item
                if not made:
                    continue
            elif not rule(state, line, end, False):
                continue
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
        elif skips is not None and not replay and not made:
            skips[start] = line


def _list_items(state: _StateBlock, list_rule, line: int, end: int) -> Iterator[list[Token]]:
    """The top-level list starting at `line` (if one does), one item at a time: markdown-it's
    list rule is run from each item's line and stopped as it starts the next (its checks that
    the list goes on - indent, terminators, marker - have passed by then). From an item's line
    the rule parses the item as the whole list's rule does: at the top level blkIndent and
    listIndent are the same for every item, and nothing else carries from one item to the next
    but the list's tightness."""
    first: Token | None = None
    parent = state.parentType
    while True:
        state.items_pushed = 0
        try:
            if not list_rule(state, line, end, False):
                return
            more = False
        except _NextItem:
            more = True
            state.parentType = parent
            opening = state.tokens[0]
            state.items_pushed = None
            state.push(opening.type[:-5] + "_close", opening.tag, -1).markup = opening.markup
        finally:
            state.items_pushed = None
        tokens, state.tokens = state.tokens, []
        if first is None:
            first = tokens[0]
        else:
            tokens[0] = _continued(first)
        first.map[1] = state.line  # (the list's end so far)
        yield tokens
        if not more:
            return
        line = state.line


def _continued(first: Token) -> Token:
    token = new_token(first.type, first.tag, 1)
    token.block, token.level, token.markup, token.map = True, first.level, first.markup, first.map
    if first.attrs:
        token.attrs = dict(first.attrs)
    token.meta = {LIST_CONTINUED: True}
    return token


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


# The definitions pass keeps the block tokens it makes, packed (below), while there are at
# most this many per character of source, or MIN_KEPT_TOKENS: ~120 bytes each, so at most
# ~8 MiB per MB of Markdown. A denser document (a table of one-letter cells) drops them and
# runs the block pass again, which costs 20-35% of a bare parse but no memory.
PACKED_TOKENS_PER_CHAR = 0.07
MIN_KEPT_TOKENS = 10_000
# Up to this many they stay Token objects (~400 bytes each: at most ~4 MiB): packing and
# unpacking cost more time than the memory they save is worth in a document that small (a
# 260 KB reference page with 8,700 block tokens spent ~5% of its conversion on them).
RAW_KEPT_TOKENS = 10_000


def _block_steps(md: MarkdownIt, state: StateCore) -> tuple[Iterator[list[Token]], bool]:
    """The block pass's tokens, one top-level rule at a time, with every reference and
    footnote definition of the document already in state.env; and whether it has any."""
    if _DEFINITION_MARK not in state.src:
        return _block_pass(md, state.src, state.env), False
    budget = max(MIN_KEPT_TOKENS, int(len(state.src) * PACKED_TOKENS_PER_CHAR))
    kept: deque | None = deque()
    packed = False
    count = 0
    skips: dict[int, int] = {}
    for tokens in _block_pass(md, state.src, state.env, skips):
        if kept is None:
            continue  # over the budget: only the definitions recorded in env are kept
        count += len(tokens)
        if count > budget:
            kept = None  # frees what was packed so far
        elif packed:
            kept.append(_pack(tokens))
        elif count > RAW_KEPT_TOKENS:
            kept = deque(_pack(raw) for raw in kept)
            kept.append(_pack(tokens))
            packed = True
        else:
            kept.append(tokens)
    if kept is not None:
        return (_drain_packed(kept) if packed else _drain(kept)), True
    footnotes = state.env.get("footnotes")
    if footnotes and "refs" in footnotes:
        footnotes["refs"] = _FootnoteIds(footnotes["refs"])
    return _block_pass(md, state.src, state.env, skips), True


# -- block tokens kept between the two passes -----------------------------------------------
# A Token with its attrs, meta and map dicts is ~400 bytes; its fields in a tuple ~200, and a
# token that is only its kind (every closing token) one shared tuple.
_SHARED: dict[tuple, tuple] = {}


def _pack(tokens: list[Token]) -> list[tuple]:
    packed = []
    for t in tokens:
        if t.map is None and not t.attrs and not t.meta and t.children is None and not t.content and not t.info:
            kind = (t.type, t.tag, t.nesting, t.level, t.markup, t.block, t.hidden)
            packed.append(_SHARED.setdefault(kind, kind))
        else:
            lines = t.map
            packed.append(
                (
                    t.type,
                    t.tag,
                    t.nesting,
                    t.level,
                    t.markup,
                    t.block,
                    t.hidden,
                    t.attrs or None,
                    lines[0] if lines else None,
                    lines[1] if lines else None,
                    t.children is not None,
                    t.content,
                    t.info,
                    t.meta or None,
                )
            )
    return packed


def _unpack(packed: list[tuple]) -> list[Token]:
    tokens = []
    for p in packed:
        t = new_token(p[0], p[1], p[2])
        t.level, t.markup, t.block, t.hidden = p[3], p[4], p[5], p[6]
        if len(p) > 7:
            if p[7] is not None:
                t.attrs = p[7]
            if p[8] is not None:
                t.map = [p[8], p[9]]
            if p[10]:
                t.children = []
            t.content, t.info = p[11], p[12]
            if p[13] is not None:
                t.meta = p[13]
        tokens.append(t)
    return tokens


def _drain(steps: deque[list[Token]]) -> Iterator[list[Token]]:
    while steps:
        yield steps.popleft()


def _drain_packed(steps: deque[list[tuple]]) -> Iterator[list[Token]]:
    while steps:
        yield _unpack(steps.popleft())  # popped: freed as the document is converted


def iter_block_tokens(md: MarkdownIt, text: str, *, lazy_footnotes: bool = False) -> Iterator[list[Token]]:
    """Yield the fully parsed tokens of each top-level block of `text`, in order, then the
    tokens the document-wide rules append (the footnote block), if any. (A top-level block is
    what one block rule made at the top level: one node, as markdown-it's rules go.)
    `lazy_footnotes`: the footnote block as a FootnoteTail (bot.convert.footnote_tail), which
    builds it one footnote at a time, instead of its tokens."""
    names = md.core.ruler.get_active_rules()
    cut = names.index("block")
    after_block = names[cut + 1 :]
    known_block_rule = _core_rule(md, "block") is core_block_rule
    known_tail = "footnote_tail" not in after_block or _core_rule(md, "footnote_tail") is footnote_tail
    if (
        not known_block_rule
        or not known_tail
        or not set(after_block) <= _BLOCK_LOCAL_RULES | _DOCUMENT_TAIL_RULES | {_CUT_RULE}
    ):
        yield md.parse(text)  # an unknown document-wide rule: parse in one go
        return
    env: dict = {}
    state = StateCore(text, md, env)
    for name in names[:cut]:
        _core_rule(md, name)(state)
    local = [_core_rule(md, n) for n in after_block if n in _BLOCK_LOCAL_RULES]
    steps, has_definitions = _block_steps(md, state)
    # footnote definitions, set aside packed as they come (their tokens would wait for the end)
    footnotes = PendingFootnotes()
    cut = _CUT_RULE in after_block
    for tokens in (piece for step in steps for piece in (_pieces(step) if cut else (step,))):
        state.tokens = tokens
        for rule in local:
            rule(state)
        tokens = state.tokens
        state.tokens = []
        if has_definitions:  # footnote definitions are among them
            tokens = footnotes.set_aside(tokens)
        if tokens:
            yield tokens
    tail = after_block[next((i for i, n in enumerate(after_block) if n in _DOCUMENT_TAIL_RULES), len(after_block)) :]
    if not tail or not env.get("footnotes", {}).get("list"):
        return  # (footnote_tail makes no block then, and drops what was set aside)
    section = FootnoteTail(state, footnotes, [_core_rule(md, n) for n in tail[1:] if n != "inline"])
    yield section if lazy_footnotes else section.tokens()


def _pieces(step: list[Token]) -> Iterator[list[Token]]:
    """A step that is one huge top-level paragraph, as one step per piece (each inline-parsed
    and rendered before the next is); a huge paragraph deeper inside a step is cut in place."""
    if len(step) == 3 and is_huge_paragraph(step, 0):
        yield from cut_paragraph(step, 0)
    else:
        yield cut_huge_paragraphs(step)


class LazySiblings:
    """A sequence of top-level nodes read from an iterator only as far as it is indexed.

    Renderers that consume following siblings (an HTML element left open runs on over the
    Markdown blocks after it) loop `while j < len(nodes)`: len() reports one node past the
    last one read, if there is one, so such loops pull exactly the siblings they use. (The
    converter builds one for each HTML run; `read()` tells what it read past the run's end.)
    """

    def __init__(self, nodes: Iterable) -> None:
        self._source = iter(nodes)
        self._nodes: list = []
        self._forgotten = 0  # nodes before this index are let go (forget_before)
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
        """Let go of the nodes before `index` (an HTML run has fed them into its element tree);
        they read as None in read(), which keeps its length."""
        nodes, start = self._nodes, self._forgotten
        for k in range(start, min(index, len(nodes))):
            nodes[k] = None
        self._forgotten = max(start, min(index, len(nodes)))

    def read(self) -> list:
        """The nodes read so far (forgotten ones as None)."""
        return self._nodes
