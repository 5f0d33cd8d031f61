"""Issue 23: front-matter and anchor errors in plain words, on the right line, with a fix that
works (`bot validate` and `bot publish` read the front matter the same way)."""

from __future__ import annotations

import re

import pytest

EN = "2026-W22/en.md"


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def errors_of(out: str, path) -> list[str]:
    prefix = f"{path}:"
    return [line[len(prefix) :] for line in out.splitlines() if line.startswith(prefix) and ": error: " in line]


def test_lang_of_the_other_language_is_reported_at_the_lang_line_with_advice_that_works(cli, content):
    path = content / EN
    edit(path, "lang: en\n", "lang: zh\n")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert errors_of(out, path) == [
        "3:7: error: lang: `lang: zh` in en.md, whose slug says en too: set `lang: en` "
        "(the zh variant of the week is zh.md, with its own slug)"
    ], out
    code, _, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 1 and f"{path}:3:7: lang: `lang: zh` in en.md" in err
    edit(path, "lang: zh\n", "lang: en\n")  # the advice, followed
    assert cli("validate", str(path))[0] == 0


def test_a_slug_that_disagrees_with_the_file_is_still_reported_at_the_slug(cli, content):
    path = content / EN
    edit(path, "slug: rec-weekly-en-2026-W22", "slug: rec-weekly-zh-2026-W22")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert errors_of(out, path) == [
        "6:7: error: slug: slug 'rec-weekly-zh-2026-W22' must be 'rec-weekly-en-2026-W22' "
        "(series-lang-week: from `series:`, `lang:` and `week: 2026-W22`)"
    ], out


@pytest.mark.parametrize(
    "written, meant, line", [("sumary", "summary", 10), ("catgory", "category", 12), ("Status", "status", 8)]
)
def test_unknown_front_matter_keys_get_a_did_you_mean(cli, content, written, meant, line):
    path = content / EN
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(rf"^{meant}:", f"{written}:", text, count=1, flags=re.M), encoding="utf-8")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    found = errors_of(out, path)
    assert any(
        re.match(rf"{line}:\d+: error: ", e)
        and e.split(": error: ", 1)[1].startswith(
            f"{written}: unknown field: did you mean `{meant}`? (fields: title, lang,"
        )
        for e in found
    ), found
    if meant == "status":  # required: its "missing" error points at the typo
        assert (
            "1:1: error: status: required field is missing: add `status: …` to the front matter (`Status:` on line 8 looks like it: rename it)"
            in found
        ), found


def test_an_unknown_key_like_no_field_lists_the_fields(cli, content):
    edit(content / EN, "status: Published\n", "status: Published\nauthor: someone\n")
    code, out, _ = cli("validate", str(content / EN))
    assert code == 1 and "author: unknown field (fields: title, lang, week" in out and "did you mean" not in out


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (
            "tags: [Recommendation Systems, Weekly, Papers]",
            "tags: recsys",
            "11:7: error: tags: expected a list, got 'recsys'; e.g. tags: [recsys, llm]",
        ),
        (
            "tags: [Recommendation Systems, Weekly, Papers]",
            "tags: [recsys, [llm]]",
            "11:7: error: tags: item 2: expected text, got a list; e.g. tags: [recsys, llm]",
        ),
        ("priority: 1", "priority: high", "13:11: error: priority: expected a number, got 'high'; e.g. priority: 1"),
        (
            'title: "Rec Tech Weekly · 2026-W22"',
            "title: [a, b]",
            '2:8: error: title: expected text, got a list; e.g. title: "Rec Tech Weekly · 2026-W22"',
        ),
        (
            "type: Post",
            "type: Blog",
            "7:7: error: type: 'Blog' is not one of Post, Page, Notice, Menu or SubMenu; e.g. type: Post",
        ),
    ],
    ids=["tags-not-a-list", "tag-not-text", "priority", "title", "type"],
)
def test_type_errors_are_in_plain_words_with_an_example(cli, content, old, new, expected):
    path = content / EN
    edit(path, old, new)
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert errors_of(out, path) == [expected], out
    assert "Input should" not in out


def test_an_anchor_typo_suggests_the_closest_heading_first(cli, content):
    path = content / EN
    edit(
        path,
        "## Weekly Overview\n",
        "## Weekly Overview\n\n## This Week in Numbers\n\nSee [the numbers](#this-week-in-numbres).\n",
    )
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert errors_of(out, path) == [
        "22:19: error: anchor '#this-week-in-numbres' matches no heading in this file: did you mean #this-week-in-numbers? "
        "(other headings, in order: #weekly-overview, #knowledge-distillation-and-model-compression, #generative-recommendation-and-ranking, "
        "#scaling-and-optimization-of-recommendation-systems, #directions-to-watch, …)"
    ], out


def test_an_anchor_like_no_heading_lists_the_headings_in_document_order(cli, content):
    path = content / EN
    edit(path, "## Weekly Overview\n", "## Weekly Overview\n\nSee [x](#zzz).\n")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    assert errors_of(out, path) == [
        "20:9: error: anchor '#zzz' matches no heading in this file (headings, in order: #weekly-overview, "
        "#knowledge-distillation-and-model-compression, #generative-recommendation-and-ranking, "
        "#scaling-and-optimization-of-recommendation-systems, #directions-to-watch, #paper-roundup, …)"
    ], out


def test_an_anchor_typo_into_another_file_suggests_its_heading(cli, content):
    path = content / EN
    edit(path, "## Weekly Overview\n", "## Weekly Overview\n\nSee [last week](../2026-W14/en.md#weekly-overveiw).\n")
    code, out, _ = cli("validate", str(path))
    assert code == 1
    found = errors_of(out, path)
    assert len(found) == 1 and re.search(
        r"anchor #weekly-overveiw matches no heading in .*2026-W14/en\.md: did you mean #weekly-overview\? "
        r"\(other headings, in order: #engineering-challenges",
        found[0],
    ), found
