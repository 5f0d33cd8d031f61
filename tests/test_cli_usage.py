"""The command line: no abbreviations anywhere, usage errors always exit 64 (with JSON under
--json), and the hint names the flag a prefix or a misspelling was meant for."""

from __future__ import annotations

import argparse
import json

import pytest

from bot.cli import build_parser
from bot.cli.usage import BotArgumentParser


def every_parser(parser: argparse.ArgumentParser, path: tuple[str, ...] = ("bot",)):
    """(command path, parser) for the whole tree: a new subcommand cannot escape the walk."""
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                yield from every_parser(sub, path + (name,))


PARSERS = list(every_parser(build_parser()))


def test_the_walk_reaches_nested_subcommands():
    names = {" ".join(path) for path, _ in PARSERS}
    assert {"bot", "bot publish", "bot run-due", "bot local show", "bot local user add"} <= names
    assert len(names) >= 15


@pytest.mark.parametrize("path,parser", PARSERS, ids=[" ".join(p) for p, _ in PARSERS])
def test_no_parser_accepts_abbreviations(path, parser):
    assert isinstance(parser, BotArgumentParser)
    assert parser.allow_abbrev is False
    # and it holds in practice: every long flag cut short is left unrecognized, never expanded
    operands = [
        str(i)
        for i, a in enumerate(parser._actions)
        if not a.option_strings and a.required and a.nargs != argparse.PARSER
    ]
    operands += [
        word for a in parser._actions if a.option_strings and a.required for word in (a.option_strings[0], "W22")
    ]  # preview --week
    for action in parser._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and len(flag) > 4:
                prefix = flag[:-1]
                if any(prefix == other for a in parser._actions for other in a.option_strings):
                    continue  # the prefix is itself a flag
                _, extras = parser.parse_known_args([*operands, prefix])
                assert extras == [prefix], (path, flag)


@pytest.mark.parametrize("flag", ["--publish", "--p", "--publish-e"])
def test_an_abbreviated_publish_early_is_a_usage_error_and_publishes_nothing(cli, workspace, flag):
    code, out, err = cli("publish", "--week", "W22", flag)
    assert code == 64 and out == ""
    assert err.startswith("usage: bot publish")
    assert "did you mean --publish-early?" in err and "never abbreviated" in err
    assert cli("runs")[1].strip() == "no runs recorded yet"  # nothing was run


def test_a_prefix_of_several_flags_names_them(cli):
    code, _, err = cli("publish", "--week", "W22", "--d")
    assert code == 64 and "did you mean --dry-run or --detailed-exitcode?" in err


def test_full_flags_and_short_clusters_still_work(cli):
    code, out, err = cli("publish", "--week=W22", "--dry-run", "-q")
    assert code == 0, err
    assert "Plan:" in out


@pytest.mark.parametrize(
    "argv,message",
    [
        (("publish",), "say which content to publish"),
        (("publish", "--dry-run"), "say which content to publish"),
        (("publish", "--week", "23"), "'23' is not a week"),
        (("publish", "--week", "W54"), "'W54' is not a week"),
        (("validate", "--week", "2026-22"), "'2026-22' is not a week"),
        (("preview", "--week", "22"), "'22' is not a week"),
        (("pull", "--week", "W22x"), "'W22x' is not a week"),
        (("pull",), "say what to pull"),
    ],
)
def test_usage_errors_exit_64_with_the_usage(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 64, err
    assert out == ""
    assert err.startswith(f"usage: bot {argv[0]}") and message in err


def test_a_well_formed_week_without_content_is_not_a_usage_error(cli):
    code, _, err = cli("publish", "--week", "W01", "--dry-run")
    assert code == 1 and "no content for that week" in err


@pytest.mark.parametrize(
    "argv,message",
    [
        (("publish", "--json"), "say which content to publish"),
        (("publish", "--week", "23", "--json"), "'23' is not a week"),
        (("publish", "--json", "--week", "W22", "--publish"), "unrecognized argument: --publish"),
        (("status", "--json", "--runs", "many"), "invalid int value"),
        (("local", "show", "x", "--json", "--bogus"), "unrecognized argument: --bogus"),
    ],
)
def test_usage_errors_under_json_print_a_json_error(cli, argv, message):
    code, out, err = cli(*argv)
    assert code == 64
    error = json.loads(out)["error"]
    assert error["type"] == "UsageError" and error["exit_code"] == 64
    assert message in error["message"]
    assert error["usage"].startswith("usage: bot ")
    assert message in err  # the message stays on stderr too


def test_without_json_a_usage_error_prints_nothing_on_stdout(cli):
    code, out, _ = cli("publish", "--week", "23")
    assert code == 64 and out == ""
    code, out, _ = cli("publish", "--week", "W22", "--jso")  # a misspelt --json is not --json
    assert code == 64 and out == ""


def test_json_after_double_dash_is_an_operand_not_the_flag(cli):
    code, out, _ = cli("validate", "--bogus", "--", "--json")
    assert code == 64 and out == ""
