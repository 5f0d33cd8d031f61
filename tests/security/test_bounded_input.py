"""Issue 24: adversarial input is converted in bounded time and memory, and never crashes a
command — stray CR characters, `<pre>` nested a thousand deep, stray end tags."""

from __future__ import annotations

import json

from .conftest import assert_clean, write_week


def _no_internal_error(*outputs: str) -> None:
    assert_clean(*outputs)
    for text in outputs:
        assert "internal error" not in text, text


def test_stray_cr_validates_plans_publishes_and_pulls_alike(env, mini, cli):
    write_week(mini, en_body="Intro.\n\nlast\r\rline\n")
    code, out, err = cli("validate")
    _no_internal_error(out, err)
    assert code == 0, out + err
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("publish", "--week", "W22", "--json")
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert "last" in out and "line" in out
    code, out, err = cli("pull", "--week", "W22", "--force")  # the merge cuts the body into the parser's lines too
    _no_internal_error(out, err)
    assert code == 0, err
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0


def _bot_lines_executed(fn) -> int:
    """Lines of the bot's own code executed by fn(): a deterministic measure of work (no clock)."""
    import sys

    count = 0

    def tracer(frame, event, arg):
        nonlocal count
        if "/bot/" not in frame.f_code.co_filename:
            return None
        count += 1  # the call
        return local

    def local(frame, event, arg):
        nonlocal count
        count += event == "line"
        return local

    sys.settrace(tracer)
    try:
        fn()
    finally:
        sys.settrace(None)
    return count


def _linear(make, n: int) -> tuple[int, int]:
    from bot.convert import convert_markdown

    return _bot_lines_executed(lambda: convert_markdown(make(n))), _bot_lines_executed(
        lambda: convert_markdown(make(2 * n))
    )


def test_stray_end_tags_cost_the_same_per_tag_at_any_depth():
    once, twice = _linear(lambda n: "<div></x>\n\n" * n, 1500)
    assert twice < 2.2 * once, (once, twice)  # was 4x: each </x> walked every open <div>


def test_stray_end_tags_through_the_cli(env, mini, cli):
    write_week(mini, en_body="Intro.\n\n" + "<div></x>\n\n" * 40000)
    en = mini / "rec-weekly" / "2026-W22" / "en.md"
    assert en.stat().st_size > 440_000
    code, out, err = cli("convert", str(en), "--json")
    _no_internal_error(out, err)
    assert code == 0
    code, out, err = cli("validate", str(en))
    _no_internal_error(out, err)
    assert code == 0


def test_pre_nested_a_thousand_deep_is_one_code_block_in_every_command(env, mini, cli):
    write_week(mini, en_body="Intro.\n\n" + "<pre>" * 1000 + "deep code\n")
    en = mini / "rec-weekly" / "2026-W22" / "en.md"
    code, out, err = cli("convert", str(en), "--json")
    _no_internal_error(out, err)
    assert code == 0
    (block,) = [b for b in json.loads(out)["children"] if b["type"] == "code"]
    assert "deep code" in block["code"]["rich_text"][0]["text"]["content"]
    for args in (
        ("validate",),
        ("publish", "--week", "W22", "--dry-run"),
        ("publish", "--week", "W22"),
        ("preview", "--week", "W22"),
    ):
        code, out, err = cli(*args)
        _no_internal_error(out, err)
        assert code == 0, (args, err)
    code, out, err = cli("local", "show", "rec-weekly-en-2026-W22")
    assert "deep code" in out


def _weeks(content, count: int) -> None:
    import datetime
    import shutil

    from conftest import ROOT

    source = ROOT / "content" / "rec-weekly" / "2026-W22"
    shutil.rmtree(content / "rec-weekly", ignore_errors=True)
    for n in range(count):
        year, week = 2030 + n // 50, 1 + n % 50
        name = f"{year}-W{week:02d}"
        folder = content / "rec-weekly" / name
        folder.mkdir(parents=True)
        date = datetime.date.fromisocalendar(year, week, 6).isoformat()
        for lang in ("en", "zh"):
            text = (source / f"{lang}.md").read_text(encoding="utf-8")
            (folder / f"{lang}.md").write_text(
                text.replace("2026-W22", name).replace("2026-05-30", date), encoding="utf-8"
            )


def test_validate_holds_one_week_at_a_time(env, mini, cli):
    import tracemalloc

    peaks = []
    _weeks(mini, 2)
    cli("validate")  # the parser and the mapping, built once per process
    for count in (8, 32):
        _weeks(mini, count)
        tracemalloc.start()
        code, out, err = cli("validate")
        peaks.append(tracemalloc.get_traced_memory()[1])
        tracemalloc.stop()
        assert code == 0 and f"{2 * count} files checked: no problems" in out + err, out + err
    # 24 more weeks (~18 KB of Markdown each) may add what their files are read into (~80 KB a
    # week), not their conversions: before, each week added ~750 KB that stayed to the end.
    assert (peaks[1] - peaks[0]) / 24 < 250_000, peaks


def _stream_peak(text: str) -> tuple[int, int]:
    """(peak traced bytes, bold items) of converting `text` one block at a time, holding none."""
    import tracemalloc

    from bot.convert import BlockStream

    bold = 0
    tracemalloc.start()
    for block in BlockStream(text):
        bold += sum(1 for item in block["paragraph"]["rich_text"] if item["annotations"]["bold"])
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    return peak, bold


def test_one_huge_paragraph_is_parsed_in_pieces_of_bounded_memory():
    runs = 40_000  # 240 KB of `**a** `: 80,000 rich-text items
    small, bold_small = _stream_peak("**a** " * runs)
    large, bold_large = _stream_peak("**a** " * (3 * runs))
    assert (bold_small, bold_large) == (runs, 3 * runs)  # every run kept its bold
    assert large < 1.3 * small, (small, large)  # was ~3x: the whole paragraph's tokens and items at once


def test_a_huge_paragraph_converts_validates_and_publishes(env, mini, cli):
    write_week(mini, en_body="Intro.\n\n" + "**a** " * 20_000 + "\n")
    en = mini / "rec-weekly" / "2026-W22" / "en.md"
    code, out, err = cli("convert", str(en), "--json")
    _no_internal_error(out, err)
    assert code == 0
    report = json.loads(out)["report"]
    assert any(d["construct"] == "paragraph_pieces" and d["line"] == 13 for d in report), report
    for args in (("validate",), ("publish", "--week", "W22")):
        code, out, err = cli(*args)
        _no_internal_error(out, err)
        assert code == 0, (args, err)
    code, out, err = cli("publish", "--week", "W22", "--json")
    assert code == 0 and json.loads(out)["requests"]["writes"] == 0


# Raw HTML that leaves every element open: `<div></x>` runs (one HTML block each, all nested in
# the first `<div>`) and `<pre>` nested on one line; each element is also a report entry.
_OPEN_HTML = {
    "stray-end-tags": "<div></x>\n\n" * 18_000,  # 198 KB
    "nested-pre": "<pre>" * 40_000 + "x\n",  # 200 KB
}


def _traced_peak(fn) -> int:
    import tracemalloc

    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_open_raw_html_converts_within_the_memory_bound_per_byte():
    """Python objects allocated per byte of input (bytes/byte = MiB/MB), converting block by block
    and reading the report as `bot convert --json` does: 51 and 59 before (element trees of lists,
    the block pass's line caches as int lists, one report entry per <pre>), 32 and 35 now."""
    from bot.convert import BlockStream

    list(BlockStream("<div></x>\n\n<pre><pre>x\n"))  # the parser and the block kinds, built once

    def convert(body):
        stream = BlockStream(body)
        assert sum(1 for _ in stream) == (1 if "pre" in body else 0)  # one code block; an empty div run
        assert sum(1 for d in stream.report if "without </" in d.message) >= 18_000

    per_byte = {name: _traced_peak(lambda: convert(body)) / len(body) for name, body in _OPEN_HTML.items()}
    assert max(per_byte.values()) < 42, per_byte


def test_open_raw_html_validates_within_the_memory_bound_per_byte(env, mini):
    """`bot validate`'s checks of the same inputs, diagnostics included: 52 and 70 bytes/byte
    before (a diagnostic with its own dict and message string per unclosed element), 34 and 36 now."""
    from bot.editor import validate
    from bot.settings import load_settings

    settings = load_settings()
    en = mini / "rec-weekly" / "2026-W22" / "en.md"
    validate(settings, [en])  # imports and the parser, once
    per_byte = {}
    for name, body in _OPEN_HTML.items():
        write_week(mini, en_body=body)
        result = {}
        per_byte[name] = _traced_peak(lambda: result.update(r=validate(settings, [en]))) / len(body)
        unclosed = [d for d in result["r"].diagnostics if "without </" in d.message]
        assert len(unclosed) >= 18_000 and not result["r"].errors, name
    assert max(per_byte.values()) < 42, per_byte


def test_alike_degradations_are_one_line_in_the_dry_run_and_the_publish(cli, mini):
    """A page of raw HTML left open reports each unclosed element; printed one line each, 1 MB
    of `<pre>` was 200,000 lines (and the run's largest allocation). A run of alike entries is
    one line with its count and lines; a lone entry reads as before."""
    write_week(mini, "#### Deep\n\n" + "<div></x>\n\n" * 15 + "<pre>" * 300 + "x\n")
    code, out, err = cli("publish", "--week", "W22", "--dry-run")
    assert code == 0, out + err
    degraded = [line for line in out.splitlines() if "degraded:" in line]
    assert degraded[0].startswith("    degraded: line 11: heading_4:"), degraded
    assert "degraded: lines 13–41 (15 times): html_block: <div> without </div>" in degraded[1], degraded
    assert "degraded: line 43 (300 times): html_block: <pre> without </pre>" in degraded[2], degraded
    assert len(degraded) == 3, degraded
    code, out, err = cli("publish", "--week", "W22")
    assert code == 0, out + err
    degraded = [line for line in out.splitlines() if "degraded:" in line]
    assert "en.md:11: heading_4:" in degraded[0] and "en.md:13–41 (15 times): html_block" in degraded[1], degraded
    assert "en.md:43 (300 times): html_block" in degraded[2] and len(degraded) == 3, degraded
