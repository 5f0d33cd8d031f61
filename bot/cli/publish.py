"""`bot publish` and `bot convert`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..errors import ExitStatus
from .common import add_json_flag, add_lang_flag, add_on_drift_flag, add_output_flags, configure_logging, load_settings, select_variants, stderr, with_diagnostics


def register(sub) -> None:
    p = sub.add_parser("publish", help="create or update the pages of a week (upsert by slug)", description="Create or update the Notion pages of a week: only what differs is written; a second run writes nothing.")
    p.add_argument("--week", help="W22 or 2026-W22 (the year is inferred when only one year has that week)")
    p.add_argument("--all", action="store_true", help="every week in the content directory")
    add_lang_flag(p)
    p.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    p.add_argument("--detailed-exitcode", action="store_true", help="with --dry-run: exit 0 when nothing would change, 2 when changes are pending, 1 on error")
    add_on_drift_flag(p, "when a page was edited in Notion since the bot last wrote it (default: fail)")
    p.add_argument("--strict", action="store_true", help="treat any conversion degradation as an error")
    add_json_flag(p)
    add_output_flags(p)
    p.set_defaults(func=cmd_publish)

    c = sub.add_parser("convert", help="show the Notion payload for a content file", description="Convert a content file to the Notion payload the bot would send.")
    c.add_argument("file")
    add_json_flag(c, 'print {"properties", "icon", "children", "report"}')
    c.set_defaults(func=cmd_convert)


# --------------------------------------------------------------------------- publish
def cmd_publish(args) -> int:
    from ..editor import preflight
    from ..lock import publish_lock
    from ..progress import Progress
    from ..publish import PublishOptions, group_by_week
    from ..runner import run_publish
    from .render import plan_text, summary_text

    settings = load_settings()
    configure_logging(args, settings)
    all_variants, chosen = with_diagnostics(settings, lambda: select_variants(settings, args))
    preflight(settings, chosen, strict=args.strict)  # nothing is written when content is invalid
    options = PublishOptions(dry_run=args.dry_run, on_drift=args.on_drift, strict=args.strict)
    note = ("--all" if args.all else f"--week {args.week}") + (f" --lang {args.lang}" if args.lang else "")

    def open_announced(settings, clock):
        from ..session import open_session

        return open_session(settings, clock=clock, announce=None if args.quiet else stderr)

    with Progress(total=len(chosen), quiet=args.quiet, description="publishing") as progress:
        # Every week is planned before anything is written (drift or duplicate pages anywhere
        # stop the whole run); then the weeks are applied one by one. Real runs go into the
        # run ledger (`bot runs`), including lock-busy and interrupted ones.
        run = run_publish(
            settings, options, lambda variants, rec: group_by_week(chosen),
            variants=all_variants,
            trigger=None if args.dry_run else "manual", note=note,
            lock=None if args.dry_run else (lambda: publish_lock(settings.state_dir, settings.bot_lock_wait)),
            session_factory=open_announced, progress=progress.note, advance=progress.advance,
        )
    for warning in run.warnings:
        stderr(f"warning: {warning}")
    results, stats = run.results, run.stats
    if args.json:
        payload = {"dry_run": args.dry_run, "variants": [r.to_dict() for r in results], "requests": stats}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.dry_run:
        print(plan_text(results, color=sys.stdout.isatty()))
    else:
        print(summary_text(results))
        print(f"Requests: {stats['reads']} reads, {stats['writes']} writes, {stats['retries']} retries.")
    pending = any(r.plan.action != "unchanged" or r.plan.drift for r in results)
    return ExitStatus.CHANGES_PENDING if args.detailed_exitcode and args.dry_run and pending else ExitStatus.SUCCESS


# --------------------------------------------------------------------------- convert
def cmd_convert(args) -> int:
    from ..convert import ConvertOptions, convert_markdown
    from ..mapping import load_mapping
    from ..properties import desired_icon, desired_properties
    from ..source import read_variant

    settings = load_settings()
    variant = read_variant(Path(args.file))
    mapping = load_mapping(settings.bot_mapping)
    result = convert_markdown(variant.body, ConvertOptions(line_offset=variant.body_line - 1, base_dir=variant.path.parent))
    properties = desired_properties(variant, mapping, settings.zone)
    if args.json:
        print(json.dumps({"properties": properties, "icon": desired_icon(variant, mapping), "children": result.blocks, "report": [d.to_dict() for d in result.report]}, ensure_ascii=False, indent=2))
        return ExitStatus.SUCCESS
    counts: dict[str, int] = {}

    def walk(blocks):
        for b in blocks:
            counts[b["type"]] = counts.get(b["type"], 0) + 1
            walk(b[b["type"]].get("children") or [])

    walk(result.blocks)
    print(f"{variant.path}: {variant.slug} ({variant.lang}), {len(properties)} properties, {sum(counts.values())} blocks")
    for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d} {kind}")
    if result.report:
        print(f"{len(result.report)} degradation(s):")
        for d in result.report:
            print(f"  {variant.path}:{d.line}: {d.construct}: {d.message}")
    else:
        print("no degradations: the blocks represent the Markdown exactly")
    return ExitStatus.SUCCESS
