"""blocks_to_markdown / normalize_block on request- and response-shaped blocks."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.convert import blocks_to_markdown, convert_markdown, normalize_block, normalize_tree

from test_convert_blocks import P, UL, H, t


def response(block: dict) -> dict:
    """Make a request-shaped block look like an API response (extra keys)."""
    t_ = block["type"]
    body = {k: v for k, v in block[t_].items() if k != "children"}
    for key in ("rich_text", "caption"):
        if key in body:
            body[key] = [dict(i, plain_text=i.get("text", {}).get("content", ""), href=None) for i in body[key]]
    out = {
        "object": "block",
        "id": "x",
        "created_time": "2026-01-01T00:00:00.000Z",
        "has_children": False,
        "in_trash": False,
        "type": t_,
        t_: body,
    }
    kids = block[t_].get("children")
    if kids:
        out["has_children"] = True
        body["children"] = [response(k) for k in kids]
    return out


def test_response_shapes_normalize_like_requests():
    md = "# T\n\n**a** [l](https://e.com) `c`\n\n- x\n  - y\n\n> [!NOTE]\n> n\n\n| a |\n|---|\n| b |\n"
    blocks = convert_markdown(md).blocks
    live = [response(b) for b in blocks]
    assert normalize_tree(live) == normalize_tree(blocks)
    assert blocks_to_markdown(live) == blocks_to_markdown(blocks)


def test_normalize_merges_split_items_and_fills_defaults():
    a = {"type": "paragraph", "paragraph": {"rich_text": [t("ab")]}}
    b = {"type": "paragraph", "paragraph": {"rich_text": [t("a"), t("b")], "color": "default"}}
    assert normalize_block(a) == normalize_block(b)
    assert normalize_block(a) != normalize_block({"type": "paragraph", "paragraph": {"rich_text": [t("a", b=True)]}})
    h = {"type": "heading_2", "heading_2": {"rich_text": [t("x")]}}
    assert normalize_block(h)["heading_2"] == {"rich_text": [t("x")], "color": "default", "is_toggleable": False}


def test_reverse_escapes_markdown_syntax():
    tricky = "1. not a list * _x_ [y](z) <b> # h ~s~ $m$ | & &amp; \\ `c` www.e.com a@b.co http://e.com"
    blocks = [P(t(tricky)), UL(t("- [ ] no task")), H(2, t("#x"))]
    again = convert_markdown(blocks_to_markdown(blocks)).blocks
    assert normalize_tree(again) == normalize_tree(blocks)


def test_reverse_whitespace_outside_emphasis():
    blocks = [P(t("a "), t("bold ", b=True), t("x"))]  # trailing space inside bold (common in Notion)
    md = blocks_to_markdown(blocks)
    assert "**bold** x" in md


text_alphabet = st.characters(codec="utf-8", exclude_categories=("Cs", "Cc", "Zl", "Zp"))


@settings(derandomize=True, max_examples=150, deadline=None)
@given(st.text(alphabet=text_alphabet, min_size=1, max_size=60).filter(lambda s: s.strip() == s and s))
def test_reverse_plain_text_survives(text):
    blocks = [P(t(text))]
    md = blocks_to_markdown(blocks)
    again = convert_markdown(md).blocks
    assert normalize_tree(again) == normalize_tree(blocks), md


def test_leading_dividers_are_not_read_back_as_front_matter():
    blocks = convert_markdown("***\n\n---\n").blocks
    assert [b["type"] for b in blocks] == ["divider", "divider"]
    assert convert_markdown(blocks_to_markdown(blocks)).blocks == blocks


def test_header_less_table_and_linked_image_are_written_back_readably():
    blocks = convert_markdown(
        '<table><tr><td><b>a</b> &amp; <u>u</u></td><td><a href="https://e.com">l</a></td></tr></table>\n\n'
        "[![badge](https://e.com/b.svg)](https://ci.com)\n"
    ).blocks
    md = blocks_to_markdown(blocks)
    assert md == (
        '<table>\n<tr><td><b>a</b> &amp; <u>u</u></td><td><a href="https://e.com">l</a></td></tr>\n'
        "</table>\n\n[![badge](https://e.com/b.svg)](https://ci.com)\n"
    )
    assert convert_markdown(md).blocks == blocks
