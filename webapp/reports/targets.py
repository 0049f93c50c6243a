"""Plan targets (工作计划): the metrics a target can be set on, and the year's progress against them.

INTERFACE (filled in by the targets work; the summary codes against it):
    METRICS: dict[str, Metric]           # the catalogue, keyed by PlanTarget.metric
    progress(session, year, district, today) -> list[Progress]
"""
from __future__ import annotations

from dataclasses import dataclass

from webapp.reports.models import PlanTarget

MET, ON_TRACK, AT_RISK, MISSED, NO_DATA = "met", "on_track", "at_risk", "missed", "no_data"


@dataclass
class Progress:
    """Where one target stands."""
    target: PlanTarget
    label_zh: str          # document text, e.g. "群众满意率不低于 90%"
    label_en: str          # e.g. "Satisfaction at least 90 %"
    actual_zh: str         # e.g. "满意率 92.3%（已评价 130 件）"
    actual_en: str
    status: str            # MET | ON_TRACK | AT_RISK | MISSED | NO_DATA
    value: float | None    # the measured figure in the metric's own unit (share 0–1, count, fen …)
