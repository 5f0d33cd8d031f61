"""A top-level list is converted one item at a time (bot/convert/blockstream._list_items):
the same blocks and report as the whole document parsed at once, and memory that does not
grow with the list's length."""

from __future__ import annotations


import pytest

from bot.convert import BlockStream, ConvertOptions, convert_markdown
from bot.convert.blockstream import LIST_CONTINUED, iter_block_tokens
from bot.convert.md_to_blocks import Ctx
from bot.convert.parser import get_parser
from bot.convert.tree import build_tree
from helpers import stream_peak


def whole_document(text: str):
    """The reference: markdown-it's one-pass parse of the whole document, rendered at once."""
    ctx = Ctx(ConvertOptions())
    blocks = ctx.render_nodes(build_tree(get_parser().parse(text)))
    return blocks, [d.to_dict() for d in ctx.report]


def streamed(text: str):
    stream = BlockStream(text)
    blocks = list(stream)
    return blocks, [d.to_dict() for d in stream.report]


N = 60
LISTS = {
    "tight": "".join(f"- item {i} with **bold** and [a link](https://e.com/{i})\n" for i in range(N)),
    "loose": "".join(f"- item {i}\n\n" for i in range(N)) + "after\n",
    "loose in the middle only": "".join(f"- item {i}\n" + ("\n" if i == N // 2 else "") for i in range(N)),
    "nested": "".join(f"- top {i}\n  - child {i}\n    1. deep {i}\n\n       more\n  lazy {i}\n" for i in range(N)),
    "numbered from 7, then another style": "".join(f"{7 + i}. item {i}\n" for i in range(N)) + "\n3) x\n4) y\n",
    "lazy continuation": "".join(f"- item {i}\nlazy line {i}\n  indented\n" for i in range(N)),
    "tasks and marker changes": "".join(f"- [{' x'[i % 2]}] task {i}\n" for i in range(N)) + "* star\n+ plus\n",
    "code in items": "".join(f"- item {i}\n\n  ```\n- not an item\n  ```\n" for i in range(N)),
    "ended by other blocks": "- a\n- b\n---\n- c\n* * *\n- d\n# h\n- e\n> q\n- f\n\n    code\n-\n\n  foo\n- \n10. x\n",
    "footnotes, references and HTML": "".join(f"- item {i}[^{i}] <b>b</b> [r]\n" for i in range(N))
    + "\n<div>\n\n- in a div\n- two\n\n</div>\n\n<details><summary>S</summary>\n\n- d1\n- d2\n\n</details>\n\n"
    + "".join(f"[^{i}]: note {i}\n" for i in range(N))
    + "\n[r]: https://r.org\n",
}


@pytest.mark.parametrize("text", LISTS.values(), ids=LISTS.keys())
def test_a_list_streamed_item_by_item_converts_as_the_whole_document(text):
    assert streamed(text) == whole_document(text)
    assert (lambda c: (c.blocks, [d.to_dict() for d in c.report]))(convert_markdown(text)) == whole_document(text)


def test_each_top_level_item_is_its_own_step_and_the_start_number_is_reported_once():
    text = "".join(f"{5 + i}. item {i}\n" for i in range(4))
    steps = list(iter_block_tokens(get_parser(), text))
    assert len(steps) == 4
    assert [bool(s[0].meta.get(LIST_CONTINUED)) for s in steps] == [False, True, True, True]
    assert {s[0].attrs.get("start") for s in steps} == {5}  # the list's, not each item's number
    blocks, report = streamed(text)
    assert [b["type"] for b in blocks] == ["numbered_list_item"] * 4
    assert [d["construct"] for d in report] == ["numbered_list_start"]


def test_memory_of_a_list_does_not_grow_with_its_length():
    items = 4_000  # ~150 KB of list items, each with a nested item
    item = "- item {i} with **bold** text and more words\n  - nested {i}\n"
    small, count_small = stream_peak("".join(item.format(i=i) for i in range(items)))
    large, count_large = stream_peak("".join(item.format(i=i) for i in range(3 * items)))
    assert (count_small, count_large) == (items, 3 * items)
    # What still grows is markdown-it's table of the source's lines (four numbers a line: ~260
    # bytes an item of two lines), as in any document; the whole list's tokens and blocks at
    # once made ~10,800 bytes an item (43 MB -> 130 MB here).
    assert (large - small) / (2 * items) < 1_000, (small, large)


def _tree_ids(blocks: list[dict]) -> set[int]:
    ids, pending = set(), list(blocks)
    while pending:
        b = pending.pop()
        ids.add(id(b))
        pending.extend(b[b["type"]].get("children", []))
    return ids


@pytest.mark.parametrize(
    "text",
    [
        "- a\n  - b\n- c\n",
        "1. a\n\n   more\n",
        "> quote\n",
        "text[^1]\n\n[^1]: note\n",
        "<details><summary>s</summary>\n\nx\n\n</details>\n",
    ],
)
def test_source_lines_are_kept_only_for_blocks_of_the_output(text):
    # validate's parity outline drops each block's entry once outlined; an entry of a paragraph
    # that became a list item's own text (lead_split) was never dropped and held every item's
    # paragraph to the end (a 1 MB list: 88 MiB/MB in `bot validate`, 12 after)
    lines: dict = {}
    blocks = convert_markdown(text, ConvertOptions(block_lines=lines)).blocks
    assert set(lines) <= _tree_ids(blocks)
    assert all(b is lines[id(b)][0] for b in _iter_blocks(blocks) if id(b) in lines)


def _iter_blocks(blocks: list[dict]):
    for b in blocks:
        yield b
        yield from _iter_blocks(b[b["type"]].get("children", []))
