"""The run ledger's two stores behave alike (SQLite in the state dir, PostgreSQL shared by
hosts), and the PostgreSQL lock and liveness work across processes."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime, timedelta, timezone

import pytest

from bot.errors import LockBusyError
from bot.ledger.runs import LedgerError, VariantEntry
from bot.ledger.sqlite import Ledger

T0 = datetime(2026, 5, 30, 7, 0, tzinfo=timezone.utc)


@pytest.fixture(params=["sqlite", "postgres"])
def store(request, tmp_path):
    """A factory for ledgers on one store: store(read_only=False) -> ledger."""
    if request.param == "sqlite":
        path = tmp_path / "runs.sqlite3"
        yield lambda read_only=False: Ledger(path, read_only=read_only)
        return
    from bot.ledger.postgres import PostgresLedger

    url = request.getfixturevalue("database_url")
    opened = []

    def open_pg(read_only=False):
        opened.append(PostgresLedger(url, read_only=read_only))
        return opened[-1]

    yield open_pg
    for ledger in opened:
        ledger.close()


def test_a_run_round_trips_with_its_host_and_variants(store):
    ledger = store()
    run_id = ledger.start("schedule", scheduled_for=T0, started_at=T0 + timedelta(seconds=3))
    ledger.add_variants(
        run_id,
        [
            VariantEntry(
                "s-en", "2026-W22", "en", "created", "Published", "2026-05-30", page_id="p1", url="u1", writes=1
            )
        ],
    )
    ledger.finish(run_id, "success", stats={"reads": 4, "writes": 1}, ended_at=T0 + timedelta(seconds=5))
    row = ledger.get(run_id)
    assert (row.trigger, row.outcome, row.host, row.pid, row.reads, row.writes) == (
        "schedule",
        "success",
        socket.gethostname(),
        os.getpid(),
        4,
        1,
    )
    assert row.scheduled_for == T0 and row.duration == 2.0
    assert [(v.slug, v.action, v.page_id) for v in row.variants] == [("s-en", "created", "p1")]
    assert ledger.last_published()["s-en"].run_id == run_id
    assert store(read_only=True).runs() == ledger.runs()


def test_done_since_finds_the_first_successful_due_check_at_or_after_a_moment(store):
    ledger = store()
    failed = ledger.start("schedule", started_at=T0 + timedelta(seconds=1))
    ledger.finish(failed, "failed", error="boom")
    manual = ledger.start("manual", started_at=T0 + timedelta(seconds=2))
    ledger.finish(manual, "success")
    assert ledger.done_since(T0) is None  # a failed run and a manual one do not count
    ok = ledger.start("schedule", started_at=T0 + timedelta(seconds=3))
    ledger.finish(ok, "success")
    assert ledger.done_since(T0).id == ok
    assert ledger.done_since(T0 + timedelta(seconds=4)) is None


def test_a_reader_of_an_empty_store_creates_nothing(store, tmp_path):
    reader = store(read_only=True)
    assert reader.runs() == [] and reader.last_published() == {} and reader.reap() == 0
    assert not (tmp_path / "runs.sqlite3").exists()


def test_opening_twice_migrates_once(store):
    first = store()
    run_id = first.start("manual")
    second = store()  # the schema is there: nothing to do, nothing lost
    assert second.get(run_id).outcome == "running"


RECORD_AND_DIE = """
import os, socket, sys
socket.gethostname = lambda: {host!r}
from bot.ledger.sqlite import Ledger
from bot.ledger.postgres import PostgresLedger
ledger = PostgresLedger(sys.argv[1]) if sys.argv[1].startswith("postgresql") else Ledger(sys.argv[1])
print(ledger.start("schedule"), flush=True)
os.kill(os.getpid(), 9)  # no outcome recorded
"""


def _record_and_die(target: str, host: str) -> int:
    code = textwrap.dedent(RECORD_AND_DIE.format(host=host))
    proc = subprocess.run([sys.executable, "-c", code, target], capture_output=True, text=True, timeout=60)
    assert proc.returncode == -signal.SIGKILL, proc.stderr
    return int(proc.stdout.strip())


def test_sqlite_reaps_a_killed_run_of_this_host(tmp_path):
    ledger = Ledger(tmp_path / "runs.sqlite3")
    run_id = _record_and_die(str(ledger.path), socket.gethostname())
    assert Ledger(ledger.path, read_only=True).get(run_id).outcome == "interrupted"  # shown so, not written
    assert ledger.reap() == 1 and ledger.get(run_id).outcome == "interrupted"


def test_postgres_reaps_a_killed_run_of_another_host(database_url):
    """The dead process ran elsewhere: its pid means nothing here, its database session does."""
    from bot.ledger.postgres import PostgresLedger

    ledger = PostgresLedger(database_url)
    run_id = _record_and_die(database_url, "some-other-host")
    deadline = time.monotonic() + 20
    while ledger.reap() == 0 and time.monotonic() < deadline:  # the server notices the closed socket
        time.sleep(0.1)
    row = ledger.get(run_id)
    assert (row.host, row.outcome) == ("some-other-host", "interrupted")
    ledger.close()


def test_postgres_refuses_a_schema_newer_than_it_knows(database_url):
    import psycopg

    from bot.ledger.postgres import PostgresLedger

    PostgresLedger(database_url).close()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute("UPDATE bot_schema SET version = 99")
    with pytest.raises(LedgerError, match="schema version 99, newer than this bot knows"):
        PostgresLedger(database_url)
    with pytest.raises(LedgerError, match="upgrade bot"):
        PostgresLedger(database_url, read_only=True).runs()


@pytest.mark.parametrize(
    "url", ["postgresql://bot:s3cret-pw@/bot?host={tmp}&port=1", "postgresql://bot:s3cret-pw@[unclosed/bot"]
)
def test_an_unreachable_database_is_a_clear_error_without_the_password(tmp_path, url):
    from bot.ledger.postgres import PostgresLedger

    with pytest.raises(LedgerError) as err:
        PostgresLedger(url.format(tmp=tmp_path))
    assert "cannot connect to BOT_DATABASE_URL postgresql://" in str(err.value)
    assert "s3cret-pw" not in str(err.value)


HOLD_LOCK = """
import sys, time
from bot.ledger.postgres import advisory_lock
with advisory_lock(sys.argv[1], "scope", wait=5):
    print("held", flush=True)
    time.sleep(120)
"""


def test_the_advisory_lock_names_its_holder_and_a_killed_holder_releases_it(database_url):
    from bot.ledger.postgres import advisory_lock

    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, database_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LockBusyError) as err:
            with advisory_lock(database_url, "scope", wait=0.3):
                pass
        assert f"pid {holder.pid}" in str(err.value)
        with advisory_lock(database_url, "another newsletter", wait=0):
            pass  # another scope is another lock
        holder.kill()  # a crash: no clean release
        holder.wait(timeout=30)
        with advisory_lock(database_url, "scope", wait=20):
            pass
    finally:
        holder.kill()
        holder.wait(timeout=30)
