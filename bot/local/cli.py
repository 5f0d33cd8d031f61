"""`bot local serve` and `bot local reset`, registered into the main CLI."""

from __future__ import annotations

import argparse
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

DB_NAME = "local-notion.sqlite3"


def _db_path(settings: Any) -> Path:
    return Path(settings.state_dir) / DB_NAME


def _token(settings: Any) -> str:
    return getattr(settings, "bot_local_token", None) or "local-bot-token"


def cmd_serve(args: argparse.Namespace, get_settings: Callable[[], Any]) -> int:
    from .faults import FaultPlan
    from .server import serve
    from .workspace import LocalWorkspace

    settings = get_settings()
    spec = args.faults if args.faults is not None else (getattr(settings, "bot_local_faults", None) or os.environ.get("BOT_LOCAL_FAULTS"))
    try:
        plan = FaultPlan.from_spec(spec)
    except (ValueError, TypeError) as exc:
        print(f"error: invalid fault spec: {exc}", file=sys.stderr)
        return 1
    public = f"http://{args.host}:{args.port}"
    ws = LocalWorkspace(_db_path(settings), public_base_url=public, bot_token=_token(settings))
    ws.faults = plan
    from ..editor.preview import render_live_page

    handle = serve(ws, args.host, args.port, page_renderer=render_live_page)
    if args.port == 0:
        ws.public_base_url = handle.url
    print(f"Local Notion workspace: {handle.url}  (data: {_db_path(settings)})", file=sys.stderr)
    print(f"Use base_url={handle.url} with token: {ws.bot_token}", file=sys.stderr)
    database_id = _blog_database(ws, settings)
    if database_id:
        print("Publish to it through the real-Notion code path with:", file=sys.stderr)
        print(f"  NOTION_TOKEN={ws.bot_token} NOTION_BASE_URL={handle.url} NOTION_DATABASE_ID={database_id} bot publish --week W22", file=sys.stderr)
    if plan:
        print(f"Fault plan: {plan.to_spec()}", file=sys.stderr)
    print("Press Ctrl-C to stop.", file=sys.stderr)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        print("stopping", file=sys.stderr)
    finally:
        handle.shutdown()
        ws.close()
    return 0


def _blog_database(ws, settings) -> str | None:
    """The blog database from the mapping (created on first use), so the served workspace is
    ready for `bot publish` with NOTION_BASE_URL pointing at it."""
    try:
        from ..mapping import load_mapping

        mapping = load_mapping(settings.bot_mapping)
    except Exception as exc:  # serving does not need a mapping
        print(f"note: no blog database created ({exc})", file=sys.stderr)
        return None
    return ws.ensure_database(mapping.database_title, mapping.database_schema())[0]


def cmd_reset(args: argparse.Namespace, get_settings: Callable[[], Any]) -> int:
    from .workspace import LocalWorkspace

    settings = get_settings()
    path = _db_path(settings)
    if not path.exists():
        print(f"nothing to reset: {path} does not exist", file=sys.stderr)
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            print("refusing to reset without --yes (stdin is not a terminal)", file=sys.stderr)
            return 1
        answer = input(f"Delete everything in the local workspace {path}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("aborted", file=sys.stderr)
            return 1
    ws = LocalWorkspace(path, bot_token=_token(settings))
    ws.reset()
    ws.close()
    print(f"reset {path}", file=sys.stderr)
    return 0


def register(subparsers: Any, get_settings: Callable[[], Any]) -> None:
    s = subparsers.add_parser("serve", help="serve the local workspace over HTTP (Notion's REST API on 127.0.0.1)",
                              description="Serve the embedded local workspace as a Notion-compatible HTTP API until Ctrl-C.")
    s.add_argument("--host", default="127.0.0.1")
    s.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    s.add_argument("--faults", default=None, help="fault plan (JSON or compact form); default: $BOT_LOCAL_FAULTS")
    s.set_defaults(func=lambda args: cmd_serve(args, get_settings))

    r = subparsers.add_parser("reset", help="delete everything in the local workspace")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    r.set_defaults(func=lambda args: cmd_reset(args, get_settings))
