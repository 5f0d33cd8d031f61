"""Replicas sharing a ledger do each slot's work once (virtual clock, one process): a run
started for a slot finds, under the lock, a successful run that started at or after that slot
and records `already-done` without asking Notion anything."""

from __future__ import annotations

from _sched_support import at, rig  # noqa: F401  (fixture)


def test_a_slot_already_published_by_another_replica_is_not_published_again(rig):
    rig.set_time(at("2026-05-30 07:00"))
    first, second = rig.runner(), rig.runner()  # two replicas, one ledger
    slot = at("2026-05-30 07:00")
    done = first.run("schedule", scheduled_for=slot)
    assert done.outcome == "success" and done.entries
    requests_before = sum(len(t.requests) for t in rig.transports)

    rig.set_time(at("2026-05-30 07:00:20"))
    late = second.run("schedule", scheduled_for=slot)
    assert late.outcome == "already-done" and late.exit_code == 0 and late.entries == []
    assert late.summary().startswith(f"already done by run #{done.run_id} on ")
    assert sum(len(t.requests) for t in rig.transports) == requests_before  # Notion was not asked
    row = rig.ledger().get(late.run_id)
    assert (row.outcome, row.scheduled_for) == ("already-done", slot) and f"run #{done.run_id}" in row.note
    assert rig.ledger().consecutive_failures() == 0


def test_a_slot_whose_run_failed_elsewhere_is_published(rig):
    rig.set_time(at("2026-05-30 07:00:30"))
    ledger = rig.ledger()
    failed = ledger.start("schedule", scheduled_for=at("2026-05-30 07:00"), started_at=at("2026-05-30 07:00:01"))
    ledger.finish(failed, "failed", error="Notion was down")
    result = rig.runner().run("schedule", scheduled_for=at("2026-05-30 07:00"))
    assert result.outcome == "success" and result.entries


def test_the_next_slot_and_explicit_runs_still_run(rig):
    rig.set_time(at("2026-05-30 07:00"))
    first, second = rig.runner(), rig.runner()
    first.run("schedule", scheduled_for=at("2026-05-30 07:00"))
    rig.set_time(at("2026-05-30 08:00:05"))
    assert second.run("schedule", scheduled_for=at("2026-05-30 08:00")).outcome == "success"  # a new slot
    assert second.run("run-due").outcome == "success"  # cron/CI runs always check
    assert second.run("retry").outcome == "success"
