"""What publishing a variant did (or, in a dry run, would do): its plan and its action."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..convert import Degradation
from ..source import Variant
from .plan import VariantPlan


@dataclass
class VariantResult:
    variant: Variant
    plan: VariantPlan
    action: str  # created / updated / unchanged / skipped / planned-*
    writes: int = 0
    report: list[Degradation] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "slug": self.variant.slug,
            "lang": self.variant.lang,
            "week": self.variant.week,
            "path": str(self.variant.path),
            "action": self.action,
            "page_id": self.plan.page_id,
            "url": self.plan.url,
            "writes": self.writes,
            "report": [d.to_dict() for d in self.report],
            "plan": self.plan.to_dict(),
        }
