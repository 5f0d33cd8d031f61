"""Peak memory per MB of input of every command that reads a body (issue 24: ≤ ~50 MiB/MB for
any construct mix).

Usage: .venv/bin/python benchmarks/bench_memory.py [--sizes 1,3,10] [--inputs dense-bold,...]
       [--commands convert,validate,dry-run,publish] [--runs 1] [--cap-mb 4096] [--json]
       .venv/bin/python benchmarks/bench_memory.py --weeks 5000 [--runs 1]

Each input is generated at each size (MB of Markdown body) into a fresh week folder (en.md is
the input, zh.md a one-line sibling) and each command runs in a fresh Python process:

- convert:  `bot convert en.md --json` (stdout to /dev/null)
- validate: `bot validate --week W22`
- dry-run:  `bot publish --week W22 --dry-run` on an empty embedded workspace
- publish:  `bot publish --week W22` into a fresh embedded workspace (local rate limit off)

The child reads VmHWM (its peak RSS; ru_maxrss would carry the parent's over) after importing
the bot, runs the command in-process, and reads it again. Reported: the peak, the growth over the
imports, and `mib_per_mb` = (growth − growth on a 1 KB input of the same command) / MB: what the
input costs, the fixed per-command costs (the workspace, the mapping) taken out. A child runs
under an address-space cap (--cap-mb): a run over it fails with MemoryError and is shown as
`over cap` instead of taking the machine down. Ranges are min-max over --runs.

--weeks N: instead, `bot validate` (every week) over N synthesized weeks (W22's en.md and zh.md
in each, from 2025-W01 on): seconds and peak RSS.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = Path(__file__).resolve().parent / "corpus"


def _repeat_to(unit: str, size: int) -> str:
    return unit * max(1, round(size / len(unit)))


def _corpus(size: int) -> str:
    docs = [p.read_text(encoding="utf-8") for p in sorted(CORPUS.glob("*.md")) if p.name != "LICENSES.md"]
    return _repeat_to("\n\n".join(docs) + "\n\n", size)


def _table(size: int) -> str:
    head = "| " + " | ".join(f"col {c}" for c in range(8)) + " |\n|" + "---|" * 8 + "\n"
    rows = "".join("| " + " | ".join(f"**v{r}** {c}" for c in range(8)) + " |\n" for r in range(50))
    return _repeat_to(head + rows + "\n", size)


def _list(size: int) -> str:
    item = "- item with *emphasis* and a [link](https://example.org/x)\n  - nested `code` item\n"
    return _repeat_to(item, size)


def _footnotes(size: int) -> str:
    unit = "Text with a note[^{n}] and **bold**.\n\n[^{n}]: The note {n}, with *emphasis*.\n\n"
    out, total, n = [], 0, 0
    while total < size:
        piece = unit.format(n=n)
        out.append(piece)
        total += len(piece)
        n += 1
    return "".join(out)


INPUTS = {
    "dense-bold": lambda n: _repeat_to(("**a** " * 100).rstrip() + "\n\n", n),
    "huge-paragraph": lambda n: _repeat_to("**a** ", n) + "\n",
    "big-tables": _table,
    "stray-end-tags": lambda n: _repeat_to("<div></x>\n\n", n),
    "nested-pre": lambda n: _repeat_to("<pre>", n) + "x\n",
    "long-lists": _list,
    "footnotes": _footnotes,
    "corpus": _corpus,
}

# The corpus has links to files it does not ship and code languages Notion does not know: allowed,
# so that publish converts and writes it instead of refusing the week.
_ALLOW = ["--allow", "link", "--allow", "code-language", "--allow", "image"]
COMMANDS = {
    "convert": ["convert", "{path}", "--json"],
    "validate": ["validate", "--week", "W22", *_ALLOW],
    "dry-run": ["publish", "--week", "W22", "--dry-run", "-q", *_ALLOW],
    "publish": ["publish", "--week", "W22", "-q", *_ALLOW],
}

_CHILD = """
import os, resource, sys, time
cap = {cap}
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
sys.path.insert(0, {root!r})
def hwm_kib():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
from bot.cli import main
import bot.editor.validate, bot.convert.md_to_blocks, bot.engine.publish  # imports are not the input's cost
sys.stdout = open(os.devnull, "w", encoding="utf-8")
sys.stderr = open(os.devnull, "w", encoding="utf-8")
before = hwm_kib()
t0 = time.perf_counter()
try:
    code = main({argv!r})
except MemoryError:
    code = "MemoryError"
elapsed = time.perf_counter() - t0
sys.stdout = sys.__stdout__
print(elapsed, before, hwm_kib(), code)
"""

FRONT = (
    "---\ntitle: Bench\nlang: {lang}\nweek: 2026-W22\nseries: rec-weekly\nslug: rec-weekly-{lang}-2026-W22\n"
    "status: Draft\ndate: 2026-05-30 07:01\n---\n"
)


def write_week(tmp: Path, body: str) -> Path:
    week = tmp / "content" / "rec-weekly" / "2026-W22"
    week.mkdir(parents=True, exist_ok=True)
    (week / "en.md").write_text(FRONT.format(lang="en") + body, encoding="utf-8", newline="")
    (week / "zh.md").write_text(FRONT.format(lang="zh") + "你好。\n", encoding="utf-8")
    return week / "en.md"


def run_child(tmp: Path, argv: list[str], cap_mb: int) -> dict:
    state = tmp / "state"
    if state.exists():  # every run starts from an empty workspace
        subprocess.run(["rm", "-rf", str(state)], check=True)
    env = {
        **os.environ,
        "BOT_CONTENT_DIR": str(tmp / "content"),
        "BOT_STATE_DIR": str(state),
        "BOT_MAPPING": str(ROOT / "mappings" / "rec-weekly.yaml"),
        "BOT_RATE_LIMIT": "100000/60",
        "BOT_LOCAL_RATE_LIMIT": "off",
        "NOTION_TOKEN": "",
    }
    code = _CHILD.format(root=str(ROOT), argv=argv, cap=cap_mb * 2**20)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp, env=env)
    fields = proc.stdout.split()
    if proc.returncode != 0 or len(fields) != 4:
        return {"s": None, "peak_kib": None, "growth_kib": None, "exit": f"crash {proc.returncode}"}
    s, before, peak, exit_code = fields
    return {"s": float(s), "peak_kib": int(peak), "growth_kib": int(peak) - int(before), "exit": exit_code}


def span(values: list[float], fmt: str = "{:.0f}") -> str:
    if not values:
        return "-"
    lo, hi = min(values), max(values)
    return fmt.format(lo) if fmt.format(lo) == fmt.format(hi) else f"{fmt.format(lo)}-{fmt.format(hi)}"


def measure(name: str, command: str, size_mb: float, runs: int, cap_mb: int, baseline: dict) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        body = INPUTS[name](int(size_mb * 1_000_000))
        path = write_week(tmp, body)
        mb = len(body.encode()) / 1e6
        del body
        argv = [a.format(path=path) for a in COMMANDS[command]]
        results = [run_child(tmp, argv, cap_mb) for _ in range(runs)]
    ok = [r for r in results if r["exit"] not in ("MemoryError",) and not r["exit"].startswith("crash")]
    exits = sorted({r["exit"] for r in results})
    base = baseline.get(command, 0)
    return {
        "input": name,
        "command": command,
        "mb": round(mb, 2),
        "exit": ",".join("over cap" if e == "MemoryError" else e for e in exits),
        "s": span([r["s"] for r in ok], "{:.1f}"),
        "peak_mib": span([r["peak_kib"] / 1024 for r in ok]),
        "mib_per_mb": span([(r["growth_kib"] - base) / 1024 / mb for r in ok]),
    }


def baselines(commands: list[str], cap_mb: int) -> dict[str, int]:
    """Growth (KiB) of each command on a 1 KB input: its fixed costs, not the input's."""
    out = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        path = write_week(tmp, "Some *text* with a [link](https://example.org).\n\n" * 20)
        for command in commands:
            argv = [a.format(path=path) for a in COMMANDS[command]]
            out[command] = min(run_child(tmp, argv, cap_mb)["growth_kib"] or 0 for _ in range(2))
    return out


def make_weeks(content: Path, weeks: int) -> None:
    from datetime import date, timedelta

    source = ROOT / "content" / "rec-weekly" / "2026-W22"
    texts = {lang: (source / f"{lang}.md").read_text(encoding="utf-8") for lang in ("en", "zh")}
    first = date.fromisocalendar(2025, 1, 1)
    for n in range(weeks):
        year, number, _ = (first + timedelta(weeks=n)).isocalendar()
        week = f"{year}-W{number:02d}"
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        saturday = date.fromisocalendar(year, number, 6)
        for lang, text in texts.items():
            text = text.replace("2026-W22", week)
            text = "\n".join(
                f"date: {saturday.isoformat()} 07:01" if line.startswith("date: ") else line
                for line in text.split("\n")
            )
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")


def bench_weeks(weeks: int, runs: int, cap_mb: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        make_weeks(tmp / "content", weeks)
        results = [run_child(tmp, ["validate"], cap_mb) for _ in range(runs)]
    ok = [r for r in results if r["s"] is not None]
    return {
        "weeks": weeks,
        "files": 2 * weeks,
        "exit": ",".join(sorted({r["exit"] for r in results})),
        "s": span([r["s"] for r in ok], "{:.0f}"),
        "peak_mib": span([r["peak_kib"] / 1024 for r in ok]),
    }


def table(rows: list[dict]) -> str:
    keys = list(rows[0])
    widths = [max(len(k), *(len(str(r[k])) for r in rows)) for k in keys]
    lines = ["  ".join(k.ljust(w) for k, w in zip(keys, widths))]
    lines += ["  ".join(str(r[k]).ljust(w) for k, w in zip(keys, widths)) for r in rows]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", default="1,3,10", help="MB of Markdown body, comma separated")
    ap.add_argument("--inputs", default=",".join(INPUTS), help="comma separated: " + ", ".join(INPUTS))
    ap.add_argument("--commands", default=",".join(COMMANDS), help="comma separated: " + ", ".join(COMMANDS))
    ap.add_argument("--runs", type=int, default=1, help="fresh processes per measurement (ranges are min-max)")
    ap.add_argument("--cap-mb", type=int, default=4096, help="address-space cap of each child, MiB")
    ap.add_argument("--json", action="store_true", help="rows as JSON on stdout instead of a table")
    ap.add_argument("--weeks", type=int, default=0, help="validate over this many synthesized weeks instead")
    args = ap.parse_args()
    if args.weeks:
        row = bench_weeks(args.weeks, args.runs, args.cap_mb)
        print(json.dumps(row) if args.json else table([row]))
        return 0
    sizes = [float(s) for s in args.sizes.split(",")]
    names = [n for n in args.inputs.split(",") if n]
    commands = [c for c in args.commands.split(",") if c]
    unknown = [n for n in names if n not in INPUTS] + [c for c in commands if c not in COMMANDS]
    if unknown:
        ap.error(f"unknown input or command: {', '.join(unknown)}")
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    base = baselines(commands, args.cap_mb)
    print("fixed growth on a 1 KB input (KiB): " + json.dumps(base), file=sys.stderr)
    rows = []
    for name in names:
        for size in sizes:
            for command in commands:
                rows.append(measure(name, command, size, args.runs, args.cap_mb, base))
                print("  ".join(f"{k}={v}" for k, v in rows[-1].items()), file=sys.stderr, flush=True)
    print(json.dumps(rows, indent=1) if args.json else table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
