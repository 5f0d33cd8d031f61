"""The local workspace against real Notion 2026-03-11 (ultimate-notion's recordings, June 2026).

See ``un_replay.py`` for the harness (placeholders seeded, ids and property ids mapped; status,
code, shape and request-determined values compared). Skipped, saying so, without the cassettes.
The agreement is printed (``pytest -s``) and must not fall below what was last measured.
"""

from __future__ import annotations

import pytest

from . import cassette_replay as R
from . import un_replay as U

pytestmark = pytest.mark.skipif(
    not U.load_un(),
    reason="no ultimate-notion recordings: expected ../shared/cassettes/ultimate-notion beside the repository",
)

# Measured agreement (share of comparable answers that are the same); the goal is 0.95.
FLOOR = 0.95


@pytest.fixture(scope="module")
def outcomes() -> list[R.Outcome]:
    return U.run()


def test_agreement_with_recorded_2026_notion(outcomes, record_property):
    ok = sum(o.ok for o in outcomes)
    ratio = ok / len(outcomes)
    record_property("replay_agreement", f"ultimate-notion (2026-03-11): {ok}/{len(outcomes)} = {ratio:.1%} (goal 95%)")
    report = R.table(outcomes) + "\n" + "\n".join(f"{n:4} {k}" for n, k in U.classes(outcomes))
    print(f"\nultimate-notion agreement: {ok}/{len(outcomes)} = {ratio:.1%}\n{report}")
    assert len(outcomes) >= 1100, report
    assert ratio >= FLOOR, f"{ok}/{len(outcomes)} = {ratio:.1%} < {FLOOR:.0%}\n{report}"


def test_values_count_not_only_shapes():
    """Two answers of one shape but another order of known objects differ."""
    r = U.UNReplayer([])
    try:
        r.ids["11111111-1111-4111-8111-111111111111"] = "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"
        r.ids["22222222-2222-4222-8222-222222222222"] = "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"
        rec = {
            "results": [{"id": "11111111-1111-4111-8111-111111111111"}, {"id": "22222222-2222-4222-8222-222222222222"}]
        }
        same = {
            "results": [{"id": "aaaaaaaa-aaaa-4aaa-8aaa-aaaaaaaaaaaa"}, {"id": "bbbbbbbb-bbbb-4bbb-8bbb-bbbbbbbbbbbb"}]
        }
        swapped = {"results": same["results"][::-1]}
        assert r._value_diff(rec, same, "$") == ""
        assert "another object" in r._value_diff(rec, swapped, "$")
        r._remember_sent({"title": "Hello"})
        assert "Hello" in r._value_diff({"plain_text": "Hello"}, {"plain_text": "Bye"}, "$")
        assert r._value_diff({"plain_text": "not sent"}, {"plain_text": "other"}, "$") == ""
    finally:
        r.close()
