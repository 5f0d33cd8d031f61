"""A fleet on one token, as real processes against one workspace served over HTTP (issue 22).

* One rate budget per token, shared: the server enforces a small budget (30 requests per
  10 s: the same sliding window as Notion's 180/60, six times shorter, so the tests wait
  seconds, not minutes) and answers every 429 with `Retry-After: 1`, as a strict Notion
  does while its window stays full. Back-to-back commands from several state dirs, and
  three hosts at once (with and without BOT_DATABASE_URL), all finish: they wait for the
  budget instead of giving up after a count of 1-s retries.
* A lock checked before it is trusted: the publish lock's PostgreSQL session terminated
  while a run waits for the budget (or the lock file removed): no write after it, exit 3,
  the ledger says "lock lost", and another host then finishes cleanly. A ledger session
  terminated mid-run: the run reconnects, finishes and is recorded.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import threading
import time

import pytest

from multihost import TOKEN, Finished, add_weeks, host_env, pages_per_slug, run_one, serve

BUDGET = "30/10"
# Back to back: a 20-s window, so that the window a fresh publish fills in one burst (36
# requests: 16 creates or appends, 8 reveals of pages hidden until complete, reads) stays full
# far longer than the few 1-s retries a client used to allow itself. The budget holds that
# burst whole, so the dry run after it (20 reads) is the one that meets a full window.
LONG_BUDGET = "40/20"
# Giving up: a window so long that the one the fresh publish filled is still full when the
# impatient dry run starts, however slow the machine.
PATIENT_BUDGET = "40/30"
EXTRA_WEEKS = 6
WRITE = re.compile(r"bot\.notion: (POST|PATCH|DELETE) /v1/(\S+) -> ")


def slugs(weeks: int = EXTRA_WEEKS) -> set[str]:
    weeks_ = [f"2025-W{n:02d}" for n in range(1, weeks + 1)] + ["2026-W14", "2026-W22"]
    return {f"rec-weekly-{lang}-{w}" for w in weeks_ for lang in ("en", "zh")}


def _strict(root, weeks: int, budget: str = BUDGET):
    """A server with a small budget that always answers Retry-After: 1."""
    add_weeks(root, weeks)
    return serve(root, rate_limit=budget, retry_after=1)


@pytest.fixture
def strict(tmp_path):
    handle = _strict(tmp_path, EXTRA_WEEKS)
    yield handle
    handle.stop()


@pytest.fixture
def strict_long(tmp_path):
    handle = _strict(tmp_path, EXTRA_WEEKS, LONG_BUDGET)
    yield handle
    handle.stop()


@pytest.fixture
def strict_small(tmp_path):
    """The repository's two weeks: three hosts at once spend ~2 budgets (~20 s)."""
    handle = _strict(tmp_path, 0)
    yield handle
    handle.stop()


def _budgeted(served, name: str, database_url: str | None = None, budget: str = BUDGET, **extra) -> dict:
    return host_env(served, name, database_url, BOT_RATE_LIMIT=budget, **extra)


def _run(served, args: list[str], name: str, database_url: str | None = None, budget: str = BUDGET) -> Finished:
    proc = subprocess.run(
        [sys.executable, "-m", "bot", *args],
        cwd=served.root,
        env=_budgeted(served, name, database_url, budget),
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    return Finished(name, proc.returncode, proc.stdout, proc.stderr)


def _at_once(served, args: list[str], hosts: int, database_url: str | None = None) -> list[Finished]:
    procs = [
        (
            f"h{i}",
            subprocess.Popen(
                [sys.executable, "-m", "bot", *args],
                cwd=served.root,
                env=_budgeted(served, f"h{i}", database_url),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                text=True,
            ),
        )
        for i in range(hosts)
    ]
    done = []
    for name, proc in procs:
        out, err = proc.communicate(timeout=300)
        done.append(Finished(name, proc.returncode, out, err))
    return done


def _ok(results: list[Finished]) -> None:
    for r in results:
        assert r.code == 0, f"{r.name} exited {r.code}:\n{r.err[-2000:]}"
        assert "Traceback" not in r.err and "gave up" not in r.err
        assert TOKEN not in r.out + r.err


# ----------------------------------------------------------------------------- the budget
def test_back_to_back_commands_from_other_state_dirs_wait_for_the_budget(strict_long):
    """The issue's first case: a fresh publish spends the window in one burst; a dry run from
    another state dir and a publish of one week right after it used to give up on 429."""
    strict = strict_long
    fresh = _run(strict, ["publish", "--all", "--json"], "ci", budget=LONG_BUDGET)
    check = _run(strict, ["publish", "--all", "--dry-run", "--json"], "editor", budget=LONG_BUDGET)
    week = _run(strict, ["publish", "--week", "2026-W22", "--json"], "laptop", budget=LONG_BUDGET)
    _ok([fresh, check, week])
    assert [v["action"] for v in json.loads(fresh.out)["variants"]] == ["created"] * len(slugs())
    assert {v["action"] for v in json.loads(check.out)["variants"]} == {"unchanged"}
    assert {v["action"] for v in json.loads(week.out)["variants"]} == {"unchanged"}
    # The dry run knew the window was full (the state is shared) and said it was waiting.
    assert "for Notion's rate budget" in check.err
    assert pages_per_slug(strict) == {slug: 1 for slug in slugs()}


def test_three_hosts_on_one_token_without_a_shared_database_all_finish(strict_small):
    """Three state dirs of one user: the budget file in the user's cache dir is shared."""
    strict = strict_small
    results = _at_once(strict, ["publish", "--all"], 3)
    _ok(results)
    after = _run(strict, ["publish", "--all"], "after")  # heals twins the three runs left, if any
    _ok([after])
    assert pages_per_slug(strict) == {slug: 1 for slug in slugs(0)}
    clean = _run(strict, ["publish", "--all", "--dry-run", "--detailed-exitcode"], "check")
    assert clean.code == 0, clean.out + clean.err


def test_three_hosts_sharing_a_database_share_its_budget(strict, database_url):
    """With BOT_DATABASE_URL the budget is a table there (every host); its key is a hash.
    One host publishes, the others wait for the lock, then read every page (fresh state
    dirs): together more than one budget."""
    import psycopg

    results = _at_once(strict, ["publish", "--all"], 3, database_url)
    _ok(results)
    assert pages_per_slug(strict) == {slug: 1 for slug in slugs()}
    with psycopg.connect(database_url) as conn:
        keys = [row[0] for row in conn.execute("SELECT key FROM notion_budget")]
        sends = conn.execute("SELECT count(*) FROM notion_budget_sends").fetchone()[0]
    assert len(keys) == 1 and re.fullmatch(r"[0-9a-f]{64}", keys[0]) and sends > 0
    assert not (strict.root / "cache" / "bot").exists()  # nothing paced on a host's own file


@pytest.fixture
def strict_patient(tmp_path):
    handle = _strict(tmp_path, EXTRA_WEEKS, PATIENT_BUDGET)
    yield handle
    handle.stop()


def test_a_server_that_keeps_its_window_full_makes_the_request_give_up_on_total_wait(strict_patient):
    """Only the total wait bounds a request: past BOT_MAX_RETRY_WAIT it stops, saying so."""
    strict = strict_patient
    fresh = _run(strict, ["publish", "--all"], "ci", budget=PATIENT_BUDGET)
    _ok([fresh])
    env = _budgeted(strict, "impatient", budget=PATIENT_BUDGET, BOT_MAX_RETRY_WAIT="2")
    proc = subprocess.run(
        [sys.executable, "-m", "bot", "publish", "--all", "--dry-run"],
        cwd=strict.root,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        timeout=300,
    )
    assert proc.returncode == 1 and "BOT_MAX_RETRY_WAIT=2s" in proc.stderr and "Traceback" not in proc.stderr


# ----------------------------------------------------------------------------- the lock
class Watched:
    """`bot publish --all -v` as a real process whose stderr is read as it comes; the test
    acts when the run says it is waiting for Notion's budget (asleep, nothing in flight)."""

    def __init__(self, served, name: str, database_url: str | None):
        # 10 requests per 5 s: the run sends a burst, then sleeps seconds for the budget.
        env = host_env(served, name, database_url, BOT_RATE_LIMIT="10/5")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bot", "publish", "--all", "-v"],
            cwd=served.root,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            text=True,
        )
        self.lines: list[str] = []
        self.waiting = threading.Event()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.proc.stderr:
            self.lines.append(line)
            if "for Notion's rate budget" in line:
                self.waiting.set()

    def asleep(self) -> int:
        """Waits until the run sleeps for the budget; returns how many lines it wrote."""
        assert self.waiting.wait(120), "".join(self.lines)
        return len(self.lines)

    def finish(self) -> tuple[int, str, str]:
        out = self.proc.stdout.read()
        self.proc.wait(timeout=120)
        self._reader.join(timeout=30)
        return self.proc.returncode, out, "".join(self.lines)

    def writes_after(self, line_count: int) -> list[str]:
        return [
            m.group(0)
            for line in self.lines[line_count:]
            if (m := WRITE.search(line)) and not m.group(2).endswith("/query")
        ]


def _sessions(database_url: str, purpose: str, pid: int) -> list[int]:
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE application_name LIKE %s", (f"bot {purpose} % pid {pid}",)
            )
        ]


def _terminate(database_url: str, purpose: str, pid: int) -> None:
    import psycopg

    backends = _sessions(database_url, purpose, pid)
    assert backends, f"no {purpose} session of pid {pid}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        for backend in backends:
            conn.execute("SELECT pg_terminate_backend(%s)", (backend,))
    deadline = time.monotonic() + 10
    while _sessions(database_url, purpose, pid):  # gone: its socket is closed
        assert time.monotonic() < deadline
        time.sleep(0.05)


@pytest.fixture
def served(tmp_path):
    add_weeks(tmp_path, 2)
    handle = serve(tmp_path)
    yield handle
    handle.stop()


def test_a_run_whose_lock_session_is_terminated_stops_before_its_next_write(served, database_url):
    run = Watched(served, "a", database_url)
    seen = run.asleep()
    assert run.writes_after(0), "the run wrote before it slept"
    _terminate(database_url, "publish", run.proc.pid)
    code, out, err = run.finish()
    assert code == 3, err
    assert "lock lost" in err and "Traceback" not in err
    assert run.writes_after(seen) == []

    ledger = json.loads(run_one(served, ["runs", "--json"], database_url=database_url).out)
    assert ledger[0]["outcome"] == "interrupted" and ledger[0]["error"].startswith("lock lost"), ledger[0]

    second = run_one(served, ["publish", "--all"], "b", database_url)
    assert second.code == 0, second.err
    assert pages_per_slug(served) == {slug: 1 for slug in slugs(2)}
    clean = run_one(served, ["publish", "--all", "--dry-run", "--detailed-exitcode"], "b", database_url)
    assert clean.code == 0, clean.out + clean.err


def test_a_run_whose_ledger_session_is_terminated_finishes_and_is_recorded(served, database_url):
    run = Watched(served, "a", database_url)
    run.asleep()
    _terminate(database_url, "ledger", run.proc.pid)
    code, out, err = run.finish()
    assert code == 0 and "Traceback" not in err, err
    ledger = json.loads(run_one(served, ["runs", "--json"], database_url=database_url).out)
    assert ledger[0]["outcome"] == "success" and sorted({v["action"] for v in ledger[0]["variants"]}) == ["created"], (
        ledger[0]
    )
    assert pages_per_slug(served) == {slug: 1 for slug in slugs(2)}


def test_a_run_whose_lock_file_is_removed_stops_before_its_next_write(served):
    run = Watched(served, "a", None)
    seen = run.asleep()
    (served.root / "state-a" / "publish.lock").unlink()
    code, out, err = run.finish()
    assert code == 3 and "lock lost" in err and "Traceback" not in err, err
    assert run.writes_after(seen) == []
    ledger = json.loads(run_one(served, ["runs", "--json"], "a").out)
    assert ledger[0]["outcome"] == "interrupted" and ledger[0]["error"].startswith("lock lost"), ledger[0]
