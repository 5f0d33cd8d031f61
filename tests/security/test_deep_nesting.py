"""Issue 13 item 8: content nested too deep is flattened into the deepest allowed level —
every word published, the flattening reported — never dropped, never a RecursionError."""

from __future__ import annotations

import json

import pytest

from .conftest import assert_clean, write_week

CASES = {
    "quote-10000": ("> " * 10000 + "deep words here\n", ["deep words here"]),
    "list-1000": ("".join("  " * i + f"- item{i}\n" for i in range(1000)), [f"item{i}" for i in range(1000)]),
    "details-3000": (
        "".join(f"<details><summary>s{i}</summary>\n\n" for i in range(3000))
        + "inner text\n\n"
        + "</details>\n\n" * 3000,
        ["inner text"] + [f"s{i}" for i in range(0, 3000, 97)],
    ),
    "details-3000-one-block": (
        "<details><summary>sum</summary>" * 3000 + "inner text" + "</details>" * 3000 + "\n",
        ["inner text", "sum"],
    ),
    "quote-then-list": (
        "> " * 60 + "- a\n" + "> " * 60 + "  - b\n" + "> " * 60 + "    - c words\n",
        ["a", "b", "c words"],
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_deep_nesting_keeps_every_word_and_says_so(case, env, mini, cli):
    body, words = CASES[case]
    write_week(mini, en_body="Intro.\n\n" + body)
    en = mini / "rec-weekly" / "2026-W22" / "en.md"
    code, out, err = cli("convert", str(en), "--json")
    assert_clean(out, err)
    assert code == 0
    report = json.loads(out)["report"]
    assert any(d["construct"] == "nesting" and d["line"] >= 13 for d in report), report
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert_clean(out, err)
    assert code == 0, err
    variant = json.loads(out)["variants"][0]
    assert any(d["construct"] == "nesting" for d in variant["report"])
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert code == 0
    flat = out.replace("\\", "")
    missing = [w for w in words if w not in flat]
    assert not missing, missing[:10]
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0  # and it round-trips
