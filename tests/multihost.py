"""Real processes against one workspace served over HTTP: the multi-host tests and
benchmarks/concurrent_publishers.py share these helpers.

`Served` is `python -m bot local serve --port 0` (the embedded workspace behind Notion's REST
API on 127.0.0.1); every publisher is `python -m bot …` with a state dir of its own and
NOTION_TOKEN/NOTION_BASE_URL/NOTION_DATABASE_ID pointing at it, like hosts sharing one
Notion workspace.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "local-bot-token"


@dataclass
class Served:
    url: str
    database_id: str
    proc: subprocess.Popen
    root: Path

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait(timeout=20)


def base_env(root: Path) -> dict:
    """Content and mapping of the repository, copied under `root` (shared by all hosts)."""
    content = root / "content"
    if not content.exists():
        shutil.copytree(ROOT / "content", content)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("NOTION_", "BOT_"))}
    env.update(
        {
            "BOT_CONTENT_DIR": str(content),
            "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
            "BOT_TIMEZONE": "Asia/Shanghai",
            "BOT_RATE_LIMIT": "1000",
            "BOT_LOCK_WAIT": "300",
            "PYTHONPATH": str(ROOT),
            # The hosts' shared rate budget (bot.budget) lives in the user's cache dir: one per test.
            "XDG_CACHE_HOME": str(root / "cache"),
        }
    )
    return env


def serve(root: Path, timeout: float = 60.0, rate_limit: str = "off", retry_after: int | None = None) -> Served:
    """`rate_limit`: the budget the server enforces per token (429 past it), e.g. "180/60";
    `retry_after`: the Retry-After of every 429 (a strict Notion's short one) instead of the
    time until a slot frees."""
    log = root / "serve.log"
    env = base_env(root) | {
        "BOT_STATE_DIR": str(root / "server-state"),
        "NOTION_TOKEN": "",
        "BOT_LOCAL_RATE_LIMIT": rate_limit,
    }
    extra = ["--retry-after", str(retry_after)] if retry_after else []
    with log.open("w") as handle:
        proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "local", "serve", "--port", "0", *extra],
            cwd=root,
            env=env,
            stdout=handle,
            stderr=handle,
            stdin=subprocess.DEVNULL,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        text = log.read_text(errors="replace")
        found = re.search(r"NOTION_BASE_URL=(\S+) NOTION_DATABASE_ID=(\S+)", text)
        if found:
            return Served(found.group(1), found.group(2), proc, root)
        if proc.poll() is not None:
            break
        time.sleep(0.1)
    proc.kill()
    raise RuntimeError(f"bot local serve did not start:\n{log.read_text(errors='replace')}")


def host_env(served: Served, name: str, database_url: str | None = None, **extra: str) -> dict:
    """The environment of one host: its own state dir, the shared workspace (and database)."""
    env = base_env(served.root) | {
        "BOT_STATE_DIR": str(served.root / f"state-{name}"),
        "NOTION_TOKEN": TOKEN,
        "NOTION_BASE_URL": served.url,
        "NOTION_DATABASE_ID": served.database_id,
    }
    if database_url:
        env["BOT_DATABASE_URL"] = database_url
    env.update(extra)
    return env


@dataclass
class Finished:
    name: str
    code: int
    out: str
    err: str


def run_at_once(
    served: Served, args: list[str], hosts: int, database_url: str | None = None, timeout: float = 300
) -> list[Finished]:
    """Start `bot ARGS` on `hosts` hosts at the same moment; wait for all of them."""
    procs = [
        (
            f"h{i}",
            subprocess.Popen(
                [sys.executable, "-m", "bot", *args],
                cwd=served.root,
                env=host_env(served, f"h{i}", database_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            ),
        )
        for i in range(hosts)
    ]
    done = []
    for name, proc in procs:
        out, err = proc.communicate(timeout=timeout)
        done.append(Finished(name, proc.returncode, out, err))
    return done


def run_one(
    served: Served, args: list[str], name: str = "extra", database_url: str | None = None, timeout: float = 300
) -> Finished:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=served.root,
        env=host_env(served, name, database_url),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=timeout,
    )
    return Finished(name, proc.returncode, proc.stdout, proc.stderr)


def api(served: Served):
    from bot.notion import NotionAPI

    return NotionAPI(auth=TOKEN, base_url=served.url, rate=1000)


def pages_per_slug(served: Served) -> Counter:
    """Live (not trashed) pages per slug in the served database."""
    client = api(served)
    try:
        data_source = client.retrieve_database(served.database_id)["data_sources"][0]["id"]
        counts: Counter = Counter()
        for page in client.query(data_source, {}):
            if page.get("in_trash") or page.get("archived"):
                continue
            slug = "".join(t.get("plain_text", "") for t in page["properties"]["slug"]["rich_text"])
            counts[slug] += 1
        return counts
    finally:
        client.close()


def trashed_pages(served: Served) -> set[str]:
    """Ids of the pages in the trash (a data source query never returns them; search does
    when its filter asks for `in_trash`)."""
    client = api(served)
    found: set[str] = set()
    try:
        cursor = None
        while True:
            body = {"filter": {"property": "object", "value": "page", "in_trash": True}, "page_size": 100}
            if cursor:
                body["start_cursor"] = cursor
            result = client.request("POST", "search", body=body, write=False)
            found.update(p["id"] for p in result["results"] if p.get("in_trash"))
            cursor = result.get("next_cursor")
            if not result.get("has_more") or not cursor:
                return found
    finally:
        client.close()


UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def twins_reported(results: list[Finished]) -> set[str]:
    """Ids of the pages the runs said they moved to the trash."""
    found: set[str] = set()
    for r in results:
        for line in r.err.splitlines():
            if "moved to the trash: " in line:
                found.update(UUID.findall(line.split("moved to the trash: ", 1)[1]))
    return found


def add_weeks(root: Path, weeks: int, year: int = 2025) -> None:
    """`weeks` more issues (copies of 2026-W22 as year-W01 …) in the hosts' shared content, so
    a publish spends more than a small test budget."""
    from datetime import date

    base_env(root)  # the content copy
    source = ROOT / "content" / "rec-weekly" / "2026-W22"
    for n in range(1, weeks + 1):
        week = f"{year}-W{n:02d}"
        folder = root / "content" / "rec-weekly" / week
        folder.mkdir(parents=True, exist_ok=True)
        saturday = date.fromisocalendar(year, n, 6)
        for lang in ("en", "zh"):
            text = (source / f"{lang}.md").read_text(encoding="utf-8").replace("2026-W22", week)
            text = re.sub(r"date: .*", f"date: {saturday.isoformat()} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
