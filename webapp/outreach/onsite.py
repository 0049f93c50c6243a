"""On-site complaints (现场受理): an event's QR link, how long it takes complaints, and what came in. No Flask.

An event's QR link opens on the day it is held and takes complaints until QR_OPEN_DAYS days after (both days
included), unless someone who may close it (policy action "close_qr") does so earlier. The list of an event's
complaints is seen by its volunteers, so it carries no consumer's name, phone or description.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta

from sqlmodel import Session, select

from webapp import audit
from webapp.auth.models import HANDLER, SUPERVISOR, utcnow
from webapp.complaints import states
from webapp.complaints.deadlines import local_date
from webapp.complaints.models import Category, Complaint
from webapp.merchants.models import Merchant
from webapp.outreach import codes, policy
from webapp.outreach.models import OutreachEvent

QR_OPEN_DAYS = 7
CODE_ROLES = (HANDLER, SUPERVISOR)  # staff who may open the complaints themselves
UNKNOWN, CLOSED, NOT_YET = "unknown", "closed", "not_yet"


@dataclass(frozen=True)
class OnsiteRow:
    """One complaint filed through an event's QR link, as the event page lists it (no personal data)."""

    received_on: date
    category_name: str
    category_name_en: str
    merchant_name: str
    state: str
    tracking_code: str
    district_id: int
    show_code: bool = False  # set by detail_context for staff who may open the complaint


def open_until(event: OutreachEvent) -> date:
    """The last day the event's QR link takes complaints, unless closed earlier."""
    return event.held_on + timedelta(days=QR_OPEN_DAYS)


def link_problem(event: OutreachEvent, today: date) -> str | None:
    """None while the link takes complaints; "closed" (closed early or window over) or "not_yet"."""
    if event.qr_closed_at is not None or today > open_until(event):
        return CLOSED
    if today < event.held_on:
        return NOT_YET
    return None


def accepts_complaints(event: OutreachEvent, today: date) -> bool:
    """Whether the event's QR link takes complaints on `today` (a local Asia/Shanghai date)."""
    return link_problem(event, today) is None


def event_for_link(session: Session, raw_code: str | None, today: date) -> tuple[OutreachEvent | None, str | None]:
    """(event, None) when the link's code is open; (None, "unknown") or (event, "closed"/"not_yet") otherwise."""
    code = codes.normalize(raw_code)
    if not code:
        return None, UNKNOWN
    event = session.exec(select(OutreachEvent).where(OutreachEvent.public_code == code)).first()
    if event is None:
        return None, UNKNOWN
    return event, link_problem(event, today)


def onsite_complaints(session: Session, event: OutreachEvent) -> list[OnsiteRow]:
    """The complaints filed through the event's link, newest first; only columns safe for volunteers."""
    stmt = (select(Complaint.received_at, Category.name, Category.name_en, Merchant.name, Complaint.state,
                   Complaint.tracking_code, Complaint.district_id)
            .join(Category, Category.id == Complaint.category_id)
            .join(Merchant, Merchant.id == Complaint.merchant_id)
            .where(Complaint.event_id == event.id)
            .order_by(Complaint.received_at.desc(), Complaint.id.desc()))
    return [OnsiteRow(received_on=local_date(received), category_name=cat, category_name_en=cat_en or "",
                      merchant_name=merchant, state=state, tracking_code=code, district_id=district)
            for received, cat, cat_en, merchant, state, code, district in session.exec(stmt)]


def close_qr(session: Session, actor, event: OutreachEvent) -> OutreachEvent:
    """Stop the event's QR link taking complaints now; closing a closed link changes nothing."""
    if event.qr_closed_at is not None:
        return event
    event.qr_closed_at = utcnow()
    session.add(event)
    session.flush()
    audit.record(session, actor, "outreach.qr_close", event, before={"qr_closed_at": None},
                 after={"qr_closed_at": event.qr_closed_at})
    return event


def may_open_complaints(user, event: OutreachEvent) -> bool:
    """Handlers and supervisors of the event's district (or city level) see the tracking codes."""
    return bool(getattr(user, "is_authenticated", False) and user.role in CODE_ROLES
                and policy.in_scope(user, event.district_id))


def detail_context(session: Session, user, event: OutreachEvent, today: date) -> dict:
    """What outreach/_qr.html and outreach/_onsite.html need, besides `event` itself."""
    show_codes = may_open_complaints(user, event)
    rows = onsite_complaints(session, event)
    if show_codes:
        # The complaint is the merchant's district's: a district handler may not open another district's.
        rows = [replace(r, show_code=policy.in_scope(user, r.district_id)) for r in rows]
    problem = link_problem(event, today)
    return {
        "qr_open": problem is None,
        "qr_not_yet": problem == NOT_YET,
        "qr_until": open_until(event),
        "qr_closed_on": local_date(event.qr_closed_at) if event.qr_closed_at else None,
        "can_close_qr": problem != CLOSED and policy.can(user, "close_qr", event),
        "onsite": rows,
        "show_codes": show_codes,
        "onsite_states": states.LABELS,
    }
