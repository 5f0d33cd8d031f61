"""Table-driven tests: Markdown -> exact request-shaped blocks, and degradations."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from bot.convert import (
    ConvertOptions,
    check_limits,
    convert_markdown,
    normalize_block,
    plain_text,
)


def ann(b=False, i=False, s=False, c=False, u=False, hl=False):
    return {
        "bold": b,
        "italic": i,
        "strikethrough": s,
        "underline": u,
        "code": c,
        "color": "yellow_background" if hl else "default",
    }


def t(content, link=None, **kw):
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": ann(**kw),
    }


def eq(expr, **kw):
    return {"type": "equation", "equation": {"expression": expr}, "annotations": ann(**kw)}


def blk(btype, body, children=None):
    if children:
        body = dict(body, children=children)
    return {"object": "block", "type": btype, btype: body}


def P(*rt, children=None):
    return blk("paragraph", {"rich_text": list(rt), "color": "default"}, children)


def H(level, *rt):
    return blk(f"heading_{level}", {"rich_text": list(rt), "color": "default", "is_toggleable": False})


def LI(kind, *rt, children=None):
    return blk(kind, {"rich_text": list(rt), "color": "default"}, children)


def UL(*rt, children=None):
    return LI("bulleted_list_item", *rt, children=children)


def OL(*rt, children=None):
    return LI("numbered_list_item", *rt, children=children)


def TODO(checked, *rt, children=None):
    return blk("to_do", {"rich_text": list(rt), "checked": checked, "color": "default"}, children)


def Q(*rt, children=None):
    return LI("quote", *rt, children=children)


def CODE(text, lang):
    return blk("code", {"rich_text": [t(text)] if text else [], "language": lang, "caption": []})


def CALLOUT(emoji, color, *rt, children=None):
    return blk("callout", {"rich_text": list(rt), "icon": {"type": "emoji", "emoji": emoji}, "color": color}, children)


def TOGGLE(*rt, children=None):
    return LI("toggle", *rt, children=children)


def ROW(*cells):
    return blk("table_row", {"cells": [list(c) for c in cells]})


def TABLE(width, *rows):
    return blk(
        "table", {"table_width": width, "has_column_header": True, "has_row_header": False, "children": list(rows)}
    )


DIV = blk("divider", {})

CASES = [
    # paragraphs and inline
    ("plain", "Hello world", [P(t("Hello world"))]),
    ("soft break", "a\nb", [P(t("a b"))]),
    ("hard break backslash", "a\\\nb", [P(t("a\nb"))]),
    ("hard break spaces", "a  \nb", [P(t("a\nb"))]),
    ("br tag", "a<br>b", [P(t("a\nb"))]),
    ("bold", "**b**", [P(t("b", b=True))]),
    ("italic", "*i* and _j_", [P(t("i", i=True), t(" and "), t("j", i=True))]),
    ("nested", "**a *b* c**", [P(t("a ", b=True), t("b", b=True, i=True), t(" c", b=True))]),
    ("bold italic", "***x***", [P(t("x", b=True, i=True))]),
    ("strike", "~~s~~ ~t~", [P(t("s", s=True), t(" "), t("t", s=True))]),
    ("code", "use `x|y` now", [P(t("use "), t("x|y", c=True), t(" now"))]),
    ("code in bold", "**`c`**", [P(t("c", b=True, c=True))]),
    ("entities", "&amp; &copy; &#35;", [P(t("& © #"))]),
    ("escapes", r"\*not\* \# \[x\]", [P(t("*not* # [x]"))]),
    ("intraword underscore", "snake_case_name", [P(t("snake_case_name"))]),
    ("link", "[a](https://e.com/x)", [P(t("a", "https://e.com/x"))]),
    ("link bold part", "[a **b**](https://e.com)", [P(t("a ", "https://e.com"), t("b", "https://e.com", b=True))]),
    ("autolink", "<https://e.com>", [P(t("https://e.com", "https://e.com"))]),
    ("gfm autolink www", "see www.e.com", [P(t("see "), t("www.e.com", "http://www.e.com"))]),
    ("inline math", "x $a^2$ y", [P(t("x "), eq("a^2"), t(" y"))]),
    ("merge adjacent", "a*b*c", [P(t("a"), t("b", i=True), t("c"))]),
    ("footnote", "T[^a].\n\n[^a]: Note.", [P(t("T[1].")), H(3, t("Footnotes")), OL(t("Note."))]),
    # CJK emphasis
    ("cjk colon", "**注意：**正文", [P(t("注意：", b=True), t("正文"))]),
    ("cjk dash", "**名称**——说明", [P(t("名称", b=True), t("——说明"))]),
    ("cjk mixed", "**字节跳动 Rec-Distill**——面向", [P(t("字节跳动 Rec-Distill", b=True), t("——面向"))]),
    ("cjk fullstop latin after", "**新的 KPI。**Rec", [P(t("新的 KPI。", b=True), t("Rec"))]),
    ("cjk brackets", "这是**「引用」**的", [P(t("这是"), t("「引用」", b=True), t("的"))]),
    ("cjk parens", "中文**（括号）**中文", [P(t("中文"), t("（括号）", b=True), t("中文"))]),
    ("cjk italic", "*斜体。*接着", [P(t("斜体。", i=True), t("接着"))]),
    ("cjk strike", "~~删除。~~接着", [P(t("删除。", s=True), t("接着"))]),
    ("japanese", "**このアスタリスクは強調記号。**この文", [P(t("このアスタリスクは強調記号。", b=True), t("この文"))]),
    ("korean", "**한국어 구문(괄호 포함)**을 강조", [P(t("한국어 구문(괄호 포함)", b=True), t("을 강조"))]),
    ("cjk plain between", "中文**粗体**中文", [P(t("中文"), t("粗体", b=True), t("中文"))]),
    ("cjk two pairs", "**甲：**乙，**丙：**丁", [P(t("甲：", b=True), t("乙，"), t("丙：", b=True), t("丁"))]),
    ("english unchanged", "**foo.**bar", [P(t("**foo.**bar"))]),
    ("english unchanged 2", 'a**"b"**c', [P(t('a**"b"**c'))]),
    # headings
    ("h1", "# A", [H(1, t("A"))]),
    ("h2 setext", "A\n---", [H(2, t("A"))]),
    ("h1 setext", "A\n===", [H(1, t("A"))]),
    ("h3", "### *A*", [H(3, t("A", i=True))]),
    ("h5 -> h3", "##### A", [H(3, t("A"))]),
    # lists
    ("bullets", "- a\n- b", [UL(t("a")), UL(t("b"))]),
    ("nested bullets", "- a\n  - b\n    - c", [UL(t("a"), children=[UL(t("b"), children=[UL(t("c"))])])]),
    ("ordered", "1. a\n2. b", [OL(t("a")), OL(t("b"))]),
    ("ordered start", "3. a\n4. b", [OL(t("a")), OL(t("b"))]),
    ("task list", "- [ ] a\n- [x] b", [TODO(False, t("a")), TODO(True, t("b"))]),
    ("list item paragraphs", "- a\n\n  b", [UL(t("a"), children=[P(t("b"))])]),
    ("list item code first", "- ```\n  x\n  ```", [UL(children=[CODE("x", "plain text")])]),
    ("mixed nesting", "1. a\n   - [ ] b\n     > q", [OL(t("a"), children=[TODO(False, t("b"), children=[Q(t("q"))])])]),
    # quotes / callouts
    ("quote", "> a\n> b", [Q(t("a b"))]),
    ("quote children", "> a\n>\n> b\n>\n> - c", [Q(t("a"), children=[P(t("b")), UL(t("c"))])]),
    ("quote nested", "> > x", [Q(children=[Q(t("x"))])]),
    ("alert note", "> [!NOTE]\n> Hi", [CALLOUT("\u2139\ufe0f", "blue_background", t("Hi"))]),
    ("alert tip", "> [!TIP]\n> Hi", [CALLOUT("\U0001f4a1", "green_background", t("Hi"))]),
    ("alert important", "> [!IMPORTANT]\n> Hi", [CALLOUT("\u2757", "purple_background", t("Hi"))]),
    (
        "alert warning",
        "> [!WARNING]\n> Hi\n>\n> more",
        [CALLOUT("\u26a0\ufe0f", "yellow_background", t("Hi"), children=[P(t("more"))])],
    ),
    ("alert caution", "> [!CAUTION]\n> Hi", [CALLOUT("\U0001f6d1", "red_background", t("Hi"))]),
    # details
    (
        "details",
        "<details><summary>S *i*</summary>\n\nInner\n\n- x\n\n</details>",
        [TOGGLE(t("S "), t("i", i=True), children=[P(t("Inner")), UL(t("x"))])],
    ),
    (
        "details one block",
        "<details>\n<summary>S</summary>\nInner **b**\n</details>",
        [TOGGLE(t("S"), children=[P(t("Inner "), t("b", b=True))])],
    ),
    (
        "details nested",
        "<details><summary>A</summary>\n\n<details><summary>B</summary>\n\nx\n\n</details>\n\n</details>",
        [TOGGLE(t("A"), children=[TOGGLE(t("B"), children=[P(t("x"))])])],
    ),
    # code / math / hr
    ("fence py", "```py\nprint(1)\n```", [CODE("print(1)", "python")]),
    ("fence alias ts", "```ts\nx\n```", [CODE("x", "typescript")]),
    ("fence c++", "```cpp\nx\n```", [CODE("x", "c++")]),
    ("fence cs", "```cs\nx\n```", [CODE("x", "c#")]),
    ("fence console", "```console\n$ ls\n```", [CODE("$ ls", "shell")]),
    ("fence text", "```text\nx\n```", [CODE("x", "plain text")]),
    ("fence none", "```\nx\n```", [CODE("x", "plain text")]),
    ("fence empty", "```\n```", [CODE("", "plain text")]),
    ("indented code", "    x = 1\n    y", [CODE("x = 1\ny", "plain text")]),
    ("math block", "$$\nE=mc^2\n$$", [blk("equation", {"expression": "E=mc^2"})]),
    ("hr", "a\n\n---\n\nb", [P(t("a")), DIV, P(t("b"))]),
    ("hr stars", "***", [DIV]),
    # tables
    (
        "table",
        "| a | b |\n|---|---|\n| 1 | **2** |",
        [TABLE(2, ROW([t("a")], [t("b")]), ROW([t("1")], [t("2", b=True)]))],
    ),
    ("table short row", "| a | b |\n|---|---|\n| 1 |", [TABLE(2, ROW([t("a")], [t("b")]), ROW([t("1")], []))]),
    ("table pipe escape", "| a |\n|---|\n| `x\\|y` |", [TABLE(1, ROW([t("a")]), ROW([t("x|y", c=True)]))]),
    # images
    (
        "image external",
        "![alt](https://e.com/i.png)",
        [blk("image", {"type": "external", "external": {"url": "https://e.com/i.png"}, "caption": [t("alt")]})],
    ),
    (
        "image title appended to caption",
        '![alt](https://e.com/i.png "Title")',
        [
            blk(
                "image",
                {"type": "external", "external": {"url": "https://e.com/i.png"}, "caption": [t("alt \u2014 Title")]},
            )
        ],
    ),
    (
        "image splits paragraph",
        "before ![a](https://e.com/i.png) after",
        [
            P(t("before")),
            blk("image", {"type": "external", "external": {"url": "https://e.com/i.png"}, "caption": [t("a")]}),
            P(t("after")),
        ],
    ),
    ("front matter skipped", "---\ntitle: x\n---\n# H", [H(1, t("H"))]),
    ("empty", "", []),
]


@pytest.mark.parametrize("name,md,expected", CASES, ids=[c[0] for c in CASES])
def test_markdown_to_blocks(name, md, expected):
    conv = convert_markdown(md)
    assert conv.blocks == expected
    assert check_limits(conv.blocks) == []


# (name, markdown, options, construct, line)
DEGRADATIONS = [
    ("h4", "x\n\n#### four", None, "heading_4", 3),
    ("h5", "##### five", None, "heading_5", 1),
    ("h6", "###### six", None, "heading_6", 1),
    ("html block", "<div>\n<abbr title='t'>x</abbr>\n</div>", None, "html_block", 2),
    ("html comment block", "a\n\n<!-- hidden -->", None, "html_block", 3),
    ("html inline", "a <sup>b</sup>", None, "html_inline", 1),
    ("html inline later line", "a\nb <kbd>x</kbd>", None, "html_inline", 2),
    ("footnote", "A[^1]\n\n[^1]: note", None, "footnote", 3),
    ("numbered start", "para\n\n5. five", None, "numbered_list_start", 3),
    ("mailto", "[m](mailto:a@b.c)", None, "link", 1),
    ("email autolink", "<a@b.com>", None, "link", 1),
    ("ftp", "[f](ftp://x.org/f)", None, "link", 1),
    ("anchor", "[a](#sec)", None, "link", 1),
    ("relative no resolver", "[r](../2026-W14/en.md#x)", None, "link", 1),
    ("relative resolver none", "[r](x.md)", ConvertOptions(resolve_link=lambda h: None), "link", 1),
    ("long url", "[l](https://e.com/" + "a" * 2000 + ")", None, "link", 1),
    ("unknown lang", "```brainfuck\n+\n```", None, "code_language", 1),
    ("table align", "| a |\n|:-:|\n| 1 |", None, "table_alignment", 1),
    ("long equation", "$$\n" + "x+" * 600 + "x\n$$", None, "equation", 1),
    ("long inline equation", "a $" + "x+" * 600 + "x$", None, "equation", 1),
    ("image in heading", "# a ![i](https://e.com/i.png)", None, "image", 1),
    ("missing local image", "![alt](img/none.png)", ConvertOptions(base_dir=Path("/nonexistent")), "image", 1),
    ("line offset", "#### x", ConvertOptions(line_offset=10), "heading_4", 11),
    ("front matter lines", "---\na: 1\n---\n\n##### x", None, "heading_5", 5),
    ("too many items", "".join(f"**{i}** " for i in range(120)), None, "rich_text_items", 1),
    ("unclosed details", "<details><summary>s</summary>\n\nx", None, "details", 1),
]


@pytest.mark.parametrize("name,md,opts,construct,line", DEGRADATIONS, ids=[d[0] for d in DEGRADATIONS])
def test_degradations(name, md, opts, construct, line):
    conv = convert_markdown(md, opts)
    hits = [d for d in conv.report if d.construct == construct]
    assert hits, conv.report
    assert hits[0].line == line
    assert hits[0].to_dict() == {"line": line, "construct": construct, "message": hits[0].message}
    assert check_limits(conv.blocks) == []


def test_exact_constructs_are_not_reported():
    md = "# H\n\n**b** *i* `c` [l](https://e.com) $x$\n\n- a\n- [ ] b\n\n```py\nx\n```\n\n| a |\n|---|\n| b |\n"
    assert convert_markdown(md).report == []


def test_degraded_outputs():
    assert convert_markdown("#### four").blocks == [H(3, t("four"))]
    assert convert_markdown("<div>x</div>").blocks == [P(t("x"))]
    assert convert_markdown("a <sup>b</sup>").blocks == [P(t("a b"))]
    assert convert_markdown("a <!-- c --> b").blocks == [P(t("a  b"))]
    assert convert_markdown("[m](mailto:a@b.c)").blocks == [P(t("m"))]
    assert convert_markdown("[r](#x)").blocks == [P(t("r"))]
    long_eq = "x+" * 600 + "x"
    assert convert_markdown(f"$$\n{long_eq}\n$$").blocks == [CODE(long_eq, "latex")]
    assert convert_markdown(f"a ${long_eq}$").blocks == [P(t("a "), t(long_eq, c=True))]
    assert convert_markdown("```brainfuck\n+\n```").blocks == [CODE("+", "plain text")]


def test_relative_link_resolver_gets_href_as_written():
    seen = []

    def resolve(href):
        seen.append(href)
        return "https://notion.so/abc" if href.startswith("../") else None

    conv = convert_markdown("[w14](../2026-W14/en.md#x) [bad](other.md)", ConvertOptions(resolve_link=resolve))
    assert seen == ["../2026-W14/en.md#x", "other.md"]
    assert conv.blocks == [P(t("w14", "https://notion.so/abc"), t(" bad"))]
    assert [d.construct for d in conv.report] == ["link"]


def test_resolver_returning_non_http_is_plain_text():
    conv = convert_markdown("[x](a.md)", ConvertOptions(resolve_link=lambda h: "notion://x"))
    assert conv.blocks == [P(t("x"))]
    assert conv.report[0].construct == "link"


def test_local_image(tmp_path):
    (tmp_path / "img").mkdir()
    data = b"\x89PNG fake"
    (tmp_path / "img" / "x.png").write_bytes(data)
    conv = convert_markdown("![Alt text](img/x.png)", ConvertOptions(base_dir=tmp_path))
    sha = hashlib.sha256(data).hexdigest()
    assert conv.blocks == [
        {
            "object": "block",
            "type": "image",
            "image": {"type": "file_upload", "file_upload": {"id": ""}, "caption": [t("Alt text")]},
            "bot_local_file": {
                "path": str((tmp_path / "img" / "x.png").resolve()),
                "sha256": sha,
                "name": "x.png",
                "content_type": "image/png",
            },
        }
    ]
    assert conv.report == []
    live = {
        "object": "block",
        "id": "1",
        "type": "image",
        "has_children": False,
        "image": {
            "type": "file",
            "caption": [dict(t("Alt text"), plain_text="Alt text", href=None)],
            "file": {"url": f"https://s3.aws/abc/{sha[:16]}-x.png?X-Amz=1", "expiry_time": "z"},
        },
    }
    assert normalize_block(live) == normalize_block(conv.blocks[0])


def test_missing_local_image_keeps_alt():
    conv = convert_markdown("![Alt](img/none.png)", ConvertOptions(base_dir=Path("/nonexistent")))
    assert conv.blocks == [P(t("Alt"))]


def test_long_text_split_keeps_annotations_and_links():
    word = "ab" * 1500  # 3000 units
    conv = convert_markdown(f"[**{word}**](https://e.com)")
    items = conv.blocks[0]["paragraph"]["rich_text"]
    assert [len(i["text"]["content"]) for i in items] == [2000, 1000]
    assert all(i["annotations"]["bold"] and i["text"]["link"] == {"url": "https://e.com"} for i in items)
    assert check_limits(conv.blocks) == []


def test_split_never_cuts_grapheme_clusters():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467\u200d\U0001f466"  # 11 units
    flag = "\U0001f1e9\U0001f1ea"
    combining = "e\u0301\u0327"
    text = "x" + (family + flag + combining) * 200
    conv = convert_markdown(text)
    items = conv.blocks[0]["paragraph"]["rich_text"]
    assert len(items) > 1
    assert "".join(i["text"]["content"] for i in items) == text
    for it in items[1:]:
        c = it["text"]["content"]
        assert c.startswith((family, flag, combining)), repr(c[:5])
    assert check_limits(conv.blocks) == []


def test_long_code_spread_over_items_and_blocks():
    code = "\n".join("line %05d " % i + "x" * 40 for i in range(5000))  # ~255k chars
    conv = convert_markdown(f"```python\n{code}\n```")
    assert all(b["type"] == "code" for b in conv.blocks)
    assert len(conv.blocks) > 1
    assert "".join(i["text"]["content"] for b in conv.blocks for i in b["code"]["rich_text"]) == code
    assert check_limits(conv.blocks) == []
    assert [d.construct for d in conv.report] == ["code"]


def test_many_items_continue_in_following_block():
    md = "- " + " ".join(f"**{i}** x" for i in range(150))
    conv = convert_markdown(md)
    # the item's paragraph is split in 3 paragraphs: the first becomes the item text,
    # the continuation paragraphs its first children
    assert [b["type"] for b in conv.blocks] == ["bulleted_list_item"]
    kids = conv.blocks[0]["bulleted_list_item"]["children"]
    assert [b["type"] for b in kids] == ["paragraph", "paragraph"]
    assert [d.construct for d in conv.report] == ["rich_text_items"]
    assert check_limits(conv.blocks) == []
    assert "".join(plain_text(conv.blocks)) == " ".join(f"{i} x" for i in range(150))


def test_deep_nesting_full_tree():
    md = "\n".join("  " * d + f"- level {d}" for d in range(12))
    conv = convert_markdown(md)
    depth, b = 0, conv.blocks[0]
    while True:
        kids = b["bulleted_list_item"].get("children")
        if not kids:
            break
        depth, b = depth + 1, kids[0]
    assert depth == 11


def test_plain_text_simple_document():
    md = (
        "# Title\n\nHello **bold** and [link](https://e.com).\n\n- one\n  - two\n\n"
        "| a | b |\n|---|---|\n| 1 | 2 |\n\n---\n\n$$\nx\n$$\n"
    )
    assert plain_text(convert_markdown(md).blocks) == [
        "Title",
        "Hello bold and link.",
        "one",
        "two",
        "",
        "a | b",
        "1 | 2",
        "",
        "x",
    ]


def test_real_newsletters_have_no_stray_markers_and_respect_limits():
    root = Path(__file__).resolve().parents[2] / "content"
    files = sorted(root.rglob("*.md"))
    if not files:
        pytest.skip("no content files")
    for f in files:
        conv = convert_markdown(f.read_text(encoding="utf-8"))
        assert check_limits(conv.blocks) == [], f
        for line in plain_text(conv.blocks):
            assert "**" not in line, (f, line)


def test_many_items_paragraph_continues_as_paragraphs():
    md = " ".join(f"**{i}** x" for i in range(150))
    conv = convert_markdown(md)
    assert [b["type"] for b in conv.blocks] == ["paragraph"] * 3
    assert [len(b["paragraph"]["rich_text"]) for b in conv.blocks] == [100, 100, 100]
    assert check_limits(conv.blocks) == []
