"""CPU of a dry run against a no-op publish (issue 27: a dry run ≤ 1.5× the no-op's CPU).

Synthesizes `--weeks` weeks of the W22 issue in both languages (54 weeks: 108 variants),
publishes them once to the embedded workspace, then runs `bot publish --all` (a no-op) and
`bot publish --all --dry-run` (plan + bilingual parity) `--runs` times each, alternating, each in
a fresh `bot` process; reports user+system CPU seconds of each process (min–max over runs) and
the ratio of the medians.

    python benchmarks/bench_dry_run.py [--weeks 54] [--runs 3] [--json]
    python benchmarks/bench_dry_run.py --bot /path/to/other/checkout   # the same for other code
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
W22 = ROOT / "content/rec-weekly/2026-W22"


def make_content(tmp: Path, weeks: int) -> Path:
    """`weeks` consecutive ISO weeks from 2025-W01 (all in the past), W22's text in each."""
    content = tmp / "content"
    first = date.fromisocalendar(2025, 1, 1)
    for n in range(weeks):
        year, number, _ = (first + timedelta(weeks=n)).isocalendar()
        week = f"{year}-W{number:02d}"
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        saturday = date.fromisocalendar(year, number, 6)
        for lang in ("en", "zh"):
            text = (W22 / f"{lang}.md").read_text(encoding="utf-8").replace("2026-W22", week)
            text = re.sub(r"date: .*", f"date: {saturday.isoformat()} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return content


def cpu_of(command: list[str], env: dict, cwd: Path) -> float:
    """User + system CPU seconds of one process running `command` (exit 0 required)."""
    process = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    err = process.stderr.read().decode(errors="replace")
    process.stderr.close()
    if process.returncode != 0:
        raise SystemExit(f"{' '.join(command)} exited {process.returncode}:\n{err}")
    return usage.ru_utime + usage.ru_stime


def measure(checkout: Path, python: str, weeks: int, runs: int) -> dict:
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        content = make_content(tmp, weeks)
        env = {
            **os.environ,
            "PYTHONPATH": str(checkout),
            "NOTION_TOKEN": "",
            "BOT_STATE_DIR": str(tmp / "state"),
            "BOT_CONTENT_DIR": str(content),
            "BOT_MAPPING": str(checkout / "mappings" / "rec-weekly.yaml"),
            "BOT_TIMEZONE": "Asia/Shanghai",
            "BOT_RATE_LIMIT": "100000/60",
        }
        bot = [python, "-m", "bot", "publish", "--all", "-q"]
        cpu_of(bot, env, tmp)  # the one real publish
        noop, dry = [], []
        for _ in range(runs):
            noop.append(cpu_of(bot, env, tmp))
            dry.append(cpu_of(bot + ["--dry-run"], env, tmp))
    return {
        "variants": 2 * weeks,
        "runs": runs,
        "noop_cpu_s": noop,
        "dry_run_cpu_s": dry,
        "ratio_of_medians": statistics.median(dry) / statistics.median(noop),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--weeks", type=int, default=54)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--bot", type=Path, default=ROOT, help="checkout whose bot to measure (default: this one)")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    result = measure(args.bot.resolve(), args.python, args.weeks, args.runs)
    if args.json:
        print(json.dumps(result, indent=2))
        return
    span = lambda xs: f"{min(xs):.2f}–{max(xs):.2f} s"  # noqa: E731
    print(f"{result['variants']} variants, {result['runs']} runs each (CPU: user + system of the bot process)")
    print(f"  no-op publish --all        {span(result['noop_cpu_s'])}")
    print(f"  publish --all --dry-run    {span(result['dry_run_cpu_s'])}")
    print(f"  dry run / no-op (medians)  {result['ratio_of_medians']:.2f}×")


if __name__ == "__main__":
    main()
