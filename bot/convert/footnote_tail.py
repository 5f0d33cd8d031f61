"""The footnote section of a document parsed block by block, built one footnote at a time.

markdown-it's footnote plugin parses a definition ([^n]: ...) where it stands, and its core
rule `footnote_tail` builds the section at the end of the document from every definition at
once: the footnotes that were referenced, in the order of their ids (first reference), each
`footnote_open`, the definition's tokens, a `footnote_anchor` per reference, `footnote_close`.
Holding every definition's Token objects until the end (~11 per one-line note, ~3 KB), then
the whole section's tokens, tree and Notion blocks at once, cost 105 MiB per MB of a document
of footnotes. Here (bot.convert.blockstream sets the definitions aside, BlockStream renders):

- `PendingFootnotes` keeps each definition, once inline-parsed where it stands, as its tokens'
  fields in marshal bytes (~45 bytes per token), keyed by label as footnote_tail keys them
  (a label defined twice: the last definition);
- `FootnoteTail` gives the section's tokens one footnote at a time, `footnote(id)` being
  exactly what footnote_tail makes for that footnote, the core rules after it applied; its
  `tokens()` is the whole section, token for token footnote_tail's.

The converter orders the footnotes itself (by the numbers it gave the references) and renders
one at a time (md_to_blocks); nothing of the section is held but the packed definitions.
"""

from __future__ import annotations

import marshal
from collections.abc import Callable, Iterator

from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token

from .depth import flattened_lines
from .parser import new_token


def _fields(t: Token) -> tuple:
    children = t.children
    return (
        t.type,
        t.tag,
        t.nesting,
        t.attrs or None,
        t.map,
        t.level,
        None if children is None else [_fields(c) for c in children],
        t.content,
        t.markup,
        t.info,
        t.meta or None,
        t.block,
        t.hidden,
    )


def _token(f: tuple) -> Token:
    t = new_token(f[0], f[1], f[2])
    if f[3] is not None:
        t.attrs = f[3]
    t.map = f[4]
    t.level = f[5]
    if f[6] is not None:
        t.children = [_token(c) for c in f[6]]
    t.content, t.markup, t.info = f[7], f[8], f[9]
    if f[10] is not None:
        t.meta = f[10]
    t.block, t.hidden = f[11], f[12]
    return t


def pack_tokens(tokens: list[Token]) -> bytes | list[Token]:
    """The tokens (children included) as marshal bytes: field for field, dicts in their order;
    as they are when a field holds what marshal cannot write (a plugin's object in `meta`)."""
    try:
        return marshal.dumps([_fields(t) for t in tokens])
    except ValueError:
        return list(tokens)


def unpack_tokens(packed: bytes | list[Token]) -> list[Token]:
    """New Token objects equal to the packed ones (a list kept as is: handed out once)."""
    if isinstance(packed, list):
        return packed
    return [_token(f) for f in marshal.loads(packed)]


class PendingFootnotes:
    """The footnote definitions of a document, set aside block by block and kept packed.

    `set_aside` reads each block's tokens as footnote_tail reads the whole document's: a
    `footnote_reference_open` starts a definition (and drops one still open: a definition
    nested in another), a `footnote_reference_close` ends it and stores what it read under
    the last label opened; both, and what comes between, leave the document. (What follows an
    inner definition's end inside an outer one stays in the document, as footnote_tail has it.)"""

    def __init__(self) -> None:
        self._packed: dict[str, bytes | list[Token]] = {}  # ":label" -> packed tokens
        self._flattened: dict[str, list[int]] = {}  # ":label" -> the guard's flattened paragraphs
        self._current: list[Token] = []
        self._label = ""
        self._inside = False

    def set_aside(self, tokens: list[Token]) -> list[Token]:
        """`tokens` without the footnote definitions in them, which are kept."""
        if not self._inside and not any(t.type == "footnote_reference_open" for t in tokens):
            return tokens
        kept: list[Token] = []
        for tok in tokens:
            kind = tok.type
            if kind == "footnote_reference_open":
                self._inside, self._current, self._label = True, [], ":" + tok.meta["label"]
            elif kind == "footnote_reference_close":
                self._inside = False
                self._store(self._label, self._current)
            elif self._inside:
                self._current.append(tok)
            else:
                kept.append(tok)
        return kept

    def _store(self, label: str, tokens: list[Token]) -> None:
        self._packed[label] = pack_tokens(tokens)
        lines = flattened_lines(tokens)
        if lines:
            self._flattened[label] = lines
        else:
            self._flattened.pop(label, None)

    def definition(self, label: str) -> list[Token]:
        """The tokens of the definition of `label` (new ones at each call), [] if none."""
        packed = self._packed.get(":" + label)
        return [] if packed is None else unpack_tokens(packed)

    def flattened(self, label: str) -> list[int]:
        return self._flattened.get(":" + label, [])


class FootnoteTail:
    """The footnote section footnote_tail appends to a document, one footnote at a time.

    `ids`: the footnotes in footnote_tail's order (their ids: by first reference). `rules`: the
    core rules after footnote_tail, which only read one block's tokens (blockstream checks)."""

    def __init__(self, state: StateCore, pending: PendingFootnotes, rules: list[Callable[[StateCore], None]]):
        self._notes = state.env["footnotes"]["list"]
        self._state = state
        self._pending = pending
        self._rules = rules
        self.ids: list[int] = list(self._notes)

    def footnote(self, footnote_id: int) -> list[Token]:
        """footnote_tail's tokens of one footnote, footnote_open to footnote_close (new ones at each call)."""
        note = self._notes[footnote_id]
        label = note.get("label", None)
        opening = new_token("footnote_open", "", 1)
        opening.meta = {"id": footnote_id, "label": label}
        tokens = [opening]
        if "tokens" in note:  # an inline footnote (^[...]): its text as a paragraph
            paragraph_open = new_token("paragraph_open", "p", 1)
            inline = new_token("inline", "", 0)
            inline.children, inline.content = note["tokens"], note["content"]
            paragraph_close = new_token("paragraph_close", "p", -1)
            paragraph_open.block = paragraph_close.block = True
            tokens += (paragraph_open, inline, paragraph_close)
        elif "label" in note:
            tokens += self._pending.definition(label)
        last_paragraph = tokens.pop() if tokens[-1].type == "paragraph_close" else None
        for sub_id in range(note["count"] if note.get("count", 0) > 0 else 1):
            anchor = new_token("footnote_anchor", "", 0)
            anchor.meta = {"id": footnote_id, "subId": sub_id, "label": label}
            tokens.append(anchor)
        if last_paragraph is not None:
            tokens.append(last_paragraph)
        tokens.append(new_token("footnote_close", "", -1))
        state = self._state
        state.tokens = tokens
        for rule in self._rules:
            rule(state)
        tokens, state.tokens = state.tokens, []
        return tokens

    def __iter__(self) -> Iterator[list[Token]]:
        """Each footnote's tokens, in order."""
        for footnote_id in self.ids:
            yield self.footnote(footnote_id)

    def flattened_lines(self) -> list[int]:
        """0-based first lines of the paragraphs the depth guard made in the section, in order
        (bot.convert.depth.flattened_lines of tokens(), without unpacking the definitions)."""
        out: list[int] = []
        for footnote_id in self.ids:
            note = self._notes[footnote_id]
            if "tokens" not in note and "label" in note:
                out += self._pending.flattened(note["label"])
        return out

    def tokens(self) -> list[Token]:
        """The whole section: footnote_block_open, every footnote, footnote_block_close."""
        out = [new_token("footnote_block_open", "", 1)]
        for tokens in self:
            out += tokens
        out.append(new_token("footnote_block_close", "", -1))
        return out
