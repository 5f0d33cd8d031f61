"""Issue 24: `bot pull` checks every target before writing anything — two files of one pull
that are one file on disk (en.md -> zh.md) are refused, not written through the link (which
left zh.md with the zh text, lost en's Notion text and still said "updated en.md")."""

from __future__ import annotations

import json
import os

import pytest

from .conftest import assert_clean, write_week


def _linked_week(cli, mini):
    """W22 published, then en.md replaced by a symlink to zh.md."""
    assert cli("publish", "--week", "W22")[0] == 0
    week = mini / "rec-weekly" / "2026-W22"
    (week / "en.md").unlink()
    (week / "en.md").symlink_to("zh.md")
    return week


@pytest.mark.parametrize("flags", [["--force"], [], ["--edited"]])
def test_pull_refuses_en_md_linked_to_zh_md_and_writes_nothing(cli, env, mini, flags):
    week = _linked_week(cli, mini)
    zh_before = (week / "zh.md").read_bytes()
    code, out, err = cli("pull", "--week", "W22", *flags)
    assert_clean(out, err)
    assert code == 1, (flags, err)
    assert f"{week / 'en.md'} is a symlink to {os.path.realpath(week / 'zh.md')}" in err, err
    assert "same file on disk" in err and "nothing was written" in err, err
    assert f"rm {week / 'en.md'}" in err, err  # the fix
    assert "updated" not in out
    assert os.readlink(week / "en.md") == "zh.md"
    assert (week / "zh.md").read_bytes() == zh_before
    assert sorted(p.name for p in week.iterdir()) == ["en.md", "zh.md"]


def test_pull_refusal_of_linked_targets_is_json_under_json(cli, env, mini):
    week = _linked_week(cli, mini)
    code, out, err = cli("pull", "--week", "W22", "--force", "--json")
    assert code == 1, err
    error = json.loads(out)["error"]
    assert error["type"] == "PullTargetError" and error["exit_code"] == 1
    assert str(week / "en.md") in error["message"] and str(week / "zh.md") in error["message"]
    assert "rm " in error["hint"]


def test_pull_into_an_out_dir_with_linked_files_is_refused(cli, env, mini):
    assert cli("publish", "--week", "W22")[0] == 0
    out_dir = env / "pulled"
    out_dir.mkdir()
    (out_dir / "zh.md").write_text("mine\n", encoding="utf-8")
    (out_dir / "en.md").symlink_to("zh.md")
    code, out, err = cli("pull", "--week", "W22", "--force", "--out", str(out_dir))
    assert_clean(out, err)
    assert code == 1 and "same file on disk" in err and str(out_dir / "en.md") in err, err
    assert (out_dir / "zh.md").read_text(encoding="utf-8") == "mine\n"
    assert os.readlink(out_dir / "en.md") == "zh.md"


def test_pull_refuses_hard_linked_en_and_zh(cli, env, mini):
    week = mini / "rec-weekly" / "2026-W22"
    assert cli("publish", "--week", "W22")[0] == 0
    (week / "en.md").unlink()
    os.link(week / "zh.md", week / "en.md")
    zh_before = (week / "zh.md").read_bytes()
    code, out, err = cli("pull", "--week", "W22", "--force")
    assert code == 1 and "hard links of one file" in err, err
    assert (week / "zh.md").read_bytes() == zh_before


def test_pull_refuses_an_image_linked_to_the_markdown_file(cli, env, mini):
    week = mini / "rec-weekly" / "2026-W22"
    (week / "chart.png").write_bytes(b"\x89PNG chart")
    write_week(mini, en_body="![A chart](chart.png)\n")
    assert cli("publish", "--week", "W22")[0] == 0
    en_before = (week / "en.md").read_bytes()
    (week / "images").mkdir()
    (week / "images" / "chart.png").symlink_to("../en.md")
    code, out, err = cli("pull", "--week", "W22", "--force")
    assert code == 1 and "same file on disk" in err, err
    assert (week / "en.md").read_bytes() == en_before


def test_pull_of_one_lang_through_a_symlink_to_a_regular_file_still_works(cli, env, mini):
    """Only links between the files of one pull are refused: en.md -> en-real.md, a file no
    other target writes, is written through as before."""
    week = mini / "rec-weekly" / "2026-W22"
    assert cli("publish", "--week", "W22")[0] == 0
    (week / "en-real.md").write_text((week / "en.md").read_text(encoding="utf-8"), encoding="utf-8")
    (week / "en.md").unlink()
    (week / "en.md").symlink_to("en-real.md")
    code, out, err = cli("pull", "--week", "W22", "--force")
    assert_clean(out, err)
    assert code == 0, err
    assert (week / "en.md").is_symlink() and "Hello." in (week / "en-real.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("flags", [["--force"], ["--edited"]])
def test_pull_of_one_language_refuses_its_file_linked_to_the_other_language(cli, env, mini, flags):
    """`--lang en` does not pull zh.md, but en.md -> zh.md would still overwrite it."""
    week = _linked_week(cli, mini)
    zh_before = (week / "zh.md").read_bytes()
    code, out, err = cli("pull", "--week", "W22", "--lang", "en", *flags)
    assert_clean(out, err)
    assert code == 1 and "same file on disk" in err and "nothing was written" in err, err
    assert os.readlink(week / "en.md") == "zh.md"
    assert (week / "zh.md").read_bytes() == zh_before
