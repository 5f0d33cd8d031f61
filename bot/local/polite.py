"""The HTTP manners of `bot local serve` and `bot preview --serve`: every request gets an answer.

`http.server` alone reads any `Content-Length` it is given (a 300 MB body is read whole, a
negative or non-numeric one raises in the handler thread), ignores chunked bodies, waits forever
for a half-sent request, and prints a traceback for anything that goes wrong. Here:

- a request body is read only up to a bound (`max_body(method, path)`): past it → 413 without
  reading it; a `Content-Length` that is not a decimal number → 400; `Transfer-Encoding:
  chunked` is decoded with the same bound (another transfer coding → 501; both headers → 400);
- a connection that sends nothing for `idle_timeout` seconds is closed; one that stopped in the
  middle of a request gets 408 and is closed, so the thread is free again;
- a request whose line, headers and body have not all arrived `request_timeout` seconds after its
  first byte gets 408 and is closed too: a client trickling a byte a second is never silent long
  enough for the idle timeout, and would otherwise hold a thread for as long as it likes;
- an exception in a handler becomes a 500 answer, never a traceback on stderr.

Answers are JSON in Notion's error shape (`{"object": "error", "status", "code", "message"}`)
with `Connection: close`. bot/local/MESSAGES.md lists them and says where Notion's docs are silent.
"""

from __future__ import annotations

import io
import json
import logging
import re
import socket
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger("bot.local")

# Notion documents "500KB overall" per request (Request limits); the workspace answers that with
# its own 400. The server reads a bit more than that, so the workspace can say it, and no more.
MAX_REQUEST_BYTES = 1_048_576
# File uploads (`POST /v1/file_uploads/{id}/send`, multipart): Notion's single-part limit is
# 20 MB per file; 1 MiB more for the multipart envelope.
MAX_UPLOAD_REQUEST_BYTES = 20_000_000 + 1_048_576
IDLE_TIMEOUT_S = 30.0  # a connection silent this long is closed (408 when a request was begun)
# The whole request (line, headers, body) must arrive within this long of its first byte, however
# steadily it trickles. Twice the idle timeout: a slow but honest client on a bad link still fits.
REQUEST_TIMEOUT_S = 60.0
LINGER_S, LINGER_MAX_BYTES = 1.0, 8 * 1_048_576  # after a refusal: how long / how much input is drained
_DIGITS = re.compile(r"[0-9]{1,20}")
_CHUNK_LINE_MAX = 1024


class RequestRefused(Exception):
    """A request the server answers itself with `status` (and closes the connection)."""

    def __init__(self, status: int, code: str, message: str):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


class RequestDeadlineExceeded(TimeoutError):
    """The request was still arriving when its deadline (`request_timeout`) passed."""


class _DeadlineReader(io.RawIOBase):
    """The connection as the handler reads it: while a request is arriving, each read waits at
    most the idle timeout and never past the request's deadline (`handler.deadline`)."""

    def __init__(self, connection: socket.socket, handler: "PoliteHandler"):
        super().__init__()
        self._connection, self._handler = connection, handler

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        deadline, idle = self._handler.deadline, self._handler.timeout
        if deadline is None:
            return self._connection.recv_into(buffer)
        left = deadline - time.monotonic()
        if left <= 0:
            raise RequestDeadlineExceeded
        bounded_by_deadline = idle is None or left < idle
        self._connection.settimeout(left if bounded_by_deadline else idle)
        try:
            return self._connection.recv_into(buffer)
        except TimeoutError:
            if bounded_by_deadline:
                raise RequestDeadlineExceeded from None
            raise
        finally:  # answers are written with the idle timeout, not with what was left
            self._connection.settimeout(idle)


def max_body(method: str, path: str) -> int:
    if method == "POST" and re.fullmatch(r"/v1/file_uploads/[^/]+/send/?", path):
        return MAX_UPLOAD_REQUEST_BYTES
    return MAX_REQUEST_BYTES


class PoliteHandler(BaseHTTPRequestHandler):
    """Base handler: bounded bodies, an idle timeout, a whole-request deadline, and an answer to
    every request."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_TIMEOUT_S  # StreamRequestHandler sets it on the socket
    request_timeout = REQUEST_TIMEOUT_S
    deadline: float | None = None  # time.monotonic() by which the request being read must be in

    def setup(self) -> None:
        super().setup()
        self.rfile = io.BufferedReader(_DeadlineReader(self.connection, self))

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - quiet by default
        pass

    def handle_one_request(self) -> None:
        # http.server's own version drops a timed-out request unanswered; this one answers 408
        # once a request was begun, and closes an idle kept-alive connection in silence.
        self.deadline = None  # waiting for a request: only the idle timeout applies
        try:
            if not self.rfile.peek(1):
                self.close_connection = True
                return
        except (TimeoutError, OSError):
            self.close_connection = True
            return
        self.deadline = time.monotonic() + self.request_timeout  # its first byte is here
        try:
            self.raw_requestline = self.rfile.readline(65537)
            if len(self.raw_requestline) > 65536:
                return self.refuse(RequestRefused(414, "invalid_request", "Request line too long."))
            if not self.parse_request():
                return
            method = getattr(self, "do_" + self.command, None)
            if method is None:
                return self.refuse(RequestRefused(501, "invalid_request", f"Unsupported method {self.command[:20]!r}."))
            method()
            self.wfile.flush()
        except RequestDeadlineExceeded:
            self.refuse(
                RequestRefused(
                    408, "request_timeout", f"The request was not completed within {self.request_timeout:g} seconds."
                )
            )
        except TimeoutError:
            self.refuse(
                RequestRefused(
                    408,
                    "request_timeout",
                    f"Nothing was received for {self.timeout:g} seconds in the middle of the request.",
                )
            )
        except RequestRefused as refused:
            self.refuse(refused)
        except (ConnectionError, BrokenPipeError):
            self.close_connection = True
        except Exception as exc:  # a bug of ours: an answer, not a traceback
            log.debug("local server: %s: %s", type(exc).__name__, exc)
            self.refuse(RequestRefused(500, "internal_server_error", "Unexpected error occurred."))

    def read_body(self, limit: int) -> bytes:
        """The request body, at most `limit` bytes; raises RequestRefused otherwise. Once it is
        in, the request's deadline no longer applies (answering may take as long as it takes)."""
        try:
            return self._read_body(limit)
        finally:
            self.deadline = None

    def _read_body(self, limit: int) -> bytes:
        lengths = self.headers.get_all("Content-Length") or []
        coding = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        if coding and lengths:
            raise RequestRefused(400, "invalid_request", "Both Content-Length and Transfer-Encoding were sent.")
        if coding:
            if coding != "chunked":
                raise RequestRefused(
                    501, "invalid_request", f"Transfer-Encoding {coding[:40]!r} is not supported (only chunked)."
                )
            return self._read_chunked(limit)
        if not lengths:
            return b""
        values = {value.strip() for value in lengths}
        if len(values) != 1 or not _DIGITS.fullmatch(next(iter(values))):
            raise RequestRefused(400, "invalid_request", "Content-Length must be one non-negative decimal number.")
        length = int(values.pop())
        if length > limit:
            raise RequestRefused(
                413,
                "request_too_large",
                f"Request body of {length:,} bytes is over this server's limit of {limit:,} bytes.",
            )
        body = self.rfile.read(length) if length else b""
        if len(body) < length:
            raise ConnectionResetError("the client closed the connection mid-body")
        return body

    def _read_chunked(self, limit: int) -> bytes:
        parts, total = [], 0
        while True:
            line = self.rfile.readline(_CHUNK_LINE_MAX + 1)
            if not line.endswith(b"\n") or len(line) > _CHUNK_LINE_MAX:
                raise RequestRefused(400, "invalid_request", "Malformed chunked body.")
            size_text = line.split(b";", 1)[0].strip()
            if not re.fullmatch(rb"[0-9A-Fa-f]{1,16}", size_text):
                raise RequestRefused(400, "invalid_request", "Malformed chunk size in the chunked body.")
            size = int(size_text, 16)
            if size == 0:
                break
            total += size
            if total > limit:
                raise RequestRefused(
                    413, "request_too_large", f"Chunked request body is over this server's limit of {limit:,} bytes."
                )
            data = self.rfile.read(size)
            if len(data) < size or self.rfile.read(2) != b"\r\n":
                raise RequestRefused(400, "invalid_request", "Malformed chunked body.")
            parts.append(data)
        while True:  # trailer fields, up to the blank line
            line = self.rfile.readline(_CHUNK_LINE_MAX + 1)
            if line in (b"\r\n", b"\n", b""):
                break
            if len(line) > _CHUNK_LINE_MAX:
                raise RequestRefused(400, "invalid_request", "Malformed chunked body trailer.")
        return b"".join(parts)

    def refuse(self, refused: RequestRefused) -> None:
        """Answer with a Notion-shaped JSON error and close the connection."""
        body = json.dumps(
            {"object": "error", "status": refused.status, "code": refused.code, "message": refused.message}
        ).encode()
        head = (
            f"HTTP/1.1 {refused.status} {self.responses.get(refused.status, ('Error',))[0]}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        ).encode("latin-1")
        self.close_connection = True
        try:
            self.wfile.write(head + body)
            self.wfile.flush()
            self._linger()
        except OSError:
            pass

    def _linger(self) -> None:
        """Half-close, then read (and drop) what the client is still sending for a moment: a
        socket closed with unread input is reset, and the reset can destroy the answer before
        the client reads it (a 413 for a body it is still uploading)."""
        self.connection.shutdown(socket.SHUT_WR)
        self.connection.settimeout(LINGER_S)
        drained = 0
        while drained < LINGER_MAX_BYTES:
            chunk = self.connection.recv(65536)
            if not chunk:
                break
            drained += len(chunk)


class QuietThreadingHTTPServer(ThreadingHTTPServer):
    """Threads per connection; an error that escapes a handler is logged at debug level, not
    printed as a traceback on stderr."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        import sys

        log.debug("local server: connection from %s failed: %s", client_address, sys.exc_info()[1])
