"""The contract suite: every row of ``contract_table.CASES`` (documented behaviour, each with its
source) against the local workspace, in-process (httpx transport) and over HTTP (``serve`` on
127.0.0.1, port 0) — the two ways the bot and ``bot local serve`` reach it."""

from __future__ import annotations

import json

import httpx
import pytest

from bot.clock import VirtualClock
from bot.local import LocalTransport, LocalWorkspace, RateLimit, serve

from .conftest import SCHEMA
from .contract_table import CASES, V2025, Case, Ids

PATHS = ("in-process", "http")


class Client:
    """Raw requests as a Notion client sends them (token, Notion-Version, JSON body)."""

    def __init__(self, http: httpx.Client, token: str) -> None:
        self.http, self.token = http, token

    def send(
        self,
        method: str,
        path: str,
        body,
        *,
        version: str | None = V2025,
        auth: str | None = "Bearer {token}",
        raw_body: bytes | None = None,
    ) -> httpx.Response:
        headers = {}
        if version is not None:
            headers["Notion-Version"] = version
        if auth is not None:
            headers["Authorization"] = auth.format(token=self.token)
        content = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        if content is not None:
            headers["Content-Type"] = "application/json"
        return self.http.request(method, path, headers=headers, content=content)

    def call(self, method: str, path: str, body) -> dict:
        response = self.send(method, path, body)
        assert response.status_code == 200, response.text
        return response.json()


@pytest.fixture(scope="module", params=PATHS)
def served(request):
    """(workspace, clock, client) for one path, shared by the rows: each row makes its own page."""
    clock = VirtualClock()
    ws = LocalWorkspace(":memory:", clock=clock, rate_limit=RateLimit(180, 60.0))
    ws.ensure_database("Newsletter", SCHEMA)
    if request.param == "http":
        handle = serve(ws, port=0)
        http = httpx.Client(base_url=handle.url)
    else:
        handle = None
        http = httpx.Client(transport=LocalTransport(ws), base_url="http://local")
    yield ws, clock, Client(http, ws.bot_token)
    http.close()
    if handle is not None:
        handle.shutdown()
    ws.close()


def _row_ids(ws: LocalWorkspace, client: Client) -> Ids:
    db = ws.store.database_by_title("Newsletter")
    ds = ws.store.data_sources_of(db["id"])[0]
    slug = f"row-{len(ws.store.pages_of(ds['id']))}"
    page = client.call(
        "POST",
        "/v1/pages",
        {
            "parent": {"data_source_id": ds["id"]},
            "properties": {
                "title": {"title": [{"text": {"content": "row"}}]},
                "slug": {"rich_text": [{"text": {"content": slug}}]},
            },
        },
    )
    return Ids(db=db["id"], ds=ds["id"], page=page["id"], slug=slug)


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_documented_case(served, case: Case):
    ws, clock, client = served
    clock.advance(61)  # a fresh rate-limit window for every row
    ws.rate_limit = RateLimit(*(case.limit or (180, 60.0)))
    ids = _row_ids(ws, client)
    if case.before:
        case.before(client, ids)
    method, path, body = case.request(ids)
    response = client.send(method, path, body, version=case.version, auth=case.auth, raw_body=case.raw_body)
    answer = response.json()
    assert response.status_code == case.status, (case.source, answer)
    if case.status >= 400:
        assert answer["object"] == "error" and answer["status"] == case.status and answer["request_id"], answer
        assert answer["code"] == case.code, (case.source, answer)
    if case.message:
        assert case.message in answer["message"], (case.source, answer["message"])
    if case.check:
        case.check(answer, dict(response.headers))


def test_every_row_cites_a_source():
    assert len(CASES) >= 50
    assert len({c.name for c in CASES}) == len(CASES)
    assert all(c.source.strip() for c in CASES)
    kinds = {"limits": "ref §2", "rate limit": "§3.1", "versions": "2022-06-28", "pagination": "page_size"}
    text = " ".join(f"{c.name} {c.source}" for c in CASES)
    assert all(marker in text for marker in kinds.values())
