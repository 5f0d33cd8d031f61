"""Issue 24 "`bot local serve` as a polite server": every request gets an answer — bounded
bodies (413), validated Content-Length (400/413), chunked bodies read or refused, an idle
timeout and a whole-request deadline (408, the thread freed), a JSON depth limit (400) — and
never a traceback on stderr."""

from __future__ import annotations

import json
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager

import pytest

from helpers import sigint_ignored

from .conftest import assert_clean

HEAD = "POST /v1/search HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer local-bot-token\r\nNotion-Version: 2025-09-03\r\nContent-Type: application/json\r\n"


@pytest.fixture
def server(env):
    with serving(env, "--idle-timeout", "1") as address:
        yield address


@contextmanager
def serving(env, *flags):
    """`bot local serve` in a real process (SIGINT ignored, as a background job); yields
    (host, port); afterwards, its stderr must hold no traceback."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0", "--rate-limit", "off", *flags],
        cwd=env,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_ignored,
    )
    first = proc.stderr.readline()
    port = int(re.search(r"http://127\.0\.0\.1:(\d+)", first).group(1))
    yield "127.0.0.1", port
    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert_clean(out, err)
    assert "Exception" not in err and "Error" not in err, err


def exchange(address, data: bytes, *, half_close: bool = False) -> tuple[int, dict, bytes]:
    """Send raw bytes; return the status, headers and body of the one answer."""
    with socket.create_connection(address, timeout=30) as conn:
        conn.sendall(data)
        if half_close:
            conn.shutdown(socket.SHUT_WR)
        raw = b""
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            raw += chunk
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0].startswith("HTTP/1.1 "), raw[:200]
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def _error(status, body, code=None):
    answer = json.loads(body)
    assert answer["object"] == "error" and answer["status"] == status, answer
    if code:
        assert answer["code"] == code, answer
    return answer


@pytest.mark.parametrize(
    "value, status",
    [("-1", 400), ("abc", 400), ("1e3", 400), ("10, 12", 400), (str(10**12), 413), (str(2 * 1024**2), 413)],
)
def test_a_bad_or_huge_content_length_is_answered(value, status, server):
    code, headers, body = exchange(server, (HEAD + f"Content-Length: {value}\r\n\r\n").encode())
    assert code == status
    assert headers["Connection"] == "close"
    _error(status, body)


def test_a_body_over_the_limit_is_refused_with_413_without_being_read(server):
    # 3 MiB sent in full: the answer is 413 all the same (Notion's 500 KB limit is answered
    # by the workspace itself below the server's 1 MiB bound).
    code, _, body = exchange(server, (HEAD + f"Content-Length: {3 * 1024**2}\r\n\r\n").encode() + b"x" * (3 * 1024**2))
    assert code == 413
    assert "limit" in _error(413, body, "request_too_large")["message"]


def test_a_body_between_notions_limit_and_the_servers_is_notions_400(server):
    payload = json.dumps({"query": "x" * 600_000}).encode()
    code, _, body = exchange(server, (HEAD + f"Content-Length: {len(payload)}\r\n\r\n").encode() + payload)
    assert code == 400 and "Request body too large" in _error(400, body, "validation_error")["message"]


def test_a_chunked_body_is_read(server):
    payload = json.dumps({"filter": {"property": "object", "value": "page"}}).encode()
    chunked = (
        b"".join(f"{len(part):x}\r\n".encode() + part + b"\r\n" for part in (payload[:10], payload[10:])) + b"0\r\n\r\n"
    )
    code, _, body = exchange(
        server, (HEAD + "Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n").encode() + chunked
    )
    assert code == 200, body
    assert json.loads(body)["object"] == "list"


@pytest.mark.parametrize(
    "extra, status",
    [
        ("Transfer-Encoding: chunked\r\n\r\nzz\r\n", 400),
        ("Transfer-Encoding: chunked\r\n\r\n" + f"{2 * 1024**2:x}\r\n", 413),
        ("Transfer-Encoding: gzip\r\n\r\n", 501),
        ("Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n", 400),
    ],
)
def test_a_bad_chunked_body_is_refused(extra, status, server):
    code, _, body = exchange(server, (HEAD + extra).encode())
    assert code == status
    _error(status, body)


@pytest.mark.parametrize("sent", [HEAD, HEAD + 'Content-Length: 100\r\n\r\n{"query":'], ids=["headers", "body"])
def test_a_half_sent_request_gets_408_and_frees_the_thread(sent, server):
    code, headers, body = exchange(server, sent.encode())  # and then nothing: the server times out
    assert code == 408 and headers["Connection"] == "close"
    _error(408, body, "request_timeout")
    code, _, body = exchange(server, (HEAD + "Content-Length: 2\r\nConnection: close\r\n\r\n{}").encode())
    assert code == 200, body


def test_a_request_trickled_a_byte_at_a_time_gets_408_at_its_deadline(env):
    # One byte every 0.2 s is never 3 s of silence: only the 1 s whole-request deadline stops it.
    trickle = (HEAD + "X-Trickle: " + "a" * 10_000).encode()
    with serving(env, "--idle-timeout", "3", "--request-timeout", "1") as address:
        with socket.create_connection(address, timeout=30) as conn:
            give_up = time.monotonic() + 60  # a guard against hanging, not a timing assertion
            sent = 0
            while not select.select([conn], [], [], 0.2)[0]:  # until the server says something
                assert time.monotonic() < give_up, f"no answer after {sent} bytes trickled"
                conn.sendall(trickle[sent : sent + 1])
                sent += 1
            raw = b""
            while chunk := conn.recv(65536):  # then it closes the connection
                raw += chunk
        head, _, body = raw.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408 "), raw[:200]
        assert b"Connection: close" in head
        assert "not completed within 1 seconds" in _error(408, body, "request_timeout")["message"]
        code, _, body = exchange(address, (HEAD + "Content-Length: 2\r\nConnection: close\r\n\r\n{}").encode())
        assert code == 200, body  # and the thread is free again


@pytest.mark.parametrize("value", ["0", "-2"])
def test_a_request_timeout_that_is_not_positive_is_refused(value, env):
    result = subprocess.run(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0", "--request-timeout", value],
        cwd=env,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "--request-timeout must be a positive number of seconds" in result.stderr
    assert_clean(result.stdout, result.stderr)


def test_an_idle_connection_is_closed_silently(server):
    with socket.create_connection(server, timeout=30) as conn:
        assert conn.recv(100) == b""  # closed after the idle timeout, with no answer to no request


@pytest.mark.parametrize("depth", [100_000, 1_000, 65])
def test_deep_json_is_a_400(depth, server):
    payload = (
        ("[" * depth + "]" * depth).encode()
        if depth > 1000
        else (('{"query":' + '{"a":' * depth + "1" + "}" * depth + "}").encode())
    )
    code, _, body = exchange(
        server, (HEAD + f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n").encode() + payload
    )
    assert code == 400
    _error(400, body)


def test_preview_serve_answers_a_bad_content_length(env):
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "preview", "--week", "W22", "--serve", "--port", "0", "-q"],
        cwd=env,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_ignored,
    )
    try:
        port = int(re.search(r":(\d+)/", proc.stdout.readline()).group(1))
        for value, status in (("-5", 400), (str(10**12), 413)):
            code, _, body = exchange(
                ("127.0.0.1", port), f"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: {value}\r\n\r\n".encode()
            )
            assert code == status
            _error(status, body)
        code, _, body = exchange(("127.0.0.1", port), b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert code == 200 and b"<html" in body.lower()
    finally:
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=30)
    assert_clean(out, err)
    assert "Exception" not in err and "Error" not in err, err
