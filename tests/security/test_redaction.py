"""Issue 24 "Redaction by content": the token is found case-folded and partly (any 8+ character
run of it) in every output — stderr, --json, the run ledger — and pulled files and dry-run diffs
warn when page content holds it."""

from __future__ import annotations

import json

import pytest

from .conftest import TOKEN, assert_clean, state_bytes, write_week
from .faulty import Fault

WINDOWS = {TOKEN[i : i + 8].casefold() for i in range(len(TOKEN) - 7)}


def assert_no_token_run(*texts) -> None:
    """No 8-character run of the token, in any case, in any of `texts` (str or bytes)."""
    for text in texts:
        folded = (text.decode("utf-8", "replace") if isinstance(text, bytes) else text).casefold()
        leaked = sorted(w for w in WINDOWS if w in folded)
        assert not leaked, leaked


ECHOES = {
    "upper-cased": TOKEN.upper(),
    "lower-cased": TOKEN.lower(),
    "split-by-newline": TOKEN[:14] + "\n" + TOKEN[14:],
    "split-by-space": TOKEN[:9] + " " + TOKEN[9:20] + " " + TOKEN[20:],
    "a part": TOKEN[5:17],
}


@pytest.mark.parametrize("echo", sorted(ECHOES))
def test_a_server_echoing_the_token_changed_gets_it_nowhere(echo, faulty, cli, env):
    message = f"Could not find database with ID: {ECHOES[echo]}."
    body = json.dumps({"object": "error", "status": 400, "code": "validation_error", "message": message}).encode()
    faulty.faults = [
        Fault(
            "respond",
            method="GET|POST",
            path=r"/v1/(databases|data_sources)/",
            status=400,
            headers=(("Content-Type", "application/json"),),
            body=body,
            times=None,
        )
    ]
    code, out, err = cli("publish", "--week", "W22", "--json", "-v")
    assert code == 1, err
    assert_clean(out, err)
    assert "internal error" not in err
    assert "[REDACTED]" in err and "[REDACTED]" in json.loads(out)["error"]["message"]
    assert_no_token_run(out, err)
    for command in (("runs",), ("runs", "--json"), ("status", "--json")):
        code, out, err = cli(*command)
        assert_no_token_run(out, err)
    assert_no_token_run(state_bytes(env / "state"))


def test_a_dry_run_diff_that_shows_the_token_warns_and_redacts(served, cli, env, mini):
    assert cli("publish", "--week", "W22")[0] == 0
    write_week(mini, en_body=f"Hello.\n\nMy key is {TOKEN.lower()} oops.\n")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert "page content contains the Notion token" in err
    assert "My key is [REDACTED] oops." in out
    assert_no_token_run(out, err)


def test_pull_warns_when_the_page_holds_the_token(served, cli, env, mini):
    write_week(mini, en_body=f"Hello.\n\nMy key is {TOKEN.upper()} oops.\n")
    assert cli("publish", "--week", "W22")[0] == 0
    (mini / "rec-weekly" / "2026-W22" / "en.md").unlink()
    code, out, err = cli("pull", "rec-weekly-en-2026-W22")
    assert code == 0, err
    assert "rec-weekly-en-2026-W22: the page's content contains the Notion token" in err
    assert_no_token_run(out, err)
    code, out, err = cli("pull", "rec-weekly-en-2026-W22", "--out", "-")
    assert code == 0 and "My key is [REDACTED] oops." in out, out
    assert_no_token_run(out, err)


def test_the_matcher_is_linear(monkeypatch):
    """The matcher is built once per set of secrets, and scanning twice the text costs about
    twice the window lookups (counted, not timed)."""
    from bot.errors import SecretMatcher

    matcher = SecretMatcher.of([TOKEN])
    assert SecretMatcher.of([TOKEN]) is matcher
    lookups = []

    class Counting(set):
        def __contains__(self, item):
            lookups.append(item)
            return super().__contains__(item)

    monkeypatch.setattr(matcher, "windows", Counting(matcher.windows))
    text = "page 0f3c1a2b4d5e6f708192a3b4c5d6e7f8 says hello world; " * 200
    matcher.redact(text)
    once = len(lookups)
    lookups.clear()
    matcher.redact(text * 2)
    assert once > 0 and len(lookups) == 2 * once
