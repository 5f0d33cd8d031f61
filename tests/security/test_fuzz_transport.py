"""Issue 13: a fuzz test over transport responses (status, headers, body bytes) — whatever a
server or a proxy in between answers, the bot exits with a documented code, prints no
traceback, and the token appears in no output and no state file (even when the answer
quotes it back)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings, strategies as st

from .conftest import TOKEN, assert_clean, state_bytes
from .faulty import Fault

DOCUMENTED_EXIT_CODES = {0, 1}  # a publish: success or error (2 needs --detailed-exitcode, 3 a second process)

statuses = st.one_of(
    st.sampled_from([200, 201, 204, 301, 400, 401, 403, 404, 409, 429, 500, 502, 503, 504, 529]), st.integers(200, 599)
)
content_types = st.sampled_from(
    ["application/json", "text/html", "text/plain", "application/octet-stream", "application/json; charset=latin-1", ""]
)
retry_after = st.one_of(st.none(), st.sampled_from(["0", "1", "-3", "nan", "inf", "1e9", "abc", "0.2", ""]))
echo = json.dumps(
    {
        "object": "error",
        "status": 400,
        "code": "validation_error",
        "message": f"bad header: Authorization: Bearer {TOKEN}",
    }
).encode()
bodies = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"",
            b"{",
            b"[]",
            b"null",
            b'"x"',
            b"{}",
            b'{"object": "list"}',
            b'{"results": null, "has_more": true}',
            b"<html><title>502</title></html>",
            echo,
            TOKEN.encode(),
            b'{"object":"error","status":429,"code":"rate_limited","message":"slow"}',
        ]
    ),
    st.dictionaries(
        st.sampled_from(["object", "id", "results", "code", "message", "status", "has_more", "next_cursor"]),
        st.one_of(st.none(), st.integers(), st.text(max_size=10), st.booleans()),
        max_size=4,
    ).map(lambda d: json.dumps(d).encode()),
)
kinds = st.sampled_from(["respond", "respond", "respond", "respond_after", "reset_before", "reset_after"])


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow]
)
@given(
    kind=kinds,
    status=statuses,
    ctype=content_types,
    wait=retry_after,
    body=bodies,
    skip=st.integers(0, 8),
    always=st.booleans(),
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE", ".*"]),
)
def test_any_answer_is_a_documented_exit_without_traceback_or_token(
    faulty, cli, env, monkeypatch, kind, status, ctype, wait, body, skip, always, method
):
    monkeypatch.setenv("BOT_MAX_ATTEMPTS", "2")
    monkeypatch.setenv("BOT_MAX_RETRY_WAIT", "1")
    headers = tuple(
        h
        for h in (("Content-Type", ctype) if ctype else None, ("Retry-After", wait) if wait is not None else None)
        if h
    )
    # A create whose outcome is unknown waits for Notion's index to settle (seconds): covered by
    # the class tests; here every other request may be hit.
    faulty.faults = [
        Fault(
            kind,
            method=method,
            path=r"^/v1/(?!pages(\?|$))",
            status=status,
            headers=headers,
            body=body,
            skip=skip,
            times=None if always else 1,
        )
    ]
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code in DOCUMENTED_EXIT_CODES, err
    assert_clean(out, err)
    assert "internal error" not in err  # typed, not caught by the last-resort handler
    data = json.loads(out)  # --json always prints JSON: a result, or {"error": …}
    assert ("error" in data) == (code == 1)
    faulty.faults = []
    for command in (("runs", "--json"), ("status",)):
        code, out, err = cli(*command)
        assert_clean(out, err)
    assert TOKEN.encode() not in state_bytes(env / "state")
