"""Drift reports and per-block resolution (pure: no I/O).

Drift itself is decided in bot.engine.plan (detect_drift): content in Notion that differs from what the
bot last wrote or accepted, and that publishing would replace. This module words it for people
(each conflicting block with Notion's text and the file's) and narrows `--on-drift overwrite`
to the blocks named with `--block`.
"""

from __future__ import annotations

from ..errors import DriftError
from .plan import DeleteBlock, UpdateBlock, VariantPlan


def abbreviated(text: str | None, width: int = 100) -> str:
    """One line of at most `width` characters for a drift report (None: not in the file)."""
    if text is None:
        return "(not in the file: publishing deletes it)"
    line = " ⏎ ".join(part.strip() for part in text.strip().splitlines() if part.strip())
    return line if len(line) <= width else line[: width - 1] + "…"


def drift_lines(plan: VariantPlan) -> list[str]:
    """Each conflicting block of a plan with both texts, and each conflicting property."""
    drift = plan.drift
    out = []
    for b in drift.blocks:
        who = drift.who([b.edited_by]) if b.edited_by else "someone"
        out.append(f"    ! block {b.short_id} ({b.type}; {who}'s edit differs from the file):")
        out.append(f"        Notion: {abbreviated(b.notion)}")
        out.append(f"        file:   {abbreviated(b.file)}")
    for c in drift.properties:
        out.append(f"    ! property {c.name}: Notion: {abbreviated(c.old)}  file: {abbreviated(c.new)}")
    return out


def keep_unnamed_drift(drifted: list[VariantPlan], blocks: tuple[str, ...], *, strict: bool = True) -> None:
    """`--on-drift overwrite --block ID`: the named drifted blocks are overwritten; the other
    drifted blocks and drifted properties are left as Notion has them (they stay drift, so
    the next publish still reports them). Refused, before anything is written, when a
    prefix names no drifted block (`strict`)."""
    prefixes = [p.replace("-", "").lower() for p in blocks]
    named = {
        p: [b for plan in drifted for b in plan.drift.blocks if b.block_id.replace("-", "").lower().startswith(p)]
        for p in prefixes
    }
    unknown = [p for p, found in named.items() if not found]
    if unknown and strict:
        listing = (
            "; ".join(
                f"{plan.slug}: " + ", ".join(b.short_id for b in plan.drift.blocks)
                for plan in drifted
                if plan.drift.blocks
            )
            or "none"
        )
        raise DriftError(
            f"--block {', '.join(unknown)}: no drifted block has such an id (drifted blocks — {listing}); nothing was written"
        )
    for plan in drifted:
        keep = {
            b.block_id
            for b in plan.drift.blocks
            if not any(b.block_id.replace("-", "").lower().startswith(p) for p in prefixes)
        }
        plan.block_ops = [
            op for op in plan.block_ops if not (isinstance(op, (UpdateBlock, DeleteBlock)) and op.block_id in keep)
        ]
        for change in plan.drift.properties:
            plan.properties.pop(change.name, None)
            if change.name == "(page icon)":
                plan.icon = None
        conflicting = {c.name for c in plan.drift.properties}
        plan.property_changes = [c for c in plan.property_changes if c.name not in conflicting]
        plan.kept = sorted(keep) + sorted(conflicting)
        if not (plan.properties or plan.icon or plan.block_ops) and plan.action == "update":
            plan.action = "unchanged"
