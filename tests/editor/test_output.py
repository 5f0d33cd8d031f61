"""Progress, logging, redaction and help: stdout for data, stderr for the rest, no token anywhere."""

from __future__ import annotations

import io
import logging
import os
import subprocess
import sys

import pytest

from bot.progress import Progress, RedactingFilter, configure_logging, redact

TOKEN = "secret_" + "Zq7" * 14  # shaped like a Notion integration token


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_draws_on_a_terminal_only():
    tty = Terminal()
    with Progress(total=3, stream=tty, description="publishing") as progress:
        assert progress.enabled
        for label in ("W20", "W21", "W22"):
            progress.note(f"{label}: create")
            progress.advance(label=label)
    assert progress.completed == 3
    assert "W21: create" in tty.getvalue()

    pipe = io.StringIO()  # not a terminal: CI logs, `2> file` — one plain line per item, no bar
    with Progress(total=3, stream=pipe) as progress:
        assert not progress.enabled
        progress.note("hidden")
        progress.advance("W22")
    assert pipe.getvalue() == "working 1/3 W22\n" and progress.completed == 1

    quiet = Terminal()
    with Progress(total=3, quiet=True, stream=quiet) as progress:
        progress("hidden too")  # usable as a Callable[[str], None] hook
        progress.advance(2)
    assert quiet.getvalue() == ""


@pytest.mark.parametrize(
    "message",
    [
        f"token {TOKEN}",
        "Authorization: Bearer abc.DEF-123_xyz",
        "headers={'authorization': 'Bearer ntn_4Fv9kq2LmZ8pQr7sT1uV'}",
        "retrying with ntn_4Fv9kq2LmZ8pQr7sT1uVwXyZ",
    ],
)
def test_redact(message):
    clean = redact(message, [TOKEN])
    assert "[REDACTED]" in clean
    for secret in (TOKEN, "abc.DEF-123_xyz", "ntn_4Fv9kq2LmZ8pQr7sT1uV"):
        assert secret not in clean


def test_filter_redacts_args_and_tracebacks():
    stream = io.StringIO()
    logger = logging.getLogger("bot.test-redaction")
    handler = logging.StreamHandler(stream)
    handler.addFilter(RedactingFilter([TOKEN]))
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning("sending %s with %r", "request", {"Authorization": f"Bearer {TOKEN}"})
        try:
            raise RuntimeError(f"boom {TOKEN}")
        except RuntimeError:
            logger.exception("failed")
    finally:
        logger.removeHandler(handler)
    text = stream.getvalue()
    assert TOKEN not in text
    assert "Bearer [REDACTED]" in text and "boom [REDACTED]" in text


def test_configure_logging_levels():
    configure_logging(verbose=1, secrets=[TOKEN])
    assert logging.getLogger("bot.notion").getEffectiveLevel() == logging.DEBUG  # -v: one line per request
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.WARNING
    configure_logging(verbose=2)
    assert logging.getLogger("httpx").getEffectiveLevel() == logging.DEBUG
    configure_logging(quiet=True)
    assert logging.getLogger().level == logging.ERROR
    configure_logging()


@pytest.fixture
def real_notion_over_http(env):
    """The local workspace served over HTTP, reached as if it were Notion (NOTION_TOKEN set)."""
    from bot.local import LocalWorkspace, serve
    from bot.mapping import load_mapping
    from conftest import ROOT

    workspace = LocalWorkspace(env / "served.sqlite3", bot_token=TOKEN)
    mapping = load_mapping(ROOT / "mappings" / "rec-weekly.yaml")
    database_id, _ = workspace.ensure_database(mapping.database_title, mapping.database_schema())
    with serve(workspace, port=0) as server:
        yield dict(os.environ, NOTION_TOKEN=TOKEN, NOTION_BASE_URL=server.url, NOTION_DATABASE_ID=database_id)


def _bot(env_vars, *args):
    return subprocess.run(
        [sys.executable, "-m", "bot", *args], capture_output=True, text=True, env=env_vars, timeout=120
    )


def test_token_never_appears_even_at_vv(real_notion_over_http, env):
    published = _bot(real_notion_over_http, "publish", "--week", "W22", "-vv")
    assert published.returncode == 0, published.stderr[-3000:]
    pulled = _bot(real_notion_over_http, "pull", "--week", "W22", "--out", str(env / "pulled"), "-vv")
    assert pulled.returncode == 0, pulled.stderr[-3000:]
    unauthorized = _bot(dict(real_notion_over_http, NOTION_TOKEN=TOKEN + "x"), "pull", "rec-weekly-en-2026-W22", "-vv")
    assert unauthorized.returncode == 1
    for run in (published, pulled, unauthorized):
        assert TOKEN not in run.stdout and TOKEN not in run.stderr
        assert "Zq7Zq7Zq7" not in run.stderr
    # -vv really is verbose: request lines from bot.notion and HTTP details from httpx.
    assert "POST /v1/pages -> 200" in published.stderr
    assert "GET /v1/blocks/" in pulled.stderr
    assert "HTTP Request:" in pulled.stderr
    # data on stdout only: the publish summary and the pulled paths, no log lines
    assert "DEBUG" not in published.stdout and "DEBUG" not in pulled.stdout
    assert "created" in pulled.stdout
    assert "Check NOTION_TOKEN" in unauthorized.stderr  # the error says what to do next


def test_v_shows_requests_without_http_internals(real_notion_over_http, env):
    run = _bot(real_notion_over_http, "pull", "rec-weekly-en-2026-W22", "-v", "--out", "-")
    assert run.returncode == 1  # nothing published yet in this workspace
    assert "POST /v1/data_sources/" in run.stderr and "HTTP Request:" not in run.stderr
    assert "no page with slug 'rec-weekly-en-2026-W22' in the Notion database" in run.stderr


@pytest.mark.parametrize("command", [[], ["validate"], ["pull"], ["preview"], ["publish"]])
def test_help_reads_well(cli, capsys, command):
    with pytest.raises(SystemExit) as exit_info:
        from bot.cli import main

        main([*command, "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    assert text.startswith("usage: bot")
    if command == []:
        for name in ("validate", "pull", "preview"):
            assert f"    {name}" in text
    if command in (["validate"], ["pull"], ["preview"]):
        assert "examples:" in text


def test_validate_output_goes_to_the_right_streams(cli, content):
    (content / "2026-W22" / "zh.md").unlink()
    code, out, err = cli("validate")
    assert code == 1
    assert out.count(": error: ") == 1 and "checked" not in out  # data: diagnostics only
    assert "3 files checked: 1 error(s), 0 warning(s)" in err
    code, out, err = cli("validate", "-q")
    assert code == 1 and err == "" and ": error: " in out
