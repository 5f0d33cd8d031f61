"""Walking skeleton: `bot publish --week W22` end to end against the local workspace."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from conftest import seed_export


def _live_page(session, slug):
    target = session.target("zh" if "-zh-" in slug else "en")
    pages = session.api.find_pages(target.data_source_id, "slug", "rich_text", slug)
    assert len(pages) == 1
    return pages[0], session.api.read_tree(pages[0]["id"])


def _text(prop):
    kind = prop["type"]
    return "".join(item["plain_text"] for item in prop[kind])


def _body_lines(blocks):
    """One line per block, depth first: the export's flattening."""
    from bot.convert import plain_text

    return plain_text(blocks)


def _seed_line(line: str) -> str:
    # The old publisher's defect (an unclosed leading **) and list markers are not text.
    return line.removeprefix("**").removeprefix("- ")


@pytest.mark.parametrize("week", ["W22", "W14"])
def test_publish_matches_seed_export(cli, session_factory, week):
    code, out, err = cli("publish", "--week", week, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [v["action"] for v in data["variants"]] == ["created", "created"]
    assert "embedded local workspace" in err

    props, body = seed_export(f"rec-weekly-en-2026-{week}.notion-export.txt")
    session, _ = session_factory()
    page, blocks = _live_page(session, f"rec-weekly-en-2026-{week}")
    p = page["properties"]
    assert p["type"]["select"]["name"] == props["type"][0]
    assert p["status"]["select"]["name"] == props["status"][0]
    assert _text(p["slug"]) == props["slug"][0]
    assert _text(p["summary"]) == props["summary"][0]
    assert [t["name"] for t in p["tags"]["multi_select"]] == props["tags"]
    assert p["category"]["select"]["name"] == props["category"][0]
    assert _text(p["password"]) == ""
    expected_date = datetime.strptime(props["date"][0], "%b %d, %Y %H:%M").replace(tzinfo=ZoneInfo("Asia/Shanghai"))
    assert datetime.fromisoformat(p["date"]["date"]["start"].replace("Z", "+00:00")) == expected_date
    if props["priority"]:
        assert p["priority"]["number"] == float(props["priority"][0])
        assert page["icon"] == {"type": "emoji", "emoji": props["icon"][0]}
        assert _text(p["icon"]) == props["icon"][0]
    else:
        assert p["priority"]["number"] is None
        assert page["icon"] is None

    # The first block links to the Chinese page; the rest is the export's body, line for line.
    assert blocks[0]["type"] == "callout"
    lines = _body_lines(blocks[1:])
    assert lines == [_seed_line(line) for line in body]
    assert not any("**" in line for line in lines)


def test_language_variants_link_to_each_other(cli, session_factory):
    code, _, err = cli("publish", "--week", "2026-W22")
    assert code == 0, err
    session, _ = session_factory()
    en, en_blocks = _live_page(session, "rec-weekly-en-2026-W22")
    zh, zh_blocks = _live_page(session, "rec-weekly-zh-2026-W22")
    en_link = en_blocks[0]["callout"]["rich_text"][0]
    zh_link = zh_blocks[0]["callout"]["rich_text"][0]
    assert en_link["plain_text"] == "中文版" and en_link["href"] == zh["url"]
    assert zh_link["plain_text"] == "English" and zh_link["href"] == en["url"]


def test_chinese_variant_properties_from_its_front_matter(cli, session_factory):
    from bot.source import read_variant

    assert cli("publish", "--week", "W22")[0] == 0
    session, _ = session_factory()
    zh, blocks = _live_page(session, "rec-weekly-zh-2026-W22")
    front = read_variant(session.settings.bot_content_dir / "rec-weekly/2026-W22/zh.md").front
    assert _text(zh["properties"]["title"]) == front.title
    assert _text(zh["properties"]["summary"]) == front.summary
    assert [t["name"] for t in zh["properties"]["tags"]["multi_select"]] == front.tags
    text = "\n".join(_body_lines(blocks))
    assert "**" not in text
    # CJK bold lead-ins really are bold
    bold = [
        rt["plain_text"]
        for b in blocks
        for rt in b.get(b["type"], {}).get("rich_text", [])
        if rt["annotations"]["bold"]
    ]
    assert any(t.startswith("要点") for t in bold)


def test_second_publish_writes_nothing(env, session_factory):
    from bot.engine.publish import PublishOptions, Publisher
    from bot.source import read_all, select_week

    session, transport = session_factory()
    variants = read_all(session.settings.bot_content_dir)
    week = select_week(variants, "W22")
    first = Publisher(session, variants, PublishOptions()).publish_group(week)
    assert [r.action for r in first] == ["created", "created"]
    first_writes = transport.writes
    # create en (hidden), create zh (linking en), link en to zh, reveal en: 4 writes (+ appends past 100 blocks)
    assert first_writes <= 5

    transport.reset()
    second = Publisher(session, variants, PublishOptions()).publish_group(week)
    assert [r.action for r in second] == ["unchanged", "unchanged"]
    assert transport.writes == 0
    assert all(r.writes == 0 for r in second)


def test_publish_twice_cli_reports_unchanged(cli):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("publish", "--week", "W22", "--json")
    data = json.loads(out)
    assert code == 0
    assert [v["action"] for v in data["variants"]] == ["unchanged", "unchanged"]
    assert data["requests"]["writes"] == 0
    assert {"slug", "lang", "action", "page_id", "url", "writes"} <= set(data["variants"][0])


@pytest.mark.parametrize(
    "edit, field, fragment",
    [
        (lambda t: t.replace("slug: rec-weekly-en-2026-W22\n", ""), "slug", "required field is missing"),
        (lambda t: t.replace("date: 2026-05-30 07:01", "date: next saturday"), "date", "expected a date"),
        (lambda t: t.replace("priority: 1", "priority: high"), "priority", "number"),
        (lambda t: t.replace("status: Published", "status: Published\nauthor: someone"), "author", "unknown field"),
        (lambda t: t.replace("status: Published", "status: Live"), "status", "Published"),
    ],
)
def test_invalid_front_matter_names_file_line_field(cli, env, edit, field, fragment):
    path = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    original = path.read_text(encoding="utf-8")
    path.write_text(edit(original), encoding="utf-8")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1
    line = next(l for l in err.splitlines() if f": {field}: " in l)
    assert line.startswith(f"{path}:")
    assert int(line.split(":")[1]) >= 1
    assert fragment in line
    assert "nothing was published" in err
    # nothing was written: the local workspace holds no page at all
    assert not (env / "state" / "local-notion.sqlite3").exists() or _page_count(env) == 0


def _page_count(env) -> int:
    import sqlite3

    db = sqlite3.connect(env / "state" / "local-notion.sqlite3")
    try:
        tables = [r[0] for r in db.execute("select name from sqlite_master where type='table'")]
        table = next((t for t in tables if "page" in t), None)
        return db.execute(f"select count(*) from {table}").fetchone()[0] if table else 0
    finally:
        db.close()


def test_week_selection_errors(cli, env):
    code, _, err = cli("publish", "--week", "W07")
    assert code == 1 and "no content for that week" in err and "2026-W22" in err
    other_year = env / "content" / "rec-weekly" / "2027-W22"
    other_year.mkdir()
    for lang in ("en", "zh"):
        text = (env / "content" / "rec-weekly" / "2026-W22" / f"{lang}.md").read_text(encoding="utf-8")
        (other_year / f"{lang}.md").write_text(text.replace("2026-W22", "2027-W22"), encoding="utf-8")
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and "ambiguous" in err and "2026-W22, 2027-W22" in err


def test_local_show_prints_properties_and_markdown(cli):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("local", "show", "rec-weekly-en-2026-W22")
    assert code == 0
    assert "slug: rec-weekly-en-2026-W22" in out
    assert "## Weekly Overview" in out
    assert "**ByteDance's Rec-Distill**" in out


def test_json_errors_are_data_on_stdout(cli, env):
    path = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    path.write_text(path.read_text(encoding="utf-8").replace("status: Published", "status: Live"), encoding="utf-8")
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 1
    error = json.loads(out)["error"]
    assert error["type"] == "ContentError" and error["problems"][0]["field"] == "status"
    assert error["problems"][0]["line"] == 8
