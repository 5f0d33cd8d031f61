"""Issue 24: adversarial input is converted in bounded time and memory, and never crashes a
command — stray CR characters, `<pre>` nested a thousand deep, stray end tags."""

from __future__ import annotations

import json

from .conftest import assert_clean, write_week


def _no_internal_error(*outputs: str) -> None:
    assert_clean(*outputs)
    for text in outputs:
        assert "internal error" not in text, text


def test_stray_cr_validates_plans_publishes_and_pulls_alike(env, mini, cli):
    write_week(mini, en_body="Intro.\n\nlast\r\rline\n")
    code, out, err = cli("validate")
    _no_internal_error(out, err)
    assert code == 0, out + err
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("publish", "--week", "W22", "--json")
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert "last" in out and "line" in out
    code, out, err = cli("pull", "--week", "W22", "--force")  # the merge cuts the body into the parser's lines too
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0
