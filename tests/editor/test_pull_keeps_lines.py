"""`bot pull` into an existing file changes only the lines whose content differs in Notion."""

from __future__ import annotations

import difflib
import json

import pytest

from helpers import human_api


def changed(before: str, after: str) -> list[str]:
    return [
        line
        for line in difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=0)
        if line[:1] in "+-" and not line.startswith(("+++", "---"))
    ]


def page_id_of(cli, slug: str) -> str:
    code, out, err = cli("pull", slug, "--out", "-", "--json")
    assert code == 0, err
    return json.loads(out)["pulled"][0]["page_id"]


def first_plain_paragraph(api, page_id: str) -> dict:
    for block in api.list_children(page_id):
        items = block.get("paragraph", {}).get("rich_text") or []
        if len(items) == 1 and " " in items[0]["plain_text"]:
            return block
    raise AssertionError("no plain paragraph")


def set_paragraph(api, block: dict, text: str) -> None:
    api.update_block(
        block["id"], {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}
    )


@pytest.mark.parametrize("week", ["W14", "W22"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_one_word_edited_in_notion_changes_one_line(cli, content, workspace, week, lang):
    slug = f"rec-weekly-{lang}-2026-{week}"
    path = content / f"2026-{week}" / f"{lang}.md"
    original = path.read_text(encoding="utf-8")
    assert cli("publish", "--week", week, "--lang", lang)[0] == 0
    code, out, _ = cli("pull", slug, "--force")
    assert code == 0 and out.startswith("unchanged")
    assert path.read_text(encoding="utf-8") == original  # unedited: 0 lines

    api = human_api(workspace)
    block = first_plain_paragraph(api, page_id_of(cli, slug))
    words = block["paragraph"]["rich_text"][0]["plain_text"].split(" ", 1)
    set_paragraph(api, block, "Edited " + words[1])
    code, out, err = cli("pull", slug, "--force")
    assert code == 0, err
    assert out.startswith("updated")
    diff = changed(original, path.read_text(encoding="utf-8"))
    assert len(diff) == 2 and diff[0].startswith("-") and diff[1].startswith("+Edited "), diff


@pytest.mark.parametrize("week", ["W14", "W22"])
@pytest.mark.parametrize("lang", ["en", "zh"])
def test_a_fresh_pull_reads_like_the_hand_written_file(cli, content, env, week, lang):
    """No `\\>60%`, `Hit\\@10`, `\\~`, `\\|`; lists stay tight: the canonical rendering is the author's."""
    assert cli("publish", "--week", week, "--lang", lang)[0] == 0
    code, out, err = cli("pull", f"rec-weekly-{lang}-2026-{week}", "--out", "-")
    assert code == 0, err
    original = (content / f"2026-{week}" / f"{lang}.md").read_text(encoding="utf-8")
    for needless in ("\\>", "\\@", "\\~", "\\|"):
        assert needless not in out
    diff = changed(original, out)
    # the only difference left in the seeds: W22 en writes `\<600M`, which needs no escape
    assert len(diff) <= 2 and all("600M" in line for line in diff), diff


def test_structural_edits_in_notion_change_only_their_lines(cli, content, workspace):
    path = content / "2026-W22" / "en.md"
    original = path.read_text(encoding="utf-8")
    assert cli("publish", "--week", "W22", "--lang", "en")[0] == 0
    api = human_api(workspace)
    page_id = page_id_of(cli, "rec-weekly-en-2026-W22")
    bullets = [b for b in api.list_children(page_id) if b["type"] == "bulleted_list_item"]
    api.delete_block(bullets[3]["id"])  # one item out of a tight list
    paragraph = first_plain_paragraph(api, page_id)
    api.append_children(
        page_id,
        [
            {
                "type": "paragraph",
                "paragraph": {"rich_text": [{"type": "text", "text": {"content": "A new paragraph."}}]},
            }
        ],
        after=paragraph["id"],
    )
    api.update_page(
        page_id,
        properties={"title": {"title": [{"type": "text", "text": {"content": "Rec Tech Weekly · 2026-W22 (edited)"}}]}},
    )

    code, _, err = cli("pull", "rec-weekly-en-2026-W22", "--force")
    assert code == 0, err
    diff = changed(original, path.read_text(encoding="utf-8"))
    deleted_item = [line for line in diff if line.startswith("-- ")]
    assert (
        len(deleted_item) == 1
        and bullets[3]["bulleted_list_item"]["rich_text"][-1]["plain_text"][-20:] in deleted_item[0]
    )
    assert sorted(set(diff) - set(deleted_item)) == sorted(
        [
            '-title: "Rec Tech Weekly · 2026-W22"',
            '+title: "Rec Tech Weekly · 2026-W22 (edited)"',
            "+A new paragraph.",
            "+",
        ]
    ), diff
    assert len(diff) == 5
    # publishing the pulled file writes nothing: it says what Notion says
    code, out, err = cli("publish", "--week", "W22", "--lang", "en", "--dry-run", "--json", "--on-drift", "overwrite")
    assert code == 0, err
    assert json.loads(out)["variants"][0]["plan"]["block_operations"] == []


def published_with_table(cli, content, workspace, table: str):
    """The English W22 issue with `table` under "Paper Roundup", published: (its path, its
    text, an API client acting as a human editor)."""
    path = content / "2026-W22" / "en.md"
    text = path.read_text(encoding="utf-8").replace("## Paper Roundup\n", "## Paper Roundup\n\n" + table)
    path.write_text(text, encoding="utf-8")
    assert cli("publish", "--week", "W22", "--lang", "en")[0] == 0
    return path, text, human_api(workspace)


def test_table_alignment_and_wrapping_survive_an_edit_elsewhere(cli, content, workspace):
    table = "| Paper | Lift |\n|:------|-----:|\n| QGS   | 0.62% |\n| AKT-Rec | 2.76% |\n"
    path, text, api = published_with_table(cli, content, workspace, table)
    block = first_plain_paragraph(api, page_id_of(cli, "rec-weekly-en-2026-W22"))
    set_paragraph(api, block, block["paragraph"]["rich_text"][0]["plain_text"] + " More.")
    assert cli("pull", "rec-weekly-en-2026-W22", "--force")[0] == 0
    after = path.read_text(encoding="utf-8")
    assert table in after
    assert len(changed(text, after)) == 2


def test_a_table_cell_edited_in_notion_changes_its_row_only(cli, content, workspace):
    table = "| Paper   |  Lift |\n|:--------|------:|\n| QGS     | 0.62% |\n| AKT-Rec | 2.76% |\n| DeGRe   |   n/a |\n"
    path, text, api = published_with_table(cli, content, workspace, table)
    table_block = next(b for b in api.list_children(page_id_of(cli, "rec-weekly-en-2026-W22")) if b["type"] == "table")
    row = api.list_children(table_block["id"])[2]  # AKT-Rec
    cells = row["table_row"]["cells"]
    api.update_block(
        row["id"],
        {"type": "table_row", "table_row": {"cells": [cells[0], [{"type": "text", "text": {"content": "2.80%"}}]]}},
    )
    assert cli("pull", "rec-weekly-en-2026-W22", "--force")[0] == 0
    diff = changed(text, path.read_text(encoding="utf-8"))
    assert diff == ["-| AKT-Rec | 2.76% |", "+| AKT-Rec | 2.80% |"], diff
