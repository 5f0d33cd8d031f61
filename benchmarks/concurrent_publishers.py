"""Several hosts publishing at once: pages per slug with and without BOT_DATABASE_URL.

Each trial serves a fresh workspace over HTTP (`bot local serve --port 0`), starts N
`bot publish --all` processes at the same moment (each with a state dir of its own), counts
the live pages per slug, runs one more plain publish and counts again. Reported per setting:
pages per slug right after the concurrent runs (max and total over the 4 slugs), after the
extra run, twins trashed (and reported), runs that wrote anything, exit codes, wall time.

    .venv/bin/python benchmarks/concurrent_publishers.py [--trials 5] [--hosts 2 5] [--json]

PostgreSQL: TEST_POSTGRES_URL, or a throwaway server (tests/pg_server.py); without one the
shared-database rows are skipped.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from multihost import pages_per_slug, run_at_once, run_one, serve, trashed_pages, twins_reported  # noqa: E402
from pg_server import fresh_database, server_url  # noqa: E402

WROTE = re.compile(r"Requests: \d+ reads, (\d+) writes")


def trial(hosts: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-hosts-") as tmp:
        served = serve(Path(tmp))
        try:
            started = time.monotonic()
            results = run_at_once(served, ["publish", "--all"], hosts, database_url)
            wall = time.monotonic() - started
            during = pages_per_slug(served)
            after_run = run_one(served, ["publish", "--all"], database_url=database_url)
            after = pages_per_slug(served)
            clean = run_one(served, ["publish", "--all", "--dry-run", "--detailed-exitcode"], database_url=database_url)
            trashed = trashed_pages(served)
            writers = sum(1 for r in results if (m := WROTE.search(r.out)) and int(m.group(1)) > 0)
            return {
                "max_pages_per_slug": max(during.values()),
                "pages_total": sum(during.values()),
                "max_pages_per_slug_after_extra_run": max(after.values()),
                "trashed": len(trashed),
                "trashed_and_reported": len(trashed & twins_reported(results + [after_run])),
                "runs_that_wrote": writers,
                "exit_codes": sorted({r.code for r in results}),
                "clean_after_extra_run": clean.code == 0,
                "wall_s": round(wall, 1),
            }
        finally:
            served.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--hosts", type=int, nargs="+", default=[2, 5])
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()

    admin = server_url()
    rows = []
    for hosts in args.hosts:
        for shared in (True, False):
            if shared and admin is None:
                print("no PostgreSQL: shared-database rows skipped", file=sys.stderr)
                continue
            trials = []
            for _ in range(args.trials):
                url, drop = fresh_database(admin) if shared else (None, lambda: None)
                try:
                    trials.append(trial(hosts, url))
                finally:
                    drop()
            rows.append({"hosts": hosts, "BOT_DATABASE_URL": shared, "trials": trials})
            print(f"done: {hosts} hosts, shared={shared}", file=sys.stderr)

    if args.json:
        print(json.dumps(rows, indent=2))
        return
    print(
        f"{'hosts':>5} {'shared db':>9} {'trials':>6} | {'pages/slug during':>17} {'pages total':>11} | {'pages/slug after':>16} {'clean':>5} | {'trashed (reported)':>18} {'runs wrote':>10} {'exits':>6} {'wall s':>8}"
    )
    for row in rows:
        t = row["trials"]
        span = lambda key: f"{min(x[key] for x in t)}–{max(x[key] for x in t)}"  # noqa: E731
        exits = sorted({c for x in t for c in x["exit_codes"]})
        trashed = f"{sum(x['trashed'] for x in t)} ({sum(x['trashed_and_reported'] for x in t)})"
        clean = f"{sum(x['clean_after_extra_run'] for x in t)}/{len(t)}"
        print(
            f"{row['hosts']:>5} {('yes' if row['BOT_DATABASE_URL'] else 'no'):>9} {len(t):>6} | {span('max_pages_per_slug'):>17} {span('pages_total'):>11} | "
            f"{span('max_pages_per_slug_after_extra_run'):>16} {clean:>5} | {trashed:>18} {span('runs_that_wrote'):>10} {str(exits):>6} {span('wall_s'):>8}"
        )
    print("pages/slug during: the most pages any slug had right after the concurrent runs (min–max over trials);")
    print(
        "after: after one more plain run; clean: trials whose dry run then planned nothing; trashed: twins in the trash over all trials."
    )


if __name__ == "__main__":
    main()
