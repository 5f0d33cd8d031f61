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

SETTINGS = settings(
    derandomize=True,
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

FAMILY = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"
FLAG = "\U0001f1ef\U0001f1f5"
ATOMS = [
    "a",
    "b",
    "Z",
    "7",
    "é",
    "e\u0301",
    "中",
    "文",
    "字",
    "か",
    "な",
    "한",
    "글",
    "😀",
    FAMILY,
    FLAG,
    "\u00e9\u0327",
    "Ω",
    "ß",
]
CJK = ["中", "文", "字", "节", "跳", "动", "推", "荐"]
CJK_PUNCT = ["：", "。", "，", "「", "」", "（", "）", "——"]

word = st.lists(st.sampled_from(ATOMS), min_size=1, max_size=8).map("".join)
long_word = st.tuples(word, st.integers(260, 700)).map(lambda t: (t[0] * t[1])[:4000])


@st.composite
def piece(draw):
    """(markdown, visible) for one inline piece."""
    w = draw(st.one_of(word, word, word, long_word))
    kind = draw(
        st.sampled_from(["plain", "plain", "bold", "italic", "code", "link", "strike", "cjk", "boldlink", "html"])
    )
    n = draw(st.integers(0, 999))
    if kind == "html":  # inline HTML that Notion expresses exactly (not reported)
        tag = draw(st.sampled_from(["b", "strong", "i", "em", "u", "ins", "s", "del", "code", "mark", "span", "a"]))
        if tag == "a":
            return f'<a href="https://example.com/h/{n}">{w}</a>', w
        return f"<{tag}>{w}</{tag}>", w
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
    kind = draw(st.sampled_from(["para", "para", "heading", "list", "quote", "code", "table", "hr", "math", "html"]))
    if kind == "html":
        return draw(html_block_md())
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
def html_block_md(draw):
    """HTML blocks that Notion expresses exactly, with Markdown inside some of them."""
    kind = draw(st.sampled_from(["div", "blockquote", "p", "ul", "h"]))
    if kind == "div":  # Markdown inside HTML: blank lines end the HTML block
        md, v = draw(inline_text())
        return f"<div>\n\n{md}\n\n</div>", [v]
    if kind == "blockquote":
        md, v = draw(inline_text())
        return f"<blockquote>\n\n{md}\n\n</blockquote>", [v]
    words = draw(st.lists(word, min_size=1, max_size=3))
    if kind == "ul":
        return "<ul>\n" + "\n".join(f"<li>{w}</li>" for w in words) + "\n</ul>", words
    if kind == "h":
        level = draw(st.integers(1, 3))
        return f"<h{level}>{' '.join(words)}</h{level}>", [" ".join(words)]
    bold = draw(st.integers(0, len(words) - 1))
    shown = [f"<b>{w}</b>" if k == bold else w for k, w in enumerate(words)]
    return "<p>" + " ".join(shown) + "</p>", [" ".join(words)]


@st.composite
def document(draw):
    blocks = draw(st.lists(block_md(), min_size=1, max_size=8))
    if blocks[0][0] == "---":  # a leading `---` ... `---` pair is YAML front matter, not two dividers
        blocks[0] = ("***", [""])
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
@given(
    st.tuples(
        st.lists(st.sampled_from(["a", "中", FAMILY, FLAG, "e\u0301\u0301", "😀", " ", "*"]), min_size=1, max_size=30),
        st.integers(100, 600),
    ).map(lambda t: "".join(t[0]) * t[1])
)
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


INLINE_TAGS = [
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "del",
    "strike",
    "code",
    "kbd",
    "samp",
    "tt",
    "sup",
    "sub",
    "mark",
    "span",
    "abbr",
    "dfn",
    "ImagePreview",
    "a",
]
BLOCK_TAGS = ["p", "div", "center", "blockquote", "h1", "h2", "h4", "h6", "ul", "ol", "table", "details", "pre"]


@st.composite
def html_tree(draw, depth=0):
    """(html, words in reading order) of a random element tree; words never contain spaces."""
    if depth >= 4 or draw(st.integers(0, 3)) == 0:
        w = draw(word)
        return w, [w]
    tag = draw(st.sampled_from(INLINE_TAGS + BLOCK_TAGS))
    kids = draw(st.lists(html_tree(depth + 1), min_size=1, max_size=3))
    inner = " ".join(k[0] for k in kids)
    words = [w for k in kids for w in k[1]]
    if tag in ("ul", "ol"):
        return f"<{tag}>" + "".join(f"<li>{k[0]}</li>" for k in kids) + f"</{tag}>", words
    if tag == "table":
        return "<table>" + "".join(f"<tr><td>{k[0]}</td></tr>" for k in kids) + "</table>", words
    if tag == "details":
        return f"<details><summary>{kids[0][0]}</summary>" + " ".join(k[0] for k in kids[1:]) + "</details>", words
    if tag == "a":
        return f'<a href="https://example.com/{len(words)}">{inner}</a>', words
    return f"<{tag}>{inner}</{tag}>", words


@st.composite
def html_document(draw):
    parts = draw(st.lists(st.tuples(html_tree(), st.sampled_from(["\n", "\n\n", " "])), min_size=1, max_size=5))
    return "".join(h + sep for (h, _), sep in parts), [w for (_, words), _ in parts for w in words]


@SETTINGS
@given(html_document())
def test_html_documents_keep_their_words_and_limits(doc):
    """Whatever HTML nesting: no Notion limit is violated and every word is still shown, in order."""
    html, words = doc
    conv = convert_markdown(html)
    assert check_limits(conv.blocks) == []
    shown = "\n".join(plain_text(conv.blocks))
    at = 0
    for w in words:
        found = shown.find(w, at)
        assert found >= 0, (w, html, shown)
        at = found + len(w)
    assert all(d.line is not None for d in conv.report)


@SETTINGS
@given(
    st.lists(
        st.sampled_from(
            [
                "<",
                ">",
                "</",
                "/>",
                "<b>",
                "</b>",
                "<a href='https://e.com'>",
                "</a>",
                "<div>",
                "</div>",
                "<img src='x.png' alt='a'>",
                "<!--",
                "-->",
                "<table><tr><td>",
                "</td>",
                "<details>",
                "<summary>",
                "\n",
                "\n\n",
                "x",
                "中",
                "&amp;",
                "&",
                "**",
                "[",
                "](",
                "<pre>",
                "</pre>",
                "<h7>",
                "<br>",
                "<li>",
                "<ul>",
                "'",
                '"',
                "=",
                "javascript:",
            ]
        ),
        max_size=60,
    ).map("".join)
)
def test_html_soup_never_violates_limits(text):
    conv = convert_markdown(text)
    assert check_limits(conv.blocks) == []
