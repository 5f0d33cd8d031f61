"""Issue 13 item 9 (the parts outside the run ledger): a damaged local workspace file, a state
dir that is a file, a non-UTF-8 .env and a NOTION_BASE_URL without a scheme are each a clear
message with exit 1 — and `bot local reset --yes` (the documented recovery) always works."""

from __future__ import annotations

import gc
import json

import pytest

from .conftest import assert_clean


def _garbage(path):
    _replace(path, b"this is not a database\x00" * 300)


def _header_overwritten(path):
    data = path.read_bytes()
    _replace(path, b"\x00" * 100 + data[100:])


def _replace(path, data):
    # A new file (inode): connections the in-process CLI runs left open share nothing with it.
    fresh = path.with_name("damaged.tmp")
    fresh.write_bytes(data)
    fresh.replace(path)


@pytest.mark.parametrize("damage", [_garbage, _header_overwritten])
def test_a_damaged_local_workspace_is_a_clear_error_and_reset_recovers(damage, env, mini, cli):
    assert cli("publish", "--week", "W22")[0] == 0
    db = env / "state" / "local-notion.sqlite3"
    cli("local", "reset", "--yes")  # checkpoint: one file, no WAL
    assert cli("publish", "--week", "W22")[0] == 0
    for extra in ("-wal", "-shm"):
        (db.parent / (db.name + extra)).unlink(missing_ok=True)
    gc.collect()  # close the connections earlier in-process runs left for the collector
    damage(db)
    for command in (
        ("publish", "--week", "W22"),
        ("local", "show", "rec-weekly-en-2026-W22"),
        ("publish", "--week", "W22", "--json"),
    ):
        code, out, err = cli(*command)
        assert_clean(out, err)
        assert code == 1, (command, err)
        assert "local workspace" in err and "is damaged" in err and "bot local reset --yes" in err, err
    assert json.loads(out)["error"]["type"] == "DamagedWorkspaceError"
    code, out, err = cli("local", "reset", "--yes")
    assert_clean(out, err)
    assert code == 0 and "removed it" in err
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert [v["action"] for v in json.loads(out)["variants"]] == ["created", "created"]


SETTINGS = {
    "state-dir-is-a-file": ("BOT_STATE_DIR", "file", "setting BOT_STATE_DIR", "is not a directory"),
    "base-url-without-scheme": ("NOTION_BASE_URL", "api.notion.com", "setting NOTION_BASE_URL", "http(s) URL"),
    "base-url-garbage": ("NOTION_BASE_URL", "http//x", "setting NOTION_BASE_URL", "http(s) URL"),
}


@pytest.mark.parametrize("case", sorted(SETTINGS))
@pytest.mark.parametrize(
    "command", [("publish", "--week", "W22"), ("runs",), ("status",), ("local", "reset", "--yes"), ("validate",)]
)
def test_unusable_settings_are_clear_errors(case, command, env, mini, cli, monkeypatch):
    name, value, where, words = SETTINGS[case]
    if value == "file":
        (env / "a-file").write_text("x")
        value = str(env / "a-file")
    monkeypatch.setenv(name, value)
    monkeypatch.setenv("NOTION_TOKEN", "ntn_abcdefghijklmnop")
    code, out, err = cli(*command)
    assert_clean(out, err)
    assert code == 1
    assert where in err and words in err, err


def test_a_non_utf8_env_file_is_a_clear_error(env, mini, cli):
    (env / ".env").write_bytes(b"BOT_TIMEZONE=Asia/Shanghai\nNOTION_TOKEN=\xff\xfe\n")
    for command in (("publish", "--week", "W22"), ("runs",), ("validate",)):
        code, out, err = cli(*command)
        assert_clean(out, err)
        assert code == 1
        assert ".env is not valid UTF-8" in err and "offset 40" in err, err
