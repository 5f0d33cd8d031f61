"""Several live pages with one slug: which one to keep, which to trash, or stop for a person.

Two publishers that do not share a lock (hosts without BOT_DATABASE_URL) can both find no page
for a slug and both create one. Such twins are harmless copies of what the bot writes, so
the bot heals them itself, and every host decides the same way without talking to the others:

* keep the oldest page (by `created_time`, then by id: Notion's timestamps have minute
  precision, so twins often share one) and move the others to the trash (recoverable);
* only when every page was created by the bot, no person edited one of the extras, and at
  least one of them holds what the bot would write now (the others may be an interrupted
  create's partial copy: the kept page is then brought up to date by the usual diff).

Anything else — a page a person created, an extra a person edited, pages that all differ
from the content — stops with the pages named: a person decides. Pure: no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Candidate:
    """One live page with the slug, as the rule needs to see it."""

    page_id: str
    created_time: str  # ISO 8601 as Notion returns it (UTC, so text order is time order)
    url: str | None
    by_bot: bool  # created by the bot's integration user
    edited_by: str | None  # a person who edited the page or one of its blocks, if any
    matches: bool  # holds what the bot would write now (the language link aside)

    def describe(self) -> str:
        facts = [f"created {self.created_time}"]
        if not self.by_bot:
            facts.append("not created by the bot")
        if self.edited_by:
            facts.append(f"edited by {self.edited_by}")
        if not self.matches:
            facts.append("content differs")
        return f"{self.page_id} ({self.url or 'no url'}; {', '.join(facts)})"


@dataclass(frozen=True)
class Resolution:
    keep: Candidate
    trash: list[Candidate] = field(default_factory=list)
    problem: str | None = None  # set: stop, nothing is trashed

    @property
    def heals(self) -> bool:
        return self.problem is None


def order(candidates: list[Candidate]) -> list[Candidate]:
    """Oldest first; the id breaks ties, so every host picks the same page."""
    return sorted(candidates, key=lambda c: (c.created_time, c.page_id))


# (does this stop healing?, why) — checked in this order; the first that applies wins.
STOP_RULES = (
    (lambda keep, extras: [c for c in [keep, *extras] if not c.by_bot], "not every page was created by the bot"),
    (lambda keep, extras: [c for c in extras if c.edited_by], "someone edited a page the bot would trash"),
    (
        lambda keep, extras: [] if any(c.matches for c in [keep, *extras]) else [keep, *extras],
        "none of them holds the content the bot would write",
    ),
)


def resolve(candidates: list[Candidate]) -> Resolution:
    """Keep the oldest and trash the others, or say why a person must decide."""
    if not candidates:
        raise ValueError("resolve() needs at least one page")
    keep, *extras = order(candidates)
    for offending, reason in STOP_RULES:
        if offending(keep, extras):
            return Resolution(keep, [], reason)
    return Resolution(keep, extras)
