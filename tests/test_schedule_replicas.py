"""Two `bot schedule` replicas sharing BOT_DATABASE_URL, each with its own state dir, under a
one-minute schedule, against one workspace served over HTTP (real processes, real time).

SLOW: it waits for two real minute boundaries (about 1.5–2.5 minutes). It is the only test
that does; everything else about the schedule runs on a virtual clock (tests/schedule/).
"""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

import pytest

from multihost import host_env, pages_per_slug, run_one, serve

SLUGS = {"rec-weekly-en-2026-W14", "rec-weekly-zh-2026-W14", "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"}
SLOT_TIMEOUT = 150.0  # a minute boundary, plus a run


def _wait(what: str, predicate, timeout: float = SLOT_TIMEOUT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting for {what}")


def _scheduled(ledger) -> dict:
    """scheduled_for -> the schedule runs for that slot."""
    slots: dict = {}
    for row in ledger.runs(limit=None):
        if row.trigger == "schedule":
            slots.setdefault(row.scheduled_for, []).append(row)
    return slots


def _lock_holder_pid(database_url: str) -> int | None:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        row = conn.execute(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
            " WHERE l.locktype = 'advisory' AND l.granted AND a.application_name LIKE 'bot publish %'"
            # pg_locks is the whole server's: other tests' hosts publish in databases of their own
            " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchone()
    found = re.search(r"pid (\d+)$", row[0]) if row else None
    return int(found.group(1)) if found else None


@pytest.fixture
def served(tmp_path):
    handle = serve(tmp_path)
    yield handle
    handle.stop()


def test_two_schedule_replicas_publish_each_slot_once_and_one_finishes_when_the_other_is_killed(served, database_url):
    from bot.ledger.postgres import PostgresLedger

    # One request per second (a sliding window of 1 request, so no burst): a run lasts several
    # seconds, long enough to be killed in the middle.
    extra = {"BOT_SCHEDULE": "* * * * *", "BOT_RATE_LIMIT": "1/1"}
    replicas = {}
    for name in ("a", "b"):
        log = (served.root / f"schedule-{name}.log").open("w")
        replicas[name] = subprocess.Popen(
            [sys.executable, "-m", "bot", "schedule"],
            cwd=served.root,
            env=host_env(served, name, database_url, **extra),
            stdout=log,
            stderr=log,
            stdin=subprocess.DEVNULL,
        )
    by_pid = {proc.pid: name for name, proc in replicas.items()}
    ledger = PostgresLedger(database_url, read_only=True)
    try:
        # Slot 1: both replicas fire; one publishes, the other waits for the lock and finds it done.
        def first_slot_settled():
            slots = _scheduled(ledger)
            if not slots:
                return None
            first = min(slots)
            rows = slots[first]
            return rows if len(rows) == 2 and all(r.outcome != "running" for r in rows) else None

        rows = _wait("both replicas' runs for the first slot", first_slot_settled)
        outcomes = sorted(r.outcome for r in rows)
        assert outcomes == ["already-done", "success"], [(r.id, r.pid, r.outcome, r.error, r.note) for r in rows]
        worker = next(r for r in rows if r.outcome == "success")
        idle = next(r for r in rows if r.outcome == "already-done")
        assert sorted(v.action for v in worker.variants) == ["created"] * 4
        assert idle.variants == [] and f"already done by run #{worker.id}" in idle.note
        assert {worker.pid, idle.pid} == set(by_pid)
        slot1 = worker.scheduled_for
        assert pages_per_slug(served) == {slug: 1 for slug in SLUGS}

        # Slot 2: the content changed; kill whichever replica holds the lock mid-run.
        for path in (served.root / "content").rglob("*.md"):
            text = path.read_text(encoding="utf-8")
            path.write_text(text.rstrip("\n") + "\n\nAdded before the second slot.\n", encoding="utf-8")
        holder = _wait("a replica publishing the second slot", lambda: _lock_holder_pid(database_url))
        time.sleep(1.0)  # a few requests into the run
        victim = by_pid[holder]
        replicas[victim].send_signal(signal.SIGKILL)
        replicas[victim].wait(timeout=30)
        survivor = next(name for name in replicas if name != victim)

        def second_slot_done():
            later = {slot: runs for slot, runs in _scheduled(ledger).items() if slot > slot1}
            return next(
                ((slot, runs) for slot, runs in sorted(later.items()) if any(r.outcome == "success" for r in runs)),
                None,
            )

        slot2, rows = _wait("the survivor to finish the second slot", second_slot_done)
        done = [r for r in rows if r.outcome == "success"]
        assert len(done) == 1 and done[0].pid == replicas[survivor].pid
        assert any(v.action == "updated" for v in done[0].variants)
        killed = [r for r in rows if r.pid == holder]
        assert [r.outcome for r in killed] == ["interrupted"]  # its session is gone: shown so to every host

        assert pages_per_slug(served) == {slug: 1 for slug in SLUGS}
        clean = run_one(served, ["publish", "--all", "--dry-run", "--detailed-exitcode"], database_url=database_url)
        assert clean.code == 0 and "Plan: 0 to create, 0 to update, 4 unchanged." in clean.out, clean.out + clean.err

        replicas[survivor].send_signal(signal.SIGTERM)
        assert replicas[survivor].wait(timeout=60) == 0
    finally:
        for proc in replicas.values():
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=30)
        ledger.close()
        for name in replicas:
            sys.stderr.write(
                f"--- schedule-{name}.log\n" + (served.root / f"schedule-{name}.log").read_text(errors="replace")
            )
