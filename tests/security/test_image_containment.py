"""Issue 13 item 1: no file outside content/ leaves the machine as an image.

The class of inputs that published any local file: absolute paths, ../ escapes, symlinks out of
content/, percent-encoded paths, /proc/self/environ, reference-style images, images inside lists,
quotes, <details> and callouts, non-image extensions, oversized files, non-regular files. Each
must be a validation error naming file:line, and publish (strict or not) must refuse it before
anything is uploaded.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from .conftest import assert_clean, state_bytes, uploads, write_week

SECRET = b"\x89PNG SECRET-CONTENT-do-not-upload"


def _outside(env: Path) -> Path:
    target = env / "outside" / "secret.png"
    target.parent.mkdir(exist_ok=True)
    target.write_bytes(SECRET)
    return target


def _week(mini: Path) -> Path:
    return mini / "rec-weekly" / "2026-W22"


# name -> (function(env, mini) -> markdown body line(s); the image is on line IMAGE_LINE of en.md)
def up(env, mini):
    _outside(env)
    return "../../../outside/secret.png"


CASES = {
    "absolute": lambda env, mini: f"![x]({_outside(env)})",
    "dotdot": lambda env, mini: f"![x]({up(env, mini)})",
    "dotenv": lambda env, mini: (env / ".env").write_text("NOTION_TOKEN=x\n") and "![x](../../../../.env)",
    "symlink-out": lambda env, mini: os.symlink(_outside(env), _week(mini) / "link.png") or "![x](link.png)",
    "symlinked-dir-out": lambda env, mini: (
        os.symlink(_outside(env).parent, _week(mini) / "assets") or "![x](assets/secret.png)"
    ),
    "percent-absolute": lambda env, mini: "![x](" + str(_outside(env)).replace("/", "%2F") + ")",
    "percent-dotdot": lambda env, mini: f"![x]({up(env, mini).replace('/', '%2F')})",
    "proc-environ": lambda env, mini: "![x](/proc/self/environ)",
    "etc-passwd": lambda env, mini: "![x](/etc/passwd)",
    "reference-style": lambda env, mini: f"![x][chart]\n\n[chart]: {up(env, mini)}",
    "in-list": lambda env, mini: f"- item\n- ![x]({up(env, mini)})",
    "in-quote": lambda env, mini: f"> ![x]({up(env, mini)})",
    "in-callout": lambda env, mini: f"> [!NOTE]\n> ![x]({up(env, mini)})",
    "in-details": lambda env, mini: f"<details><summary>more</summary>\n\n![x]({up(env, mini)})\n\n</details>",
    "in-details-one-block": lambda env, mini: f"<details><summary>more</summary>![x]({up(env, mini)})</details>",
    "not-an-image": lambda env, mini: (_week(mini) / "notes.txt").write_text("private notes") and "![x](notes.txt)",
    "no-extension": lambda env, mini: (_week(mini) / "README").write_text("private") and "![x](README)",
    "oversized": lambda env, mini: _sparse(_week(mini) / "big.png", 10**9) or "![x](big.png)",
    "fifo": lambda env, mini: os.mkfifo(_week(mini) / "pipe.png") or "![x](pipe.png)",
    "directory": lambda env, mini: (_week(mini) / "dir.png").mkdir() or "![x](dir.png)",
}


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:  # sparse: stat says 1 GB, the disk holds nothing
        handle.truncate(size)


IMAGE_LINE = 13  # front matter is lines 1-10 (FRONT), "Intro." on 11, a blank line


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_image_is_a_validation_error_and_never_uploaded(case, env, mini, cli):
    body = CASES[case](env, mini)
    write_week(mini, en_body="Intro.\n\n" + body + "\n")
    code, out, err = cli("validate")
    assert_clean(out, err)
    assert code == 1, (out, err)
    en = str(_week(mini) / "en.md")
    refused = [
        line
        for line in out.splitlines()
        if line.startswith(en + ":") and ": error: local image" in line and "refused:" in line
    ]
    assert refused, out
    line_no = int(refused[0].split(":")[1])
    assert IMAGE_LINE <= line_no <= IMAGE_LINE + 4, refused  # the line of the image (or its reference)

    for flags in ([], ["--strict"], ["--dry-run"]):
        code, out, err = cli("publish", "--week", "W22", *flags)
        assert_clean(out, err)
        assert code == 1, (flags, out, err)
        assert f"{en}:{line_no}:" in err and "refused: " in err, err
    assert uploads(env / "state") == 0
    assert SECRET not in state_bytes(env / "state")


def test_refusal_in_json_names_the_rule(env, mini, cli):
    write_week(mini, en_body="Intro.\n\n![x](/proc/self/environ)\n")
    code, out, err = cli("validate", "--json")
    assert code == 1
    diagnostics = json.loads(out)["diagnostics"]
    assert [d["rule"] for d in diagnostics if d["level"] == "error"] == ["image-refused"]
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 1
    assert json.loads(out)["error"]["problems"][0]["line"] == IMAGE_LINE


def test_images_inside_content_and_the_assets_dir_are_uploaded(env, mini, cli, monkeypatch):
    shared = mini / "rec-weekly" / "images"
    shared.mkdir()
    (shared / "chart.png").write_bytes(b"\x89PNG chart")
    assets = env / "assets"
    assets.mkdir()
    (assets / "logo.svg").write_bytes(b"<svg/>")
    os.symlink(assets / "logo.svg", _week(mini) / "logo.svg")  # a symlink into the assets dir
    write_week(mini, en_body="![chart](../images/chart.png)\n\n![logo](logo.svg)\n")
    code, out, err = cli("validate")
    assert code == 1 and "logo.svg" in out and "refused" in out  # assets dir not configured yet
    monkeypatch.setenv("BOT_ASSETS_DIR", str(assets))
    code, out, err = cli("validate")
    assert code == 0, out + err
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert uploads(env / "state") == 2


def test_convert_shows_the_refusal_without_reading_the_file(env, mini, cli):
    write_week(mini, en_body="![x](/proc/self/environ)\n")
    code, out, err = cli("convert", str(_week(mini) / "en.md"))
    assert code == 0
    assert "image_refused" in out and "absolute paths are refused" in out
    assert_clean(out, err)


def test_a_doubly_encoded_path_is_a_literal_name_not_an_escape(env, mini, cli):
    """`%252F` decodes once, to a file literally named `..%2F..`: not there, so nothing is read."""
    _outside(env)
    write_week(mini, en_body="![x](..%252F..%252F..%252Foutside%252Fsecret.png)\n")
    code, out, err = cli("publish", "--week", "W22")
    assert_clean(out, err)
    assert uploads(env / "state") == 0
    assert SECRET not in state_bytes(env / "state")
