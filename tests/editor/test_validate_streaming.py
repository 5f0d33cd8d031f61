"""Validate and publish read a body one top-level block at a time (issue 24: bounded memory).

Pinned here: the diagnostics of blocks far into a long body keep their file lines (links,
anchors, images, limits, degradations in later chunks and in later pieces of a huge paragraph),
an anchor may point at a heading further down, and a publish converts a body parsed whole (the
parse validation shares, for a short body) and one parsed block by block (a long one) into the
same plan.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path

from bot.convert import BlockStream, ConvertOptions
from bot.convert.blockstream import LIST_CONTINUED
from bot.convert.parser import get_parser

ROOT = Path(__file__).resolve().parents[2]
FRONT = (
    "---\ntitle: Streaming\nlang: {lang}\nweek: 2026-W22\nseries: rec-weekly\nslug: rec-weekly-{lang}-2026-W22\n"
    "status: Draft\ndate: 2026-05-30 07:01\n---\n"
)


def _write_week(content: Path, en_body: str) -> Path:
    week = content / "rec-weekly" / "2026-W22"
    for old in week.glob("*.md"):
        old.unlink()
    (week / "en.md").write_text(FRONT.format(lang="en") + en_body, encoding="utf-8")
    (week / "zh.md").write_text(FRONT.format(lang="zh") + "你好。\n", encoding="utf-8")
    return week / "en.md"


def _line_of(path: Path, needle: str) -> int:
    return next(n for n, text in enumerate(path.read_text(encoding="utf-8").splitlines(), 1) if needle in text)


def test_diagnostics_in_later_blocks_and_paragraph_pieces_keep_their_lines(env, cli):
    filler = "".join(f"Paragraph {n} with **bold** text.\n\n" for n in range(3000))
    huge = " ".join(f"word{n} **b**" for n in range(12000))  # one paragraph, cut into pieces
    body = (
        "[forward](#the-last-heading)\n\n"  # an anchor further down: no error
        + filler
        + "A [broken](#no-such-heading) anchor.\n\n"
        + '<div>\n<img src="missing-html.png">\n</div>\n\n'
        + filler
        + huge
        + "\nand a [missing](missing-file.md) file\nand ![pic](missing-pic.png) in the same paragraph.\n\n"
        + "```nosuchlang\nx\n```\n\n"
        + "# The last heading\n"
    )
    path = _write_week(env / "content", body)
    code, out, _ = cli("validate", "--week", "W22", "--json")
    assert code == 1
    found = {(d["rule"], d["line"]) for d in json.loads(out)["diagnostics"] if d["file"].endswith("en.md")}
    assert ("link", _line_of(path, "(#no-such-heading)")) in found
    assert ("image", _line_of(path, "missing-html.png")) in found
    assert ("link", _line_of(path, "(missing-file.md)")) in found
    assert ("image", _line_of(path, "(missing-pic.png)")) in found
    assert ("code-language", _line_of(path, "nosuchlang")) in found
    assert not any(rule == "link" and line == _line_of(path, "(#the-last-heading)") for rule, line in found)


def test_a_long_body_parsed_block_by_block_plans_as_one_parsed_whole(env, cli, monkeypatch):
    validate_body = importlib.import_module("bot.editor.validate_body")  # where validation parses a body

    corpus = sorted((ROOT / "benchmarks" / "corpus").glob("*.md"))
    body = "\n\n".join(p.read_text(encoding="utf-8") for p in corpus if p.name != "LICENSES.md")
    assert len(body) > validate_body.SHARED_PARSE_MAX
    _write_week(env / "content", body + "\n\nSee [below](#links)[^n].\n\n[^n]: A note.\n")
    args = ("publish", "--week", "W22", "--dry-run", "--json", "--allow", "link", "--allow", "code-language")
    streamed = cli(*args)
    monkeypatch.setattr(validate_body, "SHARED_PARSE_MAX", 10**9)  # validation's whole parse is converted
    shared = cli(*args)
    assert streamed[0] == shared[0] == 0
    assert streamed[1] == shared[1]


def test_blocks_streamed_match_blocks_of_a_whole_parse_on_the_corpus():
    for path in sorted((ROOT / "benchmarks" / "corpus").glob("*.md")):
        text = path.read_text(encoding="utf-8")
        steps: list = []
        streamed = BlockStream(text, ConvertOptions(), observe=steps.append)
        blocks = list(streamed)
        whole = BlockStream(text, ConvertOptions(), tokens=get_parser().parse(text))
        assert blocks == list(whole), path.name
        assert streamed.report == whole.report, path.name
        # what `observe` saw, block by block, is the whole parse token for token (a top-level
        # list, handed out item by item, joined back: blockstream._list_items)
        seen: list = []
        for step in steps:
            if step[0].meta.get(LIST_CONTINUED):
                seen.pop()  # the previous item's list closing token, and this item's opening one
                step = step[1:]
            seen.extend(step)
        assert [(t.type, t.map, t.content) for t in seen] == [
            (t.type, t.map, t.content) for t in get_parser().parse(text)
        ], path.name
