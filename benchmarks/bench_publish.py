"""Publishing benchmarks against the embedded local workspace (virtual clock, no sleeping).

1. backfill: 52 weeks × 2 languages published from scratch with Notion's per-connection limit
   simulated (180 requests / 60 s): requests made, 429s received (goal 0), time on the virtual
   clock vs. the minimum that limit allows.
2. edits: our minimal diff vs. a naive "delete all children, re-append" publisher for typical
   edits of the W22 issue: write requests and virtual time at the paced rate.

    python benchmarks/bench_publish.py [--json] [--weeks 52]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.clock import VirtualClock  # noqa: E402
from bot.local import LocalTransport, LocalWorkspace, RateLimit  # noqa: E402
from bot.publish import PublishOptions, Publisher, group_by_week  # noqa: E402
from bot.session import open_session  # noqa: E402
from bot.settings import load_settings  # noqa: E402
from bot.source import read_all, select_week  # noqa: E402


def make_content(tmp: Path, weeks: int) -> Path:
    content = tmp / "content"
    for n in range(1, weeks + 1):
        week = f"2025-W{n:02d}"
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        for lang in ("en", "zh"):
            text = (ROOT / "content/rec-weekly/2026-W22" / f"{lang}.md").read_text(encoding="utf-8")
            text = text.replace("2026-W22", week)
            text = re.sub(r"date: .*", f"date: 2025-01-{(n % 28) + 1:02d} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return content


def session_for(ws, clock, rate):
    settings = load_settings(bot_rate_limit=rate)
    return open_session(settings, transport=LocalTransport(ws), workspace=ws, clock=clock)


def bench_backfill(weeks: int, rate: float) -> dict:
    tmp = Path(tempfile.mkdtemp())
    try:
        os.environ["BOT_CONTENT_DIR"] = str(make_content(tmp, weeks))
        clock = VirtualClock()
        ws = LocalWorkspace(":memory:", clock=clock)
        ws.rate_limit = RateLimit(requests=180, window_s=60)
        session = session_for(ws, clock, rate)
        variants = read_all(Path(os.environ["BOT_CONTENT_DIR"]))
        started = time.perf_counter()
        publisher = Publisher(session, variants, PublishOptions())
        for group in group_by_week(variants):
            publisher.publish_group(group)
        cpu = time.perf_counter() - started
        stats = session.api.stats
        total = stats.reads + stats.writes + stats.retries
        return {
            "weeks": weeks,
            "pages": len(variants),
            "requests": total,
            "reads": stats.reads,
            "writes": stats.writes,
            "429s": stats.rate_limited,
            "virtual_seconds": round(clock.monotonic(), 1),
            "minimum_seconds_at_limit": round(max(0, total - 180) / 3.0, 1),
            "client_rate_per_s": rate,
            "cpu_seconds": round(cpu, 2),
        }
    finally:
        shutil.rmtree(tmp)


EDITS = {
    "first publish": None,
    "no-op": lambda t: t,
    "1 paragraph edited": lambda t: t.replace("Four industrial distillation papers this week", "Four distillation papers this week", 1),
    "1 paragraph inserted": lambda t: t.replace("## Directions to Watch\n", "## Directions to Watch\n\nA new paragraph.\n", 1),
    "1 paragraph deleted": lambda t: _delete_paragraph(t),
    "a section moved": lambda t: _move_section(t),
    "property changed": lambda t: t.replace("status: Published", "status: Invisible", 1),
    "whole week rewritten": lambda t: _rewrite(t),
}


def _delete_paragraph(text: str) -> str:
    start = text.index("Four industrial distillation papers this week")
    end = text.index("\n\n", start)
    return text[:start] + text[end + 2 :]


def _rewrite(text: str) -> str:
    """Keep this file's front matter, take W14's body: every block changes."""
    other = (ROOT / "content/rec-weekly/2026-W14/en.md").read_text(encoding="utf-8")
    head_end = text.index("\n---", 3) + 4
    return text[:head_end] + other[other.index("\n---", 3) + 4 :]


def _move_section(text: str) -> str:
    start, end = text.index("## Directions to Watch"), text.index("## Paper Roundup")
    return text[:start] + text[end:].rstrip("\n") + "\n\n" + text[start:end]


def naive_republish(session, variant) -> None:
    """What most sync tools do: delete every child block, then append the whole body again."""
    from bot.apply import Writer
    from bot.bilingual import language_link

    target = session.target(variant.lang)
    page = session.api.find_pages(target.data_source_id, "slug", "rich_text", variant.slug)[0]
    for block in session.api.list_children(page["id"]):
        session.api.delete_block(block["id"])
    publisher = Publisher(session, [variant], PublishOptions())
    body, _ = publisher.convert(variant)
    from bot.properties import desired_properties

    session.api.update_page(page["id"], properties=desired_properties(variant, session.mapping, session.settings.zone, set(target.property_types)))
    Writer(session.api).append_tree(page["id"], [language_link(variant.lang, None)] + body, None, at_end=True)


def bench_edits(rate: float) -> list[dict]:
    rows = []
    for name, change in EDITS.items():
        row = {"scenario": name}
        for mode in ("bot", "naive"):
            tmp = Path(tempfile.mkdtemp())
            try:
                content = tmp / "content"
                shutil.copytree(ROOT / "content", content)
                os.environ["BOT_CONTENT_DIR"] = str(content)
                clock = VirtualClock()
                ws = LocalWorkspace(":memory:", clock=clock)
                session = session_for(ws, clock, rate)
                variants = read_all(content)
                if change is not None:
                    Publisher(session, variants, PublishOptions()).publish_group(select_week(variants, "W22"))
                    path = content / "rec-weekly/2026-W22/en.md"
                    path.write_text(change(path.read_text(encoding="utf-8")), encoding="utf-8")
                    variants = read_all(content)
                en = [v for v in select_week(variants, "W22") if v.lang == "en"]
                before, t0, wall = session.api.stats.snapshot(), clock.monotonic(), time.perf_counter()
                if mode == "bot" or change is None:
                    Publisher(session, variants, PublishOptions()).publish_group(en)
                else:
                    naive_republish(session, en[0])
                spent = session.api.stats.since(before)
                row[f"{mode}_writes"] = spent.writes
                row[f"{mode}_requests"] = spent.reads + spent.writes
                row[f"{mode}_seconds"] = round(clock.monotonic() - t0, 1)
                row[f"{mode}_cpu_ms"] = round((time.perf_counter() - wall) * 1000)
            finally:
                shutil.rmtree(tmp)
        rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=52)
    parser.add_argument("--rate", type=float, default=2.5, help="client pacing, requests/s")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("NOTION_TOKEN", "")
    os.environ["NOTION_TOKEN"] = ""
    os.environ["BOT_MAPPING"] = str(ROOT / "mappings/rec-weekly.yaml")
    result = {"backfill": bench_backfill(args.weeks, args.rate), "edits": bench_edits(args.rate)}
    if args.json:
        print(json.dumps(result, indent=2))
        return
    b = result["backfill"]
    print(f"Backfill: {b['weeks']} weeks, {b['pages']} pages")
    for key in ("requests", "reads", "writes", "429s", "virtual_seconds", "minimum_seconds_at_limit", "client_rate_per_s", "cpu_seconds"):
        print(f"  {key:<26} {b[key]}")
    print()
    print("Edits of the W22 English page; seconds are time at the paced rate (what Notion would take)")
    print(f"{'scenario':<22} {'bot writes':>10} {'naive writes':>12} {'bot s':>7} {'naive s':>8} {'bot reqs':>9} {'naive reqs':>10}")
    for row in result["edits"]:
        print(f"{row['scenario']:<22} {row['bot_writes']:>10} {row['naive_writes']:>12} {row['bot_seconds']:>7} {row['naive_seconds']:>8} {row['bot_requests']:>9} {row['naive_requests']:>10}")


if __name__ == "__main__":
    main()
