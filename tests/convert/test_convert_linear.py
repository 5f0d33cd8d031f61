"""Per-block conversion, the linear-time inline parser and the source size cap.

Speed and memory are measured in benchmarks/bench_convert.py; these tests pin what the
optimisations must not change: the output.
"""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.convert import BlockStream, ConvertOptions, check_limits, convert_markdown, plain_text
from bot.convert.json_output import write_json
from bot.convert.md_to_blocks import Ctx
from bot.convert.parser import INLINE_MAX_NESTING, get_parser, make_parser
from bot.convert.tree import build_tree
from bot.errors import ContentError
from bot.source import MAX_FILE_BYTES, read_variant

ROOT = Path(__file__).resolve().parents[2]
SETTINGS = settings(
    derandomize=True,
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


def whole_document(text: str):
    """The reference: markdown-it's one-pass parse of the whole document, rendered at once."""
    ctx = Ctx(ConvertOptions())
    blocks = ctx.render_nodes(build_tree(get_parser().parse(text)))
    return blocks, [d.to_dict() for d in ctx.report]


@contextlib.contextmanager
def block_pass_twice():
    """Documents with definitions as dense ones are parsed: the block pass run a second time
    instead of its tokens kept (blockstream.PACKED_TOKENS_PER_CHAR, MIN_KEPT_TOKENS)."""
    from bot.convert import blockstream

    saved = blockstream.PACKED_TOKENS_PER_CHAR, blockstream.MIN_KEPT_TOKENS
    blockstream.PACKED_TOKENS_PER_CHAR, blockstream.MIN_KEPT_TOKENS = 0, 0
    try:
        yield
    finally:
        blockstream.PACKED_TOKENS_PER_CHAR, blockstream.MIN_KEPT_TOKENS = saved


def per_block(text: str):
    conv = convert_markdown(text)
    stream = BlockStream(text)
    streamed = list(stream)  # the same conversion, one top-level block at a time
    assert (streamed, stream.report) == (conv.blocks, conv.report)
    with block_pass_twice():
        again = convert_markdown(text)
    assert (again.blocks, again.report) == (conv.blocks, conv.report)
    with tokens_packed():
        packed = convert_markdown(text)
    assert (packed.blocks, packed.report) == (conv.blocks, conv.report)
    return conv.blocks, [d.to_dict() for d in conv.report]


@contextlib.contextmanager
def tokens_packed():
    """Documents with definitions as large ones are parsed: their kept block tokens packed in
    tuples from the first (small ones keep Token objects: blockstream.RAW_KEPT_TOKENS)."""
    from bot.convert import blockstream

    saved = blockstream.RAW_KEPT_TOKENS
    blockstream.RAW_KEPT_TOKENS = 0
    try:
        yield
    finally:
        blockstream.RAW_KEPT_TOKENS = saved


def content_bodies() -> list[str]:
    return [f.read_text(encoding="utf-8") for f in sorted((ROOT / "content").rglob("*.md"))]


# Top-level blocks whose meaning is document-wide: footnotes (numbered by first reference,
# definitions anywhere, some unused, one inside a quote), reference definitions, <details>
# toggles spanning several top-level blocks (nested, unclosed, closed in one block).
PIECES = [
    "Text with a note[^1] and *emphasis*.",
    "[^1]: The note, which cites[^2].",
    "[^2]: Second note\n\n    with a second paragraph.",
    "[^unused]: Never referenced.",
    "- item citing [^2]\n- [a reference link][ref]",
    "[ref]: https://example.com/ref",
    "> quoted[^3]\n>\n> [^3]: defined inside the quote",
    "Later use of [^3] and [^1].",
    "<details><summary>Open</summary>",
    "</details>",
    "<details>\n\nbody right away",
    "<details><summary>One block</summary>inside</details>after",
    "text</details>",
    "# Heading [^1]",
    "```python\nx = 1\n```",
    "| a | b |\n|---|---|\n| [^2] | [ref] |",
    "<!-- comment -->",
    "<div>raw</div>",
    '<div align="center">',
    "</div>",
    "<p>para <b>bold",
    "$$\nE = mc^2\n$$",
    "1. one\n2. two [^1]",
    "---",
]
documents = st.lists(st.sampled_from(PIECES), min_size=1, max_size=16).map("\n\n".join)


@pytest.mark.parametrize("body", content_bodies(), ids=lambda b: b[:30])
def test_per_block_conversion_matches_whole_document_on_seed_content(body):
    assert per_block(body) == whole_document(body)


@SETTINGS
@given(documents)
def test_per_block_conversion_matches_whole_document(text):
    assert per_block(text) == whole_document(text)


def test_footnotes_are_numbered_by_first_reference_across_blocks():
    text = "First[^b].\n\n[^a]: A.\n\nThen[^a] and [^b] again.\n\n[^b]: B.\n\n[^c]: unused.\n"
    blocks = convert_markdown(text).blocks
    assert plain_text(blocks) == ["First[1].", "Then[2] and [1] again.", "Footnotes", "B.", "A."]


def test_a_toggle_spanning_top_level_blocks_keeps_its_children():
    text = "<details><summary>More</summary>\n\nOne.\n\n- two\n\n</details>\n\nAfter."
    blocks = convert_markdown(text).blocks
    assert [b["type"] for b in blocks] == ["toggle", "paragraph"]
    assert [b["type"] for b in blocks[0]["toggle"]["children"]] == ["paragraph", "bulleted_list_item"]


# -- the inline parser patch ---------------------------------------------------------------

MARKDOWN_CHARS = list("ab c w.:@/\n*_~`$[]()!<>&#^-|\\'\"") + [
    "http://",
    "https://x.io/p",
    "www.e.com",
    "mailto:a@b.co",
    "x@y.org",
    "<br>",
    "<!--",
    "-->",
    "[^1]",
    "\n\n[^1]: n\n\n",
    "\n\n[r]: https://e.com\n\n",
    "![i](x.png)",
    "$$",
    "注意",
    "：",
    "**",
    "<details>",
    "\n- ",
    "\n> ",
    "\n1. ",
    "\n| a | b |\n|---|---|\n",
    "&amp;",
    "\\[",
]
markdown_soup = st.lists(st.sampled_from(MARKDOWN_CHARS), max_size=80).map("".join)


def token_dump(tokens) -> list:
    return [
        (
            t.type,
            t.tag,
            t.nesting,
            t.content,
            t.markup,
            t.info,
            t.attrs,
            t.meta,
            t.map,
            t.level,
            t.block,
            t.hidden,
            token_dump(t.children) if t.children is not None else None,
        )
        for t in tokens
    ]


@SETTINGS
@given(markdown_soup)
def test_linear_inline_parser_gives_markdown_it_tokens(text):
    reference = make_parser(linear_inline=False)
    assert token_dump(get_parser().parse(text)) == token_dump(reference.parse(text))


# A paragraph (and a setext heading's text) ends at a line that starts another block; the bot's
# paragraph rules ask only the rules that can start with that line's first character.
PARAGRAPH_ENDINGS = [
    "para\n# heading",
    "para\n```\ncode\n```",
    "para\n~~~\ncode",
    "para\n---",
    "para\n===\nmore",
    "para\n***\n",
    "para\n- item",
    "para\n+ item",
    "para\n1. item",
    "para\n2. item",
    "para\n- ",
    "para\n> quote",
    "para\n<div>\nhtml\n</div>",
    "para\n<span>inline</span>",
    "para\n$$\nx\n$$",
    "para\n[^1]: note",
    "para\n[r]: https://e.com",
    "para\n| a | b |\n|---|---|\n| c | d |",
    "para\n    indented\n\tcontinued",
    "para\n   # three spaces\n    # four",
    "> quoted\nlazy\n- item\ntext",
    "- item\n  para\n  # h\n  more\nlazy",
    "line one\nline two\n-\n",
    "title\n  ===  \n",
    "  title\n---\n",
    "注意\n**a**\n#",
]


@pytest.mark.parametrize("text", PARAGRAPH_ENDINGS)
def test_paragraph_endings_are_markdown_its(text):
    reference = make_parser(linear_inline=False)
    for doc in (text, text + "\nafter", "intro\n\n" + text, "> " + text.replace("\n", "\n> ")):
        assert token_dump(get_parser().parse(doc)) == token_dump(reference.parse(doc))


def rejoined(steps) -> list:
    """iter_block_tokens's steps as one token list, with each top-level list that was handed
    out item by item (blockstream._list_items) joined back into one list."""
    from bot.convert.blockstream import LIST_CONTINUED

    tokens: list = []
    for step in steps:
        if step[0].meta.get(LIST_CONTINUED):
            assert tokens[-1].type == step[0].type.replace("_open", "_close")
            tokens.pop()  # the previous item's closing token, and this item's opening one
            step = step[1:]
        tokens.extend(step)
    return tokens


def list_tightness_dropped(tokens: list) -> list:
    """`tokens` with the paragraphs of top-level list items not `hidden`: a streamed list knows
    its tightness only at its end (the one difference from md.parse that blockstream documents;
    nothing reads it)."""
    in_list = False
    for tok in tokens:
        if tok.level == 0 and tok.type in ("bullet_list_open", "ordered_list_open"):
            in_list = True
        elif tok.level == 0 and tok.nesting == -1:
            in_list = False
        elif in_list and tok.level == 2 and tok.type in ("paragraph_open", "paragraph_close"):
            tok.hidden = False
    return tokens


def block_by_block(text: str) -> list:
    from bot.convert.blockstream import iter_block_tokens

    tokens = rejoined(iter_block_tokens(get_parser(), text))
    with block_pass_twice():
        again = rejoined(iter_block_tokens(get_parser(), text))
    assert token_dump(again) == token_dump(tokens)
    return list_tightness_dropped(tokens)


FOOTNOTE_ORDERS = [
    "Cite[^a] first.\n\n[^a]: Defined after its reference.\n\nAgain[^a].",
    "[^a]: One.\n\nCite[^a].\n\n[^a]: Defined twice.\n\nAgain[^a] and [^b].\n\n[^b]: B.",
    "- [^x]: not a definition inside a list? [^x]\n\n> [^y]: in a quote\n\n[^y] [^x]",
    "Use [ref] and [^n].\n\n```\n[ref]: in code, not a definition\n```\n\n[ref]: https://e.com\n[^n]: note",
    "No definitions here, only a colon: [x]: in text? [x]",
    "A[^a] B[^b].\n\n[^a]: [^b]: inner\n    more\n\n    > after the inner one\n\nafter\n",  # nested definitions
    "Plain text\n\n- list\n- list\n\n1. one\n\n> quote\n\n    code\n\n---\n\n| a |\n|---|\n| b |",
]


@pytest.mark.parametrize("text", FOOTNOTE_ORDERS)
def test_block_by_block_parse_is_markdown_its_parse(text):
    assert token_dump(block_by_block(text)) == token_dump(list_tightness_dropped(get_parser().parse(text)))


@SETTINGS
@given(st.one_of(documents, markdown_soup))
def test_block_by_block_parse_is_markdown_its_parse_on_any_document(text):
    assert token_dump(block_by_block(text)) == token_dump(list_tightness_dropped(get_parser().parse(text)))


URL_CHARS = "aZ09-._~:/?#[]@!$&'()*+,;=% é\\"
urls = st.builds(
    lambda scheme, labels, port, rest: f"{scheme}{'.'.join(labels)}{port}{rest}",
    st.sampled_from(["https://", "http://", "HTTP://", "mailto:", "ftp://", "//", ""]),
    st.lists(st.text("abcXY09-_.é", min_size=0, max_size=70), min_size=1, max_size=4),
    st.sampled_from(["", ":80", ":x", ":"]),
    st.text(URL_CHARS, max_size=30),
)


@SETTINGS
@given(urls)
def test_link_normalization_shortcut_is_markdown_its(url):
    from markdown_it.common.normalize_url import normalizeLink

    from bot.convert.parser import normalize_link

    assert normalize_link(url) == normalizeLink(url)


def test_tokens_made_by_the_bot_parser_are_markdown_its():
    from markdown_it.token import Token

    from bot.convert.parser import new_token

    assert new_token("em_open", "em", 1) == Token("em_open", "em", 1)


def test_link_normalization_shortcut_applies_to_plain_links():
    from bot.convert.parser import _UNCHANGED_URL

    assert _UNCHANGED_URL.match("https://arxiv.org/abs/2605.01234?v=2#sec-3")
    assert not _UNCHANGED_URL.match("https://example.com/a%20b")


def test_link_labels_nest_up_to_the_inline_limit():
    depth = INLINE_MAX_NESTING - 2
    text = "[" * depth + "x" + "]" * depth + "(https://example.com/deep)"
    items = convert_markdown(text).blocks[0]["paragraph"]["rich_text"]
    assert any((i["text"]["link"] or {}).get("url") == "https://example.com/deep" for i in items)


# cmark-gfm's test/pathological_tests.py inputs (at 1/100 of their size: these tests pin the
# output; benchmarks/bench_convert.py times the full-size ones) and the text each must keep.
N = 650
PATHOLOGICAL_TEXT = {
    "nested strong emph": (("*a **a " * N) + "b" + (" a** a*" * N), ("a a " * N) + "b" + (" a a" * N)),
    "many emph closers with no openers": ("a_ " * N, ("a_ " * N).strip()),
    "many emph openers with no closers": ("_a " * N, ("_a " * N).strip()),
    "many link closers with no openers": ("a]" * N, "a]" * N),
    "many link openers with no closers": ("[a" * N, "[a" * N),
    "mismatched openers and closers": ("*a_ " * N, ("*a_ " * N).strip()),
    "openers and closers multiple of 3": ("a**b" + "c* " * N, ("a**b" + "c* " * N).strip()),
    "link openers and emph closers": ("[ a_" * N, "[ a_" * N),
    "pattern [ (]( repeated": ("[ (](" * N, "[ (](" * N),
    "pattern ![[]() repeated": ("![[]()" * N, "![" * N),  # `[]()`: an empty link to "" (reported)
    "hard link/emph case": ("**x [a*b**c*](d)", "**x ab**c"),
    "nested brackets": ("[" * N + "a" + "]" * N, "[" * N + "a" + "]" * N),
    "U+0000 in input": ("abc\u0000de\u0000", "abc\ufffdde\ufffd"),
    "backticks": ("".join("e" + "`" * x for x in range(1, 60)), "".join("e" + "`" * x for x in range(1, 60))),
    "unclosed links A": ("[a](<b" * N, "[a](<b" * N),
    "unclosed links B": ("[a](b" * N, "[a](b" * N),
    "unclosed <!--": ("</" + "<!--" * N, "</" + "<!--" * N),
    "400 KB of [ (scaled)": ("[" * 4000, "[" * 4000),
}


@pytest.mark.parametrize("name", list(PATHOLOGICAL_TEXT))
def test_pathological_inputs_convert_and_keep_their_text(name):
    source, visible = PATHOLOGICAL_TEXT[name]
    conv = convert_markdown(source)
    assert "".join(plain_text(conv.blocks)) == visible
    assert check_limits(conv.blocks) == []


@pytest.mark.parametrize(
    "source",
    [
        "> " * 500 + "a",  # nesting beyond the block limit: cut off there, as markdown-it does
        "".join("  " * x + "* a\n" for x in range(300)),
        "aaa\rbbb\n-\v\n" * 200,
        "".join(f"[x{i}]: /url\n\n[x0]\n\n" for i in range(1, 500)),
    ],
)
def test_pathological_block_inputs_convert_within_limits(source):
    assert check_limits(convert_markdown(source).blocks) == []


# -- size cap and JSON output ------------------------------------------------------------------


def _content_file(tmp_path: Path, size: int) -> Path:
    head = (ROOT / "content/rec-weekly/2026-W22/en.md").read_text(encoding="utf-8")
    head = head[: head.index("\n---\n", 4) + 5]
    path = tmp_path / "en.md"
    filler = size - len(head.encode()) - 1
    path.write_text(head + ("x" * 1023 + "\n") * (filler // 1024) + "x" * (filler % 1024) + "\n", encoding="utf-8")
    assert path.stat().st_size == size
    return path


def test_size_cap_is_20_mib(tmp_path):
    assert MAX_FILE_BYTES == 20 * 1024 * 1024
    assert read_variant(_content_file(tmp_path, MAX_FILE_BYTES)).body.startswith("xxx")
    with pytest.raises(ContentError, match="at most 20,971,520 are accepted"):
        read_variant(_content_file(tmp_path, MAX_FILE_BYTES + 1))


def _split_by_splitlines(text: str):
    """The front matter split as it was done before (whole file through str.splitlines)."""
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n") != "---":
        return "expected"
    for index in range(1, len(lines)):
        if lines[index].rstrip("\r\n") in ("---", "..."):
            return "".join(lines[1:index]), "".join(lines[index + 1 :]), index + 2
    return "not closed"


@SETTINGS
@given(
    st.lists(st.sampled_from(["---", "...", "a: 1", "", "x", "--- ", "\u2028"]), max_size=8),
    st.lists(st.sampled_from(["\n", "\r\n", "\r", "\x0b", "\x1c", "\x85", "\u2028", ""]), min_size=8, max_size=8),
)
def test_front_matter_split_reads_lines_as_splitlines_does(parts, breaks):
    from bot.source import split_front_matter

    text = "".join(p + b for p, b in zip(parts, breaks))
    try:
        got = split_front_matter(Path("x.md"), text)
    except ContentError as exc:
        got = "not closed" if "not closed" in exc.problems[0].message else "expected"
    assert got == _split_by_splitlines(text)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_json_is_compact_when_piped_and_indented_on_a_terminal():
    payload = {"children": [{"type": "paragraph", "paragraph": {"rich_text": ["中文"]}}], "report": []}
    piped, terminal = io.StringIO(), _Terminal()
    write_json(payload, piped)
    write_json(payload, terminal)
    assert piped.getvalue().count("\n") == 1 and "中文" in piped.getvalue()
    assert terminal.getvalue().startswith('{\n  "children"')
    assert json.loads(piped.getvalue()) == json.loads(terminal.getvalue()) == payload


@pytest.mark.parametrize("stream", [io.StringIO, _Terminal], ids=["piped", "terminal"])
@pytest.mark.parametrize(
    "children", [[], [{"a": [1, {"b": "中\n文"}]}], [{"x": 1}, [2, 3], "s", None]], ids=["none", "one", "many"]
)
def test_streamed_json_is_byte_for_byte_the_finished_document(stream, children):
    report = []
    finished = {"properties": {"title": {"title": []}}, "icon": None, "children": children, "report": [{"line": 3}]}

    def items():
        yield from children
        report.append({"line": 3})  # filled only once the children have been written

    out, reference = stream(), stream()
    write_json({**finished, "children": items(), "report": lambda: report}, out)
    write_json(finished, reference)
    assert out.getvalue() == reference.getvalue()


def test_a_block_stream_is_read_once():
    blocks = BlockStream("one\n\ntwo")
    assert len(list(blocks)) == 2
    with pytest.raises(RuntimeError):
        iter(blocks)


def test_a_block_stream_holds_no_block_it_has_yielded():
    """Reading a stream block by block needs a fraction of the memory of the whole result."""
    import tracemalloc

    text = "\n\n".join(
        f"Para **{i}** with [a link](https://e.com/{i}) and `code` and *more* words." for i in range(3000)
    )
    tracemalloc.start()
    try:
        for _ in BlockStream(text):
            pass
        _, streamed_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        result = convert_markdown(text)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert len(result.blocks) == 3000
    assert streamed_peak < held / 3


def test_convert_json_through_the_cli_is_one_compact_document(cli, env):
    code, out, _ = cli("convert", str(env / "content/rec-weekly/2026-W22/en.md"), "--json")
    assert code == 0 and out.count("\n") == 1
    assert json.loads(out)["children"]


def test_ascii_split_keeps_crlf_together_and_long_runs_merge_in_one_item():
    from bot.convert.richtext import split_text

    assert split_text("a" * 1999 + "\r\nb") == ["a" * 1999, "\r\nb"]
    assert split_text("a\r\nb", 1) == ["a", "\r", "\n", "b"]
    lines = "\n".join(f"line {i}" for i in range(3000))  # one paragraph, 5999 segments
    items = convert_markdown(lines).blocks[0]["paragraph"]["rich_text"]
    assert "".join(i["text"]["content"] for i in items) == lines.replace("\n", " ")
    assert all(len(i["text"]["content"]) == 2000 for i in items[:-1])
