"""Page links printed for the embedded workspace open where `bot local serve` serves it, and
with no server running the output says how to open them."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time

import httpx
import pytest

EN = "rec-weekly-en-2026-W22"
LINK = re.compile(r"http://127\.0\.0\.1:(\d+)/p/[0-9a-f]{32}")


@pytest.fixture
def server(env):
    """`bot local serve --port 0` (any free port) as a real process on the test's state dir."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0"],
        cwd=env,
        env=dict(os.environ),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    record = env / "state" / "local-serve.json"
    deadline = time.monotonic() + 30
    while not record.exists():
        assert proc.poll() is None, proc.stderr.read()
        assert time.monotonic() < deadline, "bot local serve never recorded its address"
        time.sleep(0.05)  # polling another process
    url = json.loads(record.read_text(encoding="utf-8"))["url"]
    yield proc, url
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)


def test_links_point_to_the_port_the_server_uses(cli, server):
    proc, url = server
    port = url.rsplit(":", 1)[1]
    assert port != "8765"
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    links = LINK.findall(out)
    assert len(links) == 2 and set(links) == {port}
    assert "note: the page links open" not in err
    page = next(m.group(0) for m in LINK.finditer(out))
    response = httpx.get(page, timeout=30)  # over HTTP: the printed link opens the page
    assert response.status_code == 200 and "Rec Tech Weekly" in response.text
    for argv in (("runs", "--json"), ("status", "--json"), ("run-due",)):
        code, out, err = cli(*argv)
        assert code == 0, err
        assert set(LINK.findall(out)) == {port}, argv


def test_without_a_server_the_output_says_how_to_open_the_links(cli, env, server):
    proc, _ = server
    proc.send_signal(signal.SIGINT)  # the server stops and forgets its address
    proc.wait(timeout=30)
    assert not (env / "state" / "local-serve.json").exists()
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert set(LINK.findall(out)) == {"8765"}
    assert "note: the page links open in a browser while `bot local serve --port 8765` runs" in err
    assert "bot local show SLUG" in err
    assert err.count("note: the page links open") == 1


def test_a_server_that_died_without_cleaning_up_is_not_trusted(cli, env):
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    ).stdout.strip()
    (env / "state").mkdir(exist_ok=True)
    (env / "state" / "local-serve.json").write_text(
        json.dumps({"url": "http://127.0.0.1:9", "pid": int(dead)}), encoding="utf-8"
    )
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert set(LINK.findall(out)) == {"8765"} and "bot local serve --port 8765" in err


def test_quiet_drops_the_note(cli, env):
    code, out, err = cli("publish", "--week", "W22", "-q")
    assert code == 0 and err == "" and set(LINK.findall(out)) == {"8765"}
