"""Statutory deadlines of a complaint, in working days, with the clock paused while waiting for the consumer.

Accept or reject within 7 working days of receipt; conclude mediation within 45 working days of acceptance
(《市场监督管理投诉举报处理暂行办法》). The day of receipt (or acceptance) does not count; working days follow
the official calendar with its adjusted workdays (webapp.workdays). A pause runs from the day the handler asks
for information up to (not including) the day the consumer answers; while it is open there is no due date.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlmodel import Session, select

from webapp import workdays
from webapp.complaints import states
from webapp.complaints.models import Complaint, ComplaintPause
from webapp.complaints.schemas import SHANGHAI

DUE_SOON_WORKDAYS = 2


def local_date(moment: datetime) -> date:
    """The Asia/Shanghai calendar date of a UTC timestamp."""
    if moment.tzinfo is None:  # SQLite hands back naive UTC
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(SHANGHAI).date()


def _pauses(session: Session, complaint: Complaint) -> list[tuple[date, date | None]]:
    rows = session.exec(select(ComplaintPause).where(ComplaintPause.complaint_id == complaint.id))
    return [(p.started_on, p.ended_on) for p in rows]


def recompute(session: Session, complaint: Complaint) -> None:
    """Set the due date of the stage the complaint is in, from its start and its pauses."""
    pauses = _pauses(session, complaint)
    if complaint.state == states.SUBMITTED:
        start, n, field = local_date(complaint.received_at), workdays.ACCEPT_DECISION_WORKDAYS, "accept_due_on"
    elif complaint.state in (states.ACCEPTED, states.MEDIATING) and complaint.accepted_at:
        start, n, field = local_date(complaint.accepted_at), workdays.MEDIATION_WORKDAYS, "conclude_due_on"
    else:
        return
    due = workdays.add_workdays_with_pauses(start, n, pauses)
    setattr(complaint, field, due)
    if due is not None:
        complaint.deadline_source = workdays.source_for_span(start, due)


def current_due(complaint: Complaint) -> date | None:
    """The due date the complaint is working against now (None when closed or paused)."""
    if complaint.paused_since is not None:
        return None
    if complaint.state == states.SUBMITTED:
        return complaint.accept_due_on
    if complaint.state in (states.ACCEPTED, states.MEDIATING):
        return complaint.conclude_due_on
    return None


@dataclass(frozen=True)
class Clock:
    """Where a complaint stands against its deadline, for a row or a page."""

    due_on: date | None
    left: int | None  # working days left; negative when overdue
    paused: bool

    @property
    def overdue(self) -> bool:
        return self.left is not None and self.left < 0

    @property
    def due_soon(self) -> bool:
        return self.left is not None and 0 <= self.left <= DUE_SOON_WORKDAYS


def clock(complaint: Complaint, today: date) -> Clock:
    """The complaint's clock on `today`."""
    due = current_due(complaint)
    left = None if due is None else workdays.workdays_between(today, due)
    if due is not None and due < today:
        left = min(left, -1)
    return Clock(due_on=due, left=left, paused=complaint.paused_since is not None)


def resume(session: Session, complaint: Complaint, today: date) -> None:
    """Close any open pause on `today` (the consumer answered, or the case moved on) and recompute."""
    for pause in session.exec(select(ComplaintPause).where(ComplaintPause.complaint_id == complaint.id,
                                                           ComplaintPause.ended_on == None)):  # noqa: E711
        pause.ended_on = max(today, pause.started_on)
    complaint.paused_since = None
    session.flush()
    recompute(session, complaint)


def pause(session: Session, complaint: Complaint, today: date) -> None:
    """Stop the clock from `today` until the consumer answers."""
    session.add(ComplaintPause(complaint_id=complaint.id, started_on=today))
    complaint.paused_since = today
    session.flush()
    recompute(session, complaint)
