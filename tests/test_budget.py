"""Notion's rate budget shared through a store (bot/budget.py): the window and the 429 block
seen by every process, the back-off, and a request that gives up only on its total wait.

Two `SqliteStore`s on one file stand for two processes of one host (the real-process tests
are in tests/test_fleet.py)."""

from __future__ import annotations

import random

import pytest

from bot.budget import SqliteStore, backoff, budget_key
from bot.clock import VirtualClock
from bot.local import FaultPlan, LocalTransport, LocalWorkspace
from bot.notion import NotionAPI, RateLimitedError

TOKEN = "ntn_" + "x" * 46


def _two_processes(tmp_path):
    key = budget_key("https://api.notion.com", TOKEN)
    path = tmp_path / "budget.sqlite3"
    return SqliteStore(path, key), SqliteStore(path, key)


def test_a_window_spent_by_one_process_makes_the_other_wait(tmp_path):
    first, second = _two_processes(tmp_path)
    slots = [first.reserve(5, 10.0) for _ in range(5)]
    assert all(s.delay == 0 for s in slots)
    late = second.reserve(5, 10.0)
    assert 9.0 < late.delay <= 10.0  # until the first send leaves the window
    assert (
        second.reserve(5, 10.0).at >= late.at
    )  # first come, first served (send times: delays shrink as the clock moves)


def test_a_429_blocks_every_process_and_repeated_ones_back_off_further(tmp_path):
    first, second = _two_processes(tmp_path)
    sent = first.reserve(100, 60.0)
    wait, strikes = first.penalize(sent.at, lambda n: backoff(n, 1.0, random.Random(1)))
    assert strikes == 1 and 0.9 < wait <= 1.0  # Retry-After, no more
    assert second.reserve(100, 60.0).delay > 0.9  # the other process waits too
    # A 429 for a request sent before that block began is its sibling: no escalation.
    assert second.penalize(sent.at, lambda n: backoff(n, 1.0, random.Random(1)))[1] == 1
    later = first.reserve(100, 60.0)
    assert first.penalize(later.at, lambda n: backoff(n, 1.0, random.Random(1)))[1] == 2
    first.clear_strikes()
    assert second.reserve(100, 60.0).strikes == 0


def test_backoff_respects_retry_after_and_grows_with_jitter():
    rng = random.Random(3)
    assert backoff(1, 7.0, rng) == 7.0
    waits = [backoff(n, 1.0, rng) for n in range(2, 9)]
    assert all(w >= 1.0 for w in waits)
    assert waits[-1] >= 30.0 and waits[-1] <= 60.0  # capped at Notion's longest per-connection Retry-After
    assert all(2 ** (n - 1) / 2 <= w <= 2 ** (n - 1) for n, w in zip(range(2, 7), waits))


def test_the_budget_file_holds_no_token(tmp_path):
    first, _ = _two_processes(tmp_path)
    first.reserve(5, 10.0)
    first.close()
    assert TOKEN.encode() not in (tmp_path / "budget.sqlite3").read_bytes()


def _api(ws, clock, max_wait):
    api = NotionAPI(auth=ws.bot_token, base_url="http://local", transport=LocalTransport(ws), clock=clock, seed=1)
    api.retry.max_wait = max_wait
    return api


def test_a_full_window_answering_retry_after_1_is_waited_out_not_counted():
    """The issue's failure: 429 "Retry-After: 1" six times in a row used to end the run
    ("gave up after 6 attempts"); now the request waits (backing off) and goes through."""
    clock = VirtualClock()
    ws = LocalWorkspace(":memory:", clock=clock)
    ws.faults = FaultPlan([{"at": list(range(6)), "kind": "rate_limited", "retry_after": 1}])
    api = _api(ws, clock, 120)
    assert api.me()["object"] == "user"
    assert api.stats.rate_limited == 6 and api.stats.retries == 6
    assert clock.slept > 15  # far more than six 1-s waits: exponential after repeated 429s


def test_a_request_gives_up_only_when_its_total_wait_passes_the_bound():
    clock = VirtualClock()
    ws = LocalWorkspace(":memory:", clock=clock)
    ws.faults = FaultPlan.from_spec("rate_limited@every=1,retry_after=1")
    api = _api(ws, clock, 60)
    with pytest.raises(RateLimitedError) as err:
        api.me()
    assert "BOT_MAX_RETRY_WAIT=60s" in str(err.value) and "attempts" not in str(err.value)
    assert 30 < clock.slept <= 60 and api.stats.rate_limited > 6


def test_a_shared_budget_whose_database_goes_away_falls_back_to_the_process(tmp_path, database_url, caplog):
    """The budget table's PostgreSQL session ends mid-run (a restart): the store reconnects;
    when the database cannot be reached at all, the process paces on its own, saying so."""
    import psycopg

    from bot.notion.api import Pacer
    from bot.ledger.postgres import PostgresBudgetStore

    store = PostgresBudgetStore(database_url, budget_key("https://api.notion.com", TOKEN))
    pacer = Pacer(100, 60.0, store=store)
    pacer.acquire()
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name LIKE 'bot budget %'"
            " AND datname = current_database()"  # not other tests' sessions on the same server
        )
    pacer.acquire()  # a new session (whether or not the old one had gone yet)
    assert pacer.store is store
    store.url = "postgresql://nobody@127.0.0.1:1/gone"  # the database cannot be reached any more
    store._conn.close()
    pacer.acquire()
    assert pacer.store is not store and "pacing with this process's budget only" in caplog.text
    assert TOKEN not in caplog.text


def test_a_strict_server_answers_every_429_with_its_fixed_retry_after():
    """`bot local serve --retry-after 1`: the window stays full for seconds, Retry-After says 1."""
    from bot.local import RateLimit

    limit = RateLimit(requests=2, window_s=60.0, retry_after=1)
    assert limit.check("token", 0.0) is None and limit.check("token", 0.1) is None
    assert limit.check("token", 0.2) == 1 and limit.check("token", 30.0) == 1  # accurate would be 60, then 30
    assert RateLimit(requests=2, window_s=60.0).check("t", 0.0) is None


def test_backoff_stays_finite_however_many_429s_came_in_a_row():
    # found by the transport fuzz: a server answering 429 with "Retry-After: nan" forever made
    # 2 ** strikes too large for a float (an internal error instead of a typed give-up)
    assert backoff(5000, None, random.Random(1)) <= 60.0
