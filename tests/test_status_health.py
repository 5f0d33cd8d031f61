"""`bot status` health reflects problems; a folder without content says what is missing and
how to fix it; status and runs show dates with the year."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from helpers import edit, human_api, session

W22 = Path("content/rec-weekly/2026-W22")
EN = "rec-weekly-en-2026-W22"


@pytest.fixture
def empty_folder(env, monkeypatch):
    """A folder that is not the newsletter's: no content/, no mappings/, default settings."""
    folder = env / "elsewhere"
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.delenv("BOT_CONTENT_DIR")
    monkeypatch.delenv("BOT_MAPPING")
    return folder


@pytest.mark.parametrize(
    "argv",
    [
        ("publish", "--week", "W22"),
        ("publish", "--week", "W22", "--dry-run"),
        ("validate",),
        ("run-due",),
        ("run-due", "--now", "2026-05-30T08:00"),
        ("preview", "--week", "W22"),
    ],
)
def test_a_folder_without_content_says_what_is_missing_and_how_to_fix_it(cli, empty_folder, argv):
    code, out, err = cli(*argv)
    assert code == 1 and "Traceback" not in err
    assert f"no content here: {empty_folder} has no content/ folder" in err and "set BOT_CONTENT_DIR" in err
    assert f"no mapping here: {empty_folder} has no mappings/ folder" in err and "set BOT_MAPPING" in err
    assert "rec-weekly.yaml" not in err  # a file that is not there is nothing to fix
    assert not (empty_folder / ".bot" / "runs.sqlite3").exists()  # nothing was run


def test_a_missing_mapping_set_by_the_user_names_the_setting(cli, env, monkeypatch):
    monkeypatch.setenv("BOT_MAPPING", str(env / "nowhere.yaml"))
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and f"BOT_MAPPING={env / 'nowhere.yaml'}: no such file" in err
    assert "see the comments" not in err and "no content here" not in err


def test_status_in_a_folder_without_content_is_not_healthy(cli, empty_folder):
    code, out, err = cli("status")
    assert code == 0, err
    assert "Health: ok" not in out and "Health: ATTENTION" in out
    assert "no content here" in out and "no mapping here" in out and "rec-weekly.yaml" not in out
    health = json.loads(cli("status", "--json")[1])["health"]
    assert health["ok"] is False and len(health["issues"]) == 2


def test_status_is_healthy_after_a_good_publish(cli):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("status", "--no-remote")
    assert "Health: ok" in out
    assert json.loads(cli("status", "--no-remote", "--json")[1])["health"]["ok"] is True


def test_a_failed_last_run_and_drift_are_not_healthy(cli, env, workspace):
    assert cli("publish", "--week", "W22")[0] == 0
    s, _ = session(workspace)
    page = next(p for p in s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN))
    paragraph = next(b for b in s.api.list_children(page["id"]) if b["type"] == "paragraph")
    human_api(workspace).update_block(
        paragraph["id"],
        {
            "type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Edited by a person."}}]},
        },
    )
    edit(env / W22 / "en.md", "status: Published", "status: Draft")  # a change that meets the edit
    assert cli("publish", "--week", "W22")[0] == 1  # refused: drift; recorded as a failed run

    code, out, _ = cli("status", "--no-remote")
    assert "Health: ok" not in out
    assert re.search(r"the last run \(#2, manual\) ended failed: edited in Notion", out)
    code, out, _ = cli("status")  # with Notion: the drift itself is an issue too
    assert f"{EN}: edited in Notion (drift)" in out
    health = json.loads(cli("status", "--json")[1])["health"]
    assert health["ok"] is False and any("drift" in issue for issue in health["issues"])


def test_a_damaged_ledger_is_not_healthy(cli, env):
    assert cli("publish", "--week", "W22")[0] == 0
    (env / "state" / "runs.sqlite3").write_bytes(b"not a database" * 100)
    data = json.loads(cli("status", "--no-remote", "--json")[1])
    assert data["health"]["ok"] is False and "ledger_error" in data["health"]


def test_status_and_runs_show_dates_with_the_year(cli, env):
    edit(env / W22 / "en.md", "date: 2026-05-30 07:01", "date: 2099-01-03 07:00")
    assert cli("publish", "--week", "W22")[0] == 0  # zh goes out, en waits
    code, out, _ = cli("status", "--no-remote")
    line = next(l for l in out.splitlines() if l.startswith("2026-W22 en"))
    assert "waits until 2099-01-03 07:00" in line
    for l in out.splitlines():
        if l.startswith(("2026-W", "  #")) or "next run" in l:
            # every date on the line has its year: no MM-DD without YYYY- before it
            assert not re.search(r"(?<!\d{4}-)\b\d{2}-\d{2} \d{2}:\d{2}", l), l
    code, out, _ = cli("runs")
    assert re.search(r"^\s+1\s+manual\s+\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", out, re.M), out
