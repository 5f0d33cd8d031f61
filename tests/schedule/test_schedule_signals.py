"""`bot schedule` as a real process: catch-up at start, SIGTERM in the middle of a run."""

from __future__ import annotations

import json
import signal
import sys
from datetime import datetime, timedelta, timezone

import pytest

from _sched_support import rig  # noqa: F401
from helpers import sigterm_mid_run


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_a_catch_up_run_records_interrupted_and_the_next_run_converges(env, cli, monkeypatch):
    from bot.clock import VirtualClock
    from bot.ledger.lock import publish_lock
    from bot.ledger.sqlite import Ledger

    state = env / "state"
    # The service last ran 8 days ago: a weekly slot was missed → catch-up at start.
    old = Ledger.for_state_dir(state, VirtualClock(start=datetime.now(timezone.utc) - timedelta(days=8)))
    old.finish(old.start("schedule"), "success")
    ledger = Ledger.for_state_dir(state)
    # Notion answers 429 "retry after 100 s" on the 4th request: the run is mid-way, sleeping,
    # when SIGTERM arrives (and must not sit out those 100 s).
    code, out, err, stopping = sigterm_mid_run(
        ["schedule"],
        env,
        lambda: any(r.trigger == "catch-up" for r in ledger.runs(5)),
        env={"BOT_SCHEDULE": "0 7 * * sat"},
    )
    assert code == 0, err
    assert stopping < 20  # the 100 s back-off was cut short
    assert "catch-up: missed 1 scheduled run(s)" in err
    assert "SIGTERM: stopping" in err and "stopped; the publish lock is free" in err
    run = next(r for r in ledger.runs(5) if r.trigger == "catch-up")
    assert run.outcome == "interrupted" and run.ended_at is not None
    with publish_lock(state, wait=0):
        pass

    monkeypatch.delenv("BOT_LOCAL_FAULTS", raising=False)
    code, out, err = cli("run-due", "--json")
    assert code == 0, err
    converged = json.loads(out)
    assert converged["outcome"] == "success"
    code, out, _ = cli("status", "--json")
    remote = [v["remote"] for v in json.loads(out)["variants"]]
    assert all(r["plan"] == "unchanged" for r in remote)
    assert len({r["page_id"] for r in remote}) == 4


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_run_due_stops_after_the_request_in_flight_with_128_plus_the_signal(env):
    from bot.ledger.sqlite import Ledger

    ledger = Ledger.for_state_dir(env / "state")
    code, out, err, stopping = sigterm_mid_run(
        ["run-due"], env, lambda: (env / "state").exists() and any(r.trigger == "run-due" for r in ledger.runs(5))
    )
    assert code == 128 + signal.SIGTERM, err
    assert stopping < 20  # the 100 s back-off was cut short
    assert "SIGTERM: stopping after the request in flight" in err
    run = next(r for r in ledger.runs(5) if r.trigger == "run-due")
    assert run.outcome == "interrupted" and run.ended_at is not None
