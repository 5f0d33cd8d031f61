"""Hidden until complete (README → How publishing works): a new page goes up as `status: Draft`
and becomes `Published` in one property update only once all its blocks and its language link
are in; a page a run left hidden is completed, without duplicate blocks, and then published by
the next run. Pages already live are never hidden; Draft and Invisible pages go up as they are.
Real processes are killed with SIGKILL, and a 400 mid-append goes through `bot local serve`."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from bot.local import LocalWorkspace
from helpers import Killed, KillAfter, edit, live_state, publish, session

EN = "rec-weekly-en-2026-W22"
ZH = "rec-weekly-zh-2026-W22"
ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
FILLER = "Filler paragraph number {}."
CREATE_EN = 3  # requests of a fresh W22 publish: database, data source, series query, then en's create


def statuses(ws: LocalWorkspace, slug: str) -> list[str | None]:
    """The status of every page with `slug` (one entry per page)."""
    s, _ = session(ws)
    pages = s.api.find_pages(s.target("zh" if "-zh-" in slug else "en").data_source_id, "slug", "rich_text", slug)
    return [(p["properties"]["status"]["select"] or {}).get("name") for p in pages]


def grow(path: Path, paragraphs: int) -> None:
    """Append `paragraphs` short paragraphs to a content file: a page of more than 100 blocks."""
    text = path.read_text(encoding="utf-8").rstrip("\n")
    path.write_text(text + "\n\n" + "\n\n".join(FILLER.format(i) for i in range(paragraphs)) + "\n", encoding="utf-8")


def expected_lines(env: Path) -> dict[str, list[str]]:
    """What a clean publish of the test's content leaves in Notion (another workspace)."""
    state = os.environ["BOT_STATE_DIR"]
    os.environ["BOT_STATE_DIR"] = str(env / "expected-state")  # its page records stay apart
    try:
        ws = LocalWorkspace(":memory:")
        publish(ws)
        return {slug: live_state(ws, slug)[1] for slug in (EN, ZH)}
    finally:
        os.environ["BOT_STATE_DIR"] = state


def writes(transport) -> list[str]:
    return [f"{m} {ID.sub('{id}', p)}" for m, p in transport.requests if m != "GET" and not p.endswith("/query")]


def zh_path(env: Path) -> Path:
    return env / "content" / "rec-weekly" / "2026-W22" / "zh.md"


# ------------------------------------------------------------------ in process
def test_killed_after_the_first_create_the_page_is_hidden_and_the_next_run_publishes_it(workspace, env, cli):
    expected = expected_lines(env)
    with pytest.raises(Killed):
        publish(workspace, wrap=lambda inner: KillAfter(inner, CREATE_EN))
    assert statuses(workspace, EN) == ["Draft"] and statuses(workspace, ZH) == []
    assert live_state(workspace, EN)[1][0] != "中文版"  # no language link yet: not shown
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0
    assert "~ status: Draft → Published" in out and "status: Draft → Published goes last, once the blocks are in" in out
    assert "left status: Draft by a run that stopped before the page was complete" in out
    results, transport = publish(workspace)
    assert [r.action for r in results] == ["updated", "created"]
    # zh goes up whole (linked to en) in one request; en gets its link, then its reveal
    assert writes(transport) == ["POST /v1/pages", "PATCH /v1/blocks/{id}/children", "PATCH /v1/pages/{id}"]
    for slug in (EN, ZH):
        assert statuses(workspace, slug) == ["Published"] and live_state(workspace, slug)[1] == expected[slug]
    assert publish(workspace)[1].writes == 0


def test_large_page_killed_between_chunks_stays_hidden_and_is_completed_once(workspace, env, en_path):
    grow(en_path, 130)
    expected = expected_lines(env)
    with pytest.raises(Killed):  # right after en's create, which carries its first 100 blocks
        publish(workspace, wrap=lambda inner: KillAfter(inner, CREATE_EN))
    assert statuses(workspace, EN) == ["Draft"]
    assert len(live_state(workspace, EN)[1]) < len(expected[EN])
    results, _ = publish(workspace)
    assert statuses(workspace, EN) == ["Published"] and statuses(workspace, ZH) == ["Published"]
    lines = live_state(workspace, EN)[1]
    assert lines == expected[EN] and all(lines.count(FILLER.format(i)) == 1 for i in range(130))
    assert publish(workspace)[1].writes == 0


def test_a_400_mid_append_leaves_the_page_hidden_and_says_so(env, cli, monkeypatch, en_path):
    grow(en_path, 130)
    expected = expected_lines(env)
    # Notion refuses the first append after en's create: its second chunk of blocks
    monkeypatch.setenv(
        "BOT_LOCAL_FAULTS",
        json.dumps([{"kind": "status", "status": 400, "method": "PATCH", "path": "/children$", "times": 1}]),
    )
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1 and "Traceback" not in err and "internal error" not in err
    assert "Notion 400 validation_error" in err
    assert (
        f"{EN} stays hidden (status: Draft: not shown on the blog) until a publish completes it and sets status: Published"
        in err
    )
    ws = LocalWorkspace(env / "state" / "local-notion.sqlite3")
    assert statuses(ws, EN) == ["Draft"] and statuses(ws, ZH) == []
    monkeypatch.delenv("BOT_LOCAL_FAULTS")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    for slug in (EN, ZH):
        assert statuses(ws, slug) == ["Published"] and live_state(ws, slug)[1] == expected[slug]


def test_a_400_on_the_language_link_leaves_the_first_page_hidden(env, cli, monkeypatch):
    expected = expected_lines(env)
    monkeypatch.setenv(
        "BOT_LOCAL_FAULTS",
        json.dumps([{"kind": "status", "status": 400, "method": "PATCH", "path": "/children$", "times": 1}]),
    )
    code, _, err = cli("publish", "--week", "W22")
    assert code == 1 and f"{EN} stays hidden (status: Draft: not shown on the blog)" in err
    ws = LocalWorkspace(env / "state" / "local-notion.sqlite3")
    assert statuses(ws, EN) == ["Draft"] and live_state(ws, EN)[1][0] != "中文版"
    monkeypatch.delenv("BOT_LOCAL_FAULTS")
    code, _, err = cli("publish", "--week", "W22")
    assert code == 0, err
    for slug in (EN, ZH):
        assert statuses(ws, slug) == ["Published"] and live_state(ws, slug)[1] == expected[slug]


def test_a_new_pair_costs_one_request_more_and_only_the_first_page_is_held_back(workspace, cli):
    code, out, _ = cli("publish", "--week", "W22", "--dry-run", "--json")
    plans = {v["slug"]: v["plan"] for v in json.loads(out)["variants"]}
    assert plans[EN]["hidden_until_complete"] == {"property": "status", "hidden": "Draft", "shown": "Published"}
    assert plans[ZH]["hidden_until_complete"] is None  # created whole, its link included
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert (
        out.count(
            "hidden: goes up as status: Draft until its blocks and its language link are in, then status: Published (1 more request)"
        )
        == 1
    )
    results, transport = publish(workspace)
    assert Counter(writes(transport))["PATCH /v1/pages/{id}"] == 1  # one reveal for the pair
    assert [r.writes for r in results] == [3, 1]


def test_a_large_second_page_is_written_first_so_the_pair_still_costs_one_reveal(workspace, env):
    """zh does not fit its create request: it is created first (hidden, then its link and its
    reveal), and en, which fits, goes up whole with its link — one reveal, not two."""
    grow(zh_path(env), 130)
    expected = expected_lines(env)
    results, transport = publish(workspace)
    assert Counter(writes(transport))["PATCH /v1/pages/{id}"] == 1
    created = [row[0] for row in workspace.store.conn.execute("SELECT id FROM pages ORDER BY seq")]
    assert created == [results[1].plan.page_id, results[0].plan.page_id]  # zh first
    for slug in (EN, ZH):
        assert statuses(workspace, slug) == ["Published"] and live_state(workspace, slug)[1] == expected[slug]


@pytest.mark.parametrize("status", ["Draft", "Invisible"])
def test_draft_and_invisible_pages_go_up_as_they_are(workspace, env, en_path, status):
    edit(en_path, "status: Published", f"status: {status}")
    edit(zh_path(env), "status: Published", f"status: {status}")
    grow(en_path, 130)
    with pytest.raises(Killed):  # mid-build the page already has its own (hidden) status
        publish(workspace, wrap=lambda inner: KillAfter(inner, CREATE_EN))
    assert statuses(workspace, EN) == [status]
    results, transport = publish(workspace)
    assert "PATCH /v1/pages/{id}" not in writes(transport)  # nothing to reveal
    assert statuses(workspace, EN) == [status] and statuses(workspace, ZH) == [status]


def test_live_pages_are_never_hidden_by_an_update(published, en_path):
    """An update of a live page stays a minimal diff: no status write, even for a body that
    grows by more than 100 blocks, and a run killed half way leaves the page Published."""
    grow(en_path, 130)
    with pytest.raises(Killed):
        publish(published, wrap=lambda inner: KillAfter(inner, 4))  # set-up, query, tree read, then the first append
    assert statuses(published, EN) == ["Published"]
    _, transport = publish(published)
    assert "PATCH /v1/pages/{id}" not in writes(transport)
    assert statuses(published, EN) == ["Published"] and live_state(published, EN)[1].count(FILLER.format(129)) == 1


def test_front_matter_turned_published_goes_out_after_the_new_blocks(published, en_path):
    """Draft → Published together with new content: the status goes last (one request, as before)."""
    edit(en_path, "status: Published", "status: Draft")
    publish(published)
    edit(en_path, "status: Draft", "status: Published")
    edit(en_path, "## Directions to Watch\n", "## Directions to Watch\n\nA brand new paragraph.\n")
    results, transport = publish(published)
    assert writes(transport) == ["PATCH /v1/blocks/{id}/children", "PATCH /v1/pages/{id}"]
    assert results[0].plan.reveal is not None and results[0].plan.writes_planned == 2


def test_a_page_left_hidden_waits_when_its_date_moves_to_the_future(workspace, cli, en_path, env):
    """The due rule still holds: the hidden page of an interrupted run is not published
    before its (new) date."""
    with pytest.raises(Killed):
        publish(workspace, wrap=lambda inner: KillAfter(inner, CREATE_EN))
    edit(en_path, "date: 2026-05-30 07:01", "date: 2099-05-30 07:01")
    edit(zh_path(env), "date: 2026-05-30 07:01", "date: 2099-05-30 07:01")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert statuses(workspace, EN) == ["Draft"] and statuses(workspace, ZH) == []


def test_twins_complete_but_for_their_reveal_heal(workspace):
    """Two hosts without a shared lock, both stopped just before their reveal: both twins hold
    the content, hidden; the oldest stays and is published, the other goes to the trash."""
    publish(workspace)
    s, _ = session(workspace)
    first = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN)
    s.api.update_page(first[0]["id"], in_trash=True)
    publish(workspace)  # a second en page, linked from zh
    s.api.update_page(first[0]["id"], in_trash=False)
    for page in s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", EN):
        s.api.update_page(page["id"], properties={"status": {"select": {"name": "Draft"}}})
    assert statuses(workspace, EN) == ["Draft", "Draft"]
    publish(workspace)
    assert statuses(workspace, EN) == ["Published"] and statuses(workspace, ZH) == ["Published"]
    assert live_state(workspace, EN)[1][0] == "中文版"


@pytest.mark.parametrize(
    "rule, message",
    [
        ("{field: title, hidden: Draft, applies_to: [Published]}", "must be a field mapped to a select property"),
        ("{field: status, hidden: Published, applies_to: [Published]}", "is one of the values it holds back"),
        (
            "{field: status, hidden: Hidden, applies_to: [Published]}",
            "is not one of status's options (Published, Draft, Invisible)",
        ),
    ],
)
def test_a_wrong_hide_until_complete_rule_is_named(env, cli, monkeypatch, rule, message):
    from conftest import ROOT

    text = (ROOT / "mappings" / "rec-weekly.yaml").read_text(encoding="utf-8")
    mapping = env / "mapping.yaml"
    mapping.write_text(
        re.sub(r"^hide_until_complete: .*$", f"hide_until_complete: {rule}", text, flags=re.M), encoding="utf-8"
    )
    monkeypatch.setenv("BOT_MAPPING", str(mapping))
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and message in err and "Traceback" not in err


# ------------------------------------------------------------------ real processes
def _pages_in(db: Path) -> int:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("SELECT count(*) FROM pages").fetchone()[0]
    except sqlite3.Error:
        return 0  # not created yet


def _kill_once_a_page_exists(argv: list[str], cwd: Path, db: Path, faults: list[dict]) -> None:
    """Run `python -m bot ARGV`; SIGKILL it as soon as its first page is in the workspace.
    `faults` hold it there (a 429 with a 100-s Retry-After on the request after)."""
    environment = dict(os.environ, BOT_LOCAL_FAULTS=json.dumps(faults))
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *argv],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _pages_in(db) == 0:
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the publish never created a page"
            time.sleep(0.05)  # polling another process
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL


def _bot(*argv: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k != "BOT_LOCAL_FAULTS"} | (env or {})
    return subprocess.run(
        [sys.executable, "-m", "bot", *argv], cwd=cwd, env=environment, capture_output=True, text=True, timeout=300
    )


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_after_the_first_create_then_the_next_run_publishes(env):
    expected = expected_lines(env)
    db = env / "state" / "local-notion.sqlite3"
    asleep = [{"kind": "rate_limited", "at": CREATE_EN + 1, "retry_after": 100}]  # the request after en's create
    _kill_once_a_page_exists(["publish", "--week", "W22"], env, db, asleep)
    ws = LocalWorkspace(db)
    assert statuses(ws, EN) == ["Draft"] and statuses(ws, ZH) == []  # not on the blog
    done = _bot("publish", "--week", "W22", "--json", cwd=env)
    assert done.returncode == 0, done.stderr
    assert [v["action"] for v in json.loads(done.stdout)["variants"]] == ["updated", "created"]
    for slug in (EN, ZH):
        assert statuses(ws, slug) == ["Published"] and live_state(ws, slug)[1] == expected[slug]


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigkill_between_chunks_of_a_large_page_then_completed_without_duplicates(env, en_path):
    grow(en_path, 130)
    expected = expected_lines(env)
    db = env / "state" / "local-notion.sqlite3"
    asleep = [
        {"kind": "rate_limited", "method": "PATCH", "path": "/children$", "retry_after": 100, "times": 1}
    ]  # the second chunk
    _kill_once_a_page_exists(["publish", "--week", "W22"], env, db, asleep)
    ws = LocalWorkspace(db)
    assert statuses(ws, EN) == ["Draft"] and len(live_state(ws, EN)[1]) < len(expected[EN])
    done = _bot("publish", "--week", "W22", cwd=env)
    assert done.returncode == 0, done.stderr
    lines = live_state(ws, EN)[1]
    assert statuses(ws, EN) == ["Published"] and lines == expected[EN]
    assert all(lines.count(FILLER.format(i)) == 1 for i in range(130))


def _serve(root: Path, faults: list[dict] | None):
    """`bot local serve` as a process (with a fault plan): (process, base url, database id)."""
    from multihost import base_env

    log = root / f"serve-{time.monotonic_ns()}.log"
    env = base_env(root) | {
        "BOT_STATE_DIR": str(root / "server-state"),
        "NOTION_TOKEN": "",
        "BOT_LOCAL_RATE_LIMIT": "off",
        "BOT_LOCAL_FAULTS": json.dumps(faults or []),
    }
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "local", "serve", "--port", "0"],
            cwd=root,
            env=env,
            stdout=handle,
            stderr=handle,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = re.search(r"NOTION_BASE_URL=(\S+) NOTION_DATABASE_ID=(\S+)", log.read_text(errors="replace"))
        if found:
            return proc, found.group(1), found.group(2)
        assert proc.poll() is None, log.read_text(errors="replace")
        time.sleep(0.1)
    proc.kill()
    raise AssertionError(f"bot local serve did not start:\n{log.read_text(errors='replace')}")


def _stop(proc: subprocess.Popen) -> None:
    proc.kill()  # the workspace commits every request: nothing is lost
    proc.wait(timeout=30)


def test_a_400_on_the_second_append_over_http_leaves_the_page_hidden_until_a_later_run(env, en_path):
    grow(en_path, 130)
    expected = expected_lines(env)
    refuse = [{"kind": "status", "status": 400, "method": "PATCH", "path": "/children$", "times": 1}]
    proc, url, database_id = _serve(env, refuse)
    host = {
        "NOTION_TOKEN": "local-bot-token",
        "NOTION_BASE_URL": url,
        "NOTION_DATABASE_ID": database_id,
        "BOT_STATE_DIR": str(env / "host"),
    }
    try:
        failed = _bot("publish", "--week", "W22", cwd=env, env=host)
    finally:
        _stop(proc)
    assert failed.returncode == 1 and "Traceback" not in failed.stderr
    assert "Notion 400 validation_error" in failed.stderr and f"{EN} stays hidden (status: Draft" in failed.stderr
    ws = LocalWorkspace(env / "server-state" / "local-notion.sqlite3")
    assert statuses(ws, EN) == ["Draft"] and statuses(ws, ZH) == []
    ws.close()
    proc, url, database_id = _serve(env, None)  # the fault is gone
    try:
        done = _bot("publish", "--week", "W22", cwd=env, env=host | {"NOTION_BASE_URL": url})
    finally:
        _stop(proc)
    assert done.returncode == 0, done.stderr
    ws = LocalWorkspace(env / "server-state" / "local-notion.sqlite3")
    for slug in (EN, ZH):
        assert statuses(ws, slug) == ["Published"] and live_state(ws, slug)[1] == expected[slug]
