"""Footnote definitions wait for the footnote section packed, and the section is converted one
footnote at a time (bot/convert/footnote_tail.py, footnote_section.py): the same blocks and
report as the whole document parsed at once, and memory that does not grow with a definition's
tokens (1 MB of footnotes: 105 MiB/MB in `bot convert`, 23-25 after)."""

from __future__ import annotations

import gc
import importlib
import json

import pytest
from markdown_it.token import Token

from bot.convert import BlockStream, ConvertOptions, convert_markdown
from bot.convert.blockstream import iter_block_tokens
from bot.convert.footnote_tail import pack_tokens, unpack_tokens
from bot.convert.md_to_blocks import Ctx
from bot.convert.parser import get_parser
from bot.convert.tree import build_tree
from helpers import stream_peak


def whole_document(text: str, **options):
    """The reference: markdown-it's one-pass parse of the whole document, rendered at once."""
    ctx = Ctx(ConvertOptions(**options))
    blocks = ctx.render_nodes(build_tree(ctx.report_flattened(get_parser().parse(text))))
    return blocks, [d.to_dict() for d in ctx.report]


def streamed(text: str, **options):
    stream = BlockStream(text, ConvertOptions(**options))
    blocks = list(stream)
    return blocks, [d.to_dict() for d in stream.report]


DEEP = "> " * 45 + "deep"
CASES = {
    "numbered by first reference": "First[^b].\n\n[^a]: A.\n\nThen[^a] and [^b].\n\n[^b]: B.\n\n[^c]: unused.\n",
    # [^x] is first cited inside a definition read before the body cites [^z]: its id comes
    # before [^z]'s, its number after
    "cited first inside a definition": "A[^a].\n\n[^a]: cites[^x].\n\nB[^z].\n\n[^z]: Z.\n\nC[^x].\n\n[^x]: X.\n",
    "only cited inside definitions": "A[^a].\n\n[^a]: cites[^y] and [^x].\n\n[^x]: X.\n\n[^y]: Y.\n",
    "defined twice": "[^a]: One.\n\nCite[^a].\n\n[^a]: Defined twice.\n\nAgain[^a] and [^b].\n\n[^b]: B.",
    # (footnote_tail's reading: [^a] gets nothing, the quote stays in the text; a traceback before)
    "nested definition": "A[^a] B[^b].\n\n[^a]: [^b]: inner\n    more\n\n    > after the inner one\n\nafter\n",
    "in quotes and lists": "- [^x]: in a list? [^x]\n\n> [^y]: in a quote\n\n[^y] [^x]",
    "several blocks in a definition": "A[^a].\n\n[^a]: One.\n\n    - item **b**\n    - two\n\n    ```python\n    x = 1\n    ```\n\n    # Heading in a note\n",
    "links and images in definitions": "A[^a].\n\n[^a]: [x](https://e.com/x) ![alt](https://e.com/i.png) [rel](other.md)\n",
    "nested too deep in a definition": f"A[^a] B[^b].\n\n[^a]: {DEEP}\n\n[^b]: fine\n",
    "an HTML element around the section": "A[^a].\n\n<div>\n\n[^a]: in the div\n\nText.\n",
    "a toggle around a definition": "<details><summary>S</summary>\n\nA[^a]\n\n[^a]: note\n\n</details>\n",
    "referenced, never defined": "A[^nope] and [^a].\n\n[^a]: A.\n",
    "reference definitions too": "Use [ref] and [^n].\n\n[ref]: https://e.com\n[^n]: note with [ref]\n",
}


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_the_footnote_section_streamed_converts_as_the_whole_document(text):
    assert streamed(text) == whole_document(text)
    assert streamed(text, footnotes_heading="脚注") == whole_document(text, footnotes_heading="脚注")
    conversion = convert_markdown(text)
    assert (conversion.blocks, [d.to_dict() for d in conversion.report]) == whole_document(text)


@pytest.mark.parametrize("text", CASES.values(), ids=CASES.keys())
def test_the_lazy_section_is_footnote_tails_tokens_one_footnote_at_a_time(text):
    steps = list(iter_block_tokens(get_parser(), text))
    lazy = list(iter_block_tokens(get_parser(), text, lazy_footnotes=True))
    assert [list(s) for s in lazy[:-1]] == steps[:-1]
    section = lazy[-1]
    parts = [section.footnote(i) for i in section.ids]
    assert [t for part in parts for t in part] == steps[-1][1:-1]  # but footnote_block_open/close
    assert all(part[0].type == "footnote_open" and part[-1].type == "footnote_close" for part in parts)


def test_packed_tokens_unpack_field_for_field():
    tokens = get_parser().parse("A [link](https://e.com 'title') with *em*[^1].\n\n[^1]: note\n\n| a |\n|:-:|\n| b |")
    assert unpack_tokens(pack_tokens(tokens)) == tokens
    odd = Token("text", "", 0, meta={"object": object()})  # not marshal's: kept as it is
    assert unpack_tokens(pack_tokens([odd]))[0] is odd


def _footnotes(n: int) -> str:
    return "".join(
        f"Text with a note[^{i}] and **bold**.\n\n[^{i}]: The note {i}, with *emphasis*.\n\n" for i in range(n)
    )


def _live_tokens() -> int:
    return sum(1 for o in gc.get_objects() if type(o) is Token)


def test_definitions_wait_packed_and_the_section_is_built_one_footnote_at_a_time():
    notes = 2_000
    gc.collect()
    before = _live_tokens()
    counts = []
    for block in BlockStream(_footnotes(notes)):
        body = block[block["type"]]
        if block["type"] == "heading_3" or body["rich_text"][0]["text"]["content"].startswith("The note 1000,"):
            counts.append(_live_tokens() - before)
    # at the heading (every body paragraph converted) and half-way through the section: the
    # definitions' tokens (11 a note here: 22,000) waited for the section and made it at once
    assert len(counts) == 2
    assert max(counts) < 200, counts


def test_memory_of_footnotes_grows_by_their_packed_definitions_only():
    notes = 1_500  # ~100 KB
    small, count_small = stream_peak(_footnotes(notes))
    large, count_large = stream_peak(_footnotes(3 * notes))
    assert (count_small, count_large) == (2 * notes + 1, 6 * notes + 1)
    # What grows: each definition packed (~500 bytes), markdown-it's table of the source's lines
    # and the footnote's id, number and report entry. Its tokens until the section, then the
    # whole section's tokens, tree and blocks at once made ~7,000 bytes a footnote.
    assert (large - small) / (2 * notes) < 2_500, (small, large)


FRONT = (
    "---\ntitle: Notes\nlang: {lang}\nweek: 2026-W22\nseries: rec-weekly\nslug: rec-weekly-{lang}-2026-W22\n"
    "status: Draft\ndate: 2026-05-30 07:01\n---\n"
)


def test_validate_reads_a_long_body_s_footnotes_as_one_parsed_whole(env, cli, monkeypatch):
    # footnotes with links, a broken one, headings (anchors) and a deep quote, in a body long
    # enough to be read block by block (validate_body.SHARED_PARSE_MAX): the same diagnostics,
    # lines included, as the whole parse a short body gets
    validate_body = importlib.import_module("bot.editor.validate_body")
    notes = "".join(
        f"See note[^{i}] and [the heading](#note-heading{'-' + str(i) if i else ''}).\n\n"
        f"[^{i}]: Note {i}: [a link](https://e.com/{i}), [missing](missing-{i}.md)\n\n"
        f"    # Note heading\n\n    {'> ' * 45}deep {i}\n\n"
        for i in range(600)
    )
    body = notes + "Cites [^0] again and [a bad anchor](#no-such-heading).\n"
    assert len(body) > validate_body.SHARED_PARSE_MAX
    week = env / "content" / "rec-weekly" / "2026-W22"
    (week / "en.md").write_text(FRONT.format(lang="en") + body, encoding="utf-8")
    (week / "zh.md").write_text(FRONT.format(lang="zh") + "你好。\n", encoding="utf-8")
    streamed = cli("validate", "--week", "W22", "--json")
    monkeypatch.setattr(validate_body, "SHARED_PARSE_MAX", 10**9)
    whole = cli("validate", "--week", "W22", "--json")
    assert streamed[0] == whole[0] == 1
    assert streamed[1] == whole[1]
    found = json.loads(streamed[1])["diagnostics"]
    assert sum("missing-" in d["message"] for d in found) == 600
    assert sum("#no-such-heading" in d["message"] for d in found) == 1


def test_heading_anchors_of_a_linked_file_count_the_footnotes_headings_in_order():
    from bot.editor.validate_scan import BodyScan, heading_anchors

    text = "# Notes\n\nA[^b] B[^a].\n\n[^a]: A.\n\n    # Notes\n\n[^b]: B.\n\n    # Notes\n\n## Notes\n"
    whole = BodyScan(references=False)
    whole(get_parser().parse(text))
    assert heading_anchors(text) == whole.anchors == ["notes", "notes-1", "notes-2", "notes-3"]
