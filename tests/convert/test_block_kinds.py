"""One row per block kind of the registry (bot/convert/kinds): Markdown -> blocks -> the same Markdown,
and blocks -> preview HTML. A kind registered without a row here fails `test_every_kind_has_a_row`.

Then the column_list / column kind in detail (the registry's proof: one record, bot/convert/kinds/columns.py).
"""

from __future__ import annotations

import pytest

from bot.convert import blocks_to_markdown, check_limits, convert_markdown, normalize_block, plain_text
from bot.convert.blocks_to_html import render_blocks
from bot.convert.registry import KINDS

COLUMNS_MD = """<div class="columns">
<div class="column">

Left **bold**

- a
- b

</div>
<div class="column">

Right

</div>
</div>
"""


def _text(content: str) -> dict:
    return {"type": "text", "text": {"content": content, "link": None}}


# (types the row covers, Markdown as the bot writes it, a fragment of the preview HTML)
ROWS = [
    (("paragraph",), "Plain *text*\n", '<p class="block">Plain <em>text</em></p>'),
    (("heading_1", "heading_2", "heading_3"), "# One\n\n## Two\n\n### Three\n", '<h2 class="block heading_2">Two</h2>'),
    (("quote",), "> quoted\n", '<blockquote class="block">quoted</blockquote>'),
    (("callout",), "> [!TIP]\n> tip text\n", '<div class="callout-icon">\U0001f4a1</div>'),
    (("bulleted_list_item",), "- a\n- b\n", '<ul class="block bulleted_list_item"><li>a</li><li>b</li></ul>'),
    (("numbered_list_item",), "1. one\n1. two\n", '<ol class="block numbered_list_item"><li>one</li>'),
    (("to_do",), "- [x] done\n- [ ] open\n", '<li class="todo checked">'),
    (
        ("toggle",),
        "<details>\n<summary>More</summary>\n\ninside\n\n</details>\n",
        '<details class="block toggle" open><summary>More</summary>',
    ),
    (("code",), "```python\nx = 1\n```\n", '<code class="language-python">x = 1</code>'),
    (("equation",), "$$\nE = mc^2\n$$\n", 'data-expression="E = mc^2"'),
    (("divider",), "***\n", '<hr class="block divider">'),
    (("table", "table_row"), "| a | b |\n| --- | --- |\n| 1 | 2 |\n", "<tr><th>a</th><th>b</th></tr>"),
    (("image",), "![cat](https://example.com/cat.png)\n", '<img src="https://example.com/cat.png" alt="cat">'),
    (("column_list", "column"), COLUMNS_MD, '<div class="block column-list"'),
]
# Kinds that are only read from Notion (pull, preview): the block, its Markdown, its HTML.
PULL_ONLY = [
    (
        ("heading_4",),
        {"type": "heading_4", "heading_4": {"rich_text": [_text("Four")]}},
        "#### Four\n",
        '<h3 class="block heading_4">Four</h3>',
    ),
    (
        ("bookmark",),
        {"type": "bookmark", "bookmark": {"url": "https://example.com/b"}},
        "<https://example.com/b>\n",
        '<a href="https://example.com/b">',
    ),
    (
        ("embed",),
        {"type": "embed", "embed": {"url": "https://example.com/e"}},
        "<https://example.com/e>\n",
        '<p class="block embed">',
    ),
    (
        ("link_preview",),
        {"type": "link_preview", "link_preview": {"url": "https://example.com/l"}},
        "<https://example.com/l>\n",
        '<p class="block link_preview">',
    ),
]


def _types(blocks: list[dict]) -> set[str]:
    out = set()
    for b in blocks:
        out.add(b["type"])
        out |= _types(b[b["type"]].get("children") or [])
    return out


def test_every_function_a_record_names_exists():
    from bot.convert import registry

    tables = (
        registry.MARKDOWN_NODES,
        registry.HTML_TAGS,
        registry.HTML_CLASSES,
        registry.TO_MARKDOWN,
        registry.TO_HTML,
        registry.NORMALIZERS,
        registry.CHECKS,
        registry.NESTED,
    )
    registry.resolve(*tables)  # "module:function" names -> functions
    assert all(callable(f) for table in tables for f in table.values())


def test_every_kind_has_a_row():
    covered = {t for row in ROWS + PULL_ONLY for t in row[0]}
    assert covered == set(KINDS)


@pytest.mark.parametrize("types, markdown, fragment", ROWS, ids=[r[0][0] for r in ROWS])
def test_markdown_to_blocks_to_markdown_and_html(types, markdown, fragment):
    result = convert_markdown(markdown)
    assert result.report == []
    assert set(types) <= _types(result.blocks)
    assert check_limits(result.blocks) == []
    assert blocks_to_markdown(result.blocks) == markdown
    assert fragment in render_blocks(result.blocks)


@pytest.mark.parametrize("types, block, markdown, fragment", PULL_ONLY, ids=[r[0][0] for r in PULL_ONLY])
def test_pulled_kind_to_markdown_and_html(types, block, markdown, fragment):
    assert blocks_to_markdown([block]) == markdown
    assert fragment in render_blocks([block])


# --------------------------------------------------------------------------- columns
def _columns(*columns: str) -> str:
    inner = "\n".join(f'<div class="column">\n\n{c}\n\n</div>' for c in columns)
    return f'<div class="columns">\n{inner}\n</div>\n'


def test_columns_make_a_column_list_with_the_content_of_each_column():
    blocks = convert_markdown("Before\n\n" + COLUMNS_MD + "\nAfter\n").blocks
    assert [b["type"] for b in blocks] == ["paragraph", "column_list", "paragraph"]
    columns = blocks[1]["column_list"]["children"]
    assert [c["type"] for c in columns] == ["column", "column"]
    assert [[k["type"] for k in c["column"]["children"]] for c in columns] == [
        ["paragraph", "bulleted_list_item", "bulleted_list_item"],
        ["paragraph"],
    ]
    assert plain_text(blocks) == ["Before", "", "", "Left bold", "a", "b", "", "Right", "After"]


def test_one_column_is_no_column_list_and_is_reported():
    result = convert_markdown(_columns("Only"))
    assert [b["type"] for b in result.blocks] == ["paragraph"]
    assert [(d.line, d.construct) for d in result.report] == [(1, "columns")]


def test_an_empty_column_is_dropped_and_reported():
    result = convert_markdown('<div class="columns">\n<div class="column">\n</div>\n' + _columns("A", "B")[22:])
    assert [b["type"] for b in result.blocks] == ["column_list"]
    assert len(result.blocks[0]["column_list"]["children"]) == 2
    assert [d.construct for d in result.report] == ["columns"]
    assert "empty column" in result.report[0].message


def test_content_between_columns_is_kept_after_them():
    md = (
        '<div class="columns">\n<div class="column">\n\nA\n\n</div>\n\nStray\n\n'
        '<div class="column">\n\nB\n\n</div>\n</div>\n'
    )
    result = convert_markdown(md)
    assert [b["type"] for b in result.blocks] == ["column_list", "paragraph"]
    assert plain_text(result.blocks[1:]) == ["Stray"]
    assert [d.construct for d in result.report] == ["columns"]


@pytest.mark.parametrize(
    "outer",
    [
        "> " + _columns("A", "B").replace("\n", "\n> ").rstrip("> "),  # inside a quote
        "<details>\n<summary>S</summary>\n\n" + _columns("A", "B") + "\n</details>\n",  # inside a toggle
        _columns("Outer", _columns("A", "B")),  # inside a column
    ],
)
def test_columns_below_the_top_level_keep_their_content_without_columns(outer):
    result = convert_markdown(outer)
    types = _types(result.blocks)
    assert "column_list" not in types - {b["type"] for b in result.blocks}  # never nested
    assert "A" in plain_text(result.blocks) and "B" in plain_text(result.blocks)
    assert "columns" in {d.construct for d in result.report}
    assert check_limits(result.blocks) == []


def test_pulled_columns_with_width_ratios_render_and_normalize():
    column = {
        "type": "column",
        "column": {
            "width_ratio": 0.25,
            "children": [{"type": "paragraph", "paragraph": {"rich_text": [_text("narrow")]}}],
        },
    }
    wide = {
        "type": "column",
        "column": {
            "width_ratio": 0.75,
            "children": [{"type": "paragraph", "paragraph": {"rich_text": [_text("wide")]}}],
        },
    }
    block = {"type": "column_list", "column_list": {"children": [column, wide]}}
    html = render_blocks([block])
    assert 'style="flex:0.25;min-width:0"><p class="block">narrow</p>' in html
    assert blocks_to_markdown([block]) == _columns("narrow", "wide")
    # a width changed in Notion is no content change (Markdown cannot say it)
    assert normalize_block(column) == {"type": "column", "column": {}}
    assert normalize_block({"type": "column_list", "column_list": {}}) == {"type": "column_list", "column_list": {}}


def test_limits_of_columns():
    one = {
        "type": "column_list",
        "column_list": {
            "children": [
                {"type": "column", "column": {"children": [{"type": "paragraph", "paragraph": {"rich_text": []}}]}}
            ]
        },
    }
    assert "blocks[0].column_list: 1 column(s) < 2" in check_limits([one])
    empty = {"type": "column_list", "column_list": {"children": [{"type": "column", "column": {}}] * 2}}
    problems = check_limits([empty])
    assert [f"blocks[0].column_list.children[{i}].column: a column holds at least one block" for i in (0, 1)] == [
        p for p in problems if "a column holds" in p
    ]


def test_a_request_carries_a_column_list_with_two_columns_and_a_block_in_each_or_not_at_all():
    from bot.convert.request_size import NESTING, Room, request_copy, sendable_alone

    block = convert_markdown(_columns("A", "B")).blocks[0]
    assert sendable_alone(block)
    assert request_copy(block, 1, Room()) is None  # columns cut from their content: never
    assert request_copy(block, NESTING, Room(blocks=4)) is None  # the second column's block does not fit
    copy, whole = request_copy(block, NESTING, Room(blocks=5))
    assert whole and plain_text([copy]) == ["", "", "A", "", "B"]
