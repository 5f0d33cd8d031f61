"""`bot local serve` speed: a 100-row query page of a 1,000-row data source, the whole 1,000 rows
(10 pages), and a 100-block append — over HTTP on 127.0.0.1, as `bot local serve` answers them
(and in-process through dispatch, to see the server's share).

    python benchmarks/bench_local_serve.py [--json] [--runs 5] [--version 2026-03-11]
    PYTHONPATH=/path/to/other/checkout python benchmarks/bench_local_serve.py   # the same for other code

Each measure is the median of `--runs` repetitions; the table shows median and min–max over runs.
Rows carry 8 properties (title, rich text, select, multi-select, number, date, url, checkbox).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

if "PYTHONPATH" not in os.environ:  # else: the checkout named there
    sys.path.append(str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402

from bot.local import LocalWorkspace, serve  # noqa: E402

SCHEMA = {
    "title": {"title": {}},
    "slug": {"rich_text": {}},
    "status": {"select": {"options": [{"name": "Published"}, {"name": "Draft"}]}},
    "tags": {"multi_select": {"options": [{"name": "a"}, {"name": "b"}]}},
    "priority": {"number": {}},
    "date": {"date": {}},
    "link": {"url": {}},
    "done": {"checkbox": {}},
}


def row(ds: str, i: int) -> dict:
    return {
        "parent": {"data_source_id": ds},
        "properties": {
            "title": {"title": [{"text": {"content": f"Row {i}"}}]},
            "slug": {"rich_text": [{"text": {"content": f"row-{i}"}}]},
            "status": {"select": {"name": "Published" if i % 2 else "Draft"}},
            "tags": {"multi_select": [{"name": "a"}, {"name": "b"}]},
            "priority": {"number": i},
            "date": {"date": {"start": "2026-05-30"}},
            "link": {"url": f"https://example.com/{i}"},
            "done": {"checkbox": bool(i % 3)},
        },
    }


def paragraph(i: int) -> dict:
    return {
        "object": "block",
        "type": "paragraph",
        "paragraph": {
            "rich_text": [
                {"type": "text", "text": {"content": f"Paragraph {i} with some text "}},
                {"type": "text", "text": {"content": "bold", "link": None}, "annotations": {"bold": True}},
            ]
        },
    }


def measure(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--rows", type=int, default=1000)
    ap.add_argument("--version", default="2025-09-03")  # known to every checkout compared
    args = ap.parse_args()

    ws = LocalWorkspace(":memory:")
    ws.rate_limit = None
    headers = {
        "Authorization": f"Bearer {ws.bot_token}",
        "Notion-Version": args.version,
        "Content-Type": "application/json",
    }

    def call(method: str, path: str, body=None) -> dict:
        status, _, content = ws.dispatch(
            method, path, {}, headers, json.dumps(body).encode() if body is not None else b""
        )
        assert status == 200, content[:300]
        return json.loads(content)

    _, ds = ws.ensure_database("Bench", SCHEMA)
    for i in range(args.rows):
        call("POST", "/v1/pages", row(ds, i))
    page = call(
        "POST",
        "/v1/pages",
        {"parent": {"data_source_id": ds}, "properties": {"title": {"title": [{"text": {"content": "Append"}}]}}},
    )
    blocks = [paragraph(i) for i in range(100)]
    results: dict[str, list[float]] = {}

    with serve(ws, port=0) as handle, httpx.Client(base_url=handle.url, headers=headers, timeout=120) as http:

        def http_query_page():
            r = http.post(f"/v1/data_sources/{ds}/query", json={"page_size": 100})
            assert r.status_code == 200 and len(r.json()["results"]) == 100

        def http_query_all():
            cursor, n = None, 0
            while True:
                r = http.post(
                    f"/v1/data_sources/{ds}/query",
                    json={"page_size": 100, **({"start_cursor": cursor} if cursor else {})},
                ).json()
                n += len(r["results"])
                cursor = r["next_cursor"]
                if not r["has_more"]:
                    break
            assert n == args.rows + 1  # and the page appended to

        def http_append():
            r = http.patch(f"/v1/blocks/{page['id']}/children", json={"children": blocks})
            assert r.status_code == 200, r.text[:300]

        results["http: query page (100 of 1,000 rows)"] = measure(http_query_page, args.runs)
        results["http: query all 1,000 rows (10 pages)"] = measure(http_query_all, args.runs)
        results["http: append 100 blocks"] = measure(http_append, args.runs)
    results["dispatch: query page (100 of 1,000 rows)"] = measure(
        lambda: call("POST", f"/v1/data_sources/{ds}/query", {"page_size": 100}), args.runs
    )
    results["dispatch: append 100 blocks"] = measure(
        lambda: call("PATCH", f"/v1/blocks/{page['id']}/children", {"children": blocks}), args.runs
    )

    table = {
        k: {
            "median_ms": round(statistics.median(v) * 1000, 1),
            "min_ms": round(min(v) * 1000, 1),
            "max_ms": round(max(v) * 1000, 1),
        }
        for k, v in results.items()
    }
    if args.json:
        print(json.dumps({"version": args.version, "rows": args.rows, "runs": args.runs, "results": table}, indent=2))
        return
    print(f"{'measure':<44} {'median ms':>10} {'min–max ms':>16}")
    for k, v in table.items():
        print(f"{k:<44} {v['median_ms']:>10} {v['min_ms']:>7}–{v['max_ms']:<8}")


if __name__ == "__main__":
    main()
