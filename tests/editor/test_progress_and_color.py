"""Progress shows planning and applying per variant as they happen; colours only where wanted."""

from __future__ import annotations

import sys

import pytest

from helpers import edit


def progress_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.split(" ", 1)[0] in ("planning", "applying", "publishing")]


def test_a_dry_run_plans_and_never_says_publishing(cli):
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert progress_lines(err) == ["planning 1/2 rec-weekly-en-2026-W22", "planning 2/2 rec-weekly-zh-2026-W22"]


def test_a_publish_plans_everything_then_applies_each_variant(cli):
    code, _, err = cli("publish", "--all")
    assert code == 0, err
    assert progress_lines(err) == [
        "planning 1/4 rec-weekly-en-2026-W14",
        "planning 2/4 rec-weekly-zh-2026-W14",
        "planning 3/4 rec-weekly-en-2026-W22",
        "planning 4/4 rec-weekly-zh-2026-W22",
        "applying 1/4 rec-weekly-en-2026-W14",
        "applying 2/4 rec-weekly-zh-2026-W14",
        "applying 3/4 rec-weekly-en-2026-W22",
        "applying 4/4 rec-weekly-zh-2026-W22",
    ]


def test_quiet_prints_no_progress(cli):
    code, _, err = cli("publish", "--week", "W22", "--dry-run", "--quiet")
    assert code == 0 and progress_lines(err) == []


def test_term_dumb_gets_plain_lines_not_a_bar(cli, monkeypatch):
    monkeypatch.setenv("TERM", "dumb")
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0
    assert "\033[" not in err and "planning 2/2 rec-weekly-zh-2026-W22" in err


@pytest.fixture
def pending_update(cli, content):
    assert cli("publish", "--week", "W22")[0] == 0
    edit(
        content / "2026-W22" / "en.md",
        "This week's recommendation system research clusters",
        "This week's research clusters",
    )


@pytest.mark.parametrize(
    "environment, tty, colored",
    [
        ({}, True, True),
        ({"NO_COLOR": "1"}, True, False),
        ({"TERM": "dumb"}, True, False),
        ({}, False, False),
    ],
    ids=["terminal", "NO_COLOR", "TERM=dumb", "pipe"],
)
def test_the_plan_diff_is_coloured_only_for_a_terminal_that_wants_it(
    cli, pending_update, monkeypatch, environment, tty, colored
):
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm-256color")
    for key, value in environment.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setattr(sys.stdout, "isatty", lambda: tty, raising=False)
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert "-This week's recommendation system research clusters" in out
    assert ("\033[" in out) is colored
