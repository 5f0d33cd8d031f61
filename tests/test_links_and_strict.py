"""Relative links between content files, and the degradation report / --strict."""

from __future__ import annotations

import json

from helpers import edit, session

LINK = "See [last issue](../2026-W14/en.md) for context."


def _link_of(workspace, slug, text):
    s, _ = session(workspace)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", slug)[0]
    for block in s.api.read_tree(page["id"]):
        for item in block.get(block["type"], {}).get("rich_text", []):
            if text in item["plain_text"]:
                return item["href"]
    raise AssertionError(f"{text!r} not found")


def test_relative_link_resolves_to_the_published_page(cli, env, workspace):
    en = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    edit(en, "## Weekly Overview\n", "## Weekly Overview\n\n" + LINK + "\n")
    # W14 not published yet: plain text, reported, and the publish still succeeds
    code, out, _ = cli("publish", "--week", "W22", "--lang", "en", "--json")
    data = json.loads(out)
    assert code == 0
    report = data["variants"][0]["report"]
    assert any(r["construct"] == "link" and r["line"] is not None for r in report)
    assert _link_of(workspace, "rec-weekly-en-2026-W22", "last issue") is None
    # once W14 exists, the next publish turns the text into a link to its page (1 write)
    assert cli("publish", "--week", "W14")[0] == 0
    code, out, _ = cli("publish", "--week", "W22", "--lang", "en", "--json")
    assert json.loads(out)["requests"]["writes"] == 1
    w14 = json.loads(cli("publish", "--week", "W14", "--json")[1])["variants"][0]["url"]
    assert _link_of(workspace, "rec-weekly-en-2026-W22", "last issue") == w14


def test_strict_turns_degradations_into_errors_before_any_write(cli, env):
    en = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    edit(en, "## Weekly Overview\n", "## Weekly Overview\n\n```cobolish\nMOVE A TO B\n```\n")
    code, out, err = cli("publish", "--week", "W22", "--strict")
    assert code == 1
    line = next(l for l in err.splitlines() if "cobolish" in l)
    assert "rec-weekly/2026-W22/en.md:" in line
    assert not (env / "state" / "local-notion.sqlite3").exists() or "created" not in out
    # --allow code-language publishes it and shows the degradation (README → The rule table)
    code, out, _ = cli("publish", "--week", "W22", "--allow", "code-language")
    assert code == 0 and "degraded:" in out and "cobolish" in out


def test_convert_json_payload(cli, env):
    code, out, _ = cli("convert", str(env / "content/rec-weekly/2026-W22/zh.md"), "--json")
    data = json.loads(out)
    assert code == 0 and set(data) == {"properties", "icon", "children", "report"}
    assert data["properties"]["slug"]["rich_text"][0]["text"]["content"] == "rec-weekly-zh-2026-W22"
    assert data["report"] == []
    assert not any(
        "**" in rt["text"]["content"]
        for b in data["children"]
        for rt in b[b["type"]].get("rich_text", [])
        if rt["type"] == "text"
    )


def test_link_to_a_page_created_in_the_same_run_is_completed_in_that_run(cli, env, workspace):
    en = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    edit(en, "## Weekly Overview\n", "## Weekly Overview\n\nRead it [in Chinese](zh.md).\n")
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert code == 0
    data = json.loads(out)
    zh_url = data["variants"][1]["url"]
    assert _link_of(workspace, "rec-weekly-en-2026-W22", "in Chinese") == zh_url
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert json.loads(out)["requests"]["writes"] == 0
