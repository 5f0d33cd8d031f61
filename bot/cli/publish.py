"""`bot publish` and `bot convert`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from ..engine.observer import Observer
from ..errors import BotError, ExitStatus, RunInterrupted, SelectionError
from .common import (
    StopOnSignal,
    add_allow_flag,
    add_json_flag,
    add_lang_flag,
    add_on_drift_flag,
    add_output_flags,
    add_selection_flags,
    add_series_flag,
    configure_logging,
    load_settings,
    require_sources,
    requested_series,
    select_variants,
    stderr,
    with_diagnostics,
)


def register(sub) -> None:
    register_publish(sub)
    register_convert(sub)


def register_publish(sub) -> None:
    p = sub.add_parser(
        "publish",
        help="create or update the pages of a week (upsert by slug)",
        description="Create or update the Notion pages of a week: only what differs is written; a second run writes nothing. A `status: Published` variant dated in the future waits for its date (see --publish-early).",
    )
    add_selection_flags(p)
    add_lang_flag(p)
    add_series_flag(p)
    p.add_argument("--dry-run", action="store_true", help="show the plan; write nothing")
    p.add_argument(
        "--detailed-exitcode",
        action="store_true",
        help="with --dry-run: exit 0 when nothing would change, 2 when changes are pending, 1 on error",
    )
    add_on_drift_flag(p, "when a page was edited in Notion since the bot last wrote it (default: fail)")
    p.add_argument(
        "--block",
        action="append",
        default=[],
        metavar="ID",
        help="with --on-drift overwrite: overwrite only this drifted block "
        "(the id or its first characters, as the dry run shows them; repeatable); the other drifted blocks keep Notion's version",
    )
    p.add_argument("--strict", action="store_true", help="treat any conversion degradation as an error")
    add_allow_flag(p)
    p.add_argument(
        "--publish-early",
        action="store_true",
        help="also create/update `status: Published` variants whose date is still in the future (they go live at once)",
    )
    add_json_flag(p)
    add_output_flags(p)
    p.set_defaults(func=cmd_publish)


def register_convert(sub) -> None:
    c = sub.add_parser(
        "convert",
        help="show the Notion payload for a content file",
        description="Convert a content file to the Notion payload the bot would send.",
    )
    c.add_argument("file")
    add_json_flag(c, 'print {"properties", "icon", "children", "report"}')
    c.set_defaults(func=cmd_convert)


# --------------------------------------------------------------------------- publish
def cmd_publish(args) -> int:
    """With --json, every failure still gives scripts the per-page plan made before it
    (empty when the run stopped before planning, e.g. on invalid content)."""
    from .render import waiting_json

    so_far = {"planned": [], "waiting": []}
    try:
        return _publish(args, so_far)
    except BotError as exc:
        exc.payload = {
            "dry_run": args.dry_run,
            "variants": [r.to_dict() for r in so_far["planned"]],
            "waiting": waiting_json(so_far["waiting"]),
        }
        raise


def _publish(args, so_far: dict) -> int:
    from ..clock import SYSTEM_CLOCK
    from ..due_rule import waiting_until
    from ..editor import preflight
    from ..ledger.backend import publish_lock
    from ..progress import Progress
    from ..engine.publish import PublishOptions, group_by_week
    from ..engine.run import PublishRequest, StoppableClock, run_publish, stop_between_requests
    from .links import PageLinks
    from .render import early_note

    if args.block and args.on_drift != "overwrite":
        from ..errors import UsageError

        raise UsageError(
            "--block names the drifted blocks to overwrite: use it with --on-drift overwrite",
            hint=f"bot publish --week <week> --on-drift overwrite --block {args.block[0]}",
        )
    settings = load_settings()
    configure_logging(args, settings)
    all_variants, chosen = with_diagnostics(settings, lambda: select_variants(settings, args))
    # Nothing is written when content is invalid. A dry run also shows the weeks' bilingual
    # parity, outlined from the same conversion of each file (issue 27: convert once per run).
    parity: list | None = [] if args.dry_run else None
    accepted = preflight(
        settings, chosen, strict=args.strict, allow=frozenset(args.allow), known=all_variants, parity=parity
    )
    # The due rule (bot.due_rule) holds for manual runs too: a Published issue dated in the future
    # is not created or updated before its date unless --publish-early says so.
    held_back = waiting_until(chosen, SYSTEM_CLOCK.now(), settings.zone)
    waiting = so_far["waiting"] = [] if args.publish_early else held_back
    # An early publish is never silent: the plan, the summary, --json and the ledger say which
    # date was skipped.
    early = {v.slug: early_note(moment, v) for moment, v in held_back} if args.publish_early else {}
    waits = {v.slug for _, v in waiting}
    due = [v for v in chosen if v.slug not in waits]
    options = PublishOptions(dry_run=args.dry_run, on_drift=args.on_drift, strict=args.strict, blocks=tuple(args.block))
    note = (
        ("--all" if args.all else f"--week {args.week}")
        + (f" --lang {args.lang}" if args.lang else "")
        + "".join(f" --series {name}" for name in requested_series(args))
    )
    stop = StopOnSignal()
    clock = StoppableClock(SYSTEM_CLOCK, stop.event, reason="stop requested")

    def open_announced(settings, clock):
        from ..session import open_session

        return open_session(settings, clock=clock, announce=None if args.quiet else stderr)

    with Progress(total=len(due), quiet=args.quiet, description="planning") as progress, stop.installed(clock):
        # Every week is planned before anything is written (drift or duplicate pages anywhere
        # stop the whole run); then the weeks are applied one by one. Real runs go into the
        # run ledger (`bot runs`), including lock-busy and interrupted ones.
        try:
            run = run_publish(
                settings,
                PublishRequest(
                    lambda variants, rec: group_by_week(due),
                    variants=all_variants,
                    trigger=None if args.dry_run else "manual",
                    note=note,
                    lock=None if args.dry_run else (lambda: publish_lock(settings, settings.bot_lock_wait)),
                    clock=clock,
                    session_factory=open_announced,
                    details=early,
                ),
                options,
                _Watching(progress, stop_between_requests(clock), so_far["planned"]),
            )
        except RunInterrupted as exc:
            stderr(
                f"{stop.name}: stopped after the request in flight; the run is recorded as interrupted (`bot runs`); publish again to finish"
            )
            _report_interrupted(
                args, getattr(exc, "run", None), stop, waiting, early, PageLinks(settings, quiet=args.quiet)
            )
            return stop.exit_status
    return _report(args, run, waiting, accepted, parity or [], early, PageLinks(settings, quiet=args.quiet))


class _Watching(Observer):
    """What `bot publish` shows while it runs: the progress bar, the plan kept for --json
    should the run fail, ledger trouble on stderr; and no request after a stop was asked for."""

    def __init__(self, progress, on_session, planned: list):
        self.progress, self.hook, self.planned = progress, on_session, planned

    def on_session(self, session) -> None:
        self.hook(session)

    def on_warning(self, message: str) -> None:
        stderr(f"warning: {message}")

    def on_phase(self, name: str, total: int) -> None:
        self.progress.phase(name, total)

    def on_progress(self, message: str) -> None:
        self.progress.note(message)

    def on_variant_done(self, slug: str) -> None:
        self.progress.advance(slug)

    def on_planned(self, results: list) -> None:
        self.planned.extend(results)


def _report(args, run, waiting, accepted, parity, early, links) -> int:
    """The publish's result on stdout: JSON, the plan (dry run) or the summary; page links
    of the embedded workspace point where they open (bot.cli.links)."""
    from .render import color_enabled, early_json, parity_text, plan_text, summary_text, waiting_json, waiting_text

    def show(text: str = "") -> None:
        _print_without_secrets(text, links.print)

    for warning in run.warnings:
        stderr(f"warning: {warning}")
    results, stats = run.results, run.stats
    if args.json:
        payload = {
            "dry_run": args.dry_run,
            "variants": [r.to_dict() for r in results],
            "waiting": waiting_json(waiting),
            "published_early": early_json(early or {}, results),
            "degraded": [d.to_dict() for d in accepted],
            "requests": stats,
        }
        if args.dry_run:
            payload["parity"] = [f.to_dict() for f in parity]
        show(json.dumps(payload, ensure_ascii=False, indent=2))
    elif args.dry_run:
        show(plan_text(results, color=color_enabled(sys.stdout), waiting=waiting, early=early))
        _print_accepted(accepted)
        if parity:
            show(parity_text(parity))
    else:
        if results:
            show(summary_text(results, early))
        if waiting:
            show(waiting_text(waiting))
        _print_accepted(accepted)
        show(
            f"Requests: {stats.get('reads', 0)} reads, {stats.get('writes', 0)} writes, {stats.get('retries', 0)} retries."
        )
    pending = any(r.plan.action != "unchanged" or r.plan.drift for r in results)
    return ExitStatus.CHANGES_PENDING if args.detailed_exitcode and args.dry_run and pending else ExitStatus.SUCCESS


def _report_interrupted(args, run, stop, waiting, early, links) -> None:
    """A stopped publish says on stdout (and in --json) what it finished, the page it was in
    and the pages it never reached — the same as the ledger records."""
    from .render import early_json, interrupted_text, waiting_json

    def print(text: str = "") -> None:  # noqa: A001
        _print_without_secrets(text, links.print)

    finished = run.results if run else []
    current = run.steps.current if run else None
    not_started = run.steps.not_started() if run else []
    phase = run.steps.phase if run else "reading"
    if args.json:
        message = f"{stop.name}: stopped after the request in flight"
        step = lambda v, **more: {"slug": v.slug, "lang": v.lang, "week": v.week, "path": str(v.path), **more}  # noqa: E731
        print(
            json.dumps(
                {
                    "error": {
                        "type": "RunInterrupted",
                        "message": message,
                        "exit_code": stop.exit_status,
                        "hint": "publish again to finish: the next run reads Notion again and completes the pages",
                    },
                    "dry_run": args.dry_run,
                    "interrupted": True,
                    "phase": phase,
                    "variants": [r.to_dict() for r in finished],
                    "in_progress": step(current, action="interrupted") if current else None,
                    "not_started": [step(v, action="not-started") for v in not_started],
                    "waiting": waiting_json(waiting),
                    "published_early": early_json(early or {}, finished),
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        print(interrupted_text(stop.name, phase, finished, current, not_started, early))


def _print_without_secrets(text: str, out) -> None:
    """Data for stdout that quotes page content (the dry-run diff, JSON): a page holding the
    token, or 8+ characters of it, is shown with [REDACTED] there, and a warning says so."""
    from ..errors import contains_secret, without_secrets

    text = str(text)
    if contains_secret(text):
        stderr(
            "warning: page content contains the Notion token (or 8+ characters of it): shown as [REDACTED]; remove it from the page and the content"
        )
        text = without_secrets(text)
    out(text)


def _print_accepted(accepted) -> None:
    """Warnings of the rule table the converter does not list itself (e.g. a missing variant
    accepted with --allow variant, a title naming another week): published, and said so."""
    for d in accepted:
        print(f"    degraded: {d.path}:{d.line}: {d.rule}: {d.message}")


# --------------------------------------------------------------------------- convert
def _report_entries(stream):
    """The conversion report as JSON objects, written one at a time once the blocks are (a
    report complete only then; a list of its dicts at once was the peak of a 1 MB input with
    200,000 unclosed `<pre>`s: ~40 MiB)."""
    for d in stream.report:
        yield d.to_dict()


def cmd_convert(args) -> int:
    from ..convert import BlockStream, ConvertOptions
    from ..convert.md_to_blocks import gc_paused
    from ..plain_inputs import plain_mapping, plain_settings
    from ..properties import desired_icon, desired_properties
    from ..source import read_variant

    # Plainly valid settings, mapping and front matter are checked without pydantic (its import
    # and models were over half of this command's start-up); anything else goes to the models,
    # which give the same verdicts and messages as always (bot/plain_inputs.py).
    settings = plain_settings() or load_settings()
    require_sources(settings, content=False)
    path = Path(args.file)
    if not path.is_file():
        raise SelectionError(
            f"{path}: no such file (content lives under BOT_CONTENT_DIR, e.g. content/rec-weekly/2026-W22/en.md)"
        )
    from ..series_registry import load_registry

    registry = load_registry(settings)
    variant = read_variant(path, registry.aliases_for(settings.bot_content_dir)(path))
    series = registry.get(variant.front.series)
    if series is not None:
        mapping = series.quick_mapping  # read once, for the aliases above too
    else:
        mapping = plain_mapping(settings.bot_mapping)  # plainly valid: no pydantic (bot/plain_inputs.py)
        if mapping is None:
            from ..mapping import load_mapping

            mapping = load_mapping(settings.bot_mapping)
    properties = desired_properties(variant, mapping, settings.zone)
    # Blocks are written (or counted) as they are converted and then dropped: memory stays
    # near the source's size, not the payload's (~40 MiB of dicts per MB of Markdown).
    blocks = BlockStream(
        variant.body,
        ConvertOptions(
            line_offset=variant.body_line - 1,
            base_dir=variant.path.parent,
            image_roots=settings.image_roots,
            footnotes_heading=mapping.footnotes_title(variant.lang),
        ),
    )
    # The cyclic GC stays paused for the whole stream, not block by block: every block is
    # dropped once written, so nothing accumulates for it to find (and re-enabling it
    # between blocks cost a collection per block: 3-10% of the run).
    if args.json:
        from ..convert.json_output import write_json

        with gc_paused():
            write_json(
                {
                    "properties": properties,
                    "icon": desired_icon(variant, mapping),
                    "children": iter(blocks),
                    "report": _report_entries(blocks),
                }
            )
        return ExitStatus.SUCCESS
    counts: dict[str, int] = {}

    def walk(level):
        for b in level:
            counts[b["type"]] = counts.get(b["type"], 0) + 1
            walk(b[b["type"]].get("children") or [])

    with gc_paused():
        walk(blocks)
    print(
        f"{variant.path}: {variant.slug} ({variant.lang}), {len(properties)} properties, {sum(counts.values())} blocks"
    )
    for kind, n in sorted(counts.items(), key=lambda kv: -kv[1]):
        print(f"  {n:5d} {kind}")
    if blocks.report:
        print(f"{len(blocks.report)} degradation(s):")
        for d in blocks.report:
            print(f"  {variant.path}:{d.line}: {d.construct}: {d.message}")
    else:
        print("no degradations: the blocks represent the Markdown exactly")
    return ExitStatus.SUCCESS
