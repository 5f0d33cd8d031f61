"""Publishing benchmarks.

1. scenarios (default): `bot publish --all` of 52 weeks × 2 languages, each run a real `bot`
   process talking HTTP to a real `bot local serve` process that enforces Notion's
   per-connection budget (180 requests per 60 s, sliding window). Scenarios, in order, on
   the same workspace: fresh, no-op with the state dir, no-op on a fresh machine (state dir
   deleted), one paragraph edited, one property changed, one week's zh rewritten. For each:
   requests by kind, 429s, wall time. The server is restarted (same data) before each
   scenario, so every run starts with the full budget, as a weekly publish does.
2. `python -X importtime -m bot --help`: import time and whether the heavy modules load.
3. `--edits`: our minimal diff vs. a naive "delete all children, re-append" publisher for
   typical edits of the W22 issue (embedded workspace, virtual clock).
4. `--fleet`: several hosts on one token (issue 22), against a server with Notion's budget
   that answers every 429 with `Retry-After: 1` (a strict Notion whose window stays full):
   back to back (a fresh `publish --all`, at once a `publish --all --dry-run` from another
   state dir, then `publish --week W22`), and three hosts at once (three state dirs, empty
   database) without and with BOT_DATABASE_URL (a throwaway PostgreSQL, tests/pg_server.py).
   Per host: exit code, requests, 429s, seconds waited for the budget, wall time.
   `--fleet-only` skips the other parts.
5. `--scale [--scale-runs N]` (only this section): peak memory (RSS of a fresh process) and
   CPU of a no-op, a dry run, `bot validate` and an edit over 108, 524 and 1,044 variants
   (weeks synthesized from the shipped ones; embedded workspace): benchmarks/bench_scale.py.

    python benchmarks/bench_publish.py [--json] [--weeks 52] [--edits] [--fleet] [--fleet-only]
    python benchmarks/bench_publish.py --scale [--scale-runs 3] [--json]
    python benchmarks/bench_publish.py --bot /path/to/other/checkout   # the same table for other code
"""

from __future__ import annotations

import argparse
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
W22 = ROOT / "content/rec-weekly/2026-W22"
ID = re.compile(r"[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}")
TRACE = re.compile(r"bot\.notion: (GET|POST|PATCH|DELETE) /v1/(\S+) -> (\S+)")
WAITED = re.compile(r"bot\.notion: (?:waiting ([\d.]+) s for Notion's rate budget|paced ([\d.]+) s)")

# The server with Notion's budget. `bot local serve --rate-limit` when this checkout has it;
# otherwise the same RateLimit configured from here before `bot local serve` runs.
LAUNCHER = r"""
import sys
import bot.local
from bot.local import LocalWorkspace, RateLimit

requests, window, port = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]

class Limited(LocalWorkspace):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rate_limit = RateLimit(requests=requests, window_s=window)

bot.local.LocalWorkspace = Limited
from bot.cli import main
sys.exit(main(["local", "serve", "--port", port]))
"""


# ----------------------------------------------------------------------------- content
def make_content(tmp: Path, weeks: int) -> Path:
    content = tmp / "content"
    for n in range(1, weeks + 1):
        week = f"2025-W{n:02d}"
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        for lang in ("en", "zh"):
            text = (W22 / f"{lang}.md").read_text(encoding="utf-8").replace("2026-W22", week)
            saturday = date.fromisocalendar(2025, n, 6)  # the date falls in its week
            text = re.sub(r"date: .*", f"date: {saturday.isoformat()} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return content


def _body_of(path: Path) -> tuple[str, str]:
    text = path.read_text(encoding="utf-8")
    end = text.index("\n---", 3) + 4
    return text[:end], text[end:]


def edit_paragraph(content: Path) -> None:
    path = content / "rec-weekly/2025-W10/en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("Four industrial distillation papers this week", "Four distillation papers this week", 1),
        encoding="utf-8",
    )


def change_property(content: Path) -> None:
    path = content / "rec-weekly/2025-W20/en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("status: Published", "status: Invisible", 1), encoding="utf-8")


def rewrite_zh(content: Path) -> None:
    """Keep the front matter of one week's zh, take W14's zh body: every block changes."""
    path = content / "rec-weekly/2025-W30/zh.md"
    head, _ = _body_of(path)
    _, body = _body_of(ROOT / "content/rec-weekly/2026-W14/zh.md")
    path.write_text(head + body, encoding="utf-8")


# ----------------------------------------------------------------------------- processes
def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`bot local serve` in its own process, with Notion's budget."""

    def __init__(
        self, python: str, cwd: Path, state: Path, budget: tuple[int, float], port: int, retry_after: int | None = None
    ):
        # One port for every scenario: page URLs (and so the language links) include it.
        self.python, self.cwd, self.state, self.budget, self.port = python, cwd, state, budget, port
        self.retry_after = retry_after

    def __enter__(self) -> "Server":
        port = self.port
        env = dict(
            os.environ,
            BOT_STATE_DIR=str(self.state),
            BOT_MAPPING=str(ROOT / "mappings/rec-weekly.yaml"),
            NOTION_TOKEN="",
        )
        help_text = subprocess.run(
            [self.python, "-m", "bot", "local", "serve", "--help"],
            capture_output=True,
            text=True,
            cwd=self.cwd,
            env=env,
        ).stdout
        if "--rate-limit" in help_text:
            command = [
                self.python,
                "-m",
                "bot",
                "local",
                "serve",
                "--port",
                str(port),
                "--rate-limit",
                f"{self.budget[0]}/{self.budget[1]:g}",
            ]
            if self.retry_after:
                command += ["--retry-after", str(self.retry_after)]
        else:
            command = [self.python, "-c", LAUNCHER, str(self.budget[0]), str(self.budget[1]), str(port)]
        self.proc = subprocess.Popen(
            command, cwd=self.cwd, env=env, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True
        )
        self.url = self.database_id = None
        for line in self.proc.stderr:
            if m := re.search(r"NOTION_BASE_URL=(\S+) NOTION_DATABASE_ID=(\S+)", line):
                self.url, self.database_id = m.group(1), m.group(2)
            if "Press Ctrl-C" in line:
                break
        if not self.url:
            raise SystemExit("bot local serve did not start")
        return self

    def __exit__(self, *exc) -> None:
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def publish(python: str, cwd: Path, server: Server, content: Path, state: Path, rate_setting: str | None) -> dict:
    env = dict(
        os.environ,
        NOTION_TOKEN="local-bot-token",
        NOTION_BASE_URL=server.url,
        NOTION_DATABASE_ID=server.database_id,
        BOT_STATE_DIR=str(state),
        BOT_CONTENT_DIR=str(content),
        BOT_MAPPING=str(ROOT / "mappings/rec-weekly.yaml"),
    )
    env.pop("NOTION_DATABASE_ID_EN", None), env.pop("NOTION_DATABASE_ID_ZH", None)
    if rate_setting:
        env["BOT_RATE_LIMIT"] = rate_setting
    cpu_before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [python, "-m", "bot", "publish", "--all", "--json", "-v"], cwd=cwd, env=env, capture_output=True, text=True
    )
    wall = time.perf_counter() - started
    cpu_after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (cpu_after.ru_utime - cpu_before.ru_utime) + (cpu_after.ru_stime - cpu_before.ru_stime)
    if proc.returncode != 0:
        raise SystemExit(f"publish failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    kinds: Counter = Counter()
    status_429 = 0
    for method, path, status in TRACE.findall(proc.stderr):
        kinds[f"{method} {ID.sub('{id}', path.split('?')[0])}"] += 1
        status_429 += status == "429"
    data = json.loads(proc.stdout)
    actions = Counter(v["action"] for v in data["variants"])
    return {
        "requests": sum(kinds.values()),
        "by_kind": dict(sorted(kinds.items())),
        "429s": status_429,
        "wall_s": round(wall, 1),
        "client_cpu_s": round(cpu, 1),
        "stats": data["requests"],
        "actions": dict(actions),
    }


SCENARIOS = [
    ("fresh", None, False, "≤ 1.05 × floor, 0 × 429"),
    ("no-op, state dir", None, False, "≤ 6 requests, ≤ 5 s"),
    ("no-op, fresh machine", None, True, "as before the records (tree reads)"),
    ("one paragraph edited", edit_paragraph, False, "≤ 8 requests"),
    ("one property changed", change_property, False, ""),
    ("one week's zh rewritten", rewrite_zh, False, ""),
]


def bench_scenarios(weeks: int, python: str, cwd: Path, rate_setting: str | None, budget: tuple[int, float]) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-publish-"))
    try:
        content = make_content(tmp, weeks)
        client_state, server_state = tmp / "client-state", tmp / "server-state"
        rows = []
        port = free_port()
        for name, change, fresh_machine, goal in SCENARIOS:
            if change:
                change(content)
            if fresh_machine:
                shutil.rmtree(client_state, ignore_errors=True)
            with Server(python, cwd, server_state, budget, port) as server:
                row = publish(python, cwd, server, content, client_state, rate_setting)
            rows.append({"scenario": name, "goal": goal, **row})
        pairs = weeks
        # creates; per new pair a language link and a reveal (hidden until complete: README);
        # the series query's pages; set-up reads and the twin check
        floor = 2 * weeks + 2 * pairs + -(-2 * weeks // 100) + 3
        return {
            "weeks": weeks,
            "pages": 2 * weeks,
            "server_budget": f"{budget[0]}/{budget[1]:g}",
            "floor": floor,
            "rows": rows,
        }
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# ----------------------------------------------------------------------------- start-up
HEAVY = ("apscheduler", "pydantic_settings", "bot.local", "markdown_it", "notion_client", "httpx")


def bench_import(python: str, cwd: Path, runs: int = 5) -> dict:
    def once(args: list[str]) -> tuple[float, float, set[str]]:
        started = time.perf_counter()
        proc = subprocess.run([python, "-X", "importtime", "-m", "bot", *args], cwd=cwd, capture_output=True, text=True)
        wall = time.perf_counter() - started
        total, loaded = 0, set()
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( *)(\S+)", line)
            if not m:
                continue
            loaded.add(m.group(4))
            if len(m.group(3)) == 1:  # top level: its cumulative time includes everything below it
                total += int(m.group(2))
        return wall, total / 1e6, loaded

    out = {}
    for label, args in (
        ("bot --help", ["--help"]),
        ("bot validate", ["validate"]),
    ):  # validate: the checkout's content/
        samples = [once(args) for _ in range(runs)]
        loaded = samples[-1][2]
        out[label] = {
            "wall_s": round(statistics.median(s[0] for s in samples), 3),
            "imports_s": round(statistics.median(s[1] for s in samples), 3),
            "heavy_modules_loaded": [m for m in HEAVY if m in loaded],
        }
    return out


# ----------------------------------------------------------------------------- minimal diff
def bench_edits() -> list[dict]:
    sys.path.insert(0, str(ROOT))
    from bot.engine.apply import Writer
    from bot.bilingual import language_link
    from bot.clock import VirtualClock
    from bot.local import LocalTransport, LocalWorkspace
    from bot.properties import desired_properties
    from bot.engine.publish import PublishOptions, Publisher
    from bot.session import open_session
    from bot.settings import load_settings
    from bot.source import read_all, select_week

    def rewrite(t: str) -> str:
        head, _ = t[: t.index("\n---", 3) + 4], None
        other = (ROOT / "content/rec-weekly/2026-W14/en.md").read_text(encoding="utf-8")
        return head + other[other.index("\n---", 3) + 4 :]

    edits = {
        "1 paragraph edited": lambda t: t.replace(
            "Four industrial distillation papers this week", "Four distillation papers this week", 1
        ),
        "1 paragraph inserted": lambda t: t.replace(
            "## Directions to Watch\n", "## Directions to Watch\n\nA new paragraph.\n", 1
        ),
        "property changed": lambda t: t.replace("status: Published", "status: Invisible", 1),
        "whole week rewritten": rewrite,
    }

    def naive(session, variant) -> None:
        target = session.target(variant.lang)
        page = session.api.find_pages(target.data_source_id, "slug", "rich_text", variant.slug)[0]
        for block in session.api.list_children(page["id"]):
            session.api.delete_block(block["id"])
        body, _ = Publisher(session, [variant], PublishOptions()).planner.convert(variant)
        session.api.update_page(
            page["id"],
            properties=desired_properties(variant, session.mapping, session.settings.zone, set(target.property_types)),
        )
        Writer(session.api).append_tree(page["id"], [language_link(variant.lang, None)] + body, None, at_end=True)

    rows = []
    for name, change in edits.items():
        row = {"scenario": name}
        for mode in ("bot", "naive"):
            tmp = Path(tempfile.mkdtemp())
            try:
                content = tmp / "content"
                shutil.copytree(ROOT / "content", content)
                clock = VirtualClock()
                ws = LocalWorkspace(":memory:", clock=clock)
                settings = load_settings(
                    bot_content_dir=content,
                    bot_state_dir=tmp / "state",
                    notion_token="",
                    bot_mapping=ROOT / "mappings/rec-weekly.yaml",
                )
                session = open_session(settings, transport=LocalTransport(ws), workspace=ws, clock=clock)
                variants = read_all(content)
                Publisher(session, variants, PublishOptions()).publish_group(select_week(variants, "W22"))
                path = content / "rec-weekly/2026-W22/en.md"
                path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
                variants = read_all(content)
                en = [v for v in select_week(variants, "W22") if v.lang == "en"]
                before = session.api.stats.snapshot()
                if mode == "bot":
                    Publisher(session, variants, PublishOptions()).publish_group(en)
                else:
                    naive(session, en[0])
                spent = session.api.stats.since(before)
                row[f"{mode}_writes"], row[f"{mode}_requests"] = spent.writes, spent.reads + spent.writes
            finally:
                shutil.rmtree(tmp)
        rows.append(row)
    return rows


# ----------------------------------------------------------------------------- fleet (issue 22)
def _host_env(server: Server, content: Path, state: Path, cache: Path, database_url: str | None) -> dict:
    env = dict(
        os.environ,
        NOTION_TOKEN="local-bot-token",
        NOTION_BASE_URL=server.url,
        NOTION_DATABASE_ID=server.database_id,
        BOT_STATE_DIR=str(state),
        BOT_CONTENT_DIR=str(content),
        BOT_MAPPING=str(ROOT / "mappings/rec-weekly.yaml"),
        XDG_CACHE_HOME=str(cache),
        BOT_LOCK_WAIT="3600",
    )
    for name in ("NOTION_DATABASE_ID_EN", "NOTION_DATABASE_ID_ZH", "BOT_DATABASE_URL", "BOT_RATE_LIMIT"):
        env.pop(name, None)
    if database_url:
        env["BOT_DATABASE_URL"] = database_url
    return env


def _start(python: str, cwd: Path, args: list[str], env: dict) -> tuple[subprocess.Popen, float]:
    return subprocess.Popen(
        [python, "-m", "bot", *args, "-v"], cwd=cwd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    ), time.perf_counter()


def _finish(name: str, started: tuple[subprocess.Popen, float]) -> dict:
    proc, t0 = started
    out, err = proc.communicate()
    wall = time.perf_counter() - t0
    statuses = [status for _, _, status in TRACE.findall(err)]
    waited = sum(float(a or b) for a, b in WAITED.findall(err))
    error = next((line for line in err.splitlines() if line.startswith("error:")), "")
    return {
        "host": name,
        "exit": proc.returncode,
        "requests": len(statuses),
        "429s": statuses.count("429"),
        "waited_s": round(waited, 1),
        "wall_s": round(wall, 1),
        "error": error[:160],
    }


def _pages_per_slug(server: Server) -> dict:
    sys.path.insert(0, str(ROOT))
    from bot.notion import NotionAPI

    client = NotionAPI(auth="local-bot-token", base_url=server.url, rate=1000)
    try:
        data_source = client.retrieve_database(server.database_id)["data_sources"][0]["id"]
        counts: Counter = Counter()
        for page in client.query(data_source, {}):
            if not page.get("in_trash"):
                counts["".join(t.get("plain_text", "") for t in page["properties"]["slug"]["rich_text"])] += 1
        return {"slugs": len(counts), "with_twins": sum(1 for n in counts.values() if n > 1)}
    finally:
        client.close()


def _database_url() -> tuple[str | None, object]:
    sys.path.insert(0, str(ROOT / "tests"))
    try:
        from pg_server import fresh_database, server_url

        admin = server_url()
        return fresh_database(admin) if admin else (None, lambda: None)
    except Exception as exc:  # no PostgreSQL here: the shared-database scenario is skipped
        print(f"(no PostgreSQL: {exc})", file=sys.stderr)
        return None, lambda: None


def bench_fleet(weeks: int, python: str, cwd: Path, budget: tuple[int, float], hosts: int = 3) -> list[dict]:
    """Every scenario on a fresh workspace and a fresh budget (the server restarts empty)."""
    scenarios = []
    for name in (
        "back to back",
        f"{hosts} hosts at once, no shared database",
        f"{hosts} hosts at once, BOT_DATABASE_URL",
    ):
        tmp = Path(tempfile.mkdtemp(prefix="bench-fleet-"))
        database_url, drop = _database_url() if "DATABASE_URL" in name else (None, lambda: None)
        if "DATABASE_URL" in name and database_url is None:
            shutil.rmtree(tmp, ignore_errors=True)
            continue
        try:
            content = make_content(tmp, weeks)
            # The server is always this checkout's (it has --retry-after); the hosts run `cwd`'s bot.
            with Server(python, ROOT, tmp / "server-state", budget, free_port(), retry_after=1) as server:
                env = lambda host: _host_env(server, content, tmp / f"state-{host}", tmp / "cache", database_url)  # noqa: E731
                started = time.perf_counter()
                if name == "back to back":
                    rows = [
                        _finish("fresh publish --all", _start(python, cwd, ["publish", "--all"], env("ci"))),
                        _finish(
                            "publish --all --dry-run (other state dir)",
                            _start(python, cwd, ["publish", "--all", "--dry-run"], env("editor")),
                        ),
                        _finish(
                            "publish --week W22",
                            _start(
                                python,
                                cwd,
                                ["publish", "--week", f"{2025}-W22" if weeks >= 22 else "2025-W01"],
                                env("laptop"),
                            ),
                        ),
                    ]
                else:
                    procs = [
                        (f"host {i + 1}", _start(python, cwd, ["publish", "--all"], env(f"h{i}"))) for i in range(hosts)
                    ]
                    rows = [_finish(host, p) for host, p in procs]
                total = time.perf_counter() - started
                pages = _pages_per_slug(server)
            scenarios.append({"scenario": name, "hosts": rows, "wall_s": round(total, 1), **pages})
        finally:
            drop()
            shutil.rmtree(tmp, ignore_errors=True)
    return scenarios


def print_fleet(scenarios: list[dict], weeks: int, budget: tuple[int, float]) -> None:
    print(
        f"fleet on one token: {weeks} weeks × 2 languages; server budget {budget[0]}/{budget[1]:g} s, every 429 with Retry-After: 1"
    )
    print(f"{'scenario / host':<46} {'exit':>4} {'requests':>8} {'429s':>5} {'waited s':>8} {'wall s':>7}")
    for sc in scenarios:
        print(f"{sc['scenario']}  (all: {sc['wall_s']} s; {sc['slugs']} slugs, {sc['with_twins']} with twins left)")
        for row in sc["hosts"]:
            print(
                f"  {row['host']:<44} {row['exit']:>4} {row['requests']:>8} {row['429s']:>5} {row['waited_s']:>8} {row['wall_s']:>7}  {row['error']}"
            )


# ----------------------------------------------------------------------------- report
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--bot", type=Path, default=ROOT, help="checkout whose bot to measure (default: this one)")
    parser.add_argument("--python", default=sys.executable, help="interpreter that has that checkout's dependencies")
    parser.add_argument(
        "--rate-setting", default=None, help="BOT_RATE_LIMIT for the client (default: the checkout's default)"
    )
    parser.add_argument("--edits", action="store_true", help="also compare the minimal diff with a naive republish")
    parser.add_argument("--fleet", action="store_true", help="also several hosts on one token (issue 22)")
    parser.add_argument("--fleet-only", action="store_true", help="only the fleet scenarios")
    parser.add_argument("--json", action="store_true")
    parser.add_argument(
        "--scale", action="store_true", help="only: memory and CPU over 108, 524 and 1,044 variants (bench_scale.py)"
    )
    parser.add_argument("--scale-runs", type=int, default=1)
    args = parser.parse_args()
    if args.scale:
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import bench_scale

        rows = bench_scale.bench_runs(args.python, [108, 524, 1044], args.scale_runs)
        print(json.dumps({"rows": rows}, indent=2) if args.json else bench_scale.table(rows))
        return
    cwd = args.bot.resolve()
    load = os.getloadavg()[0]
    if args.fleet_only:
        fleet = bench_fleet(args.weeks, args.python, cwd, (180, 60.0))
        if args.json:
            print(
                json.dumps(
                    {"load_average_1min_at_start": round(load, 1), "cpus": os.cpu_count(), "fleet": fleet},
                    indent=2,
                    ensure_ascii=False,
                )
            )
        else:
            print(f"machine: {os.cpu_count()} CPUs, load average {round(load, 1)} at start")
            print_fleet(fleet, args.weeks, (180, 60.0))
        return
    result = {
        "load_average_1min_at_start": round(load, 1),
        "cpus": os.cpu_count(),
        "scenarios": bench_scenarios(args.weeks, args.python, cwd, args.rate_setting, (180, 60.0)),
        "startup": bench_import(args.python, cwd),
    }
    if args.fleet:
        result["fleet"] = bench_fleet(args.weeks, args.python, cwd, (180, 60.0))
    if args.edits:
        result["edits"] = bench_edits()
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return
    s = result["scenarios"]
    print(
        f"machine: {result['cpus']} CPUs, load average {result['load_average_1min_at_start']} at start (wall times grow with it; bot cpu s does not)"
    )
    print(
        f"bot publish --all: {s['weeks']} weeks × 2 languages over HTTP; server budget {s['server_budget']} s; floor ≈ {s['floor']} requests"
    )
    print(
        f"{'scenario':<24} {'requests':>8} {'reads':>6} {'writes':>6} {'429s':>5} {'wall s':>7} {'bot cpu s':>9}  goal / requests by kind"
    )
    for row in s["rows"]:
        kinds = ", ".join(f"{k} ×{n}" for k, n in row["by_kind"].items())
        print(
            f"{row['scenario']:<24} {row['requests']:>8} {row['stats']['reads']:>6} {row['stats']['writes']:>6} {row['429s']:>5} {row['wall_s']:>7} {row['client_cpu_s']:>9}  {row['goal']}"
        )
        print(f"{'':<24} {kinds}")
    print()
    print("start-up (python -X importtime -m bot …, median of 5):")
    for label, row in result["startup"].items():
        print(
            f"  {label:<14} wall {row['wall_s']:.3f} s, imports {row['imports_s']:.3f} s, heavy modules loaded: {', '.join(row['heavy_modules_loaded']) or 'none'}"
        )
    if args.edits:
        print()
        print(f"{'edit of W22 en':<22} {'bot writes':>10} {'naive writes':>12} {'bot reqs':>9} {'naive reqs':>10}")
        for row in result["edits"]:
            print(
                f"{row['scenario']:<22} {row['bot_writes']:>10} {row['naive_writes']:>12} {row['bot_requests']:>9} {row['naive_requests']:>10}"
            )

    if args.fleet:
        print()
        print_fleet(result["fleet"], args.weeks, (180, 60.0))


if __name__ == "__main__":
    main()
