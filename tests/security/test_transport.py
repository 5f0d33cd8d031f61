"""Issue 13 item 3: transport failures are typed errors, never a traceback.

The class: a 2xx with malformed JSON, an empty 2xx, a 2xx HTML page (a proxy's), a 2xx whose
JSON is not an object, a 2xx that is not UTF-8, a connection reset before or after the request
reached the server — on reads and on writes. A read is retried with backoff; a write is never
repeated blindly (the bot re-reads and re-plans, so nothing is duplicated); when retries run
out the run ends with a clear message, JSON under --json, exit 1.
"""

from __future__ import annotations

import json

import pytest

from .conftest import assert_clean, state_bytes, TOKEN
from .faulty import Fault

HTML = (("Content-Type", "text/html"),)
JSON = (("Content-Type", "application/json"),)
BODIES = {
    "malformed-json": Fault("respond", headers=JSON, body=b'{"object": "list", "resu'),
    "empty-200": Fault("respond", headers=JSON, body=b""),
    "html-200": Fault("respond", headers=HTML, body=b"<html><body>Proxy login</body></html>"),
    "json-not-an-object": Fault("respond", headers=JSON, body=b'["a", "b"]'),
    "not-utf8": Fault("respond", headers=JSON, body=b'{"object": "\xff\xfe"}'),
    "html-502": Fault("respond", status=502, headers=HTML, body=b"<html>Bad gateway</html>"),
    "reset-before": Fault("reset_before"),
    "reset-after": Fault("reset_after"),
    "html-200-after-apply": Fault("respond_after", headers=HTML, body=b"<html>cached</html>"),
}
READ = dict(
    method="GET|POST",
    path=r"/v1/(data_sources/[^/]+/query|blocks/[^/]+/children|databases/|data_sources/[^/]+$|users/me)",
)
WRITE = dict(method="PATCH|DELETE", path=r"/v1/(pages|blocks)/")  # the language-link update of the first page
CREATE = dict(method="POST", path=r"/v1/pages$")


def _fault(name: str, **where) -> Fault:
    f = BODIES[name]
    return Fault(f.kind, status=f.status, headers=f.headers, body=f.body, **where)


def _publish(cli, *flags):
    code, out, err = cli("publish", "--week", "W22", "--json", *flags)
    assert_clean(out, err)
    return code, (json.loads(out) if out.strip() else None), err


@pytest.mark.parametrize("name", sorted(BODIES))
@pytest.mark.parametrize("where", ["read", "write"])
def test_one_bad_exchange_is_survived_and_nothing_is_duplicated(name, where, faulty, served, cli, env):
    _survives(
        _fault(name, **(READ if where == "read" else WRITE), skip=1 if where == "read" else 0), where, faulty, cli, env
    )


@pytest.mark.parametrize("name", ["reset-after", "reset-before", "html-200-after-apply"])
def test_a_create_whose_answer_is_lost_is_never_duplicated(name, faulty, cli, env):
    _survives(_fault(name, **CREATE), "write", faulty, cli, env)


def _survives(fault, where, faulty, cli, env):
    faulty.faults = [fault]
    code, data, err = _publish(cli)
    assert faulty.faults[0].fired == 1
    assert code == 0, err
    assert data["requests"]["retries"] + data["requests"]["reads"] > 0
    if where == "read":
        assert data["requests"]["retries"] >= 1  # the read was retried
    # whatever happened to the write, a second run converges on exactly two pages, writes nothing
    faulty.faults = []
    code, data, err = _publish(cli)
    assert code == 0, err
    assert [v["action"] for v in data["variants"]] == ["unchanged", "unchanged"]
    assert data["requests"]["writes"] == 0
    assert TOKEN.encode() not in state_bytes(env / "state")


@pytest.mark.parametrize("name", sorted(BODIES))
def test_a_read_that_keeps_failing_is_a_clear_error(name, faulty, cli, monkeypatch):
    monkeypatch.setenv("BOT_MAX_ATTEMPTS", "2")
    faulty.faults = [_fault(name, **READ, times=None)]
    code, data, err = _publish(cli)
    assert code == 1
    assert err.startswith("error: ") or "\nerror: " in err
    assert "Notion" in err and "/v1/" in err  # what failed and where
    error = data["error"]
    assert error["exit_code"] == 1 and error["type"] in ("RetriesExhaustedError", "ConfigError", "NotionError")
    assert error["message"]
