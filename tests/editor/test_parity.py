"""Bilingual parity: `bot validate` and the dry run report where the two variants of a week diverge."""

from __future__ import annotations

import json
import re

import pytest

OVERVIEW = {"en": "## Weekly Overview\n", "zh": "## 本周概览\n"}
GENERATIVE = {"en": "### Generative Recommendation and Ranking\n", "zh": "### 生成式推荐与排序\n"}


def insert_after(path, anchor: str, text: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert anchor in body, anchor
    path.write_text(body.replace(anchor, anchor + "\n" + text + "\n", 1), encoding="utf-8")


def replace(path, old: str, new: str) -> None:
    body = path.read_text(encoding="utf-8")
    assert old in body, old
    path.write_text(body.replace(old, new, 1), encoding="utf-8")


def parity_lines(out: str) -> list[str]:
    return [line for line in out.splitlines() if ": parity: " in line]


@pytest.mark.parametrize("week", ["W14", "W22"])
def test_seed_weeks_have_parity(cli, week):
    code, out, err = cli("validate", f"content/rec-weekly/2026-{week}")
    assert code == 0, out + err
    assert parity_lines(out) == []


def _drop_first_item(folder):
    text = (folder / "zh.md").read_text(encoding="utf-8")
    item = re.search(r"^- \*\*Rec-Distill\*\*.*\n", text, re.M).group(0)
    (folder / "zh.md").write_text(text.replace(item, "", 1), encoding="utf-8")


# (name, how to diverge W22, what the warning on zh.md says — a regex)
CASES = [
    (
        "heading level",
        lambda f: replace(f / "zh.md", "### 生成式推荐与排序\n", "## 生成式推荐与排序\n"),
        r"zh\.md:100:1: warning: parity: headings differ: zh has 10, en has 10; zh\.md:100 has h2 '生成式推荐与排序' where en\.md:100 has h3 'Generative Recommendation and Ranking'",
    ),
    (
        "heading missing",
        lambda f: replace(f / "zh.md", "### 其他\n", ""),
        r"zh\.md:108:1: warning: parity: headings differ: zh has 9, en has 10; section h3 'Other' \(en\.md:116\) is missing in zh: expected after zh\.md:108 h3 '推荐系统的扩展与优化'$",
    ),
    (
        "list items",
        _drop_first_item,
        r"zh\.md:9[45]:1: warning: parity: section '知识蒸馏与模型压缩' has 3 list items; en\.md:95 'Knowledge Distillation and Model Compression' has 4; missing in zh: Rec-Distill",
    ),
    (
        "table shape",
        lambda f: (
            insert_after(f / "en.md", OVERVIEW["en"], "| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n"),
            insert_after(f / "zh.md", OVERVIEW["zh"], "| 甲 | 乙 |\n|---|---|\n| 1 | 2 |\n"),
        ),
        r"zh\.md:20:1: warning: parity: section '本周概览' has tables \[2×2\]; en\.md:20 'Weekly Overview' has \[3×2\]",
    ),
    (
        "code block",
        lambda f: insert_after(f / "en.md", OVERVIEW["en"], "```python\nprint(1)\n```\n"),
        r"zh\.md:18:1: warning: parity: section '本周概览' has 0 code blocks; en\.md:20 'Weekly Overview' has 1",
    ),
    (
        "image",
        lambda f: insert_after(f / "zh.md", OVERVIEW["zh"], "![架构](https://example.com/arch.png)\n"),
        r"zh\.md:20:1: warning: parity: section '本周概览' has 1 images; en\.md:18 'Weekly Overview' has 0",
    ),
    (
        "equation",
        lambda f: insert_after(f / "en.md", OVERVIEW["en"], "$$\nL = \\sum_i \\ell_i\n$$\n"),
        r"zh\.md:18:1: warning: parity: section '本周概览' has 0 equations; en\.md:20 'Weekly Overview' has 1",
    ),
    (
        "link",
        lambda f: (
            insert_after(f / "en.md", GENERATIVE["en"], "See [the paper](https://arxiv.org/abs/2605.00001).\n"),
            insert_after(f / "zh.md", GENERATIVE["zh"], "见[论文](https://arxiv.org/abs/2605.00002)。\n"),
        ),
        r"zh\.md:100:1: warning: parity: link https://arxiv\.org/abs/2605\.00001 \(en\.md:102\) is missing in zh",
    ),
    (
        "paper name",
        lambda f: replace(f / "zh.md", "- **AKT-Rec**", "- **AKT Rec**"),
        r"zh\.md:\d+:1: warning: parity: paper AKT-Rec \(en\.md:\d+\) is missing in zh",
    ),
]


@pytest.mark.parametrize("name, diverge, expected", CASES, ids=[c[0] for c in CASES])
def test_each_kind_of_divergence_is_reported(cli, content, name, diverge, expected):
    folder = content / "2026-W22"
    diverge(folder)
    code, out, err = cli("validate", str(folder))
    assert code == 0, out + err  # advisory: warnings, not errors
    assert any(re.search(expected, line) for line in parity_lines(out)), parity_lines(out)


def test_parity_warnings_stay_warnings_under_strict(cli, content):
    replace(content / "2026-W22" / "zh.md", "- **AKT-Rec**", "- **AKT Rec**")
    code, out, _ = cli("validate", "--strict", str(content / "2026-W22"))
    assert code == 0 and "warning: parity: paper AKT-Rec" in out


def _drop_section(path, heading: str, next_heading: str) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index(heading)] + text[text.index(next_heading) :], encoding="utf-8")


def test_a_dropped_section_is_named_by_its_heading_in_the_other_language(cli, content):
    """Issue 23: a dropped zh section was reported against the first section (Weekly Overview)."""
    folder = content / "2026-W22"
    _drop_section(folder / "zh.md", "## 生成式推荐与排序\n", "## 推荐系统的扩展与优化\n")
    code, out, err = cli("validate", str(folder))
    assert code == 0, out + err
    lines = parity_lines(out)
    assert len(lines) == 1, lines  # the section's papers are listed in the roundup, not reported again
    assert lines[0].endswith(
        "zh.md:45:1: warning: parity: headings differ: zh has 9, en has 10; section h2 'Generative Recommendation and Ranking' "
        "(en.md:45) is missing in zh: expected after zh.md:28 h2 '知识蒸馏与模型压缩'"
    ), lines


def test_a_dropped_section_names_what_is_missing_with_it(cli, content):
    folder = content / "2026-W22"
    _drop_section(folder / "zh.md", "### 知识蒸馏与模型压缩\n", "### 生成式推荐与排序\n")
    code, out, _ = cli("validate", str(folder))
    lines = parity_lines(out)
    assert len(lines) == 1, lines
    assert re.search(
        r"zh\.md:93:1: warning: parity: headings differ: zh has 9, en has 10; section h3 'Knowledge Distillation and Model Compression' "
        r"\(en\.md:93\) is missing in zh: expected after zh\.md:91 h2 '论文速览'; missing in zh with it: Rec-Distill, GPlan, LoopFM, HARNESS-LM$",
        lines[0],
    ), lines


def test_a_section_only_the_translation_has_is_named(cli, content):
    folder = content / "2026-W22"
    insert_after(
        folder / "zh.md",
        "## 值得关注的方向\n",
        "本节略。\n\n## 编者按\n\n编者的话：见 [RecSys 2026](https://recsys.acm.org/recsys26/)。\n",
    )
    code, out, _ = cli("validate", str(folder))
    lines = parity_lines(out)
    assert len(lines) == 1, lines
    assert re.search(
        r"zh\.md:87:1: warning: parity: headings differ: zh has 11, en has 10; section h2 '编者按' has no counterpart in en "
        r"\(expected after en\.md:83 h2 'Directions to Watch'\); missing in en with it: https://recsys\.acm\.org/recsys26/$",
        lines[0],
    ), lines


LINED = (  # a <details> block, an HTML block and a footnote before a link and a list only en has
    "<details>\n<summary>Method notes</summary>\n\nHidden *text*.\n\n</details>\n\n"
    '<div align="center">\n<b>Centered</b>\n</div>\n\n'
    "Footnoted.[^a]\n\n[^a]: A note.\n\n"
    "See, on the paragraph's second line,\n[the paper](https://arxiv.org/abs/2605.00009).\n\n"
    "| a |\n|---|\n| x |\n| [row](https://example.org/table-row) |\n"
)


@pytest.mark.parametrize(
    "command",
    [("validate", "content/rec-weekly/2026-W22"), ("publish", "--week", "W22", "--dry-run")],
    ids=["validate", "dry-run"],
)
def test_line_numbers_are_right_after_details_html_and_footnotes(cli, content, command):
    """Issue 23: after a <details> block, a link at en.md:23 was reported as en.md:14."""
    en = content / "2026-W22" / "en.md"
    insert_after(en, OVERVIEW["en"], LINED)
    insert_after(en, "## Directions to Watch\n", "- one\n- two\n")
    text = en.read_text(encoding="utf-8").splitlines()
    link_line = next(i for i, line in enumerate(text, 1) if "2605.00009" in line)
    list_line = text.index("- one") + 1
    assert link_line > 30  # far below the section's heading (18) and the body's first line
    code, out, err = cli(*command)
    assert code == 0, out + err
    assert f"link https://arxiv.org/abs/2605.00009 (en.md:{link_line}) is missing in zh" in out, out
    row_line = next(i for i, line in enumerate(text, 1) if "table-row" in line)
    assert f"link https://example.org/table-row (en.md:{row_line}) is missing in zh" in out, out
    assert re.search(
        rf"zh\.md:83(:1: warning)?: parity: section '值得关注的方向' has 0 list items; en\.md:{list_line} 'Directions to Watch' has 2$",
        out,
        re.M,
    ), out
    assert (
        "degraded: " not in out.split("parity:")[0].rsplit("\n", 1)[-1]
    )  # parity is advisory: never a `degraded:` line
    assert re.search(r"section h3 'Footnotes' \(en\.md:\d+\) is missing in zh", out)
    footnote_line = text.index("[^a]: A note.") + 1
    assert f"section h3 'Footnotes' (en.md:{footnote_line})" in out


def test_the_dry_run_shows_parity(cli, content):
    replace(content / "2026-W22" / "zh.md", "### 生成式推荐与排序\n", "## 生成式推荐与排序\n")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, err
    assert "Parity: 1 difference(s) between the language variants" in out
    assert "zh.md:100: parity: headings differ" in out
    code, out, err = cli("publish", "--week", "W22", "--dry-run", "--json")
    findings = json.loads(out)["parity"]
    assert [f["kind"] for f in findings] == ["headings"] and findings[0]["line"] == 100


def test_a_clean_dry_run_says_nothing_about_parity(cli):
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0 and "Parity" not in out


def test_status_shows_a_week_whose_variants_changed_unevenly(cli, content):
    assert cli("publish", "--week", "W22")[0] == 0
    code, out, _ = cli("status", "--no-remote")
    assert code == 0 and "! 2026-W22" not in out
    replace(
        content / "2026-W22" / "en.md",
        "Four industrial distillation papers",
        "Four industrial knowledge-distillation papers",
    )
    code, out, _ = cli("status", "--no-remote")
    assert code == 0
    assert re.search(
        r"^! 2026-W22: en changed since it was last published \(run #1\), zh did not \(published in run #1\): "
        r"does .*2026-W22/zh\.md need the same change\?$",
        out,
        re.M,
    ), out
    data = json.loads(cli("status", "--no-remote", "--json")[1])
    assert [(t["week"], t["changed"], t["unchanged"]) for t in data["translations"]] == [("2026-W22", "en", "zh")]
    replace(content / "2026-W22" / "zh.md", "本周的四篇工业界蒸馏论文", "本周的四篇工业界知识蒸馏论文")
    code, out, _ = cli("status", "--no-remote")
    assert "! 2026-W22" not in out  # both changed: in step again


def test_each_file_is_parsed_once_and_converted_once_for_validate_and_parity(cli, content, monkeypatch):
    """Issue 27: parity outlines validation's conversion (it converted every section on its own,
    ~84 conversions per variant); the dry run's plan converts each file once more (its links
    resolve to Notion page URLs) from the same parse."""
    import markdown_it

    from bot.convert import blockstream, md_to_blocks

    replace(content / "2026-W22" / "zh.md", "- **AKT-Rec**", "- **AKT Rec**")  # a finding: parity ran
    conversions, parses = [], []
    real_init, real_parse = md_to_blocks.BlockStream.__init__, markdown_it.MarkdownIt.parse
    real_steps = blockstream._block_steps

    def counting_init(self, text, *args, **kwargs):
        conversions.append(len(text))
        real_init(self, text, *args, **kwargs)

    def counting_parse(self, src, *args, **kwargs):
        if len(src) > 1000:  # a whole body (not a table cell or a summary)
            parses.append(len(src))
        return real_parse(self, src, *args, **kwargs)

    def counting_steps(md, state):  # a body parsed one block at a time (bot.convert.blockstream)
        if len(state.src) > 1000:
            parses.append(len(state.src))
        return real_steps(md, state)

    monkeypatch.setattr(md_to_blocks.BlockStream, "__init__", counting_init)
    monkeypatch.setattr(markdown_it.MarkdownIt, "parse", counting_parse)
    monkeypatch.setattr(blockstream, "_block_steps", counting_steps)
    code, out, _ = cli("validate", "--week", "W22")
    assert code == 0 and "parity: paper AKT-Rec" in out
    assert (len(conversions), len(parses)) == (2, 2)
    conversions.clear(), parses.clear()
    code, out, _ = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0 and "parity: paper AKT-Rec" in out
    assert (len(conversions), len(parses)) == (4, 2)
