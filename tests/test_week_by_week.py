"""Week by week: a run over many weeks holds one week's trees and blocks at a time — each
week's plans are released once planned (pages not written) or applied, and a page to create
gets its blocks again when its week is applied — with the same requests as before."""

from __future__ import annotations

from bot.engine.observer import Observer
from bot.engine.publish import Publisher, PublishOptions, group_by_week
from bot.source import read_all
from helpers import session


def holds_trees(plan) -> bool:
    return bool(plan.desired_blocks) or plan.live_blocks is not None or any(isinstance(b, dict) for b in plan.children)


def run_all(workspace, **options):
    """publish_groups over every week; what each week's plans hold when the next week is planned."""
    s, transport = session(workspace)
    variants = read_all(s.settings.bot_content_dir)
    weeks = group_by_week(variants)
    planned: list[list] = []
    held_when_next_planned: list[bool] = []

    class Watch(Observer):
        def on_planned(self, week):
            if planned:
                held_when_next_planned.append(any(holds_trees(r.plan) for r in planned[-1]))
            planned.append(week)

    results = Publisher(s, variants, PublishOptions(**options), Watch()).publish_groups(weeks)
    return results, planned, held_when_next_planned, transport


def test_a_first_publish_of_several_weeks_sets_each_weeks_blocks_aside_until_applied(workspace):
    results, planned, held, transport = run_all(workspace)
    assert len(planned) == 2 and held == [False]  # W14's blocks were not held while W22 was planned
    assert [r.action for r in results] == ["created"] * 4
    assert all(not holds_trees(r.plan) for r in results)  # released once applied
    # what was written is the whole of each page (blocks made again at apply time)
    assert sum(1 for method, path in transport.requests if method == "POST" and path == "/v1/pages") == 4
    again, _, _, transport = run_all(workspace)
    assert [r.action for r in again] == ["unchanged"] * 4 and transport.writes == 0


def test_a_no_op_and_its_dry_run_hold_no_tree_of_a_week_already_planned(workspace):
    run_all(workspace)
    for options in ({}, {"dry_run": True}):
        results, planned, held, transport = run_all(workspace, **options)
        assert held == [False] and all(not holds_trees(r.plan) for r in results)
        assert [r.plan.action for r in results] == ["unchanged"] * 4 and transport.writes == 0


def test_a_dry_run_keeps_what_it_shows_of_a_changed_page(workspace, env):
    run_all(workspace)
    path = env / "content/rec-weekly/2026-W14/en.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(
        text.replace("\n\n", "\n\nA new first paragraph.\n\n", 2).replace("A new first paragraph.\n\n", "", 1),
        encoding="utf-8",
    )
    results, planned, held, _ = run_all(workspace, dry_run=True)
    changed = [r for r in results if r.plan.action != "unchanged"]
    assert [r.variant.slug for r in changed] == ["rec-weekly-en-2026-W14"]
    assert "+A new first paragraph." in "\n".join(
        __import__("difflib").unified_diff(
            changed[0].plan.live_markdown.splitlines(), changed[0].plan.desired_markdown.splitlines(), lineterm=""
        )
    )
