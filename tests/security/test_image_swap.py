"""Issue 24 "Files opened once, checked as opened": an image vetted at planning time and swapped
before its upload (for a symlink to a file outside content/, a FIFO, or other bytes) is never
uploaded; and an empty path setting means unset (`BOT_ASSETS_DIR=` is not the working dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from .conftest import assert_clean, state_bytes, uploads, write_week

SECRET = b"\x89PNG SECRET-outside-content"
VETTED = b"\x89PNG the vetted chart"


def _swap_to_symlink(image, env):
    outside = env / "outside.png"
    outside.write_bytes(SECRET)
    image.unlink()
    image.symlink_to(outside)


def _swap_to_fifo(image, env):
    image.unlink()
    os.mkfifo(image)


def _swap_to_other_bytes(image, env):
    image.write_bytes(SECRET)


SWAPS = {"symlink-out": _swap_to_symlink, "fifo": _swap_to_fifo, "other-bytes": _swap_to_other_bytes}


def _week_with_zh_image(mini):
    """en is created first; the zh page (with the image) after it: the swap happens in between."""
    week = mini / "rec-weekly" / "2026-W22"
    write_week(mini, zh_body="你好。\n\n![图](chart.png)\n")
    image = week / "chart.png"
    image.write_bytes(VETTED)
    return image


def _swap_at_first_create(faulty, swap, image, env):
    done = []

    def hook(method, path):
        if method == "POST" and path.rstrip("/") == "/v1/pages" and not done:
            done.append(path)
            swap(image, env)

    faulty.on_request = hook
    return done


@pytest.mark.parametrize("case", sorted(SWAPS))
def test_an_image_swapped_between_plan_and_upload_is_not_uploaded(case, faulty, served, env, mini):
    ws, _ = served
    image = _week_with_zh_image(mini)
    done = _swap_at_first_create(faulty, SWAPS[case], image, env)
    # A real process: should anything block on the FIFO, the timeout fails the test (no hang).
    run = subprocess.run(
        [sys.executable, "-m", "bot", "publish", "--week", "W22", "--json"],
        cwd=env,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done, "the swap hook never ran"
    assert_clean(run.stdout, run.stderr)
    assert "internal error" not in run.stderr
    assert run.returncode == 1, run.stderr
    assert (
        "changed since it was checked" in run.stderr or "but it was a regular file when it was checked" in run.stderr
    ), run.stderr
    assert json.loads(run.stdout)["error"]["type"] == "ImageChangedError"
    assert ws.store.conn.execute("SELECT count(*) FROM file_uploads").fetchone()[0] == 0
    assert SECRET not in (env / "remote.sqlite3").read_bytes()


def test_the_vetted_image_is_uploaded_when_nothing_changed(faulty, served, env, mini, cli):
    ws, _ = served
    _week_with_zh_image(mini)
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert ws.store.conn.execute("SELECT count(*) FROM file_uploads").fetchone()[0] == 1


@pytest.mark.parametrize("where", ["environment", ".env"])
def test_an_empty_assets_dir_setting_means_unset(where, env, mini, cli, monkeypatch):
    private = env / "private.png"
    private.write_bytes(SECRET)
    week = mini / "rec-weekly" / "2026-W22"
    depth = os.path.relpath(private, week)  # ../../../private.png, relative to the week
    write_week(mini, en_body=f"Intro.\n\n![p]({depth})\n")
    if where == "environment":
        monkeypatch.setenv("BOT_ASSETS_DIR", "")
    else:
        (env / ".env").write_text("BOT_ASSETS_DIR=\n", encoding="utf-8")
    code, out, err = cli("validate", "--week", "W22")
    assert_clean(out, err)
    assert code == 1 and "refused" in out and "resolves outside the content folder" in out, out + err
    code, out, err = cli("publish", "--week", "W22")
    assert_clean(out, err)
    assert code == 1 and "refused" in err
    assert uploads(env / "state") == 0
    assert SECRET not in state_bytes(env / "state")


@pytest.mark.parametrize("name", ["BOT_STATE_DIR", "BOT_CONTENT_DIR", "BOT_MAPPING"])
def test_an_empty_path_setting_is_its_default(name, env, cli, monkeypatch):
    import shutil

    from conftest import ROOT

    shutil.copytree(ROOT / "mappings", env / "mappings")  # the defaults are relative to the working dir
    monkeypatch.setenv(name, "")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert_clean(out, err)
    assert code == 0, err
    if name == "BOT_STATE_DIR":
        assert (env / ".bot").is_dir()
