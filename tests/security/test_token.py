"""Issue 13 item 2: the token is stripped, its shape checked, and redacted from every string
that leaves the process — stderr, --json errors, the run ledger (`bot runs`, `bot status`)."""

from __future__ import annotations

import json

import pytest

from .conftest import TOKEN, assert_clean, state_bytes


def test_a_token_with_a_trailing_newline_publishes(served, cli, monkeypatch, env):
    monkeypatch.setenv("NOTION_TOKEN", TOKEN + "\n")  # a CI secret pasted with a newline
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0, err
    assert [v["action"] for v in json.loads(out)["variants"]] == ["created", "created"]
    assert_clean(out, err)


@pytest.mark.parametrize("bad", [TOKEN[:10] + "\n" + TOKEN[10:], TOKEN[:10] + " " + TOKEN[10:], TOKEN + "\x7f"])
def test_a_token_with_whitespace_inside_is_a_setting_error(bad, served, cli, monkeypatch):
    monkeypatch.setenv("NOTION_TOKEN", bad)
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 1
    assert "setting NOTION_TOKEN" in err and "value not shown" in err
    assert json.loads(out)["error"]["type"] == "ConfigError"
    assert_clean(out, err)
    assert TOKEN[:10] not in out + err and TOKEN[10:] not in out + err


def test_a_token_of_the_wrong_shape_for_notion_is_refused_before_any_request(env, mini, cli, monkeypatch):
    monkeypatch.setenv("NOTION_TOKEN", "xoxb-1234567890-not-notion")
    code, out, err = cli("publish", "--week", "W22")
    assert code == 1
    assert "secret_… or ntn_…" in err and "xoxb-1234567890-not-notion" not in out + err


def test_the_token_never_reaches_messages_json_or_the_ledger(served, cli, monkeypatch, env):
    # A common slip: the token pasted as the database id. Notion's error quotes the id.
    monkeypatch.setenv("NOTION_DATABASE_ID", TOKEN)
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 1
    assert "[REDACTED]" in out + err  # the message was there, the token was not
    assert_clean(out, err)
    for command in (("runs",), ("runs", "--json"), ("status",), ("status", "--json")):
        code, out, err = cli(*command)
        assert_clean(out, err)
    assert TOKEN.encode() not in state_bytes(env / "state")
