"""An HTTP proxy in front of a served workspace that replaces chosen exchanges with transport
faults: a crafted response (status, headers, body bytes), or a connection reset before or after
the request reached the workspace. The bot talks to it over a real socket, as to Notion."""

from __future__ import annotations

import re
import socket
import struct
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx


@dataclass
class Fault:
    """`kind`: "respond" (the crafted response instead of the workspace's), "respond_after"
    (the workspace applies the request, the client gets the crafted response), "reset_before",
    "reset_after", "rewrite" (the workspace's answer with `body` = b"old|new" replaced). Matches requests by method/path regex; `times` faults at most (None: always);
    `skip` lets that many matching requests through first."""

    kind: str
    method: str = ".*"
    path: str = ".*"
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    times: int | None = 1
    skip: int = 0
    fired: int = 0
    seen: int = 0

    def take(self, method: str, path: str) -> bool:
        if not (re.fullmatch(self.method, method) and re.search(self.path, path)):
            return False
        self.seen += 1
        if self.seen <= self.skip or (self.times is not None and self.fired >= self.times):
            return False
        self.fired += 1
        return True


class FaultyProxy:
    def __init__(self, upstream: str):
        self.upstream = upstream.rstrip("/")
        self.faults: list[Fault] = []
        self.on_request = None  # callable(method, path), called before each request is forwarded
        self.lock = threading.Lock()
        self.http = httpx.Client(timeout=30)
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def handle_any(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                if proxy.on_request is not None:  # a test's hook: runs before the request goes on
                    proxy.on_request(self.command, self.path)
                with proxy.lock:
                    fault = next((f for f in proxy.faults if f.take(self.command, self.path)), None)
                if fault and fault.kind == "reset_before":
                    return self.reset()
                headers = {
                    k: v for k, v in self.headers.items() if k.lower() not in ("host", "content-length", "connection")
                }
                answer = proxy.http.request(self.command, proxy.upstream + self.path, headers=headers, content=body)
                if fault is None:
                    return self.write(
                        answer.status_code,
                        [(k, v) for k, v in answer.headers.items() if k.lower() in ("content-type", "retry-after")],
                        answer.content,
                    )
                if fault.kind == "reset_after":
                    return self.reset()
                if fault.kind == "rewrite":  # body = b"old|new": the workspace's answer, edited
                    old, new = fault.body.split(b"|", 1)
                    return self.write(
                        answer.status_code, [("Content-Type", "application/json")], answer.content.replace(old, new)
                    )
                self.write(fault.status, list(fault.headers), fault.body)

            do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = handle_any

            def write(self, status, headers, body):
                lines = [f"HTTP/1.1 {status} X".encode()]
                lines += [f"{k}: {v}".encode("latin-1", "replace") for k, v in headers]
                lines += [f"Content-Length: {len(body)}".encode(), b"Connection: close", b"", b""]
                self.wfile.write(b"\r\n".join(lines) + body)
                self.close_connection = True

            def reset(self):
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                self.connection.close()
                self.close_connection = True

            def finish(self):
                try:
                    super().finish()
                except OSError:
                    pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True

            def handle_error(self, request, client_address):  # a reset socket is expected here
                pass

        self.server = Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def shutdown(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.http.close()
