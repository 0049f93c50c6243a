"""What the inspection pages read: the form's lists, today's work, samples, orders, one record. No Flask here."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlmodel import Session, select

from webapp.auth.models import User
from webapp.campaigns.models import ENFORCEMENT, Campaign
from webapp.complaints.models import Complaint
from webapp.inspections.models import (ChecklistItem, ChecklistTemplate, Inspection, InspectionFinding,
                                       InspectionTask, RectificationOrder, Sample)
from webapp.media.models import Photo
from webapp.merchants.models import Merchant

DUE_SOON_DAYS = 3
# The checklist a merchant's sector most likely needs, to preselect on the form.
SECTOR_TEMPLATES = {"food": "food", "supermarket": "food", "catering": "food", "market": "measuring",
                    "agri_inputs": "agri", "fitness": "prepaid", "beauty": "prepaid", "education": "prepaid"}


def scoped(stmt, column, user: User):
    """Limit a query to the user's district (city-level staff see every district)."""
    return stmt if user.district_id is None else stmt.where(column == user.district_id)


def templates_with_items(session: Session) -> list[tuple[ChecklistTemplate, list[ChecklistItem]]]:
    """Every active checklist with its active items, in order: all of them go into the offline form."""
    templates = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.active == True)  # noqa: E712
                             .order_by(ChecklistTemplate.position, ChecklistTemplate.id)).all()
    items = session.exec(select(ChecklistItem).where(ChecklistItem.active == True)  # noqa: E712
                         .order_by(ChecklistItem.position, ChecklistItem.id)).all()
    return [(t, [i for i in items if i.template_id == t.id]) for t in templates]


def template_for(session: Session, merchant: Merchant | None) -> int | None:
    """The checklist to preselect for a merchant's sector, if any."""
    code = SECTOR_TEMPLATES.get(getattr(merchant, "sector", ""))
    template = session.exec(select(ChecklistTemplate).where(ChecklistTemplate.code == code)).first() if code else None
    return template.id if template and template.active else None


def district_merchants(session: Session, user: User) -> list:
    """The merchants an inspector may pick on the form (their district; all for city level), merged ones left out:
    rows of (id, name, address, district_id), all the form and merchants.json show (no ORM objects to build)."""
    stmt = scoped(select(Merchant.id, Merchant.name, Merchant.address, Merchant.district_id)
                  .where(Merchant.merged_into_id.is_(None)), Merchant.district_id, user)
    return list(session.exec(stmt.order_by(Merchant.name, Merchant.id)))


def running_campaigns(session: Session, user: User, today: date) -> list[Campaign]:
    """Enforcement campaigns running today that this user's inspections may count towards."""
    stmt = select(Campaign).where(Campaign.kind == ENFORCEMENT, Campaign.active == True,  # noqa: E712
                                  Campaign.starts_on <= today, Campaign.ends_on >= today)
    if user.district_id is not None:
        stmt = stmt.where((Campaign.district_id == None) | (Campaign.district_id == user.district_id))  # noqa: E711
    return list(session.exec(stmt.order_by(Campaign.starts_on.desc())))


def open_tasks(session: Session, user: User, today: date) -> list[tuple[InspectionTask, Merchant, str | None]]:
    """Planned or complaint-driven checks due today or earlier and not yet done, oldest first."""
    stmt = (select(InspectionTask, Merchant, Complaint.tracking_code)
            .join(Merchant, Merchant.id == InspectionTask.merchant_id)
            .outerjoin(Complaint, Complaint.id == InspectionTask.complaint_id)
            .where(InspectionTask.planned_on <= today, InspectionTask.inspection_id == None))  # noqa: E711
    stmt = scoped(stmt, InspectionTask.district_id, user)
    return list(session.exec(stmt.order_by(InspectionTask.planned_on, InspectionTask.id)))


def orders(session: Session, user: User, open_only: bool = True, due_by: date | None = None,
           limit: int | None = None) -> list[tuple[RectificationOrder, Inspection, Merchant]]:
    """Rectification orders with their inspection and merchant, earliest deadline (so overdue) first."""
    stmt = (select(RectificationOrder, Inspection, Merchant)
            .join(Inspection, Inspection.id == RectificationOrder.inspection_id)
            .join(Merchant, Merchant.id == RectificationOrder.merchant_id))
    stmt = scoped(stmt, Inspection.district_id, user)
    if open_only:
        stmt = stmt.where(RectificationOrder.closed_at == None)  # noqa: E711
        stmt = stmt.order_by(RectificationOrder.due_on, RectificationOrder.id)
    else:
        stmt = stmt.where(RectificationOrder.closed_at != None).order_by(  # noqa: E711
            RectificationOrder.closed_at.desc())
    if due_by is not None:
        stmt = stmt.where(RectificationOrder.due_on <= due_by)
    return list(session.exec(stmt.limit(limit) if limit else stmt))


def reinspections_due(session: Session, user: User, today: date):
    """Open orders due within three days or overdue: the re-inspections to make."""
    return orders(session, user, due_by=today + timedelta(days=DUE_SOON_DAYS))


def recent_of(session: Session, user: User, limit: int = 10) -> list[tuple[Inspection, Merchant]]:
    """The user's own latest inspections."""
    stmt = (select(Inspection, Merchant).join(Merchant, Merchant.id == Inspection.merchant_id)
            .where(Inspection.inspector_id == user.id)
            .order_by(Inspection.captured_at.desc(), Inspection.id.desc()).limit(limit))
    return list(session.exec(stmt))


def samples(session: Session, user: User, pending: bool, limit: int = 50) -> list[tuple[Sample, Inspection, Merchant]]:
    """Samples awaiting a lab result (oldest first), or those with one (latest first)."""
    stmt = (select(Sample, Inspection, Merchant).join(Inspection, Inspection.id == Sample.inspection_id)
            .join(Merchant, Merchant.id == Inspection.merchant_id))
    stmt = scoped(stmt, Inspection.district_id, user)
    if pending:
        stmt = stmt.where(Sample.lab_result == None).order_by(Inspection.captured_at, Sample.id)  # noqa: E711
    else:
        stmt = stmt.where(Sample.lab_result != None).order_by(Sample.result_on.desc(), Sample.id.desc())  # noqa: E711
    return list(session.exec(stmt.limit(limit)))


@dataclass
class Record:
    """Everything the inspection page shows."""

    inspection: Inspection
    merchant: Merchant
    template: ChecklistTemplate
    inspector: User | None
    rows: list[tuple[ChecklistItem, InspectionFinding | None, list[Photo]]]
    loose_photos: list[Photo]
    samples: list[Sample]
    orders: list[RectificationOrder]
    follow_ups: list[Inspection]
    complaint: Complaint | None


def record(session: Session, inspection: Inspection) -> Record:
    """Load an inspection's findings (every item of its checklist, answered or not), photos, samples, orders."""
    findings = {f.item_id: f for f in session.exec(
        select(InspectionFinding).where(InspectionFinding.inspection_id == inspection.id))}
    items = session.exec(select(ChecklistItem).where(ChecklistItem.template_id == inspection.template_id)
                         .order_by(ChecklistItem.position, ChecklistItem.id)).all()
    photos = session.exec(select(Photo).where(Photo.inspection_id == inspection.id).order_by(Photo.id)).all()
    by_finding: dict[int, list[Photo]] = {}
    for photo in photos:
        by_finding.setdefault(photo.finding_id, []).append(photo)
    rows = [(i, findings.get(i.id), by_finding.get(findings[i.id].id, []) if i.id in findings else [])
            for i in items if i.active or i.id in findings]
    return Record(
        inspection=inspection,
        merchant=session.get(Merchant, inspection.merchant_id),
        template=session.get(ChecklistTemplate, inspection.template_id),
        inspector=session.get(User, inspection.inspector_id),
        rows=rows,
        loose_photos=by_finding.get(None, []),
        samples=list(session.exec(select(Sample).where(Sample.inspection_id == inspection.id).order_by(Sample.id))),
        orders=list(session.exec(select(RectificationOrder).where(RectificationOrder.inspection_id == inspection.id)
                                 .order_by(RectificationOrder.id))),
        follow_ups=list(session.exec(select(Inspection).where(Inspection.follow_up_of == inspection.id)
                                     .order_by(Inspection.captured_at))),
        complaint=session.get(Complaint, inspection.complaint_id) if inspection.complaint_id else None,
    )


def item_texts(session: Session, ids) -> dict[int, ChecklistItem]:
    """Checklist items by id (for the items an order names)."""
    ids = list(ids)
    return {i.id: i for i in session.exec(select(ChecklistItem).where(ChecklistItem.id.in_(ids)))} if ids else {}
