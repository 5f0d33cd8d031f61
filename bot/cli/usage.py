"""Usage errors: their own exit code (64, EX_USAGE), the subcommand's usage, "did you mean".

argparse exits 2 on a mistyped command line — the code `--detailed-exitcode` gives "changes
pending" — and prints the top-level usage for a subcommand's unknown flag. `BotArgumentParser`
raises `UsageError` instead, which `bot.cli.main` reports and maps to 64.
"""

from __future__ import annotations

import argparse
import difflib
import re

from ..errors import UsageError

_INVALID_CHOICE = re.compile(r"invalid choice: '([^']*)'")


class BotArgumentParser(argparse.ArgumentParser):
    """Every parser of the command line, subparsers included (`add_parser` makes its own class).

    Abbreviations are refused (`allow_abbrev=False`): argparse would otherwise take
    `--publish` or `--p` for `--publish-early` and publish a future issue at once. A prefix
    of a flag is a usage error whose hint names the flag(s) it starts."""

    def __init__(self, *args, **kwargs):
        kwargs["allow_abbrev"] = False  # not overridable: no command line may abbreviate
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # argparse API: must not return
        raise UsageError(message, usage=self.format_usage(), hint=self._suggestion(message))

    def _suggestion(self, message: str) -> str | None:
        match = _INVALID_CHOICE.search(message)
        if not match:
            return None
        choices = [c for action in self._actions for c in (action.choices or []) if isinstance(c, str)]
        return did_you_mean(match.group(1), choices)

    def option_strings(self) -> list[str]:
        return [option for action in self._actions for option in action.option_strings]

    def unrecognized(self, extras: list[str]) -> UsageError:
        """The error for arguments this (sub)parser does not know, with the closest flag."""
        flags = [e for e in extras if e.startswith("-")]
        first = (flags or extras)[0].split("=", 1)[0]
        hint = did_you_mean_flag(first, self.option_strings()) if first.startswith("-") else None
        return UsageError(
            f"unrecognized argument{'s' if len(extras) > 1 else ''}: {' '.join(extras)}",
            usage=self.format_usage(),
            hint=hint,
        )


def did_you_mean_flag(word: str, known: list[str]) -> str | None:
    """A flag typed short (`--p`, `--publish`) names the flags it starts first; otherwise
    the closest flag by spelling."""
    started = [flag for flag in known if flag.startswith(word) and flag.startswith("--") and len(word) > 2]
    if started:
        listed = " or ".join(started[:3])
        return f"did you mean {listed}? (flags are never abbreviated)"
    return did_you_mean(word, known)


def did_you_mean(word: str, known: list[str]) -> str | None:
    close = difflib.get_close_matches(word, known, n=1, cutoff=0.6)
    return f"did you mean {close[0]}?" if close else None


def selected_parser(parser: argparse.ArgumentParser, args: argparse.Namespace) -> argparse.ArgumentParser:
    """The innermost subparser the command line chose (`bot local show` → the `show` parser)."""
    current = parser
    while True:
        sub = next((a for a in current._actions if isinstance(a, argparse._SubParsersAction)), None)
        name = getattr(args, sub.dest, None) if sub else None
        if not name or name not in sub.choices:
            return current
        current = sub.choices[name]
