"""A merchant's public record, the trusted list (放心消费示范单位) and the public merchant search. No Flask.

Everything here is counted, never listed: no complaint's text, consumer, photo or tracking code leaves
this module, only numbers and the published sampling results. Only merchants staff have verified are public:
a record a consumer typed in may name anything (even the consumer) until staff confirm it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import case, func
from sqlmodel import Session, select

from webapp.auth.models import District, utcnow
from webapp.complaints import states
from webapp.complaints.models import Complaint
from webapp.inspections.models import Inspection
from webapp.merchants.models import Merchant
from webapp.public import sampling

# The closure rate: of the complaints the office accepted, the share now resolved, closed or archived.
CONCLUDED = (states.RESOLVED, states.CLOSED, states.ARCHIVED)
WINDOW_DAYS = 365
MAX_HOPS = 10


def is_public(merchant: Merchant | None) -> bool:
    """Verified merchants that still exist on their own have a public record."""
    return merchant is not None and merchant.verified and merchant.merged_into_id is None


def resolve(session: Session, merchant_id: int) -> tuple[Merchant | None, bool]:
    """The record to show for `merchant_id`, following merges to the survivor; (merchant, moved?).
    None when there is no public record (unknown, or not verified by staff)."""
    merchant = session.get(Merchant, merchant_id)
    hops = 0
    while merchant is not None and merchant.merged_into_id is not None and hops < MAX_HOPS:
        merchant = session.get(Merchant, merchant.merged_into_id)
        hops += 1
    if not is_public(merchant):
        return None, False
    return merchant, merchant.id != merchant_id


@dataclass
class ComplaintFigures:
    received: int = 0
    accepted: int = 0
    concluded: int = 0

    @property
    def closure_rate(self) -> int | None:
        """Whole per cent, or None when nothing was accepted."""
        return round(100 * self.concluded / self.accepted) if self.accepted else None


@dataclass
class PublicRecord:
    merchant: Merchant
    district: District | None
    recent: ComplaintFigures
    all_time: ComplaintFigures
    inspections: int
    inspections_with_problems: int
    last_inspected: datetime | None
    samples: list = field(default_factory=list)
    samples_total: int = 0

    @property
    def problem_share(self) -> int | None:
        return round(100 * self.inspections_with_problems / self.inspections) if self.inspections else None


def _complaints(session: Session, merchant_id: int, since: datetime | None) -> ComplaintFigures:
    accepted = Complaint.accepted_at != None  # noqa: E711
    stmt = select(func.count(Complaint.id),
                  func.coalesce(func.sum(case((accepted, 1), else_=0)), 0),
                  func.coalesce(func.sum(case((accepted & Complaint.state.in_(CONCLUDED), 1), else_=0)), 0)
                  ).where(Complaint.merchant_id == merchant_id)
    if since is not None:
        stmt = stmt.where(Complaint.received_at >= since)
    received, accepted_n, concluded = session.exec(stmt).one()
    return ComplaintFigures(int(received), int(accepted_n), int(concluded))


def public_record(session: Session, merchant: Merchant, now: datetime | None = None) -> PublicRecord:
    """The figures of one merchant's public page (complaints over the last 12 months and all time)."""
    now = now or utcnow()
    total, failed, last = session.exec(
        select(func.count(Inspection.id),
               func.coalesce(func.sum(case((Inspection.result == "fail", 1), else_=0)), 0),
               func.max(Inspection.captured_at)).where(Inspection.merchant_id == merchant.id)).one()
    return PublicRecord(
        merchant=merchant,
        district=session.get(District, merchant.district_id) if merchant.district_id else None,
        recent=_complaints(session, merchant.id, now - timedelta(days=WINDOW_DAYS)),
        all_time=_complaints(session, merchant.id, None),
        inspections=int(total), inspections_with_problems=int(failed), last_inspected=last,
        samples=sampling.published_results(session, merchant_id=merchant.id, limit=50),
        samples_total=sampling.count_published(session, merchant_id=merchant.id))


def trusted_by_district(session: Session) -> list[tuple[District | None, list[Merchant]]]:
    """Trusted merchants grouped by district (in district order), names sorted."""
    rows = session.exec(select(Merchant).where(Merchant.trusted == True, Merchant.verified == True,  # noqa: E712
                                               Merchant.merged_into_id == None)  # noqa: E711
                        .order_by(Merchant.name)).all()
    districts = {d.id: d for d in session.exec(select(District).order_by(District.code))}
    groups: dict[int | None, list[Merchant]] = {}
    for merchant in rows:
        groups.setdefault(merchant.district_id, []).append(merchant)
    ordered = [(districts[d_id], groups[d_id]) for d_id in districts if d_id in groups]
    ordered += [(None, ms) for d_id, ms in groups.items() if d_id not in districts]
    return ordered


def _search_stmt(q: str):
    needle = q.strip().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return select(Merchant).where(Merchant.merged_into_id == None, Merchant.verified == True,  # noqa: E711,E712
                                  Merchant.name.ilike(f"%{needle}%", escape="\\"))


def search(session: Session, q: str, limit: int = 20, offset: int = 0) -> list[Merchant]:
    """Merchants whose name contains `q` (merged records hidden), by name."""
    if not q.strip():
        return []
    return list(session.exec(_search_stmt(q).order_by(Merchant.name, Merchant.id).limit(limit).offset(offset)))


def count_search(session: Session, q: str) -> int:
    if not q.strip():
        return 0
    return session.exec(select(func.count()).select_from(_search_stmt(q).subquery())).one()


def district_names(session: Session) -> dict[int, District]:
    return {d.id: d for d in session.exec(select(District))}
