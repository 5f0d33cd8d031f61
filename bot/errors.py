"""Error types the CLI knows how to report.

Every error a user can cause carries enough context to fix it: the file, the line, the
field and what was expected. The CLI maps these types to exit codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import IntEnum
from pathlib import Path


class ExitStatus(IntEnum):
    """Exit codes scripts can rely on (README → Exit codes)."""

    SUCCESS = 0
    ERROR = 1  # nothing half-published
    CHANGES_PENDING = 2  # `publish --dry-run --detailed-exitcode` found changes to make
    LOCK_BUSY = 3  # another bot process holds the publish lock, or this run lost it
    USAGE = 64  # EX_USAGE (sysexits.h): a mistyped command line; nothing was run
    INTERRUPTED = 130  # SIGINT (Ctrl-C); SIGTERM is 143 (128 + signal number)
    TERMINATED = 143


class BotError(Exception):
    """Base class: a failure the bot explains to the user (no traceback).

    Its message never holds a secret: the token (or the local bearer token) is replaced when
    the error is made, whoever quoted it (a server echoing an id, a setting pasted in the wrong place)."""

    exit_code: int = ExitStatus.ERROR
    hint: str | None = None

    def __init__(self, *args: object) -> None:
        super().__init__(*(without_secrets(a) if isinstance(a, str) else a for a in args))


SECRET_ENV = ("NOTION_TOKEN", "BOT_LOCAL_TOKEN")
_seen_secrets: set[str] = set()


def remember_secret(secret: str) -> None:
    """Called by the settings for each secret value they load."""
    _seen_secrets.add(secret)


def known_secrets() -> list[str]:
    """Every secret this process has been configured with (settings loaded so far, and the
    environment), longest first — what redaction replaces in any text that leaves the process."""
    import os

    found = set(_seen_secrets) | {os.environ.get(name, "").strip() for name in SECRET_ENV}
    return sorted((s for s in found if len(s) >= 4), key=len, reverse=True)


def without_secrets(text: str) -> str:
    return SecretMatcher.of(known_secrets()).redact(text)


def contains_secret(text: str) -> bool:
    """Whether `text` holds a secret this process knows, or any 8+ character run of one, in any case."""
    return SecretMatcher.of(known_secrets()).found(text)


PARTIAL_RUN = 8  # any run of this many characters of a secret counts as the secret


class SecretMatcher:
    """Finds secrets in text by content: exactly, case-folded, and partly — any run of
    PARTIAL_RUN or more characters of a secret (a server that echoes it upper-cased, or split
    over two lines, still does not get it out).

    Built once per set of secrets (`of` caches it): the set of every PARTIAL_RUN-character
    window of every secret (case-folded), and one compiled pattern for runs of the characters
    secrets are made of. A scan is linear: the pattern finds candidate runs in C, and only those
    are looked up window by window. Secrets shorter than PARTIAL_RUN match exactly only."""

    _cache: dict[tuple[str, ...], "SecretMatcher"] = {}

    def __init__(self, secrets: tuple[str, ...]):
        import re

        self.short = sorted((s for s in secrets if len(s) < PARTIAL_RUN), key=len, reverse=True)
        long = [s.casefold() for s in secrets if len(s) >= PARTIAL_RUN]
        self.windows = {s[i : i + PARTIAL_RUN] for s in long for i in range(len(s) - PARTIAL_RUN + 1)}
        alphabet = {c for s in long for c in (s + s.upper() + s.lower() + s.swapcase())}
        self.runs = (
            re.compile(f"[{''.join(re.escape(c) for c in sorted(alphabet))}]{{{PARTIAL_RUN},}}") if alphabet else None
        )

    @classmethod
    def of(cls, secrets) -> "SecretMatcher":
        key = tuple(sorted(set(secrets)))
        matcher = cls._cache.get(key)
        if matcher is None:
            if len(cls._cache) > 32:  # secrets change rarely (tests): keep the cache small
                cls._cache.clear()
            matcher = cls._cache[key] = cls(key)
        return matcher

    def _spans(self, text: str):
        """(start, end) of each stretch of `text` made of secret windows, in order."""
        if self.runs is None:
            return
        for run in self.runs.finditer(text):
            word = run.group().casefold()
            if len(word) != len(run.group()):  # casefold changed the length (ß → ss): compare per char
                word = "".join(c.casefold()[:1] for c in run.group())
            start = end = None
            for i in range(len(word) - PARTIAL_RUN + 1):
                if word[i : i + PARTIAL_RUN] in self.windows:
                    if end is not None and i <= end:
                        end = i + PARTIAL_RUN
                    else:
                        if end is not None:
                            yield run.start() + start, run.start() + end
                        start, end = i, i + PARTIAL_RUN
            if end is not None:
                yield run.start() + start, run.start() + end

    def found(self, text: str) -> bool:
        if not text:
            return False
        return any(True for _ in self._spans(text)) or any(s in text for s in self.short)

    def redact(self, text: str, replacement: str = "[REDACTED]") -> str:
        if not text:
            return text
        out, last = [], 0
        for start, end in self._spans(text):
            out.append(text[last:start])
            out.append(replacement)
            last = end
        if last:
            out.append(text[last:])
            text = "".join(out)
        for secret in self.short:
            text = text.replace(secret, replacement)
        return text


@dataclass
class Problem:
    """One problem found in a source file: ``file:line: field: message``."""

    path: Path | str
    line: int | None
    field: str | None
    message: str
    level: str = "error"
    column: int | None = None

    def __str__(self) -> str:
        where = str(self.path)
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        what = f"{self.field}: {self.message}" if self.field else self.message
        return f"{where}: {what}"

    def to_dict(self) -> dict:
        return {
            "file": str(self.path),
            "line": self.line,
            "column": self.column,
            "field": self.field,
            "level": self.level,
            "message": self.message,
        }


@dataclass
class ContentError(BotError):
    """Invalid content or mapping; nothing has been written."""

    problems: list[Problem] = field(default_factory=list)

    def __post_init__(self) -> None:
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


class ConfigError(BotError):
    """Settings or the target database are not usable as configured."""


class UsageError(BotError):
    """The command line itself is wrong (unknown flag, missing value, conflicting flags)."""

    exit_code = ExitStatus.USAGE

    def __init__(self, message: str, usage: str = "", hint: str | None = None):
        super().__init__(message)
        self.usage = usage
        self.hint = hint


class SelectionError(BotError):
    """The week/slug the user asked for does not identify content unambiguously."""


class PullTargetError(BotError):
    """A file `bot pull` would write is not safe to write (it resolves out of its folder, or two
    files of one pull are one file on disk); refused before anything is written."""


class LockBusyError(BotError):
    """Another bot process holds the publish lock."""

    exit_code = ExitStatus.LOCK_BUSY


class LockLostError(BotError):
    """The publish lock this run held is gone (its PostgreSQL session ended, its lock file
    was removed): the run stopped before its next write."""

    exit_code = ExitStatus.LOCK_BUSY
    hint = "another host may be publishing now; publish again to finish (the next run picks up where this one stopped)"


class DriftError(BotError):
    """A page was edited in Notion since the bot last published it (--on-drift fail)."""


class DuplicatePagesError(BotError):
    """More than one page carries the same slug: the bot never picks one silently."""


class RunInterrupted(BaseException):
    """Raised inside a run when SIGTERM/SIGINT asked it to stop.

    A BaseException (like KeyboardInterrupt) so that no ``except Exception`` in the engine
    swallows it; the lock's and the ledger's ``finally`` blocks still run.
    """


class StateShapeError(ConfigError):
    """A file of the state dir has the wrong shape (a directory where a file belongs, or the
    reverse): the message names it, the hint says how to fix it."""
