"""Bounded memory for huge paragraphs: one paragraph is inline-parsed in pieces.

markdown-it parses a paragraph's inline content in one go, and its tokens cost ~200 bytes a
character for dense input (one 1 MB paragraph of `**a** ` made 666,000 tokens, 210 MB, and
peaked at 546 MB in `bot convert`). A paragraph longer than PIECE characters is cut, before the
inline pass, into paragraphs of at most PIECE characters at whitespace (a hard cut only when a
piece has none); BlockStream parses and renders one piece at a time. Notion shows a paragraph
that long as many blocks anyway (100 rich-text items each); what a cut changes is reported:
emphasis, a link or a code span that crosses a cut stays literal text.
"""

from __future__ import annotations

import re
from typing import Iterator

from markdown_it.token import Token

PIECE = 32_768  # characters of one paragraph parsed at once
CUT = "bot_cut_from"  # inline token meta of a paragraph's first piece: the paragraph's length
_SPACE = re.compile(r"[ \t\n]")


def _cut_points(text: str) -> Iterator[tuple[int, int]]:
    start, n = 0, len(text)
    while n - start > PIECE:
        end = start + PIECE
        space = max(text.rfind(" ", start + 1, end), text.rfind("\n", start + 1, end), text.rfind("\t", start + 1, end))
        end = space if space > start else end
        yield start, end
        start = end
        while start < n and _SPACE.match(text, start):
            start += 1
    if start < n:
        yield start, n


def is_huge_paragraph(tokens: list[Token], i: int) -> bool:
    return (
        tokens[i].type == "paragraph_open"
        and i + 2 < len(tokens)
        and tokens[i + 1].type == "inline"
        and len(tokens[i + 1].content) > PIECE
    )


def cut_paragraph(tokens: list[Token], i: int) -> Iterator[list[Token]]:
    """The paragraph at tokens[i:i+3] as paragraphs of at most PIECE characters each."""
    opening, inline, closing = tokens[i : i + 3]
    text, first_line = inline.content, (opening.map or [0, 0])[0]
    for k, (start, end) in enumerate(_cut_points(text)):
        line = first_line + text.count("\n", 0, start)
        span = [line, line + text.count("\n", start, end) + 1]
        parts = []
        for tok, content in ((opening, ""), (inline, text[start:end]), (closing, "")):
            piece = Token(
                tok.type,
                tok.tag,
                tok.nesting,
                map=span if tok is not closing else None,
                level=tok.level,
                content=content,
                markup=tok.markup,
                block=tok.block,
                hidden=tok.hidden,
            )
            if tok is inline:
                piece.children = []
                if k == 0:
                    piece.meta = {CUT: len(text)}
            elif tok is opening and k == 0:
                piece.meta = dict(tok.meta)  # the depth guard's mark (bot.convert.depth), reported once
            parts.append(piece)
        yield parts


def cut_huge_paragraphs(tokens: list[Token]) -> list[Token]:
    """`tokens` with every paragraph over PIECE characters cut into pieces (a core rule's work,
    for a document parsed whole; BlockStream cuts a top-level one itself, piece by piece)."""
    if not any(t.type == "inline" and len(t.content) > PIECE for t in tokens):
        return tokens
    out: list[Token] = []
    i = 0
    while i < len(tokens):
        if is_huge_paragraph(tokens, i):
            for piece in cut_paragraph(tokens, i):
                out.extend(piece)
            i += 3
        else:
            out.append(tokens[i])
            i += 1
    return out


def cut_rule(state) -> None:
    """Core rule, between `block` and `inline`."""
    state.tokens = cut_huge_paragraphs(state.tokens)


def use_paragraph_pieces(md) -> None:
    md.core.ruler.after("block", "cut_paragraphs", cut_rule)
