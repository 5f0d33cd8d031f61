"""The API layer: pacing, retries, accounting, chunked writes — through the SDK and the local workspace."""

from __future__ import annotations

import json
import struct
import zlib

import pytest

from bot.clock import VirtualClock
from bot.local import FaultPlan, LocalTransport, LocalWorkspace, RateLimit
from bot.notion import NotionAPI, OutcomeUnknownError, RateLimitedError
from helpers import live_state, publish

TOKEN = "local-bot-token"


def api_for(ws, *, rate=1e6, clock=None, **kw):
    clock = clock or VirtualClock()
    return NotionAPI(
        auth=TOKEN, base_url="http://local", transport=LocalTransport(ws), rate=rate, clock=clock, seed=1, **kw
    ), clock


def test_pacing_spends_the_budget_at_once_then_waits_for_the_window():
    """Notion's budget "can be spent at any pace within the window": 180 per 60 s less a small
    margin goes out at once; the next request waits until the oldest leaves the window."""
    ws = LocalWorkspace(":memory:")
    api, clock = api_for(ws, rate=None, budget=(180, 60.0))
    for _ in range(176):
        api.me()
    assert clock.monotonic() == 0
    api.me()
    assert clock.monotonic() == pytest.approx(61.0)  # 60 s window + 1 s margin
    for _ in range(175):
        api.me()
    assert clock.monotonic() == pytest.approx(61.0)
    api.me()
    assert clock.monotonic() == pytest.approx(122.0)
    assert api.stats.reads == 353


def test_business_budget_is_a_setting():
    from bot.settings import load_settings

    assert load_settings(bot_rate_limit="600/60").rate_budget == (600, 60.0)
    assert load_settings().rate_budget == (180, 60.0)
    with pytest.raises(Exception, match="BOT_RATE_LIMIT"):
        load_settings(bot_rate_limit="fast")


@pytest.mark.parametrize("budget", [(180, 60.0), (600, 60.0)])
def test_paced_client_never_hits_the_simulated_limit(budget):
    clock = VirtualClock()
    ws = LocalWorkspace(":memory:", clock=clock)
    ws.rate_limit = RateLimit(requests=budget[0], window_s=budget[1])
    api, _ = api_for(ws, rate=None, budget=budget, clock=clock)
    for _ in range(3 * budget[0]):
        api.me()
    assert api.stats.rate_limited == 0
    assert clock.monotonic() <= 3 * (budget[1] + 1)  # three budgets (less the margin) in four windows


def test_429_honours_retry_after_and_is_counted():
    ws = LocalWorkspace(":memory:")
    ws.faults = FaultPlan([{"at": [0, 1], "kind": "rate_limited", "retry_after": 7}])
    api, clock = api_for(ws)
    assert api.me()["object"] == "user"
    assert api.stats.rate_limited == 2 and api.stats.retries == 2 and api.stats.reads == 1
    assert clock.monotonic() >= 14


def test_retry_after_longer_than_the_cap_aborts_clearly():
    ws = LocalWorkspace(":memory:")
    ws.faults = FaultPlan([{"at": 0, "kind": "rate_limited", "retry_after": 600}])
    api, _ = api_for(ws)
    api.retry.max_wait = 120
    with pytest.raises(RateLimitedError) as err:
        api.me()
    assert "600" in str(err.value) and "BOT_MAX_RETRY_WAIT" in str(err.value)


@pytest.mark.parametrize("status", [500, 502, 503, 504, 529])
def test_reads_retry_server_errors(status):
    ws = LocalWorkspace(":memory:")
    ws.faults = FaultPlan([{"at": 0, "kind": "status", "status": status}])
    api, _ = api_for(ws)
    assert api.me()["object"] == "user"
    assert api.stats.retries == 1


def test_reads_retry_timeouts():
    ws = LocalWorkspace(":memory:")
    ws.faults = FaultPlan([{"at": 0, "kind": "timeout"}])
    api, _ = api_for(ws)
    assert api.me()["object"] == "user"
    assert api.stats.retries == 1


@pytest.mark.parametrize(
    "fault",
    [{"kind": "status", "status": 500}, {"kind": "after_write", "status": 503}, {"kind": "timeout", "apply": True}],
)
def test_writes_with_unknown_outcome_are_not_repeated(fault):
    ws = LocalWorkspace(":memory:")
    db, ds = ws.ensure_database("T", {"Name": {"title": {}}})
    api, _ = api_for(ws)
    ws.faults = FaultPlan([dict(fault, at=0)])
    with pytest.raises(OutcomeUnknownError):
        api.create_page(
            {"type": "data_source_id", "data_source_id": ds}, {"Name": {"title": [{"text": {"content": "x"}}]}}
        )
    assert len([r for r in ws.request_log if r.method == "POST"]) == 1  # sent once, never blindly again


def test_writes_retry_rate_limits_and_529():
    ws = LocalWorkspace(":memory:")
    db, ds = ws.ensure_database("T", {"Name": {"title": {}}})
    api, _ = api_for(ws)
    ws.faults = FaultPlan(
        [{"at": 0, "kind": "rate_limited", "retry_after": 1}, {"at": 1, "kind": "status", "status": 529}]
    )
    page = api.create_page(
        {"type": "data_source_id", "data_source_id": ds}, {"Name": {"title": [{"text": {"content": "x"}}]}}
    )
    assert page["object"] == "page"
    assert api.stats.writes == 1 and api.stats.retries == 2
    assert len(list(api.query(ds, {}))) == 1


def test_token_never_appears_in_errors():
    ws = LocalWorkspace(":memory:")
    secret = "ntn_supersecret_token_123"
    api = NotionAPI(auth=secret, base_url="http://local", transport=LocalTransport(ws), rate=1e6, clock=VirtualClock())
    with pytest.raises(Exception) as err:
        api.me()
    assert secret not in str(err.value) and secret not in repr(err.value)
    assert err.value.status == 401


# ------------------------------------------------------------------ chunking through the engine
def _write(env, week, body, lang="en"):
    folder = env / "content" / "rec-weekly" / week
    folder.mkdir(parents=True, exist_ok=True)
    front = (
        f"---\ntitle: Big {week}\nlang: {lang}\nweek: {week}\nseries: rec-weekly\nslug: rec-weekly-{lang}-{week}\n"
        "type: Post\nstatus: Draft\ndate: 2026-01-05 08:00\n---\n\n"
    )
    (folder / f"{lang}.md").write_text(front + body, encoding="utf-8")


def test_1200_block_page_round_trips(env):
    body = "\n\n".join(f"Paragraph number {i} with **bold** text." for i in range(1200)) + "\n"
    _write(env, "2026-W02", body)
    ws = LocalWorkspace(":memory:")
    results, transport = publish(ws, "2026-W02")
    assert results[0].action == "created"
    # 1 create carrying 100 blocks + 11 appends of 100
    assert transport.writes == 12
    count, lines = live_state(ws, "rec-weekly-en-2026-W02")
    assert count == 1 and lines == [f"Paragraph number {i} with bold text." for i in range(1200)]
    assert publish(ws, "2026-W02")[1].writes == 0


def test_150_row_table_round_trips(env):
    rows = "\n".join(f"| r{i} | {i * i} |" for i in range(149))
    _write(env, "2026-W03", "| name | square |\n|---|---|\n" + rows + "\n")
    ws = LocalWorkspace(":memory:")
    publish(ws, "2026-W03")
    count, lines = live_state(ws, "rec-weekly-en-2026-W03")
    assert count == 1
    assert lines[1:] == ["name | square"] + [f"r{i} | {i * i}" for i in range(149)]
    assert publish(ws, "2026-W03")[1].writes == 0


def test_deep_and_wide_lists_are_split_across_requests(env):
    deep = "".join("  " * d + f"- level {d}\n" for d in range(7))
    wide = "- parent\n" + "".join(f"  - child {i}\n" for i in range(230))
    _write(env, "2026-W04", deep + "\nBetween.\n\n" + wide)
    ws = LocalWorkspace(":memory:")
    publish(ws, "2026-W04")
    count, lines = live_state(ws, "rec-weekly-en-2026-W04")
    assert lines == [f"level {d}" for d in range(7)] + ["Between.", "parent"] + [f"child {i}" for i in range(230)]
    assert publish(ws, "2026-W04")[1].writes == 0


def _png() -> bytes:
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def test_local_image_is_uploaded_and_stable(env):
    folder = env / "content" / "rec-weekly" / "2026-W05"
    folder.mkdir(parents=True)
    (folder / "chart.png").write_bytes(_png())
    _write(env, "2026-W05", "Before.\n\n![A chart](chart.png)\n\nAfter.\n")
    ws = LocalWorkspace(":memory:")
    results, transport = publish(ws, "2026-W05")
    paths = [p for m, p in transport.requests if m == "POST"]
    assert any(p.endswith("/file_uploads") for p in paths) and any(p.endswith("/send") for p in paths)
    from helpers import session

    s, _ = session(ws)
    page = s.api.find_pages(s.target("en").data_source_id, "slug", "rich_text", "rec-weekly-en-2026-W05")[0]
    image = [b for b in s.api.read_tree(page["id"]) if b["type"] == "image"][0]
    assert image["image"]["type"] == "file" and image["image"]["caption"][0]["plain_text"] == "A chart"
    assert publish(ws, "2026-W05")[1].writes == 0  # same file: nothing re-uploaded


def test_publish_json_reports_request_counts(cli):
    code, out, _ = cli("publish", "--week", "W22", "--json")
    data = json.loads(out)
    # two creates, en's language link and its reveal (hidden until complete)
    assert data["requests"]["writes"] == 4 and data["requests"]["reads"] > 0
    assert sum(v["writes"] for v in data["variants"]) == 4


def test_append_falls_back_to_after_when_position_is_refused():
    """NOTION_VERSION=2025-09-03 and a server that only knows `after`: one refused request, then `after`."""
    import httpx

    ws = LocalWorkspace(":memory:")
    _, ds = ws.ensure_database("T", {"Name": {"title": {}}})
    inner = LocalTransport(ws)
    bodies = []

    class OldServer(httpx.BaseTransport):
        def handle_request(self, request):
            body = request.read()
            if request.method == "PATCH" and b'"position"' in body:
                bodies.append("position")
                error = {
                    "object": "error",
                    "status": 400,
                    "code": "validation_error",
                    "message": "body failed validation: body.position should be not present, instead was `{...}`.",
                }
                return httpx.Response(400, json=error)
            bodies.append("after" if b'"after"' in body else "plain")
            return inner.handle_request(request)

    api = NotionAPI(
        auth=TOKEN,
        base_url="http://local",
        transport=OldServer(),
        rate=1e6,
        clock=VirtualClock(),
        notion_version="2025-09-03",
    )
    page = api.create_page(
        {"type": "data_source_id", "data_source_id": ds}, {"Name": {"title": [{"text": {"content": "p"}}]}}
    )
    para = lambda t: {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": t}}]}}
    first = api.append_children(page["id"], [para("a"), para("c")])
    api.append_children(page["id"], [para("b")], after=first[0]["id"])
    api.append_children(page["id"], [para("d")], after=first[1]["id"])
    texts = [b["paragraph"]["rich_text"][0]["plain_text"] for b in api.list_children(page["id"])]
    assert texts == ["a", "b", "c", "d"]
    assert bodies.count("position") == 1  # refused once, remembered afterwards
