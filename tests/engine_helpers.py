"""Helpers for engine tests: sessions on a virtual clock, edits to content, human edits in Notion."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.clock import VirtualClock
from bot.local import LocalTransport, LocalWorkspace
from bot.notion import NotionAPI
from bot.publish import PublishOptions, Publisher
from bot.session import open_session
from bot.settings import load_settings
from bot.source import read_all, select_week
from conftest import CountingTransport


class Killed(BaseException):
    """Simulates the process dying: not an Exception, so nothing in the bot catches it."""


class KillAfter(httpx.BaseTransport):
    """Forwards requests; after forwarding request number `index` (0-based), dies."""

    def __init__(self, inner: httpx.BaseTransport, index: int):
        self.inner, self.index, self.count = inner, index, 0

    def handle_request(self, request):
        response = self.inner.handle_request(request)
        self.count += 1
        if self.count - 1 == self.index:
            raise Killed()
        return response


def session(workspace: LocalWorkspace, *, wrap=None, **overrides):
    clock = VirtualClock()
    transport = CountingTransport(LocalTransport(workspace))
    outer = wrap(transport) if wrap else transport
    s = open_session(load_settings(**overrides), transport=outer, workspace=workspace, clock=clock)
    return s, transport


def publish(workspace, week="W22", *, wrap=None, **options):
    s, transport = session(workspace, wrap=wrap)
    variants = read_all(s.settings.bot_content_dir)
    results = Publisher(s, variants, PublishOptions(**options)).publish_group(select_week(variants, week))
    return results, transport


def human_api(workspace: LocalWorkspace) -> NotionAPI:
    token = "editor-token"
    try:
        workspace.add_user("Editor", token)
    except Exception:
        pass  # already added
    return NotionAPI(auth=token, base_url="http://local", transport=LocalTransport(workspace), rate=1e6, clock=VirtualClock())


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    """Replace text in the file; body text is preferred over the front matter (the summary
    repeats body sentences)."""
    text = path.read_text(encoding="utf-8")
    head_end = text.index("\n---", 3) + 4
    head, body = text[:head_end], text[head_end:]
    if old in body:
        body = body.replace(old, new, count)
    else:
        assert old in head, old
        head = head.replace(old, new, count)
    path.write_text(head + body, encoding="utf-8")


def live_state(workspace: LocalWorkspace, slug: str):
    """(number of pages with the slug, plain-text lines of the page body)."""
    from bot.convert import plain_text

    s, _ = session(workspace)
    target = s.target("zh" if "-zh-" in slug else "en")
    pages = s.api.find_pages(target.data_source_id, "slug", "rich_text", slug)
    lines = plain_text(s.api.read_tree(pages[0]["id"])) if len(pages) == 1 else []
    return len(pages), lines
