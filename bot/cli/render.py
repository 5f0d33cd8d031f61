"""Human output: the Terraform-like plan and the publish summary (stdout)."""

from __future__ import annotations

import difflib
import os
from typing import IO, Iterable

from ..engine.drift import drift_lines
from ..engine.results import VariantResult

SYMBOL = {"create": "+", "update": "~", "unchanged": "=", "drift": "!", "created": "+", "updated": "~", "skipped": "-"}
COLORS = {"+": "\033[32m", "-": "\033[31m", "~": "\033[33m", "!": "\033[35m", "@": "\033[36m"}
RESET = "\033[0m"


def color_enabled(stream: IO) -> bool:
    """Colours only for a terminal that wants them: NO_COLOR (any value, https://no-color.org)
    and TERM=dumb turn them off; pipes and files never get escape codes."""
    if os.environ.get("NO_COLOR") or os.environ.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def parity_text(findings) -> str:
    """The dry run's bilingual parity section."""
    if not findings:
        return ""
    lines = [
        f"Parity: {len(findings)} difference(s) between the language variants (advisory; `bot validate` lists them too):"
    ]
    lines += [f"    {finding}" for finding in findings]
    return "\n".join(lines)


def _color(line: str, enabled: bool) -> str:
    if not enabled or not line:
        return line
    code = COLORS.get(line[0])
    return f"{code}{line}{RESET}" if code else line


def waiting_text(waiting) -> str:
    """Variants the due rule holds back: `status: Published` with a date still to come."""
    return "\n".join(
        f"… {v.slug} ({v.lang})  waiting until {moment.isoformat(timespec='minutes')} (status: Published, dated in the future: not created or updated before then; --publish-early sends it now)"
        for moment, v in waiting
    )


def early_note(moment, variant) -> str:
    """What `--publish-early` skipped for a variant dated in the future, said where its action is."""
    value = variant.front.date
    shown = value.isoformat() if not hasattr(value, "hour") else moment.strftime("%Y-%m-%d %H:%M")
    return f"published early: date {shown} skipped (status: Published; --publish-early sends it now and it goes live on the blog at once)"


def early_json(early: dict, results) -> list[dict]:
    """The variants an early publish wrote (or, in a dry run, would write) before their date."""
    return [
        {
            "slug": r.variant.slug,
            "lang": r.variant.lang,
            "week": r.variant.week,
            "date": str(r.variant.front.date),
            "message": early[r.variant.slug],
        }
        for r in results
        if r.variant.slug in early and went_out(r)
    ]


def went_out(result) -> bool:
    """Whether the run wrote (or its plan would write) the variant's page."""
    return result.action in ("created", "updated", "create", "update") or (
        result.action == "drift" and result.plan.action != "unchanged"
    )


def waiting_json(waiting) -> list[dict]:
    return [
        {
            "slug": v.slug,
            "lang": v.lang,
            "week": v.week,
            "path": str(v.path),
            "action": "waiting",
            "due_at": moment.isoformat(),
        }
        for moment, v in waiting
    ]


def plan_text(results: list[VariantResult], color: bool = False, waiting=(), early: dict | None = None) -> str:
    """`early`: slug -> the `published early: …` note of a variant sent before its date."""
    early = early or {}
    out: list[str] = []
    counts = {"create": 0, "update": 0, "unchanged": 0, "drift": 0}
    for r in results:
        p = r.plan
        action = "drift" if p.drift else p.action
        counts[action if action in counts else "update"] += 1
        if p.drift and p.action == "unchanged":
            counts["drift"] += 0
        symbol = SYMBOL[action]
        head = f"{symbol} {p.slug} ({p.lang})  {action}"
        if p.page_id:
            head += f"  page {p.page_id}"
        out.append(_color(head, color))
        if p.slug in early and p.action != "unchanged":
            out.append(_color(f"  ! {early[p.slug]}", color))
        if p.drift:
            out.append(_color(f"  ! drift: {p.drift.describe()}", color))
            out.extend(_color(line, color) for line in drift_lines(p))
            out.append(f"    keep Notion's version of the edited blocks instead: bot pull {p.slug} --edited")
            if p.drift.blocks:
                out.append(
                    f"    or overwrite one block: --on-drift overwrite --block {p.drift.blocks[0].short_id} (the others keep Notion's version)"
                )
            if p.drift.since_last_publish:
                out.append("    edited in Notion since the last publish:")
                out.extend("    " + _color(line, color) for line in p.drift.since_last_publish.splitlines())
            out.append("    the bot's changes (they replace those edits with --on-drift overwrite):")
        if p.kept:
            out.append(
                f"    kept as Notion has them (not overwritten): {', '.join(k.replace('-', '')[:8] if len(k) > 30 else k for k in p.kept)}"
            )
        if p.action == "create":
            out.append(f"    + {len(p.children)} blocks, {len(p.properties)} properties")
        for change in p.property_changes:
            out.append(_color(f"  ~ {change.name}: {change.old} → {change.new}", color))
        if p.reveal:
            out.append(f"    {_reveal_text(p)}")
        if p.block_ops:
            out.append(f"    {len(p.block_ops)} block operation(s): " + _op_summary(p))
        # Without a live tree (a page the records show unchanged) there is nothing to diff:
        # rendering the tree twice to find that out was a third of a no-op dry run.
        if p.action != "create" and p.live_blocks is not None:
            diff = difflib.unified_diff(
                p.live_markdown.splitlines(), p.desired_markdown.splitlines(), "notion", "content", lineterm="", n=1
            )
            out.extend("    " + _color(line, color) for line in diff)
        for note in p.notes:
            out.append(f"    note: {note}")
        out.extend(degraded_lines(r.report))
    if waiting:
        out.append(waiting_text(waiting))
    out.append(
        f"Plan: {counts['create']} to create, {counts['update']} to update, {counts['unchanged']} unchanged"
        + (f", {counts['drift']} drifted" if counts["drift"] else "")
        + (f", {len(waiting)} waiting" if waiting else "")
        + "."
    )
    return "\n".join(out)


def degraded_lines(report, path=None) -> list[str]:
    """The converter's report, a run of alike entries in one line: a page of raw HTML left
    open reports each unclosed element (200,000 in 1 MB), which as many lines would say
    nothing more and hold the run's memory. `path`: the file, named before each line number."""
    out: list[str] = []
    run: list = []
    for d in [*report, None]:
        if run and (d is None or (d.construct, d.message) != (run[0].construct, run[0].message)):
            first, last = run[0], run[-1]
            lines = str(first.line) if first.line == last.line else f"{first.line}–{last.line}"
            where = f"{path}:{lines}" if path is not None else f"line{'s' if '–' in lines else ''} {lines}"
            times = f" ({len(run):,} times)" if len(run) > 1 else ""
            out.append(f"    degraded: {where}{times}: {first.construct}: {first.message}")
            run = []
        if d is not None:
            run.append(d)
    return out


def _reveal_text(p) -> str:
    """Hidden until complete (bot/engine/hidden.py), as the plan will apply it."""
    r = p.reveal
    if p.action == "create":
        until = "its blocks and its language link are in" if p.sibling_pending else "all its blocks are in"
        return (
            f"hidden: goes up as {r.property}: {r.hidden} until {until}, then {r.property}: {r.shown} (1 more request)"
        )
    return (
        f"{r.property}: {r.hidden} → {r.shown} goes last, once the blocks are in (the page is shown only when complete)"
    )


def _op_summary(p) -> str:
    kinds: dict[str, int] = {}
    for op in p.block_ops:
        kinds[op.kind] = kinds.get(op.kind, 0) + 1
    return ", ".join(f"{n} {k.replace('_', ' ')}" for k, n in kinds.items())


def summary_text(results: Iterable[VariantResult], early: dict | None = None) -> str:
    early = early or {}
    lines = []
    for r in results:
        symbol = SYMBOL.get(r.action, " ")
        line = f"{symbol} {r.variant.slug:<28} {r.action:<9} {r.writes:>3} writes  {r.plan.page_id or '-'}  {r.plan.url or ''}"
        lines.append(line.rstrip())
        if r.variant.slug in early and went_out(r):
            lines.append(f"    ! {early[r.variant.slug]}")
        for note in r.plan.notes:
            lines.append(f"    note: {note}")
        lines.extend(degraded_lines(r.report, r.variant.path))
    return "\n".join(lines)


def interrupted_text(signal_name: str, phase: str, finished, current, not_started, early: dict | None = None) -> str:
    """What an interrupted publish did: the pages finished, the one it was in, the rest."""
    where = (
        f"in {current.slug}"
        if current
        else ("while planning" if phase != "applying" else "while completing the links between pages")
    )
    lines = [
        f"Interrupted ({signal_name}) {where}: {len(finished)} page(s) finished, {1 if current else 0} in progress, {len(not_started)} not started."
    ]
    if finished:
        lines.append(summary_text(finished, early))
    if current:
        lines.append(
            f"… {current.slug:<28} interrupted  (stopped while writing this page; publish again: the next run reads Notion and completes it, never duplicating it)"
            if phase == "applying"
            else f"… {current.slug:<28} interrupted  (stopped while planning it; nothing was written)"
        )
    for v in not_started:
        lines.append(f"- {v.slug:<28} not started")
    return "\n".join(lines)
