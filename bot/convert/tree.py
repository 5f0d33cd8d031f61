"""A minimal, SyntaxTreeNode-compatible block tree.

markdown_it.tree.SyntaxTreeNode also materialises a node for every inline token,
which costs about 40% of the parse time on a 1 MB document; the converter reads
inline content from the flat `inline` token instead, so only block-level nodes
are built here. Attribute names follow SyntaxTreeNode (type, tag, map, meta,
attrs, info, content, token, children).
"""

from __future__ import annotations

from markdown_it.token import Token


class Node:
    __slots__ = ("type", "token", "children")

    def __init__(self, type_: str, token: Token | None, children: list[Node]):
        self.type = type_
        self.token = token  # opening token (nesting) or the token itself
        self.children = children

    @property
    def tag(self) -> str:
        return self.token.tag if self.token else ""

    @property
    def map(self):
        return self.token.map if self.token else None

    @property
    def meta(self) -> dict:
        return self.token.meta if self.token else {}

    @property
    def attrs(self) -> dict:
        return self.token.attrs if self.token else {}

    @property
    def info(self) -> str:
        return self.token.info if self.token else ""

    @property
    def content(self) -> str:
        return self.token.content if self.token else ""


_NODE_TYPES: dict[str, str] = {}  # token type -> node type ("bullet_list_open" -> "bullet_list")


def _node_type(token_type: str) -> str:
    name = _NODE_TYPES.get(token_type)
    if name is None:
        name = _NODE_TYPES[token_type] = token_type[:-5] if token_type.endswith("_open") else token_type
    return name


def build_tree(tokens: list[Token]) -> list[Node]:
    """Top-level block nodes of a markdown-it token stream. (Inline content stays in the
    `inline` token's children, flat.)"""
    root: list[Node] = []
    stack: list[list[Node]] = [root]
    siblings = root
    for tok in tokens:
        nesting = tok.nesting
        if nesting == 1:
            children: list[Node] = []
            siblings.append(Node(_node_type(tok.type), tok, children))
            stack.append(children)
            siblings = children
        elif nesting == -1:
            stack.pop()
            siblings = stack[-1]
        else:
            siblings.append(Node(tok.type, tok, []))
    return root
