"""Issue 24 "Corrupt state of any shape": a directory (or a dangling symlink) where a state
file belongs is a clear error naming it and its fix, never an internal error; and
`bot local reset --yes` always works, removing whatever is there and nothing outside."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import assert_clean


def _no_internal_error(out: str, err: str) -> None:
    assert_clean(out, err)
    assert "internal error" not in out + err


def _as_directory(path) -> None:
    (path / "inside").mkdir(parents=True)
    (path / "inside" / "file").write_text("x")


def test_publish_lock_as_a_directory_is_a_clear_error(env, mini, cli):
    _as_directory(env / "state" / "publish.lock")
    code, out, err = cli("publish", "--week", "W22", "--json")
    _no_internal_error(out, err)
    assert code == 1, err
    assert "state/publish.lock is a directory, where the bot keeps the publish lock" in err and "rm -r" in err, err
    assert json.loads(out)["error"]["type"] == "StateShapeError"
    (env / "state" / "publish.lock" / "inside" / "file").unlink()
    (env / "state" / "publish.lock" / "inside").rmdir()
    (env / "state" / "publish.lock").rmdir()  # the fix the hint gives
    assert cli("publish", "--week", "W22")[0] == 0


@pytest.mark.parametrize("shape", ["directory", "dangling-symlink"])
def test_local_workspace_of_another_shape_is_a_clear_error_and_reset_removes_it(shape, env, mini, cli):
    db = env / "state" / "local-notion.sqlite3"
    outside = env / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("keep")
    if shape == "directory":
        _as_directory(db)
    else:
        db.parent.mkdir(parents=True)
        os.symlink(env / "nowhere", db)
    for command in (
        ("publish", "--week", "W22"),
        ("publish", "--week", "W22", "--dry-run"),
        ("local", "show", "rec-weekly-en-2026-W22"),
    ):
        code, out, err = cli(*command)
        _no_internal_error(out, err)
        assert code == 1, (command, err)
        assert "local-notion.sqlite3 is a" in err and "bot local reset --yes" in err, err
    code, out, err = cli("local", "reset", "--yes")
    _no_internal_error(out, err)
    assert code == 0 and "removed it" in err, err
    assert not os.path.lexists(db) and (outside / "keep.txt").read_text() == "keep"
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert [v["action"] for v in json.loads(out)["variants"]] == ["created", "created"]


def test_reset_of_a_symlink_to_a_directory_removes_the_link_only(env, mini, cli):
    target = env / "precious"
    target.mkdir()
    (target / "data").write_text("keep")
    (env / "state").mkdir()
    os.symlink(target, env / "state" / "local-notion.sqlite3")
    code, out, err = cli("local", "reset", "--yes")
    _no_internal_error(out, err)
    assert code == 0, err
    assert not os.path.lexists(env / "state" / "local-notion.sqlite3")
    assert (target / "data").read_text() == "keep"


def test_run_ledger_as_a_directory_is_named_with_its_fix(env, mini, cli):
    _as_directory(env / "state" / "runs.sqlite3")
    code, out, err = cli("publish", "--week", "W22")
    _no_internal_error(out, err)
    assert code == 0 and "runs.sqlite3 is a directory" in err and "not recorded" in err, err
    code, out, err = cli("runs")
    _no_internal_error(out, err)
    assert code == 1 and "runs.sqlite3 is a directory" in err and "mv " in err, err


def test_a_preview_folder_that_is_a_file_is_a_clear_error(env, mini, cli):
    (env / "state").mkdir()
    (env / "state" / "preview").write_text("not a folder")
    code, out, err = cli("preview", "--week", "W22")
    _no_internal_error(out, err)
    assert code == 1 and "cannot write the preview to" in err and "--out" in err, err
    code, out, err = cli("preview", "--week", "W22", "--out", str(env / "p.html"))
    assert code == 0 and (env / "p.html").is_file(), err


def test_a_records_folder_that_is_a_file_does_not_stop_a_publish(env, mini, cli):
    (env / "state").mkdir()
    (env / "state" / "published").write_text("not a folder")
    for _ in range(2):
        code, out, err = cli("publish", "--week", "W22")
        _no_internal_error(out, err)
        assert code == 0, err


def test_a_state_dir_that_is_a_file_is_a_clear_error_in_every_command(env, mini, cli, monkeypatch):
    """The reverse shape: a file where the state folder belongs — the default `.bot/` (an
    explicit BOT_STATE_DIR is checked with the settings already)."""
    monkeypatch.delenv("BOT_STATE_DIR")
    state = env / ".bot"
    state.write_text("not a folder")
    for command in (
        ("publish", "--week", "W22"),
        ("publish", "--week", "W22", "--dry-run"),
        ("publish", "--week", "W22", "--json"),
        ("pull", "--week", "W22", "--out", str(env / "pulled")),
        ("local", "show", "rec-weekly-en-2026-W22"),
        ("local", "reset", "--yes"),
    ):
        code, out, err = cli(*command)
        _no_internal_error(out, err)
        assert code == 1, (command, out, err)
        assert ".bot is a file, where the bot keeps its state folder" in err, (command, err)
        assert "BOT_STATE_DIR" in err and "mv " in err, (command, err)
        if "--json" in command:
            assert json.loads(out)["error"]["type"] == "StateShapeError"
    code, out, err = cli("status")  # a report: it names the problem as one of its health issues
    _no_internal_error(out, err)
    assert ".bot is a file, where the bot keeps its state folder" in out, out
    assert state.read_text() == "not a folder"  # named, never removed: it may be the user's
    state.rename(env / "state.old")  # the fix the hint gives
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert (state / "runs.sqlite3").is_file()
