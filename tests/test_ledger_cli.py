"""The run ledger through the CLI: a damaged runs.sqlite3 never stops a publish, `bot runs`
and `bot status` say clearly what is wrong and never write; BOT_DATABASE_URL moves the
ledger and the lock to PostgreSQL and shows every host's runs."""

from __future__ import annotations

import gc
import json
import socket
from pathlib import Path

import pytest


def _ledger(env) -> Path:
    return env / "state" / "runs.sqlite3"


def _damage(path: Path, how: str) -> None:
    data = path.read_bytes()
    path.write_bytes({"truncated": data[: len(data) // 2], "garbage": b"not a database at all " * 200}[how])


def _snapshot(root: Path) -> dict:
    gc.collect()  # an earlier in-process publish's local workspace checkpoints its WAL when collected
    return {str(p.relative_to(root)): (p.stat().st_size, p.stat().st_mtime_ns) for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("how", ["truncated", "garbage"])
def test_a_damaged_ledger_does_not_stop_a_publish(cli, env, how):
    assert cli("publish", "--week", "W14")[0] == 0
    for _ in range(40):  # a ledger of some size, so that truncation cuts into its tables
        assert cli("publish", "--week", "W14")[0] == 0
    _damage(_ledger(env), how)

    code, out, err = cli("runs")
    assert code == 1 and "Traceback" not in err
    assert f"error: the run ledger {_ledger(env)} is damaged" in err
    assert "hint: the next publishing run moves the damaged file aside" in err

    code, out, err = cli("status", "--no-remote")
    assert code == 0 and "Traceback" not in err
    assert "Health: unknown (the run ledger cannot be read" in out and "is damaged" in out

    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert "2 created" in out or "created" in out
    assert "is damaged" in err and "moved it to runs.sqlite3.damaged-" in err and "Traceback" not in err
    assert len(list((env / "state").glob("runs.sqlite3.damaged-*"))) == 1
    code, out, _ = cli("runs", "--json")
    runs = json.loads(out)
    assert code == 0 and [(r["trigger"], r["outcome"], len(r["variants"])) for r in runs] == [("manual", "success", 2)]


def test_an_unwritable_ledger_warns_and_the_publish_goes_on(cli, env):
    """runs.sqlite3 is a directory (nothing can open it): the run is not recorded, it is published."""
    _ledger(env).mkdir(parents=True)
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0 and "Traceback" not in err
    assert "this run is not recorded" in err
    code, _, err = cli("runs")
    assert code == 1 and "cannot be read" in err and "Traceback" not in err


def test_runs_and_status_write_nothing_to_the_state_dir(cli, env):
    state = env / "state"
    state.mkdir()
    before = _snapshot(state)
    assert cli("runs") == (0, "no runs recorded yet\n", "")
    assert cli("status", "--no-remote")[0] == 0
    assert _snapshot(state) == before  # no ledger created

    assert cli("publish", "--week", "W22")[0] == 0
    before = _snapshot(state)
    mode = state.stat().st_mode
    try:
        state.chmod(0o555)  # read-only (root ignores it: the snapshot is the proof there)
        _ledger(env).chmod(0o444)
        code, out, err = cli("runs")
        assert code == 0 and "manual" in out and "success" in out, err
        code, out, err = cli("status", "--no-remote")
        assert code == 0 and "Health: ok" in out, err
    finally:
        _ledger(env).chmod(0o644)
        state.chmod(mode)
    assert _snapshot(state) == before


def test_a_killed_run_shows_as_interrupted_without_writing(cli, env):
    from bot.ledger.sqlite import Ledger

    assert cli("publish", "--week", "W22")[0] == 0
    ledger = Ledger(_ledger(env))
    with ledger._connect() as db:  # a run whose process is gone (pid 0 is never alive)
        db.execute(
            "INSERT INTO runs(trigger, started_at, outcome, host, pid) VALUES ('schedule', '2026-05-30T00:00:00+00:00', 'running', ?, 0)",
            (socket.gethostname(),),
        )
    before = _snapshot(env / "state")
    code, out, _ = cli("runs", "--json")
    assert code == 0 and json.loads(out)[0]["outcome"] == "interrupted"
    assert _snapshot(env / "state") == before


# ---------------------------------------------------------------------- BOT_DATABASE_URL
def test_with_a_database_url_the_ledger_is_shared_and_the_state_dir_holds_none(cli, shared_env):
    code, _, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert not _ledger(shared_env).exists()
    code, out, _ = cli("runs", "--json")
    runs = json.loads(out)
    assert [(r["trigger"], r["outcome"], r["host"]) for r in runs] == [("manual", "success", socket.gethostname())]
    assert sorted(v["action"] for v in runs[0]["variants"]) == ["created", "created"]
    code, out, _ = cli("status", "--no-remote", "--json")
    status = json.loads(out)
    assert code == 0 and status["runs"][0]["id"] == runs[0]["id"]
    assert {v["slug"]: v["last_published"]["action"] for v in status["variants"] if v["last_published"]} == {
        "rec-weekly-en-2026-W22": "created",
        "rec-weekly-zh-2026-W22": "created",
    }


def test_runs_shows_every_hosts_runs(cli, shared_env, database_url):
    from bot.ledger.postgres import PostgresLedger

    other = PostgresLedger(database_url)
    run_id = other.start("run-due")
    with other._connect() as db:
        db.execute("UPDATE runs SET host='ci-runner-7' WHERE id=?", (run_id,))
    other.finish(run_id, "success")
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("runs", "--json")
    assert [r["host"] for r in json.loads(out)] == [socket.gethostname(), "ci-runner-7"]
    other.close()


def test_an_unreachable_database_stops_a_publish_with_a_clear_message(cli, env, monkeypatch, tmp_path):
    monkeypatch.setenv("BOT_DATABASE_URL", f"postgresql://bot:pw-123@/bot?host={tmp_path}&port=1")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1 and "Traceback" not in err
    assert "error: cannot connect to BOT_DATABASE_URL postgresql://bot@" in err and "pw-123" not in err + out
    code, _, err = cli("runs")
    assert code == 1 and "cannot connect to BOT_DATABASE_URL" in err


def test_a_database_url_that_is_not_postgres_is_a_settings_error(cli, monkeypatch):
    monkeypatch.setenv("BOT_DATABASE_URL", "mysql://bot@db/bot")
    code, _, err = cli("runs")
    assert code == 1 and "setting BOT_DATABASE_URL: expected a PostgreSQL URL" in err
