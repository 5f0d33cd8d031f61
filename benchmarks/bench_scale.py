"""Scale: peak memory (RSS) and CPU of `bot publish --all` over many weeks, each command in a
fresh process against the embedded workspace (no NOTION_TOKEN).

Weeks are synthesized from the shipped issues (W22 and W14 alternately, week and date
rewritten) into a temporary content dir, published once for real (not measured), then:

* no-op: `bot publish --all` again (nothing to write)
* dry run: `bot publish --all --dry-run` (the plan, parity of every week)
* edit: one paragraph of one week edited, then `bot publish --all`
* validate: `bot validate` (every week)

Peak memory is the process's own ru_maxrss (os.wait4), CPU its user+sys time.

    python benchmarks/bench_scale.py [--variants 108 524 1044] [--runs 1] [--json]
    python benchmarks/bench_publish.py --scale     # the same, from the publishing benchmarks
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = [ROOT / "content/rec-weekly/2026-W22", ROOT / "content/rec-weekly/2026-W14"]
EDITED = "Four industrial distillation papers this week"


def make_content(tmp: Path, weeks: int) -> Path:
    """`weeks` weekly bilingual issues ending the week before 2026-W14, one per ISO week."""
    content = tmp / "content"
    monday = date.fromisocalendar(2026, 14, 1)
    texts = [{lang: (folder / f"{lang}.md").read_text(encoding="utf-8") for lang in ("en", "zh")} for folder in SOURCES]
    for n in range(weeks):
        day = monday - timedelta(weeks=weeks - n)
        year, number, _ = day.isocalendar()
        week = f"{year}-W{number:02d}"
        source = SOURCES[n % 2].name
        folder = content / "rec-weekly" / week
        folder.mkdir(parents=True)
        for lang in ("en", "zh"):
            text = texts[n % 2][lang].replace(source, week)
            saturday = date.fromisocalendar(year, number, 6)
            text = re.sub(r"date: .*", f"date: {saturday.isoformat()} 07:01", text, count=1)
            (folder / f"{lang}.md").write_text(text, encoding="utf-8")
    return content


def measured(python: str, args: list[str], env: dict) -> dict:
    proc = subprocess.Popen(
        [python, "-m", "bot", *args], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in (0, 2):
        raise SystemExit(f"bot {' '.join(args)} failed ({proc.returncode}):\n{err.decode(errors='replace')[-3000:]}")
    return {"peak_mb": round(usage.ru_maxrss / 1024, 1), "cpu_s": round(usage.ru_utime + usage.ru_stime, 2)}


COMMANDS = [
    ("no-op", ["publish", "--all"]),
    ("dry run", ["publish", "--all", "--dry-run"]),
    ("validate", ["validate"]),
    ("edit", ["publish", "--all"]),
]


def bench(python: str, variants: int) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="bench-scale-"))
    try:
        content = make_content(tmp, variants // 2)
        env = dict(
            os.environ,
            NOTION_TOKEN="",
            BOT_STATE_DIR=str(tmp / "state"),
            BOT_CONTENT_DIR=str(content),
            BOT_MAPPING=str(ROOT / "mappings/rec-weekly.yaml"),
        )
        for key in ("NOTION_DATABASE_ID", "NOTION_DATABASE_ID_EN", "NOTION_DATABASE_ID_ZH", "NOTION_BASE_URL"):
            env.pop(key, None)
        # The archive goes in without Notion's pacing (it is not what is measured here).
        unpaced = dict(env, BOT_RATE_LIMIT="1000000/1", BOT_LOCAL_RATE_LIMIT="off")
        row = {"variants": variants, "first publish": measured(python, ["publish", "--all", "-q"], unpaced)}
        for name, args in COMMANDS:
            if name == "edit":
                path = sorted(content.glob("rec-weekly/*/en.md"))[len(sorted(content.glob("rec-weekly/*/en.md"))) // 4]
                path.write_text(
                    path.read_text(encoding="utf-8").replace(EDITED, "Four distillation papers this week", 1),
                    encoding="utf-8",
                )
            row[name] = measured(python, [*args, "-q"] if args[0] == "publish" else args, env)
        return row
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def bench_runs(python: str, sizes: list[int], runs: int) -> list[dict]:
    """Every size `runs` times (each a fresh content dir and workspace): the rows of every run."""
    return [bench(python, n) for _ in range(runs) for n in sizes]


def table(rows: list[dict]) -> str:
    """Ranges over runs: min-max of peak RSS and CPU per size and command."""
    names = ["first publish"] + [name for name, _ in COMMANDS]

    def span(values: list[float], unit: str, digits: int) -> str:
        lo, hi = f"{min(values):.{digits}f}", f"{max(values):.{digits}f}"
        return f"{lo}{unit}" if lo == hi else f"{lo}-{hi}{unit}"

    out = [f"{'variants':>8}  {'command':<14} {'peak RSS':>14} {'CPU':>14}"]
    for size in sorted({r["variants"] for r in rows}):
        mine = [r for r in rows if r["variants"] == size]
        for name in names:
            out.append(
                f"{size:>8}  {name:<14} {span([r[name]['peak_mb'] for r in mine], ' MB', 0):>14} {span([r[name]['cpu_s'] for r in mine], ' s', 1):>14}"
            )
        ratios = [r["dry run"]["cpu_s"] / max(r["no-op"]["cpu_s"], 0.01) for r in mine]
        out.append(f"{size:>8}  {'dry / no-op':<14} {'':>14} {span(ratios, 'x', 2):>14}")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--variants", type=int, nargs="+", default=[108, 524, 1044])
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    rows = bench_runs(args.python, args.variants, args.runs)
    if args.json:
        print(json.dumps({"load_average_1min": round(os.getloadavg()[0], 1), "rows": rows}, indent=2))
        return
    print(f"load average {os.getloadavg()[0]:.1f}; one fresh process per command (embedded workspace)")
    print(table(rows))


if __name__ == "__main__":
    main()
