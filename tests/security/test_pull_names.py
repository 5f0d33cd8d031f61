"""Issue 13 item 4: `bot pull` never trusts a file name from a URL: the image name is reduced
to a safe basename and the written path must stay inside the content folder."""

from __future__ import annotations

from .conftest import assert_clean, write_week
from .faulty import Fault


def test_pull_writes_a_hostile_image_name_as_a_safe_basename(faulty, cli, env, mini):
    week = mini / "rec-weekly" / "2026-W22"
    (week / "chart.png").write_bytes(b"\x89PNG chart")
    write_week(mini, en_body="![A chart](chart.png)\n")
    assert cli("publish", "--week", "W22")[0] == 0
    (week / "en.md").unlink()
    # The page's image URL, as Notion hands it out, now ends in an encoded path traversal.
    faulty.faults = [
        Fault(
            "rewrite",
            method="GET",
            path=r"/v1/blocks/.*/children",
            body=b"-chart.png|-..%2F..%2F..%2FPWNED.txt",
            times=None,
        )
    ]
    code, out, err = cli("pull", "rec-weekly-en-2026-W22")
    assert_clean(out, err)
    assert code == 0, err
    assert [p for p in env.rglob("PWNED.txt")] == [week / "images" / "PWNED.txt"]  # nowhere else
    assert (week / "images" / "PWNED.txt").read_bytes() == b"\x89PNG chart"
    assert "![A chart](images/PWNED.txt)" in (week / "en.md").read_text(encoding="utf-8")


def test_pull_refuses_an_images_folder_that_points_outside(cli, env, mini):
    week = mini / "rec-weekly" / "2026-W22"
    (week / "chart.png").write_bytes(b"\x89PNG chart")
    write_week(mini, en_body="![A chart](chart.png)\n")
    assert cli("publish", "--week", "W22")[0] == 0
    (week / "en.md").unlink()
    outside = env / "elsewhere"
    outside.mkdir()
    (week / "images").symlink_to(outside)
    code, out, err = cli("pull", "rec-weekly-en-2026-W22")
    assert_clean(out, err)
    assert code == 1 and "resolves outside" in err
    assert list(outside.iterdir()) == []


def _published_then_removed(cli, mini):
    week = mini / "rec-weekly" / "2026-W22"
    (week / "chart.png").write_bytes(b"\x89PNG chart")
    write_week(mini, en_body="![A chart](chart.png)\n")
    assert cli("publish", "--week", "W22")[0] == 0
    return week


def test_pull_force_refuses_a_symlinked_markdown_file_that_points_outside(cli, env, mini):
    week = _published_then_removed(cli, mini)
    victim = env / "victim.md"
    victim.write_text("precious\n")
    (week / "en.md").unlink()
    (week / "en.md").symlink_to(victim)
    for flags in ([], ["--force"], ["--edited"]):
        code, out, err = cli("pull", "rec-weekly-en-2026-W22", *flags)
        assert_clean(out, err)
        assert code == 1 and "resolves outside" in err and "nothing was written" in err, (flags, err)
        assert victim.read_text() == "precious\n"
    assert not (week / "images").exists()


def test_pull_force_with_a_symlinked_images_folder_writes_nothing_at_all(cli, env, mini):
    week = _published_then_removed(cli, mini)
    before = (week / "en.md").read_text(encoding="utf-8")
    (week / "en.md").write_text(before.replace("A chart", "Edited locally"), encoding="utf-8")
    edited = (week / "en.md").read_text(encoding="utf-8")
    outside = env / "elsewhere"
    outside.mkdir()
    (week / "images").symlink_to(outside)
    code, out, err = cli("pull", "--week", "W22", "--force")
    assert_clean(out, err)
    assert code == 1 and "resolves outside" in err, err
    assert list(outside.iterdir()) == []
    assert (week / "en.md").read_text(encoding="utf-8") == edited  # not rewritten before the refusal
