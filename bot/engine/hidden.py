"""Hidden until complete: no page is visible on the blog before all its blocks and its language
link are in (the mapping's `hide_until_complete`; README → "Hidden until complete").

Pure plan logic, no I/O. A new page whose create request cannot carry the whole page — its
language link goes in after the sibling exists, or its body needs more requests — goes up with
the rule's hidden value (`status: Draft`, which NotionNext does not build) and gets its own
value (`Published`) in one final property update, the *reveal*. A page whose create request
carries everything is complete the moment it appears, so it goes up as it is: one request, no
reveal. An update that turns a hidden page into a shown one (a page an interrupted run left
hidden, or front matter moved from Draft to Published) sends its properties last, after the
blocks. Every other update is unchanged: pages already live are never hidden again.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..properties import normalize_value

if TYPE_CHECKING:
    from ..mapping import HideUntilComplete, Mapping


@dataclass
class Reveal:
    """The final page update that makes a page visible, sent once it is complete."""

    property: str  # the visibility column, e.g. "status"
    hidden: str  # the value while the page is built (a create), or its live value (an update)
    shown: str  # the value it gets
    properties: dict  # the request values of that final update

    def to_dict(self) -> dict:
        return {"property": self.property, "hidden": self.hidden, "shown": self.shown}

    def still_hidden(self, slug: str) -> str:
        """What a user is told when a run fails while the page is hidden."""
        return f"{slug} stays hidden ({self.property}: {self.hidden}: not shown on the blog) until a publish completes it and sets {self.property}: {self.shown}."


def _rule(mapping: "Mapping", desired: dict) -> tuple["HideUntilComplete", str] | None:
    rule = mapping.hide_until_complete
    if rule is None:
        return None
    name = mapping.properties[rule.field].property
    return (rule, name) if name in desired else None  # the database lacks the column: nothing to hold back


def _select(value: dict | None) -> str | None:
    return normalize_value("select", (value or {}).get("select"))


def hold_back(mapping: "Mapping", desired: dict) -> tuple[dict, Reveal] | None:
    """For a new page built in several requests: the properties to create it with (hidden) and
    the reveal that follows; None when its value is not held back (Draft, Invisible) or the
    mapping has no rule."""
    found = _rule(mapping, desired)
    if found is None:
        return None
    rule, name = found
    shown = _select(desired[name])
    if shown not in rule.applies_to:
        return None
    hidden = {**desired, name: {"select": {"name": rule.hidden}}}
    return hidden, Reveal(name, rule.hidden, shown, {name: desired[name]})


def reveal_last(mapping: "Mapping", changed: dict, live_properties: dict) -> Reveal | None:
    """For an update: when its property changes turn a hidden page into a shown one, they are
    the reveal (sent after the blocks); None otherwise (the usual order, properties first)."""
    found = _rule(mapping, changed)
    if found is None:
        return None
    rule, name = found
    shown, was = _select(changed[name]), _select(live_properties.get(name))
    if shown not in rule.applies_to or was in rule.applies_to:
        return None
    return Reveal(name, was or "(empty)", shown, dict(changed))


def left_hidden_by_the_bot(mapping: "Mapping", page: dict, bot_user_id: str) -> bool:
    """A page the bot created that still has the hidden value: a run stopped while building it."""
    rule = mapping.hide_until_complete
    if rule is None or not bot_user_id or (page.get("created_by") or {}).get("id") != bot_user_id:
        return False
    return _select(page.get("properties", {}).get(mapping.properties[rule.field].property)) == rule.hidden
