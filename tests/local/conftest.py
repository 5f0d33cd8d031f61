from __future__ import annotations

import logging

import httpx
import notion_client
import pytest

from bot.clock import VirtualClock
from bot.local import LocalTransport, LocalWorkspace

SCHEMA = {
    "title": {"title": {}},
    "slug": {"rich_text": {}},
    "status": {"select": {"options": [{"name": "Published"}, {"name": "Draft"}]}},
    "tags": {"multi_select": {}},
    "priority": {"number": {}},
    "date": {"date": {}},
    "link": {"url": {}},
    "done": {"checkbox": {}},
}


@pytest.fixture
def clock() -> VirtualClock:
    return VirtualClock()


@pytest.fixture
def ws(clock) -> LocalWorkspace:
    w = LocalWorkspace(":memory:", clock=clock)
    yield w
    w.close()


@pytest.fixture
def ids(ws) -> tuple[str, str]:
    return ws.ensure_database("Newsletter", SCHEMA)


def make_client(ws: LocalWorkspace, token: str | None = None, **kw) -> notion_client.Client:
    kw.setdefault("retry", False)
    return notion_client.Client(
        auth=token or ws.bot_token,
        base_url="http://local",
        client=httpx.Client(transport=LocalTransport(ws)),
        log_level=logging.CRITICAL,
        **kw,
    )


@pytest.fixture
def notion(ws) -> notion_client.Client:
    return make_client(ws)


def raw(
    ws: LocalWorkspace,
    method: str,
    path: str,
    body=None,
    *,
    token: str | None = "default",
    version: str | None = "2025-09-03",
    query=None,
    data: bytes | None = None,
    headers=None,
):
    """Call dispatch directly; returns (status, json body)."""
    import json

    h = dict(headers or {})
    if version is not None:
        h["Notion-Version"] = version
    if token is not None:
        h["Authorization"] = f"Bearer {ws.bot_token if token == 'default' else token}"
    payload = data if data is not None else (json.dumps(body).encode() if body is not None else b"")
    if body is not None:
        h.setdefault("Content-Type", "application/json")
    status, headers_out, content = ws.dispatch(method, path, query or {}, h, payload)
    return status, json.loads(content), headers_out


def para(text: str = "x") -> dict:
    return {
        "object": "block",
        "type": "paragraph",
        "paragraph": {"rich_text": [{"type": "text", "text": {"content": text}}]},
    }


def title_props(title: str, slug: str | None = None) -> dict:
    props = {"title": {"title": [{"text": {"content": title}}]}}
    if slug is not None:
        props["slug"] = {"rich_text": [{"text": {"content": slug}}]}
    return props


# ---------------------------------------------------------------- replay agreement in the summary
# The replay tests record their agreement with Notion's recorded answers (`record_property`);
# it is printed at the end of every run, CI included (also under -q and with xdist workers).
_AGREEMENTS: list[str] = []


def pytest_runtest_logreport(report):
    if report.when == "call":
        _AGREEMENTS.extend(v for k, v in report.user_properties if k == "replay_agreement")


def pytest_terminal_summary(terminalreporter):
    if _AGREEMENTS:
        terminalreporter.section("agreement with recorded Notion answers")
        for line in sorted(set(_AGREEMENTS)):
            terminalreporter.write_line(line)
