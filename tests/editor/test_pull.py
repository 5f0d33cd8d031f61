"""`bot pull`: Notion page → content file; pull then publish writes nothing."""

from __future__ import annotations

import json
from zoneinfo import ZoneInfo

import pytest
import yaml

from bot.source import read_variant


def _front(path):
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n", 2)[1])


@pytest.mark.parametrize("week", ["W14", "W22"])
def test_publish_delete_pull_publish_writes_nothing(cli, env, content, counted, week):
    code, _, err = cli("publish", "--week", week)
    assert code == 0, err
    folder = content / f"2026-{week}"
    originals = {p.name: read_variant(p) for p in folder.glob("*.md")}
    for path in folder.glob("*.md"):
        path.unlink()

    code, out, err = cli("pull", "--week", week)
    assert code == 0, err
    assert sorted(p.name for p in folder.glob("*.md")) == ["en.md", "zh.md"]
    assert out.count("created") == 2
    for name, original in originals.items():
        pulled = read_variant(folder / name)
        assert pulled.front == original.front  # every field, including the date in BOT_TIMEZONE

    assert cli("validate")[0] == 0
    counted["transport"].reset()
    code, out, err = cli("publish", "--week", week, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [v["action"] for v in data["variants"]] == ["unchanged", "unchanged"]
    assert data["requests"]["writes"] == 0
    assert counted["transport"].writes == 0
    assert counted["transport"].requests  # it did read


def test_pulled_front_matter_reads_like_hand_written(cli, content):
    assert cli("publish", "--week", "W14")[0] == 0
    code, out, err = cli("pull", "rec-weekly-zh-2026-W14", "--out", "-")
    assert code == 0, err
    head = out.split("---\n", 2)[1]
    assert head.splitlines() == [
        'title: "推荐技术周报 · 2026-W14"',
        "lang: zh",
        "week: 2026-W14",
        "series: rec-weekly",
        "slug: rec-weekly-zh-2026-W14",
        "type: Post",
        "status: Published",
        "date: 2026-04-05 16:47",
        'summary: "本周推荐系统研究围绕三条技术主线展开：生成式推荐的生产化工程、智能体驱动的系统自我演进，以及排序模型的高效扩展。"',
        "tags: [推荐系统, 周报, 论文]",
        "category: 推荐技术报告",
        "priority:",
        "icon:",
        'password: ""',
    ]
    body = out.split("---\n", 2)[2]
    assert body.startswith("\n## 本周概览\n")
    assert "中文版" not in body and "English" not in body.splitlines()[1]  # no language-link callout


def test_pull_refuses_to_overwrite_a_different_file(cli, content):
    assert cli("publish", "--week", "W22")[0] == 0
    path = content / "2026-W22" / "en.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## Weekly Overview", "## Overview (edited)"), encoding="utf-8"
    )
    before = path.read_text(encoding="utf-8")
    code, out, err = cli("pull", "--week", "W22")
    assert code == 1
    assert (
        f"{path} already exists and differs from Notion; nothing was written" in err
    )  # zh.md is equivalent: left alone
    assert "hint: use --force to overwrite" in err
    assert path.read_text(encoding="utf-8") == before
    code, out, err = cli("pull", "rec-weekly-en-2026-W22", "--force", "--out", str(path))
    assert code == 0, err
    assert out.startswith("updated")
    assert "## Weekly Overview" in path.read_text(encoding="utf-8")
    code, out, _ = cli("pull", "--week", "W22")
    assert code == 0 and out.count("unchanged") == 2


def test_pull_into_another_directory_as_json(cli, env):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, err = cli("pull", "--week", "2026-W22", "--lang", "zh", "--out", str(env / "imported"), "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [(p["slug"], p["action"]) for p in data["pulled"]] == [("rec-weekly-zh-2026-W22", "created")]
    assert (env / "imported" / "zh.md").is_file()


def test_pull_errors_say_what_to_do(cli):
    code, _, err = cli("pull", "rec-weekly-en-2026-W30")
    assert code == 1
    assert "no page with slug 'rec-weekly-en-2026-W30' in the local workspace" in err
    code, _, err = cli("pull", "--week", "W30")
    assert code == 1
    assert "no page of that week in the local workspace" in err and "bot pull SLUG" in err
    code, _, err = cli("pull")
    assert code == 64  # a usage error
    assert "say what to pull" in err


def test_page_to_source_reverses_the_mapping():
    from bot.editor.pull import page_to_source
    from bot.mapping import load_mapping
    from bot.bilingual import language_link
    from conftest import ROOT

    mapping = load_mapping(ROOT / "mappings" / "rec-weekly.yaml")

    def text(value):
        return [{"type": "text", "text": {"content": value, "link": None}, "plain_text": value}]

    page = {
        "id": "p1",
        "icon": {"type": "emoji", "emoji": "🧪"},
        "properties": {
            "Name": {
                "type": "title",
                "title": text('He said "hi": yes'),
            },  # the database's title column has another name
            "slug": {"type": "rich_text", "rich_text": text("rec-weekly-en-2026-W01")},
            "type": {"type": "select", "select": {"name": "Post"}},
            "status": {"type": "select", "select": {"name": "Draft"}},
            "date": {"type": "date", "date": {"start": "2025-12-29T23:30:00.000Z", "end": None, "time_zone": None}},
            "summary": {"type": "rich_text", "rich_text": []},
            "tags": {"type": "multi_select", "multi_select": [{"name": "b: c"}, {"name": "yes"}]},
            "category": {"type": "select", "select": None},
            "priority": {"type": "number", "number": 2.5},
        },
    }
    blocks = [
        language_link("en", "https://example.com/zh"),
        {"object": "block", "type": "paragraph", "paragraph": {"rich_text": text("Body.")}},
    ]
    source, notes = page_to_source(page, blocks, mapping, ZoneInfo("Asia/Shanghai"))
    assert notes == []
    front = yaml.safe_load(source.split("---\n", 2)[1])
    assert front["title"] == 'He said "hi": yes'
    assert front["date"] == "2025-12-30 07:30"  # UTC → BOT_TIMEZONE
    assert front["tags"] == ["b: c", "yes"]  # quoted where YAML would change them
    assert front["priority"] == 2.5 and front["icon"] == "🧪" and front["category"] is None
    assert (front["lang"], front["week"], front["series"]) == ("en", "2026-W01", "rec-weekly")
    assert source.endswith("---\n\nBody.\n")


def test_page_with_foreign_slug_gets_a_note():
    from bot.editor.pull import page_to_source
    from bot.mapping import load_mapping
    from conftest import ROOT

    mapping = load_mapping(ROOT / "mappings" / "rec-weekly.yaml")
    page = {
        "id": "p2",
        "icon": None,
        "properties": {
            "title": {
                "type": "title",
                "title": [{"type": "text", "text": {"content": "Old post"}, "plain_text": "Old post"}],
            },
            "slug": {
                "type": "rich_text",
                "rich_text": [{"type": "text", "text": {"content": "old-post"}, "plain_text": "old-post"}],
            },
            "date": {"type": "date", "date": {"start": "2024-03-01", "end": None, "time_zone": None}},
        },
    }
    source, notes = page_to_source(page, [], mapping, ZoneInfo("Asia/Shanghai"), lang="zh", series="archive")
    front = yaml.safe_load(source.split("---\n", 2)[1])
    assert front["slug"] == "archive-zh-2024-W09" and str(front["date"]) == "2024-03-01"
    assert "not series-lang-week" in notes[0]


def test_pull_restores_uploaded_images_and_round_trips(cli, env):
    """A page with an uploaded image: pull writes the image next to the file; publish writes nothing."""
    import json
    import struct
    import zlib

    def png() -> bytes:
        def chunk(kind, data):
            return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

        return (
            b"\x89PNG\r\n\x1a\n"
            + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(b"\x00\x00\xff\x00"))
            + chunk(b"IEND", b"")
        )

    week = env / "content" / "rec-weekly" / "2026-W22"
    (week / "img").mkdir()
    (week / "img" / "chart.png").write_bytes(png())
    en = week / "en.md"
    en.write_text(
        en.read_text(encoding="utf-8").replace(
            "## Weekly Overview\n", "## Weekly Overview\n\n![A chart](img/chart.png)\n", 1
        ),
        encoding="utf-8",
    )
    assert cli("publish", "--week", "W22")[0] == 0
    en.unlink()
    (week / "img" / "chart.png").unlink()
    code, out, err = cli("pull", "rec-weekly-en-2026-W22")
    assert code == 0, err
    assert (week / "images" / "chart.png").read_bytes() == png()
    assert "![A chart](images/chart.png)" in en.read_text(encoding="utf-8")
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0
