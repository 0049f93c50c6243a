"""Risk: an explainable score per merchant, to send inspectors where the trouble is. No request code here.

Each factor is one aggregate query (GROUP BY merchant, or by inspection for recency weights) over a bounded
window, on SQLite and PostgreSQL alike; the points are added up in Python. Every point comes with a Reason,
so the page can say in words why a merchant is suggested. A supervisor turns a suggestion into a planned
InspectionTask (source "risk") with `plan`.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone

from flask_babel import force_locale, gettext as _, ngettext
from pydantic import BaseModel, field_validator
from sqlalchemy import func
from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import User
from webapp.complaints import states
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Category, Complaint
from webapp.complaints.schemas import SHANGHAI
from webapp.forms import FieldErrors
from webapp.inspections.models import (FAIL, Inspection, InspectionFinding, InspectionTask, RectificationOrder,
                                       Sample)
from webapp.inspections.policy import in_scope
from webapp.inspections.schemas import clean
from webapp.merchants.models import Merchant

# --- The weights (points). The targets page explains them with `method()`; change them here only. --------
COMPLAINT_WINDOW_DAYS = 180      # complaints received in the last 180 days count ...
COMPLAINT_HALF_LIFE_DAYS = 60    # ... a complaint 60 days old weighs half as much as one received today
COMPLAINT_POINTS = 10            # one complaint received today
SEVERE_FACTOR = 2                # food, drugs, agricultural inputs, or a safety hazard: counts double
SEVERE_CATEGORIES = frozenset({"food", "drugs", "agri"})        # Category.code (webapp/demo_data.py)
SEVERE_PROBLEMS = frozenset({"safety"})                         # Complaint.problem_type
UNRESOLVED_POINTS = 5            # each of those complaints still awaiting acceptance or in mediation
IGNORED_STATES = frozenset({states.REJECTED})  # not accepted (not a consumer dispute, duplicate …): no points
COLLECTIVE_POINTS = 20           # each collective complaint (群体投诉) among them
FINDING_WINDOW_DAYS = 365        # inspections of the last year count ...
FINDING_HALF_LIFE_DAYS = 120     # ... a failed item found 120 days ago weighs half
FAILED_ITEM_POINTS = 8           # one failed checklist item found today
SAMPLE_WINDOW_DAYS = 365
FAILED_SAMPLE_POINTS = 25        # each non-conforming sample taken in the last year
OVERDUE_ORDER_POINTS = 15        # each open rectification order past its deadline ...
OVERDUE_WEEK_POINTS = 5          # ... plus this per full week overdue ...
OVERDUE_WEEKS_CAP = 8            # ... for at most 8 weeks
RECENT_INSPECTION_DAYS = 14      # a merchant inspected in the last 14 days is not suggested again
PLAN_AHEAD_DAYS = 365            # a plan is for the coming year, not further
NOTE_MAX = 300                   # the supervisor's own words; the task note adds the reasons (500 in all)
TASK_NOTE_MAX = 500

OPEN_STATES = states.OPEN_STATES  # submitted, accepted, mediating: still unresolved
REASON_ORDER = ("overdue_orders", "failed_samples", "failed_items", "collective", "complaints")


@dataclass
class Reason:
    """One factor of a merchant's score: what it is, how many, and the points it adds."""

    code: str
    points: float
    count: int
    detail: dict = field(default_factory=dict)


@dataclass
class RiskScore:
    """A merchant's score with the reasons for it, largest first."""

    merchant_id: int
    name: str
    address: str
    district_id: int | None
    score: float
    reasons: list[Reason]
    last_inspected: date | None


def weight(age_days: int, half_life: int) -> float:
    """Recency weight: 1 today, 0.5 after one half-life, 0.25 after two."""
    return 0.5 ** (max(age_days, 0) / half_life)


def _since(today: date, days: int) -> datetime:
    """The UTC moment the last `days` calendar days (today included, China time) began."""
    start = datetime.combine(today - timedelta(days=days - 1), time(0), tzinfo=SHANGHAI)
    return start.astimezone(timezone.utc)


def _merchant_scope(stmt, district_id: int | None, merchant_ids=None):
    stmt = stmt.where(Merchant.merged_into_id == None)  # noqa: E711
    if district_id is not None:
        stmt = stmt.where(Merchant.district_id == district_id)
    if merchant_ids is not None:
        stmt = stmt.where(Merchant.id.in_(list(merchant_ids)))
    return stmt


# --- the factors ---------------------------------------------------------------------------------------

def _complaints(session: Session, today: date, district_id, merchant_ids) -> dict[int, list[Reason]]:
    stmt = (select(Complaint.merchant_id, Complaint.received_at, Complaint.state, Complaint.problem_type,
                   Complaint.cluster_id, Category.code)
            .join(Merchant, Merchant.id == Complaint.merchant_id)
            .join(Category, Category.id == Complaint.category_id)
            .where(Complaint.received_at >= _since(today, COMPLAINT_WINDOW_DAYS),
                   Complaint.state.not_in(list(IGNORED_STATES))))
    tally: dict[int, dict] = {}
    for merchant_id, received_at, state, problem, cluster_id, category in session.exec(
            _merchant_scope(stmt, district_id, merchant_ids)):
        t = tally.setdefault(merchant_id, {"n": 0, "open": 0, "severe": 0, "points": 0.0, "clusters": set()})
        severe = category in SEVERE_CATEGORIES or problem in SEVERE_PROBLEMS
        age = (today - local_date(received_at)).days
        t["n"] += 1
        t["points"] += COMPLAINT_POINTS * weight(age, COMPLAINT_HALF_LIFE_DAYS) * (SEVERE_FACTOR if severe else 1)
        if severe:
            t["severe"] += 1
        if state in OPEN_STATES:
            t["open"] += 1
            t["points"] += UNRESOLVED_POINTS
        if cluster_id is not None:
            t["clusters"].add(cluster_id)
    reasons: dict[int, list[Reason]] = {}
    for merchant_id, t in tally.items():
        found = reasons.setdefault(merchant_id, [])
        found.append(Reason("complaints", round(t["points"], 1), t["n"],
                            {"open": t["open"], "severe": t["severe"], "days": COMPLAINT_WINDOW_DAYS}))
        if t["clusters"]:
            found.append(Reason("collective", COLLECTIVE_POINTS * len(t["clusters"]), len(t["clusters"]), {}))
    return reasons


def _failed_items(session: Session, today: date, district_id, merchant_ids) -> dict[int, Reason]:
    # One row per inspection with failures: its date gives the weight of its failed items.
    stmt = (select(Inspection.merchant_id, Inspection.id, Inspection.captured_at, func.count(InspectionFinding.id))
            .join(InspectionFinding, InspectionFinding.inspection_id == Inspection.id)
            .join(Merchant, Merchant.id == Inspection.merchant_id)
            .where(InspectionFinding.answer == FAIL, Inspection.captured_at >= _since(today, FINDING_WINDOW_DAYS))
            .group_by(Inspection.merchant_id, Inspection.id, Inspection.captured_at))
    tally: dict[int, list] = {}
    for merchant_id, _id, captured_at, failed in session.exec(_merchant_scope(stmt, district_id, merchant_ids)):
        t = tally.setdefault(merchant_id, [0, 0, 0.0])
        age = (today - local_date(captured_at)).days
        t[0] += failed
        t[1] += 1
        t[2] += FAILED_ITEM_POINTS * failed * weight(age, FINDING_HALF_LIFE_DAYS)
    return {m: Reason("failed_items", round(points, 1), n, {"inspections": k})
            for m, (n, k, points) in tally.items()}


def _failed_samples(session: Session, today: date, district_id, merchant_ids) -> dict[int, Reason]:
    # Dated by the sampling (the inspection), which is when the goods were on the shelf.
    stmt = (select(Inspection.merchant_id, func.count(Sample.id))
            .join(Inspection, Inspection.id == Sample.inspection_id)
            .join(Merchant, Merchant.id == Inspection.merchant_id)
            .where(Sample.lab_result == FAIL, Inspection.captured_at >= _since(today, SAMPLE_WINDOW_DAYS))
            .group_by(Inspection.merchant_id))
    return {m: Reason("failed_samples", float(FAILED_SAMPLE_POINTS * n), n, {})
            for m, n in session.exec(_merchant_scope(stmt, district_id, merchant_ids))}


def _overdue_orders(session: Session, today: date, district_id, merchant_ids) -> dict[int, Reason]:
    # Open orders past their deadline are few (each is on an inspector's list): one row each.
    stmt = (select(RectificationOrder.merchant_id, RectificationOrder.due_on)
            .join(Merchant, Merchant.id == RectificationOrder.merchant_id)
            .where(RectificationOrder.closed_at == None, RectificationOrder.due_on < today))  # noqa: E711
    tally: dict[int, list] = {}
    for merchant_id, due_on in session.exec(_merchant_scope(stmt, district_id, merchant_ids)):
        late = (today - due_on).days
        t = tally.setdefault(merchant_id, [0, 0, 0])
        t[0] += 1
        t[1] = max(t[1], late)
        t[2] += OVERDUE_ORDER_POINTS + OVERDUE_WEEK_POINTS * min(late // 7, OVERDUE_WEEKS_CAP)
    return {m: Reason("overdue_orders", float(points), n, {"max_days": longest})
            for m, (n, longest, points) in tally.items()}


def reasons_by_merchant(session: Session, today: date, district_id: int | None = None,
                        merchant_ids=None) -> dict[int, list[Reason]]:
    """Every factor of every merchant with at least one (merged records left out), in REASON_ORDER."""
    found: dict[int, list[Reason]] = {}
    for merchant_id, reasons in _complaints(session, today, district_id, merchant_ids).items():
        found.setdefault(merchant_id, []).extend(reasons)
    for factor in (_failed_items, _failed_samples, _overdue_orders):
        for merchant_id, reason in factor(session, today, district_id, merchant_ids).items():
            found.setdefault(merchant_id, []).append(reason)
    for reasons in found.values():
        reasons.sort(key=lambda r: REASON_ORDER.index(r.code))
    return found


def excluded(session: Session, today: date, district_id: int | None = None) -> set[int]:
    """Merchants not to suggest: an open task is already on someone's list, or inspected very recently."""
    tasks = select(InspectionTask.merchant_id).where(InspectionTask.inspection_id == None)  # noqa: E711
    recent = select(Inspection.merchant_id).where(Inspection.captured_at >= _since(today, RECENT_INSPECTION_DAYS))
    if district_id is not None:
        tasks = tasks.join(Merchant, Merchant.id == InspectionTask.merchant_id).where(
            Merchant.district_id == district_id)
        recent = recent.join(Merchant, Merchant.id == Inspection.merchant_id).where(
            Merchant.district_id == district_id)
    return set(session.exec(tasks.distinct())) | set(session.exec(recent.distinct()))


def last_inspected(session: Session, merchant_ids) -> dict[int, date]:
    """The China-time date of each merchant's latest inspection."""
    ids = list(merchant_ids)
    if not ids:
        return {}
    stmt = (select(Inspection.merchant_id, func.max(Inspection.captured_at))
            .where(Inspection.merchant_id.in_(ids)).group_by(Inspection.merchant_id))
    return {m: local_date(_aware(at)) for m, at in session.exec(stmt) if at is not None}


def _aware(value) -> datetime:
    # SQLite may hand back max() of a timestamp as text.
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value


def _scores(session: Session, merchants: list[Merchant], reasons: dict[int, list[Reason]]) -> list[RiskScore]:
    last = last_inspected(session, [m.id for m in merchants])
    return [RiskScore(merchant_id=m.id, name=m.name, address=m.address, district_id=m.district_id,
                      score=round(sum(r.points for r in reasons.get(m.id, [])), 1),
                      reasons=reasons.get(m.id, []), last_inspected=last.get(m.id)) for m in merchants]


def scores(session: Session, district_id: int | None, today: date, limit: int = 20) -> list[RiskScore]:
    """The suggested targets of a district (None: the whole city), highest score first."""
    found = reasons_by_merchant(session, today, district_id)
    skip = excluded(session, today, district_id)
    totals = {m: sum(r.points for r in rs) for m, rs in found.items() if m not in skip}
    ranked = sorted((m for m, total in totals.items() if total > 0), key=lambda m: (-totals[m], m))[:limit]
    if not ranked:
        return []
    merchants = {m.id: m for m in session.exec(select(Merchant).where(Merchant.id.in_(ranked)))}
    return _scores(session, [merchants[m] for m in ranked], found)


def score_of(session: Session, merchant: Merchant, today: date) -> RiskScore:
    """One merchant's score and reasons, whether or not it is suggested (planned, inspected, merged …)."""
    found = reasons_by_merchant(session, today, merchant_ids=[merchant.id]) if merchant.merged_into_id is None else {}
    return _scores(session, [merchant], found)[0]


# --- words ---------------------------------------------------------------------------------------------

def explain(reason: Reason) -> str:
    """The reason as a sentence in the UI language."""
    n, d = reason.count, reason.detail
    if reason.code == "complaints":
        days, still_open, severe = d.get("days", COMPLAINT_WINDOW_DAYS), d.get("open", 0), d.get("severe", 0)
        if still_open and severe:
            return ngettext("%(num)s complaint in the last %(days)s days (%(open)s still open, %(severe)s about "
                            "food, drugs or safety)",
                            "%(num)s complaints in the last %(days)s days (%(open)s still open, %(severe)s about "
                            "food, drugs or safety)", n, days=days, open=still_open, severe=severe)
        if still_open:
            return ngettext("%(num)s complaint in the last %(days)s days (%(open)s still open)",
                            "%(num)s complaints in the last %(days)s days (%(open)s still open)",
                            n, days=days, open=still_open)
        if severe:
            return ngettext("%(num)s complaint in the last %(days)s days (%(severe)s about food, drugs or safety)",
                            "%(num)s complaints in the last %(days)s days (%(severe)s about food, drugs or safety)",
                            n, days=days, severe=severe)
        return ngettext("%(num)s complaint in the last %(days)s days", "%(num)s complaints in the last %(days)s days",
                        n, days=days)
    if reason.code == "collective":
        return ngettext("Named in %(num)s collective complaint", "Named in %(num)s collective complaints", n)
    if reason.code == "failed_items":
        return ngettext("%(num)s failed checklist item in the last year",
                        "%(num)s failed checklist items in the last year", n)
    if reason.code == "failed_samples":
        return ngettext("%(num)s non-conforming sample", "%(num)s non-conforming samples", n)
    if reason.code == "overdue_orders":
        days = d.get("max_days", 0)
        if n == 1:
            return ngettext("1 rectification order overdue by %(num)s day",
                            "1 rectification order overdue by %(num)s days", days)
        return ngettext("%(count)s rectification orders overdue, the longest by %(num)s day",
                        "%(count)s rectification orders overdue, the longest by %(num)s days", days, count=n)
    return reason.code


def method() -> list[str]:
    """How the score is made, one sentence per rule, from the weights above."""
    return [
        _("Each complaint of the last %(days)s days: %(points)s points, halved every %(half)s days of age; "
          "double for food, drugs, agricultural inputs or a safety hazard.",
          days=COMPLAINT_WINDOW_DAYS, points=COMPLAINT_POINTS, half=COMPLAINT_HALF_LIFE_DAYS),
        _("Each of them still awaiting acceptance or in mediation: %(points)s more points; "
          "complaints not accepted do not count.", points=UNRESOLVED_POINTS),
        _("Each collective complaint among them: %(points)s points.", points=COLLECTIVE_POINTS),
        _("Each failed checklist item of the last year: %(points)s points, halved every %(half)s days of age.",
          points=FAILED_ITEM_POINTS, half=FINDING_HALF_LIFE_DAYS),
        _("Each non-conforming sample of the last year: %(points)s points.", points=FAILED_SAMPLE_POINTS),
        _("Each rectification order past its deadline: %(points)s points, plus %(week)s per full week overdue "
          "(at most %(cap)s weeks).", points=OVERDUE_ORDER_POINTS, week=OVERDUE_WEEK_POINTS, cap=OVERDUE_WEEKS_CAP),
        _("Merchants with a check already planned, or inspected in the last %(days)s days, are not suggested.",
          days=RECENT_INSPECTION_DAYS),
    ]


def task_note(reasons: list[Reason], note: str = "") -> str:
    """The planned task's note: the supervisor's words, then the reasons (in Chinese, like the case file)."""
    with force_locale("zh_Hans_CN"):
        because = "\uff1b".join(explain(r) for r in reasons)  # ；: the note is Chinese
        text = _("Risk signals: %(reasons)s", reasons=because) if because else ""
    parts = [p for p in (note, text) if p]
    joined = "\n".join(parts)
    return joined if len(joined) <= TASK_NOTE_MAX else joined[:TASK_NOTE_MAX - 1] + "\u2026"


# --- planning ------------------------------------------------------------------------------------------

class PlanIn(BaseModel):
    """A supervisor's plan of one suggested target: the day and an optional note."""

    merchant_id: int
    planned_on: date
    note: str = ""

    @field_validator("note")
    @classmethod
    def _note(cls, value: str) -> str:
        value = clean(value)
        if len(value) > NOTE_MAX:
            raise ValueError(_("Please keep it under %(n)s characters.", n=NOTE_MAX))
        return value


def open_task(session: Session, merchant_id: int) -> InspectionTask | None:
    """A check of this merchant already on someone's list and not yet made."""
    return session.exec(select(InspectionTask).where(InspectionTask.merchant_id == merchant_id,
                                                     InspectionTask.inspection_id == None)  # noqa: E711
                        .order_by(InspectionTask.planned_on)).first()


def plan(session: Session, actor: User, data: PlanIn, today: date) -> InspectionTask:
    """Plan an inspection of a suggested target; FieldErrors (nothing written) when it may not be planned."""
    # Lock the merchant row (PostgreSQL) so two supervisors planning it at once make one task, not two.
    merchant = session.exec(select(Merchant).where(Merchant.id == data.merchant_id).with_for_update()).first()
    if merchant is None:
        raise FieldErrors({"merchant_id": _("This merchant does not exist.")})
    if not in_scope(actor, merchant.district_id) or merchant.district_id is None:
        raise FieldErrors({"merchant_id": _("This merchant is outside your district.")})
    if merchant.merged_into_id is not None:
        raise FieldErrors({"merchant_id": _("This record was merged into another merchant: plan that one.")})
    existing = open_task(session, merchant.id)
    if existing is not None:
        raise FieldErrors({"merchant_id": _("A check of this merchant is already planned for %(date)s.",
                                            date=existing.planned_on.isoformat())})
    if data.planned_on < today:
        raise FieldErrors({"planned_on": _("The date cannot be in the past.")})
    if data.planned_on > today + timedelta(days=PLAN_AHEAD_DAYS):
        raise FieldErrors({"planned_on": _("Please plan within the coming year.")})
    reasons = reasons_by_merchant(session, today, merchant_ids=[merchant.id]).get(merchant.id, [])
    task = InspectionTask(merchant_id=merchant.id, district_id=merchant.district_id, planned_on=data.planned_on,
                          source="risk", note=task_note(reasons, data.note), created_by_id=actor.id)
    session.add(task)
    session.flush()
    audit.record(session, actor, "inspection_task.plan", task, after={
        "merchant_id": merchant.id, "planned_on": data.planned_on, "source": "risk",
        "score": round(sum(r.points for r in reasons), 1), "note": task.note})
    return task
