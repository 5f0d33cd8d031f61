"""Issue 24, "one contract for sizes": what `bot validate` passes, `bot publish` can send.

Every Notion request limit the bot can hit is checked before the first write by the same code
in validate and publish (rule `limits`), and what fits is split over requests that each stay
within Notion's documented limits (500 KB, 1,000 blocks, 100 children, two levels) — which the
embedded workspace enforces, so an oversized request fails these tests."""

from __future__ import annotations

import json
import sqlite3

from .conftest import FRONT, assert_clean, write_week


def _clean(*outputs: str) -> None:
    assert_clean(*outputs)
    for text in outputs:
        assert "internal error" not in text and "bug in the bot" not in text, text


def _pages(env) -> int:
    db = env / "state" / "local-notion.sqlite3"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM pages").fetchone()[0]


def _big_table() -> str:
    cell = "x" * 54
    rows = ["| " + " | ".join(f"{cell[:-3]}{c:03d}" for c in range(60)) + " |", "|" + "---|" * 60]
    rows += ["| " + " | ".join(f"{cell[:-4]}{r:02d}{c:02d}" for c in range(60)) + " |" for r in range(59)]
    return "Intro.\n\n## Big table\n\n" + "\n".join(rows) + "\n\nAfter the table.\n"


def _publish_round_trip(cli) -> dict:
    code, out, err = cli("validate")
    _clean(out, err)
    assert code == 0, out + err
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    _clean(out, err)
    assert code == 0, err
    code, out, err = cli("publish", "--week", "W22", "--json")
    _clean(out, err)
    assert code == 0, err
    first = json.loads(out)
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0, err  # all of it arrived
    return first


def test_a_60_by_60_table_of_816_kb_is_sent_over_several_requests(env, mini, cli):
    week = write_week(mini, en_body=_big_table())
    assert (week / "en.md").stat().st_size > 200_000
    _publish_round_trip(cli)
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert code == 0
    rows = [line for line in out.splitlines() if line.startswith("|")]
    assert len(rows) == 61  # header, alignment row, 59 rows: every row, in order
    assert "x" * 50 + "5859" in rows[-1] and "After the table." in out


def test_one_list_item_with_a_wide_and_deep_subtree_is_sent_whole(env, mini, cli):
    # One top-level block with 600 KB and 1,241 blocks below it: more than one request carries.
    body = "- top\n" + "".join(
        f"  - child {i} " + "y" * 5000 + "\n" + "".join(f"    - grandchild {i}.{j}\n" for j in range(30))
        for i in range(40)
    )
    write_week(mini, en_body="Intro.\n\n" + body)
    _publish_round_trip(cli)
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert "grandchild 39.29" in out and "child 39 " in out


def test_a_summary_over_the_rich_text_limit_is_refused_by_validate_and_publish_alike(env, mini, cli):
    write_week(mini, en_front=FRONT.format(lang="en").replace("tags:", 'summary: "' + "s" * 210_000 + '"\ntags:'))
    code, out, err = cli("validate", "--json")
    _clean(out, err)
    assert code == 1
    (finding,) = [d for d in json.loads(out)["diagnostics"] if d["level"] == "error"]
    assert finding["rule"] == "limits" and finding["field"] == "summary" and finding["line"] == 9
    assert finding["file"].endswith("en.md") and "105 rich-text items" in finding["message"]
    for args in (("publish", "--week", "W22", "--dry-run"), ("publish", "--week", "W22")):
        code, out, err = cli(*args)
        _clean(out, err)
        assert code == 1 and "en.md:9" in err and "nothing was published" in err, err
    assert _pages(env) == 0  # nothing half-published


def test_a_summary_just_under_the_limit_is_split_into_items_and_published(env, mini, cli):
    text = "s" * 199_999
    write_week(mini, en_front=FRONT.format(lang="en").replace("tags:", f'summary: "{text}"\ntags:'))
    _publish_round_trip(cli)
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22", "--json")
    page = json.loads(out)["page"]
    summary = page["properties"]["summary"]["rich_text"]
    assert "".join(item["plain_text"] for item in summary) == text and len(summary) == 100


def test_a_block_no_request_can_carry_is_refused_with_its_line(env, mini, cli):
    # 160,000 CJK characters in one code block: 100 items of 1,600 (under 2,000), 480 KB.
    write_week(mini, en_body="Intro.\n\n```text\n" + ("中" * 99 + "\n") * 1600 + "```\n")
    code, out, err = cli("validate")
    _clean(out, err)
    assert code == 1
    assert "en.md:13:1: error: exceeds a Notion limit: code:" in out and "bytes" in out, out
    for args in (("publish", "--week", "W22", "--dry-run"), ("publish", "--week", "W22")):
        code, out, err = cli(*args)
        _clean(out, err)
        assert code == 1 and "en.md:13" in err and "nothing was published" in err, err
    assert _pages(env) == 0


def test_a_table_whose_first_row_no_request_can_carry_names_its_true_size(env, mini, cli):
    # One header row of 60 cells of 9,000 characters (~590 KB): the table cannot be created
    # without that row, so the message sizes the table with it — not the 108 bytes of the
    # table alone, which read as "108 bytes, more than the 450,000".
    cells = " | ".join("z" * 9000 + str(i) for i in range(60))
    week = write_week(
        mini, en_body="Intro.\n\n| " + cells + " |\n|" + "---|" * 60 + "\n| " + " | ".join("a" * 60) + " |\n"
    )
    assert (week / "en.md").stat().st_size > 540_000
    code, out, err = cli("validate")
    _clean(out, err)
    assert code == 1
    line = next(line for line in out.splitlines() if "error: exceeds a Notion limit: table:" in line)
    size = int(line.split("table: ")[1].split(" bytes")[0].replace(",", ""))
    assert size > 450_000 and "with its first row" in line, line
    code, out, err = cli("publish", "--week", "W22")
    _clean(out, err)
    assert code == 1 and "nothing was published" in err, err
    assert _pages(env) == 0
