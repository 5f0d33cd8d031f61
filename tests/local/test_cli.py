from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import httpx

from bot.local import LocalWorkspace
from helpers import sigint_ignored

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
    environment = {
        **os.environ,
        "BOT_STATE_DIR": str(tmp_path),
        "BOT_LOCAL_TOKEN": "tok",
        "NOTION_TOKEN": "",
        "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
    }
    environment.pop("BOT_LOCAL_FAULTS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0", "--faults", "status:503@0"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=environment,
        preexec_fn=sigint_ignored,
    )
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


def test_user_add_prints_a_token_whose_edits_show_the_name(cli, env):
    """`bot local user add` makes a person; `bot local show` names who last edited each block."""
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    code, token, err = cli("local", "user", "add", "Alice Editor")
    token = token.strip()
    assert code == 0 and token and "\n" not in token and "Alice Editor" in err, (token, err)
    ws = LocalWorkspace(env / "state" / "local-notion.sqlite3")
    try:
        h = {"Authorization": f"Bearer {token}", "Notion-Version": "2025-09-03"}
        status, _, body = ws.dispatch("GET", "/v1/users/me", {}, h, b"")
        me = json.loads(body)
        assert status == 200 and me["type"] == "person" and me["name"] == "Alice Editor"
        ds = ws.store.data_sources_of(ws.store.databases()[0]["id"])[0]["id"]
        find = {"filter": {"property": "slug", "rich_text": {"equals": "rec-weekly-en-2026-W22"}}}
        page = json.loads(ws.dispatch("POST", f"/v1/data_sources/{ds}/query", {}, h, json.dumps(find).encode())[2])[
            "results"
        ][0]
        children = json.loads(ws.dispatch("GET", f"/v1/blocks/{page['id']}/children", {}, h, b"")[2])["results"]
        first = next(b for b in children if b["type"] == "paragraph")
        edit = json.dumps({"paragraph": {"rich_text": [{"text": {"content": "Alice was here."}}]}}).encode()
        status, _, body = ws.dispatch("PATCH", f"/v1/blocks/{first['id']}", {}, h, edit)
        assert status == 200, body
    finally:
        ws.close()
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert code == 0, err
    editors = out[out.index("## last edited by") :].splitlines()[1:]
    assert editors.count("- paragraph: Alice Editor") == 1, editors
    assert sum(line.endswith(": Local bot") for line in editors) == len(editors) - 1, editors


def test_user_add_needs_a_name(cli):
    code, out, err = cli("local", "user", "add", "  ")
    assert code == 1 and "needs a name" in err and out == ""


def test_serve_rate_limit_flag_and_setting(tmp_path):
    """--rate-limit wins over BOT_LOCAL_RATE_LIMIT; the served workspace answers 429 past it."""
    environment = {
        **os.environ,
        "BOT_STATE_DIR": str(tmp_path),
        "BOT_LOCAL_TOKEN": "tok",
        "NOTION_TOKEN": "",
        "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
        "BOT_LOCAL_RATE_LIMIT": "off",
    }
    environment.pop("BOT_LOCAL_FAULTS", None)
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0", "--rate-limit", "2/60"],
        stderr=subprocess.PIPE,
        text=True,
        cwd=tmp_path,
        env=environment,
        preexec_fn=sigint_ignored,
    )
    try:
        url = proc.stderr.readline().split()[3]
        lines = [proc.stderr.readline() for _ in range(5)]
        assert any("Rate limit: 2 requests per 60 s per token" in line for line in lines), lines
        h = {"Authorization": "Bearer tok", "Notion-Version": "2025-09-03"}
        assert [httpx.get(f"{url}/v1/users/me", headers=h).status_code for _ in range(2)] == [200, 200]
        limited = httpx.get(f"{url}/v1/users/me", headers=h)
        assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
        assert 1 <= int(limited.headers["retry-after"]) <= 60
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=10)


def test_bad_rate_limit_is_a_clear_error(cli, monkeypatch):
    code, out, err = cli("local", "serve", "--port", "0", "--rate-limit", "fast")
    assert code == 1 and "--rate-limit" in err and "180/60" in err and "Traceback" not in err
    monkeypatch.setenv("BOT_LOCAL_RATE_LIMIT", "lots")
    code, out, err = cli("local", "serve", "--port", "0")
    assert code == 1 and "BOT_LOCAL_RATE_LIMIT" in err and "Traceback" not in err
