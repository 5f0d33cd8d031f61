"""Benchmark: markdown-it-py bare parse vs full Markdown -> Notion blocks conversion.

Usage: .venv/bin/python benchmarks/bench_convert.py [--size-mb 1] [--repeat 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.convert import convert_markdown  # noqa: E402
from bot.convert.md_to_blocks import gc_paused  # noqa: E402
from bot.convert.parser import make_parser  # noqa: E402

WORDS = ("recommendation model ranking retrieval embedding distillation teacher student latency "
         "throughput 推荐 系统 蒸馏 模型 生成式 检索 排序 data scaling token sequence").split()


def section(rng: random.Random, i: int) -> str:
    def sentence(n=14):
        ws = [rng.choice(WORDS) for _ in range(n)]
        k = rng.randrange(n)
        ws[k] = f"**{ws[k]}**"
        k = rng.randrange(n)
        ws[k] = f"*{ws[k]}*"
        k = rng.randrange(n)
        ws[k] = f"[{ws[k]}](https://example.com/paper/{i}/{k})"
        k = rng.randrange(n)
        ws[k] = f"`{ws[k]}`"
        return " ".join(ws) + "."

    parts = [f"## Section {i}: {sentence(4)}", " ".join(sentence() for _ in range(4)),
             "**注意：**" + "".join(rng.choice(WORDS[-10:]) for _ in range(10)) + "。",
             "\n".join(f"- {sentence(8)}\n  - {sentence(6)}" for _ in range(3)),
             "\n".join(f"{k + 1}. {sentence(8)}" for k in range(3)),
             "```python\n" + "\n".join(f"def f{k}(x):\n    return x * {k}" for k in range(4)) + "\n```",
             "| Model | Metric | Value |\n|---|---|---|\n" + "\n".join(
                 f"| {rng.choice(WORDS)} | AUC | {rng.random():.4f} |" for _ in range(4)),
             "> " + sentence(20)]
    return "\n\n".join(parts)


def build(size_bytes: int, seed: int = 7) -> str:
    rng = random.Random(seed)
    out, total, i = [], 0, 0
    while total < size_bytes:
        s = section(rng, i)
        out.append(s)
        total += len(s.encode()) + 2
        i += 1
    return "# Benchmark document\n\n" + "\n\n".join(out) + "\n"


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size-mb", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--mem-size-mb", type=float, default=10.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    doc = build(int(args.size_mb * 1_000_000))
    size_mb = len(doc.encode()) / 1e6
    md = make_parser()
    convert_markdown("warm *up*")
    parse_s = best_of(lambda: md.parse(doc), args.repeat)

    def parse_paused():
        with gc_paused():
            md.parse(doc)

    # convert_markdown pauses the cyclic GC internally; the fair baseline for
    # "what does conversion add on top of parsing" is a parse under the same GC
    # regime, so both baselines are reported.
    parse_paused_s = best_of(parse_paused, args.repeat)
    convert_s = best_of(lambda: convert_markdown(doc), args.repeat)
    overhead = (convert_s - parse_paused_s) / parse_paused_s
    overhead_vs_default = (convert_s - parse_s) / parse_s
    blocks = len(convert_markdown(doc).blocks)

    big = build(int(args.mem_size_mb * 1_000_000))
    tracemalloc.start()
    convert_markdown(big)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    result = {
        "doc_mb": round(size_mb, 3),
        "top_level_blocks": blocks,
        "parse_s": round(parse_s, 4),
        "parse_gc_paused_s": round(parse_paused_s, 4),
        "convert_s": round(convert_s, 4),
        "overhead_vs_parse": round(overhead, 3),
        "overhead_vs_default_gc_parse": round(overhead_vs_default, 3),
        "goal_overhead_max": 0.5,
        "goal_met": overhead <= 0.5,
        "parse_mb_s": round(size_mb / parse_s, 2),
        "convert_mb_s": round(size_mb / convert_s, 2),
        "peak_mem_mb_for_doc_mb": [round(len(big.encode()) / 1e6, 2), round(peak / 1e6, 1)],
    }
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(f"{'metric':<28}{'value':>14}")
        for k, v in result.items():
            print(f"{k:<28}{str(v):>14}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
