"""One rule table for every command: the level of each content rule.

`bot validate` reports a rule at its level; `bot publish`, `bot run-due` and `bot schedule`
refuse content with errors (the week is not written) and publish content with warnings,
listing them as `degraded:` lines. So validate and publish always agree:

* ``error``   — validate: error (exit 1); publish: refused, unless the rule is `allowable` and
  `--allow RULE` is given (then it is a warning in both commands).
* ``warning`` — validate: warning (exit 0); publish: goes out with a `degraded:` line;
  `--strict` makes every warning an error in both commands.

README → "The rule table" documents the same table (a test keeps the two in step).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Rule:
    level: str  # "error" | "warning"
    allowable: bool  # `--allow RULE` turns its errors into warnings
    meaning: str


RULES: dict[str, Rule] = {
    "file": Rule("error", False, "the file exists, is UTF-8, not empty, not too large"),
    "front-matter": Rule("error", False, "YAML syntax, required fields, field types, slug = series-lang-week"),
    "mapping": Rule("error", False, "the mapping parses and names only front-matter fields"),
    "slug": Rule("error", False, "one slug per page; one variant per language and week"),
    "week": Rule("error", False, "a week folder (e.g. 2026-W22/) holds files of that `week:` only"),
    "week-date": Rule("error", True, "`date:` is not before the file's `week:` (a copied file keeps last week's date)"),
    "limits": Rule(
        "error",
        False,
        "every block, and the property values together, fit one Notion request (500 KB, 100 rich-text items of 2,000 characters, 100 options); larger content is split over several requests",
    ),
    "variant": Rule("error", True, "both language variants (en and zh) of a week exist"),
    "image": Rule("error", True, "local images exist (otherwise only the alt text would go out)"),
    "image-refused": Rule(
        "error",
        False,
        "local images are regular image files under BOT_CONTENT_DIR (or BOT_ASSETS_DIR) of a type and size Notion accepts; nothing else is ever read or uploaded",
    ),
    "link": Rule("error", True, "relative links point at a content file; #anchors at a heading"),
    "code-language": Rule("error", True, "fenced code languages are known to Notion (otherwise plain text)"),
    "dates": Rule(
        "warning",
        False,
        "en and zh dates of a week are at most a day apart; a date is at most 7 days after its `week:`",
    ),
    "week-title": Rule("warning", False, "the title does not name another week (a copied file)"),
    "empty-directory": Rule("warning", False, "a directory given to validate holds .md files"),
    "degradation": Rule("warning", False, "the converter's report: what Notion cannot show exactly"),
}

# Rules whose findings the converter reports itself, per variant, as `degraded:` lines.
REPORTED_BY_CONVERTER = frozenset({"degradation", "image", "link", "code-language"})
ALLOWABLE = sorted(name for name, rule in RULES.items() if rule.allowable)


def level_of(rule: str, *, allow: frozenset[str] | set[str] = frozenset(), strict: bool = False) -> str:
    """The level a diagnostic of `rule` has for a command run with --allow/--strict."""
    level = RULES[rule].level
    if level == "error" and rule in allow and RULES[rule].allowable:
        level = "warning"
    if strict:
        level = "error"
    return level


def markdown_table() -> str:
    """The table as the README shows it."""
    rows = ["| rule | `bot validate` | `bot publish` / `run-due` / `schedule` | checks |", "|---|---|---|---|"]
    for name, rule in RULES.items():
        if rule.level == "error":
            publish = "refuses the week" + (
                f" (`--allow {name}`: publishes, listed as `degraded:`)" if rule.allowable else ""
            )
        else:
            publish = "publishes, listed as `degraded:`"
        rows.append(f"| `{name}` | {rule.level} | {publish} | {rule.meaning} |")
    return "\n".join(rows)
