"""What every command shares: flags declared once, settings, logging, content selection,
validate-grade diagnostics, and stderr."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from contextlib import contextmanager
from typing import Callable, TypeVar

from ..errors import BotError, ContentError, RunInterrupted, UsageError

T = TypeVar("T")
ON_DRIFT = ("fail", "skip", "overwrite")


def stderr(message: str) -> None:
    """Notes and progress. A closed stderr (`bot run-due 2>&1 | head`) must not fail the run:
    from then on they are dropped. No secret gets through (bot.errors.SecretMatcher)."""
    from ..errors import without_secrets

    try:
        print(without_secrets(message), file=sys.stderr, flush=True)
    except (BrokenPipeError, ValueError):  # ValueError: already closed
        _drop_stream("stderr")


def _drop_stream(name: str) -> None:
    import os

    try:
        devnull = open(os.devnull, "w", encoding="utf-8")
    except OSError:
        return
    setattr(sys, name, devnull)


def load_settings():
    from ..settings import load_settings as load

    return load()


def require_sources(settings, *, content: bool = True) -> None:
    """Stop before anything runs when this folder has no content folder or mapping, saying
    which and how to fix it (a folder that is not the newsletter's, a wrong setting)."""
    from ..errors import ConfigError

    missing = settings.missing_sources(content=content)
    if missing:
        error = ConfigError("\n".join(missing))
        error.hint = "README → Configuration (BOT_CONTENT_DIR, BOT_MAPPING); nothing was run"
        raise error


# --------------------------------------------------------------------------- flags
def add_output_flags(
    p: argparse.ArgumentParser, *, verbose: bool = True, quiet_help: str = "no progress on stderr"
) -> None:
    p.add_argument("-q", "--quiet", action="store_true", help=quiet_help)
    if verbose:
        p.add_argument(
            "-v",
            "--verbose",
            action="count",
            default=0,
            help="request-level logs on stderr (-vv for HTTP details); the token is never logged",
        )


def add_json_flag(p: argparse.ArgumentParser, help: str = "machine-readable output on stdout") -> None:
    p.add_argument("--json", action="store_true", help=help)


def add_on_drift_flag(p: argparse.ArgumentParser, help: str) -> None:
    p.add_argument("--on-drift", choices=ON_DRIFT, default="fail", help=help)


def week_arg(text: str) -> str:
    """`--week`'s type: a malformed week is a usage error (exit 64) before anything runs;
    a well-formed week without content is the command's own error (exit 1)."""
    from ..errors import SelectionError
    from ..source import parse_week_spec

    try:
        _, number = parse_week_spec(text)
    except SelectionError:
        number = 0
    if not 1 <= number <= 53:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a week: expected W22 or 2026-W22 (ISO week 1-53, the year optional)"
        )
    return text


def add_selection_flags(
    p: argparse.ArgumentParser,
    week_help: str = "W22 or 2026-W22 (the year is inferred when only one year has that week)",
    all_help: str = "every week in the content directory",
) -> None:
    """--week and --all, which exclude each other (giving both is a usage error, exit 64;
    giving neither too, where the command needs one: see `require_selection`)."""
    group = p.add_mutually_exclusive_group()
    group.add_argument("--week", type=week_arg, help=week_help)
    group.add_argument("--all", action="store_true", help=all_help)


def add_allow_flag(p: argparse.ArgumentParser) -> None:
    from ..rules import ALLOWABLE

    p.add_argument(
        "--allow",
        action="append",
        default=[],
        choices=ALLOWABLE,
        metavar="RULE",
        help=f"accept content breaking this rule (repeatable; one of {', '.join(ALLOWABLE)}): it becomes a warning, listed as `degraded:` (README → The rule table)",
    )


def series_names(text: str) -> list[str]:
    """`--series`'s type: a name or a comma list (the flag may also be repeated)."""
    return [name.strip() for name in text.split(",") if name.strip()]


def add_series_flag(p: argparse.ArgumentParser, help: str | None = None) -> None:
    p.add_argument(
        "--series",
        action="append",
        type=series_names,
        default=[],
        metavar="NAME",
        help=help
        or "only this series (repeatable, or a comma list; default: every series — a series is a mapping file mappings/NAME.yaml, README → Several series)",
    )


def requested_series(args) -> list[str]:
    return [name for names in getattr(args, "series", None) or [] for name in names]


def series_registry(settings, args=None):
    """(the registry, the series names --series chooses: every series without it); an unknown
    name is a usage error (exit 64) listing the known ones."""
    from ..series_registry import load_registry

    registry = load_registry(settings)
    return registry, registry.select(requested_series(args) if args is not None else None)


def add_lang_flag(p: argparse.ArgumentParser, help: str = "only this language variant (default: both)") -> None:
    p.add_argument("--lang", choices=["en", "zh"], help=help)


def configure_logging(args, settings=None) -> None:
    """Logs to stderr with the token (and every other secret setting) redacted."""
    from ..progress import configure_logging as configure, settings_secrets

    configure(
        getattr(args, "verbose", 0), getattr(args, "quiet", False), settings_secrets(settings) if settings else ()
    )


# --------------------------------------------------------------------------- content
def select_variants(settings, args):
    """(all variants in content, the ones --week/--all/--lang choose, in publishing order)."""
    from ..bilingual import LANGS
    from ..source import read_all, select_week

    registry, names = series_registry(settings, args)
    aliases = registry.aliases_for(settings.bot_content_dir)
    if requested_series(args) and not registry.single:  # another series' broken file is not this run's
        folders = [settings.bot_content_dir / name for name in names]
        variants = [v for folder in folders if folder.is_dir() for v in read_all(folder, aliases)]
    else:
        variants = read_all(settings.bot_content_dir, aliases)
    in_series = _of_series(registry, variants, names, explicit=bool(requested_series(args)))
    if getattr(args, "all", False):
        chosen = in_series
    elif getattr(args, "week", None):
        chosen = select_week(in_series, args.week)
    else:
        raise UsageError("say which content to publish: --week W22 (or 2026-W22), or --all")
    if getattr(args, "lang", None):
        chosen = [v for v in chosen if v.lang == args.lang]
        if not chosen:
            raise BotError(f"no '{args.lang}' variant in the selection")
    return variants, sorted(chosen, key=lambda v: (v.week, LANGS.index(v.lang)))


def _of_series(registry, variants, names: list[str], *, explicit: bool):
    """The variants of the chosen series. Content of a series with no mapping file stops a
    run over every series (it would go nowhere) and is left alone when --series names others."""
    from ..errors import ConfigError

    if registry.single:
        return [v for v in variants if v.front.series in names] if explicit else variants
    orphans = sorted({v.front.series for v in variants} - set(registry.names))
    if orphans and not explicit:
        raise ConfigError(
            f"content of series {', '.join(orphans)} has no mapping: add mappings/{orphans[0]}.yaml (known series: {', '.join(registry.names)}), or choose with --series"
        )
    return [v for v in variants if v.front.series in names]


def with_diagnostics(settings, read: Callable[[], T]) -> T:
    """Call `read()` (which reads content); if it raises ContentError, raise the richer
    `bot validate` diagnostics instead (relative paths, columns, what to do next)."""
    from ..editor.validate import validate

    require_sources(settings)
    try:
        return read()
    except ContentError as exc:
        result = validate(settings)
        if result.errors:
            raise ContentError([d.to_problem() for d in result.errors]) from None
        raise exc


class StopOnSignal:
    """SIGTERM and SIGINT stop a run the same way in every command (`publish`, `run-due`):
    the request in flight completes, waits are cut short, nothing more is sent, the lock is
    released and the ledger records the run as interrupted (exit 128 + signal number). A
    second signal stops at once.

    `event`: the stop event the run watches (a new one by default)."""

    def __init__(self, event: threading.Event | None = None):
        self.event = event if event is not None else threading.Event()
        self.signum: int | None = None  # the first signal received

    @property
    def name(self) -> str:
        return signal.Signals(self.signum or signal.SIGINT).name

    @property
    def exit_status(self) -> int:
        return 128 + (self.signum or signal.SIGINT)

    @contextmanager
    def installed(self, clock=None):
        """Handlers for the duration of the block. `clock`: a StoppableClock whose reason
        (recorded in the ledger) should name the signal."""

        def on_signal(signum, frame):
            if self.signum is not None:  # asked twice: stop now
                raise RunInterrupted(f"{signal.Signals(signum).name}: stopped at once")
            self.signum = signum
            if clock is not None:
                clock.reason = f"{self.name}: stop requested"
            self.event.set()
            stderr(f"{self.name}: stopping after the request in flight")

        if threading.current_thread() is not threading.main_thread():
            yield  # signals are delivered to the main thread only
            return
        previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class StopSignals:
    """A server's stop: SIGTERM or SIGINT, whatever disposition was inherited — a job started
    with `… &` by a non-interactive shell begins with SIGINT ignored (SIG_IGN), and an ignored
    signal would leave the server running. Enter it before the server says where it listens
    (a client may signal as soon as it reads that); `wait()` returns the signal's name; the
    previous handlers are back on exit."""

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._received: list[int] = []
        self._previous: dict = {}

    def _on_signal(self, signum, frame) -> None:
        self._received.append(signum)
        self._stop.set()

    def __enter__(self) -> "StopSignals":
        self._previous = {sig: signal.signal(sig, self._on_signal) for sig in (signal.SIGTERM, signal.SIGINT)}
        return self

    def __exit__(self, *exc: object) -> None:
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)

    def wait(self) -> str:
        while not self._stop.wait(0.5):  # short waits: the handler runs between them on every platform
            pass
        return signal.Signals(self._received[0]).name
