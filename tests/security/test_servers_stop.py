"""Issue 22 "Servers stop cleanly": `bot local serve` and `bot preview --serve` stop on SIGTERM
and SIGINT, also when started as a background job that inherited an ignored SIGINT, and say so."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys

import httpx
import pytest

from helpers import sigint_ignored

from .conftest import assert_clean


def _start(argv: list[str], cwd) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", *argv],
        cwd=cwd,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_ignored,
    )
    stream = proc.stdout if argv[0] == "preview" else proc.stderr
    first = stream.readline()
    match = re.search(r"http://127\.0\.0\.1:\d+", first)
    assert match, first + (proc.stderr.read() if proc.poll() is not None else "")
    return proc, match.group(0)


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
@pytest.mark.parametrize(
    "command",
    [["local", "serve", "--port", "0"], ["preview", "--week", "W22", "--serve", "--port", "0"]],
    ids=["local-serve", "preview-serve"],
)
def test_server_started_with_sigint_ignored_stops_on_the_signal_and_says_so(command, signum, env):
    proc, url = _start(command, env)
    try:
        assert httpx.get(url + "/", timeout=30).status_code == 200
        proc.send_signal(signum)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    assert_clean(out, err)
    assert f"{signum.name}: stopped serving" in err, err
    with pytest.raises(httpx.ConnectError):
        httpx.get(url + "/", timeout=5)
