"""Progress and diagnostic output on stderr (stdout is for data only).

Progress::

    with Progress(total=len(variants), quiet=args.quiet, description="publishing") as progress:
        publisher = Publisher(session, all_variants, options, observer)
        for group in group_by_week(chosen):
            results.extend(publisher.publish_group(group))
            progress.advance(len(group), label=group[0].week)

A rich progress bar on stderr when stderr is a terminal; completely silent when it is not (CI,
pipes, log files) or with ``quiet=True``. ``note(message)`` prints a line above the bar (and
nothing when silent), so it can be passed wherever a ``Callable[[str], None]`` progress hook is
expected.

Logging::

    configure_logging(verbose=args.verbose, quiet=args.quiet, secrets=[token])

``-v`` shows one line per Notion request (method, path, status), ``-vv`` adds HTTP-library
debug output. Every record that reaches a stderr handler passes through :class:`RedactingFilter`,
which replaces the configured secrets and anything shaped like a Notion token
(``secret_…``, ``ntn_…``) or an ``Authorization: Bearer …`` value with ``[REDACTED]``.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from typing import IO, Iterable

REDACTED = "[REDACTED]"
# Bearer credentials, Notion integration tokens (old `secret_…` and current `ntn_…`) and OAuth-ish values.
TOKEN_PATTERNS = (
    re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._~+/=-]+"),
    re.compile(r"\b(?:secret|ntn)_[A-Za-z0-9]{8,}"),
)


def redact(text: str, secrets: Iterable[str] = ()) -> str:
    from .errors import SecretMatcher

    # exactly, case-folded, and any 8+ character run of a secret (bot.errors.SecretMatcher)
    text = SecretMatcher.of(s for s in secrets if s and len(s) >= 4).redact(text, REDACTED)
    for pattern in TOKEN_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() and m.group(1) else "") + REDACTED, text)
    return text


def scrub(text: str | None) -> str | None:
    """`redact` with every secret this process knows (bot.settings.known_secrets): for text that
    leaves through another door than logging — error messages, --json errors, the run ledger."""
    if not text:
        return text
    from .errors import known_secrets

    return redact(text, known_secrets())


class RedactingFilter(logging.Filter):
    """Rewrites each record's final message so no secret reaches a handler.

    Attach it to *handlers* (not loggers): handler filters also see records propagated from
    third-party loggers (httpx, httpcore, notion_client).
    """

    def __init__(self, secrets: Iterable[str] = ()):
        super().__init__()
        self.secrets = [s for s in secrets if s]

    def add_secret(self, secret: str | None) -> None:
        if secret and secret not in self.secrets:
            self.secrets.append(secret)

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: still never leak the raw args
            message = str(record.msg)
        clean = redact(message, self.secrets)
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text, self.secrets)
        record.msg, record.args = clean, None
        return True


def install_redaction(secrets: Iterable[str] = (), logger: logging.Logger | None = None) -> RedactingFilter:
    """Add (or extend) a RedactingFilter on every handler of `logger` (default: the root logger)."""
    logger = logger or logging.getLogger()
    found: RedactingFilter | None = None
    for handler in logger.handlers:
        for existing in handler.filters:
            if isinstance(existing, RedactingFilter):
                found = existing
    found = found or RedactingFilter()
    for secret in secrets:
        found.add_secret(secret)
    for handler in logger.handlers:
        if found not in handler.filters:
            handler.addFilter(found)
    return found


def configure_logging(
    verbose: int = 0, quiet: bool = False, secrets: Iterable[str] = (), stream: IO | None = None
) -> None:
    """Logging on stderr at the level -v/-q ask for, with redaction on every handler.

    Works whether or not the CLI already called logging.basicConfig.
    """
    level = logging.WARNING
    if verbose:
        level = logging.DEBUG if verbose > 1 else logging.INFO
    if quiet:
        level = logging.ERROR
    root = logging.getLogger()
    if not root.handlers:
        logging.basicConfig(level=level, stream=stream or sys.stderr, format="%(levelname)s %(name)s: %(message)s")
    root.setLevel(level)
    # -v: one line per Notion request (bot.notion traces at DEBUG); -vv: HTTP internals too.
    logging.getLogger("bot.notion").setLevel(logging.DEBUG if verbose >= 1 and not quiet else logging.NOTSET)
    for noisy in ("httpx", "httpcore"):
        logging.getLogger(noisy).setLevel(logging.DEBUG if verbose > 1 else logging.WARNING)
    logging.getLogger("markdown_it").setLevel(logging.WARNING)  # per-rule parser traces: noise, never useful here
    install_redaction(secrets)


def settings_secrets(settings) -> list[str]:
    """The secrets a run may know: the Notion token and the local workspace's bearer token."""
    out = []
    token = getattr(settings, "notion_token", None)
    if token is not None and token.get_secret_value():
        out.append(token.get_secret_value())
    local = getattr(settings, "bot_local_token", None)
    if local:
        out.append(local)
    return out


class Progress:
    """Progress on stderr for runs over many items, phase by phase ("planning", then "applying").

    ``Progress(total, quiet)`` is a context manager; call ``phase(description, total)`` when a
    new phase starts, ``advance(n=1, label=...)`` after each item and ``note(message)`` for a
    line of commentary. On a terminal it draws a bar (``enabled``); where a bar cannot be drawn
    (stderr not a terminal — CI, pipes, log files — or TERM=dumb) it writes one plain line per
    item instead (``plain``), e.g. ``planning 1/2 rec-weekly-en-2026-W22``; ``quiet`` silences both.
    NO_COLOR keeps the bar but drops its colours.
    """

    def __init__(
        self,
        total: int | None,
        quiet: bool = False,
        description: str = "working",
        *,
        min_total: int = 1,
        stream: IO | None = None,
        force: bool | None = None,
    ):
        self.total = total
        self.description = description
        self.stream = stream or sys.stderr
        interactive = bool(getattr(self.stream, "isatty", lambda: False)()) and os.environ.get("TERM") != "dumb"
        enabled = interactive and not quiet and (total is None or total >= min_total)
        self.enabled = enabled if force is None else force
        self.plain = not self.enabled and not quiet and not interactive
        self.completed = 0
        self._progress = None
        self._task = None

    def __enter__(self) -> "Progress":
        if self.enabled:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, SpinnerColumn, TextColumn, TimeElapsedColumn
            from rich.progress import Progress as RichProgress

            console = Console(
                file=self.stream,
                force_terminal=True if self.enabled else None,
                no_color=bool(os.environ.get("NO_COLOR")) or None,
            )
            self._progress = RichProgress(
                SpinnerColumn(),
                TextColumn("[bold]{task.description}"),
                BarColumn(),
                MofNCompleteColumn(),
                TextColumn("{task.fields[label]}"),
                TimeElapsedColumn(),
                console=console,
                transient=True,
            )
            self._progress.__enter__()
            self._task = self._progress.add_task(self.description, total=self.total, label="")
        return self

    def __exit__(self, *exc) -> bool:
        if self._progress is not None:
            self._progress.__exit__(*exc)
            self._progress = None
        return False

    def phase(self, description: str, total: int | None = None) -> None:
        """A new phase: the count starts again (e.g. planning 2/2, then applying 0/2)."""
        self.description, self.completed = description, 0
        if total is not None:
            self.total = total
        if self._progress is not None:
            self._progress.reset(self._task, total=self.total, description=description, label="")

    def advance(self, n: int = 1, label: str = "") -> None:
        if isinstance(n, str):  # advance("W22") reads naturally too
            n, label = 1, n
        self.completed += n
        if self._progress is not None:
            self._progress.update(self._task, advance=n, label=label)
        elif self.plain:
            of = f"/{self.total}" if self.total is not None else ""
            print(f"{self.description} {self.completed}{of} {label}".rstrip(), file=self.stream, flush=True)

    def note(self, message: str) -> None:
        if self._progress is not None:
            self._progress.console.print(message, markup=False, highlight=False)

    __call__ = note  # usable directly as a Callable[[str], None] hook
