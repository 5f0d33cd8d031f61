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
from ..errors import BotError, ContentError, ExitStatus
from . import editor, local, publish, schedule
from .common import configure_logging, stderr

COMMAND_GROUPS = (publish, local, editor, schedule)  # the order `bot --help` lists them in


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bot", description="Publish the weekly Markdown newsletter into Notion (or the embedded local workspace when NOTION_TOKEN is unset).")
    parser.add_argument("--version", action="version", version=f"bot {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for group in COMMAND_GROUPS:
        group.register(sub)
    return parser


def _json_error(args, exc: BotError, problems: list[dict] | None = None) -> None:
    """With --json, scripts get the failure as data on stdout too (the message stays on stderr)."""
    if getattr(args, "json", False):
        error = {"type": type(exc).__name__, "message": str(exc), "exit_code": int(exc.exit_code), "hint": getattr(exc, "hint", None)}
        if problems is not None:
            error["problems"] = problems
        print(json.dumps({"error": error}, ensure_ascii=False, indent=2))


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return ExitStatus.ERROR
    configure_logging(args)
    try:
        return int(args.func(args) or ExitStatus.SUCCESS)
    except ContentError as exc:
        for problem in exc.problems:
            stderr(f"{problem}")
        stderr(f"error: {len(exc.problems)} problem(s) in content; nothing was published")
        _json_error(args, exc, [p.to_dict() for p in exc.problems])
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
