"""Benchmark: redaction by content (bot.errors.SecretMatcher) against exact replacement.

Usage: .venv/bin/python benchmarks/bench_redaction.py [--sizes 0.1,1,4] [--repeat 5] [--json]

The text is what the bot prints most: `--json` output dense in page ids (hex runs of the
token's alphabet, each looked up window by window) and prose. Reported per size: the time to
build the matcher once, ms per MB to redact (best of --repeat), the same for a plain
`str.replace` of the exact token (what redaction did before), and whether the cost is linear
(ms/MB at the largest size over ms/MB at the smallest).
"""

from __future__ import annotations

import argparse
import json
import time
import uuid

TOKEN = "ntn_SECRET0123456789abcdefTOKENxyz"


def sample(mb: float) -> str:
    row = lambda: json.dumps(
        {
            "id": str(uuid.uuid4()),
            "url": f"https://www.notion.so/{uuid.uuid4().hex}",
            "text": "Four industrial distillation papers this week, 推荐系统",
        }
    )
    out, size = [], 0
    while size < mb * 1_000_000:
        out.append(row())
        size += len(out[-1]) + 1
    return "\n".join(out)


def best(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    from bot.errors import SecretMatcher

    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="0.1,1,4")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = []
    for mb in (float(s) for s in args.sizes.split(",")):
        text = sample(mb)
        build = best(lambda: SecretMatcher((TOKEN,)), args.repeat)
        matcher = SecretMatcher((TOKEN,))
        assert matcher.redact(text + TOKEN.upper()).endswith("[REDACTED]")
        scan = best(lambda: matcher.redact(text), args.repeat)
        exact = best(lambda: text.replace(TOKEN, "[REDACTED]"), args.repeat)
        rows.append(
            {
                "mb": round(len(text) / 1e6, 2),
                "build_ms": round(build * 1e3, 3),
                "redact_ms_per_mb": round(scan * 1e3 / (len(text) / 1e6), 1),
                "exact_ms_per_mb": round(exact * 1e3 / (len(text) / 1e6), 2),
            }
        )
    linear = round(rows[-1]["redact_ms_per_mb"] / rows[0]["redact_ms_per_mb"], 2)
    if args.json:
        print(json.dumps({"rows": rows, "largest_over_smallest_ms_per_mb": linear}, indent=2))
        return
    print(f"{'MB':>6} {'build ms':>9} {'redact ms/MB':>13} {'exact ms/MB':>12}")
    for r in rows:
        print(f"{r['mb']:>6} {r['build_ms']:>9} {r['redact_ms_per_mb']:>13} {r['exact_ms_per_mb']:>12}")
    print(f"linearity (ms/MB at the largest size / at the smallest): {linear}")


if __name__ == "__main__":
    main()
