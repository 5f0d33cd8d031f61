"""Publish economics: exact request counts — one series query, page records that skip unchanged
trees (present / absent / stale / human edit / trashed page), links without rereads."""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from pathlib import Path

import pytest

from bot.errors import DriftError
from helpers import edit, human_api, live_state, publish, session

EN = "rec-weekly-en-2026-W22"
ZH = "rec-weekly-zh-2026-W22"
ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")

QUERY = "POST /v1/data_sources/{id}/query"
SETUP = Counter({"GET /v1/databases/{id}": 1, "GET /v1/data_sources/{id}": 1, QUERY: 1})
TREE = "GET /v1/blocks/{id}/children"
ME = "GET /v1/users/me"


def kinds(transport) -> Counter:
    return Counter(f"{method} {ID.sub('{id}', path)}" for method, path in transport.requests)


def records_dir() -> Path:
    return Path(os.environ["BOT_STATE_DIR"]) / "published"


def test_fresh_week_is_the_floor(workspace):
    """Two creates, one language link and one reveal; no tree read; one more series query,
    after the creates, that looks for twins made by another publisher meanwhile. en goes up
    hidden (Draft: it cannot carry its link yet) and is published in one property update once
    its link is in — the one request hidden-until-complete costs a new pair; zh goes up whole,
    link included, in one request, so it needs no reveal."""
    results, transport = publish(workspace)
    assert kinds(transport) == SETUP + Counter(
        {"POST /v1/pages": 2, "PATCH /v1/blocks/{id}/children": 1, "PATCH /v1/pages/{id}": 1, QUERY: 1}
    )
    assert [r.writes for r in results] == [3, 1]
    writes = [f"{m} {ID.sub('{id}', p)}" for m, p in transport.requests if m != "GET" and not p.endswith("/query")]
    assert writes == [
        "POST /v1/pages",
        "POST /v1/pages",
        "PATCH /v1/blocks/{id}/children",
        "PATCH /v1/pages/{id}",
    ]  # the reveal last
    assert live_state(workspace, EN)[1][0] == "中文版" and live_state(workspace, ZH)[1][0] == "English"
    assert {p.name for p in records_dir().glob("*.json")} == {f"{EN}.json", f"{ZH}.json"}


def test_record_present_nothing_changed_reads_no_tree(published):
    results, transport = publish(published)
    assert [r.action for r in results] == ["unchanged", "unchanged"]
    assert kinds(transport) == SETUP


def test_record_absent_reads_every_tree_then_records(published):
    for path in records_dir().glob("*.json"):
        path.unlink()
    results, transport = publish(published)
    assert [r.action for r in results] == ["unchanged", "unchanged"]
    assert kinds(transport) == SETUP + Counter({ME: 1, TREE: 2})
    _, transport = publish(published)
    assert kinds(transport) == SETUP


def test_unreadable_record_counts_as_absent(published):
    (records_dir() / f"{EN}.json").write_text("{not json", encoding="utf-8")
    _, transport = publish(published)
    assert kinds(transport) == SETUP + Counter({ME: 1, TREE: 1})


@pytest.mark.parametrize("field", ["last_edited_time", "last_edited_by", "page_id", "blocks_sha"])
def test_stale_record_reads_the_tree(published, field):
    path = records_dir() / f"{EN}.json"
    record = json.loads(path.read_text(encoding="utf-8"))
    record[field] = "2020-01-01T00:00:00.000Z" if field == "last_edited_time" else "0" * 32
    path.write_text(json.dumps(record), encoding="utf-8")
    results, transport = publish(published)
    assert [r.action for r in results] == ["unchanged", "unchanged"]
    assert kinds(transport) == SETUP + Counter({ME: 1, TREE: 1})
    assert json.loads(path.read_text(encoding="utf-8"))[field] != record[field]  # recorded again


def test_human_block_edit_after_the_last_publish_is_still_drift(published):
    """The record exists and the content did not change, but a person edited a block: Notion
    stamps the page (last_edited_by, last_edited_time), so the tree is read and drift found."""
    s, _ = session(published)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN)[0]
    paragraph = next(b for b in s.api.list_children(page["id"]) if b["type"] == "paragraph")
    human_api(published).update_block(
        paragraph["id"],
        {
            "type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Edited by a person."}}]},
        },
    )
    with pytest.raises(DriftError) as err:
        publish(published)
    assert EN in str(err.value) and ZH not in str(err.value)
    results, _ = publish(published, dry_run=True)
    assert results[0].plan.drift.block_ids == [paragraph["id"]]
    # a person editing a property is drift too
    results, transport = publish(published, on_drift="overwrite")
    assert "Edited by a person." not in live_state(published, EN)[1]


def test_human_property_edit_is_drift_with_a_record(published):
    s, _ = session(published)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN)[0]
    human_api(published).update_page(
        page["id"],
        properties={"summary": {"rich_text": [{"type": "text", "text": {"content": "A person's summary."}}]}},
    )
    results, transport = publish(published, dry_run=True)
    assert results[0].plan.drift and results[0].plan.drift.page_edited_by
    assert kinds(transport)[TREE] == 1


def test_page_trashed_in_notion_is_created_again(published):
    s, _ = session(published)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN)[0]
    human_api(published).update_page(page["id"], in_trash=True)
    results, transport = publish(published)
    assert [r.action for r in results] == ["created", "updated"]
    # en created already linked to zh; zh's callout updated to the new en page in its own
    # update (one block update) — the trashed page's tree is never read
    assert kinds(transport) == SETUP + Counter(
        {"POST /v1/pages": 1, ME: 1, TREE: 1, "PATCH /v1/blocks/{id}": 1, QUERY: 1}
    )
    new_id = results[0].plan.page_id
    assert new_id != page["id"]
    assert json.loads((records_dir() / f"{EN}.json").read_text(encoding="utf-8"))["page_id"] == new_id
    _, transport = publish(published)
    assert kinds(transport) == SETUP


def test_one_paragraph_edited_reads_one_tree_writes_once(published, en_path):
    edit(
        en_path,
        "This week's recommendation system research clusters around three technical threads.",
        "This week's research clusters around three threads.",
    )
    results, transport = publish(published)
    assert [r.action for r in results] == ["updated", "unchanged"]
    assert kinds(transport) == SETUP + Counter({ME: 1, TREE: 1, "PATCH /v1/blocks/{id}": 1})
    _, transport = publish(published)  # recorded from the update's response
    assert kinds(transport) == SETUP


def test_one_property_changed_reads_no_tree(published, en_path):
    edit(en_path, "status: Published", "status: Invisible")
    results, transport = publish(published)
    assert [r.action for r in results] == ["updated", "unchanged"]
    assert kinds(transport) == SETUP + Counter({"PATCH /v1/pages/{id}": 1})
    _, transport = publish(published)
    assert kinds(transport) == SETUP


def test_all_weeks_are_one_query(cli):
    code, out, _ = cli("publish", "--all", "--json")
    assert code == 0
    data = json.loads(out)
    assert [v["action"] for v in data["variants"]] == ["created"] * 4
    # 2 set-up reads + 1 query + 1 query for twins once the pages exist; 4 creates + 2 language
    # links + 2 reveals (the first page of each new pair goes up hidden until its link is in)
    assert data["requests"] == {"reads": 4, "writes": 8, "retries": 0, "rate_limited": 0}
    code, out, _ = cli("publish", "--all", "--json")
    assert json.loads(out)["requests"] == {"reads": 3, "writes": 0, "retries": 0, "rate_limited": 0}


def test_duplicates_are_found_in_the_series_query(published):
    from bot.errors import DuplicatePagesError

    s, _ = session(published)
    target = s.target("en")
    human_api(published).create_page(
        {"type": "data_source_id", "data_source_id": target.data_source_id},
        {"title": {"title": [{"text": {"content": "copy"}}]}, "slug": {"rich_text": [{"text": {"content": EN}}]}},
    )
    with pytest.raises(DuplicatePagesError) as err:
        publish(published)
    assert "2 pages have slug" in str(err.value)


def test_series_index_lists_pages_by_slug(published):
    """The index issue-17's duplicate healing builds on: every page of the series, by slug."""
    from bot.engine.publish import Publisher, PublishOptions
    from bot.source import read_all

    s, transport = session(published)
    publisher = Publisher(s, read_all(s.settings.bot_content_dir), PublishOptions())
    index = publisher.reader.index("en")
    assert (
        index.slugs() == [EN, ZH] and len(index.pages_for(EN)) == 1 and index.pages_for("rec-weekly-en-2026-W14") == []
    )
    assert index.covers("rec-weekly-en-2030-W01") and not index.covers("other-en-2026-W22")
    assert kinds(transport)[QUERY] == 1


def _parses(cli, env, monkeypatch, *args) -> tuple[list[str], list[str]]:
    from bot.convert import blockstream
    from bot.convert.parser import get_parser
    from bot.source import read_all

    parser = get_parser()
    parsed: list[str] = []
    original = parser.parse
    monkeypatch.setattr(parser, "parse", lambda text, env=None: parsed.append(text) or original(text, env))
    steps = blockstream._block_steps  # a body parsed one top-level block at a time counts too
    monkeypatch.setattr(blockstream, "_block_steps", lambda md, state: parsed.append(state.src) or steps(md, state))
    code, _, _ = cli("publish", *args, "-q")
    assert code == 0
    return parsed, [v.body for v in read_all(env / "content")]


def test_a_week_is_parsed_once_per_publish(cli, env, monkeypatch):
    """Validation (preflight) and conversion of one week share one markdown-it parse per file."""
    parsed, bodies = _parses(cli, env, monkeypatch, "--week", "W22")
    w22 = [b for b in bodies if b in parsed]
    assert len(w22) == 2 and sorted(t for t in parsed if t in bodies) == sorted(w22)  # each exactly once


def test_over_several_weeks_no_parse_is_held_between_validation_and_conversion(cli, env, monkeypatch):
    """Over several weeks each file's parse is dropped once validated, and a page to create
    has its blocks made again when its week is applied (memory holds one week's, not the
    archive's): a first publish parses each body three times, a later one twice."""
    parsed, bodies = _parses(cli, env, monkeypatch, "--all")
    assert sorted(t for t in parsed if t in bodies) == sorted(bodies * 3)
    parsed.clear()
    code, _, _ = cli("publish", "--all", "-q")
    assert code == 0 and sorted(t for t in parsed if t in bodies) == sorted(bodies * 2)


def test_relative_link_between_new_pages_needs_no_read(cli, env, workspace):
    """en links to zh.md: zh is created first (hidden), en is created with both links (whole,
    so shown at once), zh gets its callout and then its reveal — four writes, no tree read (one
    more series query looks for twins)."""
    en = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    edit(en, "## Weekly Overview\n", "## Weekly Overview\n\nRead it [in Chinese](zh.md).\n")
    code, out, _ = cli("publish", "--week", "W22", "--json")
    data = json.loads(out)
    assert code == 0 and data["requests"] == {"reads": 4, "writes": 4, "retries": 0, "rate_limited": 0}
    assert [v["action"] for v in data["variants"]] == ["created", "created"]
    assert [v["writes"] for v in data["variants"]] == [1, 3]
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert json.loads(out)["requests"] == {"reads": 3, "writes": 0, "retries": 0, "rate_limited": 0}
