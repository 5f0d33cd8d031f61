"""What a run reports about itself: an early publish is announced (plan, output, --json,
ledger); `run-due --dry-run` rehearses now; a plain `run-due` says what it will do first; an
interrupted run lists the pages it finished, the one it was in and the rest (stdout, --json,
ledger)."""

from __future__ import annotations

import json
import signal
import sqlite3
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from helpers import edit, sigterm_mid_run

W22 = Path("content/rec-weekly/2026-W22")
EN, ZH = "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"
EARLY = "published early: date 2027-01-04 skipped"


def _runs(cli) -> list[dict]:
    code, out, err = cli("runs", "--json")
    assert code == 0, err
    return json.loads(out)


# --------------------------------------------------------------------------- an early publish is announced
@pytest.fixture
def future_en(env):
    edit(env / W22 / "en.md", "date: 2026-05-30 07:01", "date: 2027-01-04")
    return env


def test_without_publish_early_the_future_variant_waits(cli, future_en):
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0 and "waiting until 2027-01-04" in out and "published early" not in out


def test_an_early_publish_is_marked_in_the_plan(cli, future_en):
    code, out, err = cli("publish", "--week", "W22", "--dry-run", "--publish-early")
    assert code == 0, err
    lines = out.splitlines()
    head = next(i for i, l in enumerate(lines) if l.startswith(f"+ {EN} (en)  create"))
    assert EARLY in lines[head + 1]
    assert sum(EARLY in l for l in lines) == 1  # zh is dated in the past: not early
    data = json.loads(cli("publish", "--week", "W22", "--dry-run", "--publish-early", "--json")[1])
    assert [(e["slug"], e["date"]) for e in data["published_early"]] == [(EN, "2027-01-04")]
    assert EARLY in data["published_early"][0]["message"]
    assert _runs(cli) == []  # a dry run records nothing


def test_an_early_publish_is_marked_in_the_output_json_and_ledger(cli, future_en):
    code, out, err = cli("publish", "--week", "W22", "--publish-early", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [e["slug"] for e in data["published_early"]] == [EN]
    entries = {v["slug"]: v for v in _runs(cli)[0]["variants"]}
    assert entries[EN]["action"] == "created" and EARLY in entries[EN]["detail"]
    assert entries[ZH]["detail"] is None


def test_an_early_publish_is_marked_in_the_summary_only_when_it_wrote(cli, future_en):
    code, out, _ = cli("publish", "--week", "W22", "--publish-early")
    lines = out.splitlines()
    created = next(i for i, l in enumerate(lines) if l.startswith(f"+ {EN}") and "created" in l)
    assert EARLY in lines[created + 1]
    code, out, _ = cli("publish", "--week", "W22", "--publish-early")  # nothing to write again
    assert code == 0 and "unchanged" in out and EARLY not in out


# --------------------------------------------------------------------------- run-due --dry-run
def test_run_due_dry_run_is_the_rehearsal_at_the_present_moment(cli, env, workspace):
    now = datetime.now(ZoneInfo("Asia/Shanghai")).strftime("%Y-%m-%dT%H:%M")
    code, dry, err = cli("run-due", "--dry-run")
    assert code == 0, err
    assert "rehearsal at" in err and "nothing is written" in err
    code, rehearsed, _ = cli("run-due", "--now", now)
    assert dry == rehearsed and f"+ {EN} (en)  create" in dry
    assert _runs(cli) == []
    dry_json = json.loads(cli("run-due", "--dry-run", "--json")[1])
    assert dry_json["rehearsal"] is True and {v["slug"] for v in dry_json["variants"]} >= {EN, ZH}
    assert _runs(cli) == []
    code, out, _ = cli("status", "--json")  # Notion (the local workspace) was not written either
    assert all(v["remote"]["plan"] == "create" for v in json.loads(out)["variants"])


def test_a_plain_run_due_says_what_it_will_do_before_doing_it(cli):
    code, out, err = cli("run-due")
    assert code == 0, err
    lines = err.splitlines()
    announce = next(
        i for i, l in enumerate(lines) if l.startswith("run-due: publishing to the embedded local workspace")
    )
    due = next(i for i, l in enumerate(lines) if l.startswith("due now: 4 variant(s)"))
    first_write = next(i for i, l in enumerate(lines) if l.endswith(": create"))
    assert announce < due < first_write
    assert "bot run-due --dry-run" in lines[announce]
    assert cli("run-due", "-q")[2] == ""  # -q: silent


# --------------------------------------------------------------------------- interrupted runs
def _pages_exist(env) -> bool:
    """Polls the other process's workspace, read-only: has the first page been created?"""
    path = env / "state" / "local-notion.sqlite3"
    if not path.exists():
        return False
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            return db.execute("SELECT count(*) FROM pages").fetchone()[0] >= 1
    except sqlite3.Error:
        return False


# the 5th request (zh's create, after 3 reads and en's create) is answered 429 "retry after
# 100 s": the run sleeps inside zh when the signal comes
ASLEEP_IN_ZH = {"BOT_LOCAL_FAULTS": "rate_limited@4,retry_after=100"}


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
@pytest.mark.parametrize("signum,status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)])
def test_an_interrupted_publish_lists_what_it_finished_and_where_it_stopped(cli, env, signum, status):
    code, out, err, _ = sigterm_mid_run(
        ["publish", "--week", "W22"], env, lambda: _pages_exist(env), env=ASLEEP_IN_ZH, settle=0.5, signum=signum
    )
    assert code == status, err
    assert "Traceback" not in err
    name = signal.Signals(signum).name
    assert out.startswith(f"Interrupted ({name}) in {ZH}: 1 page(s) finished, 1 in progress, 0 not started.")
    assert any(l.startswith(f"+ {EN}") and "created" in l for l in out.splitlines())
    assert any(l.startswith(f"… {ZH}") and "interrupted" in l for l in out.splitlines())
    run = _runs(cli)[0]
    assert run["outcome"] == "interrupted"
    assert {v["slug"]: v["action"] for v in run["variants"]} == {EN: "created", ZH: "interrupted"}
    code, text, _ = cli("runs")
    line = next(l for l in text.splitlines() if "interrupted" in l)
    assert line.rstrip().endswith("1 created, 1 interrupted")  # not "-"
    code, _, err = cli("publish", "--week", "W22")  # the next run completes it
    assert code == 0, err


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_an_interrupted_publish_reports_in_json(cli, env):
    code, out, err, _ = sigterm_mid_run(
        ["publish", "--week", "W22", "--json"], env, lambda: _pages_exist(env), env=ASLEEP_IN_ZH, settle=0.5
    )
    assert code == 143, err
    data = json.loads(out)
    assert data["error"]["type"] == "RunInterrupted" and data["error"]["exit_code"] == 143
    assert data["interrupted"] is True and data["phase"] == "applying"
    assert [(v["slug"], v["action"]) for v in data["variants"]] == [(EN, "created")]
    assert data["in_progress"]["slug"] == ZH and data["not_started"] == []


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_an_interrupted_run_due_records_its_pages(cli, env):
    code, out, err, _ = sigterm_mid_run(["run-due"], env, lambda: _pages_exist(env), env=ASLEEP_IN_ZH, settle=0.5)
    assert code == 143, err
    run = _runs(cli)[0]
    assert run["trigger"] == "run-due" and run["outcome"] == "interrupted"
    actions = [v["action"] for v in run["variants"]]
    assert actions.count("interrupted") == 1 and "created" in actions and len(actions) == 4
    assert set(actions) <= {"created", "interrupted", "not-started"}
    assert "interrupted" in out and "stopped while writing this page" in out
