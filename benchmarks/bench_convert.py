"""Benchmark: Markdown -> Notion blocks conversion against a bare markdown-it-py parse.

Usage: .venv/bin/python benchmarks/bench_convert.py [--only patho,speed,memory,adversarial,corpus,startup] [--size-mb 1]
       [--mem-sizes 1,10] [--adv-mb 0.25] [--adv-cases stray-end-tags,...] [--repeat 3] [--json]

"Bare parse" is markdown-it-py's CommonMark preset (its own nesting limit, 20) with raw HTML,
tables and strikethrough on - the same core rules the bot uses, without its plugins (footnotes,
dollar math, GFM autolinks, front matter), its CJK-friendly emphasis or its nesting settings.
Both sides run with the cyclic GC paused, as convert_markdown does internally.

Sections:
- patho:  the pathological inputs of cmark-gfm's test/pathological_tests.py (generated here),
          bot conversion time vs bare parse time (goal: ≤ 2x each).
- speed:  a generated newsletter-like document: bare parse, bot parse, in-process conversion,
          `bot convert` through the CLI (start-up excluded) and `bot convert --json` printing.
- corpus: real documents the project did not write (benchmarks/corpus: Node.js and Clippy docs
          with footnotes, reference links, tables and raw HTML; licences in corpus/LICENSES.md):
          `bot convert` through the CLI (start-up excluded) vs a bare parse (goal: <= 1.25x).
- startup: `bot convert` / `validate --week W22` / a one-week dry run in fresh processes, least
          user+sys CPU over runs, vs a bare parse of W22's en.md (goal: convert <= 2.5x).
- memory: ms/MB and peak RSS growth per MB of Markdown, bare parse vs conversion (the whole
          result in a list, a BlockStream read block by block, `bot convert --json`), each in
          a fresh process (RSS high-water marks are per process).
- adversarial: the inputs of issue 24 (stray end tags, one huge `**a** ` paragraph, `<pre>`
          nested deep, stray CR, a wide table, <div> soup), each at --adv-mb and twice that:
          `bot convert --json` and `bot validate` in a fresh process, seconds, peak RSS, marginal
          RSS growth per MB of input (goal: <= 50 MiB/MB) and the 2x/1x time ratio (linear: ~2).
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from markdown_it import MarkdownIt  # noqa: E402

from bot.convert import convert_markdown  # noqa: E402
from bot.convert.md_to_blocks import gc_paused  # noqa: E402
from bot.convert.parser import make_parser  # noqa: E402

WORDS = (
    "recommendation model ranking retrieval embedding distillation teacher student latency "
    "throughput 推荐 系统 蒸馏 模型 生成式 检索 排序 data scaling token sequence"
).split()


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

    parts = [
        f"## Section {i}: {sentence(4)}",
        " ".join(sentence() for _ in range(4)),
        "**注意：**" + "".join(rng.choice(WORDS[-10:]) for _ in range(10)) + "。",
        "\n".join(f"- {sentence(8)}\n  - {sentence(6)}" for _ in range(3)),
        "\n".join(f"{k + 1}. {sentence(8)}" for k in range(3)),
        "```python\n" + "\n".join(f"def f{k}(x):\n    return x * {k}" for k in range(4)) + "\n```",
        "| Model | Metric | Value |\n|---|---|---|\n"
        + "\n".join(f"| {rng.choice(WORDS)} | AUC | {rng.random():.4f} |" for _ in range(4)),
        "> " + sentence(20),
    ]
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


# -- cmark-gfm's pathological inputs (test/pathological_tests.py) ---------------------------


def _reference_collisions() -> str:
    """cmark-gfm's `hash_collisions()`: 50,000 reference definitions whose labels collide in
    cmark's 16-bucket reference map, each followed by a use of the first label."""

    def badhash(ref: str) -> bool:
        h = 0
        for c in ref:
            h = (ord(c) + ((h << 6) & 0xFFFFFFFF) + ((h << 16) & 0xFFFFFFFF) - h) & 0xFFFFFFFF
        return h % 16 == 0

    keys = (f"x{i}" for i in itertools.count())
    collisions = itertools.islice((k for k in keys if badhash(k)), 50000)
    bad_key = next(collisions)
    return "".join(f"[{key}]: /url\n\n[{bad_key}]\n\n" for key in collisions)


PATHOLOGICAL = {
    "nested strong emph": lambda: "*a **a " * 65000 + "b" + " a** a*" * 65000,
    "many emph closers with no openers": lambda: "a_ " * 65000,
    "many emph openers with no closers": lambda: "_a " * 65000,
    "many link closers with no openers": lambda: "a]" * 65000,
    "many link openers with no closers": lambda: "[a" * 65000,
    "mismatched openers and closers": lambda: "*a_ " * 50000,
    "openers and closers multiple of 3": lambda: "a**b" + "c* " * 50000,
    "link openers and emph closers": lambda: "[ a_" * 50000,
    "pattern [ (]( repeated": lambda: "[ (](" * 80000,
    "pattern ![[]() repeated": lambda: "![[]()" * 160000,
    "hard link/emph case": lambda: "**x [a*b**c*](d)",
    "nested brackets": lambda: "[" * 50000 + "a" + "]" * 50000,
    "nested block quotes": lambda: "> " * 50000 + "a",
    "deeply nested lists": lambda: "".join("  " * x + "* a\n" for x in range(1000)),
    "U+0000 in input": lambda: "abc\u0000de\u0000",
    "backticks": lambda: "".join("e" + "`" * x for x in range(1, 5000)),
    "unclosed links A": lambda: "[a](<b" * 30000,
    "unclosed links B": lambda: "[a](b" * 30000,
    "unclosed <!--": lambda: "</" + "<!--" * 300000,
    "tables": lambda: "aaa\rbbb\n-\v\n" * 30000,
    "reference collisions": _reference_collisions,
    # from the security issue: 400 KB of '[' (not in cmark-gfm's list)
    "400 KB of [": lambda: "[" * 400_000,
}


def bare_parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])


def timed(fn) -> float:
    with gc_paused():
        t0 = time.perf_counter()
        fn()
        return time.perf_counter() - t0


def best_of(fn, repeat: int) -> float:
    return min(timed(fn) for _ in range(repeat))


def bench_pathological(names: list[str] | None) -> list[dict]:
    bare = bare_parser()
    rows = []
    for name, make in PATHOLOGICAL.items():
        if names and name not in names:
            continue
        text = make()
        bare_s = timed(lambda: bare.parse(text))
        convert_s = timed(lambda: convert_markdown(text))
        if max(bare_s, convert_s) < 0.2:  # too short to time once
            bare_s = min(bare_s, best_of(lambda: bare.parse(text), 5))
            convert_s = min(convert_s, best_of(lambda: convert_markdown(text), 5))
        rows.append(
            {
                "input": name,
                "kb": round(len(text.encode()) / 1000),
                "bare_s": round(bare_s, 3),
                "convert_s": round(convert_s, 3),
                "ratio": round(convert_s / max(bare_s, 1e-4), 2),
            }
        )
        print(_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


# -- speed: in process and through the CLI ------------------------------------------------------

FRONT_MATTER = """---
title: "Benchmark"
lang: en
week: 2026-W22
series: rec-weekly
slug: rec-weekly-en-2026-W22
status: Published
date: 2026-05-30 07:01
---

"""


def run_cli(argv: list[str]) -> float:
    """`bot …` in process with stdout going to a file (not a terminal), as in `bot convert --json > x`."""
    from bot.cli import main

    with tempfile.TemporaryFile("w+", encoding="utf-8") as out, contextlib.redirect_stdout(out):
        t0 = time.perf_counter()
        code = main(argv)
        elapsed = time.perf_counter() - t0
    if code != 0:
        raise SystemExit(f"bot {' '.join(argv)} exited {code}")
    return elapsed


def content_document(size_bytes: int) -> str:
    """The repository's own newsletters (content/), bodies joined and repeated to the size:
    long paragraphs, few marks per line - a cheaper parse than build()'s, so per-block costs
    weigh more in the ratio."""
    from bot.source import read_variant

    bodies = [read_variant(p).body for p in sorted((ROOT / "content").rglob("*.md"))]
    one = "\n\n".join(bodies) + "\n\n"
    return one * (size_bytes // len(one.encode()) + 1)


def with_footnote(make):
    """The document plus one footnote: a document with definitions ("]:") over
    blockstream.KEEP_FIRST_PASS_CHARS runs the block pass twice (memory over time)."""
    return lambda size_bytes: make(size_bytes) + "\n\nA note[^1].\n\n[^1]: The note.\n"


SPEED_DOCUMENTS = {
    "generated": build,
    "newsletters": content_document,
    "newsletters+footnote": with_footnote(content_document),
}


def bench_speed(size_mb: float, repeat: int, document: str = "generated") -> dict:
    doc = SPEED_DOCUMENTS[document](int(size_mb * 1_000_000))
    mb = len(doc.encode()) / 1e6
    bare, md = bare_parser(), make_parser()
    convert_markdown("warm *up*")
    best: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "en.md"
        path.write_text(FRONT_MATTER + doc, encoding="utf-8")
        cwd = os.getcwd()
        os.chdir(ROOT)  # the default mapping file is relative to the repository
        try:
            run_cli(["convert", str(path)])  # warm the imports
            runs = {
                "bare": lambda: timed(lambda: bare.parse(doc)),
                "bot_parse": lambda: timed(lambda: md.parse(doc)),
                "convert": lambda: timed(lambda: convert_markdown(doc)),
                "cli": lambda: run_cli(["convert", str(path)]),
                "cli_json": lambda: run_cli(["convert", str(path), "--json"]),
            }
            # Interleaved rounds, best of each: the machine's load drifts over a run.
            for _ in range(repeat):
                for name, run in runs.items():
                    best[name] = min(best.get(name, float("inf")), run())
        finally:
            os.chdir(cwd)
    bare_s, bot_parse_s, convert_s = best["bare"], best["bot_parse"], best["convert"]
    cli_s, cli_json_s = best["cli"], best["cli_json"]
    return {
        "document": document,
        "doc_mb": round(mb, 3),
        "bare_parse_s": round(bare_s, 3),
        "bot_parse_s": round(bot_parse_s, 3),
        "convert_s": round(convert_s, 3),
        "convert_vs_bare": round(convert_s / bare_s, 2),
        "cli_convert_s": round(cli_s, 3),
        "cli_vs_bare (goal <= 1.25)": round(cli_s / bare_s, 2),
        "cli_convert_json_s": round(cli_json_s, 3),
        "json_printing_s": round(cli_json_s - cli_s, 3),
        "json_vs_convert (goal <= 0.3)": round((cli_json_s - cli_s) / cli_s, 2),
        "convert_ms_per_mb": round(convert_s * 1000 / mb),
    }


# -- memory: one fresh process per measurement --------------------------------------------------

# VmHWM (peak RSS of this process image) rather than ru_maxrss, which Linux carries over
# from the parent across fork/exec.
_CHILD = """
import io, json, os, sys, time
sys.path.insert(0, {root!r})
sys.path.insert(0, {bench!r})
from bench_convert import bare_parser, convert_markdown, gc_paused
from bot.convert import BlockStream

def hwm_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])

def stream(text):
    for _ in BlockStream(text):  # each block dropped as soon as it is read
        pass

def cli(path):
    from bot.cli import main
    sys.stdout = open(os.devnull, "w", encoding="utf-8")  # piped: compact JSON
    try:
        assert main(["convert", path, "--json"]) == 0
    finally:
        sys.stdout.close()
        sys.stdout = sys.__stdout__

kind = {kind!r}
if kind.startswith("cli"):
    run, arg = cli, {front_path!r}
    cli({warm_path!r})
else:
    run = {{"bare": bare_parser().parse, "convert": convert_markdown, "stream": stream}}[kind]
    arg = open({path!r}, encoding="utf-8").read()
    run("warm *up*")
before = hwm_kib()
with gc_paused():
    t0 = time.perf_counter()
    result = run(arg)
    elapsed = time.perf_counter() - t0
peak = hwm_kib()
del result
# Second run under tracemalloc: how much of the peak is the result itself (kept by the
# caller: Conversion.blocks / the token list) and how much is working memory.
import tracemalloc
tracemalloc.start()
result = run(arg)
retained, traced_peak = tracemalloc.get_traced_memory()
print(json.dumps({{"s": elapsed, "before_kib": before, "peak_kib": peak,
                  "retained_b": retained, "traced_peak_b": traced_peak}}))
"""

# What each memory row runs (in a fresh process):
MEMORY_RUNS = {
    "bare": "markdown-it-py's parse, tokens returned",
    "convert": "convert_markdown(text): every block returned in one list",
    "stream": "BlockStream(text): blocks read one at a time and dropped",
    "cli": "`bot convert FILE --json` piped (start-up excluded): file read, front matter, streamed JSON",
    "cli+footnote": "the same with one footnote: a document with definitions keeps its block tokens packed",
}
FRONT_MATTER = (
    "---\ntitle: Benchmark\nlang: en\nweek: 2026-W22\nseries: bench\nslug: bench-en-2026-W22\n"
    "type: Post\nstatus: Draft\ndate: 2026-05-30 07:01\n---\n\n"
)


def measure_child(kind: str, path: Path, front_path: Path, warm_path: Path) -> dict:
    code = _CHILD.format(
        root=str(ROOT),
        bench=str(Path(__file__).parent),
        path=str(path),
        kind=kind,
        front_path=str(front_path),
        warm_path=str(warm_path),
    )
    env = {**os.environ, "BOT_STATE_DIR": str(path.parent / "state")}
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=ROOT, env=env
    ).stdout
    return json.loads(out)


def bench_memory(sizes: list[float]) -> list[dict]:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for size in sizes:
            doc = build(int(size * 1_000_000))
            mb = len(doc.encode()) / 1e6
            path = Path(tmp) / f"doc-{size}.md"
            path.write_text(doc, encoding="utf-8")
            front_path = path.with_suffix(".front.md")
            front_path.write_text(FRONT_MATTER + doc, encoding="utf-8")
            warm_path = Path(tmp) / "warm.md"
            warm_path.write_text(FRONT_MATTER + "warm *up*\n", encoding="utf-8")
            with_note = path.with_suffix(".footnote.md")
            with_note.write_text(FRONT_MATTER + with_footnote(lambda _: doc)(0), encoding="utf-8")
            for kind in MEMORY_RUNS:
                m = measure_child(kind, path, with_note if kind == "cli+footnote" else front_path, warm_path)
                grow = (m["peak_kib"] - m["before_kib"]) / 1024
                result_mib = m["retained_b"] / 2**20
                rows.append(
                    {
                        "run": kind,
                        "doc_mb": round(mb, 2),
                        "ms_per_mb": round(m["s"] * 1000 / mb),
                        "peak_rss_mib": round(m["peak_kib"] / 1024),
                        "rss_growth_mib": round(grow),
                        "mib_per_mb": round(grow / mb, 1),
                        "result_mib_per_mb": round(result_mib / mb, 1),
                        "working_mib_per_mb": round((m["traced_peak_b"] / 2**20 - result_mib) / mb, 1),
                    }
                )
                print(_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


# -- corpus: real documents the project did not write ----------------------------------------------

CORPUS = Path(__file__).resolve().parent / "corpus"  # sources and licences: corpus/LICENSES.md


def _cpu(fn) -> float:
    """CPU seconds of this process spent in fn (GC paused, as convert_markdown runs): on a
    shared machine wall time measures the neighbours."""
    with gc_paused():
        t0 = time.process_time()
        fn()
        return time.process_time() - t0


def bench_corpus(repeat: int) -> list[dict]:
    """`bot convert` through the CLI (in process, start-up excluded, as in the speed section) vs
    a bare parse of the same body, per document and for the corpus as a whole; CPU time, best
    of --repeat interleaved rounds."""
    bare = bare_parser()
    docs = sorted(CORPUS.glob("*.md"))
    docs = [d for d in docs if d.name != "LICENSES.md"]
    best: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        cwd = os.getcwd()
        os.chdir(ROOT)  # the default mapping file is relative to the repository
        try:
            paths = {}
            for d in docs:
                paths[d.name] = Path(tmp) / d.name
                paths[d.name].write_text(FRONT_MATTER + d.read_text(encoding="utf-8"), encoding="utf-8")
            run_cli(["convert", str(paths[docs[0].name])])  # warm the imports
            for _ in range(repeat):
                for d in docs:
                    text = d.read_text(encoding="utf-8")
                    b, c = _cpu(lambda: bare.parse(text)), _cpu(lambda: run_cli(["convert", str(paths[d.name])]))
                    old = best.get(d.name, [float("inf")] * 2)
                    best[d.name] = [min(old[0], b), min(old[1], c)]
        finally:
            os.chdir(cwd)
    rows = []
    for d in docs:
        text = d.read_text(encoding="utf-8")
        b, c = best[d.name]
        rows.append(
            {
                "document": d.name,
                "kb": round(len(text.encode()) / 1000),
                "footnotes": text.count("[^"),
                "ref_defs": sum(1 for line in text.splitlines() if line.startswith("[") and "]: " in line),
                "table_rows": sum(1 for line in text.splitlines() if line.startswith("|")),
                "html_lines": sum(1 for line in text.splitlines() if line.startswith("<")),
                "bare_ms": round(b * 1000, 1),
                "cli_ms": round(c * 1000, 1),
                "cli_vs_bare (goal <= 1.25)": round(c / b, 2),
            }
        )
    total_b, total_c = sum(v[0] for v in best.values()), sum(v[1] for v in best.values())
    rows.append(
        {
            "document": "(corpus)",
            "kb": sum(r["kb"] for r in rows),
            "footnotes": "",
            "ref_defs": "",
            "table_rows": "",
            "html_lines": "",
            "bare_ms": round(total_b * 1000, 1),
            "cli_ms": round(total_c * 1000, 1),
            "cli_vs_bare (goal <= 1.25)": round(total_c / total_b, 2),
        }
    )
    return rows


# -- start-up: fresh processes, CPU time --------------------------------------------------------------


def _cpu_of(cmd: list[str], runs: int) -> float:
    """Least user+sys CPU over `runs` fresh processes (CPU, not wall: the machine may be shared)."""
    import resource

    best = float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT, check=False)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        best = min(best, after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    return best


def bench_startup(runs: int) -> list[dict]:
    """`bot convert`, `bot validate --week W22` and a one-week dry run on the shipped W22, each
    in a fresh process, against a bare markdown-it-py parse of W22's en.md in a fresh process
    (goal for convert: <= 2.5x)."""
    en = ROOT / "content/rec-weekly/2026-W22/en.md"
    py = sys.executable
    with tempfile.TemporaryDirectory() as state:
        os.environ.setdefault("BOT_STATE_DIR", state)  # the dry run's embedded workspace
        commands = {
            "python -c pass": [py, "-c", "pass"],
            "bare parse": [
                py,
                "-c",
                f"import markdown_it; markdown_it.MarkdownIt('commonmark').enable('table').parse(open({str(en)!r}, encoding='utf-8').read())",
            ],
            "bot --help": [py, "-m", "bot", "--help"],
            "bot convert en.md": [py, "-m", "bot", "convert", str(en)],
            "bot validate --week W22": [py, "-m", "bot", "validate", "--week", "W22"],
            "bot publish --week W22 --dry-run": [py, "-m", "bot", "publish", "--week", "W22", "--dry-run", "-q"],
        }
        # Round by round (each command once per round), so that every command and the bare parse
        # meet the same load on a shared machine; the least CPU of each over the rounds.
        cpu = {name: float("inf") for name in commands}
        for _ in range(runs):
            for name, cmd in commands.items():
                cpu[name] = min(cpu[name], _cpu_of(cmd, 1))
        imports = {name: _import_groups(cmd, 3) for name, cmd in commands.items() if name.startswith("bot ")}
    bare = cpu["bare parse"]
    rows = [{"command": name, "cpu_ms": round(s * 1000, 1), "vs_bare": round(s / bare, 2)} for name, s in cpu.items()]
    for row in rows:
        groups = imports.get(row["command"], {})
        row["imports_ms"] = " ".join(f"{g}:{ms:.0f}" for g, ms in groups.items() if ms >= 1) or ""
    return rows


# What a command's imports cost, by the library that brought them in: each module's own import
# time (`-X importtime`, least over runs) counts for the outermost library of IMPORT_GROUPS on its
# import chain (email, imported by importlib.metadata for pydantic's plugins, counts for pydantic);
# the bot's own modules and the standard library they import are "bot+stdlib".
IMPORT_GROUPS = {
    "markdown_it": "markdown-it",
    "mdit_py_plugins": "markdown-it",
    "mdurl": "markdown-it",
    "linkify_it": "markdown-it",
    "yaml": "yaml",
    "regex": "regex",
    "pydantic": "pydantic",
    "pydantic_core": "pydantic",
    "importlib.metadata": "importlib.metadata",
    "httpx": "httpx+notion_client",
    "notion_client": "httpx+notion_client",
    "sqlite3": "sqlite3",
    "bot.local": "bot.local",
}


def _group_of(chain: list[str]) -> str:
    for name in chain:
        for prefix, group in IMPORT_GROUPS.items():
            if name == prefix or name.startswith(prefix + "."):
                return group
    return "bot+stdlib" if chain[0].startswith("bot") else "python (site, encodings)"


def _import_groups(cmd: list[str], runs: int) -> dict[str, float]:
    import re

    best: dict[str, float] = {}
    for _ in range(runs):
        proc = subprocess.run(
            [cmd[0], "-X", "importtime", *cmd[1:]], capture_output=True, text=True, cwd=ROOT, check=False
        )
        totals: dict[str, float] = {}
        stack: list[tuple[int, str]] = []  # importtime lists a module after what it imported (deeper indent)
        rows = [
            (int(m[1]) / 1000, len(m[2]), m[3])
            for m in re.finditer(r"import time:\s+(\d+) \|\s+\d+ \|( *)(\S+)", proc.stderr)
        ]
        for self_ms, depth, name in reversed(rows):  # parents first
            while stack and stack[-1][0] >= depth:
                stack.pop()
            stack.append((depth, name))
            group = _group_of([n for _, n in stack])
            totals[group] = totals.get(group, 0.0) + self_ms
        for group, ms in totals.items():
            best[group] = min(best.get(group, ms), ms)
    return dict(sorted(best.items(), key=lambda kv: -kv[1]))


# -- adversarial inputs (issue 24): time, peak RSS and linearity per command --------------------


def _repeat_to(unit: str, size: int) -> str:
    return unit * max(1, size // len(unit))


ADVERSARIAL = {
    "stray-end-tags": lambda n: _repeat_to("<div></x>\n\n", n),
    "bold-paragraph": lambda n: _repeat_to("**a** ", n) + "\n",
    "pre-nested": lambda n: _repeat_to("<pre>", n) + "x\n",
    "stray-cr": lambda n: _repeat_to("last\r\rline\n\n", n),
    "wide-table": lambda n: (
        "| "
        + " | ".join("x" * 54 for _ in range(60))
        + " |\n|"
        + "---|" * 60
        + "\n"
        + "\n".join("| " + " | ".join("y" * 54 for _ in range(60)) + " |" for _ in range(max(1, n // 3420)))
        + "\n"
    ),
    "div-soup": lambda n: _repeat_to("<div><b>a</x><i>*b* [c](https://e.org)</div></p>\n\n", n),
}

_ADV_CHILD = """
import os, sys, time
sys.path.insert(0, {root!r})
def hwm_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from bot.cli import main
import bot.editor.validate, bot.convert  # imports are not the input's cost
sys.stdout = open(os.devnull, "w", encoding="utf-8")
sys.stderr = open(os.devnull, "w", encoding="utf-8")
before = hwm_kib()
t0 = time.perf_counter()
code = main({argv!r})
elapsed = time.perf_counter() - t0
sys.stdout = sys.__stdout__
print(elapsed, before, hwm_kib(), code)
"""


def _adv_week(tmp: Path, body: str) -> Path:
    week = tmp / "content" / "rec-weekly" / "2026-W22"
    week.mkdir(parents=True, exist_ok=True)
    front = (
        "---\ntitle: Bench\nlang: {lang}\nweek: 2026-W22\nseries: rec-weekly\nslug: rec-weekly-{lang}-2026-W22\n"
        "status: Draft\ndate: 2026-05-30 07:01\n---\n"
    )
    (week / "en.md").write_text(front.format(lang="en") + body, encoding="utf-8", newline="")
    (week / "zh.md").write_text(front.format(lang="zh") + "你好。\n", encoding="utf-8")
    return week / "en.md"


def _adv_run(tmp: Path, argv: list[str]) -> tuple[float, int, int]:
    env = {
        **os.environ,
        "BOT_CONTENT_DIR": str(tmp / "content"),
        "BOT_STATE_DIR": str(tmp / "state"),
        "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
        "NOTION_TOKEN": "",
    }
    out = subprocess.run(
        [sys.executable, "-c", _ADV_CHILD.format(root=str(ROOT), argv=argv)],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp,
        env=env,
    ).stdout.split()
    return float(out[0]), int(out[1]), int(out[2])


def bench_adversarial(base_mb: float, repeat: int, names: list[str] | None) -> list[dict]:
    rows = []
    for name, make in ADVERSARIAL.items():
        if names and name not in names:
            continue
        for command in ("convert", "validate"):
            runs: dict[int, list[tuple[float, float, float]]] = {1: [], 2: []}
            mbs = {}
            for factor in (1, 2):
                with tempfile.TemporaryDirectory() as tmp:
                    body = make(int(base_mb * factor * 1_000_000))
                    path = _adv_week(Path(tmp), body)
                    mbs[factor] = len(body.encode()) / 1e6
                    argv = ["convert", str(path), "--json"] if command == "convert" else ["validate", str(path)]
                    for _ in range(repeat):
                        s, before, peak = _adv_run(Path(tmp), argv)
                        runs[factor].append((s, peak / 1024, (peak - before) / 1024))
            one, two = runs[1], runs[2]

            def span(values, fmt="{:.2f}"):
                return (
                    fmt.format(min(values))
                    if min(values) == max(values)
                    else f"{fmt.format(min(values))}-{fmt.format(max(values))}"
                )

            rows.append(
                {
                    "input": name,
                    "command": command,
                    "mb": f"{mbs[1]:.2f}/{mbs[2]:.2f}",
                    "s_1x": span([r[0] for r in one]),
                    "s_2x": span([r[0] for r in two]),
                    "time_2x/1x": span([b[0] / a[0] for a, b in zip(one, two)]),
                    "peak_rss_mib_2x": span([r[1] for r in two], "{:.0f}"),
                    # marginal: what the second half of the input added (fixed costs cancel out)
                    "mib_per_mb": span([(b[2] - a[2]) / (mbs[2] - mbs[1]) for a, b in zip(one, two)], "{:.0f}"),
                }
            )
            print(_row(rows[-1]), file=sys.stderr, flush=True)
    return rows


# -- output --------------------------------------------------------------------------------------


def _row(d: dict) -> str:
    return "  ".join(f"{k}={v}" for k, v in d.items())


def _table(rows: list[dict]) -> str:
    if not rows:
        return ""
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths))]
    lines += ["  ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths)) for r in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--only", default="patho,speed,memory,corpus,startup", help="comma separated sections")
    ap.add_argument("--cases", default="", help="comma separated pathological input names (default: all)")
    ap.add_argument("--size-mb", type=float, default=1.0)
    ap.add_argument("--mem-sizes", default="1,10", help="document sizes in MB for the memory section")
    ap.add_argument("--adv-mb", type=float, default=0.25, help="adversarial inputs: size of the 1x run in MB")
    ap.add_argument("--adv-cases", default="", help="comma separated adversarial input names (default: all)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    sections = set(args.only.split(","))
    result: dict = {}
    if "patho" in sections:
        result["pathological"] = bench_pathological([c for c in args.cases.split(",") if c])
    if "speed" in sections:
        result["speed"] = [bench_speed(args.size_mb, args.repeat, d) for d in SPEED_DOCUMENTS]
    if "memory" in sections:
        result["memory"] = bench_memory([float(s) for s in args.mem_sizes.split(",")])
    if "corpus" in sections:
        result["corpus"] = bench_corpus(max(args.repeat, 5))
    if "startup" in sections:
        result["startup"] = bench_startup(max(args.repeat, 7))
    if "adversarial" in sections:
        result["adversarial"] = bench_adversarial(args.adv_mb, args.repeat, [c for c in args.adv_cases.split(",") if c])
    if args.json:
        print(json.dumps(result, indent=2, ensure_ascii=False))
        return 0
    if "pathological" in result:
        print("Pathological inputs (cmark-gfm), seconds; ratio = convert / bare parse (goal <= 2)")
        print(_table(result["pathological"]), end="\n\n")
    if "speed" in result:
        print("Speed (seconds, best of --repeat interleaved rounds)")
        runs = result["speed"]
        print(
            _table([{"metric": k, **{r["document"]: r[k] for r in runs}} for k in runs[0] if k != "document"]),
            end="\n\n",
        )
    if "corpus" in result:
        print(
            "Held-out corpus (benchmarks/corpus, licences in LICENSES.md): `bot convert` through the CLI, start-up\n"
            "excluded, vs a bare parse; ms, best of interleaved rounds"
        )
        print(_table(result["corpus"]), end="\n\n")
    if "startup" in result:
        print(
            "Start-up: least user+sys CPU over fresh processes (W22; goal: convert <= 2.5x the bare parse);\n"
            "imports_ms: import time by the library that brought it in (-X importtime, least of 3; wall ms)"
        )
        print(_table(result["startup"]), end="\n\n")
    if "memory" in result:
        print(
            "Memory (fresh process each; growth = peak RSS - RSS before the run; result = what the\n"
            "run returns, working = traced peak - result, both from tracemalloc; goal: <= 15 MiB/MB)"
        )
        for kind, what in MEMORY_RUNS.items():
            print(f"  {kind:8s} {what}")
        print(_table(result["memory"]), end="\n\n")
    if "adversarial" in result:
        print(
            "Adversarial inputs (issue 24), fresh process per run, ranges over --repeat runs; mib_per_mb = RSS growth\n"
            "of the 2x run minus that of the 1x run, per MB of the difference (goal <= 50); time 2x/1x ~2 means linear"
        )
        print(_table(result["adversarial"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
