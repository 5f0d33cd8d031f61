"""Issue 16 (part A), through the command line: nothing goes out early, validate and publish
agree, one contract for usage errors, settings, --json, signals and the small things."""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from helpers import edit, human_api, session, sigint_ignored, sigterm_mid_run

ROOT = Path(__file__).resolve().parent.parent
W22 = Path("content/rec-weekly/2026-W22")
EN, ZH = "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"


def _set_front(path: Path, **fields) -> None:
    text = path.read_text(encoding="utf-8")
    for key, value in fields.items():
        text, n = re.subn(rf"(?m)^{key}:.*$", f"{key}: {value}", text, count=1)
        assert n == 1, key
    path.write_text(text, encoding="utf-8")


def _png() -> bytes:
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(b"\x00\xff\x00\x00"))
        + chunk(b"IEND", b"")
    )


def _pages(workspace, slug: str) -> list[dict]:
    s, _ = session(workspace)
    return s.api.find_pages(s.target("zh" if "-zh-" in slug else "en").data_source_id, "slug", "rich_text", slug)


def _runs(cli) -> list[dict]:
    code, out, _ = cli("runs", "--json")
    assert code == 0
    return json.loads(out)


# --------------------------------------------------------------------------- 1. run-due --now rehearses
def test_run_due_now_is_a_rehearsal_that_writes_nothing(cli, env, workspace):
    code, out, err = cli("run-due", "--now", "2026-12-12T08:00")
    assert code == 0, err
    assert f"+ {EN} (en)  create" in out and "Plan: 4 to create" in out
    assert "nothing is written to Notion or the run ledger" in err
    assert _pages(workspace, EN) == [] and _runs(cli) == []

    code, out, _ = cli("run-due", "--now", "2026-05-30T07:00", "--json")
    plan = json.loads(out)
    assert plan["rehearsal"] is True and plan["now"] == "2026-05-30T07:00:00+08:00"
    assert {v["slug"] for v in plan["waiting"]} == {EN, ZH}
    assert {v["action"] for v in plan["variants"]} == {"create"} and len(plan["variants"]) == 2
    assert plan["requests"]["writes"] == 0 and _runs(cli) == []


# --------------------------------------------------------------------------- 2. nothing goes out early
def test_future_dated_published_week_waits_unless_publish_early(cli, env, workspace):
    for lang in ("en", "zh"):
        _set_front(env / W22 / f"{lang}.md", date="2099-01-03 07:00")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert f"… {EN} (en)  waiting until 2099-01-03T07:00+08:00" in out and "2 waiting." in out

    code, out, err = cli("publish", "--all")
    assert code == 0, err
    assert "rec-weekly-en-2026-W14" in out and "waiting until 2099-01-03T07:00+08:00" in out
    assert _pages(workspace, EN) == [] and _pages(workspace, ZH) == []
    assert len(_pages(workspace, "rec-weekly-en-2026-W14")) == 1

    code, out, _ = cli("publish", "--week", "W22", "--json")
    data = json.loads(out)
    assert data["variants"] == [] and [w["slug"] for w in data["waiting"]] == [EN, ZH]

    code, out, err = cli("publish", "--week", "W22", "--publish-early")
    assert code == 0, err
    assert len(_pages(workspace, EN)) == 1 and len(_pages(workspace, ZH)) == 1


def test_a_published_page_moved_to_the_future_is_not_updated(cli, env, workspace):
    assert cli("publish", "--week", "W22")[0] == 0
    _set_front(env / W22 / "en.md", date="2099-01-03 07:00", summary='"Changed while waiting"')
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, err
    assert f"{EN} (en)  waiting until" in out and "0 writes" in out  # zh: unchanged, 0 writes
    summary = _pages(workspace, EN)[0]["properties"]["summary"]["rich_text"][0]["plain_text"]
    assert summary != "Changed while waiting"


def test_week_and_all_together_is_a_usage_error(cli):
    code, out, err = cli("publish", "--week", "W22", "--all")
    assert code == 64
    assert "not allowed with argument" in err and err.startswith("usage: bot publish")


# --------------------------------------------------------------------------- 3. local images: like with like
def test_unchanged_page_with_a_local_image_shows_no_hunk_and_no_absolute_path(cli, env, workspace):
    (env / W22 / "img").mkdir()
    (env / W22 / "img" / "chart.png").write_bytes(_png())
    with (env / W22 / "en.md").open("a", encoding="utf-8") as f:
        f.write("\n![A chart](img/chart.png)\n")
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert f"= {EN} (en)  unchanged" in out
    assert "--- notion" not in out and str(env) not in out

    # a person edits another block: the drift report shows only that edit, paths relative
    s, _ = session(workspace)
    page = _pages(workspace, EN)[0]
    paragraph = next(b for b in s.api.list_children(page["id"]) if b["type"] == "paragraph")
    human_api(workspace).update_block(
        paragraph["id"],
        {
            "type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Edited by a person."}}]},
        },
    )
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert "+Edited by a person." in out
    assert "![A chart](" not in out.replace("![A chart](img/chart.png)", "") and str(env) not in out
    assert "/files/" not in out


# --------------------------------------------------------------------------- 4. one rule table
def test_missing_image_is_an_error_for_validate_and_publish_alike(cli, env, workspace):
    with (env / W22 / "en.md").open("a", encoding="utf-8") as f:
        f.write("\n![Architecture](img/missing.png)\n")
    code, out, _ = cli("validate", "--week", "W22")
    assert code == 1 and "error: image 'img/missing.png' not found" in out
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1 and "image 'img/missing.png' not found" in err and "nothing was published" in err
    assert _pages(workspace, EN) == []
    code, out, _ = cli("publish", "--week", "W22", "--json")  # stopped before planning: no plan, said so
    data = json.loads(out)
    assert code == 1 and data["variants"] == [] and "img/missing.png" in data["error"]["problems"][0]["message"]
    # the documented flag makes it a warning in both commands
    code, out, _ = cli("validate", "--week", "W22", "--allow", "image")
    assert code == 0 and "warning: image 'img/missing.png' not found" in out
    code, out, err = cli("publish", "--week", "W22", "--allow", "image")
    assert code == 0, err
    assert "degraded:" in out and "img/missing.png" in out


def test_missing_language_variant_is_an_error_for_validate_and_publish_alike(cli, env, workspace):
    (env / W22 / "zh.md").unlink()
    assert cli("validate")[0] == 1
    code, _, err = cli("publish", "--week", "W22")
    assert code == 1 and "no zh variant" in err
    code, out, err = cli("publish", "--week", "W22", "--allow", "variant")
    assert code == 0, err
    assert "degraded:" in out and "variant: no zh variant of rec-weekly 2026-W22" in out


def test_run_due_applies_the_rule_table_too(cli, env, workspace):
    with (env / W22 / "en.md").open("a", encoding="utf-8") as f:
        f.write("\n![Architecture](img/missing.png)\n")
    code, out, err = cli("run-due", "--json")
    assert code == 1
    run = json.loads(out)
    assert run["outcome"] == "failed" and "img/missing.png" in run["error"]
    actions = {v["slug"]: v["action"] for v in run["variants"]}
    assert actions[EN] == "failed" and actions["rec-weekly-en-2026-W14"] == "created"
    assert _pages(workspace, EN) == []


def test_readme_documents_the_rule_table():
    from bot.rules import markdown_table

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert markdown_table() in readme, "README → The rule table is out of date: paste bot.rules.markdown_table()"


# --------------------------------------------------------------------------- 5. usage errors
def test_typoed_flag_exits_64_with_the_subcommands_usage_and_a_suggestion(cli):
    code, out, err = cli("publish", "--wek", "W22")
    assert code == 64 and out == ""
    assert err.startswith("usage: bot publish ")
    assert "did you mean --week?" in err
    code, _, err = cli("local", "show", "x", "--jsn")
    assert code == 64 and err.startswith("usage: bot local show") and "did you mean --json?" in err
    code, _, err = cli("publsh")
    assert code == 64 and "did you mean publish?" in err
    code, _, err = cli("run-due", "--now", "saturday")
    assert code == 64 and "expected an ISO date-time" in err


def test_readme_documents_exit_codes_and_early_publishing():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert "`64` usage error" in readme and "--publish-early" in readme


# --------------------------------------------------------------------------- 6. unknown settings
def test_unknown_setting_in_the_environment_names_the_closest_known_one(cli, monkeypatch):
    monkeypatch.setenv("BOT_TIMEZOME", "Europe/Berlin")
    code, _, err = cli("status", "--no-remote")
    assert code == 1 and "unknown setting BOT_TIMEZOME in the environment — did you mean BOT_TIMEZONE?" in err


def test_unknown_setting_in_dotenv_names_the_closest_known_one(cli, env):
    (env / ".env").write_text("BOT_TIMEZOME=Europe/Berlin\n", encoding="utf-8")
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and "unknown setting BOT_TIMEZOME in .env — did you mean BOT_TIMEZONE?" in err


# --------------------------------------------------------------------------- 7. --json on drift
def test_json_on_drift_gives_the_per_page_plan_with_the_error(cli, env, workspace):
    assert cli("publish", "--week", "W22")[0] == 0
    s, _ = session(workspace)
    page = _pages(workspace, EN)[0]
    paragraph = next(b for b in s.api.list_children(page["id"]) if b["type"] == "paragraph")
    human_api(workspace).update_block(
        paragraph["id"],
        {
            "type": "paragraph",
            "paragraph": {"rich_text": [{"type": "text", "text": {"content": "Edited by a person."}}]},
        },
    )
    edit(env / W22 / "zh.md", "status: Published", "status: Draft")
    code, out, _ = cli("publish", "--week", "W22", "--json")
    assert code == 1
    data = json.loads(out)
    assert data["error"]["type"] == "DriftError"
    plans = {v["slug"]: v for v in data["variants"]}
    assert plans[EN]["action"] == "drift" and plans[EN]["plan"]["drift"]["block_ids"] == [paragraph["id"]]
    assert plans[ZH]["action"] == "update" and plans[ZH]["plan"]["property_changes"][0]["property"] == "status"


# --------------------------------------------------------------------------- 11. pipes and signals
class _ClosedAfter:
    """A stream whose reader went away after `n` writes (`| head -n`)."""

    def __init__(self, n: int):
        self.left = n

    def write(self, text: str) -> int:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")
        self.left -= 1
        return len(text)

    def flush(self) -> None:
        if self.left <= 0:
            raise BrokenPipeError(32, "Broken pipe")

    def isatty(self) -> bool:
        return False


def test_run_due_into_a_closed_pipe_is_not_a_failed_run(env, monkeypatch, cli):
    from bot.cli import main

    with pytest.MonkeyPatch.context() as streams:
        streams.setattr(sys, "stderr", _ClosedAfter(2))  # "run #1 started", the first variant, then closed
        streams.setattr(sys, "stdout", _ClosedAfter(0))
        main(["run-due"])
    runs = _runs(cli)
    assert [r["outcome"] for r in runs] == ["success"], runs


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX signals")
def test_sigterm_during_publish_stops_cleanly_and_is_recorded(env, cli):
    from bot.ledger.lock import publish_lock
    from bot.ledger.sqlite import Ledger

    ledger = Ledger.for_state_dir(env / "state")
    code, out, err, _ = sigterm_mid_run(["publish", "--week", "W22"], env, lambda: ledger.runs(1), settle=0.5)
    assert code == 143, err
    assert "SIGTERM: stopping after the request in flight" in err and "Traceback" not in err
    run = ledger.runs(1)[0]
    assert run.trigger == "manual" and run.outcome == "interrupted" and "SIGTERM" in run.error
    with publish_lock(env / "state", wait=0):
        pass
    code, _, err = cli("publish", "--week", "W22")  # the next run converges
    assert code == 0, err


def test_local_serve_on_a_port_in_use_is_a_clear_error(cli):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, _, err = cli("local", "serve", "--port", str(port))
    assert code == 1
    assert f"cannot listen on 127.0.0.1:{port}" in err and "--port" in err and "Traceback" not in err


# --------------------------------------------------------------------------- 12. small things
def test_validate_week(cli):
    code, out, err = cli("validate", "--week", "W14")
    assert code == 0, out
    assert "2 files checked" in err


def test_local_show_json_and_deprecated_format(cli):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("local", "show", EN, "--json")
    assert code == 0 and json.loads(out)["page"]["object"] == "page"
    code, out, err = cli("local", "show", EN, "--format", "json")
    assert code == 0 and json.loads(out)["blocks"] and "--format is deprecated" in err


def test_local_show_dates_in_bot_timezone_and_whole_summary(cli, env):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("local", "show", EN)
    assert "date: 2026-05-30 07:01 (Asia/Shanghai)" in out
    assert "how do we use it efficiently." in out  # not cut at 80 characters


def test_folder_holding_another_week_is_an_error(cli, env):
    folder = env / "content" / "rec-weekly" / "2026-W30"
    (env / W22).rename(folder)
    for lang in ("en", "zh"):
        _set_front(
            folder / f"{lang}.md",
            week="2026-W31",
            slug=f"rec-weekly-{lang}-2026-W31",
            date='"2026-07-31 07:00"',
            title='"Weekly · 2026-W31"',
        )
    code, _, err = cli("publish", "--week", "W30", "--dry-run")
    assert code == 1 and "is in folder 2026-W30/ but says `week: 2026-W31`" in err
    code, out, _ = cli("validate")
    assert code == 1 and "en.md:4:7: error: week: week 2026-W31 is in folder 2026-W30/" in out


def test_copied_week_errors_point_at_the_lines_to_change(cli, env):
    copy = env / "content" / "rec-weekly" / "2026-W23"
    (env / "content" / "rec-weekly" / "2026-W23").mkdir()
    for lang in ("en", "zh"):
        text = (env / W22 / f"{lang}.md").read_text(encoding="utf-8").replace("week: 2026-W22", "week: 2026-W23")
        (copy / f"{lang}.md").write_text(text, encoding="utf-8")
    code, out, _ = cli("validate", "--week", "W23")
    assert code == 1
    assert "2026-W23/en.md:6:7: error: slug: slug 'rec-weekly-en-2026-W22' must be 'rec-weekly-en-2026-W23'" in out
    for lang in ("en", "zh"):
        _set_front(copy / f"{lang}.md", slug=f"rec-weekly-{lang}-2026-W23")
    code, out, _ = cli("validate", "--week", "W23")
    assert code == 1
    assert "2026-W23/en.md:9:7: error: date: date 2026-05-30 07:01 is in 2026-W22, before 2026-W23" in out
    assert "2026-W23/en.md:2:8: warning: title: title names 2026-W22 but the file is 2026-W23" in out


def test_preview_shows_the_whole_summary(cli):
    code, out, _ = cli("preview", "--week", "W22", "--lang", "en", "--out", "-")
    assert code == 0
    shown = re.search(r'data-property="summary"><th>summary</th><td>(.*?)</td>', out).group(1)
    assert shown.endswith("how do we use it efficiently.&quot;") and "…" not in shown


def test_convert_a_missing_file_says_so(cli):
    code, _, err = cli("convert", "missing.md")
    assert code == 1 and "missing.md: no such file" in err and "published" not in err


def test_status_table_aligns_and_does_not_cut_words(cli, env):
    from bot.ledger.sqlite import Ledger

    ledger = Ledger.for_state_dir(env / "state")
    long_error = "Notion answered 503 service_unavailable " + " ".join(["repeatedly"] * 30) + " endword"
    ledger.finish(ledger.start("schedule"), "failed", error=long_error)
    assert cli("publish", "--week", "W14")[0] == 0
    code, out, _ = cli("status", "--no-remote")
    lines = out.splitlines()
    header = next(i for i, l in enumerate(lines) if l.startswith("WEEK"))
    table = lines[header : header + 5]
    for column in ("SOURCE", "LAST PUBLISHED"):
        at = table[0].index(column)
        assert all(row[at - 1] == " " and row[at] != " " for row in table[1:]), table
    failed = next(l for l in lines if "failed" in l and "—" in l)
    assert failed.endswith("repeatedly …")


def test_local_serve_root_lists_the_pages(env, cli):
    import httpx

    assert cli("publish", "--week", "W22")[0] == 0
    proc = subprocess.Popen(
        [sys.executable, "-m", "bot", "local", "serve", "--port", "0"],
        cwd=env,
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=sigint_ignored,
    )
    try:
        first = proc.stderr.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+)", first).group(1)
        response = httpx.get(url + "/", timeout=10)
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=30)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/html")
    assert "Rec Tech Weekly · 2026-W22" in response.text and 'href="/p/' in response.text


def test_publish_applies_the_due_rule_without_loading_the_scheduler(env):
    """The due rule lives in bot.due_rule: `bot publish` does not import APScheduler."""
    code = "import sys; from bot.cli import main; rc = main(['publish', '--week', 'W22', '--dry-run', '-q']); print(rc, 'apscheduler' in sys.modules)"
    run = subprocess.run(
        [sys.executable, "-c", code], cwd=env, env=dict(os.environ), capture_output=True, text=True, timeout=120
    )
    assert run.stdout.splitlines()[-1] == "0 False", run.stderr


def test_no_command_is_a_usage_error(cli):
    code, out, err = cli()
    assert code == 64 and out == "" and err.startswith("usage: bot")
    code, out, err = cli("local")
    assert code == 64 and err.startswith("usage: bot local")
