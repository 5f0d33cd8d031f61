"""Serve a LocalWorkspace over HTTP on 127.0.0.1 (ThreadingHTTPServer in a thread)."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .common import query_params
from .faults import SimulatedTimeout
from .polite import IDLE_TIMEOUT_S, REQUEST_TIMEOUT_S, PoliteHandler, QuietThreadingHTTPServer, max_body
from .workspace import LocalWorkspace


class ServerHandle:
    def __init__(self, server: ThreadingHTTPServer, thread: threading.Thread, stop: threading.Event) -> None:
        self._server = server
        self._thread = thread
        self._stop = stop
        self.host, self.port = server.server_address[:2]
        self.url = f"http://{self.host}:{self.port}"

    def shutdown(self) -> None:
        self._stop.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> "ServerHandle":
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()


def read_page(workspace: LocalWorkspace, page_id: str) -> tuple[dict, list[dict]]:
    """A page and its block tree, read through the workspace's own REST surface."""
    import json

    headers = {"Authorization": f"Bearer {workspace.bot_token}", "Notion-Version": "2025-09-03"}

    def get(path: str, query: dict | None = None) -> dict:
        status, _, content = workspace.dispatch("GET", path, query or {}, headers, b"")
        if status != 200:
            raise LookupError(path)
        return json.loads(content)

    def children(block_id: str) -> list[dict]:
        out, cursor = [], None
        while True:
            query = {"page_size": "100", **({"start_cursor": cursor} if cursor else {})}
            result = get(f"/v1/blocks/{block_id}/children", query)
            out.extend(result["results"])
            cursor = result.get("next_cursor")
            if not result.get("has_more") or not cursor:
                break
        for block in out:
            if block.get("has_children") and block["type"] not in ("child_page", "child_database"):
                block[block["type"]]["children"] = children(block["id"])
        return out

    page = get(f"/v1/pages/{page_id}")
    return page, children(page["id"])


def page_index(workspace: LocalWorkspace) -> bytes:
    """`GET /`: the workspace's pages, each linking to its `/p/<id>` view (read from the store:
    search would lag behind the latest writes, as Notion's index does)."""
    import html

    pages = sorted(workspace.page_titles(), key=lambda p: p[1] or p[0])
    items = "".join(
        f'<li><a href="/p/{html.escape(pid.replace("-", ""))}">{html.escape(title or pid)}</a></li>'
        for pid, title in pages
    )
    return (
        f"<!DOCTYPE html><html><head><meta charset=utf-8><title>Local Notion workspace</title></head><body>"
        f"<h1>Local Notion workspace</h1><p>{len(pages)} page(s)</p><ul>{items}</ul></body></html>"
    ).encode("utf-8")


def is_loopback(host: str) -> bool:
    import ipaddress

    name = host.strip("[]").lower()
    if name == "localhost" or name.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def host_allowed(header: str | None, bind_host: str) -> bool:
    """DNS rebinding guard: a server bound to loopback answers only requests addressed to a
    loopback name (a page on evil.example resolving to 127.0.0.1 sends `Host: evil.example`).
    A server bound elsewhere answers its own address; on 0.0.0.0/:: it cannot know its names."""
    if not header:
        return False
    name = urlsplit(f"//{header}").hostname or ""
    if is_loopback(name):
        return True
    if bind_host in ("0.0.0.0", "::", ""):
        return True
    return not is_loopback(bind_host) and name == bind_host.strip("[]").lower()


def refuse_host(handler: BaseHTTPRequestHandler) -> None:
    body = b"421 Misdirected Request: this server only answers requests addressed to it (Host header)\n"
    handler.send_response(421)
    handler.send_header("Content-Type", "text/plain; charset=utf-8")
    handler.send_header("Content-Length", str(len(body)))
    handler.send_header("Connection", "close")
    handler.end_headers()
    handler.wfile.write(body)
    handler.close_connection = True


# Served HTML (`/p/<id>`, `bot preview --serve`) runs no script and loads nothing but images.
PAGE_CSP = (
    "default-src 'none'; img-src data: http: https:; style-src 'unsafe-inline'; base-uri 'none'; form-action 'none'"
)


def _handler(
    workspace: LocalWorkspace,
    stop: threading.Event,
    page_renderer=None,
    idle_timeout: float = IDLE_TIMEOUT_S,
    request_timeout: float = REQUEST_TIMEOUT_S,
):
    request_timeout_s = request_timeout

    class Handler(PoliteHandler):
        server_version = "bot-local-notion/1"
        timeout = idle_timeout
        request_timeout = request_timeout_s

        def setup(self) -> None:
            super().setup()
            # Headers and body go out in two writes: without TCP_NODELAY, Nagle + delayed ACK hold
            # the body ~40 ms on a kept-alive connection (a 180-request burst took 10 s).
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def _handle(self) -> None:
            if not host_allowed(self.headers.get("Host"), self.server.server_address[0]):
                return refuse_host(self)
            parts = urlsplit(self.path)
            body = self.read_body(max_body(self.command, parts.path))  # bounded; refusals are answered
            if page_renderer is not None and self.command == "GET" and parts.path.startswith("/p/"):
                return self._page(parts.path[3:])
            if page_renderer is not None and self.command == "GET" and parts.path in ("/", "/index.html"):
                return self._html(200, page_index(workspace))
            query = query_params(parse_qsl(parts.query, keep_blank_values=True))
            try:
                status, headers, content = workspace.dispatch(
                    self.command, parts.path, query, dict(self.headers.items()), body
                )
            except SimulatedTimeout as exc:
                # Stall past the client's timeout, then drop the connection unanswered.
                stop.wait(exc.delay_s)
                self.close_connection = True
                return
            self.send_response(status)
            for k, v in headers.items():
                if k.lower() != "content-length":
                    self.send_header(k, v)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(content)

        def _page(self, page_id: str) -> None:
            """The human view of a page URL the workspace hands out (`url` of a page)."""
            try:
                page, blocks = read_page(workspace, page_id)
                status, content = 200, page_renderer(page, blocks).encode("utf-8")
            except LookupError:
                status, content = 404, b"<!DOCTYPE html><title>Not found</title><p>No such page in this workspace.</p>"
            self._html(status, content)

        def _html(self, status: int, content: bytes) -> None:
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", PAGE_CSP)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _handle

    return Handler


def serve(
    workspace: LocalWorkspace,
    host: str = "127.0.0.1",
    port: int = 8765,
    page_renderer=None,
    idle_timeout: float = IDLE_TIMEOUT_S,
    request_timeout: float | None = None,
) -> ServerHandle:
    """Start serving in a background thread; ``port=0`` picks a free port.

    With ``page_renderer(page, blocks) -> html``, ``GET /p/<id>`` (the ``url`` the workspace
    gives pages) shows the page to a person in a browser. Requests are bounded and always
    answered (bot.local.polite); a connection silent for ``idle_timeout`` seconds is closed, a
    request not all in ``request_timeout`` seconds after its first byte is answered 408 (by
    default 60 s, and never less than the idle timeout).
    """
    if request_timeout is None:
        request_timeout = max(REQUEST_TIMEOUT_S, idle_timeout)
    stop = threading.Event()
    server = QuietThreadingHTTPServer(
        (host, port), _handler(workspace, stop, page_renderer, idle_timeout, request_timeout)
    )
    thread = threading.Thread(target=server.serve_forever, name=f"local-notion:{server.server_address[1]}", daemon=True)
    thread.start()
    return ServerHandle(server, thread, stop)
