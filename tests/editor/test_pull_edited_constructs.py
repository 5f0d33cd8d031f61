"""`bot pull --edited` never pretends: an edit made in Notion to a footnote, a reference link, a
`<details>` toggle, a table or raw HTML goes into the file (and publishing then writes nothing),
or the pull exits 1 naming the block it cannot place. An unedited page changes 0 bytes."""

from __future__ import annotations

import json

import pytest

from .test_drift_editors import EN, page_id, person

EXTRA = """
## Notes for editors

Distillation recovers most of the teacher's accuracy[^kd] at a fraction of the cost.

See the [LoopFM write-up][loopfm] for the structured approach.

<details>
<summary>How we pick papers</summary>

Papers must report online results or a public benchmark.

</details>

| Company | Papers |
| --- | :-: |
| ByteDance | 1 |
| Meta | 2 |

<div align="center">

HTML kept as the authors wrote it.

</div>

[loopfm]: https://example.com/loopfm

[^kd]: Knowledge distillation transfers a teacher's behaviour to a smaller student.
"""


def text_item(content: str, url: str | None = None) -> dict:
    return {"type": "text", "text": {"content": content, "link": {"url": url} if url else None}}


def plain(block: dict) -> str:
    body = block[block["type"]]
    return "".join(t["plain_text"] for t in body.get("rich_text") or [])


def find(api, parent: str, kind: str, start: str = "") -> dict:
    return next(b for b in api.list_children(parent) if b["type"] == kind and plain(b).startswith(start))


def footnote_paragraph(api, pid):
    block = find(api, pid, "paragraph", "Distillation recovers")
    return api.update_block(
        block["id"],
        {
            "type": "paragraph",
            "paragraph": {
                "rich_text": [
                    text_item("Distillation recovers 98% of the teacher's accuracy[1] at a fraction of the cost.")
                ]
            },
        },
    )


def footnote_text(api, pid):
    block = find(api, pid, "numbered_list_item", "Knowledge distillation transfers")
    return api.update_block(
        block["id"],
        {
            "type": "numbered_list_item",
            "numbered_list_item": {"rich_text": [text_item("Knowledge distillation, as Hinton et al. named it.")]},
        },
    )


def reference_link(api, pid):
    block = find(api, pid, "paragraph", "See the ")
    return api.update_block(
        block["id"],
        {
            "type": "paragraph",
            "paragraph": {
                "rich_text": [
                    text_item("See the "),
                    text_item("LoopFM write-up", "https://example.com/loopfm"),
                    text_item(" for the whole approach."),
                ]
            },
        },
    )


def inside_details(api, pid):
    toggle = find(api, pid, "toggle", "How we pick papers")
    inner = find(api, toggle["id"], "paragraph", "Papers must")
    return api.update_block(
        inner["id"],
        {"type": "paragraph", "paragraph": {"rich_text": [text_item("Papers must report online A/B results.")]}},
    )


def table_cell(api, pid):
    table = next(b for b in api.list_children(pid) if b["type"] == "table" and b["table"]["table_width"] == 2)
    row = api.list_children(table["id"])[2]
    return api.update_block(
        row["id"], {"type": "table_row", "table_row": {"cells": [[text_item("Meta")], [text_item("3")]]}}
    )


def html_paragraph(api, pid):
    block = find(api, pid, "paragraph", "HTML kept")
    return api.update_block(
        block["id"], {"type": "paragraph", "paragraph": {"rich_text": [text_item("HTML kept as Ada wrote it.")]}}
    )


EDITS = {
    "footnote reference": (
        footnote_paragraph,
        "Distillation recovers 98% of the teacher's accuracy[^kd] at a fraction of the cost.",
    ),
    "footnote text": (footnote_text, "[^kd]: Knowledge distillation, as Hinton et al. named it."),
    "reference link": (reference_link, "See the [LoopFM write-up][loopfm] for the whole approach."),
    "details": (inside_details, "Papers must report online A/B results."),
    "table": (table_cell, "| Meta | 3 |"),
    "raw HTML": (html_paragraph, "HTML kept as Ada wrote it."),
}


@pytest.fixture
def extended(cli, content):
    """W22's en.md with a footnote, a reference link, <details>, a table and HTML, published."""
    path = content / "2026-W22" / "en.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA, encoding="utf-8")
    code, _, err = cli("publish", "--week", "W22")
    assert code == 0, err
    return path


@pytest.mark.parametrize("construct", list(EDITS))
def test_pull_edited_puts_the_edit_into_the_file(cli, workspace, extended, construct):
    change, expected_line = EDITS[construct]
    before = extended.read_text(encoding="utf-8")
    change(person(workspace), page_id(cli))

    code, out, err = cli("pull", EN, "--edited")
    assert code == 0, err
    assert out.startswith("updated") and "1 block(s) edited in Notion" in out
    after = extended.read_text(encoding="utf-8")
    assert expected_line in after.splitlines(), after[-900:]
    removed = [line for line in before.splitlines() if line not in after.splitlines()]
    assert len(removed) <= 1, removed  # the rest of the file keeps its lines (the alignment row `:-:` too)

    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err  # the edit is in the file: no drift, nothing to write
    assert json.loads(out)["requests"]["writes"] == 0


def test_an_edit_that_cannot_be_placed_exits_1_naming_the_block(cli, workspace, extended):
    # Ada removed the footnote marker: the footnote text left in Notion's "Footnotes" list has
    # nothing in the Markdown to hang from, so no file converts to what Notion holds.
    ada = person(workspace)
    block = find(ada, page_id(cli), "paragraph", "Distillation recovers")
    ada.update_block(
        block["id"],
        {"type": "paragraph", "paragraph": {"rich_text": [text_item("Distillation recovers most of the accuracy.")]}},
    )
    before = extended.read_text(encoding="utf-8")
    code, out, err = cli("pull", "--week", "W22", "--edited")
    assert code == 1
    assert (
        f"cannot place 1 block(s) edited in Notion into the file — block {block['id'].replace('-', '')[:8]} (paragraph: 'Distillation recovers most of the accuracy.')"
        in err
    )
    assert "nothing was written" in err and "unchanged" not in out
    assert extended.read_text(encoding="utf-8") == before


@pytest.mark.parametrize("extra", [False, True], ids=["W22", "W22 with footnotes, details, HTML"])
def test_pulling_an_unedited_page_changes_no_byte(cli, content, extra):
    path = content / "2026-W22" / "en.md"
    if extra:
        path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + EXTRA, encoding="utf-8")
    assert cli("publish", "--week", "W22")[0] == 0
    before = {p: p.read_bytes() for p in (content / "2026-W22").glob("*.md")}
    for args in (["--week", "W22", "--edited"], ["--week", "W22", "--force"]):
        code, out, err = cli("pull", *args)
        assert code == 0, err
        assert {p: p.read_bytes() for p in before} == before, args


def test_pull_force_keeps_the_lines_of_a_file_with_footnotes(cli, workspace, extended):
    """A one-paragraph edit elsewhere on a page with footnotes: the whole file is not rewritten
    (`\\<600M` stays as the author escaped it)."""
    assert "\\<600M" in extended.read_text(encoding="utf-8")
    reference_link(person(workspace), page_id(cli))
    code, out, err = cli("pull", EN, "--force")
    assert code == 0, err
    after = extended.read_text(encoding="utf-8")
    assert "\\<600M" in after and "See the [LoopFM write-up][loopfm] for the whole approach." in after


ZH_EXTRA = """
## 编者按

蒸馏保留了教师模型的大部分精度[^kd]。

[^kd]: 知识蒸馏把教师模型的行为迁移到更小的学生模型。
"""


def test_pull_edited_places_a_footnote_edit_under_the_localized_heading(cli, workspace, content):
    """zh pages end in '脚注' (the mapping's footnotes heading), not 'Footnotes': the merge cuts
    the file with the same heading the page was published with, so a footnote edited in Notion
    is placed rather than refused."""
    path = content / "2026-W22" / "zh.md"
    path.write_text(path.read_text(encoding="utf-8").rstrip("\n") + "\n" + ZH_EXTRA, encoding="utf-8")
    assert cli("publish", "--week", "W22")[0] == 0
    zh = "rec-weekly-zh-2026-W22"
    ada, pid = person(workspace), page_id(cli, zh)
    assert any(b["type"] == "heading_3" and plain(b) == "脚注" for b in ada.list_children(pid))
    item = find(ada, pid, "numbered_list_item", "知识蒸馏")
    ada.update_block(
        item["id"],
        {
            "type": "numbered_list_item",
            "numbered_list_item": {"rich_text": [text_item("知识蒸馏：Hinton 等人提出的名称。")]},
        },
    )

    code, out, err = cli("pull", zh, "--edited")
    assert code == 0, err
    assert "[^kd]: 知识蒸馏：Hinton 等人提出的名称。" in path.read_text(encoding="utf-8").splitlines()
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert json.loads(out)["requests"]["writes"] == 0
