"""The records of the block kinds the bot started with.

Their functions live with the engine of each direction (md_to_blocks / html: Markdown and HTML ->
blocks; blocks_to_md: pull; blocks_to_html: preview; normalize; limits), where they share helpers,
and are named here as "module:function" (imported when that direction is first used); a new kind
can keep all of its functions beside its record (see columns.py).
"""

from __future__ import annotations

from ..registry import BlockKind

COLOR = (("color", "default"),)
TABLE_PARTS = ("thead", "tbody", "tfoot", "tr", "td", "th", "caption")

KINDS = [
    BlockKind(
        ("paragraph",),
        markdown={"paragraph": "md_to_blocks:render_paragraph"},
        to_markdown="blocks_to_md:md_paragraph",
        to_html="blocks_to_html:html_paragraph",
        fields=COLOR,
        doc="a paragraph; `<p>`, `<div>` and other wrappers give their content",
    ),
    BlockKind(
        ("heading_1", "heading_2", "heading_3", "heading_4"),
        markdown={"heading": "md_to_blocks:render_heading"},
        html={f"h{n}": "html:_heading" for n in range(1, 7)},
        to_markdown="blocks_to_md:md_heading",
        to_html="blocks_to_html:html_heading",
        fields=(("color", "default"), ("is_toggleable", False)),
        check="limits:check_heading",
        doc="`#`..`######`, `<h1>`..`<h6>` (h4-h6 -> heading_3; heading_4 only read)",
    ),
    BlockKind(
        ("quote",),
        markdown={"blockquote": "md_to_blocks:render_blockquote"},
        html={"blockquote": "html:_quote"},
        to_markdown="blocks_to_md:md_quote",
        to_html="blocks_to_html:html_quote",
        fields=COLOR,
        doc="`>`, `<blockquote>`",
    ),
    BlockKind(
        ("callout",),
        markdown={"alert": "md_to_blocks:render_alert"},
        to_markdown="blocks_to_md:md_callout",
        to_html="blocks_to_html:html_callout",
        fields=COLOR,
        normalize="normalize:normalize_callout",
        doc="`> [!NOTE]` .. `> [!CAUTION]` (GitHub alerts)",
    ),
    BlockKind(
        ("bulleted_list_item",),
        markdown={"bullet_list": "md_to_blocks:render_list"},
        html={"ul": "html:_list", "li": "html:_list_item"},
        to_markdown="blocks_to_md:md_bulleted",
        to_html="blocks_to_html:html_lone_list_item",
        fields=COLOR,
        list_marker={"bulleted_list_item": "-"},
        html_list_tag={"bulleted_list_item": "ul"},
        doc="`-` items, `<ul><li>` (the reader also makes to_do items)",
    ),
    BlockKind(
        ("numbered_list_item",),
        markdown={"ordered_list": "md_to_blocks:render_list"},
        html={"ol": "html:_list"},
        to_markdown="blocks_to_md:md_numbered",
        to_html="blocks_to_html:html_lone_list_item",
        fields=COLOR,
        list_marker={"numbered_list_item": "1."},
        html_list_tag={"numbered_list_item": "ol"},
        doc="`1.` items, `<ol><li>`",
    ),
    BlockKind(
        ("to_do",),
        to_markdown="blocks_to_md:md_todo",
        to_html="blocks_to_html:html_lone_list_item",
        fields=(("checked", False), ("color", "default")),
        list_marker={"to_do": "-"},
        html_list_tag={"to_do": "ul"},
        doc="`- [ ]` / `- [x]` (made by bulleted_list_item's reader)",
    ),
    BlockKind(
        ("toggle",),
        html={"details": "html:_details"},
        to_markdown="blocks_to_md:md_toggle",
        to_html="blocks_to_html:html_toggle",
        fields=COLOR,
        doc="`<details><summary>` (a Markdown html_block <details> is read by md_to_blocks' Ctx)",
    ),
    BlockKind(
        ("code",),
        markdown={"fence": "md_to_blocks:render_fence", "code_block": "md_to_blocks:render_code_block"},
        html={"pre": "html:_pre"},
        to_markdown="blocks_to_md:md_code",
        to_html="blocks_to_html:html_code",
        fields=(("language", "plain text"),),
        rich_fields=("rich_text", "caption"),
        doc="fenced and indented code, `<pre>`",
    ),
    BlockKind(
        ("equation",),
        markdown={"math_block": "md_to_blocks:render_math_block", "math_block_label": "md_to_blocks:render_math_block"},
        to_markdown="blocks_to_md:md_equation",
        to_html="blocks_to_html:html_equation",
        fields=(("expression", ""),),
        rich_fields=(),
        check="limits:check_equation",
        doc="`$$ … $$`",
    ),
    BlockKind(
        ("divider",),
        markdown={"hr": "md_to_blocks:render_hr"},
        html={"hr": "html:_divider"},
        to_markdown="blocks_to_md:md_divider",
        to_html="blocks_to_html:html_divider",
        fields=(),
        rich_fields=(),
        doc="`---`, `<hr>`",
    ),
    BlockKind(
        ("table",),
        markdown={"table": "md_to_blocks:render_table"},
        html={"table": "html:_table", **{tag: "html:_table_part" for tag in TABLE_PARTS}},
        to_markdown="blocks_to_md:md_table",
        to_html="blocks_to_html:html_table",
        fields=(("table_width", 0), ("has_column_header", False), ("has_row_header", False)),
        rich_fields=(),
        check="limits:check_table",
        doc="GFM tables, `<table>`",
        # Notion refuses a table without a first row (`children should be defined`)
        min_children=1,
    ),
    BlockKind(
        ("table_row",),
        rich_fields=(),
        normalize="normalize:normalize_table_row",
        check="limits:check_table_row",
        doc="the rows of a table (made by table's readers)",
    ),
    BlockKind(
        ("image",),
        to_markdown="blocks_to_md:md_image",
        to_html="blocks_to_html:html_image",
        normalize="normalize:normalize_image",
        check="limits:check_image",
        doc="`![alt](src)`, `<img>` (made by the paragraph readers)",
    ),
    BlockKind(
        ("bookmark", "embed", "link_preview"),
        to_markdown="blocks_to_md:md_link_block",
        to_html="blocks_to_html:html_link_block",
        doc="pulled as `<url>` (never made from Markdown)",
    ),
]
