"""The local workspace against real Notion's recorded answers (the official Python SDK's cassettes).

See ``cassette_replay.py`` for what is compared ("shape": the set of (path, type) pairs).
The cassettes are read from ``../shared/cassettes`` beside the repository; without them
these tests are skipped, saying so.
"""

from __future__ import annotations

import pytest

from . import cassette_replay as R

pytestmark = pytest.mark.skipif(
    R.cassette_root() is None,
    reason="no recorded Notion traffic: expected ../shared/cassettes beside the repository",
)

MIN_RATIO = 0.99  # 2022-06-28: 156/156 measured (multi-part uploads answered since 2026-12-07)


@pytest.fixture(scope="module")
def outcomes_2025() -> list[R.Outcome]:
    return R.run(R.SDK_2025)


def test_recorded_answers_match_on_implemented_endpoints(outcomes_2025, record_property):
    ok = sum(o.ok for o in outcomes_2025)
    ratio = ok / len(outcomes_2025)
    record_property("replay_agreement", f"notion-sdk-py (2025-09-03): {ok}/{len(outcomes_2025)} = {ratio:.1%}")
    report = R.table(outcomes_2025) + "\n" + "\n".join(R.misses(outcomes_2025))
    print(report)
    assert len(outcomes_2025) >= 240, report
    assert ok == len(outcomes_2025), (
        f"{ok}/{len(outcomes_2025)} = {ratio:.1%}: every recorded 2025-09-03 answer matches\n{report}"
    )


def test_pages_under_pages_match_every_recorded_create(outcomes_2025):
    creates = [o for o in outcomes_2025 if o.interaction.endpoint == "POST /v1/pages"]
    assert len(creates) >= 51
    assert [R.misses([o]) for o in creates if not o.ok] == []


def test_every_recorded_error_is_answered_with_its_status_and_code(outcomes_2025):
    errors = [o for o in outcomes_2025 if o.interaction.status >= 400]
    assert {o.interaction.status for o in errors} == {400, 401, 404}
    assert all(o.ok for o in errors), R.misses([o for o in errors if not o.ok])


def test_shape_is_keys_and_types_not_values():
    a = {"id": "x", "n": 1, "items": [{"a": "s"}, {"b": True}], "icon": None}
    b = {"id": "y", "n": 2.5, "items": [{"b": False}, {"a": "t"}, {"a": "u"}], "icon": None}
    assert R.shape(a) == R.shape(b)
    assert R.shape({"icon": None}) != R.shape({"icon": {"emoji": "x"}})
    assert R.shape({"a": 1}) != R.shape({"a": 1, "b": 1})
    assert "missing .b:number" in R.shape_diff({"a": 1, "b": 2}, {"a": 1})


def test_2022_06_28_recordings_match_apart_from_fields_added_since(record_property):
    outcomes = R.run(R.SDK_2022)
    ok = sum(o.ok for o in outcomes)
    record_property("replay_agreement", f"notion-sdk-py-2022-06-28: {ok}/{len(outcomes)} = {ok / len(outcomes):.1%}")
    report = R.table(outcomes) + "\n" + "\n".join(R.misses(outcomes))
    print(report)
    assert len(outcomes) >= 150, report
    assert ok / len(outcomes) >= MIN_RATIO, report
    # the version-specific answers all match: databases with their schema, page_or_database lists
    specific = [
        o
        for o in outcomes
        if o.interaction.endpoint
        in (
            "POST /v1/databases",
            "GET /v1/databases/{id}",
            "PATCH /v1/databases/{id}",
            "POST /v1/databases/{id}/query",
            "POST /v1/search",
        )
    ]
    assert len(specific) >= 20 and all(o.ok for o in specific), R.misses(specific)


def test_over_http_the_served_workspace_gives_the_same_answers():
    names = ("test_blocks_delete", "test_data_sources_query", "test_file_uploads_retrieve", "test_api_response_error")
    outcomes = R.run(R.SDK_2025, http=True, only=names)
    assert {o.interaction.cassette for o in outcomes} == set(names)
    assert all(o.ok for o in outcomes), R.misses(outcomes)
