"""Long raw HTML is tokenized a slice at a time and a top-level HTML run lets go of the nodes it
has read (issue 24: `<pre>` x 200,000 and `<div></x>` x 90,000 held every event and node at once).
The events, blocks and report are the same as in one go."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.convert import BlockStream, ConvertOptions, convert_markdown
from bot.convert import html_tree as html_module
from bot.convert.parser import get_parser

CORPUS = Path(__file__).resolve().parents[2] / "benchmarks" / "corpus"

TRICKY = [
    "<div title=\"a<b\" data-x='<c>'>text &amp; more &#x3C; &lt;tail</div>",
    "<p>one<!-- a <b> comment -->two<script>if (a < b && c) { x = '</p>'; }</script>three</p>",
    "<style>p < q { color: red }</style><pre>\n  keep  <b>bold</b>\n</pre>",
    "<![CDATA[ x < y ]]><?pi <x> ?><!DOCTYPE html><img src=x.png alt='a<b'/>text&nbsp;end",
    "plain text with no tags at all, long enough to need several slices " * 3,
    "<pre>" * 50 + "x" + "</pre>" * 20,
    "<div></x>\n" * 30,
]


def _corpus_html() -> list[str]:
    found = []
    for path in sorted(CORPUS.glob("*.md")):
        found += [t.content for t in get_parser().parse(path.read_text(encoding="utf-8")) if t.type == "html_block"]
    return found


@pytest.mark.parametrize("slice_size", [1, 2, 7, 64])
def test_html_read_a_slice_at_a_time_gives_the_same_events(monkeypatch, slice_size):
    texts = TRICKY + _corpus_html()
    whole = [html_module.html_events(t) for t in texts]
    monkeypatch.setattr(html_module, "HTML_SLICE", slice_size)
    assert [list(html_module.iter_html_events(t)) for t in texts] == whole


@pytest.mark.parametrize(
    "body",
    [
        "<div></x>\n\n" * 3000,
        "<pre>" * 3000 + "x\n",
        "<div>\n\n**kept** [l](https://e.org)\n\n</x>\n\n" * 500 + "</div>\n",
        "<details><summary>S</summary>\n\n- a\n- b\n\n</details>\n\n<div></x>\n\n" * 300,
    ],
)
def test_long_html_runs_convert_as_in_one_go(monkeypatch, body):
    streamed = BlockStream(body, ConvertOptions())
    blocks = list(streamed)
    monkeypatch.setattr(html_module, "HTML_SLICE", 10**9)
    whole = convert_markdown(body, tokens=get_parser().parse(body))  # one token list: nothing let go
    assert blocks == whole.blocks
    assert streamed.report == whole.report
    assert len(streamed.report) >= 1
