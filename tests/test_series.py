"""Several series: rec-weekly and a second example series, paper-notes (tests/fixtures/series/),
in the same database and in a database of its own, through the CLI (README → Several series).

paper-notes names a front-matter field differently (`abstract:`, read as summary), has its own
footnotes heading and language-link text, and two weeks in en and zh.
"""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest

from bot.series import SeriesIndex, slug_of
from conftest import ROOT
from helpers import human_api

FIXTURE = Path(__file__).resolve().parent / "fixtures" / "series" / "paper-notes"
PAPER = [f"paper-notes-{lang}-2026-W{week}" for week in (22, 23) for lang in ("en", "zh")]
REC = [f"rec-weekly-{lang}-2026-W{week}" for week in (14, 22) for lang in ("en", "zh")]


@pytest.fixture
def series_env(env, monkeypatch):
    """The repository's rec-weekly and the fixture's paper-notes, each a mapping file in one
    mappings folder (BOT_MAPPING unset: the series are discovered)."""
    mappings = env / "mappings"
    mappings.mkdir()
    shutil.copy(ROOT / "mappings" / "rec-weekly.yaml", mappings)
    shutil.copy(FIXTURE / "mappings" / "paper-notes.yaml", mappings)
    shutil.copytree(FIXTURE / "content" / "paper-notes", env / "content" / "paper-notes")
    monkeypatch.delenv("BOT_MAPPING")
    monkeypatch.setenv("BOT_MAPPINGS_DIR", str(mappings))
    return env


def own_database(env) -> None:
    """paper-notes gets a database of its own, whose summary column is called Abstract."""
    path = env / "mappings" / "paper-notes.yaml"
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "database_title: Rec Weekly", "database_title: Paper Notes\ndatabase: {env: NOTION_DATABASE_ID_PAPER_NOTES}"
    )
    text = text.replace(
        "abstract: {property: summary, type: rich_text}", "abstract: {property: Abstract, type: rich_text}"
    )
    path.write_text(text, encoding="utf-8")


def publish_json(cli, *args: str) -> tuple[int, dict, str]:
    code, out, err = cli("publish", *args, "--json", "-q")
    return code, json.loads(out), err


def actions(data: dict) -> dict[str, str]:
    return {v["slug"]: v["action"] for v in data["variants"]}


def live_pages(workspace, title: str) -> dict[str, list[dict]]:
    """slug -> the live pages of the database titled `title` (as a person's integration sees them)."""
    db = workspace.store.database_by_title(title)
    assert db is not None, f"no database {title!r}"
    source = workspace.store.data_sources_of(db["id"])[0]["id"]
    pages: dict[str, list[dict]] = {}
    for page in human_api(workspace).query(source, {}):
        if not page.get("in_trash"):
            pages.setdefault(slug_of(page, "slug"), []).append(page)
    return pages


def text_of(page: dict, prop: str) -> str:
    return "".join(item["plain_text"] for item in page["properties"][prop]["rich_text"])


# ---------------------------------------------------------------------------- one database
def test_two_series_publish_into_the_shared_database_and_a_rerun_writes_nothing(series_env, cli, workspace):
    code, data, err = publish_json(cli, "--all")  # no --series: every series
    assert code == 0, err
    assert actions(data) == {slug: "created" for slug in PAPER + REC}
    pages = live_pages(workspace, "Rec Weekly")
    assert sorted(pages) == sorted(PAPER + REC) and all(len(p) == 1 for p in pages.values())
    assert workspace.store.database_by_title("Paper Notes") is None  # one database for both
    assert text_of(pages["paper-notes-en-2026-W22"][0], "summary") == "One paper on distillation."  # `abstract:`
    code, data, err = publish_json(cli, "--all")
    assert code == 0, err
    assert set(actions(data).values()) == {"unchanged"}
    assert data["requests"]["writes"] == 0


def test_the_language_link_stays_within_the_series_and_speaks_its_words(series_env, cli, workspace):
    assert publish_json(cli, "--week", "2026-W22")[0] == 0  # both series have a 2026-W22
    pages = {slug: found[0] for slug, found in live_pages(workspace, "Rec Weekly").items()}
    api = human_api(workspace)
    for slug, sibling, text in (
        ("paper-notes-en-2026-W22", "paper-notes-zh-2026-W22", "读中文"),
        ("paper-notes-zh-2026-W22", "paper-notes-en-2026-W22", "Read in English"),
        ("rec-weekly-en-2026-W22", "rec-weekly-zh-2026-W22", "中文版"),
    ):
        first = api.list_children(pages[slug]["id"])[0]
        item = first["callout"]["rich_text"][0]
        assert (item["plain_text"], item["text"]["link"]["url"]) == (text, pages[sibling]["url"]), slug
    code, out, _ = cli("pull", "--week", "W22", "--series", "paper-notes", "--out", "-", "-q")
    assert code == 0 and "读中文" not in out and "Read in English" not in out  # recognised as the link, not body
    assert "abstract: One paper on distillation." in out and "\nsummary:" not in out


def test_series_flag_on_publish_takes_only_that_series(series_env, cli):
    code, data, _ = publish_json(cli, "--all", "--series", "paper-notes")
    assert code == 0 and set(actions(data)) == set(PAPER)
    code, data, _ = publish_json(cli, "--all", "--series", "paper-notes,rec-weekly", "--dry-run")
    assert code == 0 and actions(data) == {**{s: "unchanged" for s in PAPER}, **{s: "create" for s in REC}}
    code, data, _ = publish_json(cli, "--all", "--series", "rec-weekly", "--series", "paper-notes")
    assert code == 0 and actions(data) == {**{s: "unchanged" for s in PAPER}, **{s: "created" for s in REC}}


@pytest.mark.parametrize(
    "command",
    [
        ("publish", "--all"),
        ("validate",),
        ("status",),
        ("run-due",),
        ("runs",),
        ("schedule",),
        ("preview", "--week", "W22"),
    ],
)
def test_an_unknown_series_is_a_usage_error_naming_the_known_ones(series_env, cli, command):
    code, out, err = cli(*command, "--series", "paper-note")
    assert code == 64
    assert "unknown series 'paper-note': known series are paper-notes, rec-weekly" in err


def test_an_unknown_series_under_json_is_a_json_error(series_env, cli):
    code, out, _ = cli("publish", "--all", "--series", "nope", "--json")
    assert code == 64
    error = json.loads(out)["error"]
    assert error["exit_code"] == 64 and "known series are paper-notes, rec-weekly" in error["message"]


def test_validate_takes_the_series_own_field_names_and_checks_one_series(series_env, cli):
    code, out, err = cli("validate", "--series", "paper-notes")
    assert code == 0, out + err
    assert "4 files checked" in err
    bad = series_env / "content" / "paper-notes" / "2026-W23" / "en.md"
    bad.write_text(bad.read_text(encoding="utf-8").replace("abstract:", "summary: x\nabstract:"), encoding="utf-8")
    code, out, _ = cli("validate", "--series", "rec-weekly")  # the other series' problem is not its own
    assert code == 0
    code, out, _ = cli("validate", "--series", "paper-notes")
    assert code == 1 and "paper-notes/2026-W23/en.md" in out and "rec-weekly" not in out
    assert cli("publish", "--all", "--series", "rec-weekly", "-q")[0] == 0
    assert cli("publish", "--all", "-q")[0] == 1  # every series: the broken file stops the run


def test_bot_mapping_still_wins_over_the_mappings_folder(series_env, cli, monkeypatch):
    """BOT_MAPPING set: one mapping for all content, as before — paper-notes' `abstract:` is then
    an unknown field (the mappings folder is not read)."""
    monkeypatch.setenv("BOT_MAPPING", str(ROOT / "mappings" / "rec-weekly.yaml"))
    code, out, _ = cli("validate")
    assert code == 1 and "paper-notes/2026-W22/en.md" in out and "abstract" in out
    assert cli("validate", "--series", "rec-weekly")[0] == 0


def test_pull_preview_status_and_run_due_take_a_series(series_env, cli):
    assert cli("publish", "--all", "--series", "paper-notes", "-q")[0] == 0
    # pull: the pages of that series only, into its files, which already say it with its own
    # field name (nothing to change; W23: no footnotes, which Notion cannot give back as such)
    code, out, err = cli("pull", "--week", "W23", "--series", "paper-notes", "--json", "-q")
    assert code == 0, err
    pulled = json.loads(out)["pulled"]
    assert [(p["slug"], p["action"]) for p in pulled] == [
        ("paper-notes-en-2026-W23", "unchanged"),
        ("paper-notes-zh-2026-W23", "unchanged"),
    ]
    # preview: one series at a time (a week both series have needs --series); its own strings
    assert cli("preview", "--week", "W22", "--out", "-", "-q")[0] == 64
    code, out, _ = cli("preview", "--week", "W22", "--series", "paper-notes", "--out", "-", "-q")
    assert code == 0 and "读中文" in out and ">Notes<" in out and "Rec Tech Weekly" not in out
    # status: the rows of that series, each naming it
    code, out, _ = cli("status", "--series", "paper-notes", "--json")
    rows = json.loads(out)["variants"]
    assert {r["series"] for r in rows} == {"paper-notes"} and {r["slug"] for r in rows} == set(PAPER)
    assert all(r["remote"]["plan"] == "unchanged" for r in rows)
    code, out, _ = cli("status", "--no-remote")
    assert {line.split()[2] for line in out.splitlines() if line.startswith("2026-W")} == {"paper-notes", "rec-weekly"}
    # run-due: that series only; then every series (the scheduler's run)
    code, out, _ = cli("run-due", "--series", "rec-weekly", "--json", "-q")
    assert code == 0
    run = json.loads(out)
    assert run["series"] == ["rec-weekly"] and {v["slug"] for v in run["variants"]} == set(REC)
    assert {v["action"] for v in run["variants"]} == {"created"}
    code, out, _ = cli("run-due", "--json", "-q")
    run = json.loads(out)
    assert code == 0 and run["series"] == ["paper-notes", "rec-weekly"]
    assert run["requests"]["writes"] == 0 and {v["action"] for v in run["variants"]} == {"unchanged"}


def test_runs_show_and_filter_by_series(series_env, cli):
    assert cli("publish", "--all", "--series", "paper-notes", "-q")[0] == 0
    assert cli("publish", "--all", "--series", "rec-weekly", "-q")[0] == 0
    code, out, _ = cli("runs", "--json")
    runs = json.loads(out)
    assert [r["series"] for r in runs] == [["rec-weekly"], ["paper-notes"]]
    assert {v["series"] for v in runs[1]["variants"]} == {"paper-notes"}
    code, out, _ = cli("runs", "--series", "paper-notes", "--json")
    assert [r["series"] for r in json.loads(out)] == [["paper-notes"]]
    code, out, _ = cli("runs")
    assert "paper-notes" in out.splitlines()[2] and "rec-weekly" in out.splitlines()[1]


# ---------------------------------------------------------------------------- never each other's
def test_drift_in_one_series_is_not_the_others(series_env, cli, workspace):
    assert cli("publish", "--all", "-q")[0] == 0
    page = live_pages(workspace, "Rec Weekly")["paper-notes-en-2026-W22"][0]
    paragraph = next(b for b in human_api(workspace).list_children(page["id"]) if b["type"] == "paragraph")
    human_api(workspace).update_block(
        paragraph["id"],
        {"type": "paragraph", "paragraph": {"rich_text": [{"type": "text", "text": {"content": "A person's note."}}]}},
    )
    code, data, _ = publish_json(cli, "--all", "--series", "rec-weekly")
    assert code == 0 and data["requests"]["writes"] == 0
    assert not any(v["plan"]["drift"] for v in data["variants"])
    code, data, _ = publish_json(cli, "--all", "--dry-run")  # every series planned: the drift is that page's alone
    assert code == 0
    assert [v["slug"] for v in data["variants"] if v["plan"]["drift"]] == ["paper-notes-en-2026-W22"]
    code, out, err = cli("publish", "--all", "-q")
    assert code == 1 and "paper-notes-en-2026-W22" in err and "rec-weekly" not in err


def test_twins_of_one_series_are_left_to_it(series_env, cli, workspace):
    """Two pages with one paper-notes slug (concurrent creates): publishing rec-weekly, which
    shares the database, neither heals nor trips over them; paper-notes' own publish does."""
    assert cli("publish", "--all", "-q")[0] == 0
    pages = live_pages(workspace, "Rec Weekly")
    original = pages["paper-notes-zh-2026-W23"][0]
    from helpers import session

    bot, _ = session(workspace)
    twin = bot.api.create_page(
        {"type": "data_source_id", "data_source_id": original["parent"]["data_source_id"]},
        {name: original["properties"][name] for name in ("title", "slug", "status", "type", "date")},
    )
    bot.close()
    code, data, err = publish_json(cli, "--all", "--series", "rec-weekly")
    assert code == 0, err
    assert data["requests"]["writes"] == 0
    assert len(live_pages(workspace, "Rec Weekly")["paper-notes-zh-2026-W23"]) == 2  # not its business
    code, out, err = cli("publish", "--all", "--series", "paper-notes", "-q")
    assert code == 0 and "2 pages had this slug" in err
    left = live_pages(workspace, "Rec Weekly")["paper-notes-zh-2026-W23"]
    assert len(left) == 1 and left[0]["id"] in (original["id"], twin["id"])  # one kept (bot.duplicates decides)


def test_a_page_whose_file_went_away_stays_and_nothing_else_is_trashed(series_env, cli, workspace):
    assert cli("publish", "--all", "-q")[0] == 0
    shutil.rmtree(series_env / "content" / "paper-notes" / "2026-W23")
    code, data, _ = publish_json(cli, "--all")
    assert code == 0 and data["requests"]["writes"] == 0
    assert sorted(live_pages(workspace, "Rec Weekly")) == sorted(PAPER + REC)


def test_a_series_name_that_prefixes_another_never_takes_its_pages(series_env, cli, workspace):
    """`paper` and `paper-notes` share the database: paper-notes-en-2026-W22 starts with
    `paper-` but is not a page of `paper` (slug = series-lang-week, matched whole)."""
    mappings, content = series_env / "mappings", series_env / "content"
    shutil.copy(mappings / "paper-notes.yaml", mappings / "paper.yaml")
    for path in (FIXTURE / "content" / "paper-notes" / "2026-W22").glob("*.md"):
        target = content / "paper" / "2026-W22" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8").replace("paper-notes", "paper"), encoding="utf-8")
    code, data, err = publish_json(cli, "--all")
    assert code == 0, err
    assert {"paper-en-2026-W22", "paper-zh-2026-W22"} <= set(actions(data))
    from helpers import session

    bot, _ = session(workspace)
    target = bot.target("en")
    index = SeriesIndex.load(bot.api, target.data_source_id, "slug", "rich_text", ["paper"])
    assert index.slugs() == ["paper-en-2026-W22", "paper-zh-2026-W22"]
    assert not index.covers("paper-notes-en-2026-W22") and index.covers("paper-zh-2026-W22")
    bot.close()
    code, data, _ = publish_json(cli, "--all")
    assert code == 0 and data["requests"]["writes"] == 0


# ---------------------------------------------------------------------------- a database of its own
def test_a_series_with_its_own_database_in_the_embedded_workspace(series_env, cli, workspace):
    own_database(series_env)
    code, data, err = publish_json(cli, "--all")
    assert code == 0, err
    assert sorted(live_pages(workspace, "Rec Weekly")) == sorted(REC)
    own = live_pages(workspace, "Paper Notes")
    assert sorted(own) == sorted(PAPER)
    assert text_of(own["paper-notes-zh-2026-W22"][0], "Abstract") == "一篇关于蒸馏的论文。"  # its own column
    assert "summary" not in own["paper-notes-zh-2026-W22"][0]["properties"]
    code, data, _ = publish_json(cli, "--all")
    assert code == 0 and data["requests"]["writes"] == 0
    code, out, _ = cli("local", "show", "paper-notes-en-2026-W22")  # found in its database
    assert code == 0 and "Abstract: One paper on distillation." in out
    code, out, _ = cli("pull", "--week", "W23", "--json", "-q")  # every series, each from its database
    assert sorted(p["slug"] for p in json.loads(out)["pulled"]) == sorted(s for s in PAPER + REC if "W23" in s)


def test_local_databases_creates_the_second_database_with_its_columns(series_env, cli, workspace):
    own_database(series_env)
    code, out, err = cli("local", "databases")
    assert code == 0, err
    settings = dict(line.split("=", 1) for line in out.splitlines())
    assert set(settings) == {"NOTION_DATABASE_ID", "NOTION_DATABASE_ID_PAPER_NOTES"}
    assert settings["NOTION_DATABASE_ID"] != settings["NOTION_DATABASE_ID_PAPER_NOTES"]
    paper = workspace.store.database_by_title("Paper Notes")
    assert paper["id"] == settings["NOTION_DATABASE_ID_PAPER_NOTES"]
    source = human_api(workspace).retrieve_database(paper["id"])["data_sources"][0]["id"]
    columns = set(human_api(workspace).retrieve_data_source(source)["properties"])
    assert {"Abstract", "slug", "status", "date", "tags"} <= columns and "summary" not in columns
    assert cli("local", "databases")[1] == out  # found again by title, not made twice


def test_own_database_over_the_real_notion_path(series_env, cli, monkeypatch, tmp_path):
    """NOTION_TOKEN set: the shared database from NOTION_DATABASE_ID, paper-notes' own from the
    setting its mapping names (accepted in .env: it is of the NOTION_DATABASE_ID_<NAME> family)."""
    from bot.cli.local import series_databases
    from bot.local import LocalWorkspace, serve
    from bot.settings import load_settings

    own_database(series_env)
    ws = LocalWorkspace(tmp_path / "remote.sqlite3", bot_token="ntn_test_secret_0123456789")
    handle = serve(ws, port=0)
    try:
        monkeypatch.setenv("NOTION_TOKEN", ws.bot_token)
        monkeypatch.setenv("NOTION_BASE_URL", handle.url)
        ids = {setting: database for setting, database, _ in series_databases(ws, load_settings())}
        monkeypatch.setenv("NOTION_DATABASE_ID", ids["NOTION_DATABASE_ID"])
        (series_env / ".env").write_text(
            f"NOTION_DATABASE_ID_PAPER_NOTES={ids['NOTION_DATABASE_ID_PAPER_NOTES']}\n", encoding="utf-8"
        )
        code, data, err = publish_json(cli, "--all")
        assert code == 0, err
        assert set(actions(data).values()) == {"created"}
        assert sorted(live_pages(ws, "Paper Notes")) == sorted(PAPER)
        assert sorted(live_pages(ws, "Rec Weekly")) == sorted(REC)
        code, data, _ = publish_json(cli, "--all")
        assert code == 0 and data["requests"]["writes"] == 0
        (series_env / ".env").unlink()
        code, out, err = cli("publish", "--all", "--series", "paper-notes", "-q")
        assert code == 1 and "set NOTION_DATABASE_ID_PAPER_NOTES" in err
    finally:
        handle.shutdown()
        ws.close()


# ---------------------------------------------------------------------------- the ledger
def test_ledger_rows_from_before_the_series_column_stay_readable(tmp_path):
    """A SQLite ledger of schema version 1 (no series column) is migrated; its rows read their
    series from the slug, new rows record it."""
    from bot.ledger.runs import SCHEMA, VariantEntry
    from bot.ledger.sqlite import Ledger

    path = tmp_path / "runs.sqlite3"
    db = sqlite3.connect(path)
    db.executescript(SCHEMA)
    db.execute(
        "INSERT INTO runs(trigger, started_at, outcome) VALUES ('manual', '2026-05-30T00:00:00+00:00', 'success')"
    )
    db.execute(
        "INSERT INTO run_variants(run_id, slug, week, lang, action) VALUES (1, 'paper-notes-zh-2026-W22', '2026-W22', 'zh', 'created')"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    ledger = Ledger(path)
    assert [v.series for v in ledger.get(1).variants] == ["paper-notes"]
    run_id = ledger.start("manual")
    ledger.add_variants(run_id, [VariantEntry("odd-slug", "2026-W22", "en", "created", series="rec-weekly")])
    assert ledger.get(run_id).variants[0].series == "rec-weekly"
    assert ledger.get(run_id).series == ["rec-weekly"]


def test_postgres_ledger_migrates_to_the_series_column(database_url):
    from bot.ledger.runs import VariantEntry
    from bot.ledger.postgres import MIGRATIONS, PostgresLedger, connect

    conn = connect(database_url, "the test")
    with conn.cursor() as cur:  # a ledger as the version before wrote it
        for script in MIGRATIONS[:2]:
            for statement in filter(str.strip, script.split(";")):
                cur.execute(statement)
        cur.execute("CREATE TABLE bot_schema (version INTEGER NOT NULL)")
        cur.execute("INSERT INTO bot_schema(version) VALUES (2)")
        cur.execute("INSERT INTO runs(trigger, started_at, outcome) VALUES ('manual', now(), 'success')")
        cur.execute(
            "INSERT INTO run_variants(run_id, slug, week, lang, action) VALUES (1, 'rec-weekly-en-2026-W22', '2026-W22', 'en', 'created')"
        )
    conn.commit()
    conn.close()
    ledger = PostgresLedger(database_url)
    try:
        assert [v.series for v in ledger.get(1).variants] == ["rec-weekly"]
        run_id = ledger.start("manual")
        ledger.add_variants(run_id, [VariantEntry("x-en-2026-W22", "2026-W22", "en", "created", series="paper-notes")])
        assert ledger.get(run_id).series == ["paper-notes"]
    finally:
        ledger.close()


def test_a_series_says_which_languages_a_week_has(series_env, cli):
    (series_env / "content" / "paper-notes" / "2026-W23" / "zh.md").unlink()
    code, out, _ = cli("validate", "--series", "paper-notes")
    assert code == 1 and "no zh variant of paper-notes 2026-W23" in out
    mapping = series_env / "mappings" / "paper-notes.yaml"
    mapping.write_text(mapping.read_text(encoding="utf-8") + "languages: [en]\n", encoding="utf-8")
    code, out, _ = cli("validate", "--series", "paper-notes")
    assert code == 0, out


def test_content_of_a_series_without_a_mapping_is_named(series_env, cli):
    for path in (series_env / "content" / "rec-weekly" / "2026-W22").glob("*.md"):
        target = series_env / "content" / "other" / "2026-W22" / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(path.read_text(encoding="utf-8").replace("rec-weekly", "other"), encoding="utf-8")
    code, out, _ = cli("validate")
    assert code == 1 and "series 'other' has no mapping: add" in out and "other.yaml" in out
    code, _, err = cli("publish", "--all", "--dry-run", "-q")
    assert code == 1 and "content of series other has no mapping" in err
    assert cli("publish", "--all", "--series", "rec-weekly", "--dry-run", "-q")[0] == 0


def test_the_scheduler_publishes_every_series(series_env):
    """A scheduled run (bot schedule's DueRunner) takes every series; its ledger entry names them."""
    from bot.schedule.due_check import DueRunner
    from bot.settings import load_settings

    result = DueRunner(load_settings()).run("schedule")
    assert result.outcome == "success", result.error
    assert {e.slug: e.action for e in result.entries} == {slug: "created" for slug in PAPER + REC}
    assert {e.series for e in result.entries} == {"paper-notes", "rec-weekly"}
    again = DueRunner(load_settings()).run("schedule")
    assert again.outcome == "success" and again.stats["writes"] == 0
