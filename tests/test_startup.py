"""Start fast: commands import what they use when they run. `bot --help` and `bot validate`
load neither APScheduler nor the local workspace (nor the HTTP client or the lock library)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("apscheduler", "bot.local", "bot.schedule", "notion_client", "httpx", "filelock")

PROBE = """
import json, sys
from bot.cli import build_parser, main
{action}
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {top} or m.startswith({prefixes}))
sys.stderr.write("MODULES=" + json.dumps(heavy) + "\\n")
"""


def loaded_after(action: str) -> list[str]:
    top = {m for m in HEAVY if "." not in m}
    prefixes = tuple(m for m in HEAVY if "." in m)
    code = PROBE.format(action=action, top=sorted(top), prefixes=prefixes)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    line = next(l for l in proc.stderr.splitlines() if l.startswith("MODULES="))
    return json.loads(line.removeprefix("MODULES="))


@pytest.mark.parametrize(
    "action",
    [
        "build_parser().format_help()",
        "main(['validate'])",
        "main(['validate', '--json'])",
    ],
)
def test_help_and_validate_import_nothing_heavy(env, action):
    assert loaded_after(action) == []


def test_the_probe_sees_heavy_imports(env):
    """The same probe does see them when a command needs them (so the test above can fail)."""
    assert "bot.local" in loaded_after("main(['publish', '--week', 'W22', '--dry-run', '-q'])")


CONVERT_NEVER = (
    "sqlite3",
    "httpx",
    "notion_client",
    "pydantic",
    "pydantic_core",
    "pydantic_settings",
    "importlib.metadata",
    "hashlib",
    "bot.settings",
    "bot.mapping",
    "bot.front_matter",
    "bot.ledger.runs",
    "bot.convert.blocks_to_md",
    "bot.convert.normalize",
)


def test_convert_imports_only_what_it_uses(env):
    """`bot convert` turns Markdown into blocks: no ledger (sqlite3), no HTTP client, no way back
    from blocks to Markdown, no pydantic for plainly valid settings, mapping and front matter
    (bot/plain_inputs.py; with the test environment's settings), no hashing without an image —
    each would be start-up time paid by every convert."""
    probe = (
        "import io, contextlib, sys\n"
        "from bot.cli import main\n"
        f"with contextlib.redirect_stdout(io.StringIO()): code = main(['convert', {str(env / 'content/rec-weekly/2026-W22/en.md')!r}])\n"
        f"print(code, sorted(m for m in {CONVERT_NEVER!r} if m in sys.modules))\n"
    )
    proc = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, cwd=env)
    assert proc.stdout.split(None, 1) == ["0", "[]\n"], proc.stderr


def test_a_command_line_builds_its_own_group_with_the_same_parser():
    """`bot COMMAND …` builds only the parsers of COMMAND's group (argparse's set-up of all of
    them costs more than convert's own work); each is the parser the whole tree has."""
    import argparse

    from bot.cli import COMMAND_GROUP, build_parser

    def commands(parser):
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return sub.choices

    every = commands(build_parser())
    assert set(every) == set(COMMAND_GROUP)  # a new command must be added to the table
    for name, parser in every.items():
        own = commands(build_parser(name))
        assert len(own) < len(every) and own[name].format_help() == parser.format_help()
