"""Table-driven tests: raw HTML and images (title, alt, links around them) -> Notion blocks.

Each row is converted through the public API (convert_markdown) and compared with the exact
request-shaped blocks; the degradation report is compared as (construct, line, subject).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.convert import (
    ConvertOptions,
    blocks_to_markdown,
    check_limits,
    convert_markdown,
    normalize_tree,
)

from test_convert_blocks import CODE, DIV, H, OL, P, Q, ROW, TOGGLE, UL, blk, t

IMG = "https://e.com/i.png"


def IMAGE(url=IMG, *caption):
    return blk("image", {"type": "external", "external": {"url": url}, "caption": list(caption)})


def TABLE(width, *rows, col=False, row=False):
    return blk("table", {"table_width": width, "has_column_header": col, "has_row_header": row, "children": list(rows)})


# (name, markdown, expected blocks, expected report as [(construct, line, subject)])
INLINE = [
    ("b", "a <b>x</b> c", [P(t("a "), t("x", b=True), t(" c"))], []),
    ("strong", "<strong>x</strong>", [P(t("x", b=True))], []),
    ("i", "<i>x</i>", [P(t("x", i=True))], []),
    ("em", "<em>x</em>", [P(t("x", i=True))], []),
    ("u", "<u>x</u>", [P(t("x", u=True))], []),
    ("ins", "<ins>x</ins>", [P(t("x", u=True))], []),
    ("s", "<s>x</s>", [P(t("x", s=True))], []),
    ("del", "<del>x</del>", [P(t("x", s=True))], []),
    ("strike", "<strike>x</strike>", [P(t("x", s=True))], []),
    ("code", "<code>x</code>", [P(t("x", c=True))], []),
    ("tt", "<tt>x</tt>", [P(t("x", c=True))], []),
    ("kbd", "press <kbd>Ctrl</kbd>", [P(t("press "), t("Ctrl", c=True))], [("html_inline", 1, "<kbd")]),
    ("samp", "<samp>out</samp>", [P(t("out", c=True))], [("html_inline", 1, "<samp")]),
    ("sup", "x<sup>2</sup>", [P(t("x2"))], [("html_inline", 1, "<sup")]),
    ("sub", "H<sub>2</sub>O", [P(t("H2O"))], [("html_inline", 1, "<sub")]),
    ("mark", "<mark>hot</mark>", [P(t("hot", hl=True))], []),
    ("span", "a <span class='x'>b</span>", [P(t("a b"))], []),
    ("a href", '<a href="https://e.com">e</a>', [P(t("e", "https://e.com"))], []),
    ("a without href", '<a name="top">e</a>', [P(t("e"))], []),
    ("a javascript", '<a href="javascript:alert(1)">e</a>', [P(t("e"))], [("link", 1, "javascript:alert(1)")]),
    ("a mailto", '<a href="mailto:a@b.c">m</a>', [P(t("m"))], [("link", 1, "mailto:a@b.c")]),
    ("a relative unresolved", '<a href="x.md">x</a>', [P(t("x"))], [("link", 1, "x.md")]),
    ("br", "a<br>b<br/>c<br />d", [P(t("a\nb\nc\nd"))], []),
    ("wbr", "long<wbr>word", [P(t("longword"))], []),
    ("nested tags", "<b><i>x</i> y</b>", [P(t("x", b=True, i=True), t(" y", b=True))], []),
    ("markdown inside html", "<b>**x** `c`</b>", [P(t("x ", b=True), t("c", b=True, c=True))], []),
    (
        "html inside markdown",
        "**a <i>b</i>** [x <u>y</u>](https://e.com)",
        [P(t("a ", b=True), t("b", b=True, i=True), t(" "), t("x ", "https://e.com"), t("y", "https://e.com", u=True))],
        [],
    ),
    ("html link around markdown", '<a href="https://e.com">**x**</a>', [P(t("x", "https://e.com", b=True))], []),
    ("unclosed tag ends with the paragraph", "a <b>x\n\ny", [P(t("a "), t("x", b=True)), P(t("y"))], []),
    ("stray end tag ignored", "**a </b> b**", [P(t("a  b", b=True))], []),
    ("comment", "a <!-- c --> b", [P(t("a  b"))], [("html_inline", 1, None)]),
    (
        "custom tag",
        "see <ImagePreview src='x'>pic</ImagePreview>",
        [P(t("see pic"))],
        [("html_inline", 1, "<ImagePreview")],
    ),
    ("dfn", "<dfn>term</dfn>", [P(t("term"))], [("html_inline", 1, "<dfn")]),
    ("abbr", '<abbr title="HyperText">HTML</abbr>', [P(t("HTML"))], [("html_inline", 1, "<abbr")]),
    ("entities in attributes", '<a href="https://e.com/?a=1&amp;b=2">q</a>', [P(t("q", "https://e.com/?a=1&b=2"))], []),
    (
        "inline img splits the paragraph",
        f'before <img src="{IMG}" alt="A"> after',
        [P(t("before")), IMAGE(IMG, t("A")), P(t("after"))],
        [],
    ),
    (
        "img in a later line",
        f'one\ntwo <img src="{IMG}" title="T">',
        [P(t("one two")), IMAGE(IMG, t("T"))],
        [("image", 2, "T")],
    ),
    ("html in a quote", "> <b>x</b>", [Q(t("x", b=True))], []),
    ("html in a list item", "- <i>x</i>\n- <s>y</s>", [UL(t("x", i=True)), UL(t("y", s=True))], []),
    (
        "html in a table cell",
        "| <b>a</b> | <kbd>k</kbd> |\n|---|---|\n| 1 | 2 |",
        [
            blk(
                "table",
                {
                    "table_width": 2,
                    "has_column_header": True,
                    "has_row_header": False,
                    "children": [ROW([t("a", b=True)], [t("k", c=True)]), ROW([t("1")], [t("2")])],
                },
            )
        ],
        [("html_inline", 1, "<kbd")],
    ),
    ("html in a heading", "## A <code>b</code>", [H(2, t("A "), t("b", c=True))], []),
    ("block tag inside a paragraph", "a <div>b</div>", [P(t("a b"))], [("html_inline", 1, "<div")]),
]

BLOCK = [
    ("p", "<p>x</p>", [P(t("x"))], []),
    ("p align", '<p align="center">x</p>', [P(t("x"))], [("html_block", 1, "<p")]),
    ("div", "<div>\na\n</div>", [P(t("a"))], []),
    ("center", "<center>x</center>", [P(t("x"))], []),
    ("two paragraphs", "<p>one</p>\n<p>two</p>", [P(t("one")), P(t("two"))], []),
    ("implied end of p", "<p>one\n<p>two", [P(t("one")), P(t("two"))], []),
    ("whitespace collapsed", "<p>\n  a\n   b  <b> c</b>\n</p>", [P(t("a b "), t("c", b=True))], []),
    ("br in block", "<p>a<br>\n  b</p>", [P(t("a\nb"))], []),
    ("entities", "<p>&amp; &lt;x&gt; &copy;</p>", [P(t("& <x> ©"))], []),
    (
        "inline tags in block",
        '<p><b>b</b> <i>i</i> <a href="https://e.com">l</a> <kbd>k</kbd></p>',
        [P(t("b", b=True), t(" "), t("i", i=True), t(" "), t("l", "https://e.com"), t(" "), t("k", c=True))],
        [("html_block", 1, "<kbd")],
    ),
    ("markdown stays literal in an html block", "<div>*x* **y**</div>", [P(t("*x* **y**"))], []),
    ("h1", "<h1>T</h1>", [H(1, t("T"))], []),
    ("h2", "<h2>T <i>i</i></h2>", [H(2, t("T "), t("i", i=True))], []),
    ("h3", '<h3 align="center">T</h3>', [H(3, t("T"))], [("html_block", 1, "<h3")]),
    ("h4", "<h4>T</h4>", [H(3, t("T"))], [("heading_4", 1, None)]),
    ("h5", "<h5>T</h5>", [H(3, t("T"))], [("heading_5", 1, None)]),
    ("h6", "<h6>T</h6>", [H(3, t("T"))], [("heading_6", 1, None)]),
    ("blockquote", "<blockquote>q <b>b</b></blockquote>", [Q(t("q "), t("b", b=True))], []),
    ("blockquote paragraphs", "<blockquote><p>a</p><p>b</p></blockquote>", [Q(t("a"), children=[P(t("b"))])], []),
    ("ul", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>", [UL(t("a")), UL(t("b"))], []),
    ("ol", "<ol><li>a<li>b</ol>", [OL(t("a")), OL(t("b"))], []),
    ("ol start", '<ol start="3"><li>a</li></ol>', [OL(t("a"))], [("numbered_list_start", 1, None)]),
    ("nested lists", "<ul><li>a<ol><li>b</li></ol></li></ul>", [UL(t("a"), children=[OL(t("b"))])], []),
    (
        "table",
        "<table>\n<tr><th>A</th><th>B</th></tr>\n<tr><td>1</td><td><b>2</b></td></tr>\n</table>",
        [TABLE(2, ROW([t("A")], [t("B")]), ROW([t("1")], [t("2", b=True)]), col=True)],
        [],
    ),
    (
        "table sections",
        "<table><thead><tr><th>A</th></tr></thead><tbody><tr><td>1</td></tr></tbody></table>",
        [TABLE(1, ROW([t("A")]), ROW([t("1")]), col=True)],
        [],
    ),
    (
        "table without header",
        "<table><tr><td>1</td><td>2</td></tr><tr><td>3</td></tr></table>",
        [TABLE(2, ROW([t("1")], [t("2")]), ROW([t("3")], []))],
        [],
    ),
    (
        "table row header",
        "<table><tr><th>a</th><td>1</td></tr><tr><th>b</th><td>2</td></tr></table>",
        [TABLE(2, ROW([t("a")], [t("1")]), ROW([t("b")], [t("2")]), row=True)],
        [],
    ),
    (
        "table caption",
        "<table><caption>Cap</caption><tr><td>1</td></tr></table>",
        [P(t("Cap")), TABLE(1, ROW([t("1")]))],
        [],
    ),
    (
        "table colspan",
        '<table><tr><td colspan="2">w</td></tr><tr><td>1</td><td>2</td></tr></table>',
        [TABLE(2, ROW([t("w")], []), ROW([t("1")], [t("2")]))],
        [("html_block", 1, "<td")],
    ),
    (
        "table cell paragraphs",
        "<table><tr><td><p>a</p><p>b</p></td></tr></table>",
        [TABLE(1, ROW([t("a"), t("\n"), t("b")]))],
        [],
    ),
    (
        "details nested in html",
        "<div>\n<details><summary>S <b>b</b></summary>x</details>\n</div>",
        [TOGGLE(t("S "), t("b", b=True), children=[P(t("x"))])],
        [],
    ),
    ("hr", "<p>a</p>\n<hr>\n<p>b</p>", [P(t("a")), DIV, P(t("b"))], []),
    (
        "pre code",
        '<pre><code class="language-python">x = 1\nif x:\n    y()\n</code></pre>',
        [CODE("x = 1\nif x:\n    y()", "python")],
        [],
    ),
    ("pre plain", "<pre>\n  a &lt; b\n</pre>", [CODE("  a < b", "plain text")], []),
    (
        "pre unknown language",
        '<pre><code class="lang-brainfuck">+</code></pre>',
        [CODE("+", "plain text")],
        [("code_language", 1, "brainfuck")],
    ),
    ("comment block", "a\n\n<!-- hidden\nlines -->", [P(t("a"))], [("html_block", 3, None)]),
    # an HTML block of one comment is dropped without the tokenizer (html.is_lone_comment); the
    # shapes it leaves to the tokenizer come out the same way
    ("indented comment", "a\n\n  <!-- c -->  \n\nb", [P(t("a")), P(t("b"))], [("html_block", 3, None)]),
    ("empty comment", "<!---->", [], [("html_block", 1, None)]),
    ("comment ending --->", "<!-- a --->", [], [("html_block", 1, None)]),
    ("comment holding --", "<!-- a -- b -->", [], [("html_block", 1, None)]),
    ("two comments", "<!-- a --> <!-- b -->", [], [("html_block", 1, None), ("html_block", 1, None)]),
    ("comment then text", "<!-- a --> b", [P(t("b"))], [("html_block", 1, None)]),
    ("script dropped", "<script>\nalert(1)\n</script>", [], [("html_block", 1, "<script")]),
    ("style dropped", "<style>p { color: red }</style>", [], [("html_block", 1, "<style")]),
    (
        "custom block tag",
        '<ImagePreview src="x">\nCaption text\n</ImagePreview>',
        [P(t("Caption text"))],
        [("html_block", 1, "<ImagePreview")],
    ),
    ("stray end tag", "</div>", [], []),
    ("img", f'<img src="{IMG}" alt="A" width="100">', [IMAGE(IMG, t("A"))], []),
    ("img self closing", f'<img src="{IMG}"/>', [IMAGE(IMG)], []),
    ("img without src", '<img alt="A">', [P(t("A"))], [("html_block", 1, "<img")]),
    (
        "img javascript src",
        '<img src="javascript:alert(1)" alt="A">',
        [P(t("A"))],
        [("image", 1, "javascript:alert(1)")],
    ),
    (
        "picture",
        f'<picture>\n<source srcset="https://e.com/dark.png 1x" media="(prefers-color-scheme: dark)">\n'
        f'<img src="{IMG}" alt="L">\n</picture>',
        [IMAGE(IMG, t("L"))],
        [],
    ),
    (
        "picture without img",
        '<picture><source srcset="https://e.com/a.png 1x, https://e.com/b.png 2x"></picture>',
        [IMAGE("https://e.com/a.png")],
        [],
    ),
    (
        "centered logo with link",
        f'<p align="center">\n  <a href="https://x.com"><img src="{IMG}" alt="Logo"></a>\n</p>',
        [IMAGE(IMG, t("Logo", "https://x.com"))],
        [("html_block", 1, "<p"), ("image", 2, "https://x.com")],
    ),
    (
        "badges row",
        f'<p>\n<a href="https://ci.com"><img src="{IMG}" alt="CI"></a>\n<img src="https://e.com/v.svg" alt="v1">\n</p>',
        [IMAGE(IMG, t("CI", "https://ci.com")), IMAGE("https://e.com/v.svg", t("v1"))],
        [("image", 2, "https://ci.com")],
    ),
    # Markdown inside HTML (blank lines end the HTML block, as CommonMark defines)
    (
        "markdown inside div",
        '<div align="center">\n\n# Title\n\n**bold** text\n\n- a\n\n</div>',
        [H(1, t("Title")), P(t("bold", b=True), t(" text")), UL(t("a"))],
        [("html_block", 1, "<div")],
    ),
    (
        "markdown inside blockquote",
        "<blockquote>\n\n*x*\n\ny\n\n</blockquote>",
        [Q(t("x", i=True), children=[P(t("y"))])],
        [],
    ),
    ("markdown inside li", "<ul>\n<li>\n\n**a**\n\n</li>\n</ul>", [UL(t("a", b=True))], []),
    (
        "markdown inside td",
        "<table>\n<tr>\n<td>\n\n**a** b\n\n</td>\n</tr>\n</table>",
        [TABLE(1, ROW([t("a", b=True), t(" b")]))],
        [],
    ),
    (
        "markdown inside details in div",
        "<div>\n<details>\n<summary>S</summary>\n\n- x\n\n</details>\n</div>",
        [TOGGLE(t("S"), children=[UL(t("x"))])],
        [],
    ),
    (
        "html link around markdown image",
        f'<a href="https://x.com">\n\n![A]({IMG})\n\n</a>',
        [IMAGE(IMG, t("A", "https://x.com"))],
        [("image", 3, "https://x.com")],
    ),
    ("html bold around markdown", "<b>\n\ntext *i*\n\n</b>", [P(t("text ", b=True), t("i", b=True, i=True))], []),
    ("markdown heading after closed div", "<div>x</div>\n\n# H", [P(t("x")), H(1, t("H"))], []),
    ("unclosed div runs to the end", "<div>\n\na\n\nb", [P(t("a")), P(t("b"))], [("html_block", 1, "<div")]),
    (
        "html block in a list item",
        "- a\n\n  <p>b <b>c</b></p>",
        [UL(t("a"), children=[P(t("b "), t("c", b=True))])],
        [],
    ),
    ("html block in a quote", "> <h2>T</h2>", [Q(children=[H(2, t("T"))])], []),
    (
        "existing details keep markdown",
        "<details><summary>S *i*</summary>\n\n<p>x</p>\n\n</details>",
        [TOGGLE(t("S "), t("i", i=True), children=[P(t("x"))])],
        [],
    ),
]

IMAGES = [
    ("alt is the caption", f"![Freeware]({IMG})", [IMAGE(IMG, t("Freeware"))], []),
    (
        "title appended to alt",
        f'![Freeware]({IMG} "Free")',
        [IMAGE(IMG, t("Freeware \u2014 Free"))],
        [("image", 1, "Free")],
    ),
    ("title equal to alt", f'![Free]({IMG} "Free")', [IMAGE(IMG, t("Free"))], []),
    ("title without alt", f'![]({IMG} "Free")', [IMAGE(IMG, t("Free"))], [("image", 1, "Free")]),
    ("no alt no title", f"![]({IMG})", [IMAGE(IMG)], []),
    ("html img title", f'<img src="{IMG}" alt="A" title="T">', [IMAGE(IMG, t("A \u2014 T"))], [("image", 1, "T")]),
    (
        "badge link",
        "[![build](https://e.com/b.svg)](https://ci.com)",
        [IMAGE("https://e.com/b.svg", t("build", "https://ci.com"))],
        [("image", 1, "https://ci.com")],
    ),
    (
        "linked image without alt",
        f"[![]({IMG})](https://x.com)",
        [IMAGE(IMG, t("https://x.com", "https://x.com"))],
        [("image", 1, "https://x.com")],
    ),
    (
        "linked image with title",
        f'[![A]({IMG} "T")](https://x.com)',
        [IMAGE(IMG, t("A \u2014 T", "https://x.com"))],
        [("image", 1, "T"), ("image", 1, "https://x.com")],
    ),
    (
        "badges in a line",
        f"[![a]({IMG})](https://a.com) [![b]({IMG})](https://b.com)",
        [IMAGE(IMG, t("a", "https://a.com")), IMAGE(IMG, t("b", "https://b.com"))],
        [("image", 1, "https://a.com"), ("image", 1, "https://b.com")],
    ),
    (
        "linked image with unusable link",
        f"[![a]({IMG})](mailto:a@b.c)",
        [IMAGE(IMG, t("a"))],
        [("link", 1, "mailto:a@b.c")],
    ),
    (
        "linked image in a heading",
        f"# [![a]({IMG})](https://x.com)",
        [H(1, t("a", "https://x.com"))],
        [("image", 1, "a")],
    ),
    (
        "linked unusable image keeps linked alt",
        "[![a](ftp://e.com/i.png)](https://x.com)",
        [P(t("a", "https://x.com"))],
        [("image", 1, "https://x.com"), ("image", 1, "ftp://e.com/i.png")],
    ),
]

CASES = INLINE + BLOCK + IMAGES


def report_of(conv):
    return [(d.construct, d.line, d.subject) for d in conv.report]


@pytest.mark.parametrize("name,md,expected,report", CASES, ids=[c[0] for c in CASES])
def test_html_and_images(name, md, expected, report):
    conv = convert_markdown(md)
    assert conv.blocks == expected
    assert sorted(report_of(conv), key=str) == sorted(report, key=str)
    assert check_limits(conv.blocks) == []


@pytest.mark.parametrize("name,md,expected,report", CASES, ids=[c[0] for c in CASES])
def test_html_cases_round_trip(name, md, expected, report):
    """What the converter produced, written back as Markdown, converts to the same blocks."""
    blocks = convert_markdown(md).blocks
    again = convert_markdown(blocks_to_markdown(blocks)).blocks
    assert normalize_tree(again) == normalize_tree(blocks)


def test_every_degradation_has_a_line_and_a_message():
    for _, md, _, _ in CASES:
        for d in convert_markdown(md).report:
            assert d.line is not None and d.message, d


def test_html_img_with_local_path_is_uploaded_like_a_markdown_image(tmp_path):
    (tmp_path / "img").mkdir()
    data = b"\x89PNG fake"
    (tmp_path / "img" / "x y.png").write_bytes(data)
    options = ConvertOptions(base_dir=tmp_path)
    html = convert_markdown('<img src="img/x y.png" alt="Alt">', options)
    markdown = convert_markdown("![Alt](<img/x y.png>)", options)
    sha = hashlib.sha256(data).hexdigest()
    assert (
        html.blocks
        == markdown.blocks
        == [
            {
                "object": "block",
                "type": "image",
                "image": {"type": "file_upload", "file_upload": {"id": ""}, "caption": [t("Alt")]},
                "bot_local_file": {
                    "path": str((tmp_path / "img" / "x y.png").resolve()),
                    "sha256": sha,
                    "name": "x y.png",
                    "content_type": "image/png",
                },
            }
        ]
    )
    assert html.report == markdown.report == []


def test_html_img_missing_local_file_keeps_alt_like_markdown():
    options = ConvertOptions(base_dir=Path("/nonexistent"))
    html = convert_markdown('<p>\n<img src="img/none.png" alt="Alt">\n</p>', options)
    assert html.blocks == [P(t("Alt"))]
    assert report_of(html) == [("image", 2, "img/none.png")]


def test_relative_html_link_goes_through_the_resolver():
    seen = []

    def resolve(href):
        seen.append(href)
        return "https://notion.so/abc"

    conv = convert_markdown('<a href="../2026-W14/en.md">w14</a>', ConvertOptions(resolve_link=resolve))
    assert seen == ["../2026-W14/en.md"]
    assert conv.blocks == [P(t("w14", "https://notion.so/abc"))]


def test_line_offset_applies_to_html_reports():
    conv = convert_markdown("x\n\n<div>\n<abbr>a</abbr>\n</div>", ConvertOptions(line_offset=10))
    assert report_of(conv) == [("html_block", 14, "<abbr")]


def test_degradation_dict_is_unchanged_by_the_subject():
    d = convert_markdown("<kbd>k</kbd>").report[0]
    assert d.to_dict() == {"line": 1, "construct": "html_inline", "message": d.message}


def test_unknown_tags_are_named_as_written():
    (d,) = convert_markdown("see <ImagePreview src='x'>pic</ImagePreview>").report
    assert d.message == "<ImagePreview> has no Notion equivalent: tag dropped, text kept"
