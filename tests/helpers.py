"""The tests' one helpers module: the counting transport, one way to open a test session (on a
virtual clock, against a test's local workspace), edits to content, human edits in Notion."""

from __future__ import annotations

from pathlib import Path

import httpx

from bot.clock import VirtualClock
from bot.local import LocalTransport, LocalWorkspace
from bot.notion import NotionAPI
from bot.engine.publish import PublishOptions, Publisher
from bot.session import open_session
from bot.settings import load_settings
from bot.source import read_all, select_week


class CountingTransport(httpx.BaseTransport):
    """Counts requests at the transport, by method, so tests can assert request counts; calls
    `after(n, request)` after the n-th request when given (to stop or fault a run mid-way)."""

    def __init__(self, inner: httpx.BaseTransport, after=None):
        self.inner = inner
        self.after = after
        self.requests: list[tuple[str, str]] = []

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.requests.append((request.method, request.url.path))
        if self.after:
            self.after(len(self.requests), request)
        return response

    @property
    def writes(self) -> int:
        return sum(1 for method, path in self.requests if method != "GET" and not path.endswith("/query"))

    def reset(self) -> None:
        self.requests.clear()


def open_test_session(workspace: LocalWorkspace, *, settings=None, clock=None, wrap=None, after=None, **overrides):
    """(session, counting transport) on `workspace`; `wrap` puts another transport around the
    counting one (faults, kills); settings come from the test's environment (+ overrides)."""
    transport = CountingTransport(LocalTransport(workspace), after)
    outer = wrap(transport) if wrap else transport
    s = open_session(
        settings or load_settings(**overrides), transport=outer, workspace=workspace, clock=clock or VirtualClock()
    )
    return s, transport


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
    return open_test_session(workspace, wrap=wrap, **overrides)


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
    return NotionAPI(
        auth=token, base_url="http://local", transport=LocalTransport(workspace), rate=1e6, clock=VirtualClock()
    )


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


# Notion answers 429 "retry after 100 s" on the 4th request: a run is asleep mid-way, which a
# stop must cut short.
ASLEEP_MID_RUN = "rate_limited@3,retry_after=100"


def sigterm_mid_run(
    argv: list[str], cwd: Path, ready, *, env: dict | None = None, settle: float = 0.3, signum: int | None = None
):
    """Run `python -m bot ARGV` as a real process, wait until `ready()` (it polls another
    process), let it settle, send SIGTERM (or `signum`). Returns (exit code, stdout, stderr,
    seconds from the signal to the exit)."""
    import os
    import signal
    import subprocess
    import sys
    import time

    environment = {**os.environ, "BOT_LOCAL_FAULTS": ASLEEP_MID_RUN, **(env or {})}
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *argv],
        cwd=cwd,
        env=environment,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not ready():
            assert time.monotonic() < deadline, f"bot {' '.join(argv)} never got ready"
            time.sleep(0.05)  # polling another process, not waiting for a schedule
        time.sleep(settle)  # into the back-off (either way the outcome is the same)
        signalled = time.monotonic()
        proc.send_signal(signum or signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    return proc.returncode, out, err, time.monotonic() - signalled


def sigint_ignored() -> None:
    """`preexec_fn` for a server subprocess: start it as `… &` under a non-interactive shell
    does, with SIGINT ignored, so a test never depends on the dispositions it inherits."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)


def stream_peak(text: str) -> tuple[int, int]:
    """(peak traced bytes, top-level blocks) of converting `text` one block at a time, holding none."""
    import tracemalloc

    from bot.convert import BlockStream

    count = 0
    tracemalloc.start()
    for _ in BlockStream(text):
        count += 1
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, count
