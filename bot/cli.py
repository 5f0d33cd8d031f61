"""Command line: `bot publish`, `bot convert`, `bot local …`.

Data goes to stdout (a summary, or JSON with --json); logs and progress go to stderr.
Exit codes: 0 success, 1 error, 2 changes pending (with --detailed-exitcode), 3 another run holds the lock.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

from . import __version__
from .errors import BotError, ContentError

log = logging.getLogger("bot")


def _settings():
    from .settings import load_settings

    return load_settings()


def _stderr(message: str) -> None:
    print(message, file=sys.stderr)


def _setup_logging(args) -> None:
    """Logs to stderr with the token redacted; -v request lines, -vv HTTP details."""
    from .progress import configure_logging

    configure_logging(getattr(args, "verbose", 0), getattr(args, "quiet", False))


# --------------------------------------------------------------------------- publish
def select_variants(settings, args):
    from .source import LANGS, read_all, select_week

    variants = read_all(settings.bot_content_dir)
    if getattr(args, "all", False):
        chosen = variants
    elif getattr(args, "week", None):
        chosen = select_week(variants, args.week)
    else:
        raise BotError("say which content to publish: --week W22 (or 2026-W22), or --all")
    if getattr(args, "lang", None):
        chosen = [v for v in chosen if v.lang == args.lang]
        if not chosen:
            raise BotError(f"no '{args.lang}' variant in the selection")
    return variants, sorted(chosen, key=lambda v: (v.week, LANGS.index(v.lang)))


def cmd_publish(args) -> int:
    from .lock import publish_lock
    from .publish import PublishOptions, Publisher, group_by_week
    from .render import plan_text, summary_text
    from .editor import preflight
    from .editor_cli import with_diagnostics
    from .progress import Progress, configure_logging, settings_secrets
    from .schedule.ledger import record_run
    from .session import open_session

    settings = _settings()
    configure_logging(args.verbose, args.quiet, settings_secrets(settings))
    all_variants, chosen = with_diagnostics(settings, lambda: select_variants(settings, args))
    preflight(settings, chosen, strict=args.strict)  # nothing is written when content is invalid
    options = PublishOptions(dry_run=args.dry_run, on_drift=args.on_drift, strict=args.strict)
    session = open_session(settings, announce=None if args.quiet else _stderr)
    results = []
    note = ("--all" if args.all else f"--week {args.week}") + (f" --lang {args.lang}" if args.lang else "")
    # Real runs go into the run ledger (`bot runs`), including lock-busy and interrupted ones.
    recording = _nullcontext() if args.dry_run else record_run(settings.state_dir, "manual", note=note)
    try:
        with recording as run:
            if run:
                run.attach(session)
            lock = publish_lock(settings.state_dir, settings.bot_lock_wait) if not args.dry_run else _nullcontext()
            with lock, Progress(total=len(chosen), quiet=args.quiet, description="publishing") as progress:
                publisher = Publisher(session, all_variants, options, progress=progress.note, advance=progress.advance)
                # Every week is planned before anything is written (drift or duplicate pages
                # anywhere stop the whole run); then the weeks are applied one by one.
                results = publisher.publish_groups(group_by_week(chosen))
                if run:
                    run.add_results(results)
        for warning in session.warnings:
            _stderr(f"warning: {warning}")
    finally:
        session.close()
    stats = session.api.stats.to_dict()
    if args.json:
        payload = {"dry_run": args.dry_run, "variants": [r.to_dict() for r in results], "requests": stats}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.dry_run:
        print(plan_text(results, color=sys.stdout.isatty()))
    else:
        print(summary_text(results))
        print(f"Requests: {stats['reads']} reads, {stats['writes']} writes, {stats['retries']} retries.")
    pending = any(r.plan.action != "unchanged" or r.plan.drift for r in results)
    return 2 if args.detailed_exitcode and args.dry_run and pending else 0


class _nullcontext:
    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False


# --------------------------------------------------------------------------- convert
def cmd_convert(args) -> int:
    from .convert import ConvertOptions, convert_markdown
    from .mapping import load_mapping
    from .properties import desired_icon, desired_properties
    from .source import read_variant

    settings = _settings()
    variant = read_variant(Path(args.file))
    mapping = load_mapping(settings.bot_mapping)
    result = convert_markdown(variant.body, ConvertOptions(line_offset=variant.body_line - 1, base_dir=variant.path.parent))
    properties = desired_properties(variant, mapping, settings.zone)
    if args.json:
        print(json.dumps({"properties": properties, "icon": desired_icon(variant, mapping), "children": result.blocks, "report": [d.to_dict() for d in result.report]}, ensure_ascii=False, indent=2))
        return 0
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
    return 0


# --------------------------------------------------------------------------- local show
def cmd_local_show(args) -> int:
    from .convert import blocks_to_markdown
    from .mapping import load_mapping
    from .properties import display_value, normalize_value
    from .session import open_session

    settings = _settings()
    if not settings.uses_local_workspace:
        _stderr("note: NOTION_TOKEN is set, showing the page from Notion")
    session = open_session(settings)
    try:
        mapping = session.mapping
        lang = "zh" if "-zh-" in args.slug else "en"
        target = session.target(lang)
        key = mapping.key_property
        pages = session.api.find_pages(target.data_source_id, key.property, key.type, args.slug)
        if not pages:
            raise BotError(f"no page with slug {args.slug!r} in the workspace (publish it first)")
        page = pages[0]
        blocks = session.api.read_tree(page["id"])
    finally:
        session.close()
    if args.format == "json":
        print(json.dumps({"page": page, "blocks": blocks}, ensure_ascii=False, indent=2))
        return 0
    print(f"# page {page['id']}  {page.get('url', '')}")
    icon = (page.get("icon") or {}).get("emoji")
    if icon:
        print(f"icon: {icon}")
    for name, value in page.get("properties", {}).items():
        kind = value.get("type")
        print(f"{name}: {display_value(kind, normalize_value(kind, value.get(kind))) if kind else value}")
    print()
    print(blocks_to_markdown(blocks))
    return 0


# --------------------------------------------------------------------------- parser
def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="Publish the weekly Markdown newsletter into Notion (or the embedded local workspace when NOTION_TOKEN is unset).")
    parser.add_argument("--version", action="version", version=f"bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("publish", help="create or update the pages of a week (upsert by slug)", description="Create or update the Notion pages of a week: only what differs is written; a second run writes nothing.")
    p.add_argument("--week", help="W22 or 2026-W22 (the year is inferred when only one year has that week)")
    p.add_argument("--all", action="store_true", help="every week in the content directory")
    p.add_argument("--lang", choices=["en", "zh"], help="only this language variant (default: both)")
    p.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    p.add_argument("--detailed-exitcode", action="store_true", help="with --dry-run: exit 0 when nothing would change, 2 when changes are pending, 1 on error")
    p.add_argument("--on-drift", choices=["fail", "skip", "overwrite"], default="fail", help="when a page was edited in Notion since the bot last wrote it (default: fail)")
    p.add_argument("--strict", action="store_true", help="treat any conversion degradation as an error")
    p.add_argument("--json", action="store_true", help="machine-readable output on stdout")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress on stderr")
    p.add_argument("-v", "--verbose", action="count", default=0, help="request-level logs on stderr (-vv for more); the token is never logged")
    p.set_defaults(func=cmd_publish)

    c = sub.add_parser("convert", help="show the Notion payload for a content file", description="Convert a content file to the Notion payload the bot would send.")
    c.add_argument("file")
    c.add_argument("--json", action="store_true", help='print {"properties", "icon", "children", "report"}')
    c.set_defaults(func=cmd_convert)

    local = sub.add_parser("local", help="the embedded local Notion workspace (used when NOTION_TOKEN is unset)")
    local_sub = local.add_subparsers(dest="local_command", metavar="LOCAL_COMMAND")
    show = local_sub.add_parser("show", help="print a page's properties and body (Markdown) from the workspace")
    show.add_argument("slug")
    show.add_argument("--format", choices=["md", "json"], default="md")
    show.set_defaults(func=cmd_local_show)
    try:
        from .local.cli import register as register_local
    except ImportError:  # pragma: no cover - the local package is part of the bot
        register_local = None
    if register_local:
        register_local(local_sub, _settings)
    local.set_defaults(func=lambda args: (local.print_help(), 1)[1])

    for extra in ("bot.editor_cli", "bot.schedule_cli"):
        try:
            module = __import__(extra, fromlist=["register"])
        except ImportError:
            continue
        module.register(sub, _settings)
    return parser


def _json_error(args, exc: BotError, problems: list[dict] | None = None) -> None:
    """With --json, scripts get the failure as data on stdout too (the message stays on stderr)."""
    if getattr(args, "json", False):
        error = {"type": type(exc).__name__, "message": str(exc), "exit_code": exc.exit_code, "hint": getattr(exc, "hint", None)}
        if problems is not None:
            error["problems"] = problems
        print(json.dumps({"error": error}, ensure_ascii=False, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 1
    _setup_logging(args)
    try:
        return int(args.func(args) or 0)
    except ContentError as exc:
        for problem in exc.problems:
            _stderr(f"{problem}")
        _stderr(f"error: {len(exc.problems)} problem(s) in content; nothing was published")
        _json_error(args, exc, [p.to_dict() for p in exc.problems])
        return exc.exit_code
    except BotError as exc:
        _stderr(f"error: {exc}")
        if getattr(exc, "hint", None):
            _stderr(f"hint: {exc.hint}")
        _json_error(args, exc)
        return exc.exit_code
    except KeyboardInterrupt:
        _stderr("interrupted")
        return 130
    except BrokenPipeError:  # stdout closed early (e.g. `| head`): not an error of ours
        sys.stderr.close()
        return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
