"""The command line: `bot COMMAND …`.

One module per command group registers its subcommands (publish, editor, schedule, local);
flags shared between them are declared once in `common`. Data goes to stdout (a summary, or
JSON with --json); logs and progress go to stderr. Every failure is a `BotError` mapped to an
`ExitStatus` here; no traceback reaches the user.
"""

from __future__ import annotations

import argparse
import json
import sys

from .. import __version__
from ..errors import BotError, ContentError, ExitStatus, UsageError
from . import editor, local, publish, schedule
from .common import configure_logging
from .common import stderr as _stderr
from .usage import BotArgumentParser, selected_parser

COMMAND_GROUPS = (publish, local, editor, schedule)  # the order `bot --help` lists them in
# Command -> the group that registers it. A command line naming one builds only that group's
# parsers: argparse makes every subparser with a dozen gettext look-ups on disk, and all of
# them cost more than the rest of `bot convert`'s own start-up work. (A name not here builds
# them all, so a missing entry only costs time; tests check the table.)
COMMAND_GROUP = {
    "publish": publish,
    "convert": publish,
    "local": local,
    "validate": editor,
    "pull": editor,
    "preview": editor,
    "schedule": schedule,
    "run-due": schedule,
    "runs": schedule,
    "status": schedule,
}
# Commands whose group is costly to build and that register alone: `bot convert` builds its own
# parser, not publish's dozen flags too (~0.3 ms of its per-call cost on every document).
COMMAND_REGISTER = {"convert": publish.register_convert, "publish": publish.register_publish}
CONTENT_ERROR_OUTCOME = {
    "publish": "nothing was published",
    "run-due": "nothing was published",
    "preview": "no preview was written",
}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The whole command line, or (`command` given) the parsers of the group registering it."""
    parser = BotArgumentParser(
        prog="bot",
        description="Publish the weekly Markdown newsletter into Notion (or the embedded local workspace when NOTION_TOKEN is unset).",
    )
    parser.add_argument("--version", action="version", version=f"bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    if command in COMMAND_REGISTER:
        COMMAND_REGISTER[command](sub)
    else:
        for group in (COMMAND_GROUP[command],) if command in COMMAND_GROUP else COMMAND_GROUPS:
            group.register(sub)
    return parser


def stderr(message: str) -> None:
    """Every error line passes redaction: exception text may quote a header or a setting."""
    from ..progress import scrub

    _stderr(scrub(message))


def _json_error(args, exc: BotError, problems: list[dict] | None = None) -> None:
    """With --json, scripts get the failure as data on stdout too (the message stays on stderr)."""
    from ..progress import scrub

    if getattr(args, "json", False):
        error = {
            "type": type(exc).__name__,
            "message": str(exc),
            "exit_code": int(exc.exit_code),
            "hint": getattr(exc, "hint", None),
        }
        if problems is not None:
            error["problems"] = problems
        if isinstance(exc, UsageError) and exc.usage:
            error["usage"] = exc.usage.strip()
        # what the command had planned (or done) before it failed, e.g. the per-page plan on drift
        try:
            print(scrub(json.dumps({"error": error, **getattr(exc, "payload", {})}, ensure_ascii=False, indent=2)))
        except BrokenPipeError:  # `… --json | head`: the reader left; the message is on stderr
            pass


def parse(parser: argparse.ArgumentParser, argv: list[str] | None) -> argparse.Namespace:
    """Parse, reporting unknown arguments against the subcommand they were given to."""
    args, extras = parser.parse_known_args(argv)
    if extras:
        raise selected_parser(parser, args).unrecognized(extras)
    return args


def wants_json(argv: list[str]) -> bool:
    """Whether a command line that failed to parse asked for --json (flags are never
    abbreviated, so the exact word is the only spelling; after `--` it is an operand)."""
    words = argv[: argv.index("--")] if "--" in argv else argv
    return "--json" in words


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(argv[0] if argv else None)
    try:
        args = parse(parser, argv)
    except UsageError as exc:
        stderr(exc.usage.rstrip())
        stderr(f"error: {exc}" + (f" — {exc.hint}" if exc.hint else ""))
        _json_error(argparse.Namespace(json=wants_json(argv)), exc)
        return int(exc.exit_code)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return ExitStatus.USAGE
    configure_logging(args)
    try:
        return int(args.func(args) or ExitStatus.SUCCESS)
    except ContentError as exc:
        for problem in exc.problems:
            stderr(f"{problem}")
        stderr(
            f"error: {len(exc.problems)} problem(s) in content; {CONTENT_ERROR_OUTCOME.get(args.command, 'fix them and run the command again')}"
        )
        _json_error(args, exc, [p.to_dict() for p in exc.problems])
        return int(exc.exit_code)
    except UsageError as exc:  # found by the command (e.g. no --week): nothing was run either
        exc.usage = exc.usage or selected_parser(parser, args).format_usage()
        stderr(exc.usage.rstrip())
        stderr(f"error: {exc}" + (f" — {exc.hint}" if exc.hint else ""))
        _json_error(args, exc)
        return int(exc.exit_code)
    except BotError as exc:
        stderr(f"error: {exc}")
        if getattr(exc, "hint", None):
            stderr(f"hint: {exc.hint}")
        _json_error(args, exc)
        return int(exc.exit_code)
    except KeyboardInterrupt:
        stderr("interrupted")
        return ExitStatus.INTERRUPTED
    except BrokenPipeError:  # stdout closed early (e.g. `| head`): not an error of ours
        sys.stderr.close()
        return ExitStatus.SUCCESS
    except Exception as exc:  # a bug of ours: still no traceback (and no secret) for the user
        return _internal_error(args, exc)


def _internal_error(args, exc: Exception) -> int:
    import os
    import traceback

    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    at = f" at {os.path.basename(where.filename)}:{where.lineno}" if where else ""
    error = BotError(f"internal error{at}: {type(exc).__name__}: {exc}")
    error.hint = (
        "this is a bug in the bot: please report it with the command you ran (the message above has no secrets)"
    )
    stderr(f"error: {error}")
    stderr(f"hint: {error.hint}")
    _json_error(args, error)
    return ExitStatus.ERROR
