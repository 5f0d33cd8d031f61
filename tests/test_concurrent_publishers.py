"""Several hosts publishing at once, as real processes: `bot publish --all` on 2 and 5 hosts
(each with its own state dir) against one workspace served over HTTP.

* sharing BOT_DATABASE_URL: one run does the work, the others wait for the lock and find
  nothing to do; one page per slug; the shared ledger shows it;
* without it: twins may be created, and are trashed (reported) by the runs themselves or by
  the next one; after one more plain run, one live page per slug and nothing left to change.

These take 10–30 s each (real processes, real HTTP). Measurements over many trials:
benchmarks/concurrent_publishers.py.
"""

from __future__ import annotations

import json

import pytest

from multihost import pages_per_slug, run_at_once, run_one, serve, trashed_pages, twins_reported

SLUGS = {"rec-weekly-en-2026-W14", "rec-weekly-zh-2026-W14", "rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22"}


@pytest.fixture
def served(tmp_path):
    handle = serve(tmp_path)
    yield handle
    handle.stop()


@pytest.mark.parametrize("hosts", [2, 5])
def test_hosts_sharing_a_database_publish_every_page_once(served, database_url, hosts):
    results = run_at_once(served, ["publish", "--all"], hosts, database_url)
    assert [r.code for r in results] == [0] * hosts, [r.err for r in results]
    assert pages_per_slug(served) == {slug: 1 for slug in SLUGS}
    assert twins_reported(results) == set() and trashed_pages(served) == set()

    ledger = run_one(served, ["runs", "--json"], database_url=database_url)
    runs = json.loads(ledger.out)
    assert len(runs) == hosts and {r["outcome"] for r in runs} == {"success"}
    workers = [r for r in runs if r["requests"]["writes"]]
    assert len(workers) == 1, runs  # one run did the work …
    assert sorted(v["action"] for v in workers[0]["variants"]) == ["created"] * 4
    for idle in runs:  # … the others waited for it, then found every page up to date
        if idle is not workers[0]:
            assert [v["action"] for v in idle["variants"]] == ["unchanged"] * 4
    assert not any((served.root / f"state-h{i}" / "runs.sqlite3").exists() for i in range(hosts))


@pytest.mark.parametrize("hosts", [2, 5])
def test_hosts_without_a_shared_database_heal_their_twins(served, hosts):
    results = run_at_once(served, ["publish", "--all"], hosts)
    assert [r.code for r in results] == [0] * hosts, [r.err for r in results]
    assert "Traceback" not in "".join(r.err for r in results)

    after = run_one(served, ["publish", "--all"])
    assert after.code == 0, after.err
    assert pages_per_slug(served) == {slug: 1 for slug in SLUGS}
    clean = run_one(served, ["publish", "--all", "--dry-run", "--detailed-exitcode"])
    assert clean.code == 0 and "Plan: 0 to create, 0 to update, 4 unchanged." in clean.out, clean.out + clean.err

    # Every page created beyond one per slug is in the trash, and was reported so.
    trashed = trashed_pages(served)
    assert twins_reported(results + [after]) == trashed
