"""Issue 23: `validate` warns about dates that would send one language out on another day or
long after its week (rule `dates`); the footnotes heading is in the page's language."""

from __future__ import annotations

import json
import re

import pytest

W22 = "2026-W22"


def set_date(path, value: str) -> None:
    text = path.read_text(encoding="utf-8")
    new, n = re.subn(r"^date: .*$", f"date: {value}", text, count=1, flags=re.M)
    assert n == 1
    path.write_text(new, encoding="utf-8")


def warnings(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": warning: date: " in line]


def test_en_and_zh_a_year_apart_are_named_together(cli, content):
    folder = content / W22
    set_date(folder / "en.md", "2027-05-30 07:01")
    code, out, err = cli("validate", str(folder))
    assert code == 0, out + err  # a warning
    found = warnings(out)
    assert any(
        line.startswith(
            f"{folder / 'en.md'}:9:7: warning: date: date 2027-05-30 07:01 is 364 days after the end of 2026-W22 "
            "(2026-05-25 – 2026-05-31)"
        )
        for line in found
    ), found
    assert any(
        line.startswith(f"{folder / 'zh.md'}:9:7: warning: date: date 2026-05-30 07:01 and en's 2027-05-30 07:01 (")
        and "en.md:9) are 365 days apart" in line
        for line in found
    ), found
    code, out, _ = cli("validate", "--strict", str(folder))
    assert code == 1 and "error: date: date 2026-05-30 07:01 and en's" in out


def test_dates_within_a_day_and_a_postponed_week_pass(cli, content):
    folder = content / W22
    set_date(folder / "zh.md", "2026-05-31 06:00")  # 23 hours after en
    code, out, _ = cli("validate", str(folder))
    assert code == 0 and warnings(out) == []
    set_date(folder / "en.md", "2026-06-07 07:00")
    set_date(folder / "zh.md", "2026-06-07 07:00")  # 7 days after the week: postponed, not a typo
    code, out, _ = cli("validate", str(folder))
    assert code == 0 and warnings(out) == []


def test_a_date_more_than_a_week_after_its_week_is_reported_on_each_file(cli, content):
    folder = content / W22
    for lang in ("en", "zh"):
        set_date(folder / f"{lang}.md", "2026-06-08")
    code, out, _ = cli("validate", str(folder))
    found = warnings(out)
    assert len(found) == 2 and all("date 2026-06-08 is 8 days after the end of 2026-W22" in line for line in found), (
        found
    )


def test_publish_lists_the_date_warning_and_strict_refuses_it(cli, content):
    set_date(content / W22 / "zh.md", "2026-06-02 07:01")
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0 and re.search(
        r"degraded: .*zh\.md:9: dates: date 2026-06-02 07:01 and en's 2026-05-30 07:01 \(.*\) are 3 days apart", out
    ), out
    code, _, err = cli("publish", "--week", "W22", "--dry-run", "--strict")
    assert code == 1 and "are 3 days apart" in err


FOOTNOTED = {"en": "## Weekly Overview\n", "zh": "## 本周概览\n"}


@pytest.mark.parametrize("lang, heading", [("en", "Footnotes"), ("zh", "脚注")])
def test_the_footnotes_heading_is_in_the_page_language(cli, content, lang, heading):
    path = content / W22 / f"{lang}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace(FOOTNOTED[lang], FOOTNOTED[lang] + "\nNoted.[^1]\n\n[^1]: A note.\n", 1), encoding="utf-8"
    )
    code, out, _ = cli("convert", str(path), "--json")
    assert code == 0
    data = json.loads(out)
    headings = [b["heading_3"]["rich_text"][0]["text"]["content"] for b in data["children"] if b["type"] == "heading_3"]
    assert headings[-1] == heading
    assert any(f"final '{heading}' section" in d["message"] for d in data["report"])
    assert cli("publish", "--week", "W22", "--lang", lang, "--allow", "variant")[0] == 0
    code, out, _ = cli("local", "show", f"rec-weekly-{lang}-2026-W22")
    assert code == 0 and f"### {heading}" in out


def test_a_mapping_without_footnotes_headings_keeps_the_english_one(cli, content, env, monkeypatch):
    from conftest import ROOT

    mapping = env / "mapping.yaml"
    text = (ROOT / "mappings" / "rec-weekly.yaml").read_text(encoding="utf-8")
    mapping.write_text(re.sub(r"footnotes_heading:.*\n(  .*\n)*", "", text), encoding="utf-8")
    assert "footnotes_heading" not in mapping.read_text(encoding="utf-8")
    monkeypatch.setenv("BOT_MAPPING", str(mapping))
    path = content / W22 / "zh.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n正文[^1]。\n\n[^1]: 注释。\n", encoding="utf-8")
    code, out, _ = cli("convert", str(path), "--json")
    assert (
        code == 0
        and [b for b in json.loads(out)["children"] if b["type"] == "heading_3"][-1]["heading_3"]["rich_text"][0][
            "text"
        ]["content"]
        == "Footnotes"
    )


def test_the_zh_footnotes_heading_over_http(env, cli, monkeypatch, content):
    """The same through the real-Notion code path: NOTION_TOKEN + `bot local serve`."""
    import os

    import httpx

    from bot.local import LocalWorkspace, serve
    from bot.mapping import load_mapping
    from conftest import ROOT

    ws = LocalWorkspace(env / "remote.sqlite3", bot_token="ntn_test_secret_0123456789")
    database_id, _ = ws.ensure_database("Blog", load_mapping(ROOT / "mappings" / "rec-weekly.yaml").database_schema())
    handle = serve(ws, port=0)
    try:
        monkeypatch.setenv("NOTION_TOKEN", ws.bot_token)
        monkeypatch.setenv("NOTION_BASE_URL", handle.url)
        monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
        path = content / W22 / "zh.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n正文[^1]。\n\n[^1]: 注释。\n", encoding="utf-8")
        code, out, err = cli("publish", "--week", "W22", "--json")
        assert code == 0, err
        page_id = next(v["page_id"] for v in json.loads(out)["variants"] if v["lang"] == "zh")
        headers = {
            "Authorization": f"Bearer {ws.bot_token}",
            "Notion-Version": os.environ.get("NOTION_VERSION", "2025-09-03"),
        }
        blocks = httpx.get(f"{handle.url}/v1/blocks/{page_id}/children?page_size=100", headers=headers).json()[
            "results"
        ]
        headings = [b["heading_3"]["rich_text"][0]["plain_text"] for b in blocks if b["type"] == "heading_3"]
        assert headings[-1] == "脚注" and "Footnotes" not in headings
    finally:
        handle.shutdown()
