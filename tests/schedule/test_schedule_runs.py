"""Due-check runs against the local workspace: the due rule, the ledger, failures, interruption,
the publish lock across processes, and the `run-due` / `runs` / `status` commands."""

from __future__ import annotations

import json
import multiprocessing
import os
import subprocess
import sys

import pytest

from _sched_support import at, hold_lock, rig, set_front  # noqa: F401  (fixture)

W22 = {"rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"}
W14 = {"rec-weekly-en-2026-W14", "rec-weekly-zh-2026-W14"}


def actions(result):
    return {e.slug: e.action for e in result.entries}


# --------------------------------------------------------------------------- the due rule
def test_future_dated_variant_waits_until_its_minute(rig):
    runner = rig.runner()
    rig.set_time(at("2026-05-30 07:00:59"))
    early = runner.run("schedule")
    assert early.outcome == "success"
    assert actions(early) == {**{s: "created" for s in W14}, **{s: "waiting" for s in W22}}
    assert early.next_due == at("2026-05-30 07:01")
    assert rig.pages("rec-weekly-en-2026-W22") == [] and rig.pages("rec-weekly-zh-2026-W22") == []

    rig.set_time(at("2026-05-30 07:01"))
    on_time = runner.run("due")
    assert actions(on_time) == {**{s: "unchanged" for s in W14}, **{s: "created" for s in W22}}
    assert on_time.next_due is None
    en, zh = rig.pages("rec-weekly-en-2026-W22"), rig.pages("rec-weekly-zh-2026-W22")
    assert len(en) == 1 and len(zh) == 1
    # the two language variants link to each other, as with a manual publish
    session = rig.session_factory(rig.settings, rig.clock)
    callout = session.api.read_tree(en[0]["id"])[0]["callout"]["rich_text"][0]
    assert callout["href"] == zh[0]["url"]


def test_waiting_variant_is_not_updated_either(rig, env):
    runner = rig.runner()
    rig.set_time(at("2026-05-30 08:00"))
    assert runner.run("schedule").outcome == "success"
    # Postpone W22/en to next week after it went out: its page is left alone until then.
    path = env / "content" / "rec-weekly" / "2026-W22" / "en.md"
    set_front(path, date="2026-06-06 07:00", summary='"Postponed summary"')
    result = runner.run("schedule")
    assert actions(result)["rec-weekly-en-2026-W22"] == "waiting"
    assert rig.transports[-1].writes == 0
    rig.set_time(at("2026-06-06 07:00"))
    assert actions(runner.run("schedule"))["rec-weekly-en-2026-W22"] == "updated"


def test_drafts_and_invisible_are_synced_whatever_their_date(rig, env):
    set_front(env / "content" / "rec-weekly" / "2026-W22" / "en.md", status="Draft", date="2027-01-01 00:00")
    set_front(env / "content" / "rec-weekly" / "2026-W22" / "zh.md", status="Invisible", date="2027-01-01")
    result = rig.runner().run("schedule")
    assert actions(result) == {s: "created" for s in W14 | W22}
    page = rig.pages("rec-weekly-en-2026-W22")[0]
    assert page["properties"]["status"]["select"]["name"] == "Draft"


def test_date_without_time_is_due_at_midnight(rig, env):
    set_front(env / "content" / "rec-weekly" / "2026-W22" / "en.md", date="2026-05-31")
    rig.set_time(at("2026-05-30 23:59"))
    assert actions(rig.runner().run("schedule"))["rec-weekly-en-2026-W22"] == "waiting"
    rig.set_time(at("2026-05-31 00:00"))
    assert actions(rig.runner().run("schedule"))["rec-weekly-en-2026-W22"] == "created"


def test_an_unchanged_run_writes_nothing(rig):
    rig.set_time(at("2026-05-30 07:01"))
    rig.runner().run("schedule")
    again = rig.runner().run("schedule")
    assert set(actions(again).values()) == {"unchanged"}
    assert again.stats["writes"] == 0 and rig.transports[-1].writes == 0


# --------------------------------------------------------------------------- failures
def test_invalid_content_fails_the_run_and_the_next_good_run_publishes(rig, env, cli):
    path = env / "content" / "rec-weekly" / "2026-W14" / "zh.md"
    good = path.read_text(encoding="utf-8")
    path.write_text(good.replace("status: Published", "status: Live"), encoding="utf-8")
    runner = rig.runner()
    bad = runner.run("schedule")
    assert bad.outcome == "failed" and f"{path}:" in bad.error and "status" in bad.error
    assert rig.pages("rec-weekly-en-2026-W14") == []  # nothing half-published

    code, out, _ = cli("status", "--no-remote")
    assert code == 0 and "ATTENTION: the last 1 run(s) did not succeed" in out

    path.write_text(good, encoding="utf-8")
    rig.set_time(at("2026-05-30 07:30"))
    fixed = runner.run("retry")
    assert fixed.outcome == "success"
    assert {s for s, a in actions(fixed).items() if a == "created"} == W14 | W22
    rows = rig.ledger().runs()
    assert [(r.trigger, r.outcome) for r in rows] == [("retry", "success"), ("schedule", "failed")]
    assert rows[1].error and "status" in rows[1].error
    code, out, _ = cli("status", "--no-remote")
    assert "Health: ok" in out


def test_rate_limited_past_the_cap_is_a_recorded_failure(rig):
    from bot.local import FaultPlan

    # Notion asks to wait 1000 s, more than a scheduled run's BOT_SCHEDULED_MAX_RETRY_WAIT (900): the run gives up.
    rig.workspace.faults = FaultPlan.from_spec("rate_limited@every=1,retry_after=1000")
    result = rig.runner().run("schedule")
    assert result.outcome == "failed" and "BOT_SCHEDULED_MAX_RETRY_WAIT=900s" in result.error
    row = rig.ledger().get(result.run_id)
    assert row.outcome == "failed" and row.reads >= 1 and row.rate_limited >= 1


def test_a_scheduled_run_waits_longer_for_the_budget_than_an_interactive_one(rig):
    """Retry-After 300 s is more than BOT_MAX_RETRY_WAIT (120) allows a `bot publish`, within
    what a scheduled run waits (BOT_SCHEDULED_MAX_RETRY_WAIT, 900)."""
    from bot.local import FaultPlan

    rig.workspace.faults = FaultPlan([{"at": 0, "kind": "rate_limited", "retry_after": 300}])
    result = rig.runner().run("schedule")
    assert result.outcome == "success" and result.stats["rate_limited"] == 1, result.error


def test_one_drifted_week_fails_the_run_but_the_other_week_goes_out(rig, env):
    rig.set_time(at("2026-05-30 08:00"))
    runner = rig.runner()
    runner.run("schedule")
    # Someone edits the W14/en page in Notion, and both weeks change in content/.
    rig.workspace.add_user("Editor", "editor-token")
    page = rig.pages("rec-weekly-en-2026-W14")[0]
    import httpx

    from bot.local import LocalTransport

    with httpx.Client(transport=LocalTransport(rig.workspace), base_url="http://local") as http:
        response = http.patch(
            f"/v1/pages/{page['id']}",
            headers={"Authorization": "Bearer editor-token", "Notion-Version": "2025-09-03"},
            json={"properties": {"summary": {"rich_text": [{"text": {"content": "edited in Notion"}}]}}},
        )
        assert response.status_code == 200, response.text
    for week in ("2026-W14", "2026-W22"):
        set_front(env / "content" / "rec-weekly" / week / "en.md", priority="3")
    result = runner.run("schedule")
    assert result.outcome == "failed" and "2026-W14" in result.error
    assert actions(result)["rec-weekly-en-2026-W14"] == "failed"
    assert actions(result)["rec-weekly-en-2026-W22"] == "updated"


# --------------------------------------------------------------------------- interruption
def test_interrupted_run_is_recorded_releases_the_lock_and_the_next_run_converges(rig):
    from bot.ledger.lock import publish_lock

    runner = rig.runner()
    rig.set_time(at("2026-05-30 07:30"))

    def stop_after_first_write(n, request):
        if request.method != "GET" and not request.url.path.endswith("/query"):
            runner.stop.set()  # as the SIGTERM handler does

    rig.after_request = stop_after_first_write
    result = runner.run("schedule")
    assert result.outcome == "interrupted"
    assert rig.transports[-1].writes == 1  # the request in flight completed; nothing was sent after it
    row = rig.ledger().get(result.run_id)
    assert row.outcome == "interrupted" and row.ended_at is not None and row.writes == 1
    with publish_lock(rig.settings.state_dir, wait=0):  # released
        pass

    rig.after_request = None
    runner.stop.clear()
    rig.clock.advance(60)
    converged = runner.run("schedule")
    assert converged.outcome == "success"
    # The page created before the stop is found and completed, not duplicated.
    for slug in W14 | W22:
        assert len(rig.pages(slug)) == 1
    assert set(actions(converged).values()) <= {"created", "updated", "unchanged"}
    session = rig.session_factory(rig.settings, rig.clock)
    en = rig.pages("rec-weekly-en-2026-W14")[0]
    zh = rig.pages("rec-weekly-zh-2026-W14")[0]
    assert session.api.read_tree(en["id"])[0]["callout"]["rich_text"][0]["href"] == zh["url"]
    final = runner.run("schedule")
    assert set(actions(final).values()) == {"unchanged"} and final.stats["writes"] == 0


def test_a_process_that_died_mid_run_shows_as_interrupted(rig, cli):
    ledger = rig.ledger()
    run_id = ledger.start("schedule")
    with ledger._connect() as db:  # as if written by a process that no longer exists
        db.execute("UPDATE runs SET pid=? WHERE id=?", (2**22 + 12345, run_id))
    code, out, _ = cli("runs", "--json")
    row = json.loads(out)[0]
    assert row["id"] == run_id and row["outcome"] == "interrupted" and "without recording" in row["error"]


# --------------------------------------------------------------------------- two processes, one lock
def test_run_skips_while_another_process_holds_the_lock(cli, env):
    ctx = multiprocessing.get_context("spawn")
    ready, release = ctx.Event(), ctx.Event()
    holder = ctx.Process(target=hold_lock, args=(str(env / "state"), ready, release))
    holder.start()
    try:
        assert ready.wait(30)
        code, out, err = cli("run-due", "--lock-wait", "0", "--json")
        assert code == 3
        run = json.loads(out)
        assert run["outcome"] == "skipped-locked" and "another bot process" in run["error"]
        assert run["requests"]["writes"] == 0 and run["variants"] == []
    finally:
        release.set()
        holder.join(30)
    code, out, _ = cli("run-due", "--lock-wait", "0", "--json")
    assert code == 0 and json.loads(out)["outcome"] == "success"


def test_two_processes_never_publish_at_the_same_time(env):
    """Two `bot run-due` processes started together: their runs do not overlap and every page
    exists exactly once."""
    command = [sys.executable, "-m", "bot", "run-due", "--json", "--lock-wait", "60"]
    procs = [
        subprocess.Popen(
            command, cwd=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=os.environ.copy()
        )
        for _ in range(2)
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outputs):
        assert p.returncode == 0, err
    runs = sorted((json.loads(out) for out, _ in outputs), key=lambda r: -r["requests"]["writes"])
    first, second = runs
    # Whichever got the lock first created everything; the other one started its work only
    # after that (it found every page complete) — had they overlapped, both would have
    # planned "create" and a slug would exist twice.
    assert {v["action"] for v in first["variants"]} == {"created"}
    assert {v["action"] for v in second["variants"]} == {"unchanged"}
    assert second["requests"]["writes"] == 0
    from bot.local import LocalWorkspace

    from helpers import open_test_session

    workspace = LocalWorkspace(env / "state" / "local-notion.sqlite3")
    session, _ = open_test_session(workspace)
    for slug in W14 | W22:
        target = session.target("zh" if "-zh-" in slug else "en")
        assert len(session.api.find_pages(target.data_source_id, "slug", "rich_text", slug)) == 1


# --------------------------------------------------------------------------- commands
def test_run_due_runs_and_status_commands(cli, env):
    # a rehearsal at 07:00: W22 (dated 07:01) waits; nothing is written (see test_rehearsal.py)
    code, out, err = cli("run-due", "--now", "2026-05-30T07:00")
    assert code == 0, err
    assert (
        "… rec-weekly-en-2026-W22 (en)  waiting until 2026-05-30T07:01+08:00" in out
        and "+ rec-weekly-en-2026-W14 (en)  create" in out
    )
    code, out, err = cli("run-due", "--json")  # the real run: every seed week is due by now
    run = json.loads(out)
    assert run["trigger"] == "run-due" and run["outcome"] == "success"
    assert {v["slug"]: v["action"] for v in run["variants"] if v["action"] == "created"}.keys() == W14 | W22
    assert run["requests"]["writes"] >= 3

    code, out, _ = cli("runs", "--json", "--limit", "1")
    assert [r["id"] for r in json.loads(out)] == [run["id"]]
    code, out, _ = cli("runs")
    assert "run-due" in out and "4 created" in out

    code, out, _ = cli("status", "--json", "--now", "2026-05-30T07:02")
    data = json.loads(out)
    rows = {v["slug"]: v for v in data["variants"]}
    en = rows["rec-weekly-en-2026-W22"]
    assert en["due"] is True and en["status"] == "Published"
    assert en["last_published"]["run_id"] == run["id"] and en["last_published"]["action"] == "created"
    assert en["remote"]["plan"] == "unchanged" and en["remote"]["url"] == en["last_published"]["url"]
    assert [r["outcome"] for r in data["runs"]] == ["success"]
    assert data["schedule"]["next_run"] == "2026-06-06T07:00:00+08:00"

    # an edit shows up as pending in Notion and as changed since last published
    set_front(env / "content" / "rec-weekly" / "2026-W22" / "en.md", priority="2")
    code, out, _ = cli("status", "--now", "2026-05-30T07:03")
    line = next(l for l in out.splitlines() if l.split()[:2] == ["2026-W22", "en"])
    assert "change(s) pending" in line and "created*" in line


def test_status_before_anything_ran(cli):
    code, out, err = cli("status", "--now", "2026-05-30T06:00")
    assert code == 0, err
    assert "no page yet" in out and "waits until 2026-05-30 07:01" in out and "(none recorded)" in out


def test_manual_publish_can_be_recorded_with_record_run(env, session_factory):
    """How cli.cmd_publish records a manual run (see docs/scheduling.md)."""
    from bot.errors import LockBusyError
    from bot.ledger.lock import publish_lock
    from bot.engine.publish import PublishOptions, Publisher, group_by_week
    from bot.ledger.recorder import record_run
    from bot.ledger.sqlite import Ledger
    from bot.source import read_all, select_week

    session, _ = session_factory()
    state = session.settings.state_dir
    variants = read_all(session.settings.bot_content_dir)
    with record_run(state, "manual", note="--week W22") as run:
        run.attach(session)
        with publish_lock(state):
            for group in group_by_week(select_week(variants, "W22")):
                run.add_results(Publisher(session, variants, PublishOptions()).publish_group(group))
    row = Ledger.for_state_dir(state).get(run.id)
    assert (row.trigger, row.outcome, row.note) == ("manual", "success", "--week W22")
    assert {v.action for v in row.variants} == {"created"} and row.writes >= 3

    with publish_lock(state):
        with pytest.raises(LockBusyError):
            with record_run(state, "manual") as busy:
                with publish_lock(state, wait=0):
                    pass
    assert Ledger.for_state_dir(state).get(busy.id).outcome == "skipped-locked"


def test_language_variants_due_at_different_times_end_up_linked(rig, env):
    set_front(env / "content" / "rec-weekly" / "2026-W22" / "zh.md", date="2026-05-31 07:01")
    runner = rig.runner()
    rig.set_time(at("2026-05-30 08:00"))
    first = actions(runner.run("schedule"))
    assert first["rec-weekly-en-2026-W22"] == "created" and first["rec-weekly-zh-2026-W22"] == "waiting"
    assert rig.pages("rec-weekly-zh-2026-W22") == []
    rig.set_time(at("2026-05-31 07:01"))
    assert actions(runner.run("due"))["rec-weekly-zh-2026-W22"] == "created"
    session = rig.session_factory(rig.settings, rig.clock)
    en, zh = rig.pages("rec-weekly-en-2026-W22")[0], rig.pages("rec-weekly-zh-2026-W22")[0]
    assert session.api.read_tree(en["id"])[0]["callout"]["rich_text"][0]["href"] == zh["url"]
    assert session.api.read_tree(zh["id"])[0]["callout"]["rich_text"][0]["href"] == en["url"]
