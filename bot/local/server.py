"""Serve a LocalWorkspace over HTTP on 127.0.0.1 (ThreadingHTTPServer in a thread)."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit

from .faults import SimulatedTimeout
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


def _handler(workspace: LocalWorkspace, stop: threading.Event):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        server_version = "bot-local-notion/1"

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by default
            pass

        def _handle(self) -> None:
            parts = urlsplit(self.path)
            length = int(self.headers.get("content-length") or 0)
            body = self.rfile.read(length) if length else b""
            query = dict(parse_qsl(parts.query, keep_blank_values=True))
            try:
                status, headers, content = workspace.dispatch(self.command, parts.path, query, dict(self.headers.items()), body)
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

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = do_HEAD = _handle

    return Handler


def serve(workspace: LocalWorkspace, host: str = "127.0.0.1", port: int = 8765) -> ServerHandle:
    """Start serving in a background thread; ``port=0`` picks a free port."""
    stop = threading.Event()
    server = ThreadingHTTPServer((host, port), _handler(workspace, stop))
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, name=f"local-notion:{server.server_address[1]}", daemon=True)
    thread.start()
    return ServerHandle(server, thread, stop)
