"""Issue 24 "Twins healed … leave no live page linking to a trashed one": hosts with one token
and their own state dirs heal twins; afterwards every live page's language link points at the
live sibling, and every host's rerun finds nothing left to do (or repairs what it finds).

The hosts share a workspace served over HTTP whose clock stands still, so every write is in
the same minute by the same user — the case where a page's `last_edited_*` cannot show one
host that another rewrote a link (the page records' residual risk)."""

from __future__ import annotations

import json
import re

import pytest

from bot.clock import VirtualClock
from bot.notion import NotionAPI

from .conftest import TOKEN, assert_clean

EN, ZH = "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"


@pytest.fixture
def frozen(env, mini, monkeypatch):
    """A served workspace on a clock that does not move; returns (api, cli-per-host)."""
    from bot.local import LocalWorkspace, serve
    from bot.mapping import load_mapping
    from conftest import ROOT

    ws = LocalWorkspace(env / "remote.sqlite3", bot_token=TOKEN, clock=VirtualClock())
    database_id, _ = ws.ensure_database("Blog", load_mapping(ROOT / "mappings" / "rec-weekly.yaml").database_schema())
    handle = serve(ws, port=0)
    ws.public_base_url = handle.url
    monkeypatch.setenv("NOTION_TOKEN", TOKEN)
    monkeypatch.setenv("NOTION_BASE_URL", handle.url)
    monkeypatch.setenv("NOTION_DATABASE_ID", database_id)
    api = NotionAPI(auth=TOKEN, base_url=handle.url, rate=1000)
    data_source = api.retrieve_database(database_id)["data_sources"][0]["id"]
    yield api, data_source
    api.close()
    handle.shutdown()
    ws.close()


def _host(cli, monkeypatch, env, name, *args):
    monkeypatch.setenv("BOT_STATE_DIR", str(env / f"state-{name}"))
    code, out, err = cli(*args)
    assert_clean(out, err)
    assert "internal error" not in err
    return code, out, err


def _live(api, data_source, slug):
    return api.find_pages(data_source, "slug", "rich_text", slug)


def _stale_links(api, data_source) -> list[str]:
    """Live pages whose language callout links to a page that is not live."""
    live_ids = {p["id"].replace("-", "") for slug in (EN, ZH) for p in _live(api, data_source, slug)}
    stale = []
    for slug in (EN, ZH):
        for page in _live(api, data_source, slug):
            first = api.list_children(page["id"])[0]
            url = first["callout"]["rich_text"][0]["text"]["link"]["url"]
            if re.search(r"[0-9a-f]{32}", url).group(0) not in live_ids:
                stale.append(f"{slug} -> {url}")
    return stale


def test_a_healing_rerun_relinks_a_page_that_links_to_the_trashed_twin(frozen, cli, monkeypatch, env):
    api, ds = frozen
    assert _host(cli, monkeypatch, env, "A", "publish", "--week", "W22")[0] == 0
    zh_a = _live(api, ds, ZH)[0]["id"]
    # Host B publishes while A's zh page is out of its sight (created concurrently, not yet
    # visible): B creates a zh twin and points A's en page at it. Repeated until the twin sorts
    # after A's page (same created minute: the id decides), so healing keeps A's zh page.
    for attempt in range(30):
        api.update_page(zh_a, in_trash=True)
        assert _host(cli, monkeypatch, env, f"B{attempt}", "publish", "--week", "W22")[0] == 0
        zh_b = _live(api, ds, ZH)[0]["id"]
        api.update_page(zh_a, in_trash=False)
        if zh_b > zh_a:
            break
        api.update_page(zh_b, in_trash=True)  # the twin would stay: try again
    else:
        pytest.fail("no twin sorted after the first page in 30 attempts")
    assert len(_live(api, ds, ZH)) == 2

    # Host A runs again: it heals the twins (keeps its zh page, trashes B's) — and its en
    # page, which B pointed at B's twin, must not keep that link.
    code, out, err = _host(cli, monkeypatch, env, "A", "publish", "--week", "W22", "--json")
    assert code == 0, err
    assert "kept the oldest " + zh_a in err
    assert [p["id"] for p in _live(api, ds, ZH)] == [zh_a] and len(_live(api, ds, EN)) == 1
    assert _stale_links(api, ds) == []

    # Every host's rerun: nothing to do; no live page links into the trash.
    for name in ("A", f"B{attempt}", "C"):
        code, out, err = _host(
            cli, monkeypatch, env, name, "publish", "--week", "W22", "--dry-run", "--detailed-exitcode"
        )
        assert code == 0, (name, out, err)
    assert _stale_links(api, ds) == []


def test_a_stale_link_is_found_by_the_healing_hosts_next_run(frozen, cli, monkeypatch, env):
    """The link went stale after the healing run looked (another host's late write): the
    healing host's next run reads the healed week's pages again and repairs it."""
    api, ds = frozen
    assert _host(cli, monkeypatch, env, "A", "publish", "--week", "W22")[0] == 0
    en, zh = _live(api, ds, EN)[0], _live(api, ds, ZH)[0]
    api.update_page(zh["id"], in_trash=True)
    assert _host(cli, monkeypatch, env, "B", "publish", "--week", "W22")[0] == 0
    twin = _live(api, ds, ZH)[0]
    api.update_page(zh["id"], in_trash=False)
    code, out, err = _host(cli, monkeypatch, env, "A", "publish", "--week", "W22")  # heals, one way or the other
    assert code == 0, err
    kept = _live(api, ds, ZH)[0]
    gone = twin if kept["id"] == zh["id"] else zh
    # A late write of a host that had not seen the healing: the en page links to the trashed twin.
    callout = api.list_children(en["id"])[0]
    api.update_block(
        callout["id"],
        {
            "type": "callout",
            "callout": {
                **callout["callout"],
                "rich_text": [{"type": "text", "text": {"content": "中文版", "link": {"url": gone["url"]}}}],
            },
        },
    )
    assert _stale_links(api, ds)
    code, out, err = _host(cli, monkeypatch, env, "A", "publish", "--week", "W22", "--json")
    assert code == 0, err
    assert [v["action"] for v in json.loads(out)["variants"]] == ["updated", "unchanged"]
    assert _stale_links(api, ds) == []
