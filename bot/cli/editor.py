"""`bot validate`, `bot pull`, `bot preview`.

Data goes to stdout (diagnostics, written paths, JSON, HTML with `--out -`); notes, progress and
logs go to stderr. Every error says what to do next.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ..errors import (
    BotError,
    ExitStatus,
    PullTargetError,
    SelectionError,
    UsageError,
    contains_secret,
    without_secrets,
)
from .common import (
    add_allow_flag,
    add_json_flag,
    add_lang_flag,
    add_output_flags,
    add_series_flag,
    configure_logging,
    load_settings,
    require_sources,
    requested_series,
    select_variants,
    series_registry,
    stderr,
    week_arg,
    with_diagnostics,
)

EPILOG_VALIDATE = """\
output: one line per problem, `file:line:col: level: message` (level: error or warning).
exit status: 0 no errors (warnings allowed), 1 errors found, 64 usage error.
levels: one rule table for validate and publish (README → The rule table): an error here is
refused by `bot publish`; a warning is published and listed as `degraded:`.
examples:
  bot validate                                   # everything under BOT_CONTENT_DIR
  bot validate --week W22                        # one week, checked against all content
  bot validate content/rec-weekly/2026-W22/en.md # one file
  bot validate --json | jq '.diagnostics[]'
"""

EPILOG_PULL = """\
examples:
  bot pull --week W22                       # both languages into content/rec-weekly/2026-W22/
  bot pull rec-weekly-zh-2026-W22 --out -   # print one page as Markdown
  bot pull SLUG --out imported.md --force   # overwrite an existing file
  bot pull --week W22 --edited              # take only the blocks people edited in Notion into the files
Pulling a page and publishing it again writes nothing.
"""

EPILOG_PREVIEW = """\
examples:
  bot preview --week W22                     # writes .bot/preview/2026-W22.html and prints its path
  bot preview --week W22 --out week.html
  bot preview --week W22 --serve --port 8000 # http://127.0.0.1:8000/ (re-rendered on every reload)
Nothing is sent to Notion; the page shows what `bot publish` would create.
"""


def register(subparsers) -> None:
    fmt = argparse.RawDescriptionHelpFormatter

    v = subparsers.add_parser(
        "validate",
        help="check content and mapping offline (no Notion access)",
        formatter_class=fmt,
        epilog=EPILOG_VALIDATE,
        description="Check content files and the mapping without touching Notion or the local workspace: front matter, "
        "slugs, language variants, relative links and anchors, local images, code languages, Notion limits, and "
        "conversion degradations.",
    )
    v.add_argument(
        "paths", nargs="*", metavar="PATH", help="content files or directories (default: all of BOT_CONTENT_DIR)"
    )
    v.add_argument("--week", type=week_arg, help="only this week: W22 or 2026-W22 (checked against all content)")
    add_series_flag(v)
    add_json_flag(v, "machine-readable report on stdout")
    v.add_argument(
        "--strict", action="store_true", help="treat warnings (degradations) as errors, like `bot publish --strict`"
    )
    add_allow_flag(v)
    add_output_flags(v, verbose=False, quiet_help="no notes or progress on stderr")
    v.set_defaults(func=cmd_validate)

    p = subparsers.add_parser(
        "pull",
        help="write a Notion page back as a Markdown content file",
        formatter_class=fmt,
        epilog=EPILOG_PULL,
        description="Fetch pages from Notion (or the local workspace) and write them as content files: properties "
        "become front matter (dates in BOT_TIMEZONE), the body becomes Markdown. For importing existing pages.",
    )
    p.add_argument("slug", nargs="?", metavar="SLUG", help="the page's slug, e.g. rec-weekly-en-2026-W22")
    p.add_argument("--week", type=week_arg, help="pull every language of a week: W22 or 2026-W22")
    add_lang_flag(p, "only this language")
    p.add_argument(
        "--out",
        metavar="PATH",
        help="file to write (SLUG), or directory (--week); `-` prints to stdout. "
        "Default: BOT_CONTENT_DIR/<series>/<week>/<lang>.md",
    )
    p.add_argument("--force", action="store_true", help="overwrite files that exist and differ")
    p.add_argument(
        "--edited",
        action="store_true",
        help="keep Notion's version of exactly the blocks people edited in Notion: "
        "write those into the existing files, every other line stays (then `bot publish` finds no drift to fight)",
    )
    add_series_flag(
        p,
        "only pages of this series, from its database (repeatable, or a comma list; default: every series); "
        "a page whose slug is not series-lang-week is filed under the one series named (default rec-weekly)",
    )
    add_json_flag(p, "machine-readable result on stdout")
    add_output_flags(p, quiet_help="no notes or progress on stderr")
    p.set_defaults(func=cmd_pull)

    r = subparsers.add_parser(
        "preview",
        help="render a week as a standalone HTML page, as Notion would show it",
        formatter_class=fmt,
        epilog=EPILOG_PREVIEW,
        description="Render the blocks `bot publish` would send (headings, callouts, toggles, tables, code, equations, "
        "images, the language link, the properties) as one self-contained HTML page.",
    )
    r.add_argument("--week", type=week_arg, required=True, help="W22 or 2026-W22")
    add_lang_flag(r, "only this language (default: both, one after the other)")
    add_series_flag(r)
    where = r.add_mutually_exclusive_group()
    where.add_argument(
        "--out", metavar="FILE", help="write the HTML here (`-` for stdout); default .bot/preview/<week>.html"
    )
    where.add_argument("--serve", action="store_true", help="serve the preview on http://127.0.0.1:PORT/ until Ctrl-C")
    r.add_argument("--port", type=int, default=8000, help="port for --serve (default 8000; 0 picks a free one)")
    add_output_flags(r, verbose=False, quiet_help="no notes or progress on stderr")
    r.set_defaults(func=cmd_preview)


# --------------------------------------------------------------------------- validate
def cmd_validate(args) -> int:
    from ..editor.validate import validate
    from ..editor.validate_files import week_paths
    from ..plain_inputs import plain_settings

    settings = plain_settings() or load_settings()  # plainly valid: without pydantic
    paths = [Path(p) for p in args.paths]
    if args.week:
        if paths:
            raise UsageError("give PATHs or --week, not both")
        paths = week_paths(settings.bot_content_dir, args.week)
    if requested_series(args):
        if args.paths:
            raise UsageError("give PATHs or --series, not both")
        paths = _in_series(settings, series_registry(settings, args)[1], paths if args.week else None)
    require_sources(settings, content=not paths)
    result = validate(settings, paths or None, strict=args.strict, allow=frozenset(args.allow))
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False, indent=2))
    else:
        for d in result.diagnostics:
            print(d)
    if not args.quiet:
        stderr(result.summary())
        if result.errors:
            stderr(
                "fix the errors above, then run `bot validate` again; `bot publish` refuses content with errors (README → The rule table)"
            )
    return ExitStatus.ERROR if result.errors else ExitStatus.SUCCESS


def _in_series(settings, names: list[str], paths: list[Path] | None) -> list[Path]:
    """The content files of these series (of `paths` when given): their folders content/NAME/."""
    from ..source import discover

    folders = [Path(settings.bot_content_dir) / name for name in names]
    if paths is None:
        return [p for folder in folders if folder.is_dir() for p in discover(folder)] or folders
    roots = [f.resolve() for f in folders]
    return [p for p in paths if any(root in p.resolve().parents for root in roots)]


# --------------------------------------------------------------------------- pull
def cmd_pull(args) -> int:
    from ..bilingual import LANGS
    from ..editor.pull import equivalent, pull_slug, text_for
    from ..progress import Progress
    from ..session import open_session

    if bool(args.slug) == bool(args.week):
        raise UsageError("say what to pull: a SLUG (e.g. rec-weekly-en-2026-W22) or --week W22, not both")
    settings = load_settings()
    configure_logging(args, settings)
    registry, names = series_registry(settings, args)
    session = open_session(settings, announce=None if args.quiet else stderr)
    try:
        if args.week:
            langs = [args.lang] if args.lang else list(LANGS)
            with Progress(total=len(langs), quiet=args.quiet, description="pulling") as progress:
                chosen = names if requested_series(args) or not registry.single else []
                pulled = _pull_week_of_series(session, registry, chosen, args.week, langs, progress)
        else:
            from ..editor.pull import SLUG_PARTS

            parts = SLUG_PARTS.match(args.slug)
            named = requested_series(args)
            series = parts["series"] if parts else (named[0] if len(named) == 1 else None)
            pulled = [pull_slug(_series_session(session, registry, series), args.slug, lang=args.lang, series=series)]
    finally:
        session.close()

    to_stdout = args.out == "-"
    targets = []
    for item in pulled:
        if to_stdout:
            path = None
        elif args.out and args.week:
            path = Path(args.out) / f"{item.lang}.md"
        elif args.out:
            path = Path(args.out)
        else:
            path = item.default_path(settings.bot_content_dir)
        targets.append((item, path))

    if args.edited:
        return _pull_edited(args, targets, lambda item: _series_session(session, registry, item.series))

    # Check every target before writing any, so a refusal leaves nothing half-pulled: no file
    # (the Markdown or an image) may resolve out of its folder, e.g. through a symlinked en.md
    # or images/.
    for item, path in targets:
        if path is not None:
            _contained(path.parent, path.name)
            for rel in item.assets:
                _contained(path.parent, rel)
    _distinct_files(
        [(path, None) for _, path in targets if path is not None]
        + [(path.parent / rel, data) for item, path in targets if path is not None for rel, data in item.assets.items()]
        + _neighbours([path for _, path in targets if path is not None])
    )
    conflicts = [
        path
        for item, path in targets
        if path is not None and path.exists() and not equivalent(path, item.text, item.aliases)
    ]
    conflicts += [
        path.parent / rel
        for item, path in targets
        if path is not None
        for rel, data in item.assets.items()
        if (path.parent / rel).exists() and (path.parent / rel).read_bytes() != data
    ]
    if conflicts and not args.force:
        listing = ", ".join(str(p) for p in conflicts)
        err = BotError(
            f"{listing} already exist{'s' if len(conflicts) == 1 else ''} and differ{'s' if len(conflicts) == 1 else ''} from Notion; nothing was written"
        )
        err.hint = (
            "use --force to overwrite, or --out - to print the pulled Markdown instead (git diff shows what changes)"
        )
        raise err

    results = []
    for item, path in targets:
        for note in item.notes:
            if not args.quiet:
                stderr(f"note: {item.slug}: {note}")
        holds_token = contains_secret(item.text)
        if holds_token:
            stderr(
                f"warning: {item.slug}: the page's content contains the Notion token (or 8+ characters of it)"
                + (
                    f"; it is in {path} as Notion has it: remove it there and in Notion"
                    if path is not None
                    else ": printed as [REDACTED]"
                )
            )
        if path is None:
            if not args.json:
                sys.stdout.write(without_secrets(item.text) if holds_token else item.text)
            action = "printed"
        else:
            action = (
                "unchanged"
                if path.exists() and equivalent(path, item.text, item.aliases)
                else ("updated" if path.exists() else "created")
            )
            if action != "unchanged":
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text_for(path, item), encoding="utf-8")
            for rel, data in item.assets.items():  # images hosted by Notion, as local files
                asset = _contained(path.parent, rel)
                if not (asset.exists() and asset.read_bytes() == data):
                    asset.parent.mkdir(parents=True, exist_ok=True)
                    asset.write_bytes(data)
        results.append(
            {
                "slug": item.slug,
                "lang": item.lang,
                "page_id": item.page_id,
                "url": item.url,
                "path": str(path) if path else None,
                "action": action,
                "notes": item.notes,
            }
            | ({"text": without_secrets(item.text)} if path is None else {})
        )
    if args.json:
        print(json.dumps({"pulled": results}, ensure_ascii=False, indent=2))
    elif not to_stdout:
        for r in results:
            print(f"{r['action']:<9} {r['path']}  ({r['slug']}, page {r['page_id']})")
    if not args.quiet and not to_stdout and not args.json:
        stderr("next: review with `git diff`, check with `bot validate`, then `bot publish --week <week> --dry-run`")
    return ExitStatus.SUCCESS


def _series_session(session, registry, name: str | None):
    """The session as series `name` sees it (its mapping, its database); the session itself
    for a name no mapping file has (BOT_MAPPING: one mapping for all)."""
    from ..series_registry import session_for

    found = registry.get(name) if name else None
    return session_for(session, found) if found is not None and not registry.single else session


def _pull_week_of_series(session, registry, names: list[str], week: str, langs: list[str], progress):
    """A week's pages of every chosen series, each from its own database (a series without a
    page of that week is skipped; none at all is the usual error)."""
    from ..editor.pull import pull_week

    if registry.single:
        return pull_week(session, week, langs, progress=progress, series=set(names) or None)
    pulled, missing = [], None
    for name in names:
        try:
            pulled += pull_week(_series_session(session, registry, name), week, langs, progress=progress, series={name})
        except SelectionError as exc:
            if "no page of that week" not in str(exc):
                raise
            missing = exc
    if not pulled and missing is not None:
        raise missing
    return pulled


def _pull_edited(args, targets, session_of) -> int:
    """`bot pull --edited`: Notion's version of the edited blocks, into the files that exist."""
    from ..editor.pull import accept_pulled, text_for

    missing = [str(path) for _, path in targets if path is not None and not path.is_file()]
    if missing:
        raise SelectionError(
            f"--edited takes edits into existing files, and {', '.join(missing)} does not exist; pull without --edited to create it"
        )
    for _, path in targets:
        if path is not None:
            _contained(path.parent, path.name)
    paths = [path for _, path in targets if path is not None]
    _distinct_files([(path, None) for path in paths] + _neighbours(paths))
    # Every file's new text first: an edit that cannot be placed stops the pull before any file is written.
    planned = [
        (
            item,
            path,
            path.read_text(encoding="utf-8") if path is not None else "",
            text_for(path, item, edited_only=True) if path is not None else item.text,
        )
        for item, path in targets
    ]
    results = []
    for item, path, source, text in planned:
        if path is None:
            sys.stdout.write(text)
            action = "printed"
        elif text != source:
            path.write_text(text, encoding="utf-8")
            action = "updated"
        else:
            action = "unchanged"  # no edit, or every edit is in the file already
        if path is not None and (item.edited or item.edited_fields):
            accept_pulled(session_of(item), item)  # in the file now: no conflict, even if the file changes it again
        results.append(
            {
                "slug": item.slug,
                "lang": item.lang,
                "page_id": item.page_id,
                "path": str(path) if path else None,
                "action": action,
                "edited_blocks": sorted(item.edited),
                "edited_fields": sorted(item.edited_fields),
            }
        )
    if args.json:
        print(json.dumps({"pulled": results}, ensure_ascii=False, indent=2))
    elif args.out != "-":
        for r in results:
            edits = (
                f"{len(r['edited_blocks'])} block(s) edited in Notion"
                if r["edited_blocks"]
                else "no block edited in Notion"
            )
            if r["edited_fields"]:
                edits += f", {', '.join(r['edited_fields'])} edited in Notion"
            if (r["edited_blocks"] or r["edited_fields"]) and r["action"] == "unchanged":
                edits += ", already in the file"
            print(f"{r['action']:<9} {r['path']}  ({r['slug']}: {edits})")
    if not args.quiet and args.out != "-" and not args.json:
        stderr(
            "next: review with `git diff`, then `bot publish --week <week> --dry-run` (the kept edits are no longer drift)"
        )
    return ExitStatus.SUCCESS


def _contained(folder: Path, rel: str) -> Path:
    """`folder/rel`, refused unless it stays inside `folder` once symlinks are followed."""
    import os

    target = Path(os.path.realpath(folder / rel))
    if Path(os.path.realpath(folder)) not in target.parents:
        raise PullTargetError(
            f"refusing to write {folder / rel}: it resolves outside {folder} (a symlink?); nothing was written"
        )
    return target


def _neighbours(paths: list[Path]) -> list[tuple[Path, bytes | None]]:
    """The week's other language files beside the targets (`--lang en` leaves zh.md out of the
    pull): a target that is one of them on disk would overwrite it just the same."""
    from ..bilingual import LANGS

    names = {f"{lang}.md" for lang in LANGS}
    targets = {p.absolute() for p in paths}
    folders = sorted({p.absolute().parent for p in paths if p.name in names})
    return [
        (folder / name, None)
        for folder in folders
        for name in sorted(names)
        if (folder / name).absolute() not in targets and (folder / name).exists()
    ]


def _distinct_files(files: list[tuple[Path, bytes | None]]) -> None:
    """Refuse two files of one pull that are one file on disk (a symlink or hard link between
    them, e.g. en.md -> zh.md): writing both would leave the last one's text in it and lose the
    other page's. Each file comes with the bytes it gets, None for a Markdown file: a Markdown
    file is never shared; images are refused only when links make two names one file with
    different bytes."""
    import os

    seen: dict[tuple, tuple[Path, bytes | None]] = {}
    for path, data in files:
        try:
            found = os.stat(path)  # follows links: a hard link is the same inode under another name
            identity: tuple = ("inode", found.st_dev, found.st_ino)
        except OSError:  # not there yet (or a dangling link): where it would be created
            identity = ("path", os.path.realpath(path))
        if identity not in seen:
            seen[identity] = (path, data)
            continue
        other, other_data = seen[identity]
        if data is not None and other_data is not None and (other == path or data == other_data):
            continue  # images only: one name used by two pages (as before), or one image under two names
        link = path if path.is_symlink() else other if other.is_symlink() else path
        how = (
            f"{link} is a symlink to {os.path.realpath(link)}"
            if link.is_symlink()
            else "they are hard links of one file"
        )
        error = PullTargetError(
            f"refusing to write {other} and {path}: they are the same file on disk ({how}), "
            "so one page's text would overwrite the other's; nothing was written"
        )
        error.hint = (
            f"replace {link} by a file of its own (`rm {link}`, then pull again: it is created as a regular file)"
        )
        raise error


# --------------------------------------------------------------------------- preview
def cmd_preview(args) -> int:
    from ..state import state_dir

    settings = load_settings()

    def render() -> tuple[str, list]:
        from ..editor.preview import preview_html
        from ..mapping import load_mapping

        all_variants, chosen = with_diagnostics(settings, lambda: select_variants(settings, args))
        registry = series_registry(settings)[0]
        series = registry.get(chosen[0].front.series) if chosen else None
        if len({v.front.series for v in chosen}) > 1:
            raise UsageError(
                f"--week {args.week} has pages in several series ({', '.join(sorted({v.front.series for v in chosen}))}): preview one with --series NAME"
            )
        mapping = series.mapping if series is not None else load_mapping(settings.bot_mapping)
        return preview_html(chosen, all_variants, mapping, settings.zone, settings.image_roots)

    document, pages = render()  # fail early (and clearly) before writing or serving anything
    week = pages[0].variant.week if pages else args.week
    degradations = sum(len(p.report) for p in pages)
    if args.serve:
        return _serve(render, args.port, args.quiet, degradations)
    if args.out == "-":
        sys.stdout.write(document)
        return ExitStatus.SUCCESS
    out = Path(args.out) if args.out else state_dir(settings.state_dir).preview(week)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(document, encoding="utf-8")
    except OSError as exc:  # e.g. .bot/preview is a file, or the target a directory
        error = BotError(f"cannot write the preview to {out}: {exc.strerror or exc}")
        error.hint = (
            f"write it elsewhere with --out, or remove what is in the way ({out.parent} must be a folder, {out} a file)"
        )
        raise error from None
    print(out)
    if not args.quiet:
        slugs = ", ".join(p.variant.slug for p in pages)
        stderr(
            f"preview of {slugs}: open {out.resolve().as_uri()} in a browser"
            + (f" ({degradations} degradation(s) listed on the page)" if degradations else "")
        )
    return ExitStatus.SUCCESS


def _serve(render, port: int, quiet: bool, degradations: int) -> int:
    import html
    import threading

    from ..local.polite import MAX_REQUEST_BYTES, PoliteHandler, QuietThreadingHTTPServer
    from ..local.server import PAGE_CSP, host_allowed, refuse_host
    from ..progress import scrub

    class Handler(PoliteHandler):  # bounded bodies, an idle timeout, always an answer
        def do_GET(self):  # noqa: N802 - http.server API
            if not host_allowed(self.headers.get("Host"), "127.0.0.1"):
                return refuse_host(self)
            self.read_body(MAX_REQUEST_BYTES)  # a GET has none; a client's stray one is read (bounded) or refused
            if self.path.split("?", 1)[0] not in ("/", "/index.html"):
                self.send_error(404, "only / is served")
                return
            try:
                body = render()[0].encode("utf-8")  # re-read the content on every reload
                status = 200
            except Exception as exc:  # noqa: BLE001 - the page shows it; the server keeps serving
                text = str(exc) if isinstance(exc, BotError) else f"internal error: {type(exc).__name__}: {exc}"
                body = f"<!DOCTYPE html><meta charset=utf-8><title>preview error</title><pre>{html.escape(scrub(text))}</pre>".encode(
                    "utf-8"
                )
                status = 500
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Security-Policy", PAGE_CSP)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    from .common import StopSignals

    with StopSignals() as stop:  # before the URL is printed: a client may signal once it reads it
        try:
            server = QuietThreadingHTTPServer(("127.0.0.1", port), Handler)
        except OSError as exc:
            raise BotError(
                f"cannot listen on 127.0.0.1:{port}: {exc.strerror}; pick another port with --port (0 = any free port)"
            ) from None
        url = f"http://127.0.0.1:{server.server_address[1]}/"
        thread = threading.Thread(target=server.serve_forever, name="preview-serve", daemon=True)
        thread.start()
        try:
            print(url, flush=True)
            if not quiet:
                stderr(f"serving the preview on {url} — edit the Markdown and reload; Ctrl-C to stop")
            name = stop.wait()
        finally:
            server.shutdown()
            server.server_close()
    if not quiet:
        stderr(f"{name}: stopped serving the preview on {url}")
    return ExitStatus.SUCCESS
