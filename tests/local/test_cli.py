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

ROOT = Path(__file__).resolve().parents[2]


def test_reset_requires_yes_and_wipes(cli, env, monkeypatch):
    monkeypatch.setenv("BOT_LOCAL_TOKEN", "tok")
    path = env / "state" / "local-notion.sqlite3"
    path.parent.mkdir(parents=True)
    ws = LocalWorkspace(path, bot_token="tok")
    ws.ensure_database("Newsletter", {"title": {"title": {}}})
    ws.close()
    code, _, err = cli("local", "reset", "--yes")
    assert code == 0, err
    ws = LocalWorkspace(path, bot_token="tok")
    assert ws.store.databases() == []
    ws.close()


def test_serve_subprocess_prints_url_and_token(tmp_path):
    environment = {**os.environ, "BOT_STATE_DIR": str(tmp_path), "BOT_LOCAL_TOKEN": "tok", "NOTION_TOKEN": "",
                   "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml")}
    environment.pop("BOT_LOCAL_FAULTS", None)
    proc = subprocess.Popen([sys.executable, "-m", "bot", "local", "serve", "--port", "0", "--faults", "status:503@0"],
                            stderr=subprocess.PIPE, text=True, cwd=tmp_path, env=environment)
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
