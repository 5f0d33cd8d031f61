"""Drift is a conflict of content, not a name: a colleague's Notion edit that the editor took
into the file is no conflict any more, even after the file changes that paragraph again; a new
edit of hers is, named with both texts; and a conflict can be resolved block by block."""

from __future__ import annotations

import json

from helpers import edit
from .test_drift_editors import EN, page_id, person

FIRST = "This week's recommendation system research clusters around three technical threads."
CODA = "**Coda:** All four papers report explicit transfer rates"


def paragraph_starting(api, pid: str, start: str) -> dict:
    return next(
        b
        for b in api.list_children(pid)
        if b["type"] == "paragraph" and "".join(t["plain_text"] for t in b["paragraph"]["rich_text"]).startswith(start)
    )


def set_text(api, block: dict, text: str) -> dict:
    return api.update_block(
        block["id"], {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]}}
    )


def short(block: dict) -> str:
    return block["id"].replace("-", "")[:8]


def adopted(cli, workspace, content):
    """Published W22; Ada edited the first paragraph in Notion; the editor copied her text into
    en.md and published (the edit is in Notion and in the file). Returns (Ada's API, block)."""
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    block = set_text(ada, paragraph_starting(ada, page_id(cli), FIRST), "Ada's better first sentence.")
    path = content / "2026-W22" / "en.md"
    edit(path, FIRST, "Ada's better first sentence.")
    edit(
        path, "Four industrial distillation papers this week", "Four industrial distillation papers (adopted) this week"
    )
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "updated     1 writes" in out  # only the file's own change; Ada's paragraph is left as she wrote it
    return ada, block


def test_an_adopted_edit_is_no_drift_even_when_the_file_changes_it_again(cli, workspace, content, counted):
    _, block = adopted(cli, workspace, content)
    counted["transport"].reset()
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert json.loads(out)["requests"]["writes"] == 0  # the rerun writes nothing

    edit(content / "2026-W22" / "en.md", "Ada's better first sentence.", "The editor's third version.")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert "drift" not in out  # Ada's text is what the bot accepted: the file may change it
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "updated     1 writes" in out
    code, out, _ = cli("local", "show", EN)
    assert "The editor's third version." in out


def test_an_edit_changed_back_to_the_bots_text_is_no_drift(cli, workspace, content):
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    block = paragraph_starting(ada, page_id(cli), FIRST)
    set_text(ada, block, "A slip of Ada's.")
    set_text(ada, block, FIRST)  # undone: Notion holds the bot's text again, last edited by Ada
    edit(content / "2026-W22" / "en.md", FIRST, "The editor rewrote the first sentence.")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "updated     1 writes" in out


def test_a_new_edit_after_adoption_is_drift_naming_the_block_with_both_texts(cli, workspace, content):
    ada, first = adopted(cli, workspace, content)
    coda = paragraph_starting(ada, page_id(cli), "Coda:")
    set_text(ada, coda, "Ada's new coda, written in Notion after the last publish.")
    edit(content / "2026-W22" / "en.md", CODA, "**Coda:** The editor's coda reports explicit transfer rates")
    edit(content / "2026-W22" / "en.md", "Ada's better first sentence.", "The editor's third version.")

    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert "! drift: 1 block(s) edited by Ada Editor" in out  # the coda only: the first paragraph is hers, adopted
    assert f"! block {short(coda)} (paragraph; Ada Editor's edit differs from the file):" in out
    assert "Notion: Ada's new coda, written in Notion after the last publish." in out
    assert "file:   **Coda:** The editor's coda reports explicit transfer rates" in out
    assert short(first) not in out.split("the bot's changes")[0]

    code, out, err = cli("publish", "--week", "W22", "--dry-run", "--json")
    drift = json.loads(out)["variants"][0]["plan"]["drift"]
    assert [b["short_id"] for b in drift["blocks"]] == [short(coda)]
    assert drift["blocks"][0]["notion"] == "Ada's new coda, written in Notion after the last publish."
    assert drift["blocks"][0]["file"].startswith("**Coda:** The editor's coda") and drift["by_content"] is True

    code, _, err = cli("publish", "--week", "W22")
    assert code == 1
    assert f"! block {short(coda)}" in err and "Notion: Ada's new coda" in err


def test_overwrite_per_block_keeps_the_other_blocks_edit(cli, workspace, content):
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    pid = page_id(cli)
    first = set_text(ada, paragraph_starting(ada, pid, FIRST), "Ada's first sentence.")
    coda = set_text(ada, paragraph_starting(ada, pid, "Coda:"), "Ada's coda.")
    path = content / "2026-W22" / "en.md"
    edit(path, FIRST, "The editor's first sentence.")
    edit(path, CODA, "**Coda:** The editor's coda reports explicit transfer rates")

    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert "2 block(s) edited by Ada Editor" in out
    code, out, err = cli("publish", "--week", "W22", "--on-drift", "overwrite", "--block", short(coda))
    assert code == 0, err
    assert "updated     1 writes" in out
    code, shown, _ = cli("local", "show", EN)
    assert "The editor's coda reports" in shown and "Ada's coda." not in shown  # overwritten
    assert "Ada's first sentence." in shown and "The editor's first sentence." not in shown  # kept

    code, out, err = cli("publish", "--week", "W22", "--dry-run")  # still a conflict, now the only one
    assert "! drift: 1 block(s) edited by Ada Editor" in out and f"! block {short(first)}" in out
    assert short(coda) not in out.split("the bot's changes")[0]


def test_block_needs_overwrite_and_must_name_a_drifted_block(cli, workspace, content):
    assert cli("publish", "--week", "W22")[0] == 0
    code, _, err = cli("publish", "--week", "W22", "--block", "abcd1234")
    assert code == 64 and "use it with --on-drift overwrite" in err
    ada = person(workspace)
    coda = set_text(ada, paragraph_starting(ada, page_id(cli), "Coda:"), "Ada's coda.")
    edit(content / "2026-W22" / "en.md", CODA, "**Coda:** changed")
    code, _, err = cli("publish", "--week", "W22", "--on-drift", "overwrite", "--block", "ffff0000")
    assert code == 1
    assert "--block ffff0000: no drifted block has such an id" in err and short(coda) in err
    code, shown, _ = cli("local", "show", EN)
    assert "Ada's coda." in shown  # nothing was written


def test_an_adopted_property_edit_is_no_drift(cli, workspace, content):
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    ada.update_page(
        page_id(cli), properties={"summary": {"rich_text": [{"type": "text", "text": {"content": "Ada's summary."}}]}}
    )
    path = content / "2026-W22" / "en.md"
    text = path.read_text(encoding="utf-8")
    start = text.index("summary: ")
    path.write_text(text[:start] + 'summary: "Ada\'s summary."' + text[text.index("\n", start) :], encoding="utf-8")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "unchanged   0 writes" in out  # the file took her value: nothing to write
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('summary: "Ada\'s summary."', 'summary: "The editor\'s summary."'), encoding="utf-8")
    edit(path, FIRST, "The editor's first sentence.")  # the tree changes too: it is read and compared
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert "drift" not in out, out
    assert "~ summary: Ada's summary. → The editor's summary." in out


def test_a_record_without_fingerprints_falls_back_to_who_edited(cli, workspace, content, env):
    assert cli("publish", "--week", "W22")[0] == 0
    record = env / "state" / "published" / f"{EN}.json"
    data = json.loads(record.read_text(encoding="utf-8"))
    assert data["block_fingerprints"]
    del data["block_fingerprints"], data["property_fingerprints"]  # as an older version wrote it
    record.write_text(json.dumps(data), encoding="utf-8")
    ada = person(workspace)
    block = set_text(ada, paragraph_starting(ada, page_id(cli), FIRST), "Ada's first sentence.")
    path = content / "2026-W22" / "en.md"
    edit(path, FIRST, "Ada's first sentence.")  # adopted: the file agrees with Notion
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert "drift" not in out
    edit(path, "Ada's first sentence.", "The editor's version.")
    code, out, err = cli("publish", "--week", "W22", "--dry-run", "--json")
    drift = json.loads(out)["variants"][0]["plan"]["drift"]
    assert drift["by_content"] is False and [b["short_id"] for b in drift["blocks"]] == [short(block)]


def test_pull_edited_leaves_an_adopted_edit_to_the_file(cli, workspace, content):
    """Ada's adopted paragraph, changed again in the file, is not "edited in Notion" any more:
    pull --edited does not put her old text back over the editor's new one."""
    adopted(cli, workspace, content)
    path = content / "2026-W22" / "en.md"
    edit(path, "Ada's better first sentence.", "The editor's third version.")
    before = path.read_text(encoding="utf-8")
    code, out, err = cli("pull", EN, "--edited")
    assert code == 0, err
    assert out.startswith("unchanged") and "no block edited in Notion" in out
    assert path.read_text(encoding="utf-8") == before


def test_pull_edited_next_to_a_change_in_the_file_takes_one_and_keeps_the_other(cli, workspace, content):
    """Ada edits the first paragraph in Notion, the editor the second (its neighbour) in the
    file: the pull takes hers and keeps his, and the publish sends his alone."""
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    set_text(ada, paragraph_starting(ada, page_id(cli), FIRST), "Ada's first sentence.")
    path = content / "2026-W22" / "en.md"
    edit(path, "Industrial knowledge distillation enters", "Industrial distillation (the editor's words) enters")
    code, out, err = cli("pull", EN, "--edited")
    assert code == 0, err
    text = path.read_text(encoding="utf-8")
    assert "\nAda's first sentence.\n" in text and "Industrial distillation (the editor's words) enters" in text
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "updated     1 writes" in out


def test_pull_edited_takes_a_property_edited_in_notion(cli, workspace, content):
    """Ada changed the summary in Notion while the editor changed a paragraph: the drift names
    the property, pull --edited writes her value into the front matter (that line only)."""
    assert cli("publish", "--week", "W22")[0] == 0
    ada = person(workspace)
    ada.update_page(
        page_id(cli), properties={"summary": {"rich_text": [{"type": "text", "text": {"content": "Ada's summary."}}]}}
    )
    path = content / "2026-W22" / "en.md"
    edit(path, FIRST, "The editor's first sentence.")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert "! drift: page last edited by Ada Editor (summary)" in out
    assert "! property summary: Notion: Ada's summary." in out
    before = path.read_text(encoding="utf-8")
    code, out, err = cli("pull", EN, "--edited")
    assert code == 0, err
    assert "summary edited in Notion" in out
    after = path.read_text(encoding="utf-8")
    changed = [line for line in after.splitlines() if line not in before.splitlines()]
    assert changed == ['summary: "Ada\'s summary."'] and "The editor's first sentence." in after
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err  # her value is in the file: no drift
    assert "updated     1 writes" in out
