from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import SimpleNamespace

import httpx

from bot.local import LocalWorkspace
from bot.local.cli import register


def parser_for(state_dir: Path):
    p = argparse.ArgumentParser()
    sub = p.add_subparsers()
    register(sub, lambda: SimpleNamespace(state_dir=state_dir, bot_local_token="tok", bot_local_faults=None))
    return p


def test_reset_requires_yes_and_wipes(tmp_path, capsys):
    ws = LocalWorkspace(tmp_path / "local-notion.sqlite3", bot_token="tok")
    ws.ensure_database("Newsletter", {"title": {"title": {}}})
    ws.close()
    args = parser_for(tmp_path).parse_args(["reset", "--yes"])
    assert args.func(args) == 0
    ws = LocalWorkspace(tmp_path / "local-notion.sqlite3", bot_token="tok")
    assert ws._store.databases() == []
    ws.close()


def test_serve_subprocess_prints_url_and_token(tmp_path):
    code = (
        "import argparse, sys; from types import SimpleNamespace; from pathlib import Path;"
        "from bot.local.cli import register;"
        "p = argparse.ArgumentParser(); sub = p.add_subparsers();"
        f"register(sub, lambda: SimpleNamespace(state_dir=Path({str(tmp_path)!r}), bot_local_token='tok', bot_local_faults=None));"
        "a = p.parse_args(['serve', '--port', '0', '--faults', 'status:503@0']); sys.exit(a.func(a))"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stderr=subprocess.PIPE, text=True,
                            cwd=Path(__file__).resolve().parents[2])
    try:
        first = proc.stderr.readline()
        url = first.split()[3]
        assert url.startswith("http://127.0.0.1:")
        assert "token: tok" in proc.stderr.readline()
        h = {"Authorization": "Bearer tok", "Notion-Version": "2025-09-03"}
        assert httpx.get(f"{url}/v1/users/me", headers=h).status_code == 503  # fault at index 0
        assert httpx.get(f"{url}/v1/users/me", headers=h).json()["type"] == "bot"
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)
    assert (tmp_path / "local-notion.sqlite3").exists()
