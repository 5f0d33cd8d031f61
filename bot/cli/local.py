"""`bot local show|serve|reset`: the embedded local Notion workspace."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Any

from ..errors import BotError, ExitStatus
from .common import StopSignals, load_settings, stderr


def _db_path(settings: Any) -> Path:
    from ..state import state_dir

    return state_dir(settings.state_dir).local_workspace


def _token(settings: Any) -> str:
    return getattr(settings, "bot_local_token", None) or "local-bot-token"


def register(sub) -> None:
    local = sub.add_parser("local", help="the embedded local Notion workspace (used when NOTION_TOKEN is unset)")
    local_sub = local.add_subparsers(dest="local_command", metavar="LOCAL_COMMAND")
    show = local_sub.add_parser("show", help="print a page's properties and body (Markdown) from the workspace")
    show.add_argument("slug")
    show.add_argument("--json", action="store_true", help="the page and its blocks as the API returns them")
    show.add_argument(
        "--format", choices=["md", "json"], default=None, help=argparse.SUPPRESS
    )  # deprecated alias of --json
    show.set_defaults(func=cmd_show)

    s = local_sub.add_parser(
        "serve",
        help="serve the local workspace over HTTP (Notion's REST API on 127.0.0.1)",
        description="Serve the embedded local workspace as a Notion-compatible HTTP API until Ctrl-C.",
    )
    s.add_argument(
        "--host",
        default="127.0.0.1",
        help="address to listen on (default 127.0.0.1; anything else exposes the workspace to the network — never do that)",
    )
    s.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    s.add_argument("--faults", default=None, help="fault plan (JSON or compact form); default: $BOT_LOCAL_FAULTS")
    s.add_argument(
        "--rate-limit",
        default=None,
        metavar="N/SECONDS|off",
        help="answer 429 past N requests per SECONDS per token, as Notion does: 180/60 (most plans), "
        "600/60 (Business), off; default: $BOT_LOCAL_RATE_LIMIT or 180/60",
    )
    s.add_argument(
        "--idle-timeout",
        type=float,
        default=30.0,
        metavar="SECONDS",
        help="close a connection silent this long; a request left half-sent gets 408 (default 30)",
    )
    s.add_argument(
        "--request-timeout",
        type=float,
        default=None,
        metavar="SECONDS",
        help="answer 408 to a request whose line, headers and body are not all in this long after its "
        "first byte, however steadily it trickles (default 60, or the idle timeout if longer)",
    )
    s.add_argument(
        "--retry-after",
        type=int,
        default=None,
        metavar="SECONDS",
        help="answer every 429 with this Retry-After (e.g. 1) instead of the time until a slot frees, "
        "as a strict Notion may while its window stays full",
    )
    s.set_defaults(func=cmd_serve)

    user = local_sub.add_parser("user", help="people in the local workspace (to try editor drift without Python)")
    user_sub = user.add_subparsers(dest="user_command", metavar="USER_COMMAND")
    add = user_sub.add_parser("add", help="add a person and print their API token (edits made with it show their name)")
    add.add_argument("name")
    add.add_argument("--email", default=None, help="their e-mail address (default: made up from the name)")
    add.set_defaults(func=cmd_user_add)
    user.set_defaults(func=lambda args: (user.print_help(sys.stderr), ExitStatus.USAGE)[1])

    d = local_sub.add_parser(
        "databases",
        help="create the database each series publishes into (with its mapping's columns) and print its setting",
        description="Create, or find by title and complete with missing columns, the database of every series "
        "(a series with its own database gets a second one) and print the settings that point at them, one per "
        "line: NOTION_DATABASE_ID=… for the shared blog database, NOTION_DATABASE_ID_<NAME>=… for a series' own. "
        "For `bot local serve` and the real-Notion code path; the embedded workspace needs none of it.",
    )
    from .common import add_series_flag

    add_series_flag(d)
    d.set_defaults(func=cmd_databases)

    r = local_sub.add_parser("reset", help="delete everything in the local workspace")
    r.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    r.set_defaults(func=cmd_reset)
    local.set_defaults(func=lambda args: (local.print_help(sys.stderr), ExitStatus.USAGE)[1])


def cmd_show(args) -> int:
    from ..bilingual import LANGS
    from ..convert import blocks_to_markdown
    from ..session import open_session

    settings = load_settings()
    if not settings.uses_local_workspace:
        stderr("note: NOTION_TOKEN is set, showing the page from Notion")
    root = open_session(settings)
    try:
        session = _session_of_slug(root, settings, args.slug)
        lang = next((lang for lang in LANGS if f"-{lang}-" in args.slug), "en")
        target = session.target(lang)
        key = session.mapping.key_property
        pages = session.api.find_pages(
            target.data_source_id, key.property, key.type, args.slug, session.listed_properties(lang)
        )
        if not pages:
            raise BotError(f"no page with slug {args.slug!r} in the workspace (publish it first)")
        page = pages[0]
        blocks = session.api.read_tree(page["id"])
        editors = _editor_names(session.api, blocks)
    finally:
        root.close()
    if args.format is not None:
        stderr("note: --format is deprecated: use --json (or nothing, for Markdown)")
    if args.json or args.format == "json":
        print(json.dumps({"page": page, "blocks": blocks}, ensure_ascii=False, indent=2))
        return ExitStatus.SUCCESS
    print(f"# page {page['id']}  {page.get('url', '')}")
    icon = (page.get("icon") or {}).get("emoji")
    if icon:
        print(f"icon: {icon}")
    for name, value in page.get("properties", {}).items():
        kind = value.get("type")
        print(f"{name}: {_shown(kind, value, settings.zone) if kind else value}")
    print()
    print(blocks_to_markdown(blocks))
    _print_editors(blocks, editors)
    return ExitStatus.SUCCESS


def _session_of_slug(session, settings, slug: str):
    """The session as the slug's series sees it (its own database, when it has one)."""
    from ..editor.pull import SLUG_PARTS
    from ..series_registry import load_registry, session_for

    parts = SLUG_PARTS.match(slug)
    registry = load_registry(settings)
    found = registry.get(parts["series"]) if parts and not registry.single else None
    return session_for(session, found) if found is not None else session


def series_databases(ws, settings, names=None) -> list[tuple[str, str, str]]:
    """(setting, database id, series) of every chosen series' database in the local workspace,
    created (or completed with the columns its mapping needs) on the way; setting "" for a
    mapping that names its database by id."""
    from ..series_registry import load_registry

    registry = load_registry(settings)
    registry.check_databases()
    out = []
    for unit_path, series in registry.units(registry.select(names)):
        mapping = registry.get(series[0]).mapping
        database_id = ws.ensure_database(mapping.database_title, mapping.database_schema())[0]
        own = mapping.database
        setting = "NOTION_DATABASE_ID" if own is None else (own.env or "")
        out.extend((setting, database_id, name) for name in series)
    return out


def cmd_databases(args) -> int:
    from ..session import open_local_workspace
    from .common import requested_series

    settings = load_settings()
    ws = open_local_workspace(_db_path(settings), bot_token=_token(settings))
    try:
        found = series_databases(ws, settings, requested_series(args))
    finally:
        ws.close()
    printed = set()
    for setting, database_id, name in found:
        if not setting:
            stderr(f"note: {name}: its mapping names its database by id; use database.env to point it at {database_id}")
        elif setting not in printed:
            printed.add(setting)
            print(f"{setting}={database_id}")
        stderr(f"{name}: database {database_id}")
    return ExitStatus.SUCCESS


def _shown(kind: str, value: dict, zone) -> str:
    """A property as an editor reads it: whole text, dates in BOT_TIMEZONE (Notion stores UTC)."""
    from datetime import datetime

    from ..properties import display_value, normalize_value

    if kind == "date" and value.get("date"):
        moments = [value["date"].get(k) for k in ("start", "end")]
        local = [
            datetime.fromisoformat(m).astimezone(zone).strftime("%Y-%m-%d %H:%M") if m and "T" in m else m
            for m in moments
        ]
        return local[0] + (f" → {local[1]}" if local[1] else "") + f" ({zone.key})"
    return display_value(kind, normalize_value(kind, value.get(kind)), width=None)


def _walk(blocks: list[dict], depth: int = 0):
    for block in blocks:
        yield depth, block
        yield from _walk((block.get(block.get("type"), {}) or {}).get("children") or [], depth + 1)


def _editor_names(api, blocks: list[dict]) -> dict[str, str]:
    """User id -> name for everyone who last edited a block (one request per person)."""
    from ..notion import NotionError

    names: dict[str, str] = {}
    for _, block in _walk(blocks):
        uid = (block.get("last_edited_by") or {}).get("id")
        if uid and uid not in names:
            try:
                names[uid] = api.request("GET", f"users/{uid}").get("name") or uid
            except NotionError:
                names[uid] = uid
    return names


def _print_editors(blocks: list[dict], names: dict[str, str]) -> None:
    """Who last edited each block, one line per block, indented like the tree."""
    print("## last edited by")
    for depth, block in _walk(blocks):
        uid = (block.get("last_edited_by") or {}).get("id")
        print(f"{'  ' * depth}- {block.get('type')}: {names.get(uid, uid or '?')}")


def cmd_serve(args: argparse.Namespace) -> int:
    from ..editor.preview import render_live_page
    from ..local import FaultPlan, serve
    from ..session import open_local_workspace

    settings = load_settings()
    spec = (
        args.faults
        if args.faults is not None
        else (getattr(settings, "bot_local_faults", None) or os.environ.get("BOT_LOCAL_FAULTS"))
    )
    try:
        plan = FaultPlan.from_spec(spec)
    except (ValueError, TypeError) as exc:
        raise BotError(f"invalid fault spec: {exc}") from None
    limit = _rate_limit(args.rate_limit, settings)
    if not args.idle_timeout > 0:
        raise BotError(f"--idle-timeout must be a positive number of seconds, got {args.idle_timeout:g}")
    if args.request_timeout is not None and not args.request_timeout > 0:
        raise BotError(f"--request-timeout must be a positive number of seconds, got {args.request_timeout:g}")
    if limit is not None and args.retry_after is not None:
        if args.retry_after < 1:
            raise BotError("--retry-after: expected whole seconds, at least 1")
        limit.retry_after = args.retry_after
    public = f"http://{args.host}:{args.port}"
    ws = open_local_workspace(_db_path(settings), public_base_url=public, bot_token=_token(settings), rate_limit=limit)
    ws.faults = plan
    warn_if_exposed(args.host, ws.bot_token)
    from .links import forget_serving, record_serving

    with StopSignals() as stop:  # before the URL is printed: a client may signal once it reads it
        try:
            handle = serve(
                ws,
                args.host,
                args.port,
                page_renderer=render_live_page,
                idle_timeout=args.idle_timeout,
                request_timeout=args.request_timeout,
            )
        except OSError as exc:
            ws.close()
            error = BotError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}")
            error.hint = "pick another port with --port (0 = any free port), or stop the process using it"
            raise error from None
        if args.port == 0:
            ws.public_base_url = handle.url
        record_serving(settings.state_dir, handle.url)  # links printed by other commands point here
        try:
            _announce(handle, ws, plan, limit, settings)
            name = stop.wait()
        finally:
            forget_serving(settings.state_dir)
            handle.shutdown()
            ws.close()
    stderr(f"{name}: stopped serving {handle.url}")
    return ExitStatus.SUCCESS


def _announce(handle, ws, plan, limit, settings) -> None:
    print(f"Local Notion workspace: {handle.url}  (data: {_db_path(settings)})", file=sys.stderr)
    print(f"Use base_url={handle.url} with token: {ws.bot_token}", file=sys.stderr)
    settings_line = _database_settings(ws, settings)
    if settings_line:
        print("Publish to it through the real-Notion code path with:", file=sys.stderr)
        print(
            f"  NOTION_TOKEN={ws.bot_token} NOTION_BASE_URL={handle.url} {settings_line} bot publish --week W22",
            file=sys.stderr,
        )
    if plan:
        print(f"Fault plan: {plan.to_spec()}", file=sys.stderr)
    said = (
        f"{limit.requests} requests per {limit.window_s:g} s per token"
        + (f", Retry-After always {limit.retry_after} s" if limit.retry_after else "")
        if limit
        else "off"
    )
    print(f"Rate limit: {said}", file=sys.stderr)
    print("Press Ctrl-C to stop (or send SIGTERM).", file=sys.stderr, flush=True)


def _rate_limit(flag: str | None, settings: Any):
    """--rate-limit wins over BOT_LOCAL_RATE_LIMIT; same forms ("180/60", "600/60", "off")."""
    from ..local import RateLimit
    from ..settings import parse_local_rate_limit

    if flag is None:
        return RateLimit.of(settings.local_rate_limit)
    try:
        return RateLimit.of(parse_local_rate_limit(flag))
    except ValueError as exc:
        raise BotError(f"--rate-limit: {exc}") from None


def cmd_user_add(args: argparse.Namespace) -> int:
    """A human principal: its token makes edits that carry its name (drift shows who edited)."""
    import secrets

    from ..session import open_local_workspace

    settings = load_settings()
    name = args.name.strip()
    if not name:
        raise BotError('a user needs a name, e.g. bot local user add "Alice Editor"')
    path = _db_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    ws = open_local_workspace(path, bot_token=_token(settings))
    try:
        token = f"local-user-{secrets.token_hex(12)}"
        user_id = ws.add_user(name, token, email=args.email)
    finally:
        ws.close()
    print(token)
    print(
        f"added {name} ({user_id}) to {path}; use the token above as a Notion token, e.g. "
        f"NOTION_TOKEN=<token> NOTION_BASE_URL=<bot local serve URL>",
        file=sys.stderr,
    )
    return ExitStatus.SUCCESS


def warn_if_exposed(host: str, token: str) -> None:
    """A non-loopback --host puts the workspace on the network: say plainly what that means."""
    from ..local.server import is_loopback

    if is_loopback(host):
        return
    default = " — the documented default token" if token == "local-bot-token" else ""
    for line in (
        f"WARNING: --host {host} exposes this workspace to every machine that can reach this one.",
        f"WARNING: its API answers anyone holding the bearer token{default}; /p/<id> pages and /files/<id> need no token at all.",
        "WARNING: it is a test double with no TLS and no users: serve it on 127.0.0.1 (the default) and never expose it.",
    ):
        print(line, file=sys.stderr, flush=True)


def _database_settings(ws, settings) -> str | None:
    """The databases of every series (created on first use), as the settings that point at
    them, so the served workspace is ready for `bot publish` with NOTION_BASE_URL pointing at it."""
    try:
        found = series_databases(ws, settings)
    except Exception as exc:  # serving does not need a mapping
        print(f"note: no blog database created ({exc})", file=sys.stderr)
        return None
    return " ".join(dict.fromkeys(f"{setting}={database_id}" for setting, database_id, _ in found if setting))


def cmd_reset(args: argparse.Namespace) -> int:
    from ..errors import StateShapeError
    from ..session import DamagedWorkspaceError, open_local_workspace

    from ..state import state_dir

    settings = load_settings()
    state_dir(settings.state_dir).check()  # a file where the folder belongs: named with its fix, not "nothing to reset"
    path = _db_path(settings)
    if not os.path.lexists(path):
        print(f"nothing to reset: {path} does not exist", file=sys.stderr)
        return ExitStatus.SUCCESS
    if not args.yes:
        if not sys.stdin.isatty():
            print("refusing to reset without --yes (stdin is not a terminal)", file=sys.stderr)
            return ExitStatus.ERROR
        answer = input(f"Delete everything in the local workspace {path}? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("aborted", file=sys.stderr)
            return ExitStatus.ERROR
    try:
        ws = open_local_workspace(path, bot_token=_token(settings))
    except (DamagedWorkspaceError, StateShapeError) as exc:
        # The documented recovery must work on whatever is there — a damaged file, a
        # directory, a symlink: remove it and its journal (the names in the state dir only).
        for damaged in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            _remove_any(damaged)
        print(f"{exc}: removed it", file=sys.stderr)
    else:
        ws.reset()
        ws.close()
    print(f"reset {path}", file=sys.stderr)
    return ExitStatus.SUCCESS


def _remove_any(path: Path) -> None:
    """Remove `path` whatever its shape; a symlink is removed itself, never what it points at."""
    import shutil

    try:
        if path.is_symlink() or not path.is_dir():
            path.unlink(missing_ok=True)
        else:
            shutil.rmtree(path)
    except OSError as exc:
        raise BotError(f"cannot remove {path}: {exc.strerror or exc}; remove it by hand") from None
