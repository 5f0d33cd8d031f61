"""The publishing engine: publish one or more weeks, stage by stage.

Both language variants of a week are published together. Every variant is planned before
anything is written, so invalid content, duplicate pages or drift stop the run with nothing
half-published. A write whose outcome is unknown is reconciled by reading Notion again and
re-planning, which is also how an interrupted run converges.

`Publisher` orchestrates the stages, each a unit of its own that reaches the others through it:
`reader.LiveReader` (what Notion holds), `planner.Planner` (convert and plan, with the pure
`plan`), `applier.Applier` (write the plans with `apply.Writer`), `links.Linker` (links between
pages, twins), `memory.Memory` (page records and snapshots). What happens is told to one
`observer.Observer`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..bilingual import LANGS
from ..errors import DriftError
from ..session import Session
from ..source import Variant
from .applier import Applier
from .blockstore import block_types
from .drift import drift_lines, keep_unnamed_drift
from .links import Linker
from .memory import Memory
from .observer import Observer
from .plan import VariantPlan
from .planner import Planner
from .reader import LiveReader
from .records import PageRecords
from .results import VariantResult

__all__ = ["OnDrift", "PublishOptions", "Publisher", "VariantResult", "group_by_week"]

OnDrift = Literal["fail", "skip", "overwrite"]


@dataclass
class PublishOptions:
    dry_run: bool = False
    on_drift: OnDrift = "fail"
    strict: bool = False
    # With on_drift="overwrite": overwrite only the drifted blocks whose id starts with one of
    # these (dashes ignored); every other drifted block, and drifted properties, stay as Notion
    # has them. Empty: overwrite all drift.
    blocks: tuple[str, ...] = ()


class Publisher:
    """One run of the engine over a session; `all_variants`: the content as read (links and
    language siblings are looked up among them)."""

    def __init__(
        self, session: Session, all_variants: list[Variant], options: PublishOptions, observer: Observer | None = None
    ):
        self.session = session
        self.all_variants = all_variants
        self.options = options
        self.observer = observer or Observer()  # progress, the plan, each page (bot.engine.observer)
        self.records = PageRecords(session.settings.state_dir)
        # The stages, in the order they are built (each may reach the ones built before it).
        self.memory = Memory(self)
        self.reader = LiveReader(self)
        self.planner = Planner(self)
        self.applier = Applier(self)
        self.linker = Linker(self)

    def publish_group(self, variants: list[Variant]) -> list[VariantResult]:
        """Plan every variant of a week, check drift, then apply (unless dry run)."""
        return self.publish_groups([variants])

    def publish_groups(self, groups: list[list[Variant]]) -> list[VariantResult]:
        """Plan every variant of every group first — duplicates and drift stop the run before
        anything is written — then apply group by group (unless dry run)."""
        self.observer.on_phase("planning", sum(len(group) for group in groups))
        self.reader.series = self.reader.series or {v.front.series for group in groups for v in group}
        # One week at a time (see Planner._settle_unchanged): what stays planned is what will be written.
        planned = []
        as_planned: list[VariantResult] = []
        self.planner.weeks_planned_ahead = len(groups) > 1
        for group in groups:
            plans, lives, reports = self.planner.plan_group(group)
            planned.append((group, plans, lives, reports))
            week = [
                VariantResult(v, p, "drift" if p.drift else p.action, 0, reports[p.slug]) for v, p in zip(group, plans)
            ]
            as_planned.extend(week)
            self.observer.on_planned(week)  # so a failure from here on can still show the plan (--json)
        drifted = [p for _, plans, _, _ in planned for p in plans if p.drift]
        if drifted and self.options.on_drift == "fail" and not self.options.dry_run:
            raise _drift_error(drifted)
        if self.options.on_drift == "overwrite" and self.options.blocks:
            keep_unnamed_drift(drifted, self.options.blocks)
        if self.options.dry_run:
            return as_planned
        return self._apply(planned, [v for group in groups for v in group])

    def _apply(self, planned: list, variants: list[Variant]) -> list[VariantResult]:
        from .apply import Writer

        writer = Writer(self.session.api)
        self.observer.on_phase("applying", len(variants))
        results: list[VariantResult] = []
        while planned:
            group, plans, lives, reports = planned.pop(0)
            week = self.applier.apply_group(writer, group, plans, lives, reports)
            for result in week:
                self.planner.bodies.pop(result.variant.slug, None)
                _release(result.plan)
            for plan in plans:
                _release(plan)  # as planned (the caller may hold these: Observer.on_planned)
            results.extend(week)
            del group, plans, lives, reports, week
        self.linker.look_for_twins(writer, results)
        self.linker.complete_links(writer, results)
        self.linker.relink_healed_weeks()
        return results


def _drift_error(drifted: list[VariantPlan]) -> DriftError:
    names = "; ".join(f"{p.slug}: {p.drift.describe()}" for p in drifted)
    conflicts = "\n".join(line for p in drifted for line in drift_lines(p))
    error = DriftError(
        f"edited in Notion since the bot last published it — {names}. Re-run with --on-drift overwrite to replace those edits "
        f"(--block ID: only that block), or --on-drift skip.\n{conflicts}"
    )
    error.hint = (
        "to keep those edits instead, take them into the files: "
        + "; ".join(f"bot pull {p.slug} --edited" for p in drifted)
        + " (only their lines change), then publish again"
    )
    return error


def _release(plan: VariantPlan) -> None:
    """A plan once applied keeps what the summary, --json and the ledger show (action, ids,
    property changes, block operations, notes), not its trees: a created page's blocks
    become their types (the count is what is shown)."""
    plan.desired_blocks, plan.live_blocks = [], None
    if plan.children and isinstance(plan.children[0], dict):
        plan.children = block_types(plan.children)


def group_by_week(variants: list[Variant]) -> list[list[Variant]]:
    groups: dict[tuple[str, str], list[Variant]] = {}
    for v in variants:
        groups.setdefault(v.group, []).append(v)
    return [
        sorted(g, key=lambda v: LANGS.index(v.lang))
        for _, g in sorted(groups.items(), key=lambda kv: (kv[0][1], kv[0][0]))
    ]
