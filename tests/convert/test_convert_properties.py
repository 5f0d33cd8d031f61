"""Hypothesis properties: limits hold, visible text is preserved, round trip holds.

Documents are generated together with the text a reader sees when the Markdown
is rendered ("visible text"): one line per block in document order, depth-first,
where a line is the block's text with markup removed, soft line breaks shown as
a space, hard breaks as "\n", inline code/math shown by their content, links by
their text. Table rows are their cells joined by " | " (the table block itself
is ""), dividers are "".
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.convert import blocks_to_markdown, check_limits, convert_markdown, normalize_tree, plain_text

from test_convert_blocks import CASES

SETTINGS = settings(derandomize=True, max_examples=60, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG = "\U0001f1ef\U0001f1f5"
ATOMS = ["a", "b", "Z", "7", "é", "e\u0301", "中", "文", "字", "か", "な", "한", "글", "😀", FAMILY, FLAG,
         "\u00e9\u0327", "Ω", "ß"]
CJK = ["中", "文", "字", "节", "跳", "动", "推", "荐"]
CJK_PUNCT = ["：", "。", "，", "「", "」", "（", "）", "——"]

word = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=8).map("".join)
long_word = st.tuples(word, st.integers(260, 700)).map(lambda t: (t[0] * t[1])[:4000])


@st.composite
def piece(draw):
    """(markdown, visible) for one inline piece."""
    w = draw(st.one_of(word, word, word, long_word))
    kind = draw(st.sampled_from(["plain", "plain", "bold", "italic", "code", "link", "strike", "cjk", "boldlink"]))
    n = draw(st.integers(0, 999))
    if kind == "bold":
        return f"**{w}**", w
    if kind == "italic":
        return f"*{w}*", w
    if kind == "strike":
        return f"~~{w}~~", w
    if kind == "code":
        return f"`{w}`", w
    if kind == "link":
        return f"[{w}](https://example.com/p/{n})", w
    if kind == "boldlink":
        return f"**[{w}](https://example.com/q/{n})**", w
    if kind == "cjk":
        a, b, c = (draw(st.lists(st.sampled_from(CJK), min_size=1, max_size=4).map("".join)) for _ in range(3))
        p = draw(st.sampled_from(CJK_PUNCT))
        if p in ("——",):
            return f"{a}**{b}**{p}{c}", f"{a}{b}{p}{c}"
        return f"{a}**{b}{p}**{c}", f"{a}{b}{p}{c}"
    return w, w


@st.composite
def inline_text(draw, min_pieces=1, max_pieces=8):
    pieces = draw(st.lists(piece(), min_size=min_pieces, max_size=max_pieces))
    return " ".join(p[0] for p in pieces), " ".join(p[1] for p in pieces)


@st.composite
def list_block(draw, depth=0):
    ordered = draw(st.booleans())
    n = draw(st.integers(1, 3))
    md_lines, vis = [], []
    for _ in range(n):
        md, v = draw(inline_text(1, 4))
        marker = "1. " if ordered else draw(st.sampled_from(["- ", "- [ ] ", "- [x] "]))
        md_lines.append(marker + md)
        vis.append(v)
        if depth < 7 and draw(st.integers(0, 2)) == 0:
            sub_md, sub_vis = draw(list_block(depth + 1))
            pad = " " * len(marker if not marker.startswith("- [") else "- ")
            md_lines.append("\n".join(pad + line if line else line for line in sub_md.split("\n")))
            vis.extend(sub_vis)
    return "\n".join(md_lines), vis


@st.composite
def block_md(draw):
    kind = draw(st.sampled_from(["para", "para", "heading", "list", "quote", "code", "table", "hr", "math"]))
    if kind == "para":
        md, v = draw(inline_text())
        return md, [v]
    if kind == "heading":
        md, v = draw(inline_text(1, 3))
        return "#" * draw(st.integers(1, 3)) + " " + md, [v]
    if kind == "list":
        return draw(list_block())
    if kind == "quote":
        md, v = draw(inline_text())
        return "> " + md, [v]
    if kind == "code":
        lines = draw(st.lists(st.one_of(word, long_word), min_size=1, max_size=4))
        lang = draw(st.sampled_from(["", "python", "js", "yml", "rs"]))
        return f"```{lang}\n" + "\n".join(lines) + "\n```", ["\n".join(lines)]
    if kind == "table":
        w = draw(st.integers(1, 3))
        rows = draw(st.lists(st.lists(inline_text(1, 2), min_size=w, max_size=w), min_size=2, max_size=4))
        md = ["| " + " | ".join(c[0] for c in rows[0]) + " |", "|" + "---|" * w]
        md += ["| " + " | ".join(c[0] for c in r) + " |" for r in rows[1:]]
        return "\n".join(md), [""] + [" | ".join(c[1] for c in r) for r in rows]
    if kind == "math":
        return "$$\nx^2 + y\n$$", ["x^2 + y"]
    return "---", [""]


@st.composite
def document(draw):
    blocks = draw(st.lists(block_md(), min_size=1, max_size=8))
    return "\n\n".join(b[0] for b in blocks) + "\n", [line for b in blocks for line in b[1]]


@SETTINGS
@given(document())
def test_generated_documents_limits_text_roundtrip(doc):
    md, visible = doc
    conv = convert_markdown(md)
    assert check_limits(conv.blocks) == []
    assert plain_text(conv.blocks) == visible
    assert conv.report == []
    md2 = blocks_to_markdown(conv.blocks)
    assert normalize_tree(convert_markdown(md2).blocks) == normalize_tree(conv.blocks), md2


@SETTINGS
@given(st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=300))
def test_arbitrary_text_never_violates_limits(text):
    conv = convert_markdown(text)
    assert check_limits(conv.blocks) == []


@SETTINGS
@given(st.tuples(st.lists(st.sampled_from(["a", "中", FAMILY, FLAG, "e\u0301\u0301", "😀", " ", "*"]),
                          min_size=1, max_size=30), st.integers(100, 600))
       .map(lambda t: "".join(t[0]) * t[1]))
def test_long_runs_split_without_loss(text):
    conv = convert_markdown(f"```\n{text}\n```")
    assert check_limits(conv.blocks) == []
    assert "".join(i["text"]["content"] for b in conv.blocks for i in b["code"]["rich_text"]) == text


def test_roundtrip_table_cases():
    for name, md, _ in CASES:
        conv = convert_markdown(md)
        md2 = blocks_to_markdown(conv.blocks)
        again = convert_markdown(md2).blocks
        assert normalize_tree(again) == normalize_tree(conv.blocks), (name, md2)
